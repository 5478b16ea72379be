"""The sample corpus: which filing gets which injection, the PDFs of every district × department × year, labels.json.

Builds on the amount model (budgetml/synth/sample.py), the two templates (budgetml/synth/wuhan_template.py,
budgetml/synth/shanghai_template.py) and
the printed filing (budgetml/synth/sample_render.py), and on the 决算 of each department
(budgetml/synth/final_corpus.py); nothing in the generator imports this module back.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from budgetml.synth import sample_render, shanghai_template, wuhan_template
from budgetml.synth.config import SampleConfig, load_sample_config
from budgetml.synth.final_account import FinalSettings, load_final_settings
from budgetml.synth.final_corpus import department_finals, final_path, plan_final_injections, write_final
from budgetml.synth.inconsistencies import inject_inconsistency
from budgetml.synth.presentation import Presentation, draw_presentation, print_in_unit
from budgetml.synth.sample import (
    INCONSISTENCY_KINDS,
    NEEDS_PREVIOUS,
    OUTLIER_KINDS,
    DepartmentProfile,
    FilingNumbers,
    Injection,
    apply_outlier,
    build_departments,
    derive_numbers,
    select_department_types,
    select_districts,
    simulate,
    to_wan,
)
from budgetml.synth.sample_render import PrintedFiling
from budgetml.synth.varied_layout import form_table_ids, write_varied_pdf

LABELS_NAME = "labels.json"
LABELS_VERSION = 1
# Each template style's builder: a department-year's numbers as that template prints them.
TEMPLATES = {"wuhan": wuhan_template.build, "shanghai": shanghai_template.build}


def build_printed(config: SampleConfig, series: Sequence[FilingNumbers]) -> PrintedFiling:
    """The printed filing of series[-1] in its district's template; the earlier years supply the 上年 figures."""
    numbers = series[-1]
    return TEMPLATES[numbers.profile.style](config, numbers, list(series[:-1]))


# --- which filing gets which injection ---------------------------------------------------------------


@dataclass(frozen=True)
class FilingSlot:
    """One filing of the corpus before it is rendered."""

    profile: DepartmentProfile
    year: int
    has_previous: bool  # the department's previous-year filing is in the corpus too
    is_last_year: bool


def plan_injections(
    slots: Sequence[FilingSlot],
    inconsistency_share: float,
    outlier_share: float,
    outliers_last_year_only: bool,
    seed: int,
) -> dict[int, str]:
    """Slot index → injection kind: each kind in turn, on slots drawn at random among those it fits."""
    rng = random.Random(f"{seed}:injections")
    order = list(range(len(slots)))
    rng.shuffle(order)
    taken: dict[int, str] = {}

    def assign(kinds: Sequence[str], count: int, fits) -> None:
        for k in range(count):
            # The k-th kind in turn; when no slot is left for it (one year only: no previous filing), the next.
            for offset in range(len(kinds)):
                kind = kinds[(k + offset) % len(kinds)]
                slot = next((i for i in order if i not in taken and fits(slots[i], kind)), None)
                if slot is not None:
                    taken[slot] = kind
                    break

    def outlier_fits(slot: FilingSlot, kind: str) -> bool:
        return (slot.is_last_year or not outliers_last_year_only) and (slot.has_previous or kind not in NEEDS_PREVIOUS)

    def inconsistency_fits(slot: FilingSlot, kind: str) -> bool:
        return slot.has_previous or kind not in NEEDS_PREVIOUS

    # Outliers first: they fit fewer slots.
    assign(OUTLIER_KINDS, round(len(slots) * outlier_share), outlier_fits)
    assign(INCONSISTENCY_KINDS, round(len(slots) * inconsistency_share), inconsistency_fits)
    return taken


# --- the corpus ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingLabel:
    """The truth about one generated PDF, as written to labels.json."""

    path: str  # relative to the corpus folder
    filing_id: str  # sha256 of the PDF bytes: equals filing_id in the datasets
    region: str
    department: str
    department_type: str
    year: int
    layout: str
    style: str
    previous_path: str | None
    headline_wan: Mapping[str, float | None]
    headline_units: Mapping[str, str]  # the unit of the table each headline figure is printed in
    expenditure_items_wan: Mapping[str, float]  # code → 合计 of the expenditure summary
    expenditure_items_unit: str
    injections: tuple[Injection, ...] = field(default=())
    # Varied corpora only (`--vary`): the canonical ids of every table and form printed, and the presentation
    # knobs (the filing's, and per table what it finally printed with). Absent from default labels.
    tables: tuple[str, ...] | None = None
    presentation: Mapping | None = None
    doc_kind: str = "budget"  # budget (预算) or final_account (决算)

    @property
    def category(self) -> str:
        return self.injections[0].category if self.injections else "clean"

    def as_label(self) -> dict:
        varied_only = ("tables", "presentation")
        data = {k: v for k, v in self.__dict__.items() if k != "injections" and not (k in varied_only and v is None)}
        if self.tables is not None:
            data["tables"] = list(self.tables)
        data["headline_wan"] = dict(self.headline_wan)
        data["headline_units"] = dict(self.headline_units)
        data["expenditure_items_wan"] = dict(self.expenditure_items_wan)
        data["category"] = self.category
        data["injections"] = [i.as_label() for i in self.injections]
        return data


def generate_corpus(
    out_dir: Path,
    districts: int | Sequence[str] = 3,
    departments: int | Sequence[str] = 20,
    years: Sequence[int] = (2023, 2024, 2025),
    seed: int = 0,
    config: SampleConfig | None = None,
    inconsistency_share: float | None = None,
    outlier_share: float | None = None,
    vary: bool = False,
    final_accounts: bool = True,
) -> Path:
    """Write the disclosure PDFs of every district × department × year into out_dir plus out_dir/labels.json.

    Deterministic: the same arguments give byte-identical PDFs and labels. Returns the labels path.
    `districts` and `departments` take a count (the first N of configs/sample.toml) or slugs / type ids.
    `vary`: every filing prints with presentation knobs drawn at random (budgetml/synth/presentation.py)
    instead of its district's layout; the amounts, truth and injections are the same.
    `final_accounts`: each department also publishes its 部门决算 for every year but the last
    (budgetml/synth/final_corpus.py), in its district's layout; not in a varied corpus (its knobs vary budgets).
    """
    config = config or load_sample_config()
    years = sorted(set(years))
    if not years or years != list(range(years[0], years[-1] + 1)):
        raise ValueError(f"年度须连续，收到 {years}")
    inconsistency_share = config.inconsistency_share if inconsistency_share is None else inconsistency_share
    outlier_share = config.outlier_share if outlier_share is None else outlier_share
    profiles = build_departments(
        config, select_districts(config, districts), select_department_types(config, departments), seed
    )

    slots = [FilingSlot(p, y, y > years[0], y == years[-1]) for p in profiles for y in years]
    plan = plan_injections(slots, inconsistency_share, outlier_share, config.outliers_in_last_year_only, seed)
    final_settings = load_final_settings()
    final_plan = plan_final_injections(profiles, years, final_settings, seed) if final_accounts and not vary else {}
    out_dir = Path(out_dir)
    _remove_previous_corpus(out_dir)
    labels: list[FilingLabel] = []
    slot_index = 0
    for profile in profiles:
        drivers, all_years = simulate(config, profile, years, seed)
        series = [derive_numbers(config, profile, y, d) for y, d in zip(all_years, drivers)]
        printed_numbers = dict(zip(all_years, series))  # what each year's budget prints (outliers included)
        previous_path = None
        for year in years:
            k = all_years.index(year)
            kind = plan.get(slot_index)
            rng = random.Random(f"{seed}:inject:{profile.district.slug}:{profile.slug}:{year}")
            injections: tuple[Injection, ...] = ()
            numbers = series[k]
            if kind in OUTLIER_KINDS:
                numbers, injection = apply_outlier(config, profile, year, drivers[k], series[k - 1], kind, rng)
                injections = (injection,)
                printed_numbers[year] = numbers
            printed = build_printed(config, [*series[:k], numbers])
            presentation = None
            if vary:
                knobs_rng = random.Random(f"{seed}:presentation:{profile.district.slug}:{profile.slug}:{year}")
                presentation = draw_presentation(config.presentation, printed, knobs_rng)
                # The unit error prints the 三公 table in 元 under a 万元 unit: that table keeps its 万元.
                keep = frozenset({"sangong"}) if kind == "unit_error_x10000" else frozenset()
                printed = print_in_unit(printed, presentation, keep)
            if kind in INCONSISTENCY_KINDS:
                previous = build_printed(config, series[:k])
                printed, injection = inject_inconsistency(config, printed, previous, kind, rng)
                injections = (injection,)
            path = Path(profile.district.slug) / str(year) / f"{profile.district.slug}-{profile.slug}-{year}.pdf"
            if presentation is None:
                written = sample_render.write_pdf(printed, out_dir / path)
                labels.append(filing_label(printed, path.as_posix(), written, previous_path, injections))
            else:
                labels.append(_varied_filing(config, printed, presentation, out_dir, path, previous_path, injections))
            previous_path = path.as_posix()
            slot_index += 1
        if final_accounts and not vary:
            labels += final_labels(config, final_settings, profile, printed_numbers, years, final_plan, out_dir, seed)
    meta = {"seed": seed, "years": years, "districts": [d.slug for d in select_districts(config, districts)]}
    return write_labels(out_dir, labels, **meta, **({"vary": True} if vary else {}))


def final_labels(
    config: SampleConfig,
    settings: FinalSettings,
    profile: DepartmentProfile,
    budgets: Mapping[int, FilingNumbers],
    years: Sequence[int],
    plan: Mapping,
    out_dir: Path,
    seed: int,
) -> list[FilingLabel]:
    """Write one department's 决算 PDFs and return their labels (each 决算's previous path: last year's 决算)."""
    labels = []
    previous_path = None
    for year, printed, injections in department_finals(config, settings, profile, budgets, years, plan, seed):
        path = final_path(profile, year)
        written = write_final(printed, out_dir, path)
        labels.append(filing_label(printed, path.as_posix(), written, previous_path, injections, "final_account"))
        previous_path = path.as_posix()
    return labels


def _varied_filing(
    config: SampleConfig,
    printed: PrintedFiling,
    presentation: Presentation,
    out_dir: Path,
    path: Path,
    previous_path: str | None,
    injections: tuple[Injection, ...],
) -> FilingLabel:
    """Render a filing in its drawn presentation; its label records the knobs and the tables printed."""
    document = write_varied_pdf(printed, presentation, config.presentation, out_dir / path)
    label = filing_label(printed, path.as_posix(), out_dir / path, previous_path, injections)
    knobs = {
        **presentation.knobs(),
        "tables": {table_id: choice.as_label() for table_id, choice in document.tables.items()},
    }
    label = replace(label, tables=(*printed.tables, *form_table_ids(printed)), presentation=knobs)
    if presentation.zero == "blank":
        # A zero printed blank is no amount at all: a correct parser reads nothing there.
        label = replace(
            label,
            headline_wan={k: (None if v == 0 else v) for k, v in label.headline_wan.items()},
            expenditure_items_wan={k: v for k, v in label.expenditure_items_wan.items() if v != 0},
        )
    return label


def _remove_previous_corpus(out_dir: Path) -> None:
    """Delete the PDFs an earlier run listed in out_dir/labels.json, so no stale filing is parsed with the new ones.

    Only files this generator wrote (and listed) are touched; anything else in the folder stays.
    """
    path = out_dir / LABELS_NAME
    if not path.exists():
        return
    root = out_dir.resolve()
    for filing in json.loads(path.read_text(encoding="utf-8")).get("filings", []):
        old = (out_dir / filing["path"]).resolve()
        if old.suffix == ".pdf" and old.is_relative_to(root):  # never follow a path out of the folder
            old.unlink(missing_ok=True)


def write_labels(out_dir: Path, labels: Sequence[FilingLabel], **meta) -> Path:
    path = Path(out_dir) / LABELS_NAME
    data = {
        "version": LABELS_VERSION,
        "generator": "budgetml.sample",  # the name labels.json has always carried (labels version 1)
        **meta,
        "filings": [label.as_label() for label in labels],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- a filing's label ------------------------------------------------------------------------------------------------


# The table whose 合计 by code labels expenditure_items_wan, by document kind.
EXPENDITURE_TABLE = {"budget": "expenditure_summary", "final_account": "final_expenditure"}


def filing_label(
    printed: PrintedFiling,
    rel_path: str,
    written: Path,
    previous_path: str | None,
    injections: tuple[Injection, ...],
    doc_kind: str = "budget",
) -> FilingLabel:
    p = printed.profile
    headline = {k: (to_wan(v) if v is not None else None) for k, v in printed.headline_figures().items()}
    return FilingLabel(
        path=rel_path,
        filing_id=file_sha256(written),
        region=p.region,
        department=p.full_name,
        department_type=p.dtype.id,
        year=printed.year,
        layout=p.layout.id,
        style=p.style,
        previous_path=previous_path,
        headline_wan=headline,
        headline_units=printed.headline_units(),
        expenditure_items_wan={code: to_wan(v) for code, v in printed.expenditure_items().items()},
        expenditure_items_unit=printed.tables[EXPENDITURE_TABLE[doc_kind]].unit,
        injections=injections,
        doc_kind=doc_kind,
    )

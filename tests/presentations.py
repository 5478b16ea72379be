"""Presentations the parser was not built against, drawn with the synth renderer (issue 9's failures).

The one place these tests reach into the generator: a move inside budgetml/synth changes only this file.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from budgetml.synth.config import load_sample_config
from budgetml.synth.corpus import build_printed, filing_label
from budgetml.synth.presentation import TableDraw, draw_presentation, print_in_unit
from budgetml.synth.render import Disclosure, LayoutSettings, TableSpec, render_pdf
from budgetml.synth.sample import build_departments, derive_numbers, select_districts, simulate
from budgetml.synth.sample_render import PrintedFiling, PrintedTable, write_pdf
from budgetml.synth.seed import seed_disclosure
from budgetml.synth.varied_layout import varied_disclosure, write_varied_pdf

SEED_DEPARTMENT = "武昌区经济信息化和科技创新局(武昌区数据局)"


def seed_with_tables(change, layout: LayoutSettings | None = None) -> Disclosure:
    """The seed document with `change` applied to every table that has a header (forms stay as they are)."""
    doc = seed_disclosure()
    parts = tuple(change(p) if isinstance(p, TableSpec) and p.header else p for p in doc.parts)
    return replace(doc, parts=parts)


def unruled_caption_line_seed(path: Path) -> Path:
    """The seed unruled, `部门：…    金额单位：万元` on one line set just above each table (2 pt, not 6)."""

    def change(spec: TableSpec) -> TableSpec:
        return replace(spec, ruled=False, org_line=f"部门：{SEED_DEPARTMENT}", unit_prefix="金额单位：")

    render_pdf(seed_with_tables(change), path, LayoutSettings(title_gap_pt=2.0))
    return path


def shanghai_filing(year: int = 2026, seed: int = 11) -> PrintedFiling:
    """One generated Shanghai-template filing (普陀, 部门预算)."""
    config = load_sample_config()
    (profile,) = build_departments(
        config, select_districts(config, ["putuo"]), [sorted(config.department_types)[0]], seed
    )
    drivers, years = simulate(config, profile, (year,), seed)
    return build_printed(config, [derive_numbers(config, profile, y, d) for y, d in zip(years, drivers)])


def as_unit_budget(printed: PrintedFiling, cover: tuple[str, ...] | None = None) -> PrintedFiling:
    """The same filing printed as a 单位预算: titles `2026年预算单位…`, captions and cover `预算单位：X`."""
    name = printed.profile.full_name

    def retitle(part):
        if not isinstance(part, PrintedTable):
            return part
        org = part.org_line.replace("编制部门", "预算单位") if part.org_line else None
        return replace(part, title=part.title.replace("年部门", "年预算单位", 1), org_line=org)

    region = printed.profile.region
    cover = cover or (f"{region}{printed.year}年区级单位预算", f"预算单位：{name}")
    return replace(printed, cover=cover, parts=tuple(retitle(p) for p in printed.parts))


def write_printed(printed: PrintedFiling, path: Path) -> Path:
    return write_pdf(printed, path)


def expected_headlines(printed: PrintedFiling) -> dict[str, Decimal]:
    """The seven headline figures a correct parser reads from a generated Shanghai filing, in yuan."""
    t = printed.tables
    return {
        "total_income": t["income_summary"].value("total", "total"),
        "total_expenditure": t["expenditure_summary"].value("total", "total"),
        "basic_expenditure": t["expenditure_summary"].value("total", "basic"),
        "project_expenditure": t["expenditure_summary"].value("total", "project"),
        "personnel_expenditure": t["basic_expenditure_by_economic"].value("total", "personnel"),
        "public_expenditure": t["basic_expenditure_by_economic"].value("total", "public"),
        "sangong_total": t["sangong"].value("total", "sangong_total"),
    }


# The seed's tables printed with the varied corpus's presentation knobs (configs/sample.toml [presentation]),
# as TableSpec changes: grid (rule style and rule set), unit form, organisation label, repeated headers.
SEED_KNOBS = {
    "ruled_rect, 金额单位：, 编制部门：": dict(
        rule_style="rect", unit_prefix="金额单位：", org_line=f"编制部门：{SEED_DEPARTMENT}"
    ),
    "ruled, repeat_header": dict(repeat_header=True, unit_prefix="单位:"),
    "horizontal, 单位:": dict(rule_set="horizontal", unit_prefix="单位:"),
    "three_line, 部门：": dict(rule_set="three_line", org_line=f"部门：{SEED_DEPARTMENT}"),
}


def seed_with_knobs(knobs: str, path: Path) -> Path:
    """The seed rendered with one SEED_KNOBS presentation (its forms as printed)."""
    render_pdf(seed_with_tables(lambda spec: replace(spec, **SEED_KNOBS[knobs])), path)
    return path


def varied_filing(
    path: Path, district: str, type_id: str, breaks: dict[str, tuple[int, ...]] | None = None, **knobs
) -> dict:
    """One generated filing (2025, 2024 before it) printed by the varied layout with the given presentation knobs
    (the others drawn with seed 0; no page breaks) and page breaks before the given body rows of the given tables.
    Returns its label: what a correct parser reads (headline_wan, expenditure_items_wan)."""
    config = load_sample_config()
    (profile,) = build_departments(config, select_districts(config, [district]), [type_id], 0)
    drivers, years = simulate(config, profile, (2024, 2025), 0)
    printed = build_printed(config, [derive_numbers(config, profile, y, d) for y, d in zip(years, drivers)])
    presentation = draw_presentation(config.presentation, printed, random.Random(0))
    presentation = replace(presentation, tables={t: TableDraw(False, (), True) for t in presentation.tables}, **knobs)
    document = varied_disclosure(printed, presentation, config.presentation)
    specs = [part for part in document.disclosure.parts if isinstance(part, TableSpec) and part.header]
    n_rows = {table_id: len(spec.rows) for table_id, spec in zip(document.tables, specs)}
    tables = dict(presentation.tables)
    for table_id, before in (breaks or {}).items():
        tables[table_id] = replace(tables[table_id], break_shares=tuple(b / n_rows[table_id] for b in before))
    presentation = replace(presentation, tables=tables)
    printed = print_in_unit(printed, presentation)
    write_varied_pdf(printed, presentation, config.presentation, path)
    return filing_label(printed, path.name, path, None, ())

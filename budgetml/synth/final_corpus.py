"""The sample corpus's 部门决算: which 决算 gets which injection, the PDFs, their labels.

A department's 决算 of year Y executes the numbers its Y budget filing prints (outliers included), so
budget_execution.parquet can link the two; the corpus prints a 决算 for every requested year but the last
(a 决算 comes out the year after). Called by budgetml/synth/corpus.py once per department.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from budgetml.synth.config import SampleConfig
from budgetml.synth.final_account import (
    FINAL_INCONSISTENCY_KINDS,
    FINAL_OUTLIER_KINDS,
    FinalNumbers,
    FinalSettings,
    execution_rate,
    final_series,
)
from budgetml.synth.final_inconsistencies import inject_final_inconsistency
from budgetml.synth.final_template import PrintedFinal, build_final, write_final_pdf
from budgetml.synth.sample import Change, DepartmentProfile, FilingNumbers, Injection

Slot = tuple[str, str, int]  # (district slug, department slug, year)


def final_years(years: Sequence[int]) -> list[int]:
    """The years a corpus prints a 决算 for: every requested year but the last."""
    return sorted(years)[:-1]


def plan_final_injections(
    profiles: Sequence[DepartmentProfile], years: Sequence[int], s: FinalSettings, seed: int
) -> dict[Slot, str]:
    """(district, department, year) → injection kind for the 决算 that get one: each kind in turn, on slots drawn at random."""
    wanted = final_years(years)
    type_of = {(p.district.slug, p.slug): p.dtype.id for p in profiles}
    slots = [(p.district.slug, p.slug, y) for p in profiles for y in wanted]
    rng = random.Random(f"{seed}:final-injections")
    order = list(slots)
    rng.shuffle(order)
    # Outliers in the last 决算 year only (a later 决算 would show the recovery as a second, unlabelled anomaly),
    # one per department type: three low 统计局 in one year would be their peers' median, not outliers.
    plan: dict[Slot, str] = {}
    n_outliers = round(len(slots) * s.outlier_share)
    for slot in order:
        taken = {type_of[other[:2]] for other in plan}
        if len(plan) < n_outliers and slot[2] == wanted[-1] and type_of[slot[:2]] not in taken:
            plan[slot] = FINAL_OUTLIER_KINDS[len(plan) % len(FINAL_OUTLIER_KINDS)]
    rest = [slot for slot in order if slot not in plan]
    for k, slot in enumerate(rest[: round(len(slots) * s.inconsistency_share)]):
        plan[slot] = FINAL_INCONSISTENCY_KINDS[k % len(FINAL_INCONSISTENCY_KINDS)]
    return plan


def department_finals(
    config: SampleConfig,
    s: FinalSettings,
    profile: DepartmentProfile,
    budgets: Mapping[int, FilingNumbers],
    years: Sequence[int],
    plan: Mapping[Slot, str],
    seed: int,
) -> list[tuple[int, PrintedFinal, tuple[Injection, ...]]]:
    """The printed 决算 of one department for each 决算 year, with the injections the plan gives them.

    `budgets` holds the numbers of every simulated year, as the budget filings print them: the carry-overs
    chain through the years before the first printed one, so each printed 决算 has last year's to compare with.
    """
    wanted = final_years(years)
    low = {
        y: s.low_execution_rate for y in wanted if plan.get((profile.district.slug, profile.slug, y)) == "low_execution"
    }
    finals = final_series({y: n for y, n in budgets.items() if y <= max(wanted, default=0)}, s, seed, low)
    clean = final_series({y: n for y, n in budgets.items() if y <= max(wanted, default=0)}, s, seed) if low else finals
    found = []
    for year in wanted:
        kind = plan.get((profile.district.slug, profile.slug, year))
        printed = build_final(config, finals[year], finals[year - 1])
        injections: tuple[Injection, ...] = ()
        if kind in FINAL_OUTLIER_KINDS:
            injections = (low_execution_label(clean[year], finals[year]),)
        elif kind in FINAL_INCONSISTENCY_KINDS:
            rng = random.Random(f"{seed}:final-inject:{profile.district.slug}:{profile.slug}:{year}")
            printed, injection = inject_final_inconsistency(s, printed, kind, rng)
            injections = (injection,)
        found.append((year, printed, injections))
    return found


def low_execution_label(clean: FinalNumbers, low: FinalNumbers) -> Injection:
    """The label of a 决算 whose department spent far less of its budget than its peers."""
    rate = float(execution_rate(low))
    change = Change(
        table="final_general_budget_by_function",
        row="合计",
        column="total",
        fact="execution_total_pct",
        expected=round(float(execution_rate(clean)), 1),
        printed=round(rate, 1),
        unit="%",
    )
    return Injection("low_execution", "outlier", f"支出决算仅为年初预算的 {rate:.1f}%，远低于同类部门", (change,))


def final_path(profile: DepartmentProfile, year: int) -> Path:
    """Where a 决算 is written in the corpus folder."""
    return Path(profile.district.slug) / str(year) / f"{profile.district.slug}-{profile.slug}-{year}-final-account.pdf"


def write_final(printed: PrintedFinal, out_dir: Path, path: Path) -> Path:
    """Render one 决算 into the corpus folder."""
    return write_final_pdf(printed, Path(out_dir) / path)

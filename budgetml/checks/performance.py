"""Rules on the performance forms (绩效目标表) and on units: composition, shares, cost targets, funding, activities, 元 vs 万元."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from budgetml.checks import forms
from budgetml.checks.compare import (
    WAN,
    form_sum_finding,
    half_of,
    half_unit,
    is_unit_factor,
    percent_finding,
    table_name,
    value_evidence,
    yuan_finding,
)
from budgetml.checks.inputs import FilingData
from budgetml.checks.registry import Evidence, Finding, cannot_run, message, rule
from budgetml.form_cells import FormCell, form_rows
from budgetml.normalise import squash

COMPOSITION_PARTS = ("人员类项目支出", "运转类项目支出", "特定目标类项目支出")
# The amount columns of the 支出构成 rows: the current year, then the two years before.
COMPOSITION_YEARS = ("当年金额", "前年金额", "上年金额")
_PROJECT_BUDGET = re.compile(r"^项目(当年|本年度)预算")
_PROJECT_TOTAL_BUDGET = re.compile(r"^项目总预算")
_PROJECT_NAME = re.compile(r"[(（](.+?)[)）]\s*$")  # 项目支出绩效目标表（网络建设运转维护经费）
# A 明细测算 amount over 100 times the project's budget was typed in 元 under a 万元 unit line.
ACTIVITY_UNIT_SLIP = 100
# Tables whose grand total, printed in 元 under a 万元 unit line, is 10000 times the filing's total.
UNIT_CHECKED_TABLES = ("income_summary", "general_budget_by_function", "basic_expenditure_by_economic", "projects")


def project_forms(f: FilingData) -> Iterator[tuple[str, list[list[FormCell]]]]:
    """(title, rows) of each project performance form of the filing."""
    for cells in forms.projects(f.form("performance_project")):
        yield cells[0].table_title, form_rows(cells)


def project_budget(
    f: FilingData, rows: list[list[FormCell]], title: str
) -> tuple[Decimal | None, tuple[Evidence, ...], Decimal]:
    """The project's budget for the year (yuan): printed in its form, else its row of the project table."""
    value = forms.labelled_value(rows, _PROJECT_BUDGET)
    if value is not None and value.yuan is not None:
        return value.yuan, value_evidence(value), half_unit(value)
    name = _PROJECT_NAME.search(squash(title))
    if name:
        row = f.cell("projects", "total", label=re.escape(name[1]) + r"(项目)?")
        if row is not None:
            return row.yuan, (row.evidence,), row.half_unit_yuan
    return None, (), Decimal(0)


def unit_suspect(total: Decimal | None, budget: Decimal | None) -> bool:
    """Whether a form's amount is 10,000 times the project's budget (within 0.1 %): typed in the wrong unit."""
    return bool(total and budget) and is_unit_factor(total, budget, abs(budget) / 1000)


@rule("perf.composition")
def perf_composition(f: FilingData) -> Iterator[Finding]:
    """The overall form's 支出构成: 合计 equals 人员类 + 运转类 + 特定目标类, for each year printed."""
    cells = f.form("performance_overall")
    if not cells:
        return
    rows = {r.label: r for r in forms.composition(cells)}
    parts = [rows.get(k) for k in COMPOSITION_PARTS]
    total = rows.get("合计")
    if total is None or any(p is None for p in parts):
        yield cannot_run("perf.composition", message("missing", "perf.composition"))
        return

    def amounts(row: forms.CompositionRow) -> list[forms.FormValue]:
        """The amounts of a row, percentages left out."""
        return [v for v in row.values if v.unit != "%"]  # current year, then previous years

    what = message("what", "perf.composition")
    for k, label in enumerate(COMPOSITION_YEARS):
        if k < len(amounts(total)) and all(k < len(amounts(p)) for p in parts):
            subject = f"支出构成合计（{label}）"
            yield form_sum_finding("perf.composition", subject, amounts(total)[k], [amounts(p)[k] for p in parts], what)


@rule("perf.shares")
def perf_shares(f: FilingData) -> Iterator[Finding]:
    """The overall form's shares: each part's printed % is its amount over 合计, and they add up to 100 %."""
    cells = f.form("performance_overall")
    rows = {r.label: r for r in forms.composition(cells)} if cells else {}
    total = rows.get("合计")
    if not rows or total is None:
        return
    total_amount = next((v for v in total.values if v.unit != "%"), None)
    shares = []
    for label in COMPOSITION_PARTS:
        row = rows.get(label)
        if row is None:
            continue
        amount = next((v for v in row.values if v.unit != "%"), None)
        share = next((v for v in row.values if v.unit == "%"), None)
        if amount is None or share is None or total_amount is None or not total_amount.number:
            continue
        shares.append(share)
        yield percent_finding(
            "perf.shares",
            label,
            share.number,
            share.decimals,
            amount.number,
            total_amount.number,
            half_of(amount.decimals),
            half_of(total_amount.decimals),
            message("share_of", "perf.shares", label=label, amount=amount.number, total=total_amount.number),
            value_evidence(share, amount, total_amount),
        )
    if len(shares) == len(COMPOSITION_PARTS):
        printed = sum(s.number for s in shares)
        tolerance = sum(half_of(s.decimals) for s in shares)
        passed = abs(printed - 100) <= tolerance
        yield Finding(
            "perf.shares",
            passed,
            "占比合计",
            message("sum_agrees" if passed else "sum_differs", "perf.shares", printed=printed),
            Decimal(100),
            printed,
            tolerance,
            "%",
            value_evidence(*shares),
        )


@rule("perf.cost_target")
def perf_cost_target(f: FilingData) -> Iterator[Finding]:
    """A project's 成本控制 target (≤) is within its budget: the annual one its year's, the long-term one its total."""
    for title, rows in project_forms(f):
        budget, evidence, budget_half = project_budget(f, rows, title)
        total_budget = forms.labelled_value(rows, _PROJECT_TOTAL_BUDGET)
        for target in forms.cost_targets(rows):
            limit = budget if target.is_annual else (total_budget.yuan if total_budget else None)
            if limit is None or target.value.yuan is None:
                yield cannot_run(
                    "perf.cost_target",
                    message(
                        "no_budget_annual" if target.is_annual else "no_budget_long_term",
                        "perf.cost_target",
                        title=title,
                    ),
                    title,
                )
                continue
            tolerance = half_unit(target.value) + budget_half
            passed = target.value.yuan <= limit + tolerance
            text = message(
                "target_annual" if target.is_annual else "target_long_term",
                "perf.cost_target",
                title=title,
                comparator=target.value.comparator,
                number=target.value.number,
                unit=target.value.unit,
                limit=limit / WAN,
            )
            subject = f"{title} {'年度' if target.is_annual else '长期'}成本控制"
            text += "" if passed else message("over_budget", "perf.cost_target")
            figures = value_evidence(target.value) + evidence
            yield yuan_finding("perf.cost_target", passed, subject, text, limit, target.value.yuan, tolerance, figures)


@rule("perf.funding_sources")
def perf_funding_sources(f: FilingData) -> Iterator[Finding]:
    """A project's 资金来源 合计 equals the sum of its numbered sources."""
    for title, rows in project_forms(f):
        block = forms.funding(rows)
        if block is None or block.total is None:
            continue
        budget, _, _ = project_budget(f, rows, title)
        if unit_suspect(block.total.yuan, budget):
            yield cannot_run(
                "perf.funding_sources", message("unit_mismatch", "perf.funding_sources", title=title), title
            )
            continue
        yield form_sum_finding(
            "perf.funding_sources",
            f"{title} 资金来源合计",
            block.total,
            list(block.sources),
            message("what", "perf.funding_sources"),
        )


@rule("perf.activities")
def perf_activities(f: FilingData) -> Iterator[Finding]:
    """A project's 明细测算 amounts add up to its budget for the year."""
    for title, rows in project_forms(f):
        amounts = forms.activities(rows)
        budget, evidence, budget_half = project_budget(f, rows, title)
        if not amounts:
            continue
        if budget is None:
            yield cannot_run("perf.activities", message("no_budget", "perf.activities", title=title), title)
            continue
        total = sum((a.yuan for a in amounts), Decimal(0))
        if unit_suspect(total, budget):
            yield cannot_run("perf.activities", message("unit_mismatch", "perf.activities", title=title), title)
            continue
        tolerance = budget_half + sum((half_unit(a) for a in amounts), Decimal(0))
        passed = abs(total - budget) <= tolerance
        text = message("compared", "perf.activities", title=title, total=total / WAN, budget=budget / WAN)
        text += "" if passed else message("differs", "perf.activities")
        figures = value_evidence(*amounts) + evidence
        yield yuan_finding("perf.activities", passed, f"{title} 明细测算", text, budget, total, tolerance, figures)


@rule("units.consistent")
def units_consistent(f: FilingData) -> Iterator[Finding]:
    """No amount is printed in 元 where its table says 万元: forms against the project's budget, tables against the total."""
    for title, rows in project_forms(f):
        budget, evidence, _ = project_budget(f, rows, title)
        block = forms.funding(rows)
        suspects = []
        if block and block.total is not None and not block.total.has_suffix and unit_suspect(block.total.yuan, budget):
            suspects.append(block.total)
        suspects += [
            a
            for a in forms.activities(rows)
            if not a.has_suffix and budget and a.yuan and a.yuan > budget * ACTIVITY_UNIT_SLIP
        ]
        if suspects:
            yield Finding(
                "units.consistent",
                False,
                title,
                message(
                    "form",
                    "units.consistent",
                    title=title,
                    numbers="、".join(str(v.number) for v in suspects),
                    unit=suspects[0].unit,
                    budget=budget / WAN,
                ),
                budget / WAN,
                suspects[0].yuan / WAN,
                None,
                "万元",
                value_evidence(*suspects) + evidence,
            )
    # A table printed in 元 under a 万元 unit line: its grand total is 10000 times the filing's total.
    reference = f.grand_total("expenditure_summary", "total")
    if reference is None:
        return
    # A 三公 figure is a small part of the budget: one larger than the whole budget was printed in 元 under a
    # 万元 unit line (read whatever column it landed in, so a misread row does not hide it).
    over = [a for a in f.table("sangong") if a.yuan > reference.yuan + reference.half_unit_yuan]
    if over:
        name = table_name("sangong")
        yield Finding(
            "units.consistent",
            False,
            name,
            message(
                "over_budget",
                "units.consistent",
                table=name,
                raw=over[0].raw,
                unit=over[0].unit,
                reference=reference.raw,
            ),
            reference.yuan / WAN,
            over[0].yuan / WAN,
            None,
            "万元",
            # The page only: which 三公 column the figure sits in does not matter here (and may be misread).
            (Evidence(over[0].page, None), reference.evidence),
        )
    for table_id in UNIT_CHECKED_TABLES:
        total = f.grand_total(table_id, "total") or (f.cell(table_id, "total") if table_id == "projects" else None)
        if total and is_unit_factor(total.yuan, reference.yuan, total.half_unit_yuan + reference.half_unit_yuan):
            name = table_name(table_id)
            yield Finding(
                "units.consistent",
                False,
                name,
                message(
                    "table", "units.consistent", table=name, total=total.raw, unit=total.unit, reference=reference.raw
                ),
                reference.yuan / WAN,
                total.yuan / WAN,
                None,
                "万元",
                (total.evidence, reference.evidence),
            )

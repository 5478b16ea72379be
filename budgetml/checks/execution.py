"""A department's 预算 and 决算 of one year linked: what was budgeted, the 年初预算 the 决算 prints, what was spent.

Each 决算 is linked to the same department's 预算 of its year by budgetml/identity.py
(`budgets_of_final_accounts`: the department key, renamed departments from
configs/department_aliases.toml). One execution item per headline figure (支出合计, 基本支出, 项目支出,
一般公共预算财政拨款支出, 三公 and its parts) and per function code of the general-budget tables gives
budget_execution.parquet its rows, and the rule that warns when the 年初预算 a 决算 prints is not the
budget the department published.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from budgetml.checks.claims import Claim
from budgetml.checks.compare import WAN, agreement, fmt, half_of, narrative_decimals, yuan_finding
from budgetml.checks.final_accounts import EXPENDITURE, GENERAL, SANGONG, SUMMARY
from budgetml.checks.final_narrative import claim_value
from budgetml.checks.inputs import Amount, FilingData, coded_rows
from budgetml.checks.registry import Evidence, Finding, message, rule
from budgetml.identity import department_id
from budgetml.normalise import UNIT_TO_YUAN

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Figure:
    """One figure of an execution item: its amount in yuan, its rounding, where it is printed (no box for a sentence)."""

    yuan: Decimal
    half_yuan: Decimal
    page: int
    bbox: BBox | None
    cell_id: str | None = None  # the printed cell (line_items.cell_id); None for a sentence

    @property
    def evidence(self) -> Evidence:
        """Where the figure is printed, in its own filing."""
        return Evidence(self.page, self.bbox, self.cell_id)

    @classmethod
    def of_amount(cls, amount: Amount | None) -> Figure | None:
        """A table figure, None for a blank or missing cell."""
        if amount is None:
            return None
        return cls(amount.yuan, amount.half_unit_yuan, amount.page, amount.bbox, amount.cell_id)

    @classmethod
    def of_initial_budget(cls, claim: Claim) -> Figure:
        """The 年初预算 a narrative sentence states (年初预算为A万元，支出决算为B万元)."""
        per_unit = UNIT_TO_YUAN[claim.unit]
        decimals = narrative_decimals(claim.initial_budget_decimals or 0)
        return cls(claim.initial_budget * per_unit, half_of(decimals) * per_unit, claim.page, None)


@dataclass(frozen=True)
class ExecutionItem:
    """One budgeted-and-spent figure of a department-year: from the 预算, as the 决算 quotes it, as spent."""

    item: str  # a headline figure (total_expenditure, sangong_total …) or "function" for a function code
    code: str | None
    name: str  # Chinese, as reviewers read it
    budget: Figure | None  # the department's own 预算 filing of the year
    printed_budget: Figure | None  # the 年初预算 the 决算 prints (三公 table 预算数, or its narrative)
    final: Figure | None  # the 决算数

    @property
    def basis(self) -> Figure | None:
        """What the execution rate divides by: the 年初预算 the 决算 prints, else the published 预算."""
        return self.printed_budget or self.budget

    @property
    def rate_pct(self) -> Decimal | None:
        """决算 / 年初预算 in percent; None without both, or with a zero budget."""
        if self.final is None or self.basis is None or not self.basis.yuan:
            return None
        return self.final.yuan / self.basis.yuan * 100


# (item, name, the 决算 figure (table, column, row label or None for the first row), the 预算 figure likewise).
HEADLINE_ITEMS = (
    (
        "total_expenditure",
        "支出合计",
        (SUMMARY, "expenditure", "本年支出合计"),
        ("expenditure_summary", "total", "合计"),
    ),
    ("basic_expenditure", "基本支出", (EXPENDITURE, "basic", "合计"), ("expenditure_summary", "basic", "合计")),
    ("project_expenditure", "项目支出", (EXPENDITURE, "project", "合计"), ("expenditure_summary", "project", "合计")),
    (
        "general_budget_expenditure",
        "一般公共预算财政拨款支出",
        (GENERAL, "total", "合计"),
        ("general_budget_by_function", "total", "合计"),
    ),
    ("sangong_total", "“三公”经费", (SANGONG, "sangong_total", None), ("sangong", "sangong_total", None)),
    ("overseas", "因公出国（境）费", (SANGONG, "overseas", None), ("sangong", "overseas", None)),
    ("vehicle_total", "公务用车购置及运行费", (SANGONG, "vehicle_total", None), ("sangong", "vehicle_total", None)),
    ("reception", "公务接待费", (SANGONG, "reception", None), ("sangong", "reception", None)),
)


def figure(f: FilingData | None, source: tuple[str, str, str | None]) -> Amount | None:
    """A table figure: the row with this label (合计 also 总计), or the first row."""
    if f is None:
        return None
    table_id, column, label = source
    if label is None:
        return f.cell(table_id, column)
    return f.cell(table_id, column, label=label) or (f.grand_total(table_id, column) if label == "合计" else None)


def execution_items(f: FilingData) -> list[ExecutionItem]:
    """The execution items of a 决算 (its 预算 linked as f.budget when the dataset has it); none for a budget."""
    if f.doc_kind != "final_account":
        return []
    stated = {}  # what the narrative says each figure's 年初预算 was, by the table figure it names
    for claim in f.claims:
        if claim.initial_budget is not None and (value := claim_value(f, claim)) is not None:
            stated.setdefault((value.table_id, value.row_index, value.column), Figure.of_initial_budget(claim))
    items = []
    for item, name, final_source, budget_source in HEADLINE_ITEMS:
        final = figure(f, final_source)
        printed = f.cell(SANGONG, final_source[1] + "_budget") if final_source[0] == SANGONG else None
        printed_figure = Figure.of_amount(printed)
        if printed_figure is None and final is not None:
            printed_figure = stated.get((final.table_id, final.row_index, final.column))
        budget = Figure.of_amount(figure(f.budget, budget_source))
        if final is not None or printed_figure is not None or budget is not None:
            items.append(ExecutionItem(item, None, name, budget, printed_figure, Figure.of_amount(final)))
    spent = coded_rows(f.table(GENERAL))
    budgeted = coded_rows(f.budget.table("general_budget_by_function")) if f.budget else {}
    for code in sorted(set(spent) | set(budgeted)):
        final = spent.get(code, {}).get("total")
        budget = budgeted.get(code, {}).get("total")
        name = (final or budget).row_label if (final or budget) else code
        printed = stated.get((final.table_id, final.row_index, final.column)) if final else None
        if final is None and budget is None:
            continue
        items.append(ExecutionItem("function", code, name, Figure.of_amount(budget), printed, Figure.of_amount(final)))
    return items


@rule("final.initial_budget_matches")
def initial_budget_matches(f: FilingData) -> Iterator[Finding]:
    """The 年初预算 a 决算 prints (三公 table, narrative) equals the department's own published 预算 of that year."""
    if f.budget is None:
        return
    for item in execution_items(f):
        if item.printed_budget is None or item.budget is None:
            continue
        tolerance = item.printed_budget.half_yuan + item.budget.half_yuan
        diff = item.printed_budget.yuan - item.budget.yuan
        passed = abs(diff) <= tolerance
        subject = f"{item.code} {item.name}" if item.code else item.name
        text = message(
            "compared",
            "final.initial_budget_matches",
            subject=subject,
            printed=fmt(item.printed_budget.yuan),
            year=f.budget.year,
            budget=fmt(item.budget.yuan),
        )
        yield yuan_finding(
            "final.initial_budget_matches",
            passed,
            subject,
            text + agreement(passed, "differs_wan", diff=diff / WAN),
            item.budget.yuan,
            item.printed_budget.yuan,
            tolerance,
            # The 决算's own figure only: the budget's cell is in the other filing's PDF (budget_execution.parquet
            # names it by budget_filing_id and its page and box), and a finding's evidence is in its own file.
            (item.printed_budget.evidence,),
        )


def execution_rows(f: FilingData) -> list[dict]:
    """The budget_execution.parquet rows of one 决算."""
    rows = []
    for item in execution_items(f):
        rate = item.rate_pct
        rows.append(
            {
                "filing_id": f.filing_id,
                "budget_filing_id": f.budget.filing_id if f.budget else None,
                "region": f.region,
                "department": f.department,
                "department_id": department_id(f.region, f.department),
                "year": f.year,
                "item": item.item,
                "code": item.code,
                "item_name": item.name,
                **figure_columns("budget", item.budget),
                **figure_columns("printed_budget", item.printed_budget),
                **figure_columns("final", item.final),
                "execution_rate_pct": float(rate) if rate is not None else None,
                "rate_basis": None if rate is None else "printed" if item.printed_budget else "published",
                "is_printed_budget_consistent": None
                if item.printed_budget is None or item.budget is None
                else abs(item.printed_budget.yuan - item.budget.yuan)
                <= item.printed_budget.half_yuan + item.budget.half_yuan,
            }
        )
    return rows


def figure_columns(prefix: str, value: Figure | None) -> dict:
    """A figure as four columns: exact yuan, 万元 for convenience, its page and its box."""
    return {
        f"{prefix}_yuan": value.yuan if value else None,
        f"{prefix}_wan": float(value.yuan / WAN) if value else None,
        f"{prefix}_page": value.page if value else None,
        f"{prefix}_bbox": list(value.bbox) if value and value.bbox else None,
    }

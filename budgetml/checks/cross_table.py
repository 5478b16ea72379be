"""Rules across tables: the same figure printed in two tables agrees (totals, fiscal grants, function and economic classification, 三公, projects)."""

from __future__ import annotations

from collections.abc import Iterator

from budgetml.checks.compare import pair_finding
from budgetml.checks.inputs import FilingData, coded_rows, total_row
from budgetml.checks.registry import Finding, cannot_run, message, rule

# Income columns of 收入总表 that are not fiscal grants: when all are zero, the filing is all 财政拨款.
NON_FISCAL_INCOME = (
    "business_income",
    "operating_income",
    "other_income",
    "superior_grant",
    "affiliated_income",
    "special_account",
    "carryover",
)
FUND_TABLES = ("gov_fund", "state_capital")
# (三公 column, economic code, name): a 三公 item is at least the basic-spending item of that code
# (project spending may add to it).
SANGONG_ECONOMIC = (
    ("reception", "30217", "公务接待费"),
    ("vehicle_operation", "30231", "公务用车运行维护费"),
)
# (economic table column, function table column, subject).
ECONOMIC_FUNCTION = (
    ("total", "basic", "基本支出合计"),
    ("personnel", "personnel", "人员经费"),
    ("public", "public", "公用经费"),
)


def has_non_fiscal_income(f: FilingData) -> bool | None:
    """True when the income table shows money that is not a fiscal grant; None when it cannot tell."""
    totals = total_row(f.table("income_summary"))
    if not totals:
        return None
    return any(totals[c].yuan for c in NON_FISCAL_INCOME if c in totals)


def all_general_budget(f: FilingData) -> bool:
    """No fund-budget, state-capital or non-fiscal money: then the function table must equal the expenditure table."""
    funds = [a for t in FUND_TABLES for a in f.table(t) if a.yuan]
    return not funds and has_non_fiscal_income(f) is False


def missing(rule_id: str) -> Finding:
    """The finding of a rule that cannot run: a table it compares is not printed."""
    return cannot_run(rule_id, message("missing", rule_id))


@rule("cross.totals")
def cross_totals(f: FilingData) -> Iterator[Finding]:
    """收支总表, 收入总表 and 支出总表 print the same totals."""
    what = message("what", "cross.totals")
    summary_income = f.cell("income_expenditure_summary", "income", label=r"收入总计|收入合计")
    summary_spending = f.cell("income_expenditure_summary", "expenditure", label=r"支出总计|支出合计")
    income = f.grand_total("income_summary", "total")
    spending = f.grand_total("expenditure_summary", "total")
    pairs = [
        ("收入合计", income, summary_income),
        ("支出合计", spending, summary_spending),
        ("支出合计", spending, income),
    ]
    ran = False
    for subject, left, right in pairs:
        if left and right:
            ran = True
            yield pair_finding("cross.totals", subject, left, right, what)
    if not ran:
        yield missing("cross.totals")


@rule("cross.fiscal_grant")
def cross_fiscal_grant(f: FilingData) -> Iterator[Finding]:
    """财政拨款 spending is at most the department's spending, and equal to it when all income is fiscal."""
    fiscal = f.cell("fiscal_grant_summary", "expenditure", label=r"支出总计|支出合计")
    spending = f.grand_total("expenditure_summary", "total")
    if fiscal is None or spending is None:
        yield missing("cross.fiscal_grant")
        return
    relation = "=" if has_non_fiscal_income(f) is False else "<="
    what = message("what", "cross.fiscal_grant")
    yield pair_finding("cross.fiscal_grant", "财政拨款支出总计", fiscal, spending, what, relation)


@rule("cross.function_vs_expenditure")
def function_vs_expenditure(f: FilingData) -> Iterator[Finding]:
    """Each function item of the general-budget table is at most (all general budget: equal to) the expenditure table's."""
    function_rows = coded_rows(f.table("general_budget_by_function"))
    spending_rows = coded_rows(f.table("expenditure_summary"))
    if not function_rows or not spending_rows:
        yield missing("cross.function_vs_expenditure")
        return
    relation = "=" if all_general_budget(f) else "<="
    what = message("what", "cross.function_vs_expenditure")
    for code, columns in function_rows.items():
        if code in spending_rows and "total" in columns and "total" in spending_rows[code]:
            subject = f"{code} {columns['total'].row_label}"
            yield pair_finding(
                "cross.function_vs_expenditure", subject, columns["total"], spending_rows[code]["total"], what, relation
            )
    left = f.grand_total("general_budget_by_function", "total")
    right = f.grand_total("expenditure_summary", "total")
    if left and right:
        yield pair_finding("cross.function_vs_expenditure", "合计", left, right, what, relation)


@rule("cross.economic_vs_function")
def economic_vs_function(f: FilingData) -> Iterator[Finding]:
    """The economic table's 基本支出, 人员经费 and 公用经费 totals equal the function table's."""
    economic = total_row(f.table("basic_expenditure_by_economic"))
    function = total_row(f.table("general_budget_by_function"))
    if not economic or not function:
        yield missing("cross.economic_vs_function")
        return
    what = message("what", "cross.economic_vs_function")
    ran = False
    for left, right, subject in ECONOMIC_FUNCTION:
        if left in economic and right in function:
            ran = True
            yield pair_finding("cross.economic_vs_function", subject, economic[left], function[right], what)
    if not ran:
        yield cannot_run("cross.economic_vs_function", message("no_columns", "cross.economic_vs_function"))


@rule("cross.sangong_vs_economic")
def sangong_vs_economic(f: FilingData) -> Iterator[Finding]:
    """公务接待费 and 公务用车运行维护费 in the 三公 table are at least the basic-spending items of their economic codes."""
    if not f.has_table("sangong") or not f.has_table("basic_expenditure_by_economic"):
        yield missing("cross.sangong_vs_economic")
        return
    what = message("what", "cross.sangong_vs_economic")
    for column, code, name in SANGONG_ECONOMIC:
        sangong = f.cell("sangong", column)
        economic = f.cell("basic_expenditure_by_economic", "total", code=code)
        if sangong and economic:
            yield pair_finding("cross.sangong_vs_economic", name, sangong, economic, what, ">=")


@rule("cross.projects_total")
def projects_total(f: FilingData) -> Iterator[Finding]:
    """The project table's total equals 项目支出 of the expenditure table."""
    if not f.has_table("projects"):
        return  # the Shanghai template has no project table
    total = f.cell("projects", "total")
    project = f.grand_total("expenditure_summary", "project")
    if total is None or project is None:
        yield missing("cross.projects_total")
        return
    yield pair_finding("cross.projects_total", "项目支出合计", total, project, message("what", "cross.projects_total"))

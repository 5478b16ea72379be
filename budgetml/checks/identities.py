"""Rules within one table: the identities a budget table must satisfy (totals, code hierarchy, 基本+项目, 人员+公用, 三公)."""

from __future__ import annotations

from collections.abc import Iterator

from budgetml.catalog import load_catalog
from budgetml.checks.compare import pair_finding, sum_finding, table_name
from budgetml.checks.inputs import Amount, FilingData, coded_rows, rows_by_index, total_row
from budgetml.checks.registry import Finding, cannot_run, message, rule

CATALOG = load_catalog()
SUMMARY_TABLES = ("income_expenditure_summary", "fiscal_grant_summary")
# Tables whose rows print a classification code (类 3 digits, 款 5, 项 7; a unit 6 or more), budget and 决算.
CODED_TABLES = (
    "income_summary",
    "expenditure_summary",
    "general_budget_by_function",
    "general_budget_by_unit",
    "basic_expenditure_by_economic",
    "gov_fund",
    "state_capital",
    "final_income",
    "final_expenditure",
    "final_general_budget_by_function",
    "final_basic_by_economic",
    "final_gov_fund",
    "final_state_capital",
)
# Tables with 合计 = 基本支出 + 项目支出 on every row.
BASIC_PLUS_PROJECT_TABLES = (
    "expenditure_summary",
    "general_budget_by_function",
    "general_budget_by_unit",
    "gov_fund",
    "state_capital",
)
# Tables with 人员经费 + 公用经费 = the column named here on every row.
PERSONNEL_PLUS_PUBLIC_TABLES = (
    ("general_budget_by_function", "basic"),
    ("general_budget_by_unit", "basic"),
    ("basic_expenditure_by_economic", "total"),
)
SANGONG_COLUMNS = ("sangong_total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")


def row_subject(row: dict[str, Amount]) -> str:
    """A row as a finding names it: its code and label."""
    first = next(iter(row.values()))
    return f"{first.code + ' ' if first.code else ''}{first.row_label or '（无标签行）'}"


@rule("summary.balance")
def summary_balance(f: FilingData) -> Iterator[Finding]:
    """收入总计 equals 支出总计 (and 本年收入合计 equals 本年支出合计) in the two summary tables."""
    for table_id in SUMMARY_TABLES:
        if not f.has_table(table_id):
            continue
        name = table_name(table_id)
        income = f.cell(table_id, "income", label=r"收入总计|收入合计")
        spending = f.cell(table_id, "expenditure", label=r"支出总计|支出合计")
        if income is None or spending is None:
            yield cannot_run("summary.balance", message("no_totals", "summary.balance", table=name), name)
            continue
        yield pair_finding("summary.balance", "收入总计", income, spending, name)
        current_income = f.cell(table_id, "income", label=r"本年收入合计")
        current_spending = f.cell(table_id, "expenditure", label=r"本年支出合计")
        if current_income and current_spending:
            yield pair_finding("summary.balance", "本年收入合计", current_income, current_spending, name)


@rule("table.total_row")
def table_total_row(f: FilingData) -> Iterator[Finding]:
    """The 合计 row of a coded table equals the sum of its top-level (类) rows, column by column."""
    for table_id in CODED_TABLES:
        amounts = f.table(table_id)
        rows = coded_rows(amounts)
        if not rows:
            continue
        top_len = min(len(c) for c in rows)
        top = [c for c in rows if len(c) == top_len]
        for column, total in total_row(amounts).items():
            parts = [rows[c][column] for c in top if column in rows[c]]
            if parts:
                subject = f"合计（{CATALOG.column_label(column)}）"
                yield sum_finding("table.total_row", subject, total, parts, table_name(table_id))


@rule("table.hierarchy")
def table_hierarchy(f: FilingData) -> Iterator[Finding]:
    """Every coded row equals the sum of its children one level down (类 = Σ款, 款 = Σ项)."""
    for table_id in CODED_TABLES:
        rows = coded_rows(f.table(table_id))
        if not rows:
            continue
        name = table_name(table_id)
        for code, children in code_children(rows).items():
            for column, total in rows[code].items():
                parts = [rows[c][column] for c in children if column in rows[c]]
                if parts:
                    subject = f"{code} {total.row_label}（{CATALOG.column_label(column)}）"
                    yield sum_finding("table.hierarchy", subject, total, parts, name)


def code_children(rows: dict[str, dict[str, Amount]]) -> dict[str, list[str]]:
    """code → its children one level down (the shortest codes it is a prefix of), in row order, for the codes that
    have any; codes in row order."""
    by_prefix: dict[str, list[str]] = {}  # every proper prefix of a code → the codes under it, in row order
    for c in rows:
        for end in range(1, len(c)):
            by_prefix.setdefault(c[:end], []).append(c)
    found = {}
    for code in rows:
        descendants = by_prefix.get(code)
        if descendants:
            child_len = min(len(c) for c in descendants)
            found[code] = [c for c in descendants if len(c) == child_len]
    return found


@rule("table.basic_plus_project")
def basic_plus_project(f: FilingData) -> Iterator[Finding]:
    """合计 = 基本支出 + 项目支出 on every row that prints all three."""
    for table_id in BASIC_PLUS_PROJECT_TABLES:
        for row in rows_by_index(f.table(table_id)).values():
            if {"total", "basic", "project"} <= row.keys():
                yield sum_finding(
                    "table.basic_plus_project",
                    row_subject(row),
                    row["total"],
                    [row["basic"], row["project"]],
                    table_name(table_id),
                )


@rule("table.personnel_plus_public")
def personnel_plus_public(f: FilingData) -> Iterator[Finding]:
    """基本支出 = 人员经费 + 公用经费 on every row that prints all three."""
    for table_id, whole in PERSONNEL_PLUS_PUBLIC_TABLES:
        for row in rows_by_index(f.table(table_id)).values():
            if {whole, "personnel", "public"} <= row.keys():
                yield sum_finding(
                    "table.personnel_plus_public",
                    row_subject(row),
                    row[whole],
                    [row["personnel"], row["public"]],
                    table_name(table_id),
                )


@rule("sangong.components")
def sangong_components(f: FilingData) -> Iterator[Finding]:
    """三公 = 出国 + 公务用车 + 接待, and 公务用车 = 购置 + 运行; a part the row leaves blank adds nothing."""
    if not f.has_table("sangong"):
        yield cannot_run("sangong.components", message("no_table", "sangong.components"))
        return
    what = message("what", "sangong.components")
    c = {column: f.cell("sangong", column) for column in SANGONG_COLUMNS}
    # A blank part is a zero printed blank (Wuhan's 表7 leaves 因公出国 blank): it adds nothing. The two
    # subtotals must be read, so that a row whose figures slid into other columns is not summed.
    if c["sangong_total"] and c["vehicle_total"]:
        parts = [c[k] for k in ("overseas", "vehicle_total", "reception") if c[k]]
        yield sum_finding("sangong.components", "“三公”经费合计", c["sangong_total"], parts, what)
    else:
        yield cannot_run("sangong.components", message("no_parts", "sangong.components"), "“三公”经费合计")
    if c["vehicle_total"] and (c["vehicle_purchase"] or c["vehicle_operation"]):
        parts = [c[k] for k in ("vehicle_purchase", "vehicle_operation") if c[k]]
        yield sum_finding("sangong.components", "公务用车购置及运行费", c["vehicle_total"], parts, what)

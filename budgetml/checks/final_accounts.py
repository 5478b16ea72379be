"""Rules on a 决算's tables (部门决算, final accounts): summary balances, carry-overs, spending by kind, economic totals, 三公, cross-table totals, years.

A 决算 prints its summaries as a fixed template: rows it has nothing to report on (使用非财政拨款结余,
结余分配, a fund it does not use) are left blank. An identity here adds the figures that are printed,
so a blank row adds nothing; the total and its main part must be printed for the identity to run.
The identities a 决算 shares with a budget (合计 = Σ类, 类 = Σ款 = Σ项) are the table.* rules, run on
the 决算 tables too (budgetml/checks/identities.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from budgetml.catalog import load_catalog
from budgetml.checks.compare import agreement, fmt, pair_finding, sum_finding, table_name, yuan_finding
from budgetml.checks.inputs import Amount, FilingData, coded_rows, rows_by_index
from budgetml.checks.registry import Evidence, Finding, cannot_run, message, rule
from budgetml.normalise import squash

CATALOG = load_catalog()
SUMMARY = "final_income_expenditure_summary"
FISCAL = "final_fiscal_grant_summary"
INCOME = "final_income"
EXPENDITURE = "final_expenditure"
GENERAL = "final_general_budget_by_function"
ECONOMIC = "final_basic_by_economic"
SANGONG = "final_sangong"
FUNDS = ("final_gov_fund", "final_state_capital")


# ---------------------------------------------------------------- the two summaries


class Summary:
    """How a 决算 summary closes: which rows add up to 收入总计 and 支出总计, which carry over (row label regexes)."""

    def __init__(self, table_id: str, income_rows: tuple[str, ...], spending_rows: tuple[str, ...]) -> None:
        self.table_id = table_id
        self.income_rows = income_rows  # 本年收入合计 first, then the carry-overs into the year
        self.spending_rows = spending_rows  # 本年支出合计 first, then what is left at the end


SUMMARIES = (
    Summary(
        SUMMARY,
        ("本年收入合计", r"使用非财政拨款结余.*", "年初结转和结余"),
        ("本年支出合计", "结余分配", "年末结转和结余"),
    ),
    Summary(FISCAL, ("本年收入合计", "年初财政拨款结转和结余"), ("本年支出合计", "年末财政拨款结转和结余")),
)
GRAND_TOTAL = "总计|合计"


def printed_summaries(f: FilingData) -> Iterator[tuple[Summary, str]]:
    """The summary tables the filing prints, each with its name."""
    for s in SUMMARIES:
        if f.has_table(s.table_id):
            yield s, table_name(s.table_id)


def printed(f: FilingData, table_id: str, column: str, labels: tuple[str, ...]) -> list[Amount]:
    """The figures of the rows with these labels that are printed (a blank row is left out)."""
    return [a for label in labels if (a := f.cell(table_id, column, label=label)) is not None]


@rule("final.summary_balance")
def summary_balance(f: FilingData) -> Iterator[Finding]:
    """收入总计 = 支出总计; 收入总计 = 本年收入合计 + 结余 used + 年初结转和结余; 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余."""
    for s, name in printed_summaries(f):
        income = f.cell(s.table_id, "income", label=GRAND_TOTAL)
        spending = f.cell(s.table_id, "expenditure", label=GRAND_TOTAL)
        if income is None or spending is None:
            yield cannot_run("final.summary_balance", message("no_totals", "final.summary_balance", table=name), name)
            continue
        yield pair_finding("final.summary_balance", "收入总计", income, spending, name)
        for side, total, column, labels in (
            ("收入总计", income, "income", s.income_rows),
            ("支出总计", spending, "expenditure", s.spending_rows),
        ):
            if f.cell(s.table_id, column, label=labels[0]) is None:
                yield cannot_run(
                    "final.summary_balance", message("no_parts", "final.summary_balance", table=name), side
                )
                continue
            yield sum_finding("final.summary_balance", side, total, printed(f, s.table_id, column, labels), name)


@rule("final.summary_items")
def summary_items(f: FilingData) -> Iterator[Finding]:
    """本年收入合计 is the sum of the income sources above it, 本年支出合计 the sum of the 类 above it (each spending column)."""
    for s, name in printed_summaries(f):
        amounts = f.table(s.table_id)
        for side in ("income", "expenditure"):
            label = "本年收入合计" if side == "income" else "本年支出合计"
            closing = [a for a in amounts if squash(a.row_label) == label]
            if not closing:
                continue
            first_total = min(a.row_index for a in closing)
            for total in closing:
                parts = [a for a in amounts if a.column == total.column and a.row_index < first_total]
                if parts:
                    subject = f"{label}（{CATALOG.column_label(total.column)}）"
                    yield sum_finding("final.summary_items", subject, total, parts, name)


# ---------------------------------------------------------------- carry-overs


def balance_finding(
    rule_id: str,
    subject: str,
    what: str,
    plus: list[Amount],
    minus: list[Amount],
    result: Amount | None,
    result_label: str,
) -> Finding:
    """Compare Σ plus − Σ minus with the printed result (a blank result counts as 0), within the rounding of every figure."""
    figures = [*plus, *minus, *([result] if result else [])]
    unit = figures[0].unit
    expected = sum((a.yuan for a in plus), Decimal(0)) - sum((a.yuan for a in minus), Decimal(0))
    actual = result.yuan if result else Decimal(0)
    tolerance = sum((a.half_unit_yuan for a in figures), Decimal(0))
    diff = actual - expected
    passed = abs(diff) <= tolerance
    terms = " + ".join(f"{a.row_label or CATALOG.column_label(a.column)} {fmt(a.yuan, unit)}" for a in plus)
    terms += "".join(f" − {a.row_label or CATALOG.column_label(a.column)} {fmt(a.yuan, unit)}" for a in minus)
    text = message(
        "balance",
        "final.carryover",
        what=what,
        subject=subject,
        terms=terms,
        expected=fmt(expected, unit),
        label=result_label,
        result=fmt(actual, unit) if result else message("blank", "final.carryover"),
    )
    text += agreement(passed, "pair_differs", diff=fmt(diff, unit))
    evidence = tuple(a.evidence for a in figures)
    return yuan_finding(rule_id, passed, subject, text, expected, actual, tolerance, evidence, unit)


# (table, the rows carried in and received, the rows spent and distributed, the row carried out) per summary.
CARRYOVER_ROWS = (
    (
        SUMMARY,
        ("年初结转和结余", "本年收入合计", r"使用非财政拨款结余.*"),
        ("本年支出合计", "结余分配"),
        "年末结转和结余",
    ),
    (FISCAL, ("年初财政拨款结转和结余", "本年收入合计"), ("本年支出合计",), "年末财政拨款结转和结余"),
)


@rule("final.carryover")
def carryover(f: FilingData) -> Iterator[Finding]:
    """年初结转和结余 + 本年收入 − 本年支出 = 年末结转和结余: in both summaries, and on every row of the fund tables."""
    for table_id, plus_rows, minus_rows, end_row in CARRYOVER_ROWS:
        if not f.has_table(table_id):
            continue
        plus = printed(f, table_id, "income", plus_rows)
        minus = printed(f, table_id, "expenditure", minus_rows)
        if not any(squash(a.row_label) == "本年收入合计" for a in plus) or not any(
            squash(a.row_label) == "本年支出合计" for a in minus
        ):
            what = table_name(table_id)
            yield cannot_run("final.carryover", message("no_parts", "final.carryover", table=what), end_row)
            continue
        end = f.cell(table_id, "expenditure", label=end_row)
        yield balance_finding(
            "final.carryover", end_row, table_name(table_id), plus, minus, end, end_row.replace(".*", "")
        )
    for table_id in FUNDS:
        what = table_name(table_id)
        for row in rows_by_index(f.table(table_id)).values():
            if "income" not in row and "expenditure" not in row:
                continue
            plus = [row[c] for c in ("carryover_begin", "income") if c in row]
            minus = [row["expenditure"]] if "expenditure" in row else []
            subject = row_subject(row)
            yield balance_finding(
                "final.carryover",
                subject,
                what,
                plus,
                minus,
                row.get("carryover_end"),
                CATALOG.column_label("carryover_end"),
            )


def row_subject(row: dict[str, Amount]) -> str:
    """A row as a finding names it: its code and label."""
    first = next(iter(row.values()))
    return f"{first.code + ' ' if first.code else ''}{first.row_label or '（无标签行）'}"


# ---------------------------------------------------------------- spending by kind, economic totals, 三公

# (table, its total column, the columns that add up to it) on every row.
SPENDING_PARTS = (
    (EXPENDITURE, "total", ("basic", "project", "remit_superior", "operating_expenditure", "subsidy_affiliated")),
    (GENERAL, "total", ("basic", "project")),
    *((table_id, "expenditure", ("basic", "project")) for table_id in FUNDS),
)


@rule("final.expenditure_parts")
def expenditure_parts(f: FilingData) -> Iterator[Finding]:
    """On every row: 本年支出合计 = 基本支出 + 项目支出 (+ 上缴上级, 经营, 对附属单位补助 where printed)."""
    for table_id, whole, columns in SPENDING_PARTS:
        for row in rows_by_index(f.table(table_id)).values():
            parts = [row[c] for c in columns if c in row]
            if whole in row and parts:
                yield sum_finding("final.expenditure_parts", row_subject(row), row[whole], parts, table_name(table_id))


# The economic table's two sides: (column, its closing row, what it is).
ECONOMIC_SIDES = (("personnel", "人员经费合计"), ("public", "公用经费合计"))


@rule("final.economic_totals")
def economic_totals(f: FilingData) -> Iterator[Finding]:
    """人员经费合计 and 公用经费合计 are the sums of the economic classes (301, 303 …; 302, 310 …) on their side."""
    amounts = f.table(ECONOMIC)
    if not amounts:
        return
    name = table_name(ECONOMIC)
    for column, label in ECONOMIC_SIDES:
        total = f.cell(ECONOMIC, column, label=label)
        classes = [a for a in amounts if a.column == column and a.code and len(a.code) == 3]
        if total is None:
            yield cannot_run("final.economic_totals", message("no_total", "final.economic_totals", label=label), label)
        elif classes:
            yield sum_finding("final.economic_totals", label, total, classes, name)


# 三公: (total, parts) by canonical column; each checked on the 预算数 (…_budget) and the 决算数 columns.
SANGONG_SUMS = (
    ("sangong_total", ("overseas", "vehicle_total", "reception"), "“三公”经费合计"),
    ("vehicle_total", ("vehicle_purchase", "vehicle_operation"), "公务用车购置及运行费"),
)
SANGONG_COLUMNS = ("", "_budget")  # 决算数, 预算数


@rule("final.sangong")
def sangong(f: FilingData) -> Iterator[Finding]:
    """In the 三公 table, for 预算数 and 决算数: 合计 = 出国 + 公务用车 + 接待, and 公务用车 = 购置 + 运行."""
    if not f.has_table(SANGONG):
        return
    what = table_name(SANGONG)
    for suffix in SANGONG_COLUMNS:
        for total_column, part_columns, subject in SANGONG_SUMS:
            total = f.cell(SANGONG, total_column + suffix)
            # The 三公 table's one row has no label: the parts are named by their columns.
            parts = [
                replace(p, row_label=CATALOG.column_label(p.column))
                for c in part_columns
                if (p := f.cell(SANGONG, c + suffix)) is not None
            ]
            if total is not None and parts:
                label = f"{subject}（{'年初预算' if suffix else '决算'}）"
                yield sum_finding("final.sangong", label, total, parts, what)


# ---------------------------------------------------------------- across tables

# Printed class rows of the summaries: "八、社会保障和就业支出".
_NUMBERED = re.compile(r"^[一二三四五六七八九十廿]+[、.．]")
# (三公 column, economic code, name): a 三公 item spent is at least the basic-spending item of that code.
SANGONG_ECONOMIC = (("reception", "30217", "公务接待费"), ("vehicle_operation", "30231", "公务用车运行维护费"))


def class_rows(f: FilingData, table_id: str, column: str) -> dict[str, Amount]:
    """A summary's 类 rows on its spending side, by their name without the numbering."""
    return {
        _NUMBERED.sub("", squash(a.row_label)): a
        for a in f.table(table_id)
        if a.column == column and _NUMBERED.match(squash(a.row_label)) and squash(a.row_label).endswith("支出")
    }


def top_classes(f: FilingData, table_id: str) -> dict[str, Amount]:
    """A function table's 类 rows (3-digit codes) by name, column total."""
    return {squash(a.row_label): a for a in f.table(table_id) if a.column == "total" and a.code and len(a.code) == 3}


@rule("final.cross_table")
def cross_table(f: FilingData) -> Iterator[Finding]:
    """The same figure printed in two 决算 tables agrees: totals, fiscal grants, 类, function items, basic spending, 三公."""
    what = message("what", "final.cross_table")
    pairs = [
        ("本年收入合计", f.cell(SUMMARY, "income", label="本年收入合计"), f.grand_total(INCOME, "total"), "="),
        (
            "本年支出合计",
            f.cell(SUMMARY, "expenditure", label="本年支出合计"),
            f.grand_total(EXPENDITURE, "total"),
            "=",
        ),
        (
            "一般公共预算财政拨款收入",
            f.cell(SUMMARY, "income", label="一、一般公共预算财政拨款(收入)?"),
            f.cell(FISCAL, "income", label="一、一般公共预算财政拨款(收入)?"),
            "=",
        ),
        ("财政拨款收入", f.cell(FISCAL, "income", label="本年收入合计"), f.grand_total(INCOME, "fiscal_grant"), "="),
        (
            "一般公共预算财政拨款支出",
            f.cell(FISCAL, "expenditure_general_budget", label="本年支出合计"),
            f.grand_total(GENERAL, "total"),
            "=",
        ),
    ]
    ran = False
    for subject, left, right, relation in pairs:
        if left and right:
            ran = True
            yield pair_finding("final.cross_table", subject, left, right, what, relation)
    general_basic = f.grand_total(GENERAL, "basic")
    sides = [p for column, label in ECONOMIC_SIDES if (p := f.cell(ECONOMIC, column, label=label)) is not None]
    if general_basic and len(sides) == len(ECONOMIC_SIDES):
        ran = True
        yield sum_finding("final.cross_table", "基本支出合计", general_basic, sides, what)
    for table_id, column, detail in (
        (SUMMARY, "expenditure", EXPENDITURE),
        (FISCAL, "expenditure_general_budget", GENERAL),
    ):
        details = top_classes(f, detail)
        for name, printed_class in class_rows(f, table_id, column).items():
            if name in details:
                ran = True
                yield pair_finding("final.cross_table", name, printed_class, details[name], what)
    spending = coded_rows(f.table(EXPENDITURE))
    for code, columns in coded_rows(f.table(GENERAL)).items():
        if "total" in columns and "total" in spending.get(code, {}):
            ran = True
            subject = f"{code} {columns['total'].row_label}"
            yield pair_finding("final.cross_table", subject, columns["total"], spending[code]["total"], what, "<=")
    for column, code, name in SANGONG_ECONOMIC:
        spent = f.cell(SANGONG, column)
        economic = f.cell(ECONOMIC, "public", code=code)
        if spent and economic:
            ran = True
            yield pair_finding("final.cross_table", name, spent, economic, what, ">=")
    if not ran and f.has_table(SUMMARY):
        yield cannot_run("final.cross_table", message("missing", "final.cross_table"))


# ---------------------------------------------------------------- years

# "2023年度" and the words around it: a comparison names last year, anything else this year.
_YEAR = re.compile(r"(?P<before>与|比|较)?\s*(?P<year>20\d{2})\s*年(?P<du>度)?(?P<after>\s*相比)?")
# A year that dates this year's figures: a heading of the 决算 itself, a figure stated for the year, the
# year's end.
_DATING = re.compile(
    r"(?:(?P<year>20\d{2})\s*年度?\s*(?:部门决算|[^，,。；;\d“”]{0,24}?\d[\d,]*(?:\.\d+)?\s*万元))"
    r"|(?:截至\s*(?P<end>20\d{2})\s*年\s*12\s*月\s*31\s*日)"
)
SENTENCE_QUOTED = 60


@rule("final.year")
def year_consistent(f: FilingData) -> Iterator[Finding]:
    """The year in titles, headings and the sentences stating this year's figures is the 决算's year; a comparison is with the year before."""
    if f.year is None:
        yield cannot_run("final.year", message("no_year", "final.year"))
        return
    texts = [(t.table_title, t.pages[0]) for t in f.tables if t.table_title]
    headings = {(section, page) for section, page, _ in f.narrative}
    texts += sorted(headings, key=lambda h: h[1]) + [(text, page) for _, page, text in f.narrative]
    for text, page in texts:
        for match in _YEAR.finditer(text):
            if (match["before"] or match["after"]) and match["du"]:
                year = int(match["year"])
                if year != f.year - 1:
                    yield year_finding(f, year, f.year - 1, "compared", text, match.start(), page)
        for match in _DATING.finditer(text):
            year = int(match["year"] or match["end"])
            before = text[max(0, match.start() - 2) : match.start()]
            if year != f.year and not re.search(r"与|比|较", before):
                yield year_finding(f, year, f.year, "stated", text, match.start(), page)


def year_finding(f: FilingData, printed_year: int, expected: int, key: str, text: str, at: int, page: int) -> Finding:
    """A year printed where another was due, quoting the text around it."""
    start = max(0, at - SENTENCE_QUOTED // 3)
    quoted = text[start : start + SENTENCE_QUOTED]
    return Finding(
        "final.year",
        False,
        str(printed_year),
        message(key, "final.year", printed=printed_year, year=f.year, expected=expected, text=quoted),
        Decimal(expected),
        Decimal(printed_year),
        Decimal(0),
        "年",
        (Evidence(page, None),),
    )

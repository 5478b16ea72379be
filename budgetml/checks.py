"""Run the consistency rulebook (configs/rules.toml) over parsed datasets; findings become checks.parquet rows.

Each rule is a function registered under its stable id. A rule yields findings and never raises on
bad data: when the tables it needs are missing it yields one finding with `passed` None and the
reason. Amounts are compared exactly in yuan with a tolerance derived from the printed precision.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

from budgetml import forms
from budgetml.catalog import load_catalog
from budgetml.claims import Claim, narrative_to_claims
from budgetml.layout import dataset_path
from budgetml.normalise import UNIT_TO_YUAN, squash

RULES_PATH = Path(__file__).resolve().parent.parent / "configs" / "rules.toml"
WAN = Decimal(10_000)
SEVERITIES = ("error", "warning", "info")
# A figure this many times another (within rounding) is the same figure in the wrong unit.
UNIT_FACTOR = Decimal(10_000)
CATALOG = load_catalog()  # table and column names, templates
_RESIDUE = re.compile(r"XX|ＸＸ|××|某某|xx局")
# Narratives drop trailing zeros ("50万元" for 50.00, "0万元"): their amounts are read at the
# tables' precision of 0.01, not at the digits printed, or "0万元" would excuse half a 万元.
NARRATIVE_MIN_DECIMALS = 2


def narrative_decimals(printed: int) -> int:
    return max(printed, NARRATIVE_MIN_DECIMALS)


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    description: str
    severity: str
    tables: tuple[str, ...]
    tolerance: str


def load_rules(path: Path = RULES_PATH) -> tuple[Rule, ...]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Rule(r["id"], r["title"], r["description"], r["severity"], tuple(r["tables"]), r["tolerance"])
        for r in raw["rule"]
    )


RuleFn = Callable[["FilingData"], Iterable["Finding"]]
IMPLEMENTATIONS: dict[str, RuleFn] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        IMPLEMENTATIONS[rule_id] = fn
        return fn

    return register


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Evidence:
    page: int
    bbox: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    passed: bool | None  # None: the rule could not run (see message)
    subject: str
    message: str
    expected: Decimal | None = None
    actual: Decimal | None = None
    tolerance: Decimal | None = None
    unit: str = ""  # unit of expected/actual/tolerance: 万元, 元, %
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Amount:
    """One line item as the rules see it."""

    table_index: int
    table_id: str | None
    page: int
    row_index: int
    row_label: str
    code: str | None
    column: str
    yuan: Decimal
    decimals: int
    unit: str
    raw: str
    bbox: tuple[float, float, float, float]

    @property
    def half_unit_yuan(self) -> Decimal:
        """How far the printed figure may be from the exact one: half of its last printed digit."""
        return Decimal(5).scaleb(-self.decimals - 1) * UNIT_TO_YUAN[self.unit]

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.page, self.bbox)


@dataclass
class FilingData:
    filing_id: str
    year: int | None
    department: str | None
    region: str | None
    amounts: list[Amount]
    tables: list[dict]
    form_cells: list[forms.FormCell]
    claims: list[Claim]
    narrative: list[tuple[str, int, str]]
    previous: FilingData | None = None
    _by_table: dict[str, list[Amount]] = field(default_factory=dict, repr=False)

    def table(self, table_id: str) -> list[Amount]:
        if not self._by_table:
            for a in self.amounts:
                self._by_table.setdefault(a.table_id or "", []).append(a)
        return self._by_table.get(table_id, [])

    def has_table(self, table_id: str) -> bool:
        return any(t["table_id"] == table_id for t in self.tables)

    def unit_of(self, table_id: str) -> str:
        return next((t["unit"] for t in self.tables if t["table_id"] == table_id and t["unit"]), "万元")

    def cell(self, table_id: str, column: str, label: str | None = None, code: str | None = None) -> Amount | None:
        """The amount in `column` of the row with this label (spaces ignored) or code; the first row when neither is given."""
        found = [a for a in self.table(table_id) if a.column == column]
        if code is not None:
            found = [a for a in found if a.code == code]
        elif label is not None:
            found = [a for a in found if re.fullmatch(label, squash(a.row_label))]
        else:
            found = [a for a in found if a.row_index == min(x.row_index for x in found)] if found else []
        return found[0] if found else None


# ---------------------------------------------------------------- formatting


def fmt(yuan: Decimal, unit: str = "万元") -> str:
    value = yuan / UNIT_TO_YUAN[unit]
    return f"{value:,.2f} {unit}"


def sum_finding(
    rule_id: str, subject: str, total: Amount, parts: list[Amount], what: str, relation: str = "="
) -> Finding:
    """Compare a printed total with the sum of its printed parts (relation '=' or '>=')."""
    expected = sum((p.yuan for p in parts), Decimal(0))
    tolerance = total.half_unit_yuan + sum((p.half_unit_yuan for p in parts), Decimal(0))
    diff = total.yuan - expected
    passed = abs(diff) <= tolerance if relation == "=" else diff >= -tolerance
    unit = total.unit
    verb = "应等于" if relation == "=" else "应不少于"
    message = (
        f"{what}：{subject} 填列 {fmt(total.yuan, unit)}，{verb}{'、'.join(p.row_label or p.column for p in parts[:6])}"
        f"{'等' if len(parts) > 6 else ''}之和 {fmt(expected, unit)}，相差 {fmt(diff, unit)}"
    )
    if passed:
        message = f"{what}：{subject} {fmt(total.yuan, unit)} 与 {fmt(expected, unit)} 在舍入误差内一致"
    return Finding(
        rule_id,
        passed,
        subject,
        message,
        expected / UNIT_TO_YUAN[unit],
        total.yuan / UNIT_TO_YUAN[unit],
        tolerance / UNIT_TO_YUAN[unit],
        unit,
        tuple(a.evidence for a in [total, *parts]),
    )


def pair_finding(rule_id: str, subject: str, left: Amount, right: Amount, what: str, relation: str = "=") -> Finding:
    """Compare two printed figures that should agree (relation '=', '<=' left ≤ right, '>=' left ≥ right)."""
    tolerance = left.half_unit_yuan + right.half_unit_yuan
    diff = left.yuan - right.yuan
    if relation == "=":
        passed = abs(diff) <= tolerance
    elif relation == "<=":
        passed = diff <= tolerance
    else:
        passed = diff >= -tolerance
    verb = {"=": "应等于", "<=": "不应超过", ">=": "不应少于"}[relation]
    unit = "万元" if left.unit != right.unit else left.unit
    message = f"{what}：{CATALOG.table_name(left.table_id)}{subject} {fmt(left.yuan, unit)} {verb} {CATALOG.table_name(right.table_id)} {fmt(right.yuan, unit)}"
    if not passed:
        message += f"，相差 {fmt(diff, unit)}"
        if right.yuan and is_unit_factor(left.yuan, right.yuan, tolerance):
            message += "（相差约一万倍，疑似金额单位错误）"
    return Finding(
        rule_id,
        passed,
        subject,
        message,
        right.yuan / UNIT_TO_YUAN[unit],
        left.yuan / UNIT_TO_YUAN[unit],
        tolerance / UNIT_TO_YUAN[unit],
        unit,
        (left.evidence, right.evidence),
    )


def is_unit_factor(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    if not a or not b:
        return False
    big, small = (a, b) if abs(a) > abs(b) else (b, a)
    return abs(big - small * UNIT_FACTOR) <= tolerance * UNIT_FACTOR


def cannot_run(rule_id: str, reason: str, subject: str = "") -> Finding:
    return Finding(rule_id, None, subject, f"无法检查：{reason}")


# ---------------------------------------------------------------- completeness and text


@rule("completeness.required_tables")
def required_tables(f: FilingData) -> Iterator[Finding]:
    found = {t["table_id"] for t in f.tables if t["table_id"]}
    template = CATALOG.best_template(found)
    name, required = template.name, template.tables
    for table_id in required:
        present = table_id in found
        yield Finding(
            "completeness.required_tables",
            present,
            CATALOG.table_name(table_id),
            f"{name}要求的{CATALOG.table_name(table_id)}{'已公开' if present else '未找到'}",
        )


@rule("completeness.empty_table_note")
def empty_table_note(f: FilingData) -> Iterator[Finding]:
    for table in f.tables:
        if table["table_id"] not in ("gov_fund", "state_capital"):
            continue
        amounts = [a for a in f.amounts if a.table_index == table["table_index"]]
        if any(a.yuan for a in amounts):
            continue
        has_note = bool(table["notes"])
        name = CATALOG.table_name(table["table_id"])
        yield Finding(
            "completeness.empty_table_note",
            has_note,
            name,
            f"{name}为空表，{'已附说明：' + table['notes'][0] if has_note else '但未附空表说明'}",
            evidence=tuple(Evidence(p, None) for p in table["pages"][:1]),
        )


@rule("year.consistent")
def year_consistent(f: FilingData) -> Iterator[Finding]:
    if f.year is None:
        yield cannot_run("year.consistent", "未能识别预算年度")
        return
    for table in f.tables:
        match = re.match(r"^\s*(20\d{2})\s*年", table["table_title"])
        if match and int(match[1]) != f.year:
            yield Finding(
                "year.consistent",
                False,
                table["table_title"],
                f"表格标题年度 {match[1]} 与预算年度 {f.year} 不一致：{table['table_title']}",
                Decimal(f.year),
                Decimal(match[1]),
                Decimal(0),
                "年",
                (Evidence(table["pages"][0], None),),
            )
    for claim in f.claims:
        if claim.compare_year is None:
            continue
        ok = claim.compare_year == f.year - 1
        if ok:
            continue
        yield Finding(
            "year.consistent",
            False,
            claim.subject,
            f"{f.year} 年预算的说明与 {claim.compare_year} 年比较（应为 {f.year - 1} 年）：{claim.sentence[:80]}",
            Decimal(f.year - 1),
            Decimal(claim.compare_year),
            Decimal(0),
            "年",
            (Evidence(claim.page, None),),
        )


@rule("name.consistent")
def name_consistent(f: FilingData) -> Iterator[Finding]:
    printed = [t for t in f.tables if t["department_printed"]]
    if not printed:
        return
    for table in printed:
        same = squash(table["department_printed"]) == squash(f.department or "")
        if not same:
            yield Finding(
                "name.consistent",
                False,
                table["table_title"],
                f"{table['table_title']} 的编制部门为“{table['department_printed']}”，封面为“{f.department}”",
                evidence=(Evidence(table["pages"][0], None),),
            )


@rule("template.residue")
def template_residue(f: FilingData) -> Iterator[Finding]:
    texts = [(t["table_title"], t["pages"][0]) for t in f.tables] + [(a.row_label, a.page) for a in f.amounts]
    texts += [(text, page) for _, page, text in f.narrative]
    for text, page in texts:
        match = _RESIDUE.search(text)
        if match:
            start = max(match.start() - 15, 0)
            yield Finding(
                "template.residue",
                False,
                match[0],
                f"第 {page} 页残留模板占位文字“{match[0]}”：…{text[start : match.end() + 15]}…",
                evidence=(Evidence(page, None),),
            )


# ---------------------------------------------------------------- within a table


@rule("summary.balance")
def summary_balance(f: FilingData) -> Iterator[Finding]:
    for table_id in ("income_expenditure_summary", "fiscal_grant_summary"):
        if not f.has_table(table_id):
            continue
        income = f.cell(table_id, "income", label=r"收入总计|收入合计")
        spending = f.cell(table_id, "expenditure", label=r"支出总计|支出合计")
        if income is None or spending is None:
            yield cannot_run(
                "summary.balance",
                f"{CATALOG.table_name(table_id)}中未找到收入总计或支出总计",
                CATALOG.table_name(table_id),
            )
            continue
        yield pair_finding("summary.balance", "收入总计", income, spending, CATALOG.table_name(table_id))
        current_income = f.cell(table_id, "income", label=r"本年收入合计")
        current_spending = f.cell(table_id, "expenditure", label=r"本年支出合计")
        if current_income and current_spending:
            yield pair_finding(
                "summary.balance", "本年收入合计", current_income, current_spending, CATALOG.table_name(table_id)
            )


CODED_TABLES = (
    "income_summary",
    "expenditure_summary",
    "general_budget_by_function",
    "general_budget_by_unit",
    "basic_expenditure_by_economic",
    "gov_fund",
    "state_capital",
)


def coded_rows(amounts: list[Amount]) -> dict[str, dict[str, Amount]]:
    """code → column → amount, for the rows of one table that print a code."""
    rows: dict[str, dict[str, Amount]] = {}
    for a in amounts:
        if a.code:
            rows.setdefault(a.code, {}).setdefault(a.column, a)
    return rows


def total_row(amounts: list[Amount]) -> dict[str, Amount]:
    return {a.column: a for a in amounts if squash(a.row_label) in ("合计", "总计") and not a.code}


@rule("table.total_row")
def table_total_row(f: FilingData) -> Iterator[Finding]:
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
                yield sum_finding(
                    "table.total_row",
                    f"合计（{CATALOG.column_label(column)}）",
                    total,
                    parts,
                    CATALOG.table_name(table_id),
                )


@rule("table.hierarchy")
def table_hierarchy(f: FilingData) -> Iterator[Finding]:
    for table_id in CODED_TABLES:
        rows = coded_rows(f.table(table_id))
        for code, columns in rows.items():
            descendants = [c for c in rows if c != code and c.startswith(code)]
            if not descendants:
                continue
            child_len = min(len(c) for c in descendants)
            children = [c for c in descendants if len(c) == child_len]
            for column, total in columns.items():
                parts = [rows[c][column] for c in children if column in rows[c]]
                if parts:
                    subject = f"{code} {total.row_label}（{CATALOG.column_label(column)}）"
                    yield sum_finding("table.hierarchy", subject, total, parts, CATALOG.table_name(table_id))


def rows_by_index(amounts: list[Amount]) -> dict[int, dict[str, Amount]]:
    rows: dict[int, dict[str, Amount]] = {}
    for a in amounts:
        rows.setdefault(a.row_index, {}).setdefault(a.column, a)
    return rows


def row_subject(row: dict[str, Amount]) -> str:
    first = next(iter(row.values()))
    return f"{first.code + ' ' if first.code else ''}{first.row_label or '（无标签行）'}"


@rule("table.basic_plus_project")
def basic_plus_project(f: FilingData) -> Iterator[Finding]:
    for table_id in (
        "expenditure_summary",
        "general_budget_by_function",
        "general_budget_by_unit",
        "gov_fund",
        "state_capital",
    ):
        for row in rows_by_index(f.table(table_id)).values():
            if {"total", "basic", "project"} <= row.keys():
                yield sum_finding(
                    "table.basic_plus_project",
                    row_subject(row),
                    row["total"],
                    [row["basic"], row["project"]],
                    CATALOG.table_name(table_id),
                )


@rule("table.personnel_plus_public")
def personnel_plus_public(f: FilingData) -> Iterator[Finding]:
    for table_id, whole in (
        ("general_budget_by_function", "basic"),
        ("general_budget_by_unit", "basic"),
        ("basic_expenditure_by_economic", "total"),
    ):
        for row in rows_by_index(f.table(table_id)).values():
            if {whole, "personnel", "public"} <= row.keys():
                yield sum_finding(
                    "table.personnel_plus_public",
                    row_subject(row),
                    row[whole],
                    [row["personnel"], row["public"]],
                    CATALOG.table_name(table_id),
                )


@rule("sangong.components")
def sangong_components(f: FilingData) -> Iterator[Finding]:
    if not f.has_table("sangong"):
        yield cannot_run("sangong.components", "未找到“三公”经费表")
        return
    c = {
        col: f.cell("sangong", col)
        for col in ("sangong_total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")
    }
    if all(c[k] for k in ("sangong_total", "overseas", "vehicle_total", "reception")):
        yield sum_finding(
            "sangong.components",
            "“三公”经费合计",
            c["sangong_total"],
            [c["overseas"], c["vehicle_total"], c["reception"]],
            "“三公”经费表",
        )
    else:
        yield cannot_run("sangong.components", "“三公”经费表缺少合计或分项", "“三公”经费合计")
    if all(c[k] for k in ("vehicle_total", "vehicle_purchase", "vehicle_operation")):
        yield sum_finding(
            "sangong.components",
            "公务用车购置及运行费",
            c["vehicle_total"],
            [c["vehicle_purchase"], c["vehicle_operation"]],
            "“三公”经费表",
        )


# ---------------------------------------------------------------- across tables


def grand_total(f: FilingData, table_id: str, column: str) -> Amount | None:
    return total_row(f.table(table_id)).get(column)


@rule("cross.totals")
def cross_totals(f: FilingData) -> Iterator[Finding]:
    summary_income = f.cell("income_expenditure_summary", "income", label=r"收入总计|收入合计")
    summary_spending = f.cell("income_expenditure_summary", "expenditure", label=r"支出总计|支出合计")
    income = grand_total(f, "income_summary", "total")
    spending = grand_total(f, "expenditure_summary", "total")
    pairs = [
        ("收入合计", income, summary_income),
        ("支出合计", spending, summary_spending),
        ("支出合计", spending, income),
    ]
    ran = False
    for subject, left, right in pairs:
        if left and right:
            ran = True
            yield pair_finding("cross.totals", subject, left, right, "表间总额")
    if not ran:
        yield cannot_run("cross.totals", "缺少收支总表、收入总表或支出总表的合计")


NON_FISCAL_INCOME = (
    "business_income",
    "operating_income",
    "other_income",
    "superior_grant",
    "affiliated_income",
    "special_account",
    "carryover",
)


def has_non_fiscal_income(f: FilingData) -> bool | None:
    """True when the income table shows money that is not a fiscal grant; None when it cannot tell."""
    totals = total_row(f.table("income_summary"))
    if not totals:
        return None
    return any(totals[c].yuan for c in NON_FISCAL_INCOME if c in totals)


@rule("cross.fiscal_grant")
def cross_fiscal_grant(f: FilingData) -> Iterator[Finding]:
    fiscal = f.cell("fiscal_grant_summary", "expenditure", label=r"支出总计|支出合计")
    spending = grand_total(f, "expenditure_summary", "total")
    if fiscal is None or spending is None:
        yield cannot_run("cross.fiscal_grant", "缺少财政拨款收支总表或支出总表的合计")
        return
    relation = "=" if has_non_fiscal_income(f) is False else "<="
    yield pair_finding("cross.fiscal_grant", "财政拨款支出总计", fiscal, spending, "表间总额", relation)


def all_general_budget(f: FilingData) -> bool:
    """No fund-budget, state-capital or non-fiscal money: then the function table must equal the expenditure table."""
    funds = [a for t in ("gov_fund", "state_capital") for a in f.table(t) if a.yuan]
    return not funds and has_non_fiscal_income(f) is False


@rule("cross.function_vs_expenditure")
def function_vs_expenditure(f: FilingData) -> Iterator[Finding]:
    function_rows = coded_rows(f.table("general_budget_by_function"))
    spending_rows = coded_rows(f.table("expenditure_summary"))
    if not function_rows or not spending_rows:
        yield cannot_run("cross.function_vs_expenditure", "缺少一般公共预算支出表或支出总表")
        return
    relation = "=" if all_general_budget(f) else "<="
    for code, columns in function_rows.items():
        if code in spending_rows and "total" in columns and "total" in spending_rows[code]:
            subject = f"{code} {columns['total'].row_label}"
            yield pair_finding(
                "cross.function_vs_expenditure",
                subject,
                columns["total"],
                spending_rows[code]["total"],
                "功能分类",
                relation,
            )
    left, right = grand_total(f, "general_budget_by_function", "total"), grand_total(f, "expenditure_summary", "total")
    if left and right:
        yield pair_finding("cross.function_vs_expenditure", "合计", left, right, "功能分类", relation)


@rule("cross.economic_vs_function")
def economic_vs_function(f: FilingData) -> Iterator[Finding]:
    economic = total_row(f.table("basic_expenditure_by_economic"))
    function = total_row(f.table("general_budget_by_function"))
    if not economic or not function:
        yield cannot_run("cross.economic_vs_function", "缺少基本支出经济分类表或一般公共预算功能分类表")
        return
    pairs = [
        ("total", "basic", "基本支出合计"),
        ("personnel", "personnel", "人员经费"),
        ("public", "public", "公用经费"),
    ]
    ran = False
    for left, right, subject in pairs:
        if left in economic and right in function:
            ran = True
            yield pair_finding(
                "cross.economic_vs_function", subject, economic[left], function[right], "经济分类与功能分类"
            )
    if not ran:
        yield cannot_run("cross.economic_vs_function", "功能分类表未列基本支出、人员经费或公用经费")


@rule("cross.sangong_vs_economic")
def sangong_vs_economic(f: FilingData) -> Iterator[Finding]:
    if not f.has_table("sangong") or not f.has_table("basic_expenditure_by_economic"):
        yield cannot_run("cross.sangong_vs_economic", "缺少“三公”经费表或基本支出经济分类表")
        return
    for column, code, name in (
        ("reception", "30217", "公务接待费"),
        ("vehicle_operation", "30231", "公务用车运行维护费"),
    ):
        sangong = f.cell("sangong", column)
        economic = f.cell("basic_expenditure_by_economic", "total", code=code)
        if sangong and economic:
            yield pair_finding("cross.sangong_vs_economic", name, sangong, economic, "“三公”与经济分类", ">=")


@rule("cross.projects_total")
def projects_total(f: FilingData) -> Iterator[Finding]:
    if not f.has_table("projects"):
        return  # the Shanghai template has no project table
    total = f.cell("projects", "total")
    project = grand_total(f, "expenditure_summary", "project")
    if total is None or project is None:
        yield cannot_run("cross.projects_total", "项目支出表或支出总表缺少合计")
        return
    yield pair_finding("cross.projects_total", "项目支出合计", total, project, "项目支出")


# ---------------------------------------------------------------- performance forms


def value_evidence(*values: forms.FormValue | None) -> tuple[Evidence, ...]:
    return tuple(Evidence(v.cell.page, v.cell.bbox) for v in values if v is not None)


def half_unit(value: forms.FormValue) -> Decimal:
    return Decimal(5).scaleb(-value.decimals - 1) * UNIT_TO_YUAN.get(value.unit or "万元", WAN)


def form_sum_finding(
    rule_id: str, subject: str, total: forms.FormValue, parts: list[forms.FormValue], what: str
) -> Finding:
    expected = sum((p.yuan for p in parts), Decimal(0))
    tolerance = half_unit(total) + sum((half_unit(p) for p in parts), Decimal(0))
    diff = total.yuan - expected
    passed = abs(diff) <= tolerance
    numbers = " + ".join(f"{p.number}" for p in parts)
    message = f"{what}：{subject} 填列 {total.number} {total.unit}，各项 {numbers} = {expected / WAN:.2f} 万元"
    message += "，一致" if passed else f"，相差 {diff / WAN:.2f} 万元"
    return Finding(
        rule_id,
        passed,
        subject,
        message,
        expected / WAN,
        total.yuan / WAN,
        tolerance / WAN,
        "万元",
        value_evidence(total, *parts),
    )


@rule("perf.composition")
def perf_composition(f: FilingData) -> Iterator[Finding]:
    cells = [c for c in f.form_cells if c.table_id == "performance_overall"]
    if not cells:
        return
    rows = {r.label: r for r in forms.composition(cells)}
    parts = [rows.get(k) for k in ("人员类项目支出", "运转类项目支出", "特定目标类项目支出")]
    total = rows.get("合计")
    if total is None or any(p is None for p in parts):
        yield cannot_run("perf.composition", "整体绩效目标表中未找到支出构成")
        return
    amounts = lambda r: [v for v in r.values if v.unit != "%"]  # noqa: E731 - current year, then previous years
    labels = ["当年金额", "前年金额", "上年金额"]
    for k, label in enumerate(labels):
        if k < len(amounts(total)) and all(k < len(amounts(p)) for p in parts):
            yield form_sum_finding(
                "perf.composition",
                f"支出构成合计（{label}）",
                amounts(total)[k],
                [amounts(p)[k] for p in parts],
                "整体绩效目标表",
            )


@rule("perf.shares")
def perf_shares(f: FilingData) -> Iterator[Finding]:
    cells = [c for c in f.form_cells if c.table_id == "performance_overall"]
    rows = {r.label: r for r in forms.composition(cells)} if cells else {}
    total = rows.get("合计")
    if not rows or total is None:
        return
    total_amount = next((v for v in total.values if v.unit != "%"), None)
    shares = []
    for label in ("人员类项目支出", "运转类项目支出", "特定目标类项目支出"):
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
            f"整体绩效目标表：{label} {amount.number} 万元占合计 {total_amount.number} 万元",
            value_evidence(share, amount, total_amount),
        )
    if len(shares) == 3:
        printed = sum(s.number for s in shares)
        tolerance = sum(Decimal(5).scaleb(-s.decimals - 1) for s in shares)
        passed = abs(printed - 100) <= tolerance
        yield Finding(
            "perf.shares",
            passed,
            "占比合计",
            f"整体绩效目标表：支出构成各项占比之和为 {printed}%{'' if passed else '，不等于 100%'}",
            Decimal(100),
            printed,
            tolerance,
            "%",
            value_evidence(*shares),
        )


def percent_finding(
    rule_id: str,
    subject: str,
    printed: Decimal,
    printed_decimals: int,
    numerator: Decimal,
    denominator: Decimal,
    numerator_half: Decimal,
    denominator_half: Decimal,
    what: str,
    evidence: tuple[Evidence, ...],
) -> Finding:
    """Is `printed`% what numerator/denominator gives, allowing for the rounding of every printed figure?

    `numerator_half` / `denominator_half` bound how far each may be from the exact value (the sum of
    the half-units of the printed amounts it is computed from). Signs count: 增长 for a fall is wrong.
    """
    den_low, den_high = denominator - denominator_half, denominator + denominator_half
    if den_low <= 0 <= den_high:
        return Finding(rule_id, None, subject, f"无法检查：{what}，基数为零")
    corners = [n / d for n in (numerator - numerator_half, numerator + numerator_half) for d in (den_low, den_high)]
    low, high = min(corners) * 100, max(corners) * 100
    slack = Decimal(5).scaleb(-printed_decimals - 1)
    exact = numerator / denominator * 100
    passed = low - slack <= printed <= high + slack
    message = (
        f"{what}，应为 {exact:.2f}%，填列 {printed}%" if not passed else f"{what}，{exact:.2f}% 与填列 {printed}% 一致"
    )
    return Finding(rule_id, passed, subject, message, exact, printed, slack + (high - low) / 2, "%", evidence)


def half_of(decimals: int) -> Decimal:
    """Half of the last printed digit."""
    return Decimal(5).scaleb(-decimals - 1)


def project_budget(
    f: FilingData, rows: list[list[forms.FormCell]], title: str
) -> tuple[Decimal | None, tuple[Evidence, ...], Decimal]:
    """The project's budget for the year (yuan): printed in its form, else its row of the project table."""
    value = forms.labelled_value(rows, re.compile(r"^项目(当年|本年度)预算"))
    if value is not None and value.yuan is not None:
        return value.yuan, value_evidence(value), half_unit(value)
    name = re.search(r"[(（](.+?)[)）]\s*$", squash(title))
    if name:
        row = f.cell("projects", "total", label=re.escape(name[1]) + r"(项目)?")
        if row is not None:
            return row.yuan, (row.evidence,), row.half_unit_yuan
    return None, (), Decimal(0)


@rule("perf.cost_target")
def perf_cost_target(f: FilingData) -> Iterator[Finding]:
    for cells in forms.projects([c for c in f.form_cells if c.table_id == "performance_project"]):
        rows = forms.form_rows(cells)
        title = cells[0].table_title
        budget, evidence, budget_half = project_budget(f, rows, title)
        total_budget = forms.labelled_value(rows, re.compile(r"^项目总预算"))
        for target in forms.cost_targets(rows):
            limit = budget if target.is_annual else (total_budget.yuan if total_budget else None)
            if limit is None or target.value.yuan is None:
                yield cannot_run(
                    "perf.cost_target", f"{title} 未找到{'当年' if target.is_annual else '项目总'}预算", title
                )
                continue
            tolerance = half_unit(target.value) + budget_half
            passed = target.value.yuan <= limit + tolerance
            kind = "年度" if target.is_annual else "长期"
            message = f"{title}：{kind}成本控制目标 {target.value.comparator}{target.value.number} {target.value.unit}，项目{'当年' if target.is_annual else '总'}预算 {limit / WAN:.2f} 万元"
            message += "" if passed else "，目标超过预算"
            yield Finding(
                "perf.cost_target",
                passed,
                f"{title} {kind}成本控制",
                message,
                limit / WAN,
                target.value.yuan / WAN,
                tolerance / WAN,
                "万元",
                value_evidence(target.value) + evidence,
            )


def unit_suspect(total: Decimal | None, budget: Decimal | None) -> bool:
    return bool(total and budget) and is_unit_factor(total, budget, abs(budget) / 1000)


@rule("perf.funding_sources")
def perf_funding_sources(f: FilingData) -> Iterator[Finding]:
    for cells in forms.projects([c for c in f.form_cells if c.table_id == "performance_project"]):
        rows = forms.form_rows(cells)
        title = cells[0].table_title
        block = forms.funding(rows)
        if block is None or block.total is None:
            continue
        budget, _, _ = project_budget(f, rows, title)
        if unit_suspect(block.total.yuan, budget):
            yield cannot_run(
                "perf.funding_sources", f"{title} 资金来源金额单位与预算不一致（见“金额单位应一致”）", title
            )
            continue
        yield form_sum_finding(
            "perf.funding_sources", f"{title} 资金来源合计", block.total, list(block.sources), "项目资金来源"
        )


@rule("perf.activities")
def perf_activities(f: FilingData) -> Iterator[Finding]:
    for cells in forms.projects([c for c in f.form_cells if c.table_id == "performance_project"]):
        rows = forms.form_rows(cells)
        title = cells[0].table_title
        amounts = forms.activities(rows)
        budget, evidence, budget_half = project_budget(f, rows, title)
        if not amounts:
            continue
        if budget is None:
            yield cannot_run("perf.activities", f"{title} 未找到项目当年预算", title)
            continue
        total = sum((a.yuan for a in amounts), Decimal(0))
        if unit_suspect(total, budget):
            yield cannot_run("perf.activities", f"{title} 明细测算金额单位与预算不一致（见“金额单位应一致”）", title)
            continue
        tolerance = budget_half + sum((half_unit(a) for a in amounts), Decimal(0))
        passed = abs(total - budget) <= tolerance
        message = f"{title}：明细测算合计 {total / WAN:.2f} 万元，项目当年预算 {budget / WAN:.2f} 万元" + (
            "" if passed else "，不一致"
        )
        yield Finding(
            "perf.activities",
            passed,
            f"{title} 明细测算",
            message,
            budget / WAN,
            total / WAN,
            tolerance / WAN,
            "万元",
            value_evidence(*amounts) + evidence,
        )


@rule("units.consistent")
def units_consistent(f: FilingData) -> Iterator[Finding]:
    for cells in forms.projects([c for c in f.form_cells if c.table_id == "performance_project"]):
        rows = forms.form_rows(cells)
        title = cells[0].table_title
        budget, evidence, _ = project_budget(f, rows, title)
        block = forms.funding(rows)
        suspects = []
        if block and block.total is not None and not block.total.has_suffix and unit_suspect(block.total.yuan, budget):
            suspects.append(block.total)
        suspects += [
            a for a in forms.activities(rows) if not a.has_suffix and budget and a.yuan and a.yuan > budget * 100
        ]
        if suspects:
            numbers = "、".join(str(v.number) for v in suspects)
            yield Finding(
                "units.consistent",
                False,
                title,
                f"{title}：金额 {numbers} 填在单位为{suspects[0].unit}的表中，约为项目预算 {budget / WAN:.2f} 万元的一万倍，疑似以元填列",
                budget / WAN,
                suspects[0].yuan / WAN,
                None,
                "万元",
                value_evidence(*suspects) + evidence,
            )
    # A table printed in 元 under a 万元 unit line: its grand total is 10000 times the filing's total.
    reference = grand_total(f, "expenditure_summary", "total")
    if reference is None:
        return
    for table_id in ("income_summary", "general_budget_by_function", "basic_expenditure_by_economic", "projects"):
        total = grand_total(f, table_id, "total") or (f.cell(table_id, "total") if table_id == "projects" else None)
        if total and is_unit_factor(total.yuan, reference.yuan, total.half_unit_yuan + reference.half_unit_yuan):
            yield Finding(
                "units.consistent",
                False,
                CATALOG.table_name(table_id),
                f"{CATALOG.table_name(table_id)}合计 {total.raw}（单位：{total.unit}）约为支出总表合计 {reference.raw} 的一万倍或万分之一，疑似金额单位错误",
                reference.yuan / WAN,
                total.yuan / WAN,
                None,
                "万元",
                (total.evidence, reference.evidence),
            )


# ---------------------------------------------------------------- narrative against tables


SUBJECT_SOURCES: tuple[tuple[re.Pattern[str], str, str, str | None], ...] = tuple(
    (re.compile(pattern), table_id, column, label)
    for pattern, table_id, column, label in (
        (
            r"^(部门)?(收支总预算|预算支出|支出预算|财政拨款收支总预算|支出总预算)$",
            "expenditure_summary",
            "total",
            None,
        ),
        (r"(收入预算|预算收入|收入总预算)$", "income_summary", "total", None),
        (r"^(一般公共预算)?基本支出$", "expenditure_summary", "basic", None),
        (r"^项目支出$", "expenditure_summary", "project", None),
        (r"^人员经费$", "basic_expenditure_by_economic", "personnel", None),
        (r"^公用经费$", "basic_expenditure_by_economic", "public", None),
        (r"三公.*经费", "sangong", "sangong_total", None),
        (r"^因公出国", "sangong", "overseas", None),
        (r"^公务用车购置及运行", "sangong", "vehicle_total", None),
        (r"^公务用车购置费$", "sangong", "vehicle_purchase", None),
        (r"^公务用车运行(维护)?费$", "sangong", "vehicle_operation", None),
        (r"^公务接待费$", "sangong", "reception", None),
        (r"机关运行经费", "sangong", "admin_operation", None),
    )
)


def claim_table_value(f: FilingData, claim: Claim) -> Amount | None:
    """The table figure a claim states, when the claim names something the tables print."""
    subject = squash(claim.subject)
    # Narratives describe general-budget (财政拨款) spending by function item: read the general-budget
    # function table first; the expenditure table also holds fund and non-fiscal money.
    if claim.code:
        return f.cell("general_budget_by_function", "total", code=claim.code) or f.cell(
            "expenditure_summary", "total", code=claim.code
        )
    if claim.item_names:
        return item_by_names(f, claim.item_names, "general_budget_by_function") or item_by_names(
            f, claim.item_names, "expenditure_summary"
        )
    for pattern, table_id, column, _ in SUBJECT_SOURCES:
        if pattern.search(subject):
            found = grand_total(f, table_id, column) if table_id not in ("sangong",) else f.cell(table_id, column)
            if found is not None:
                return found
    for table_id in ("expenditure_summary", "basic_expenditure_by_economic"):
        found = [
            a
            for a in f.table(table_id)
            if a.column == "total" and a.code and len(a.code) == 3 and squash(a.row_label) == subject
        ]
        if found:
            return found[0]
    project = re.sub(r"项目$", "", subject)
    found = [
        a
        for a in f.table("projects")
        if a.column == "total" and squash(a.row_label) in (subject, project, project + "项目")
    ]
    if found and project:
        return found[0]
    return None


def item_by_names(f: FilingData, names: tuple[str, ...], table_id: str) -> Amount | None:
    """The row of a function item named by its (类, 款, 项) names in a function-coded table."""
    rows = [a for a in f.table(table_id) if a.column == "total" and a.code]
    target_len = {1: 3, 2: 5, 3: 7}[len(names)]
    candidates = [a for a in rows if len(a.code) == target_len and squash(a.row_label) == squash(names[-1])]
    if len(candidates) > 1 and len(names) > 1:
        parents = {a.code for a in rows if len(a.code) == target_len - 2 and squash(a.row_label) == squash(names[-2])}
        candidates = [a for a in candidates if a.code[:-2] in parents]
    return candidates[0] if candidates else None


@rule("narrative.amount")
def narrative_amount(f: FilingData) -> Iterator[Finding]:
    for claim in f.claims:
        value = claim_table_value(f, claim)
        if value is None:
            continue
        stated = claim.amount * UNIT_TO_YUAN[claim.unit]
        tolerance = (
            Decimal(5).scaleb(-narrative_decimals(claim.amount_decimals) - 1) * UNIT_TO_YUAN[claim.unit]
            + value.half_unit_yuan
        )
        diff = stated - value.yuan
        passed = abs(diff) <= tolerance
        message = f"说明称{claim.subject} {claim.amount} {claim.unit}，{CATALOG.table_name(value.table_id) or '表'}为 {value.raw} {value.unit}"
        message += "，一致" if passed else f"，相差 {diff / WAN:.2f} 万元"
        yield Finding(
            "narrative.amount",
            passed,
            claim.subject,
            message,
            value.yuan / WAN,
            stated / WAN,
            tolerance / WAN,
            "万元",
            (Evidence(claim.page, None), value.evidence),
        )


@rule("narrative.change")
def narrative_change(f: FilingData) -> Iterator[Finding]:
    for claim in f.claims:
        if claim.percent is None:
            continue
        evidence = (Evidence(claim.page, None),)
        amount_half = half_of(narrative_decimals(claim.amount_decimals))
        if claim.delta is not None:
            # Z ≈ Y / (X − Y): the base is last year's figure, derived from two printed numbers.
            delta_half = half_of(narrative_decimals(claim.delta_decimals or 0))
            what = f"说明称{claim.subject} {claim.amount} 万元，比上年{'增加' if claim.delta >= 0 else '减少'} {abs(claim.delta)} 万元"
            yield percent_finding(
                "narrative.change",
                claim.subject,
                claim.percent,
                claim.percent_decimals or 0,
                claim.delta,
                claim.amount - claim.delta,
                delta_half,
                amount_half + delta_half,
                what,
                evidence,
            )
        elif claim.prev_amount is not None:
            # Z ≈ (X − P) / P with the previous figure P stated.
            prev_half = half_of(narrative_decimals(claim.prev_decimals or 0))
            what = f"说明称{claim.subject} {claim.amount} 万元，上年 {claim.prev_amount} 万元"
            yield percent_finding(
                "narrative.change",
                claim.subject,
                claim.percent,
                claim.percent_decimals or 0,
                claim.amount - claim.prev_amount,
                claim.prev_amount,
                amount_half + prev_half,
                prev_half,
                what,
                evidence,
            )


@rule("narrative.share")
def narrative_share(f: FilingData) -> Iterator[Finding]:
    totals = [c for c in f.claims if re.search(r"(收支总预算|预算支出|预算收入)$", squash(c.subject))]
    for claim in f.claims:
        if claim.share_pct is None:
            continue
        is_income = "收入" in claim.subject
        whole = next((c for c in totals if ("收入" in c.subject) == is_income and c.section == claim.section), None)
        whole = whole or next((c for c in totals if ("收入" in c.subject) == is_income), None)
        if whole is None:
            table_total = grand_total(f, "income_summary" if is_income else "expenditure_summary", "total")
            if table_total is None:
                continue
            denominator, denominator_half = table_total.yuan / WAN, table_total.half_unit_yuan / WAN
        else:
            denominator, denominator_half = whole.amount, half_of(narrative_decimals(whole.amount_decimals))
        yield percent_finding(
            "narrative.share",
            claim.subject,
            claim.share_pct,
            claim.share_decimals or 0,
            claim.amount,
            denominator,
            half_of(narrative_decimals(claim.amount_decimals)),
            denominator_half,
            f"说明称{claim.subject} {claim.amount} 万元占 {denominator:.2f} 万元",
            (Evidence(claim.page, None),),
        )


@rule("narrative.procurement")
def narrative_procurement(f: FilingData) -> Iterator[Finding]:
    for k, claim in enumerate(f.claims):
        if "政府采购" not in claim.subject or "预留" in claim.subject or "中小企业" in claim.subject:
            continue
        parts = {}
        for other in f.claims[k + 1 : k + 6]:
            name = squash(other.subject)
            for kind in ("货物", "工程", "服务"):
                if kind in name and kind not in parts:
                    parts[kind] = other
        if len(parts) < 3:
            continue
        total = claim.amount
        expected = sum(p.amount for p in parts.values())
        tolerance = sum(Decimal(5).scaleb(-narrative_decimals(c.amount_decimals) - 1) for c in [claim, *parts.values()])
        passed = abs(total - expected) <= tolerance
        numbers = "+".join(f"{parts[k].amount}" for k in ("货物", "工程", "服务"))
        message = f"说明称政府采购预算 {total} 万元，货物、工程、服务 {numbers} = {expected} 万元" + (
            "，一致" if passed else f"，相差 {total - expected} 万元"
        )
        yield Finding(
            "narrative.procurement",
            passed,
            claim.subject,
            message,
            expected,
            total,
            tolerance,
            "万元",
            (Evidence(claim.page, None),),
        )
        break


# ---------------------------------------------------------------- across years


@rule("prev_year.matches")
def prev_year_matches(f: FilingData) -> Iterator[Finding]:
    if f.previous is None:
        return
    for claim in f.claims:
        if claim.compare_year is None or f.year is None or claim.compare_year != f.year - 1:
            continue
        if claim.compare_basis and "执行" in claim.compare_basis:
            continue  # compared with last year's outturn, which no budget filing prints
        if claim.delta is not None:
            stated = (claim.amount - claim.delta) * UNIT_TO_YUAN[claim.unit]
            decimals = narrative_decimals(max(claim.amount_decimals, claim.delta_decimals or 0))
            how = f"（{claim.amount} − {claim.delta}）"
        elif claim.prev_amount is not None:
            stated = claim.prev_amount * UNIT_TO_YUAN[claim.unit]
            decimals = narrative_decimals(claim.prev_decimals or 0)
            how = ""
        else:
            continue
        previous = claim_table_value(f.previous, claim)
        if previous is None:
            continue
        tolerance = 2 * Decimal(5).scaleb(-decimals - 1) * UNIT_TO_YUAN[claim.unit] + previous.half_unit_yuan
        diff = stated - previous.yuan
        # Last year's own narrative may state the figure its table got wrong (a unit error there is
        # last year's finding, not this one's): agreeing with either is agreeing with last year.
        said_last_year = [
            c.amount * UNIT_TO_YUAN[c.unit]
            for c in f.previous.claims
            if squash(c.subject) == squash(claim.subject) and (c.code, c.item_names) == (claim.code, claim.item_names)
        ]
        passed = abs(diff) <= tolerance or any(abs(stated - v) <= tolerance for v in said_last_year)
        message = f"说明称{claim.subject}上年预算为 {stated / WAN:.2f} 万元{how}，{f.previous.year} 年公开数为 {fmt(previous.yuan)}"
        message += "，一致" if passed else f"，相差 {diff / WAN:.2f} 万元"
        yield Finding(
            "prev_year.matches",
            passed,
            claim.subject,
            message,
            previous.yuan / WAN,
            stated / WAN,
            tolerance / WAN,
            "万元",
            (Evidence(claim.page, None),),
        )


# ---------------------------------------------------------------- running


def run_rules(f: FilingData, rules: tuple[Rule, ...]) -> list[tuple[Rule, Finding]]:
    """Every rule over one filing; a rule that fails unexpectedly is recorded as not run, never raised."""
    results = []
    for r in rules:
        try:
            results += [(r, finding) for finding in IMPLEMENTATIONS[r.rule_id](f)]
        except Exception as exc:  # noqa: BLE001 - a rule must not stop the others
            results.append((r, cannot_run(r.rule_id, f"规则执行出错：{type(exc).__name__}: {exc}")))
    return results


def load_filings(out_dir: Path) -> list[FilingData]:
    """The parsed datasets of out_dir as one FilingData per ok/partial filing, with previous-year links."""
    filings = pq.read_table(dataset_path(out_dir, "filings")).to_pylist()
    by_filing: dict[str, dict[str, list]] = {
        f["filing_id"]: {"amounts": [], "tables": [], "forms": [], "narrative": []} for f in filings
    }
    for row in pq.read_table(dataset_path(out_dir, "line_items")).to_pylist():
        by_filing[row["filing_id"]]["amounts"].append(
            Amount(
                row["table_index"],
                row["table_id"],
                row["page"],
                row["row_index"],
                row["row_label"],
                row["code"],
                row["column"],
                row["amount_yuan"],
                row["decimals"],
                row["unit"],
                row["raw"],
                tuple(row["bbox"]),
            )
        )
    for row in pq.read_table(dataset_path(out_dir, "tables")).to_pylist():
        by_filing[row["filing_id"]]["tables"].append(row)
    for row in pq.read_table(dataset_path(out_dir, "form_cells")).to_pylist():
        by_filing[row["filing_id"]]["forms"].append(
            forms.FormCell(
                row["table_index"],
                row["table_id"],
                row["table_title"],
                row["unit"],
                row["page"],
                row["row_index"],
                row["column_index"],
                row["colspan"],
                row["text"],
                tuple(row["bbox"]),
            )
        )
    for row in sorted(
        pq.read_table(dataset_path(out_dir, "narrative")).to_pylist(),
        key=lambda r: (r["filing_id"], r["section_index"]),
    ):
        by_filing[row["filing_id"]]["narrative"].append((row["section"], row["page"], row["text"]))
    result = []
    for f in filings:
        if f["status"] == "failed":
            continue
        data = by_filing[f["filing_id"]]
        result.append(
            FilingData(
                f["filing_id"],
                f["year"],
                f["department"],
                f["region"],
                data["amounts"],
                data["tables"],
                data["forms"],
                narrative_to_claims(data["narrative"], f["year"]),
                data["narrative"],
            )
        )
    link_previous_years(result)
    return result


def department_key(region: str | None, department: str | None) -> tuple[str, str]:
    """A department across years: its normalised name within its region."""
    name = re.sub(r"[(（].*?[)）]", "", squash(department or ""))
    return squash(region or ""), name


def link_previous_years(filings: list[FilingData]) -> None:
    by_key: dict[tuple[tuple[str, str], int], FilingData] = {}
    for f in filings:
        if f.year is not None:
            by_key[(department_key(f.region, f.department), f.year)] = f
    for f in filings:
        if f.year is not None:
            f.previous = by_key.get((department_key(f.region, f.department), f.year - 1))


def claim_rows(f: FilingData) -> list[dict]:
    return [
        {
            "filing_id": f.filing_id,
            "claim_index": k,
            "page": c.page,
            "section": c.section,
            "sentence": c.sentence,
            "subject": c.subject,
            "code": c.code,
            "item_names": list(c.item_names),
            "amount": c.amount,
            "unit": c.unit,
            "compare_year": c.compare_year,
            "compare_basis": c.compare_basis,
            "delta": c.delta,
            "percent": c.percent,
            "share_pct": c.share_pct,
            "prev_amount": c.prev_amount,
        }
        for k, c in enumerate(f.claims)
    ]


def finding_rows(f: FilingData, results: list[tuple[Rule, Finding]]) -> list[dict]:
    rows = []
    counters: dict[str, int] = {}
    for r, finding in results:
        index = counters.get(r.rule_id, 0)
        counters[r.rule_id] = index + 1
        rows.append(
            {
                "filing_id": f.filing_id,
                "rule_id": r.rule_id,
                "finding_index": index,
                "severity": r.severity,
                "passed": finding.passed,
                "subject": finding.subject,
                "expected": float(finding.expected) if finding.expected is not None else None,
                "actual": float(finding.actual) if finding.actual is not None else None,
                "diff": float(finding.actual - finding.expected)
                if finding.actual is not None and finding.expected is not None
                else None,
                "tolerance": float(finding.tolerance) if finding.tolerance is not None else None,
                "unit": finding.unit,
                "message": finding.message,
                "pages": [e.page for e in finding.evidence],
                "bboxes": [list(e.bbox) if e.bbox else None for e in finding.evidence],
            }
        )
    return rows


def check_output(out_dir: Path) -> dict[str, Path]:
    """Run every rule over the datasets in out_dir; write claims.parquet and checks.parquet there."""
    from budgetml.datasets import rows_to_table, write_table
    from budgetml.schema import CHECKS, CLAIMS

    rules = load_rules()
    claims, findings = [], []
    for f in load_filings(out_dir):
        claims += claim_rows(f)
        findings += finding_rows(f, run_rules(f, rules))
    return {
        CLAIMS.name: write_table(CLAIMS, rows_to_table(CLAIMS, claims), out_dir),
        CHECKS.name: write_table(CHECKS, rows_to_table(CHECKS, findings), out_dir),
    }


def rules_markdown(rules: tuple[Rule, ...] | None = None) -> str:
    """docs/rules.md, generated from the registry."""
    rules = rules or load_rules()
    lines = [
        "# Consistency rules",
        "",
        "Generated from `configs/rules.toml` by `budgetml docs`; do not edit by hand.",
        "",
    ]
    lines += ["| rule_id | severity | title | tables | tolerance |", "|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| `{r.rule_id}` | {r.severity} | {r.title} | {', '.join(r.tables) or '—'} | {r.tolerance} |")
    lines.append("")
    for r in rules:
        lines += [
            f"## `{r.rule_id}` — {r.title}",
            "",
            r.description,
            "",
            f"Severity: {r.severity}. Tolerance: {r.tolerance}.",
            "",
        ]
    return "\n".join(lines)

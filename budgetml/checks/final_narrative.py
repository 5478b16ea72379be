"""Rules on a 决算's narrative (情况说明): stated amounts and section totals, execution rates, shares.

The claims are read in 决算 wording (budgetml/checks/claims.py, its 决算 part). A claim is checked only
when its subject names a figure the tables print (收入支出总计, 财政拨款收入支出总计, 本年收入合计, a 类, a
function item named 类/款/项, 三公 …); other amounts (政府采购, 绩效) are read but not judged here.

Printed percentages: 决算 narratives truncate as often as they round (规划和自然资源局 2024 prints
95.45% for 9746.50 / 10210.34 = 95.457%), so a percentage is right when the exact ratio rounds or
truncates to the printed digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from budgetml.checks.claims import Claim, with_patterns
from budgetml.checks.compare import WAN, agreement, fmt, half_of, narrative_decimals, table_name, yuan_finding
from budgetml.checks.final_accounts import ECONOMIC, EXPENDITURE, FISCAL, GENERAL, INCOME, SANGONG, SUMMARY
from budgetml.checks.inputs import Amount, FilingData
from budgetml.checks.narrative import item_by_names
from budgetml.checks.registry import Evidence, Finding, cannot_run, message, rule
from budgetml.normalise import UNIT_TO_YUAN, squash

TOTAL_ROW = "合计|总计"
FIRST_ROW = ""  # the 三公 table prints one row
_Q = '[“"]?'
# What a 决算 claim's subject names → (table, column, row label regex; FIRST_ROW for the 三公 table's row).
FINAL_SUBJECTS: tuple[tuple[re.Pattern[str], str, str, str], ...] = with_patterns(
    (
        (r"^(收入支出)?总计$", SUMMARY, "income", "总计"),
        (r"^财政拨款收入支出总计$", FISCAL, "income", "总计"),
        (r"^本年收入(合计)?$", SUMMARY, "income", "本年收入合计"),
        (r"^本年支出(合计)?$", SUMMARY, "expenditure", "本年支出合计"),
        (r"^财政拨款收入$", INCOME, "fiscal_grant", TOTAL_ROW),
        (r"^上级补助收入$", INCOME, "superior_grant", TOTAL_ROW),
        (r"^事业收入$", INCOME, "business_income", TOTAL_ROW),
        (r"^经营收入$", INCOME, "operating_income", TOTAL_ROW),
        (r"^附属单位上缴收入$", INCOME, "affiliated_income", TOTAL_ROW),
        (r"^其他收入$", INCOME, "other_income", TOTAL_ROW),
        (r"^基本支出$", EXPENDITURE, "basic", TOTAL_ROW),
        (r"^项目支出$", EXPENDITURE, "project", TOTAL_ROW),
        (r"^上缴上级支出$", EXPENDITURE, "remit_superior", TOTAL_ROW),
        (r"^经营支出$", EXPENDITURE, "operating_expenditure", TOTAL_ROW),
        (r"^对附属单位补助支出$", EXPENDITURE, "subsidy_affiliated", TOTAL_ROW),
        (r"^一般公共预算财政拨款支出$", GENERAL, "total", TOTAL_ROW),
        (r"^一般公共预算财政拨款基本支出$", GENERAL, "basic", TOTAL_ROW),
        (r"^一般公共预算财政拨款项目支出$", GENERAL, "project", TOTAL_ROW),
        (r"^人员经费$", ECONOMIC, "personnel", "人员经费合计"),
        (r"^公用经费$", ECONOMIC, "public", "公用经费合计"),
        (rf"^{_Q}三公{_Q}经费(财政拨款)?(支出)?(决算数?)?$", SANGONG, "sangong_total", FIRST_ROW),
        (r"^因公出国\(境\)费用?(支出)?(决算数?)?$", SANGONG, "overseas", FIRST_ROW),
        (r"^公务用车购置及运行(维护)?费(支出)?(决算数?)?$", SANGONG, "vehicle_total", FIRST_ROW),
        (r"^公务用车购置费?(支出)?(决算数?)?$", SANGONG, "vehicle_purchase", FIRST_ROW),
        (r"^公务用车运行(维护)?费?(支出)?(决算数?)?$", SANGONG, "vehicle_operation", FIRST_ROW),
        (r"^公务接待费(支出)?(决算数?)?$", SANGONG, "reception", FIRST_ROW),
    )
)
_CLASS = re.compile(r"^(?P<name>.+?)\(类\)$")
# The 预算数 column of a table figure (the 三公 table prints both; some editions print 年初预算数 by item).
BUDGET_COLUMN = {"total": "initial_budget"}
# The sentence of each stated relation of 决算数 to 预算数.
RELATION_MESSAGES = {"less": "relation_less", "more": "relation_more", "equal": "relation_equal"}
# 持平 in these narratives means within about this share of the 年初预算 (基本持平: 10.00 against 10.00 or close).
FLAT_SHARE = Decimal("0.01")


def subject_value(f: FilingData, subject: str) -> Amount | None:
    """The table figure a subject names (a total, a fund or kind of spending, 三公), None when it names none."""
    key = squash(subject)
    for pattern, table_id, column, row in FINAL_SUBJECTS:
        if pattern.search(key):
            return f.cell(table_id, column) if row == FIRST_ROW else f.cell(table_id, column, label=row)
    match = _CLASS.match(key)
    if match:
        found = [a for a in f.table(GENERAL) if a.column == "total" and a.code and len(a.code) == 3]
        return next((a for a in found if squash(a.row_label) == match["name"]), None)
    return None


def claim_value(f: FilingData, claim: Claim) -> Amount | None:
    """The table figure a 决算 claim states: a function item by its code or 类/款/项 names, else by its subject."""
    if claim.code:
        return f.cell(GENERAL, "total", code=claim.code)
    if claim.item_names:
        found = item_by_names(f, claim.item_names, GENERAL)
        return found[0] if len(found) == 1 else None  # several rows of that name: ambiguous, not judged
    return subject_value(f, claim.subject)


def budget_value(f: FilingData, claim: Claim, spent: Amount) -> Amount | None:
    """The 年初预算 the tables print for the figure a claim states (三公: the 预算数 columns), None when they print none."""
    if spent.table_id == SANGONG:
        return f.cell(SANGONG, f"{spent.column}_budget")
    column = BUDGET_COLUMN.get(spent.column)
    if column is None:
        return None
    same_row = [a for a in f.table(spent.table_id) if a.row_index == spent.row_index and a.column == column]
    return same_row[0] if same_row else None


@dataclass(frozen=True)
class Stated:
    """A figure as the narrative states it, in yuan, with its rounding."""

    yuan: Decimal
    half_yuan: Decimal
    page: int

    @classmethod
    def of(cls, claim: Claim, amount: Decimal | None = None, decimals: int | None = None) -> Stated:
        """The claim's amount (or another figure it states, such as its 年初预算) in yuan."""
        per_unit = UNIT_TO_YUAN[claim.unit]
        value = claim.amount if amount is None else amount
        printed = claim.amount_decimals if decimals is None else decimals
        return cls(value * per_unit, half_of(narrative_decimals(printed)) * per_unit, claim.page)


def compare_stated(subject: str, stated: Stated, value: Amount, key: str = "compared") -> Finding:
    """A stated figure against the table figure it names, within the rounding of both."""
    tolerance = stated.half_yuan + value.half_unit_yuan
    diff = stated.yuan - value.yuan
    passed = abs(diff) <= tolerance
    text = message(
        key,
        "final.narrative_amount",
        subject=subject,
        amount=fmt(stated.yuan),
        table=table_name(value.table_id) or "表",
        raw=value.raw,
        table_unit=value.unit,
    )
    return yuan_finding(
        "final.narrative_amount",
        passed,
        subject,
        text + agreement(passed, "differs_wan", diff=diff / WAN),
        value.yuan,
        stated.yuan,
        tolerance,
        (Evidence(stated.page, None), value.evidence),
    )


@rule("final.narrative_amount")
def narrative_amount(f: FilingData) -> Iterator[Finding]:
    """Every amount the narrative states for a total, a fund, a kind of spending, a 类, a function item or 三公 equals the
    tables; a stated 年初预算 equals the 预算数 the tables print for it."""
    for claim in f.claims:
        value = claim_value(f, claim)
        if value is None:
            continue
        yield compare_stated(claim.subject, Stated.of(claim), value)
        if claim.initial_budget is not None:
            budget = budget_value(f, claim, value)
            if budget is not None:
                stated = Stated.of(claim, claim.initial_budget, claim.initial_budget_decimals)
                yield compare_stated(f"{claim.subject}（年初预算）", stated, budget, "compared_budget")


def percent_range(
    numerator: Stated, denominator: Stated, printed: Decimal, decimals: int
) -> tuple[bool | None, Decimal]:
    """Whether `printed`% is numerator / denominator, rounded or truncated to its digits, allowing for the rounding of both
    figures; None when the denominator may be zero. Returns (passed, exact %)."""
    low_d, high_d = denominator.yuan - denominator.half_yuan, denominator.yuan + denominator.half_yuan
    if low_d <= 0:
        return None, Decimal(0)
    corners = [
        n / d
        for n in (numerator.yuan - numerator.half_yuan, numerator.yuan + numerator.half_yuan)
        for d in (low_d, high_d)
    ]
    low, high = min(corners) * 100, max(corners) * 100
    step = Decimal(1).scaleb(-decimals)
    # Rounded: within half a step of the value; truncated: up to one step below it.
    return low - step <= printed <= high + step / 2, numerator.yuan / denominator.yuan * 100


@rule("final.narrative_execution")
def narrative_execution(f: FilingData) -> Iterator[Finding]:
    """年初预算为A万元，支出决算为B万元，完成年初预算的C%: C is B / A, and 决算数小于/大于预算数 (or 持平) is what A and B say."""
    for claim in f.claims:
        if claim.initial_budget is None:
            continue
        spent = Stated.of(claim)
        budget = Stated.of(claim, claim.initial_budget, claim.initial_budget_decimals)
        evidence = (Evidence(claim.page, None),)
        if claim.completion_pct is not None:
            passed, exact = percent_range(spent, budget, claim.completion_pct, claim.completion_decimals or 0)
            if passed is None:
                yield cannot_run(
                    "final.narrative_execution", message("no_budget", "final.narrative_execution"), claim.subject
                )
            else:
                text = message(
                    "completion",
                    "final.narrative_execution",
                    subject=claim.subject,
                    budget=fmt(budget.yuan),
                    spent=fmt(spent.yuan),
                    exact=exact,
                    printed=claim.completion_pct,
                )
                printed = (claim.completion_pct, claim.completion_decimals)
                yield percent_stated("final.narrative_execution", claim, passed, text, exact, printed)
        if claim.budget_relation is not None:
            tolerance = spent.half_yuan + budget.half_yuan
            gap = spent.yuan - budget.yuan
            passed = {
                "less": gap < -tolerance,
                "more": gap > tolerance,
                "equal": abs(gap) <= max(tolerance, budget.yuan * FLAT_SHARE),
            }[claim.budget_relation]
            text = message(
                RELATION_MESSAGES[claim.budget_relation],
                "final.narrative_execution",
                subject=claim.subject,
                budget=fmt(budget.yuan),
                spent=fmt(spent.yuan),
            )
            yield yuan_finding(
                "final.narrative_execution",
                passed,
                claim.subject,
                text + agreement(passed, "differs", "final.narrative_execution"),
                budget.yuan,
                spent.yuan,
                tolerance,
                evidence,
            )


def percent_stated(
    rule_id: str, claim: Claim, passed: bool, text: str, exact: Decimal, printed: tuple[Decimal, int | None]
) -> Finding:
    """A percentage the claim's sentence states (printed: its value and decimals) against the exact one, within its
    last printed digit."""
    value, decimals = printed
    tolerance = Decimal(1).scaleb(-(decimals or 0))
    evidence = (Evidence(claim.page, None),)
    text += agreement(passed, "differs", rule_id)
    return Finding(rule_id, passed, claim.subject, text, exact, value, tolerance, "%", evidence)


@rule("final.narrative_share")
def narrative_share(f: FilingData) -> Iterator[Finding]:
    """占Z%: the stated amount over what it is a share of (the total the sentence names, else the amount it opens with)."""
    for k, claim in enumerate(f.claims):
        if claim.share_pct is None or claim.share_of is None:
            continue
        table_whole = subject_value(f, claim.share_of)
        if table_whole is not None:
            whole = Stated(table_whole.yuan, table_whole.half_unit_yuan, table_whole.page)
        else:
            lead = next(
                (c for c in reversed(f.claims[:k]) if c.section == claim.section and c.subject == claim.share_of), None
            )
            if lead is None:
                continue
            whole = Stated.of(lead)
        part = Stated.of(claim)
        passed, exact = percent_range(part, whole, claim.share_pct, claim.share_decimals or 0)
        if passed is None:
            yield cannot_run("final.narrative_share", message("no_base", "final.narrative_share"), claim.subject)
            continue
        text = message(
            "share_of",
            "final.narrative_share",
            subject=claim.subject,
            amount=fmt(part.yuan),
            whole_subject=claim.share_of,
            whole=fmt(whole.yuan),
            exact=exact,
            printed=claim.share_pct,
        )
        yield percent_stated(
            "final.narrative_share", claim, passed, text, exact, (claim.share_pct, claim.share_decimals)
        )


@rule("final.prev_year")
def prev_year(f: FilingData) -> Iterator[Finding]:
    """Last year's figure a 决算 states (与上年度相比: the amount less its change) equals last year's 决算, when it is in
    the dataset (or what last year's 情况说明 stated for it)."""
    if f.previous is None or f.year is None:
        return
    stated_then: list[tuple[Amount | None, Decimal]] | None = None  # last year's claims: the figure each states
    for claim in f.claims:
        if claim.compare_year != f.year - 1 or claim.delta is None:
            continue
        previous = claim_value(f.previous, claim)
        if previous is None:
            continue
        per_unit = UNIT_TO_YUAN[claim.unit]
        stated = (claim.amount - claim.delta) * per_unit
        decimals = narrative_decimals(max(claim.amount_decimals, claim.delta_decimals or 0))
        tolerance = 2 * half_of(decimals) * per_unit + previous.half_unit_yuan
        if stated_then is None:
            stated_then = [(claim_value(f.previous, c), c.amount * UNIT_TO_YUAN[c.unit]) for c in f.previous.claims]
        said_last_year = [amount for value, amount in stated_then if value == previous]
        passed = abs(stated - previous.yuan) <= tolerance or any(abs(stated - v) <= tolerance for v in said_last_year)
        text = message(
            "compared",
            "final.prev_year",
            subject=claim.subject,
            amount=fmt(claim.amount * per_unit),
            delta=fmt(abs(claim.delta) * per_unit),
            direction="减少" if claim.delta < 0 else "增加",
            stated=fmt(stated),
            year=f.previous.year,
            published=fmt(previous.yuan),
        )
        text += agreement(passed, "differs_wan", diff=(stated - previous.yuan) / WAN)
        sentence = (Evidence(claim.page, None),)  # last year's figure is printed in last year's 决算, another file
        yield yuan_finding("final.prev_year", passed, claim.subject, text, previous.yuan, stated, tolerance, sentence)

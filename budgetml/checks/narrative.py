"""Rules on the narrative's claims (情况说明): stated amounts, changes, shares and procurement against the tables and last year's filing."""

from __future__ import annotations

import re
from collections.abc import Iterator

from budgetml.catalog import load_catalog
from budgetml.checks.claims import Claim
from budgetml.checks.compare import WAN, fmt, half_of, narrative_decimals, percent_finding
from budgetml.checks.inputs import Amount, FilingData
from budgetml.checks.registry import Evidence, Finding, message, rule
from budgetml.normalise import UNIT_TO_YUAN, squash

CATALOG = load_catalog()
# What a claim's subject names → the table figure it states: (subject pattern, table, column).
SUBJECT_SOURCES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), table_id, column)
    for pattern, table_id, column in (
        (r"^(部门)?(收支总预算|预算支出|支出预算|财政拨款收支总预算|支出总预算)$", "expenditure_summary", "total"),
        (r"(收入预算|预算收入|收入总预算)$", "income_summary", "total"),
        (r"^(一般公共预算)?基本支出$", "expenditure_summary", "basic"),
        (r"^项目支出$", "expenditure_summary", "project"),
        (r"^人员经费$", "basic_expenditure_by_economic", "personnel"),
        (r"^公用经费$", "basic_expenditure_by_economic", "public"),
        (r"三公.*经费", "sangong", "sangong_total"),
        (r"^因公出国", "sangong", "overseas"),
        (r"^公务用车购置及运行", "sangong", "vehicle_total"),
        (r"^公务用车购置费$", "sangong", "vehicle_purchase"),
        (r"^公务用车运行(维护)?费$", "sangong", "vehicle_operation"),
        (r"^公务接待费$", "sangong", "reception"),
        (r"机关运行经费", "sangong", "admin_operation"),
    )
)
# Tables that print one row per figure (no 合计 row): a claim reads their first row.
FIRST_ROW_TABLES = ("sangong",)
# The code length of a function item named by 1, 2 or 3 names (类, 款, 项).
NAMED_ITEM_CODE_LENGTH = {1: 3, 2: 5, 3: 7}
_WHOLE = re.compile(r"(收支总预算|预算支出|预算收入)$")  # claims that state the total a share is of
PROCUREMENT_KINDS = ("货物", "工程", "服务")
# How many claims after a procurement total its 货物/工程/服务 parts are looked for in.
PROCUREMENT_WINDOW = 5


def item_by_names(f: FilingData, names: tuple[str, ...], table_id: str) -> Amount | None:
    """The row of a function item named by its (类, 款, 项) names in a function-coded table."""
    rows = [a for a in f.table(table_id) if a.column == "total" and a.code]
    target_len = NAMED_ITEM_CODE_LENGTH[len(names)]
    candidates = [a for a in rows if len(a.code) == target_len and squash(a.row_label) == squash(names[-1])]
    if len(candidates) > 1 and len(names) > 1:
        parents = {a.code for a in rows if len(a.code) == target_len - 2 and squash(a.row_label) == squash(names[-2])}
        candidates = [a for a in candidates if a.code[:-2] in parents]
    return candidates[0] if candidates else None


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
    for pattern, table_id, column in SUBJECT_SOURCES:
        if pattern.search(subject):
            found = f.cell(table_id, column) if table_id in FIRST_ROW_TABLES else f.grand_total(table_id, column)
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


@rule("narrative.amount")
def narrative_amount(f: FilingData) -> Iterator[Finding]:
    """An amount the narrative states equals the table figure it names."""
    for claim in f.claims:
        value = claim_table_value(f, claim)
        if value is None:
            continue
        stated = claim.amount * UNIT_TO_YUAN[claim.unit]
        tolerance = half_of(narrative_decimals(claim.amount_decimals)) * UNIT_TO_YUAN[claim.unit] + value.half_unit_yuan
        diff = stated - value.yuan
        passed = abs(diff) <= tolerance
        text = message(
            "compared",
            "narrative.amount",
            subject=claim.subject,
            amount=claim.amount,
            unit=claim.unit,
            table=CATALOG.table_name(value.table_id) or "表",
            raw=value.raw,
            table_unit=value.unit,
        )
        yield Finding(
            "narrative.amount",
            passed,
            claim.subject,
            text + (message("agrees") if passed else message("differs_wan", diff=diff / WAN)),
            value.yuan / WAN,
            stated / WAN,
            tolerance / WAN,
            "万元",
            (Evidence(claim.page, None), value.evidence),
        )


@rule("narrative.change")
def narrative_change(f: FilingData) -> Iterator[Finding]:
    """A stated change in percent follows from the stated amount and its change (or last year's figure)."""
    for claim in f.claims:
        if claim.percent is None:
            continue
        evidence = (Evidence(claim.page, None),)
        amount_half = half_of(narrative_decimals(claim.amount_decimals))
        if claim.delta is not None:
            # Z ≈ Y / (X − Y): the base is last year's figure, derived from two printed numbers.
            delta_half = half_of(narrative_decimals(claim.delta_decimals or 0))
            what = message(
                "rise" if claim.delta >= 0 else "fall",
                "narrative.change",
                subject=claim.subject,
                amount=claim.amount,
                delta=abs(claim.delta),
            )
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
            what = message(
                "with_previous",
                "narrative.change",
                subject=claim.subject,
                amount=claim.amount,
                previous=claim.prev_amount,
            )
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
    """A stated share (占 Z%) is the stated amount over the total it is of."""
    totals = [c for c in f.claims if _WHOLE.search(squash(c.subject))]
    for claim in f.claims:
        if claim.share_pct is None:
            continue
        is_income = "收入" in claim.subject
        whole = next((c for c in totals if ("收入" in c.subject) == is_income and c.section == claim.section), None)
        whole = whole or next((c for c in totals if ("收入" in c.subject) == is_income), None)
        if whole is None:
            table_total = f.grand_total("income_summary" if is_income else "expenditure_summary", "total")
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
            message("share_of", "narrative.share", subject=claim.subject, amount=claim.amount, whole=denominator),
            (Evidence(claim.page, None),),
        )


@rule("narrative.procurement")
def narrative_procurement(f: FilingData) -> Iterator[Finding]:
    """The stated 政府采购 budget equals its stated 货物, 工程 and 服务 parts (the first such statement)."""
    for k, claim in enumerate(f.claims):
        if "政府采购" not in claim.subject or "预留" in claim.subject or "中小企业" in claim.subject:
            continue
        parts: dict[str, Claim] = {}
        for other in f.claims[k + 1 : k + 1 + PROCUREMENT_WINDOW]:
            name = squash(other.subject)
            for kind in PROCUREMENT_KINDS:
                if kind in name and kind not in parts:
                    parts[kind] = other
        if len(parts) < len(PROCUREMENT_KINDS):
            continue
        total = claim.amount
        expected = sum(p.amount for p in parts.values())
        tolerance = sum(half_of(narrative_decimals(c.amount_decimals)) for c in [claim, *parts.values()])
        passed = abs(total - expected) <= tolerance
        text = message(
            "compared",
            "narrative.procurement",
            total=total,
            numbers="+".join(f"{parts[kind].amount}" for kind in PROCUREMENT_KINDS),
            expected=expected,
        )
        yield Finding(
            "narrative.procurement",
            passed,
            claim.subject,
            text
            + (message("agrees") if passed else message("differs", "narrative.procurement", diff=total - expected)),
            expected,
            total,
            tolerance,
            "万元",
            (Evidence(claim.page, None),),
        )
        break


@rule("prev_year.matches")
def prev_year_matches(f: FilingData) -> Iterator[Finding]:
    """Last year's figure a claim states (amount − change, or stated outright) equals last year's filing."""
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
            how = message("derived", "prev_year.matches", amount=claim.amount, delta=claim.delta)
        elif claim.prev_amount is not None:
            stated = claim.prev_amount * UNIT_TO_YUAN[claim.unit]
            decimals = narrative_decimals(claim.prev_decimals or 0)
            how = ""
        else:
            continue
        previous = claim_table_value(f.previous, claim)
        if previous is None:
            continue
        tolerance = 2 * half_of(decimals) * UNIT_TO_YUAN[claim.unit] + previous.half_unit_yuan
        diff = stated - previous.yuan
        # Last year's own narrative may state the figure its table got wrong (a unit error there is
        # last year's finding, not this one's): agreeing with either is agreeing with last year.
        said_last_year = [
            c.amount * UNIT_TO_YUAN[c.unit]
            for c in f.previous.claims
            if squash(c.subject) == squash(claim.subject) and (c.code, c.item_names) == (claim.code, claim.item_names)
        ]
        passed = abs(diff) <= tolerance or any(abs(stated - v) <= tolerance for v in said_last_year)
        text = message(
            "compared",
            "prev_year.matches",
            subject=claim.subject,
            stated=stated / WAN,
            how=how,
            year=f.previous.year,
            published=fmt(previous.yuan),
        )
        yield Finding(
            "prev_year.matches",
            passed,
            claim.subject,
            text + (message("agrees") if passed else message("differs_wan", diff=diff / WAN)),
            previous.yuan / WAN,
            stated / WAN,
            tolerance / WAN,
            "万元",
            (Evidence(claim.page, None),),
        )

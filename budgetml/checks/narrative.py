"""Rules on the narrative's claims (情况说明): stated amounts, changes, shares and procurement against the tables and last year's filing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from budgetml.checks.claims import Claim, scope_of, with_patterns
from budgetml.checks.compare import (
    WAN,
    agreement,
    fmt,
    half_of,
    narrative_decimals,
    percent_finding,
    table_name,
    yuan_finding,
)
from budgetml.checks.inputs import Amount, FilingData
from budgetml.checks.registry import Evidence, Finding, cannot_run, message, rule
from budgetml.normalise import UNIT_TO_YUAN, squash

# The scopes (口径) a claim can be of, with their Chinese names for the findings (budgetml/checks/claims.py SCOPES).
SCOPE_NAMES = {
    "department": "部门预算",
    "fiscal_grant": "财政拨款",
    "general_budget": "一般公共预算",
    "gov_fund": "政府性基金",
    "state_capital": "国有资本经营预算",
    "sangong": "“三公”经费",
}
# Words that say whose money a subject is, not what it is: "一般公共预算基本支出" states 基本支出 of its scope.
_SCOPE_PREFIX = re.compile(r"^(?:部门|单位|财政拨款|一般公共预算|政府性基金预算?|国有资本经营预算?|本年|当年)+")
# What a claim's subject (scope words removed) states: a measure, read from the scope's table below.
MEASURES: tuple[tuple[re.Pattern[str], str], ...] = with_patterns(
    (
        (r"^(收支总预算|收支预算|预算支出|支出预算|支出总预算|拨款|拨款支出|拨款支出预算)$", "total"),
        (r"(收入预算|预算收入|收入总预算)$|^收入$", "income"),
        (r"^基本支出$", "basic"),
        (r"^项目支出$", "project"),
        (r"^人员经费$", "personnel"),
        (r"^公用经费$", "public"),
    )
)
# (measure, scope) → where the tables print it: (table, column, row) with row "total" for the 合计/总计 row and
# otherwise a label pattern. The 一般公共预算 tables hold the general budget; 支出总表 the whole department.
MEASURE_SOURCES: dict[tuple[str, str], tuple[tuple[str, str, str], ...]] = {
    ("total", "department"): (("expenditure_summary", "total", "total"),),
    ("total", "fiscal_grant"): (("fiscal_grant_summary", "expenditure", r"支出总计|支出合计"),),
    ("total", "general_budget"): (("general_budget_by_function", "total", "total"),),
    ("total", "gov_fund"): (("gov_fund", "total", "total"),),
    ("total", "state_capital"): (("state_capital", "total", "total"),),
    ("income", "department"): (("income_summary", "total", "total"),),
    ("income", "fiscal_grant"): (("income_summary", "fiscal_grant", "total"),),
    ("income", "general_budget"): (("income_summary", "general_budget", "total"),),
    ("income", "gov_fund"): (("income_summary", "gov_fund", "total"),),
    ("basic", "department"): (("expenditure_summary", "basic", "total"),),
    ("basic", "general_budget"): (("general_budget_by_function", "basic", "total"),),
    ("basic", "gov_fund"): (("gov_fund", "basic", "total"),),
    ("project", "department"): (("expenditure_summary", "project", "total"),),
    ("project", "general_budget"): (("general_budget_by_function", "project", "total"),),
    ("project", "gov_fund"): (("gov_fund", "project", "total"),),
    ("personnel", "general_budget"): (
        ("basic_expenditure_by_economic", "personnel", "total"),
        ("general_budget_by_function", "personnel", "total"),
    ),
    ("public", "general_budget"): (
        ("basic_expenditure_by_economic", "public", "total"),
        ("general_budget_by_function", "public", "total"),
    ),
}
# The 三公 figures: one table whatever the heading (it prints one row per figure, no 合计 row).
SANGONG_SUBJECTS: tuple[tuple[re.Pattern[str], str], ...] = with_patterns(
    (
        (r"三公.*经费", "sangong_total"),
        (r"^因公出国", "overseas"),
        (r"^公务用车购置及运行", "vehicle_total"),
        (r"^公务用车购置费$", "vehicle_purchase"),
        (r"^公务用车运行(维护)?费$", "vehicle_operation"),
        (r"^公务接待费$", "reception"),
        (r"机关运行经费", "admin_operation"),
    )
)
# A function item named in the narrative is printed in the function table of its scope.
ITEM_TABLES = {
    "general_budget": ("general_budget_by_function",),
    "department": ("expenditure_summary",),
    "gov_fund": ("gov_fund",),
    "state_capital": ("state_capital",),
}
# The code length of a function item named by 1, 2 or 3 names (类, 款, 项).
NAMED_ITEM_CODE_LENGTH = {1: 3, 2: 5, 3: 7}
_WHOLE = re.compile(
    r"(收支总预算|预算支出|预算收入|支出预算|收入预算|拨款)$"
)  # claims that state the total a share is of
PROCUREMENT_KINDS = ("货物", "工程", "服务")
# How many claims after a procurement total its 货物/工程/服务 parts are looked for in.
PROCUREMENT_WINDOW = 5


@dataclass(frozen=True)
class Candidate:
    """A table figure a claim may state, and the scope (口径) it is of (None: the figure has one scope only)."""

    scope: str | None
    value: Amount


def item_by_names(f: FilingData, names: tuple[str, ...], table_id: str) -> list[Amount]:
    """The rows of a function item named by its (类, 款, 项) names in a function-coded table (several: ambiguous)."""
    rows = [a for a in f.table(table_id) if a.column == "total" and a.code]
    target_len = NAMED_ITEM_CODE_LENGTH[len(names)]
    name = squash(names[-1])
    candidates = [a for a in rows if len(a.code) == target_len and a.row_label_squashed == name]
    if len(candidates) > 1 and len(names) > 1:
        parent = squash(names[-2])
        parents = {a.code for a in rows if len(a.code) == target_len - 2 and a.row_label_squashed == parent}
        candidates = [a for a in candidates if a.code[:-2] in parents]
    return candidates


def subject_measure(subject: str) -> str | None:
    """The measure a subject states (MEASURES), scope words removed; None when it names none."""
    subject = _SCOPE_PREFIX.sub("", squash(subject))
    return next((measure for pattern, measure in MEASURES if pattern.search(subject)), None)


def measure_of(claim: Claim) -> str | None:
    """The measure a claim states: its subject's; a funding source inside a stated total (项目支出X，其中：一般公共预算
    本年拨款Y) is that total's measure in the source's scope."""
    measure = subject_measure(claim.subject)
    if claim.whole is not None and measure in ("total", "income"):
        whole = subject_measure(claim.whole[2])
        if whole not in (None, "total", "income"):
            return whole
    return measure


def source_value(f: FilingData, table_id: str, column: str, row: str) -> Amount | None:
    """The figure a MEASURE_SOURCES entry names: the 合计 row's, or the row whose label matches."""
    return f.grand_total(table_id, column) if row == "total" else f.cell(table_id, column, label=row)


def scoped(claim: Claim, by_scope: dict[str, list[Amount]], scopes: set[str]) -> list[Candidate]:
    """The figures of the claim's scope when the tables print that scope (`scopes`); else those of every scope.

    A scope whose table prints no such figure (an empty 国有资本经营预算支出表 against "0万元") gives none: the
    claim is not compared with another scope's figure. Only a claim whose scope is not decided, or has no
    table of its own, is tried against every scope (and fails only if none fits).
    """
    if claim.scope in scopes:
        return [Candidate(claim.scope, v) for v in by_scope.get(claim.scope, [])]
    return [Candidate(scope, v) for scope, values in by_scope.items() for v in values]


def claim_candidates(f: FilingData, claim: Claim) -> list[Candidate]:
    """The table figures a claim may state, its own scope's first (empty when it names nothing the tables print)."""
    subject = squash(claim.subject)
    if claim.code or claim.item_names:
        by_scope: dict[str, list[Amount]] = {}
        for scope, tables in ITEM_TABLES.items():
            for table_id in tables:
                if claim.code:
                    found = f.cell(table_id, "total", code=claim.code)
                    values = [found] if found else []
                else:
                    values = item_by_names(f, claim.item_names, table_id)
                if values:
                    by_scope.setdefault(scope, []).extend(values)
        return scoped(claim, by_scope, set(ITEM_TABLES))
    for pattern, column in SANGONG_SUBJECTS:
        if pattern.search(subject):
            found = f.cell("sangong", column)
            return [Candidate(None, found)] if found else []
    measure = measure_of(claim)
    if measure is not None:
        by_scope = {}
        for (name, scope), sources in MEASURE_SOURCES.items():
            if name == measure:
                values = [v for source in sources if (v := source_value(f, *source)) is not None]
                if values:
                    by_scope[scope] = values[:1]
        return scoped(claim, by_scope, {scope for name, scope in MEASURE_SOURCES if name == measure})
    for table_id in ("expenditure_summary", "basic_expenditure_by_economic"):
        found = [
            a
            for a in f.table(table_id)
            if a.column == "total" and a.code and len(a.code) == 3 and a.row_label_squashed == subject
        ]
        if found:
            return [Candidate(None, found[0])]
    project = re.sub(r"项目$", "", subject)
    found = [
        a
        for a in f.table("projects")
        if a.column == "total" and a.row_label_squashed in (subject, project, project + "项目")
    ]
    return [Candidate(None, found[0])] if found and project else []


def scope_note(scope: str | None) -> str:
    """The scope a finding compared within, as its message names it ("" when the figure has one scope only)."""
    return message("scope", "narrative.amount", scope=SCOPE_NAMES[scope]) if scope else ""


def amount_finding(claim: Claim, candidates: list[Candidate]) -> Finding:
    """A stated amount against the figures it may be (its scope's): agrees when one does, else differs from the first."""
    stated = claim.amount * UNIT_TO_YUAN[claim.unit]
    half = half_of(narrative_decimals(claim.amount_decimals)) * UNIT_TO_YUAN[claim.unit]
    matched = next((c for c in candidates if abs(stated - c.value.yuan) <= half + c.value.half_unit_yuan), None)
    shown = matched or candidates[0]
    value = shown.value
    tolerance = half + value.half_unit_yuan
    text = message(
        "compared",
        "narrative.amount",
        subject=claim.subject,
        amount=claim.amount,
        unit=claim.unit,
        table=table_name(value.table_id) or "表",
        raw=value.raw,
        table_unit=value.unit,
    ) + scope_note(shown.scope)
    if matched is None and len(candidates) > 1:
        text += message("no_scope_fits", "narrative.amount", n=len(candidates))
    return yuan_finding(
        "narrative.amount",
        matched is not None,
        claim.subject,
        text + agreement(matched is not None, "differs_wan", diff=(stated - value.yuan) / WAN),
        value.yuan,
        stated,
        tolerance,
        (Evidence(claim.page, None), value.evidence),
        scope=shown.scope,
    )


@rule("narrative.amount")
def narrative_amount(f: FilingData) -> Iterator[Finding]:
    """An amount the narrative states equals the table figure it names, within the claim's scope (口径)."""
    for claim in f.claims:
        candidates = claim_candidates(f, claim)
        if not candidates:
            continue
        finding = amount_finding(claim, candidates)
        unsure = unsure_reason(f, claim, [c.value for c in candidates])
        if finding.passed is False and unsure:
            finding = cannot_run("narrative.amount", unsure, claim.subject)
        yield finding


def unsure_reason(f: FilingData, claim: Claim, values: list[Amount]) -> str | None:
    """Why the figures a claim is compared with were not read with confidence (None when they were)."""
    if claim.item_names and len(values) > len({v.table_id for v in values}):
        return message("ambiguous_item", "narrative.amount", subject=claim.subject)
    for v in values:
        reason = f.unsure(v)
        if reason:
            return reason
    return None


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


@dataclass(frozen=True)
class Whole:
    """A total a stated share may be of: its amount in 万元, how far it may be off, its scope and where it comes from."""

    amount: Decimal
    half: Decimal
    scope: str | None
    evidence: tuple[Evidence, ...]
    value: Amount | None = None  # the table figure, when it comes from a table


def share_wholes(f: FilingData, claim: Claim) -> list[Whole]:
    """The totals a share may be of: the one its paragraph states before 其中, else its scope's (every scope's when undecided)."""
    if claim.whole is not None:
        amount, decimals, subject = claim.whole
        return [Whole(amount, half_of(narrative_decimals(decimals)), scope_of(subject), (Evidence(claim.page, None),))]
    is_income = "收入" in claim.subject
    measure = "income" if is_income else "total"
    by_scope: dict[str, list[Whole]] = {}
    stated = [
        c
        for c in f.claims
        if c is not claim and _WHOLE.search(squash(c.subject)) and ("收入" in c.subject) == is_income
    ]
    # A total stated in the claim's own section first (its heading path before others).
    stated.sort(key=lambda c: (c.heading_path != claim.heading_path, c.section != claim.section))
    for c in stated:
        if c.scope and measure_of(c) is not None and c.section == claim.section:
            half = half_of(narrative_decimals(c.amount_decimals))
            by_scope.setdefault(c.scope, []).append(Whole(c.amount, half, c.scope, (Evidence(c.page, None),)))
    for (name, scope), sources in MEASURE_SOURCES.items():
        if name != measure:
            continue
        for source in sources:
            v = source_value(f, *source)
            if v is not None:
                by_scope.setdefault(scope, []).append(
                    Whole(v.yuan / WAN, v.half_unit_yuan / WAN, scope, (v.evidence,), v)
                )
                break
    if claim.scope in by_scope:
        return by_scope[claim.scope]
    return [w for wholes in by_scope.values() for w in wholes]


@rule("narrative.share")
def narrative_share(f: FilingData) -> Iterator[Finding]:
    """A stated share (占 Z%) is the stated amount over the total it is of, within the claim's scope (口径)."""
    for claim in f.claims:
        if claim.share_pct is None:
            continue
        wholes = share_wholes(f, claim)
        if not wholes:
            continue
        findings = [
            replace(
                percent_finding(
                    "narrative.share",
                    claim.subject,
                    claim.share_pct,
                    claim.share_decimals or 0,
                    claim.amount,
                    w.amount,
                    half_of(narrative_decimals(claim.amount_decimals)),
                    w.half,
                    message("share_of", "narrative.share", subject=claim.subject, amount=claim.amount, whole=w.amount)
                    + scope_note(w.scope),
                    (Evidence(claim.page, None), *w.evidence),
                ),
                scope=w.scope,
            )
            for w in wholes
        ]
        finding = next((x for x in findings if x.passed), findings[0])
        if finding.passed is False:
            unsure = next((r for w in wholes if w.value is not None and (r := f.unsure(w.value))), None)
            if len(wholes) > 1 and len({w.scope for w in wholes}) > 1:
                finding = replace(
                    finding, message=finding.message + message("no_scope_fits", "narrative.amount", n=len(wholes))
                )
            if unsure:
                finding = cannot_run("narrative.share", unsure, claim.subject)
        yield finding


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
            text + agreement(passed, "differs", "narrative.procurement", diff=total - expected),
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
    said_then: dict[tuple, list[Decimal]] = {}  # what last year's narrative stated, by item and subject
    for c in f.previous.claims:
        said_then.setdefault((c.code, c.item_names, squash(c.subject)), []).append(c.amount * UNIT_TO_YUAN[c.unit])
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
        candidates = claim_candidates(f.previous, claim)
        if not candidates:
            continue
        previous = next(
            (
                c.value
                for c in candidates
                if abs(stated - c.value.yuan)
                <= 2 * half_of(decimals) * UNIT_TO_YUAN[claim.unit] + c.value.half_unit_yuan
            ),
            candidates[0].value,
        )
        tolerance = 2 * half_of(decimals) * UNIT_TO_YUAN[claim.unit] + previous.half_unit_yuan
        diff = stated - previous.yuan
        # Last year's own narrative may state the figure its table got wrong (a unit error there is
        # last year's finding, not this one's): agreeing with either is agreeing with last year.
        said_last_year = said_then.get((claim.code, claim.item_names, squash(claim.subject)), [])
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
        text += agreement(passed, "differs_wan", diff=diff / WAN)
        sentence = (Evidence(claim.page, None),)
        yield yuan_finding("prev_year.matches", passed, claim.subject, text, previous.yuan, stated, tolerance, sentence)

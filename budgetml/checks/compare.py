"""Findings that compare printed figures within their rounding: a total with its parts, two figures, a percentage.

Every tolerance here derives from the printed precision: a figure printed to 0.01 may be off by half of
that, so a sum of n printed parts may miss its printed total by the sum of their half-units. The
sentences come from the registry's shared [messages] (configs/rules.toml).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from budgetml.catalog import load_catalog
from budgetml.checks.forms import FormValue
from budgetml.checks.inputs import Amount
from budgetml.checks.registry import Evidence, Finding, cannot_run, message
from budgetml.normalise import UNIT_TO_YUAN

CATALOG = load_catalog()  # Chinese table names for the sentences
# A table's Chinese name (the catalog scans its tables for it; the rules ask for one per finding).
table_name = cache(CATALOG.table_name)
WAN = Decimal(10_000)
# A figure this many times another (within rounding) is the same figure in the wrong unit.
UNIT_FACTOR = Decimal(10_000)
# Narratives drop trailing zeros ("50万元" for 50.00, "0万元"): their amounts are read at the
# tables' precision of 0.01, not at the digits printed, or "0万元" would excuse half a 万元.
NARRATIVE_MIN_DECIMALS = 2
SUM_VERBS = {"=": "应等于", ">=": "应不少于"}
PAIR_VERBS = {"=": "应等于", "<=": "不应超过", ">=": "不应少于"}
# A sum's sentence names this many parts, then says 等.
NAMED_PARTS = 6


def narrative_decimals(printed: int) -> int:
    """The precision a narrative amount is read at: its printed decimals, at least the tables' two."""
    return max(printed, NARRATIVE_MIN_DECIMALS)


def half_of(decimals: int) -> Decimal:
    """Half of the last printed digit."""
    return Decimal(5).scaleb(-decimals - 1)


def fmt(yuan: Decimal, unit: str = "万元") -> str:
    """An amount in yuan as a sentence prints it, in `unit` to two decimals with thousands separators."""
    value = yuan / UNIT_TO_YUAN[unit]
    return f"{value:,.2f} {unit}"


def is_unit_factor(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    """Whether one figure is 10,000 times the other within `tolerance` (元 printed as 万元 or back)."""
    if not a or not b:
        return False
    big, small = (a, b) if abs(a) > abs(b) else (b, a)
    return abs(big - small * UNIT_FACTOR) <= tolerance * UNIT_FACTOR


def yuan_finding(
    rule_id: str,
    passed: bool,
    subject: str,
    text: str,
    expected: Decimal,
    actual: Decimal,
    tolerance: Decimal,
    evidence: tuple[Evidence, ...],
    unit: str = "万元",
    scope: str | None = None,
) -> Finding:
    """A finding on figures computed in yuan, stated in `unit` (万元 unless given)."""
    per_unit = UNIT_TO_YUAN[unit]
    return Finding(
        rule_id,
        passed,
        subject,
        text,
        expected / per_unit,
        actual / per_unit,
        tolerance / per_unit,
        unit,
        evidence,
        scope,
    )


def agreement(passed: bool, differs: str, rule_id: str | None = None, **values: object) -> str:
    """The sentence that ends a comparison: 一致 when it passed, else the template `differs` (how far off)."""
    return message("agrees") if passed else message(differs, rule_id, **values)


def sum_finding(
    rule_id: str, subject: str, total: Amount, parts: list[Amount], what: str, relation: str = "="
) -> Finding:
    """Compare a printed total with the sum of its printed parts (relation '=' or '>=')."""
    expected = sum([p.yuan for p in parts], Decimal(0))
    tolerance = total.half_unit_yuan + sum([p.half_unit_yuan for p in parts], Decimal(0))
    diff = total.yuan - expected
    passed = abs(diff) <= tolerance if relation == "=" else diff >= -tolerance
    unit = total.unit
    if passed:
        text = message(
            "sum_agrees", what=what, subject=subject, total=fmt(total.yuan, unit), expected=fmt(expected, unit)
        )
    else:
        named = "、".join(p.row_label or CATALOG.column_label(p.column) for p in parts[:NAMED_PARTS])
        text = message(
            "sum_differs",
            what=what,
            subject=subject,
            total=fmt(total.yuan, unit),
            verb=SUM_VERBS[relation],
            parts=named + ("等" if len(parts) > NAMED_PARTS else ""),
            expected=fmt(expected, unit),
            diff=fmt(diff, unit),
        )
    evidence = (total.evidence, *[p.evidence for p in parts])
    return yuan_finding(rule_id, passed, subject, text, expected, total.yuan, tolerance, evidence, unit)


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
    unit = "万元" if left.unit != right.unit else left.unit
    text = message(
        "pair",
        what=what,
        left_table=table_name(left.table_id),
        subject=subject,
        left=fmt(left.yuan, unit),
        verb=PAIR_VERBS[relation],
        right_table=table_name(right.table_id),
        right=fmt(right.yuan, unit),
    )
    if not passed:
        text += message("pair_differs", diff=fmt(diff, unit))
        if right.yuan and is_unit_factor(left.yuan, right.yuan, tolerance):
            text += message("pair_unit_factor")
    evidence = (left.evidence, right.evidence)
    return yuan_finding(rule_id, passed, subject, text, right.yuan, left.yuan, tolerance, evidence, unit)


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
        return cannot_run(rule_id, message("percent_no_base", what=what), subject)
    corners = [n / d for n in (numerator - numerator_half, numerator + numerator_half) for d in (den_low, den_high)]
    low, high = min(corners) * 100, max(corners) * 100
    slack = half_of(printed_decimals)
    exact = numerator / denominator * 100
    passed = low - slack <= printed <= high + slack
    text = message("percent_agrees" if passed else "percent_differs", what=what, exact=exact, printed=printed)
    return Finding(rule_id, passed, subject, text, exact, printed, slack + (high - low) / 2, "%", evidence)


def value_evidence(*values: FormValue | None) -> tuple[Evidence, ...]:
    """The pages and boxes of form values (those that exist)."""
    return tuple(Evidence(v.cell.page, v.cell.bbox, v.cell.cell_id) for v in values if v is not None)


def half_unit(value: FormValue) -> Decimal:
    """Half of a form value's last printed digit, in yuan (万元 when neither the cell nor its table says)."""
    return half_of(value.decimals) * UNIT_TO_YUAN.get(value.unit or "万元", WAN)


def form_sum_finding(rule_id: str, subject: str, total: FormValue, parts: list[FormValue], what: str) -> Finding:
    """Compare a form's printed total with the sum of its printed parts, in 万元."""
    expected = sum((p.yuan for p in parts), Decimal(0))
    tolerance = half_unit(total) + sum((half_unit(p) for p in parts), Decimal(0))
    diff = total.yuan - expected
    passed = abs(diff) <= tolerance
    text = message(
        "form_sum",
        what=what,
        subject=subject,
        number=total.number,
        unit=total.unit,
        numbers=" + ".join(f"{p.number}" for p in parts),
        expected=expected / WAN,
    )
    text += agreement(passed, "differs_wan", diff=diff / WAN)
    return yuan_finding(
        rule_id,
        passed,
        subject,
        text,
        expected,
        total.yuan,
        tolerance,
        value_evidence(total, *parts),
    )

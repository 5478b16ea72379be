"""Injected inconsistencies: one printed cell or narrative fact of a PrintedFiling made wrong, with the labelled change.

Each kind breaks one identity the checks test (a total, a hierarchy sum, two tables, a stated percentage or
amount, the 三公 sum, the unit line, the previous year's figure); the Injection says exactly which cells or
facts now differ from the truth and by how much.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from budgetml.synth.config import SampleConfig
from budgetml.synth.sample import YUAN_PER_WAN, Change, Injection, money, to_wan
from budgetml.synth.sample_render import PRINTED, Fact, PrintedFiling, PrintedTable, printed_pct


def inject_inconsistency(
    config: SampleConfig, printed: PrintedFiling, previous: PrintedFiling, kind: str, rng: random.Random
) -> tuple[PrintedFiling, Injection]:
    """Change the printed cells or narrative fact that make one internal inconsistency; return the labelled change.

    `previous` is the department's previous-year filing, whose figures prev_year_mismatch misstates.
    """
    s = config.inconsistencies
    tables = printed.tables
    sign = rng.choice((1, -1))

    def delta_for(amount: Decimal) -> Decimal:
        """A visible error: a share of the value, at least min_cell_delta_wan, in whole 0.01 万元."""
        share = Decimal(repr(rng.uniform(*s.cell_delta_share)))
        return money(max(amount * share, Decimal(repr(s.min_cell_delta_wan)) * YUAN_PER_WAN), _WAN_STEP)

    def signed(amount: Decimal, delta: Decimal) -> Decimal:
        return amount - delta if sign < 0 and delta < amount else amount + delta

    if kind == "summary_total_mismatch":
        table = tables["income_expenditure_summary"]
        key, column = "expenditure_total", "expenditure"
        true = table.row(key).cells[column]
        wrong = signed(true, delta_for(true))
        result = printed.with_table(table.with_cell(key, column, wrong))
        changes = (_cell_change(table, key, column, true, wrong),)
        description = f"{table.title}“{table.row(key).label}”与收入总计及各项支出之和不符"
    elif kind == "hierarchy_sum_mismatch":
        table = tables["expenditure_summary"]
        row = max((r for r in table.rows if r.code and len(r.code) == 5), key=lambda r: r.cells["total"])
        part = "basic" if row.cells["basic"] >= row.cells["project"] else "project"
        delta = delta_for(row.cells[part])
        wrong = signed(row.cells[part], delta)
        moved = wrong - row.cells[part]
        changed = table.with_cell(row.key, part, wrong).with_cell(row.key, "total", row.cells["total"] + moved)
        result = printed.with_table(changed)
        changes = (
            _cell_change(table, row.key, "total", row.cells["total"], row.cells["total"] + moved),
            _cell_change(table, row.key, part, row.cells[part], wrong),
        )
        description = f"{table.title}中{row.code} {row.label}（款）不等于其下各项之和，也使所属类的合计对不上"
    elif kind == "cross_table_mismatch":
        table = tables["general_budget_by_function"]
        a, b = table.row("2080505"), table.row("2080506")
        moved = money(
            min(a.cells["total"], b.cells["total"]) * Decimal(repr(rng.uniform(*s.cross_table_share))), _WAN_STEP
        )
        columns = [c for c in ("total", "basic", "personnel") if c in table.columns]
        changed = table
        changes_list = []
        for row, delta in ((a, moved), (b, -moved)):
            for column in columns:
                changed = changed.with_cell(row.key, column, row.cells[column] + delta)
                changes_list.append(_cell_change(table, row.key, column, row.cells[column], row.cells[column] + delta))
        result = printed.with_table(changed)
        changes = tuple(changes_list)
        description = f"{table.title}中养老保险缴费与职业年金两行的金额与部门支出总表不一致（合计仍相等）"
    elif kind == "narrative_percent_wrong":
        facts = printed.facts
        fact = (
            facts["total.yoy"]
            if printed.style == "wuhan" and _has_percent(facts["total.yoy"])
            else _largest_item_fact(facts, with_change=True)
        )
        step = Decimal("0.1") if printed.style == "wuhan" else PRINTED
        true_pct = printed_pct(fact, printed.style)
        shift = Decimal(repr(rng.uniform(*s.percent_shift_points))).quantize(step, rounding=ROUND_HALF_UP)
        if sign < 0 and shift < true_pct:
            shift = -shift
        result = printed.with_fact(replace(fact, pct_shift=shift))
        changes = (
            Change(
                fact=fact.key,
                section=printed.section_of(fact.key),
                expected=float(true_pct),
                printed=float(true_pct + shift),
                unit="%",
            ),
        )
        description = f"情况说明中的增减百分比（{true_pct + shift}%）与所述金额不符，应为 {true_pct}%"
    elif kind == "narrative_amount_mismatch":
        facts = printed.facts
        if printed.style == "wuhan":
            fact = max((f for k, f in facts.items() if k.startswith("class.")), key=lambda f: f.value)
        else:
            fact = facts["admin_operation.amount"]
        wrong = signed(fact.value, delta_for(fact.value))
        result = printed.with_fact(replace(fact, value=wrong))
        changes = (
            Change(
                table=fact.source[0] if fact.source else None,
                column=fact.source[2] if fact.source else None,
                fact=fact.key,
                section=printed.section_of(fact.key),
                expected=_narrative_wan(fact.value),
                printed=_narrative_wan(wrong),
            ),
        )
        description = "情况说明所述金额与预算表不一致"
    elif kind == "sangong_sum_mismatch":
        table = tables["sangong"]
        true = table.row("total").cells["sangong_total"]
        delta = money(Decimal(repr(rng.uniform(*s.sangong_delta_wan))) * YUAN_PER_WAN, _WAN_STEP)
        wrong = signed(true, delta)
        result = printed.with_table(table.with_cell("total", "sangong_total", wrong))
        changes = (_cell_change(table, "total", "sangong_total", true, wrong),)
        description = "“三公”经费合计不等于因公出国（境）费、公务用车购置及运行费与公务接待费之和"
    elif kind == "unit_error_x10000":
        table = tables["sangong"]
        true = table.row("total").cells["sangong_total"]
        wrong_table = replace(table, scale=YUAN_PER_WAN)
        result = printed.with_table(wrong_table)
        changes = (
            Change(
                table="sangong",
                column="sangong_total",
                expected=to_wan(table.read_back(true)),
                printed=to_wan(wrong_table.read_back(true)),
            ),
        )
        description = "“三公”经费表按元填列金额，单位行却写万元：金额放大一万倍"
    elif kind == "prev_year_mismatch":
        fact = _largest_item_fact(printed.facts, with_change=False)
        code = fact.key.split(".")[1]
        stated = previous.tables["expenditure_summary"].value(code, "total")
        shift = Decimal(repr(rng.uniform(*s.previous_shift)))
        wrong = money(fact.previous * (1 + sign * shift), _WAN_STEP)
        result = printed.with_fact(replace(fact, previous=wrong))
        changes = (
            Change(
                table="expenditure_summary",
                code=code,
                column="total",
                fact=fact.key,
                section=printed.section_of(fact.key),
                expected=to_wan(stated),
                printed=_narrative_wan(wrong),
            ),
        )
        description = f"情况说明所述{code}的上年预算数与上年公开的部门支出总表不一致"
    else:
        raise ValueError(f"unknown inconsistency kind {kind!r}")
    return result, Injection(kind, "inconsistency", description, changes)


_WAN_STEP = Decimal(100)  # injected differences are whole 0.01 万元, so they print exactly in 元 and 万元 tables


def _cell_change(table: PrintedTable, key: str, column: str, true: Decimal, wrong: Decimal) -> Change:
    row = table.row(key)
    return Change(
        table=table.table_id,
        row=row.label or None,
        code=row.code,
        column=column,
        expected=to_wan(table.read_back(true)),
        printed=to_wan(table.read_back(wrong)),
    )


def _narrative_wan(amount: Decimal) -> float:
    return float((amount / YUAN_PER_WAN).quantize(PRINTED, rounding=ROUND_HALF_UP))


def _has_percent(fact: Fact) -> bool:
    return bool(fact.previous) and fact.value != fact.previous and fact.form in ("change", "stated")


def _largest_item_fact(facts: Mapping[str, Fact], with_change: bool) -> Fact:
    """The year-on-year statement of the largest 项 (with a percentage to misprint, if asked)."""
    items = [f for k, f in facts.items() if k.startswith("item.") and f.kind == "yoy" and f.previous]
    if with_change:
        items = [f for f in items if _has_percent(f)]
    return max(items, key=lambda f: (f.value, f.key))

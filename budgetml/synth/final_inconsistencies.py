"""Injected 决算 inconsistencies: one printed cell, statement or table of a PrintedFinal made wrong, with the labelled change.

Each kind breaks what a 决算 rule tests: the carry-over identity (年末结转和结余), a completion rate
(完成年初预算的…%), the 年初预算 against the department's published budget (the 决算 stays consistent with
itself), a required table left out, the year of a dated statement.
"""

from __future__ import annotations

import random
from decimal import Decimal

from budgetml.synth.final_account import FinalSettings
from budgetml.synth.final_template import PrintedFinal, execution_pieces
from budgetml.synth.sample import WAN_QUANTUM, YUAN_PER_WAN, Change, Injection, money, to_wan
from budgetml.synth.sample_render import Fact, NarrativeSection

# The tables final_missing_table may leave out: any of the nine but the summary the headline figures come from.
DROPPABLE = ("final_income", "final_fiscal_grant_summary", "final_basic_by_economic", "final_sangong")


def inject_final_inconsistency(
    s: FinalSettings, printed: PrintedFinal, kind: str, rng: random.Random
) -> tuple[PrintedFinal, Injection]:
    """Make one 决算 inconsistency of `kind`; return the changed filing and its label."""
    if kind == "final_carryover_broken":
        return carryover_broken(s, printed, rng)
    if kind == "final_execution_rate_wrong":
        return execution_rate_wrong(s, printed, rng)
    if kind == "final_initial_budget_mismatch":
        return initial_budget_mismatch(s, printed, rng)
    if kind == "final_missing_table":
        return missing_table(printed, rng)
    if kind == "final_wrong_year":
        return wrong_year(printed)
    raise ValueError(f"unknown 决算 inconsistency kind {kind!r}")


def carryover_broken(s: FinalSettings, printed: PrintedFinal, rng: random.Random) -> tuple[PrintedFinal, Injection]:
    """年末结转和结余 printed off by a visible amount: 年初 + 本年收入 − 本年支出 no longer gives it."""
    table = printed.tables["final_income_expenditure_summary"]
    key, column = "expenditure_carryover", "expenditure"
    true = table.row(key).cells[column]
    share = Decimal(repr(rng.uniform(*s.carryover_shift_share)))
    floor = Decimal(repr(s.min_carryover_shift_wan)) * YUAN_PER_WAN
    delta = money(max(printed.numbers.total.total * share, floor), WAN_QUANTUM)
    wrong = true + delta if true < delta or rng.random() < 0.5 else true - delta
    change = Change(
        table=table.table_id, row=table.row(key).label, column=column, expected=to_wan(true), printed=to_wan(wrong)
    )
    description = f"{table.title}年末结转和结余填列 {to_wan(wrong):.2f} 万元，不等于年初结转和结余加本年收入减本年支出"
    return (
        printed.with_table(table.with_cell(key, column, wrong)),
        Injection("final_carryover_broken", "inconsistency", description, (change,)),
    )


def execution_rate_wrong(s: FinalSettings, printed: PrintedFinal, rng: random.Random) -> tuple[PrintedFinal, Injection]:
    """A 完成年初预算的C% that B / A does not give: off by a few points."""
    facts = printed.facts
    key = "exec.total.rate" if "exec.total.rate" in facts else next(k for k in facts if k.endswith(".rate"))
    fact = facts[key]
    shift = Decimal(repr(rng.uniform(*s.completion_shift_points))).quantize(Decimal("0.01"))
    wrong = fact.value - shift if fact.value > shift and rng.random() < 0.5 else fact.value + shift
    change = Change(
        fact=key, section=printed.section_of(key), expected=float(fact.value), printed=float(wrong), unit="%"
    )
    description = f"情况说明称完成年初预算的 {wrong}%，按年初预算和支出决算应为 {fact.value}%"
    return (
        printed.with_fact(Fact(key, fact.kind, wrong)),
        Injection("final_execution_rate_wrong", "inconsistency", description, (change,)),
    )


def initial_budget_mismatch(
    s: FinalSettings, printed: PrintedFinal, rng: random.Random
) -> tuple[PrintedFinal, Injection]:
    """The 决算 quotes a 年初预算 for 一般公共预算财政拨款支出 that is not the published budget (its own completion
    rate and wording follow the quoted figure, so only the published 预算 shows it)."""
    key, lead, completed = "exec.total", "一般公共预算财政拨款支出", "完成年初预算的"
    budget = printed.facts[f"{key}.budget"].value
    spent = printed.facts[f"{key}.spent"].value
    shift = Decimal(repr(rng.uniform(*s.initial_budget_shift)))
    quoted = money(budget * (1 + shift if rng.random() < 0.5 else 1 - shift), WAN_QUANTUM)
    old = execution_pieces(key, lead, budget, spent, completed)
    new = execution_pieces(key, lead, quoted, spent, completed)

    def swap(part):
        if not isinstance(part, NarrativeSection):
            return part
        paragraphs = tuple(
            (*new, *paragraph[len(old) :])
            if any(isinstance(p, Fact) and p.key == f"{key}.budget" for p in paragraph)
            else paragraph
            for paragraph in part.paragraphs
        )
        return NarrativeSection(part.heading, paragraphs, part.new_page, part.heading_style)

    changed = PrintedFinal(printed.numbers, printed.previous, printed.cover, tuple(swap(p) for p in printed.parts))
    change = Change(
        fact=f"{key}.budget",
        section=printed.section_of(f"{key}.budget"),
        expected=to_wan(budget),
        printed=to_wan(quoted),
    )
    description = f"决算称一般公共预算财政拨款支出年初预算 {to_wan(quoted):.2f} 万元，本部门公开的预算为 {to_wan(budget):.2f} 万元"
    return changed, Injection("final_initial_budget_mismatch", "inconsistency", description, (change,))


def missing_table(printed: PrintedFinal, rng: random.Random) -> tuple[PrintedFinal, Injection]:
    """One of the nine required tables left out."""
    table_id = rng.choice(DROPPABLE)
    title = printed.tables[table_id].title
    parts = tuple(p for p in printed.parts if getattr(p, "table_id", None) != table_id)
    changed = PrintedFinal(printed.numbers, printed.previous, printed.cover, parts)
    change = Change(table=table_id, fact="table_printed", expected=1.0, printed=0.0, unit="count")
    return changed, Injection("final_missing_table", "inconsistency", f"未公开{title}", (change,))


def wrong_year(printed: PrintedFinal) -> tuple[PrintedFinal, Injection]:
    """The first statement of the 情况说明 dates the year's totals a year early ("2023年度收入支出总计" in a 2024 决算)."""
    year = printed.year
    right, wrong = f"{year}年度收入支出总计", f"{year - 1}年度收入支出总计"

    def swap(part):
        if not isinstance(part, NarrativeSection) or not part.heading.startswith("一、"):
            return part
        paragraphs = tuple(
            tuple(p.replace(right, wrong) if isinstance(p, str) else p for p in paragraph)
            for paragraph in part.paragraphs
        )
        return NarrativeSection(part.heading, paragraphs, part.new_page, part.heading_style)

    changed = PrintedFinal(printed.numbers, printed.previous, printed.cover, tuple(swap(p) for p in printed.parts))
    change = Change(
        fact="grand_total.year",
        section="一、收入支出决算总体情况说明",
        expected=float(year),
        printed=float(year - 1),
        unit="year",
    )
    return changed, Injection(
        "final_wrong_year", "inconsistency", f"情况说明把{year}年度的收入支出总计写成{year - 1}年度", (change,)
    )

"""The presentation knobs of a varied filing (`budgetml sample --vary`), drawn at random per filing.

A Presentation says how one filing prints: grid rules, where the title, organisation, unit and date sit, the
title's scope word, year and number, the code columns, where 合计 goes, how amounts, zeros and digits print,
orientation and page breaks, and the cover. Only the presentation varies: the amounts, the truth and the
injections are the corpus model's. `print_in_unit` is the one knob applied to the printed filing itself (the
Wuhan template's tables in exact 元, before any injection); budgetml/synth/varied_layout.py lays the filing out
with all the others. The value lists are configs/sample.toml's [presentation].
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from budgetml.synth.config import PresentationSettings
from budgetml.synth.sample_render import PrintedFiling

MIN_ROWS_TO_BREAK = 6  # a table this long may be broken at random rows ("page_breaks": "some")
BREAK_RANGE = (0.15, 0.85)  # where in the table a random break falls, as a share of its rows


@dataclass(frozen=True)
class TableDraw:
    """The knobs drawn for one table; the layout realises them (a table too wide for portrait turns landscape)."""

    landscape: bool
    break_shares: tuple[float, ...]  # page breaks before these shares of the body rows
    new_page: bool  # False: start below the previous table when it fits


@dataclass(frozen=True)
class Presentation:
    """Every presentation knob of one filing (values from configs/sample.toml [presentation])."""

    scope: str  # 部门 | 单位 | 预算单位: the titles' scope word; 单位预算 on the cover unless 部门
    cover: str
    cover_name: str
    money_unit: str  # "template" | "元"
    grid: str
    caption: str
    org_label: str  # "" for no organisation line
    unit_form: str  # "单位：{unit}"
    header_unit_form: str  # "（{unit}）"
    document_unit_form: str
    document_unit_mixed_form: str
    date: str  # "" or a format with {year}, {previous_year}, {day}
    day: int
    title_year: str
    number: str  # "none" or "PLACE:FORMAT"
    public_edition: bool
    total_row: str
    codes: str
    code_words: str
    separators: bool
    zero: str
    digits: str
    orientation: str
    repeat_header: bool
    page_breaks: str
    share_pages: bool
    tables: Mapping[str, TableDraw]

    def knobs(self) -> dict[str, object]:
        """The filing-level knobs (not the per-table draws) as plain values, for labels.json."""
        return {k: v for k, v in asdict(self).items() if k != "tables"}


def draw_presentation(settings: PresentationSettings, printed: PrintedFiling, rng: random.Random) -> Presentation:
    """One filing's knobs, each drawn uniformly from its list; the 元 option only where the template allows it."""

    def pick(knob: str):
        return rng.choice(settings.values(knob))

    knobs = {
        knob: pick(knob)
        for knob in (
            "scope",
            "cover",
            "cover_name",
            "money_unit",
            "grid",
            "caption",
            "org_label",
            "unit_form",
            "header_unit_form",
            "document_unit_form",
            "document_unit_mixed_form",
            "date",
            "title_year",
            "number",
            "total_row",
            "codes",
            "code_words",
            "separators",
            "zero",
            "digits",
            "orientation",
            "repeat_header",
            "page_breaks",
            "share_pages",
        )
    }
    if printed.style != "wuhan":
        # Shanghai amounts are exact 元 (万元 would round them) and its 三公 table is in 万元 by template.
        knobs["money_unit"] = "template"
    public_edition = rng.random() < settings.public_edition_probability
    day = rng.randint(1, 28)
    tables = {}
    for table_id, table in printed.tables.items():
        landscape = knobs["orientation"] == "landscape" or (knobs["orientation"] == "mixed" and rng.random() < 0.5)
        shares: tuple[float, ...] = ()
        if knobs["page_breaks"] == "some" and len(table.rows) >= MIN_ROWS_TO_BREAK:
            shares = tuple(sorted(rng.uniform(*BREAK_RANGE) for _ in range(rng.randint(1, 2))))
        new_page = not knobs["share_pages"] or rng.random() < 0.5
        tables[table_id] = TableDraw(landscape, shares, new_page)
    return Presentation(**knobs, day=day, public_edition=public_edition, tables=tables)


def print_in_unit(
    printed: PrintedFiling, presentation: Presentation, keep: frozenset[str] = frozenset()
) -> PrintedFiling:
    """The filing with its 万元 tables printed in 元 when the knob says so (exact: Wuhan amounts are whole 0.01 万元).

    Tables in `keep` stay in 万元 (the 三公 table of a filing whose injection prints 元 under a 万元 unit line).
    """
    if presentation.money_unit != "元":
        return printed
    for table in printed.tables.values():
        if table.unit == "万元" and table.table_id not in keep:
            printed = printed.with_table(replace(table, unit="元"))
    return printed

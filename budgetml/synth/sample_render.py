"""The printed filing of a sample department-year: its records, the injected inconsistencies, its layout as a PDF.

A PrintedFiling (built by budgetml/synth/sample_templates.py) holds tables of amounts and narrative facts
rather than text, so they can be checked and changed: `inject_inconsistency` makes one printed cell or
fact wrong and says exactly which; `to_disclosure` lays the filing out in its district's layout
variation for budgetml.synth.render.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from budgetml.synth.render import BodySpan, Disclosure, LayoutSettings, Section, TableSpec, render_pdf
from budgetml.synth.sample import (
    YUAN_PER_WAN,
    ZERO,
    Change,
    FilingNumbers,
    Injection,
    LayoutVariant,
    SampleConfig,
    money,
    to_wan,
)
from budgetml.synth.table_headers import SHANGHAI_HEADERS, WUHAN_LABELS, WUHAN_LAYOUTS

UNIT_YUAN = {"元": Decimal(1), "万元": YUAN_PER_WAN}
PRINTED = Decimal("0.01")  # every table prints amounts to 2 decimals

# Where the parser reads each headline figure: the first source of configs/catalog.toml [[headline]].
HEADLINE_SOURCES = {
    "total_income": ("income_summary", "total", "total"),
    "total_expenditure": ("expenditure_summary", "total", "total"),
    "basic_expenditure": ("expenditure_summary", "total", "basic"),
    "project_expenditure": ("expenditure_summary", "total", "project"),
    "personnel_expenditure": ("basic_expenditure_by_economic", "total", "personnel"),
    "public_expenditure": ("basic_expenditure_by_economic", "total", "public"),
    "sangong_total": ("sangong", "total", "sangong_total"),
}

# --- the printed filing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedRow:
    """One body row: its amounts by canonical column, in yuan (None: a blank cell)."""

    key: str  # stable within the table: the code, or a name such as "total"
    label: str
    cells: Mapping[str, Decimal | None]
    code: str | None = None
    side: str = ""  # two-sided summary tables: "left" (收入) or "right" (支出)
    is_total: bool = False  # two-sided tables: the total rows aligned at the bottom
    texts: tuple[str, ...] = ()  # further text cells (表10: the project's unit)


@dataclass(frozen=True)
class PrintedTable:
    """An amount table as printed: canonical id, title block, rows; amounts print as yuan / unit × scale."""

    table_id: str
    title: str
    unit: str
    columns: tuple[str, ...]
    rows: tuple[PrintedRow, ...]
    label: str | None = None
    org_line: str | None = None
    note: str | None = None
    scale: Decimal = Decimal(1)  # 10000 when the amounts are printed in 元 under a 万元 unit line
    zero_text: str | None = None  # Shanghai's 三公 table prints zero as "0"
    separators: bool | None = None  # thousands separators; None: the layout decides

    def row(self, key: str) -> PrintedRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(f"{self.table_id}: no row {key!r}")

    def printed_number(self, amount: Decimal) -> Decimal:
        """The number printed for an amount in yuan: in the table's unit, to 2 decimals, half up."""
        return (amount / UNIT_YUAN[self.unit] * self.scale).quantize(PRINTED, rounding=ROUND_HALF_UP)

    def read_back(self, amount: Decimal) -> Decimal:
        """What a correct parser reads from the printed number: printed value × the unit line, in yuan."""
        return self.printed_number(amount) * UNIT_YUAN[self.unit]

    def value(self, key: str, column: str) -> Decimal | None:
        """The amount in yuan a correct parser reads from a cell (None when blank)."""
        amount = self.row(key).cells.get(column)
        return None if amount is None else self.read_back(amount)

    def with_cell(self, key: str, column: str, amount: Decimal) -> PrintedTable:
        rows = tuple(replace(r, cells={**r.cells, column: amount}) if r.key == key else r for r in self.rows)
        return replace(self, rows=rows)


@dataclass(frozen=True)
class Fact:
    """A number in the narrative, kept as data so it can be checked and changed."""

    key: str  # "total.yoy", "item.2040601.yoy", "class.206.amount", …
    kind: str  # "amount" (yuan) | "share" (percent) | "yoy"
    value: Decimal  # amount: yuan; share: percent; yoy: this year's amount in yuan
    previous: Decimal | None = None  # yoy: the previous-year amount the sentence states or implies
    form: str = "change"  # yoy: "change" (增加Y万元，增长Z%), "change_only" (增加Y万元), "stated" (P万元 … 增加Z%)
    pct_shift: Decimal = ZERO  # yoy: printed percentage minus the true one
    source: tuple[str, str, str] | None = None  # (table, row key, column) printing the same amount


Piece = str | Fact


@dataclass(frozen=True)
class NarrativeSection:
    heading: str
    paragraphs: tuple[tuple[Piece, ...], ...]
    new_page: bool = False
    heading_style: str = "heading"


Part = NarrativeSection | PrintedTable | TableSpec  # TableSpec: a form (绩效目标表), printed as is


@dataclass(frozen=True)
class PrintedFiling:
    numbers: FilingNumbers  # what the filing should say; injections make the print differ from it
    previous: FilingNumbers | None  # the year before, whose figures the narrative states
    cover: tuple[str, ...]
    parts: tuple[Part, ...]

    @property
    def profile(self):
        return self.numbers.profile

    @property
    def layout(self) -> LayoutVariant:
        return self.numbers.profile.layout

    @property
    def year(self) -> int:
        return self.numbers.year

    @property
    def style(self) -> str:
        return self.numbers.profile.style

    @property
    def tables(self) -> dict[str, PrintedTable]:
        return {p.table_id: p for p in self.parts if isinstance(p, PrintedTable)}

    @property
    def facts(self) -> dict[str, Fact]:
        found = {}
        for part in self.parts:
            if isinstance(part, NarrativeSection):
                for paragraph in part.paragraphs:
                    found.update({p.key: p for p in paragraph if isinstance(p, Fact)})
        return found

    def section_of(self, fact_key: str) -> str:
        for part in self.parts:
            if isinstance(part, NarrativeSection) and any(
                isinstance(p, Fact) and p.key == fact_key for paragraph in part.paragraphs for p in paragraph
            ):
                return part.heading
        raise KeyError(fact_key)

    def with_table(self, table: PrintedTable) -> PrintedFiling:
        parts = tuple(table if isinstance(p, PrintedTable) and p.table_id == table.table_id else p for p in self.parts)
        return replace(self, parts=parts)

    def with_fact(self, fact: Fact) -> PrintedFiling:
        def swap(part: Part) -> Part:
            if not isinstance(part, NarrativeSection):
                return part
            paragraphs = tuple(
                tuple(fact if isinstance(p, Fact) and p.key == fact.key else p for p in paragraph)
                for paragraph in part.paragraphs
            )
            return replace(part, paragraphs=paragraphs)

        return replace(self, parts=tuple(swap(p) for p in self.parts))

    def headline_figures(self) -> dict[str, Decimal | None]:
        """Each headline figure in yuan exactly as a correct parser reads it from the printed tables."""
        tables = self.tables
        return {
            name: tables[t].value(row, column) if t in tables else None
            for name, (t, row, column) in HEADLINE_SOURCES.items()
        }

    def headline_units(self) -> dict[str, str]:
        tables = self.tables
        return {name: tables[t].unit for name, (t, _, _) in HEADLINE_SOURCES.items() if t in tables}

    def expenditure_items(self) -> dict[str, Decimal]:
        """Code → 合计 of the expenditure summary, as a correct parser reads it."""
        table = self.tables["expenditure_summary"]
        return {row.code: table.read_back(row.cells["total"]) for row in table.rows if row.code}


# --- formatting ----------------------------------------------------------------------------------------


def strip_zeros(text: str) -> str:
    """The narrative drops trailing zeros: 50.00 → 50, 88.20 → 88.2."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def wan_text(amount: Decimal, style: str) -> str:
    """An amount in the narrative: 万元 to 2 decimals, trailing zeros dropped ("50", "88.2", "3,375.67")."""
    value = (amount / YUAN_PER_WAN).quantize(PRINTED, rounding=ROUND_HALF_UP)
    return strip_zeros(f"{value:,.2f}" if style == "wuhan" else f"{value:.2f}")


def pct_value(part: Decimal, whole: Decimal, style: str) -> Decimal:
    """Percentages: Wuhan prints one decimal (78.2%), Shanghai two (1.07%)."""
    step = Decimal("0.1") if style == "wuhan" else PRINTED
    return (part * 100 / whole).quantize(step, rounding=ROUND_HALF_UP)


def fact_text(fact: Fact, style: str, year: int) -> str:
    if fact.kind == "amount":
        return wan_text(fact.value, style)
    if fact.kind == "share":
        return strip_zeros(str(fact.value))
    return yoy_text(fact, style, year)


def yoy_text(fact: Fact, style: str, year: int) -> str:
    """比2024年预算增加Y万元，增长Z% — or its Shanghai forms; the change derives from value and previous."""
    previous, current, py = fact.previous, fact.value, year - 1
    delta = current - previous
    if fact.form == "stated":
        if previous == 0:
            return f"{py}年无此项预算，{year}年预算安排{wan_text(current, style)}万元"
        head = f"{py}年预算数为{wan_text(previous, style)}万元，{year}年预算安排{wan_text(current, style)}万元，"
        if delta == 0:
            return head + f"与{py}年预算持平"
        pct = abs(pct_value(delta, previous, style)) + fact.pct_shift
        return head + f"比{py}年预算{'增加' if delta > 0 else '减少'}{strip_zeros(str(pct))}%"
    if delta == 0:
        return f"与{py}年预算持平"
    verb = "增加" if delta > 0 else "减少"
    text = f"比{py}年预算{verb}{wan_text(abs(delta), style)}万元"
    if fact.form == "change_only" or previous == 0:
        return text
    pct = abs(pct_value(delta, previous, style)) + fact.pct_shift
    return text + f"，{'增长' if delta > 0 else '下降'}{strip_zeros(str(pct))}%"


def printed_pct(fact: Fact, style: str) -> Decimal:
    """The percentage a yoy fact prints (with any shift)."""
    return abs(pct_value(fact.value - fact.previous, fact.previous, style)) + fact.pct_shift


# --- inconsistencies: one printed value made wrong -------------------------------------------------------


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


# --- layout: PrintedFiling → Disclosure ------------------------------------------------------------------

_TWO_SIDED = frozenset({"income_expenditure_summary", "fiscal_grant_summary"})


def to_disclosure(printed: PrintedFiling) -> tuple[Disclosure, LayoutSettings]:
    """The document model in the district's template and variation, with the layout settings it needs."""
    layout = printed.layout
    parts: list[Section | TableSpec] = []
    for part in printed.parts:
        if isinstance(part, NarrativeSection):
            paragraphs = tuple(_paragraph_text(p, printed.style, printed.year) for p in part.paragraphs)
            parts.append(Section(part.heading, paragraphs, new_page=part.new_page, heading_style=part.heading_style))
        elif isinstance(part, PrintedTable):
            parts.append(_table_spec(part, layout))
        else:
            parts.append(replace(part, rule_style=layout.rule_style))  # forms stay ruled in every variation
    settings = LayoutSettings()
    if layout.cover_font_pt:
        settings = replace(settings, cover_font_pt=layout.cover_font_pt)
    return Disclosure(printed.cover, tuple(parts)), settings


def write_pdf(printed: PrintedFiling, path: Path) -> Path:
    doc, settings = to_disclosure(printed)
    render_pdf(doc, path, settings)
    return Path(path)


def _paragraph_text(pieces: Sequence[Piece], style: str, year: int) -> str:
    return "".join(p if isinstance(p, str) else fact_text(p, style, year) for p in pieces)


def cell_text(table: PrintedTable, amount: Decimal | None, layout: LayoutVariant) -> str:
    """A printed amount: blank, the table's zero text, or 2 decimals with or without thousands separators."""
    if amount is None:
        return ""
    number = table.printed_number(amount)
    if number == 0 and table.zero_text:
        return table.zero_text
    separators = layout.thousands_separators if table.separators is None else table.separators
    return f"{number:,.2f}" if separators else f"{number:.2f}"


def _table_spec(table: PrintedTable, layout: LayoutVariant) -> TableSpec:
    if layout.style == "wuhan":
        seed = WUHAN_LAYOUTS[WUHAN_LABELS[table.table_id]]
        header, widths, aligns, landscape = (
            seed.header,
            seed.col_widths,
            seed.col_aligns,
            seed.landscape or layout.landscape,
        )
    else:
        header, widths = SHANGHAI_HEADERS[table.table_id]
        n_code = {"basic_expenditure_by_economic": 2, "sangong": 0, **dict.fromkeys(_TWO_SIDED, 0)}.get(
            table.table_id, 3
        )
        aligns = ("left",) * (n_code + 1) + ("auto",) * (len(widths) - n_code - 1) if n_code else ()
        landscape = layout.landscape
    rows, spans = _grid_rows(table, layout, len(widths))
    split = layout.split_expenditure_summary and table.table_id == "expenditure_summary" and len(rows) >= 8
    return TableSpec(
        title=table.title,
        unit=table.unit,
        header=header,
        rows=rows,
        col_widths=widths,
        label=table.label,
        org_line=table.org_line,
        note=table.note,
        ruled=layout.ruled or table.table_id in layout.ruled_tables,
        landscape=landscape,
        # A forced split is continued without the header (普陀's 支出预算总表); otherwise the layout decides.
        repeat_header=layout.repeat_header and not split,
        numeric_align=layout.numeric_align,
        col_aligns=aligns,
        body_spans=spans,
        break_before=(len(rows) // 2,) if split else (),
        rule_style=layout.rule_style,
    )


def _grid_rows(
    table: PrintedTable, layout: LayoutVariant, n_cols: int
) -> tuple[tuple[tuple[str, ...], ...], tuple[BodySpan, ...]]:
    def amounts(row: PrintedRow | None, columns: Sequence[str]) -> list[str]:
        return [cell_text(table, row.cells.get(c), layout) if row else "" for c in columns]

    tid = table.table_id
    if tid in _TWO_SIDED:
        left_cols = [c for c in table.columns if c == "income"]
        right_cols = [c for c in table.columns if c != "income"]
        body_l = [r for r in table.rows if r.side == "left" and not r.is_total]
        body_r = [r for r in table.rows if r.side == "right" and not r.is_total]
        totals = list(
            zip(
                [r for r in table.rows if r.side == "left" and r.is_total],
                [r for r in table.rows if r.side == "right" and r.is_total],
            )
        )
        pairs = [
            (body_l[i] if i < len(body_l) else None, body_r[i] if i < len(body_r) else None)
            for i in range(max(len(body_l), len(body_r)))
        ]
        rows = [
            (
                left.label if left else "",
                *amounts(left, left_cols),
                right.label if right else "",
                *amounts(right, right_cols),
            )
            for left, right in [*pairs, *totals]
        ]
        return tuple(rows), ()
    if not table.rows and layout.style == "shanghai":
        # 普陀's empty tables print 无 and 合计 across the code and name columns.
        rows = (("无", *[""] * (n_cols - 1)), ("合计", *[""] * (n_cols - 1)))
        return rows, (BodySpan(0, 0, colspan=4), BodySpan(1, 0, colspan=4))
    rows = []
    for row in table.rows:
        money_cells = amounts(row, table.columns)
        if tid == "sangong":
            rows.append(tuple(money_cells))
        elif tid == "projects":
            rows.append((row.label, row.texts[0] if row.texts else "", *money_cells))
        elif layout.style == "wuhan":
            rows.append((row.code or "", row.label, *money_cells))
        else:
            parts = _code_parts(row.code, 2 if tid == "basic_expenditure_by_economic" else 3)
            rows.append((*parts, row.label, *money_cells))
    return tuple(rows), ()


def _code_parts(code: str | None, n: int) -> tuple[str, ...]:
    """Shanghai prints codes split over 类/款/项 columns: 2040601 → 204 | 06 | 01."""
    if not code:
        return ("",) * n
    pieces = [code[:3], code[3:5], code[5:7]][:n]
    return tuple(pieces)

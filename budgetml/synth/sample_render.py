"""The printed filing of a sample department-year: its records, how its numbers print, its layout as a PDF.

A PrintedFiling (built by budgetml/synth/wuhan_template.py or shanghai_template.py) holds tables of amounts
and narrative facts rather than text, so they can be checked and changed (budgetml/synth/inconsistencies.py
makes one printed cell or fact wrong); `to_disclosure` lays the filing out in its district's layout variation
for budgetml/synth/render.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from budgetml.synth.config import LayoutVariant
from budgetml.synth.render import BodySpan, Disclosure, LayoutSettings, Section, TableSpec, render_pdf
from budgetml.synth.sample import YUAN_PER_WAN, ZERO, FilingNumbers
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
# The figures only a 决算 prints (budgetml/synth/final_template.py): a correct parser reads none in a budget.
FINAL_ONLY_HEADLINES = (
    "income_grand_total",
    "carryover_begin",
    "carryover_end",
    "fiscal_grant_total",
    "general_budget_expenditure",
)

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
        read = {
            name: tables[t].value(row, column) if t in tables else None
            for name, (t, row, column) in HEADLINE_SOURCES.items()
        }
        return {**read, **dict.fromkeys(FINAL_ONLY_HEADLINES)}

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


# --- layout: PrintedFiling → Disclosure ------------------------------------------------------------------

_TWO_SIDED = frozenset({"income_expenditure_summary", "fiscal_grant_summary"})


def to_disclosure(printed: PrintedFiling) -> tuple[Disclosure, LayoutSettings]:
    """The document model in the district's template and variation, with the layout settings it needs."""
    layout = printed.layout
    parts: list[Section | TableSpec] = []
    for part in printed.parts:
        if isinstance(part, NarrativeSection):
            parts.append(narrative_section(part, printed.style, printed.year))
        elif isinstance(part, PrintedTable):
            parts.append(_table_spec(part, layout))
        else:
            parts.append(replace(part, rule_style=layout.rule_style))  # forms stay ruled in every variation
    return Disclosure(printed.cover, tuple(parts)), layout_settings(layout)


def layout_settings(layout: LayoutVariant) -> LayoutSettings:
    """The renderer's settings for a district's layout (its cover type size when it has one)."""
    settings = LayoutSettings()
    if layout.cover_font_pt:
        settings = replace(settings, cover_font_pt=layout.cover_font_pt)
    return settings


def write_pdf(printed: PrintedFiling, path: Path) -> Path:
    doc, settings = to_disclosure(printed)
    render_pdf(doc, path, settings)
    return Path(path)


def narrative_section(part: NarrativeSection, style: str, year: int) -> Section:
    """A narrative section with its facts printed as text."""
    paragraphs = tuple(_paragraph_text(p, style, year) for p in part.paragraphs)
    return Section(part.heading, paragraphs, new_page=part.new_page, heading_style=part.heading_style)


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
        return two_sided_rows(table, amounts), ()
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


def two_sided_rows(
    table: PrintedTable, amounts: Callable[[PrintedRow | None, Sequence[str]], list[str]]
) -> tuple[tuple[str, ...], ...]:
    """收入 left, 支出 right, the total rows aligned at the bottom; `amounts` prints a row's cells (blank for None)."""
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
    return tuple(
        (
            left.label if left else "",
            *amounts(left, left_cols),
            right.label if right else "",
            *amounts(right, right_cols),
        )
        for left, right in [*pairs, *totals]
    )


def _code_parts(code: str | None, n: int) -> tuple[str, ...]:
    """Shanghai prints codes split over 类/款/项 columns: 2040601 → 204 | 06 | 01."""
    if not code:
        return ("",) * n
    pieces = [code[:3], code[3:5], code[5:7]][:n]
    return tuple(pieces)

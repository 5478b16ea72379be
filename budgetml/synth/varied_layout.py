"""Lay a printed filing out with its drawn presentation (`budgetml sample --vary`): a Disclosure for render.py.

The counterpart of sample_render.to_disclosure for a varied filing: the same tables, rows and amounts, printed
with the knobs of budgetml/synth/presentation.py — cover, captions, title, header grid, code columns, where
合计 goes, cell texts, rules, orientation, page breaks. It also says what each table finally got: a table too
wide for portrait turns landscape (and prints smaller when even that is too narrow), a break needs rows on
both sides, a unit stated once for the document does not cover a table printed in another unit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from budgetml.synth.config import PresentationSettings
from budgetml.synth.presentation import Presentation
from budgetml.synth.render import (
    DEFAULT_LAYOUT,
    BodySpan,
    CaptionLine,
    Disclosure,
    HeaderCell,
    LayoutSettings,
    Section,
    TableSpec,
    numbers_fit,
    numeric_widths_pt,
    page_width_pt,
    render_pdf,
    text_width_pt,
)
from budgetml.synth.sample_render import (
    NarrativeSection,
    PrintedFiling,
    PrintedRow,
    PrintedTable,
    narrative_section,
    two_sided_rows,
)
from budgetml.synth.table_headers import SHANGHAI_HEADERS, WUHAN_LABELS, WUHAN_LAYOUTS

# Tables this wide (表2, 表10) print landscape in every real filing: portrait squeezes a header to a character a line.
WIDE_TABLE_COLUMNS = 9
# The 区级部门预算 cover's long lines stay on one line (as sample.toml's Shanghai layouts set it).
COVER_FONT_PT = {"region_year_org": 18.0}
CAPTION_GAP_PT = 12.0  # the least space between two texts on one caption line
MIN_TEXT_COLUMN_PT = 40.0  # a name column narrower than this would print one or two characters a line
MIN_AMOUNT_COLUMN_PT = 28.0  # an amount column left blank still gets room for its header
TWO_SIDED = frozenset({"income_expenditure_summary", "fiscal_grant_summary"})
FORM_IDS = {"整体支出绩效目标表": "performance_overall", "项目支出绩效目标表": "performance_project"}
_FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
_FULL_WIDTH_DIGIT = re.compile("[０-９]")
_HALF_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
_WORDS = re.compile(r"[^\d\s,.\-０-９，．－]")  # a cell with anything but digits and number marks holds words
_ZERO_TEXT = {"blank": "", "0": "0", "0.00": "0.00", "-": "-"}
# What the code and name columns are called: (code, name, both in one column), by kind of code and code_words.
_CODE_WORDS = {
    ("function", "short"): ("科目编码", "科目名称", "科目编码及名称"),
    ("function", "long"): ("功能分类科目编码", "功能分类科目名称", "功能分类科目"),
    ("economic", "short"): ("科目编码", "科目名称", "科目编码及名称"),
    ("economic", "long"): ("经济分类科目编码", "经济分类科目名称", "经济分类科目"),
    ("unit", "short"): ("单位编码", "单位名称", "单位编码及名称"),
    ("unit", "long"): ("部门(单位)代码", "部门(单位)名称", "部门(单位)"),
}
_LEVELS = {"function": ("类", "款", "项"), "economic": ("类", "款")}
_LEAD_WIDTHS = {"column": (1.2, 3.0), "in_name": (4.0,)}
_LEVEL_WIDTH, _SPLIT_NAME_WIDTH = 0.5, 2.6


@dataclass(frozen=True)
class TableLayoutChoice:
    """What one table finally printed with (labels.json records it beside the filing's knobs)."""

    caption: str
    unit: str
    digits: str  # "ascii" where full-width amounts would not fit even in landscape and small type
    landscape: bool
    font_pt: float | None  # None: the renderer's table font
    breaks: tuple[int, ...]  # body rows that start a new page
    new_page: bool

    def as_label(self) -> dict:
        return {**self.__dict__, "breaks": list(self.breaks)}


@dataclass(frozen=True)
class VariedDocument:
    disclosure: Disclosure
    settings: LayoutSettings
    tables: Mapping[str, TableLayoutChoice]


def write_varied_pdf(
    printed: PrintedFiling, presentation: Presentation, settings: PresentationSettings, path: Path
) -> VariedDocument:
    document = varied_disclosure(printed, presentation, settings)
    render_pdf(document.disclosure, path, document.settings)
    return document


def varied_disclosure(
    printed: PrintedFiling, presentation: Presentation, settings: PresentationSettings
) -> VariedDocument:
    """The document model of `printed` in its drawn presentation, and what each table finally got."""
    p = presentation
    document_unit = _document_unit(printed) if p.caption == "document_unit" else None
    parts: list[Section | TableSpec] = []
    choices: dict[str, TableLayoutChoice] = {}
    numbers = {table_id: str(i) for i, table_id in enumerate(printed.tables, 1)}
    for part in printed.parts:
        if isinstance(part, NarrativeSection):
            parts.append(narrative_section(part, printed.style, printed.year))
        elif isinstance(part, PrintedTable):
            if document_unit and not choices:
                parts.append(Section("", (_document_unit_statement(printed, p, document_unit),)))
            number = part.label.removeprefix("表").strip() if part.label else numbers[part.table_id]
            spec, choice = _table_spec(printed, part, p, settings, number, document_unit)
            parts.append(spec)
            choices[part.table_id] = choice
        else:
            parts.append(part)  # performance forms print as their template makes them
    layout = replace(DEFAULT_LAYOUT, cover_font_pt=COVER_FONT_PT.get(p.cover, DEFAULT_LAYOUT.cover_font_pt))
    return VariedDocument(Disclosure(_cover(printed, p), tuple(parts)), layout, choices)


def form_table_ids(printed: PrintedFiling) -> list[str]:
    """The canonical ids of the performance forms the filing prints (what a parser should identify besides the tables)."""
    found = []
    for part in printed.parts:
        if isinstance(part, TableSpec):
            found += [table_id for word, table_id in FORM_IDS.items() if word in part.title]
    return list(dict.fromkeys(found))


# --- the cover and the document-wide unit ---------------------------------------------------------------


def _cover(printed: PrintedFiling, p: Presentation) -> tuple[str, ...]:
    profile, year = printed.profile, printed.year
    region, name = profile.region, profile.full_name.removeprefix(profile.region)
    kind = "部门预算" if p.scope == "部门" else "单位预算"
    if p.cover_name == "spaced":
        names = (" ".join(profile.full_name),)
    elif p.cover_name == "split":
        names = (region, name)
    else:
        names = (profile.full_name,)
    if p.cover == "name_year":
        return (*names, f"{year}年{kind}")
    if p.cover == "region_year_org":
        org = "预算主管部门：" if p.scope == "部门" else "预算单位："
        return (f"{region}{year}年区级{kind}", org + names[0], *names[1:])
    return (*names[:-1], f"{names[-1]}{year}年{kind}")


def _document_unit(printed: PrintedFiling) -> str:
    """The unit most tables print in: the one a document-wide statement gives."""
    return Counter(t.unit for t in printed.tables.values()).most_common(1)[0][0]


def _document_unit_statement(printed: PrintedFiling, p: Presentation, unit: str) -> str:
    uniform = all(t.unit == unit for t in printed.tables.values())
    return (p.document_unit_form if uniform else p.document_unit_mixed_form).format(unit=unit)


# --- one table --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Native:
    """The template's own grid of a table: header, widths, how many columns precede the amounts, what they hold."""

    header: tuple[HeaderCell, ...]
    widths: tuple[float, ...]
    lead: int
    kind: str  # "function" | "economic" | "unit" (unit codes) | "named" (表10) | "none" (三公) | "two_sided"
    marks_empty: bool = False  # an empty table prints 无 and 合计 rows (普陀's), not a header alone (Wuhan's)


def _native(table: PrintedTable, style: str) -> _Native:
    table_id = table.table_id
    if style == "wuhan":
        seed = WUHAN_LAYOUTS[WUHAN_LABELS[table_id]]
        header, widths = seed.header, seed.col_widths
    else:
        header, widths = SHANGHAI_HEADERS[table_id]
    if table_id in TWO_SIDED:
        return _Native(header, widths, 0, "two_sided")
    if table_id == "sangong":
        return _Native(header, widths, 0, "none")
    if table_id == "projects":
        return _Native(header, widths, 2, "named")
    if table_id == "basic_expenditure_by_economic":
        return _Native(header, widths, 2 if style == "wuhan" else 3, "economic")
    if style == "wuhan" and table_id in ("income_summary", "general_budget_by_unit"):
        return _Native(header, widths, 2, "unit")
    if style == "wuhan":
        return _Native(header, widths, 2, "function")
    return _Native(header, widths, 4, "function", marks_empty=True)


def _table_spec(
    printed: PrintedFiling,
    table: PrintedTable,
    p: Presentation,
    settings: PresentationSettings,
    number: str,
    document_unit: str | None,
) -> tuple[TableSpec, TableLayoutChoice]:
    native = _native(table, printed.style)
    caption = p.caption
    if caption == "document_unit" and table.unit != document_unit:
        caption = "one_line"  # this table is the exception the statement allows for: it prints its own unit
    codes = "column" if native.kind == "unit" and p.codes == "split" else p.codes
    header, widths, lead = _header(native, codes, p.code_words)
    if caption == "unit_in_headers":
        header = _with_header_units(header, lead, p.header_unit_form.format(unit=table.unit))
    rows, spans = _body(table, native, codes, p, lead)
    draw = p.tables[table.table_id]
    spec = TableSpec(
        title=table.title,
        unit=table.unit,
        header=header,
        rows=rows,
        col_widths=widths,
        note=table.note,
        ruled=p.grid != "unruled",
        landscape=draw.landscape or len(widths) >= WIDE_TABLE_COLUMNS,
        repeat_header=p.repeat_header,
        col_aligns=_aligns(header, widths, lead, native.kind),
        body_spans=spans,
        break_before=_breaks(draw.break_shares, len(rows)) if not spans else (),
        rule_style="rect" if p.grid == "ruled_rect" else "line",
        rule_set={"horizontal": "horizontal", "three_line": "three_line"}.get(p.grid, "grid"),
        new_page=draw.new_page,
    )
    spec = _fitted(spec, settings.smaller_fonts_pt)
    org = f"{p.org_label}{printed.profile.full_name}" if p.org_label else ""
    unit_text = p.unit_form.format(unit=table.unit)
    date = p.date.format(year=printed.year, previous_year=printed.year - 1, day=p.day)
    captions, footer = _captions(spec, _title_lines(printed, table, p, number), caption, org, unit_text, date)
    if caption == "in_header":
        spec = replace(spec, header=_with_band(spec, org, unit_text))
    spec = replace(spec, captions=captions, footer=footer)
    digits = "fullwidth" if any(_FULL_WIDTH_DIGIT.search(c) for r in spec.rows for c in r) else "ascii"
    choice = TableLayoutChoice(
        caption, table.unit, digits, spec.landscape, spec.font_pt, spec.break_before, spec.new_page
    )
    return spec, choice


def _fitted(spec: TableSpec, smaller_fonts_pt: Sequence[float]) -> TableSpec:
    """As drawn when the amounts fit their columns, else landscape, with the amount columns widened, in smaller type;
    full-width digits too wide even then print in ASCII. Real filings squeeze wide tables the same ways.
    """
    if numbers_fit(spec):
        return spec
    for candidate in (spec, replace(spec, rows=tuple(tuple(c.translate(_HALF_WIDTH) for c in r) for r in spec.rows))):
        for font_pt in (None, *smaller_fonts_pt):
            fitted = replace(candidate, landscape=True, font_pt=font_pt)
            if numbers_fit(fitted):
                return fitted
            widened = replace(fitted, col_widths=_widened(fitted))
            if numbers_fit(widened):
                return widened
    return widened  # the smallest type, widened: a number may wrap, as it would on paper


def _widened(spec: TableSpec) -> tuple[float, ...]:
    """Column widths (in points) giving each amount column what its widest number needs, the name columns the rest."""
    needs = numeric_widths_pt(spec)
    is_text = [any(_WORDS.search(row[c]) for row in spec.rows) for c in range(spec.n_cols)]
    amounts = [0.0 if text else max(need, MIN_AMOUNT_COLUMN_PT) for text, need in zip(is_text, needs)]
    room = page_width_pt(spec.landscape) - 2 * DEFAULT_LAYOUT.page_margin_pt - sum(amounts)
    text_weight = sum(w for w, text in zip(spec.col_widths, is_text) if text)
    if not text_weight or room <= MIN_TEXT_COLUMN_PT * sum(is_text):
        return spec.col_widths
    return tuple(
        room * w / text_weight if text else amount for w, text, amount in zip(spec.col_widths, is_text, amounts)
    )


# --- titles and captions -------------------------------------------------------------------------------------


def _title_lines(printed: PrintedFiling, table: PrintedTable, p: Presentation, number: str) -> list[CaptionLine]:
    """The number, the title with its scope word, year and edition, and the year when it has a line of its own."""
    year = printed.year
    title = table.title.removeprefix(f"{year}年")
    if title.startswith("部门") and p.scope != "部门":
        title = p.scope + title.removeprefix("部门")
    title = {"prefix": f"{year}年{title}", "prefix_du": f"{year}年度{title}"}.get(p.title_year, title)
    if p.public_edition:
        title += "（公开版）"
    lines = []
    if p.number != "none":
        place, form = p.number.split(":", 1)
        text = form.format(n=number)
        if place == "title":
            title = text + title
        else:
            lines.append(
                CaptionLine(left=text, size="label")
                if place == "above-left"
                else CaptionLine(center=text, size="label")
            )
    lines.append(CaptionLine(center=title, size="title"))
    if p.title_year == "own_line":
        lines.append(CaptionLine(center=f"（{year}年度）", size="label"))
    return lines


def _captions(
    spec: TableSpec, title: list[CaptionLine], caption: str, org: str, unit: str, date: str
) -> tuple[tuple[CaptionLine, ...], tuple[CaptionLine, ...]]:
    """The lines above and below the grid for a caption arrangement."""
    lines, footer = list(title), []
    if caption == "one_line":
        lines.append(CaptionLine(left=org, right=unit))
        if date:
            lines.append(CaptionLine(left=date))
    elif caption == "one_line_date":
        if _fits_one_line(spec, org, date, unit):
            lines.append(CaptionLine(left=org, center=date, right=unit))
        else:
            lines += [CaptionLine(left=org, right=unit), CaptionLine(right=date)]
    elif caption == "separate_lines":
        lines += [CaptionLine(left=text) for text in (org, date) if text]
        lines.append(CaptionLine(right=unit))
    elif caption == "unit_under_title":
        lines.append(CaptionLine(center=unit))
        if org or date:
            lines.append(CaptionLine(left=org, right=date))
    elif caption == "unit_below_table":
        if org or date:
            lines.append(CaptionLine(left=org, right=date))
        footer.append(CaptionLine(right=unit))
    elif caption == "in_header":
        if date:
            lines.append(CaptionLine(left=date))
    else:  # unit_in_headers, document_unit: no unit line
        if org or date:
            lines.append(CaptionLine(left=org, right=date))
    return tuple(line for line in lines if line.left or line.center or line.right), tuple(footer)


def _fits_one_line(spec: TableSpec, left: str, center: str, right: str) -> bool:
    layout = DEFAULT_LAYOUT
    page_width = page_width_pt(spec.landscape)
    size = layout.unit_font_pt
    half = text_width_pt(center, size) / 2
    left_end = layout.page_margin_pt + text_width_pt(left, size)
    right_start = page_width - layout.page_margin_pt - text_width_pt(right, size)
    return left_end + CAPTION_GAP_PT <= page_width / 2 - half and page_width / 2 + half + CAPTION_GAP_PT <= right_start


# --- the header grid ---------------------------------------------------------------------------------------


def _header(native: _Native, codes: str, code_words: str) -> tuple[tuple[HeaderCell, ...], tuple[float, ...], int]:
    """The header with the code and name columns arranged as `codes` says; returns it, the widths, the lead width."""
    if native.kind not in ("function", "economic", "unit"):
        return native.header, native.widths, native.lead
    n_rows = max(c.row + c.rowspan for c in native.header)
    money = [c for c in native.header if c.col >= native.lead]
    group = next(
        (
            c.text
            for c in native.header
            if (c.row, c.col) == (0, 0) and c.colspan == native.lead > 1 and c.rowspan < n_rows
        ),
        None,
    )
    top = 1 if group else 0
    needed = top + (2 if codes == "split" else 1)
    if needed > n_rows:  # the money block grows downwards: its bottom cells reach the new last row
        money = [replace(c, rowspan=c.rowspan + needed - n_rows) if c.row + c.rowspan == n_rows else c for c in money]
        n_rows = needed
    code_word, name_word, both_word = _CODE_WORDS[(native.kind, code_words)]
    lead_cells: list[HeaderCell] = []
    if codes == "split":
        levels = _LEVELS[native.kind]
        n = len(levels)
        lead_cells += [
            HeaderCell(code_word, top, 0, rowspan=n_rows - 1 - top, colspan=n),
            *(HeaderCell(level, n_rows - 1, i) for i, level in enumerate(levels)),
            HeaderCell(name_word, top, n, rowspan=n_rows - top),
        ]
        lead_widths = (_LEVEL_WIDTH,) * n + (_SPLIT_NAME_WIDTH,)
    elif codes == "in_name":
        lead_cells.append(HeaderCell(both_word, top, 0, rowspan=n_rows - top))
        lead_widths = _LEAD_WIDTHS["in_name"]
    else:
        lead_cells += [
            HeaderCell(code_word, top, 0, rowspan=n_rows - top),
            HeaderCell(name_word, top, 1, rowspan=n_rows - top),
        ]
        lead_widths = _LEAD_WIDTHS["column"]
    lead = len(lead_widths)
    if group:
        lead_cells.insert(0, HeaderCell(group, 0, 0, colspan=lead))
    shifted = [replace(c, col=c.col - native.lead + lead) for c in money]
    return tuple(lead_cells + shifted), lead_widths + native.widths[native.lead :], lead


def _with_header_units(header: tuple[HeaderCell, ...], lead: int, suffix: str) -> tuple[HeaderCell, ...]:
    """Every amount column's bottom header cell carries the unit: 预算数（万元）, 合计(元)."""
    bottom = max(c.row + c.rowspan for c in header)
    return tuple(
        replace(c, text=c.text + suffix)
        if c.row + c.rowspan == bottom and c.col >= lead and c.text.replace(" ", "") != "项目"
        else c
        for c in header
    )


def _with_band(spec: TableSpec, org: str, unit: str) -> tuple[HeaderCell, ...]:
    """A first header row holding the organisation (left) and the unit (right), the header moved one row down."""
    n = spec.n_cols
    page_width = page_width_pt(spec.landscape) - 2 * DEFAULT_LAYOUT.page_margin_pt
    font_pt = spec.font_pt or DEFAULT_LAYOUT.table_font_pt
    need = text_width_pt(unit, font_pt) + 2 * DEFAULT_LAYOUT.unruled_column_gap_pt
    total = sum(spec.col_widths)
    k = next((k for k in range(1, n + 1) if sum(spec.col_widths[n - k :]) / total * page_width >= need), n)
    band = [HeaderCell(unit, 0, n - k, colspan=k, align="right")]
    if org and k < n:
        band.insert(0, HeaderCell(org, 0, 0, colspan=n - k, align="left"))
    elif k < n:
        band = [HeaderCell(unit, 0, 0, colspan=n, align="right")]
    return (*band, *(replace(c, row=c.row + 1) for c in spec.header))


def _aligns(header: Sequence[HeaderCell], widths: Sequence[float], lead: int, kind: str) -> tuple[str, ...]:
    """Codes and names left, amounts right (full-width digits are not recognised as numbers by the renderer)."""
    if kind == "two_sided":
        bottom = max(c.row + c.rowspan for c in header)
        labels = {c.col for c in header if c.row + c.rowspan == bottom and c.text.replace(" ", "") == "项目"}
        return tuple("left" if i in labels else "right" for i in range(len(widths)))
    return tuple("left" if i < lead else "right" for i in range(len(widths)))


def _breaks(shares: Sequence[float], n_rows: int) -> tuple[int, ...]:
    return tuple(sorted({min(max(round(s * n_rows), 1), n_rows - 1) for s in shares})) if n_rows > 2 else ()


# --- the body -----------------------------------------------------------------------------------------------


def _body(
    table: PrintedTable, native: _Native, codes: str, p: Presentation, lead: int
) -> tuple[tuple[tuple[str, ...], ...], tuple[BodySpan, ...]]:
    def amounts(row: PrintedRow | None, columns: Sequence[str]) -> list[str]:
        return [_amount_text(table, row.cells.get(c), p) if row else "" for c in columns]

    if native.kind == "two_sided":
        return two_sided_rows(table, amounts), ()
    n_cols = lead + len(table.columns)
    if not table.rows:
        if not native.marks_empty:
            return (), ()
        rows = (("无", *[""] * (n_cols - 1)), ("合计", *[""] * (n_cols - 1)))
        return rows, (BodySpan(0, 0, colspan=lead), BodySpan(1, 0, colspan=lead)) if lead > 1 else ()
    ordered = _ordered(table.rows, p.total_row) if native.kind != "none" else table.rows
    rows = []
    for row in ordered:
        cells = amounts(row, table.columns)
        if native.kind == "none":
            rows.append(tuple(cells))
        elif native.kind == "named":
            rows.append((row.label, row.texts[0] if row.texts else "", *cells))
        else:
            rows.append((*_lead_cells(row, codes, native.kind, p.digits), *cells))
    return tuple(rows), ()


def _ordered(rows: Sequence[PrintedRow], total_row: str) -> tuple[PrintedRow, ...]:
    totals = [r for r in rows if r.key == "total"]
    rest = [r for r in rows if r.key != "total"]
    return tuple(totals + rest if total_row == "first" else rest + totals)


def _lead_cells(row: PrintedRow, codes: str, kind: str, digits: str) -> tuple[str, ...]:
    code = _digits(row.code or "", digits)
    if codes == "in_name":
        return (f"{code} {row.label}" if code else row.label,)
    if codes == "split":
        n = len(_LEVELS[kind])
        raw = row.code or ""
        pieces = [raw[:3], raw[3:5], raw[5:7]][:n] if raw else [""] * n
        return (*(_digits(x, digits) for x in pieces), row.label)
    return (code, row.label)


def _amount_text(table: PrintedTable, amount, p: Presentation) -> str:
    """A printed amount: blank, the filing's zero, or 2 decimals with or without separators, in its digits."""
    if amount is None:
        return ""
    number = table.printed_number(amount)
    if number == 0:
        text = _ZERO_TEXT[p.zero]
    else:
        text = f"{number:,.2f}" if p.separators else f"{number:.2f}"
    return _digits(text, p.digits)


def _digits(text: str, digits: str) -> str:
    return text.translate(_FULL_WIDTH) if digits == "fullwidth" else text

"""Render a disclosure document model (cover, narrative sections, tables) to a PDF with reportlab."""

from __future__ import annotations

import functools
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as landscape_size
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

ALIGNMENTS = ("left", "right", "center")
COLUMN_ALIGNMENTS = ("auto", *ALIGNMENTS)
HEADING_STYLES = ("heading", "title")
RULE_STYLES = ("line", "rect")
# Which rules a ruled table draws: every cell edge, the horizontal ones only, or the 三线表's three
# (above the header, under it, under the last row of the page).
RULE_SETS = ("grid", "horizontal", "three_line")
CAPTION_SIZES = ("label", "title", "unit")


# --- document model -------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderCell:
    """One printed header cell, possibly merged over several rows and columns."""

    text: str
    row: int  # 0-based header row
    col: int  # 0-based first column
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"  # a caption row inside the header ("编制单位：…" left, "单位：万元" right) is not centred


@dataclass(frozen=True)
class CaptionLine:
    """One printed line above or below a table's grid: up to three texts on one baseline.

    Title lines are centred and wrap; the others print their left, centre and right texts as they are.
    """

    left: str = ""
    center: str = ""
    right: str = ""
    size: str = "unit"  # "label" ("表 3"), "title" or "unit" (the 单位 / 编制部门 / date lines)

    def __post_init__(self) -> None:
        if self.size not in CAPTION_SIZES:
            raise ValueError(f"caption {self!r}: size must be one of {CAPTION_SIZES}")
        if self.size == "title" and (self.left or self.right):
            raise ValueError(f"caption {self!r}: a title line is centred only")


@dataclass(frozen=True)
class BodySpan:
    """A merged body cell: its text is rows[row][col]; the other covered cells must be ""."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class TableSpec:
    """One printed table: title block, header grid and body rows exactly as printed."""

    title: str  # e.g. "部门支出总表"
    unit: str  # "万元" | "元" | "亿元"; "" when the filing prints no unit
    header: tuple[HeaderCell, ...]  # may be empty (forms)
    rows: tuple[tuple[str, ...], ...]  # body cells as printed; "\n" forces a line break
    col_widths: tuple[float, ...]  # relative widths, one per column
    label: str | None = None  # printed above the title, e.g. "表 3"
    org_line: str | None = None  # left part of the unit line, e.g. "编制部门：…" or "填报日期：…"
    note: str | None = None  # printed under the table
    ruled: bool = True  # False: no lines at all, columns separated by whitespace only
    landscape: bool = False  # the table's pages are A4 landscape
    repeat_header: bool = True  # repeat the header rows on continuation pages
    numeric_align: str = "right"
    unit_prefix: str = "单位："  # filings vary: "单位：", "单位:", "金额单位："
    col_aligns: tuple[str, ...] = ()  # per column "auto" | "left" | "right" | "center"; () = all auto
    body_spans: tuple[BodySpan, ...] = ()  # merged body cells (forms, "合计" rows)
    break_before: tuple[int, ...] = ()  # body row indices that must start a new page
    rule_style: str = "line"  # "line": stroked segments; "rect": thin filled rectangles
    rule_set: str = "grid"  # which rules a ruled table draws (RULE_SETS)
    # The lines above the grid; None: the classic block (label, title, then org_line left and the unit right).
    captions: tuple[CaptionLine, ...] | None = None
    footer: tuple[CaptionLine, ...] = ()  # lines under the grid, before the note (a unit line printed below)
    new_page: bool = True  # False: continue on the page of the previous table when it has room
    font_pt: float | None = None  # the cell font; None: the layout's table_font_pt (wide tables print smaller)

    def __post_init__(self) -> None:
        problems = list(_table_problems(self))
        if problems:
            raise ValueError(f"table {self.title!r}: " + "; ".join(problems))

    @property
    def n_cols(self) -> int:
        return len(self.col_widths)

    @property
    def n_header_rows(self) -> int:
        return max((cell.row + cell.rowspan for cell in self.header), default=0)


@dataclass(frozen=True)
class Section:
    """Narrative text: a heading and its paragraphs, flowing across pages."""

    heading: str  # "" for none
    paragraphs: tuple[str, ...]
    new_page: bool = False  # start on a fresh page (part titles, table of contents)
    heading_style: str = "heading"  # "heading": left, 12 pt; "title": centred, 16 pt

    def __post_init__(self) -> None:
        if self.heading_style not in HEADING_STYLES:
            raise ValueError(f"section {self.heading!r}: heading_style must be one of {HEADING_STYLES}")


@dataclass(frozen=True)
class Disclosure:
    """A whole filing: cover lines, then sections and tables in document order."""

    cover_lines: tuple[str, ...]
    parts: tuple[Section | TableSpec, ...]
    page_numbers: bool = True  # print "- n -" at the foot of every page after the cover


@dataclass(frozen=True)
class LayoutSettings:
    """Every size the renderer uses, in PDF points (1/72 inch) unless the name says otherwise."""

    font_name: str = "STSong-Light"  # reportlab built-in CID font: no font file, pdfminer maps it to Unicode
    page_margin_pt: float = 50.0  # all four sides, portrait and landscape
    cover_font_pt: float = 22.0
    title_font_pt: float = 16.0  # table titles and part titles
    heading_font_pt: float = 12.0
    text_font_pt: float = 10.5
    label_font_pt: float = 10.5  # "表 3" above a table title
    unit_font_pt: float = 10.0  # "单位：万元" line
    table_font_pt: float = 9.0
    footer_font_pt: float = 9.0
    cover_top_ratio: float = 0.68  # the first cover line sits at about two thirds of the page height
    cover_leading: float = 1.8  # line height / font size on the cover
    title_leading: float = 1.8  # table and part titles
    heading_leading: float = 2.0  # section headings get a little air above and below
    caption_leading: float = 1.6  # the "表 3" label, the unit line and notes
    text_leading: float = 1.6  # narrative line height / font size, as in typical Word output
    table_leading: float = 1.2  # line height / font size inside a cell
    paragraph_indent_em: float = 2.0  # Chinese paragraphs indent the first line by two characters
    paragraph_gap_pt: float = 3.0
    cell_padding_pt: float = 3.0  # text never comes closer than this to a rule
    unruled_column_gap_pt: float = 8.0  # whitespace between columns of an unruled table
    min_row_height_pt: float = 18.0  # real filings rarely print rows lower than this
    rule_width_pt: float = 0.5
    title_gap_pt: float = 6.0  # space between the unit line and the grid


DEFAULT_LAYOUT = LayoutSettings()


def render_pdf(doc: Disclosure, path: Path, layout: LayoutSettings = DEFAULT_LAYOUT) -> None:
    """Write `doc` to `path` as a PDF; the file appears atomically and is byte-identical per model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One temporary name per process and thread, so parallel generators never share one; created by
    # reportlab with the usual umask (mkstemp would leave the PDF readable by its owner only).
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        _write_pdf(doc, str(tmp), layout)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_NUMERIC = re.compile(r"[-−(（]*\d[\d,.\-−()（）]*")


def looks_numeric(text: str) -> bool:
    """True for printed amounts and codes: digits with commas, dot, minus or parentheses."""
    return bool(_NUMERIC.fullmatch(text))


# --- model validation -----------------------------------------------------------------------


def _table_problems(spec: TableSpec) -> Iterable[str]:
    """Yield everything that is inconsistent in a table model."""
    n_cols = spec.n_cols
    if n_cols == 0 or any(w <= 0 for w in spec.col_widths):
        yield "col_widths must be positive, one per column"
    if spec.numeric_align not in ALIGNMENTS:
        yield f"numeric_align must be one of {ALIGNMENTS}"
    if spec.rule_style not in RULE_STYLES:
        yield f"rule_style must be one of {RULE_STYLES}"
    if spec.rule_set not in RULE_SETS:
        yield f"rule_set must be one of {RULE_SETS}"
    if any(cell.align not in ALIGNMENTS for cell in spec.header):
        yield f"header cell align must be one of {ALIGNMENTS}"
    if spec.col_aligns and (len(spec.col_aligns) != n_cols or any(a not in COLUMN_ALIGNMENTS for a in spec.col_aligns)):
        yield f"col_aligns must be empty or one of {COLUMN_ALIGNMENTS} per column"
    for i, row in enumerate(spec.rows):
        if len(row) != n_cols:
            yield f"body row {i} has {len(row)} cells, expected {n_cols}"
    yield from _coverage_problems(
        "header", [(c.row, c.col, c.rowspan, c.colspan) for c in spec.header], spec.n_header_rows, n_cols, True
    )
    yield from _coverage_problems(
        "body span", [(s.row, s.col, s.rowspan, s.colspan) for s in spec.body_spans], len(spec.rows), n_cols, False
    )
    for span in spec.body_spans:
        for r, c in _covered(span.row, span.col, span.rowspan, span.colspan):
            inside = r < len(spec.rows) and c < len(spec.rows[r])
            if inside and (r, c) != (span.row, span.col) and spec.rows[r][c]:
                yield f"body cell ({r}, {c}) is inside a span but holds {spec.rows[r][c]!r}"
    if any(not 0 < i < len(spec.rows) for i in spec.break_before):
        yield "break_before indices must point at body rows after the first"


def _coverage_problems(
    what: str, boxes: list[tuple[int, int, int, int]], n_rows: int, n_cols: int, must_cover: bool
) -> Iterable[str]:
    seen: set[tuple[int, int]] = set()
    for row, col, rowspan, colspan in boxes:
        if row < 0 or col < 0 or rowspan < 1 or colspan < 1 or col + colspan > n_cols or row + rowspan > n_rows:
            yield f"{what} at ({row}, {col}) lies outside the grid"
            continue
        cells = set(_covered(row, col, rowspan, colspan))
        if cells & seen:
            yield f"{what} at ({row}, {col}) overlaps another"
        seen |= cells
    if must_cover and len(seen) != n_rows * n_cols:
        yield f"{what} must cover each of its {n_rows} x {n_cols} positions once"


def _covered(row: int, col: int, rowspan: int, colspan: int) -> Iterable[tuple[int, int]]:
    return ((r, c) for r in range(row, row + rowspan) for c in range(col, col + colspan))


# --- text measuring and wrapping -------------------------------------------------------------

# A wrap unit never splits: an ASCII run (numbers like "3,375.67" or codes) or one other character,
# with opening brackets kept on the following unit and closing punctuation on the preceding one,
# the way Word and WPS break Chinese text.
_WRAP_UNIT = re.compile(r"[（《「『“‘]*(?:[!-~]+|[^!-~])[，。、；：？！）》」』”’,.;:?!)%]*", re.S)


@functools.cache
def _font(name: str) -> pdfmetrics.Font:
    """Register the CID font once per process; reportlab keeps a global registry."""
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return pdfmetrics.getFont(name)


@functools.cache
def _descent_em(font_name: str) -> float:
    """How far below the baseline pdfminer puts a glyph box, as a fraction of the font size."""
    return -_font(font_name).face.descent / 1000


def _wrap_text(text: str, width: float, font_pt: float, font_name: str, first_width: float | None = None) -> list[str]:
    """Break `text` into lines no wider than `width` (the first line `first_width`), by characters."""
    font = _font(font_name)
    lines: list[str] = []
    for piece in text.split("\n"):
        lines.extend(_wrap_piece(piece, font, font_pt, width, first_width if not lines else width))
    return lines


def _wrap_piece(text: str, font: pdfmetrics.Font, font_pt: float, width: float, first_width: float | None) -> list[str]:
    lines: list[str] = []
    current, used = "", 0.0
    limit = width if first_width is None else first_width
    for unit in _WRAP_UNIT.findall(text):
        unit_width = font.stringWidth(unit, font_pt)
        if current and used + unit_width > limit:
            lines.append(current)
            current, used, limit = "", 0.0, width
            if unit.isspace():
                continue  # a wrapped line never starts with the space it broke at
        while unit_width > limit and len(unit) > 1:
            # A unit wider than a whole line (a long number in a narrow cell) breaks by character.
            head, unit, unit_width = _split_to_width(unit, font, font_pt, limit)
            lines.append(head)
            limit = width
        current += unit
        used += unit_width
    if current or not lines:
        lines.append(current)
    return lines


def _split_to_width(unit: str, font: pdfmetrics.Font, font_pt: float, limit: float) -> tuple[str, str, float]:
    """Cut the longest prefix of `unit` that fits (at least one character); return it and the rest."""
    used = 0.0
    for i, char in enumerate(unit):
        used += font.stringWidth(char, font_pt)
        if used > limit and i > 0:
            rest = unit[i:]
            return unit[:i], rest, font.stringWidth(rest, font_pt)
    return unit, "", 0.0


# --- pages ------------------------------------------------------------------------------------


class _Pages:
    """The canvas plus a cursor: which page is open, its orientation and the free space left on it."""

    def __init__(self, canvas: Canvas, layout: LayoutSettings, numbered: bool) -> None:
        self.canvas = canvas
        self.layout = layout
        self.numbered = numbered
        self.count = 0
        self.is_open = False
        self.is_text_page = False  # narrative may continue on this page
        self.width, self.height = A4
        self.y = 0.0  # top of the free area
        self.font_pt: float | None = None  # the canvas font size now set, to skip redundant setFont calls

    @property
    def bottom(self) -> float:
        return self.layout.page_margin_pt

    @property
    def left(self) -> float:
        return self.layout.page_margin_pt

    @property
    def right(self) -> float:
        return self.width - self.layout.page_margin_pt

    @property
    def top(self) -> float:
        return self.height - self.layout.page_margin_pt

    def start(self, is_landscape: bool, is_text_page: bool) -> None:
        self.finish()
        self.width, self.height = landscape_size(A4) if is_landscape else A4
        self.canvas.setPageSize((self.width, self.height))
        self.count += 1
        self.is_open = True
        self.is_text_page = is_text_page
        self.y = self.top
        self.font_pt = None  # showPage resets the canvas graphics state

    def finish(self) -> None:
        if not self.is_open:
            return
        if self.numbered and self.count > 1:
            # The cover is page 0, as in printed filings where numbering starts after it.
            self.draw_line(
                f"- {self.count - 1} -", self.width / 2, self.bottom / 2, self.layout.footer_font_pt, "center"
            )
        self.canvas.showPage()
        self.is_open = False

    def draw_line(self, text: str, x: float, baseline: float, font_pt: float, align: str = "left") -> None:
        if font_pt != self.font_pt:
            self.canvas.setFont(self.layout.font_name, font_pt)
            self.font_pt = font_pt
        if align == "left":
            self.canvas.drawString(x, baseline, text)
        elif align == "right":
            self.canvas.drawRightString(x, baseline, text)
        else:
            self.canvas.drawCentredString(x, baseline, text)

    def baseline_in(self, line_top: float, line_height: float, font_pt: float) -> float:
        """Baseline that centres a glyph box of `font_pt` in a line box starting at `line_top`."""
        glyph_top = line_top - (line_height - font_pt) / 2
        return glyph_top - (1 - _descent_em(self.layout.font_name)) * font_pt


def _write_pdf(doc: Disclosure, filename: str, layout: LayoutSettings) -> None:
    _font(layout.font_name)
    # invariant=1 freezes the creation date and document id, so equal models give equal bytes.
    canvas = Canvas(filename, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(" ".join(doc.cover_lines))
    # The module's name before budgetml/synth/ existed: kept so that rendered PDFs (and filing ids) stay the same.
    canvas.setCreator("budgetml.render")
    pages = _Pages(canvas, layout, doc.page_numbers)
    _draw_cover(pages, doc.cover_lines)
    for part in doc.parts:
        if isinstance(part, TableSpec):
            _draw_table(pages, part)
        else:
            _draw_section(pages, part)
    pages.finish()
    canvas.save()


# --- cover and narrative ----------------------------------------------------------------------


def _draw_cover(pages: _Pages, cover_lines: Sequence[str]) -> None:
    layout = pages.layout
    pages.start(is_landscape=False, is_text_page=False)
    size = layout.cover_font_pt
    line_height = size * layout.cover_leading
    line_top = pages.height * layout.cover_top_ratio
    for line in cover_lines:
        for piece in _wrap_text(line, pages.right - pages.left, size, layout.font_name):
            pages.draw_line(piece, pages.width / 2, pages.baseline_in(line_top, line_height, size), size, "center")
            line_top -= line_height


def _draw_section(pages: _Pages, section: Section) -> None:
    layout = pages.layout
    if section.new_page or not pages.is_text_page:
        pages.start(is_landscape=False, is_text_page=True)
    if section.heading:
        _draw_heading(pages, section)
    size = layout.text_font_pt
    line_height = size * layout.text_leading
    width = pages.right - pages.left
    indent = layout.paragraph_indent_em * size
    for paragraph in section.paragraphs:
        lines = _wrap_text(paragraph, width, size, layout.font_name, first_width=width - indent)
        for i, line in enumerate(lines):
            if pages.y - line_height < pages.bottom:
                pages.start(is_landscape=False, is_text_page=True)
            baseline = pages.baseline_in(pages.y, line_height, size)
            pages.draw_line(line, pages.left + (indent if i == 0 else 0), baseline, size)
            pages.y -= line_height
        pages.y -= layout.paragraph_gap_pt


def _draw_heading(pages: _Pages, section: Section) -> None:
    layout = pages.layout
    is_title = section.heading_style == "title"
    size = layout.title_font_pt if is_title else layout.heading_font_pt
    line_height = size * (layout.title_leading if is_title else layout.heading_leading)
    width = pages.right - pages.left
    lines = _wrap_text(section.heading, width, size, layout.font_name)
    # Keep the heading with the first line of its text.
    needed = line_height * len(lines) + layout.text_font_pt * layout.text_leading
    if pages.y - needed < pages.bottom:
        pages.start(is_landscape=False, is_text_page=True)
    for line in lines:
        baseline = pages.baseline_in(pages.y, line_height, size)
        if is_title:
            pages.draw_line(line, pages.width / 2, baseline, size, "center")
        else:
            pages.draw_line(line, pages.left, baseline, size)
        pages.y -= line_height


# --- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Box:
    """One drawn cell (merged or not) in grid coordinates, with its wrapped lines."""

    lines: tuple[str, ...]
    row: int
    col: int
    rowspan: int
    colspan: int
    align: str


@dataclass(frozen=True)
class _Grid:
    """A table laid out for one page width: column edges, boxes and row heights."""

    col_x: tuple[float, ...]  # n_cols + 1 edges
    header_boxes: tuple[_Box, ...]
    header_heights: tuple[float, ...]
    body_boxes: tuple[_Box, ...]
    body_heights: tuple[float, ...]
    padding: float
    cut_allowed: tuple[bool, ...]  # cut_allowed[r]: a page may end before body row r


def _draw_table(pages: _Pages, spec: TableSpec) -> None:
    layout = _table_layout(pages.layout, spec)
    captions = spec.captions if spec.captions is not None else classic_captions(spec)
    if not _continues_page(pages, spec, captions, layout):
        pages.start(is_landscape=spec.landscape, is_text_page=False)
    _draw_captions(pages, captions)
    pages.y -= layout.title_gap_pt
    grid = _layout_grid(spec, pages.left, pages.right, layout)
    header_height = sum(grid.header_heights)
    repeat_height = header_height if spec.repeat_header else 0.0
    page_rows = _paginate(
        grid,
        set(spec.break_before),
        first_room=pages.y - pages.bottom - header_height,
        next_room=pages.top - pages.bottom - repeat_height,
        title=spec.title,
    )
    for i, rows in enumerate(page_rows):
        if i > 0:
            pages.start(is_landscape=spec.landscape, is_text_page=False)
        show_header = i == 0 or spec.repeat_header
        _draw_grid_page(pages, spec, grid, rows, show_header, layout)
    if spec.footer:
        _draw_footer(pages, spec)
    if spec.note:
        _draw_note(pages, spec.note, spec.landscape)


def classic_captions(spec: TableSpec) -> tuple[CaptionLine, ...]:
    """The title block most filings print: the label, the title, then the organisation left and the unit right."""
    lines = [CaptionLine(center=spec.label, size="label")] if spec.label else []
    lines.append(CaptionLine(center=spec.title, size="title"))
    if spec.unit or spec.org_line:
        lines.append(CaptionLine(left=spec.org_line or "", right=f"{spec.unit_prefix}{spec.unit}" if spec.unit else ""))
    return tuple(lines)


def _table_layout(layout: LayoutSettings, spec: TableSpec) -> LayoutSettings:
    return layout if spec.font_pt is None else replace(layout, table_font_pt=spec.font_pt)


def _caption_size(layout: LayoutSettings, line: CaptionLine) -> tuple[float, float]:
    """Font size and line height of a caption line."""
    if line.size == "title":
        return layout.title_font_pt, layout.title_font_pt * layout.title_leading
    size = layout.label_font_pt if line.size == "label" else layout.unit_font_pt
    return size, size * layout.caption_leading


def _captions_height(pages: _Pages, captions: Sequence[CaptionLine]) -> float:
    height = 0.0
    for line in captions:
        size, line_height = _caption_size(pages.layout, line)
        n = (
            len(_wrap_text(line.center, pages.right - pages.left, size, pages.layout.font_name))
            if line.size == "title"
            else 1
        )
        height += n * line_height
    return height


def _draw_captions(pages: _Pages, captions: Sequence[CaptionLine]) -> None:
    layout = pages.layout
    for line in captions:
        size, line_height = _caption_size(layout, line)
        if line.size == "title":
            for piece in _wrap_text(line.center, pages.right - pages.left, size, layout.font_name):
                pages.draw_line(piece, pages.width / 2, pages.baseline_in(pages.y, line_height, size), size, "center")
                pages.y -= line_height
            continue
        baseline = pages.baseline_in(pages.y, line_height, size)
        for text, x, align in ((line.left, pages.left, "left"), (line.center, pages.width / 2, "center")):
            if text:
                pages.draw_line(text, x, baseline, size, align)
        if line.right:
            pages.draw_line(line.right, pages.right, baseline, size, "right")
        pages.y -= line_height


def _continues_page(pages: _Pages, spec: TableSpec, captions: Sequence[CaptionLine], layout: LayoutSettings) -> bool:
    """A table that may share a page starts below the previous table when its title, header and first row fit."""
    same_orientation = (pages.width > pages.height) == spec.landscape
    if spec.new_page or not pages.is_open or pages.is_text_page or not same_orientation:
        return False
    grid = _layout_grid(spec, pages.left, pages.right, layout)
    gap = layout.title_font_pt * layout.title_leading  # one empty title line between the two tables
    needed = gap + _captions_height(pages, captions) + layout.title_gap_pt + sum(grid.header_heights)
    needed += grid.body_heights[0] if grid.body_heights else 0.0
    if pages.y - needed < pages.bottom:
        return False
    pages.y -= gap
    return True


def page_width_pt(is_landscape: bool) -> float:
    """The width of an A4 page in portrait or landscape."""
    return (landscape_size(A4) if is_landscape else A4)[0]


def text_width_pt(text: str, font_pt: float, layout: LayoutSettings = DEFAULT_LAYOUT) -> float:
    """The printed width of a line of text, for callers that arrange captions."""
    return _font(layout.font_name).stringWidth(text, font_pt)


def numbers_fit(spec: TableSpec, layout: LayoutSettings = DEFAULT_LAYOUT) -> bool:
    """True when every numeric body cell fits its column on one line (none is broken by character)."""
    layout = _table_layout(layout, spec)
    width = page_width_pt(spec.landscape)
    col_x = _column_edges(spec.col_widths, layout.page_margin_pt, width - layout.page_margin_pt)
    needs = numeric_widths_pt(spec, layout)
    return all(need <= col_x[c + 1] - col_x[c] for c, need in enumerate(needs))


_FIT_SLACK_PT = 1.0  # column edges are scaled floats: a number exactly as wide as its cell could still wrap


def numeric_widths_pt(spec: TableSpec, layout: LayoutSettings = DEFAULT_LAYOUT) -> tuple[float, ...]:
    """Per column, the width its widest printed number needs with the cell padding (0 for text-only columns)."""
    layout = _table_layout(layout, spec)
    padding = _padding(spec, layout)
    needs = [0.0] * spec.n_cols
    for row in spec.rows:
        for c, text in enumerate(row):
            if text and looks_numeric(unicodedata.normalize("NFKC", text)):
                needs[c] = max(
                    needs[c], text_width_pt(text, layout.table_font_pt, layout) + 2 * padding + _FIT_SLACK_PT
                )
    return tuple(needs)


def _padding(spec: TableSpec, layout: LayoutSettings) -> float:
    return layout.cell_padding_pt if spec.ruled else max(layout.cell_padding_pt, layout.unruled_column_gap_pt / 2)


def _layout_grid(spec: TableSpec, left: float, right: float, layout: LayoutSettings) -> _Grid:
    padding = _padding(spec, layout)
    col_x = _column_edges(spec.col_widths, left, right)
    header_boxes = tuple(_header_boxes(spec, col_x, padding, layout))
    body_boxes = tuple(_body_boxes(spec, col_x, padding, layout))
    return _Grid(
        col_x=col_x,
        header_boxes=header_boxes,
        header_heights=_row_heights(header_boxes, spec.n_header_rows, padding, layout),
        body_boxes=body_boxes,
        body_heights=_row_heights(body_boxes, len(spec.rows), padding, layout),
        padding=padding,
        cut_allowed=_cuts_allowed(spec),
    )


def _column_edges(widths: Sequence[float], left: float, right: float) -> tuple[float, ...]:
    scale = (right - left) / sum(widths)
    edges = [left]
    for w in widths:
        edges.append(edges[-1] + w * scale)
    edges[-1] = right  # no float drift at the right border
    return tuple(edges)


def _header_boxes(spec: TableSpec, col_x: Sequence[float], padding: float, layout: LayoutSettings) -> Iterable[_Box]:
    for cell in spec.header:
        width = col_x[cell.col + cell.colspan] - col_x[cell.col] - 2 * padding
        lines = _wrap_text(cell.text, width, layout.table_font_pt, layout.font_name)
        yield _Box(tuple(lines), cell.row, cell.col, cell.rowspan, cell.colspan, cell.align)


def _body_boxes(spec: TableSpec, col_x: Sequence[float], padding: float, layout: LayoutSettings) -> Iterable[_Box]:
    spans = {(s.row, s.col): s for s in spec.body_spans}
    hidden = {
        pos for s in spec.body_spans for pos in _covered(s.row, s.col, s.rowspan, s.colspan) if pos != (s.row, s.col)
    }
    for r, row in enumerate(spec.rows):
        for c, text in enumerate(row):
            if (r, c) in hidden:
                continue
            span = spans.get((r, c), BodySpan(r, c))
            width = col_x[c + span.colspan] - col_x[c] - 2 * padding
            lines = _wrap_text(text, width, layout.table_font_pt, layout.font_name) if text else []
            yield _Box(tuple(lines), r, c, span.rowspan, span.colspan, _cell_align(spec, c, text))


def _cell_align(spec: TableSpec, col: int, text: str) -> str:
    chosen = spec.col_aligns[col] if spec.col_aligns else "auto"
    if chosen != "auto":
        return chosen
    return spec.numeric_align if looks_numeric(text) else "left"


def _row_heights(boxes: Sequence[_Box], n_rows: int, padding: float, layout: LayoutSettings) -> tuple[float, ...]:
    """Each row is as tall as its tallest one-row cell; a merged cell too tall for its rows stretches the last one."""
    heights = [layout.min_row_height_pt] * n_rows
    for box in sorted(boxes, key=lambda b: b.rowspan):
        needed = _text_block_height(len(box.lines), layout) + 2 * padding
        spanned = range(box.row, box.row + box.rowspan)
        shortfall = needed - sum(heights[r] for r in spanned)
        if shortfall > 0:
            heights[spanned[-1]] += shortfall
    return tuple(heights)


def _text_block_height(n_lines: int, layout: LayoutSettings) -> float:
    if n_lines == 0:
        return 0.0
    size = layout.table_font_pt
    return size + (n_lines - 1) * size * layout.table_leading


def _cuts_allowed(spec: TableSpec) -> tuple[bool, ...]:
    """A page may not end inside a vertically merged body cell."""
    allowed = [True] * (len(spec.rows) + 1)
    for span in spec.body_spans:
        for r in range(span.row + 1, span.row + span.rowspan):
            allowed[r] = False
    return tuple(allowed)


def _paginate(grid: _Grid, breaks: set[int], first_room: float, next_room: float, title: str) -> list[range]:
    """Split body rows into per-page ranges: fill each page, honour forced breaks, never cut a merged cell."""
    heights = grid.body_heights
    pages: list[range] = []
    start, used, room = 0, 0.0, first_room
    r = 0
    while r < len(heights):
        forced = r > start and r in breaks and grid.cut_allowed[r]
        if not forced and used + heights[r] <= room:
            used += heights[r]
            r += 1
            continue
        cut = r if forced else next((c for c in range(r, start, -1) if grid.cut_allowed[c]), start)
        if cut == start:
            raise ValueError(f"table {title!r}: body row {r} (with its merged rows) is taller than a page")
        pages.append(range(start, cut))
        start, r, used, room = cut, cut, 0.0, next_room
    pages.append(range(start, len(heights)))
    return pages


def _draw_grid_page(
    pages: _Pages, spec: TableSpec, grid: _Grid, rows: range, show_header: bool, layout: LayoutSettings
) -> None:
    placed: list[tuple[_Box, float, float]] = []  # box, top y, bottom y
    top = y = pages.y
    if show_header:
        edges = _row_edges(y, grid.header_heights, first_row=0)
        placed += [(b, edges[b.row], edges[b.row + b.rowspan]) for b in grid.header_boxes]
        y = edges[len(grid.header_heights)]
    header_bottom = y
    edges = _row_edges(y, grid.body_heights[rows.start : rows.stop], first_row=rows.start)
    placed += [(b, edges[b.row], edges[b.row + b.rowspan]) for b in grid.body_boxes if b.row in rows]
    y = edges[rows.stop]
    for box, box_top, box_bottom in placed:
        _draw_box_text(pages, grid, box, box_top, box_bottom, layout)
    if spec.ruled:
        segments = _rule_segments(grid, placed, bottom=y)
        width = layout.rule_width_pt
        if spec.rule_set == "grid":
            _draw_rules(pages.canvas, segments, spec.rule_style, width)
        elif spec.rule_set == "horizontal":
            _draw_rules(pages.canvas, [s for s in segments if s[1] == s[3]], spec.rule_style, width)
        else:  # 三线表: heavier rules above the header and under the last row, a light one under the header
            outer = [s for s in segments if s[1] == s[3] and s[1] in (top, y)]
            middle = [s for s in segments if s[1] == s[3] and s[1] == header_bottom and s[1] not in (top, y)]
            _draw_rules(pages.canvas, outer, spec.rule_style, 2 * width)
            _draw_rules(pages.canvas, middle, spec.rule_style, width)
    pages.y = y


def _row_edges(top: float, heights: Sequence[float], first_row: int) -> dict[int, float]:
    """The y of each row's top edge, and of the bottom edge after the last row, keyed by row index."""
    edges = {first_row: top}
    for i, h in enumerate(heights):
        top -= h
        edges[first_row + i + 1] = top
    return edges


def _draw_box_text(pages: _Pages, grid: _Grid, box: _Box, top: float, bottom: float, layout: LayoutSettings) -> None:
    size = layout.table_font_pt
    line_height = size * layout.table_leading
    block_top = top - (top - bottom - _text_block_height(len(box.lines), layout)) / 2
    x0, x1 = grid.col_x[box.col], grid.col_x[box.col + box.colspan]
    x = {"left": x0 + grid.padding, "right": x1 - grid.padding, "center": (x0 + x1) / 2}[box.align]
    for i, line in enumerate(box.lines):
        # Line i's glyph box starts i leadings below the block top.
        baseline = block_top - i * line_height - (1 - _descent_em(layout.font_name)) * size
        pages.draw_line(line, x, baseline, size, box.align)


def _rule_segments(
    grid: _Grid, placed: Sequence[tuple[_Box, float, float]], bottom: float
) -> list[tuple[float, float, float, float]]:
    """Every cell contributes its top and left edge, the last column its right and the last row its bottom.

    Each printed rule is thus drawn once and never crosses a merged cell.
    """
    right_edge = grid.col_x[-1]
    segments = []
    for box, top, box_bottom in placed:
        x0, x1 = grid.col_x[box.col], grid.col_x[box.col + box.colspan]
        segments.append((x0, top, x1, top))
        segments.append((x0, box_bottom, x0, top))
        if x1 == right_edge:
            segments.append((x1, box_bottom, x1, top))
        if box_bottom == bottom:  # same float: both come from one _row_edges pass
            segments.append((x0, box_bottom, x1, box_bottom))
    return segments


def _draw_rules(
    canvas: Canvas, segments: Sequence[tuple[float, float, float, float]], style: str, width: float
) -> None:
    if style == "line":
        canvas.setLineWidth(width)
        canvas.setLineCap(2)  # square caps close the corners where two segments meet
        canvas.lines(segments)
        return
    half = width / 2
    for x0, y0, x1, y1 in segments:
        canvas.rect(x0 - half, y0 - half, x1 - x0 + width, y1 - y0 + width, stroke=0, fill=1)


def _draw_footer(pages: _Pages, spec: TableSpec) -> None:
    """Caption lines under the grid (a unit line printed below the table), on a new page when there is no room."""
    pages.y -= pages.layout.title_gap_pt
    if pages.y - _captions_height(pages, spec.footer) < pages.bottom:
        pages.start(is_landscape=spec.landscape, is_text_page=False)
    _draw_captions(pages, spec.footer)


def _draw_note(pages: _Pages, note: str, is_landscape: bool) -> None:
    layout = pages.layout
    size = layout.text_font_pt
    line_height = size * layout.caption_leading
    pages.y -= layout.title_gap_pt
    for line in _wrap_text(note, pages.right - pages.left, size, layout.font_name):
        if pages.y - line_height < pages.bottom:
            pages.start(is_landscape=is_landscape, is_text_page=False)
        pages.draw_line(line, pages.left, pages.baseline_in(pages.y, line_height, size), size)
        pages.y -= line_height

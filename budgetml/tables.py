"""Reconstruct table grids from page geometry: ruled grids from edges, unruled ones from whitespace.

Geometry only: nothing here knows about budgets, except that a caption line (`单位：万元`,
`编制部门：…`, `注：…`, see budgetml/captions.py) is never part of an unruled table. The steps read
from the function names: chars_to_lines → edges_to_rules → rules_to_components → component_to_grid
(ruled) and lines_to_blocks → block_to_grid (unruled), then page_to_grids puts them in reading order.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, replace
from operator import attrgetter

from budgetml.captions import is_caption_line
from budgetml.normalise import fold
from budgetml.records import Cell, Char, Edge, Grid, Page, TextLine


@dataclass(frozen=True)
class TableSettings:
    """Every tuning knob of table reconstruction, in PDF points unless named otherwise."""

    snap_pt: float = 2.0  # rules this close are one rule (1-pt filled rects drawn edge to edge)
    join_pt: float = 3.0  # collinear rule pieces with a gap this small are one rule
    cover_pt: float = 2.5  # a border counts as drawn when a rule covers it up to this slack
    line_overlap: float = 0.5  # chars share a line when they overlap vertically by this share of height
    space_gap_em: float = 0.3  # a horizontal gap of this many font sizes prints as a space
    column_gap_em: float = 0.9  # a gap this wide (in font sizes) separates unruled columns
    min_rows: int = 2  # an unruled table needs at least this many lines with numbers …
    min_numbers_single_row: int = 3  # … or one line with this many numbers (a one-row 三公 table)
    min_unruled_cols: int = 2  # a single column of lines with numbers is prose (a wrapped paragraph), not a table
    max_row_gap_em: float = 3.0  # a vertical gap this large (in font sizes) ends an unruled table
    max_text_rows: int = 2  # this many text lines that fit no column, in a row, end an unruled table
    max_header_gap_em: float = 2.5  # an unruled header line sits at most this far above the line below it …
    max_header_gap_rows: float = 1.5  # … or this many body row pitches, when rows are set taller than the type
    wrap_gap_em: float = 0.3  # lines closer than this belong to one wrapped cell, not to two rows
    piece_gap_em: float = 0.5  # wider than a space between words: two cells' texts (cell padding is wider)
    min_gutter_em: float = 0.45  # a strip this wide that no body text crosses in any row separates two columns
    size_tolerance: float = 0.15  # a line set in type this much larger or smaller is no row of the table
    centre_tolerance_em: float = 0.2  # a group header is centred on its columns to within this (header type size)


SETTINGS = TableSettings()

_AMOUNT = re.compile(r"^[\(（\-－]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?[\)）]?$")


def looks_numeric(text: str) -> bool:
    """A cell that prints a plain number (amount, code or count) — the geometry-level notion of 'data'."""
    return bool(_AMOUNT.match(text.replace(" ", "")))


# ---------------------------------------------------------------- text lines


def chars_to_lines(chars: list[Char], settings: TableSettings = SETTINGS) -> list[TextLine]:
    """Group characters into lines by vertical overlap, ordered top to bottom, left to right."""
    return [chars_to_line(sorted(row, key=attrgetter("x0")), settings) for row in group_line_chars(chars, settings)]


def group_line_chars(chars: list[Char], settings: TableSettings = SETTINGS) -> list[list[Char]]:
    """Characters bucketed into lines: a char joins the current line when it overlaps it vertically enough.

    The line's first character is its reference. Written with comparisons rather than min/max calls: every
    character of a page passes here, once for the page's lines and once for its cells.
    """
    rows: list[list[Char]] = []
    share = settings.line_overlap
    ref_top = ref_bottom = ref_height = 0.0
    for char in sorted(chars, key=line_order):
        top, bottom = char.top, char.bottom
        if rows:
            overlap = (ref_bottom if ref_bottom < bottom else bottom) - (ref_top if ref_top > top else top)
            height = bottom - top
            if overlap >= share * (ref_height if ref_height < height else height):
                rows[-1].append(char)
                continue
        rows.append([char])
        ref_top, ref_bottom, ref_height = top, bottom, bottom - top
    return rows


def line_order(char: Char) -> tuple[float, float]:
    """Top to bottom (to a tenth of a point), then left to right."""
    return round(char.top, 1), char.x0


def chars_to_line(chars: list[Char], settings: TableSettings = SETTINGS) -> TextLine:
    """Join characters already on one line; a visible gap becomes a single space."""
    first = chars[0]
    parts = [first.text]
    x0, top, x1, bottom, size = first.x0, first.top, first.x1, first.bottom, first.size
    gap_em = settings.space_gap_em
    prev_x1, prev_size = x1, size
    for char in chars[1:]:  # one pass for the text and the line's box
        char_size = char.size
        if char.x0 - prev_x1 > gap_em * (prev_size if prev_size > char_size else char_size):
            parts.append(" ")
        parts.append(char.text)
        if char.x0 < x0:
            x0 = char.x0
        if char.top < top:
            top = char.top
        if char.x1 > x1:
            x1 = char.x1
        if char.bottom > bottom:
            bottom = char.bottom
        if char_size > size:
            size = char_size
        prev_x1, prev_size = char.x1, char_size
    return TextLine(text="".join(parts), x0=x0, top=top, x1=x1, bottom=bottom, size=size)


def line_to_segments(chars: list[Char], settings: TableSettings = SETTINGS) -> list[TextLine]:
    """Split one line's characters at gaps wide enough to separate table columns.

    A narrower gap also separates columns when it stands between an amount and text
    ("3,375.67 一、一般公共服务支出": a right-aligned number next to a left-aligned label).
    """
    chars = sorted(chars, key=attrgetter("x0"))
    groups = [[chars[0]]]
    for prev, char in zip(chars, chars[1:]):
        gap = char.x0 - prev.x1
        size = max(prev.size, char.size)
        if (
            gap > settings.column_gap_em * size
            or gap > settings.space_gap_em * size
            and is_amount_boundary(groups[-1], char, chars)
        ):
            groups.append([char])
        else:
            groups[-1].append(char)
    return [chars_to_line(group, settings) for group in groups]


_DECIMAL_AMOUNT = re.compile(r"^-?[\d,]+\.\d+$")


def is_amount_boundary(left: list[Char], right: Char, chars: list[Char]) -> bool:
    """Does a space between `left` (so far) and `right` end an amount, or start one?"""
    word = "".join(c.text for c in left).split(" ")[-1]
    if _DECIMAL_AMOUNT.match(word):
        return True
    start = chars.index(right)
    following = []
    for prev, char in zip(chars[start:], chars[start + 1 :]):
        following.append(prev.text)
        if char.x0 - prev.x1 > SETTINGS.space_gap_em * max(prev.size, char.size):
            break
    else:
        following.append(chars[-1].text)
    return bool(_DECIMAL_AMOUNT.match("".join(following))) and not word[-1:].isdigit()


def join_wrapped(lines: list[str]) -> str:
    """Join the lines of a wrapped cell: CJK text joins directly, Latin words keep a space."""
    text = ""
    for line in lines:
        if text and text[-1].isascii() and text[-1].isalpha() and line[:1].isascii() and line[:1].isalpha():
            text += " "
        text += line
    return text


# ---------------------------------------------------------------- ruled grids


@dataclass(frozen=True)
class Rule:
    """A merged ruling line: `pos` is its y (horizontal) or x (vertical); it runs from `start` to `end`.

    `joints` are where two drawn pieces of it meet end to end: a border drawn cell by cell breaks there,
    at the edge between two cells.
    """

    pos: float
    start: float
    end: float
    joints: tuple[float, ...] = ()


def edges_to_rules(edges: tuple[Edge, ...], settings: TableSettings = SETTINGS) -> tuple[list[Rule], list[Rule]]:
    """Snap and join edges into horizontal and vertical rules."""
    horizontal = [((e.top + e.bottom) / 2, e.x0, e.x1) for e in edges if e.is_horizontal]
    vertical = [((e.x0 + e.x1) / 2, e.top, e.bottom) for e in edges if not e.is_horizontal]
    return merge_segments(horizontal, settings), merge_segments(vertical, settings)


def merge_segments(segments: list[tuple[float, float, float]], settings: TableSettings) -> list[Rule]:
    """Cluster segments by position, then join overlapping or nearly touching pieces."""
    rules: list[Rule] = []
    for cluster in cluster_by_position(segments, settings.snap_pt):
        pos = sum(s[0] for s in cluster) / len(cluster)
        pieces = sorted((s[1], s[2]) for s in cluster)
        start, end = pieces[0]
        joints: list[float] = []
        for a, b in pieces[1:]:
            if a <= end + settings.join_pt:
                if a >= end - settings.join_pt and b > end + settings.join_pt:
                    joints.append((a + end) / 2)  # one piece ends where the next begins: a cell border
                end = max(end, b)
            else:
                rules.append(Rule(pos, start, end, tuple(joints)))
                start, end, joints = a, b, []
        rules.append(Rule(pos, start, end, tuple(joints)))
    return rules


def cluster_by_position(
    segments: list[tuple[float, float, float]], snap: float
) -> list[list[tuple[float, float, float]]]:
    clusters: list[list[tuple[float, float, float]]] = []
    for seg in sorted(segments):
        if clusters and seg[0] - clusters[-1][-1][0] <= snap:
            clusters[-1].append(seg)
        else:
            clusters.append([seg])
    return clusters


def rules_to_components(
    horizontal: list[Rule], vertical: list[Rule], settings: TableSettings = SETTINGS
) -> list[tuple[list[Rule], list[Rule]]]:
    """Group rules that touch each other into separate table frames."""
    parent = list(range(len(horizontal) + len(vertical)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    slack = settings.cover_pt
    for i, h in enumerate(horizontal):
        for j, v in enumerate(vertical):
            if h.start - slack <= v.pos <= h.end + slack and v.start - slack <= h.pos <= v.end + slack:
                parent[find(i)] = find(len(horizontal) + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = defaultdict(lambda: ([], []))
    for i, h in enumerate(horizontal):
        groups[find(i)][0].append(h)
    for j, v in enumerate(vertical):
        groups[find(len(horizontal) + j)][1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def positions(rules: list[Rule], snap: float) -> list[float]:
    """Distinct rule positions, nearby ones merged."""
    found: list[float] = []
    for pos in sorted(r.pos for r in rules):
        if not found or pos - found[-1] > snap:
            found.append(pos)
    return found


def rules_at(rules: list[Rule], pos: float, snap: float) -> list[Rule]:
    """The rules within `snap` of the position `pos`."""
    return [r for r in rules if abs(r.pos - pos) <= snap]


def is_covered(rules: list[Rule], pos: float, start: float, end: float, settings: TableSettings) -> bool:
    """True when some rule at `pos` runs along [start, end] (a drawn border)."""
    return any(
        abs(r.pos - pos) <= settings.snap_pt
        and r.start <= start + settings.cover_pt
        and r.end >= end - settings.cover_pt
        for r in rules
    )


def component_to_cells(
    horizontal: list[Rule], vertical: list[Rule], settings: TableSettings = SETTINGS
) -> tuple[list[float], list[float], list[tuple[int, int, int, int]]]:
    """Elementary cells between all rule positions, merged where a border is not drawn.

    Returns the x and y positions and each cell as (row, col, rowspan, colspan).
    """
    xs = positions(vertical, settings.snap_pt)
    ys = positions(horizontal, settings.snap_pt)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # The rules standing at each position, found once (a grid asks about every cell's borders).
    vertical_at = [rules_at(vertical, x, settings.snap_pt) for x in xs]
    horizontal_at = [rules_at(horizontal, y, settings.snap_pt) for y in ys]
    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not is_covered(vertical_at[c + 1], xs[c + 1], ys[r], ys[r + 1], settings):
                parent[find(r * n_cols + c)] = find(r * n_cols + c + 1)
            if r + 1 < n_rows and not is_covered(horizontal_at[r + 1], ys[r + 1], xs[c], xs[c + 1], settings):
                parent[find(r * n_cols + c)] = find((r + 1) * n_cols + c)
    spans: dict[int, list[int]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            root = find(r * n_cols + c)
            if root in spans:
                s = spans[root]
                s[0], s[1], s[2], s[3] = min(s[0], r), min(s[1], c), max(s[2], r), max(s[3], c)
            else:
                spans[root] = [r, c, r, c]
    cells = [(r0, c0, r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in spans.values()]
    return xs, ys, sorted(cells)


def fill_cells(
    xs: list[float], ys: list[float], spans: list[tuple[int, int, int, int]], chars: list[Char]
) -> tuple[list[Cell], list[Char]]:
    """Put each character in the cell holding its centre; returns the cells and the characters outside."""
    owner: dict[tuple[int, int], int] = {}
    for k, (r, c, rs, cs) in enumerate(spans):
        for i in range(r, r + rs):
            for j in range(c, c + cs):
                owner[(i, j)] = k
    members: list[list[Char]] = [[] for _ in spans]
    outside: list[Char] = []
    for char in chars:
        cx, cy = (char.x0 + char.x1) / 2, (char.top + char.bottom) / 2
        j = bisect.bisect_right(xs, cx) - 1
        i = bisect.bisect_right(ys, cy) - 1
        if 0 <= i < len(ys) - 1 and 0 <= j < len(xs) - 1:
            members[owner[(i, j)]].append(char)
        else:
            outside.append(char)
    cells = []
    for (r, c, rs, cs), found in zip(spans, members):
        text = join_wrapped([line.text for line in chars_to_lines(found)]) if found else ""
        cells.append(Cell(r, c, rs, cs, text.strip(), (xs[c], ys[r], xs[c + cs], ys[r + rs])))
    return cells, outside


def drop_empty_rows(cells: list[Cell], n_rows: int) -> tuple[list[Cell], int]:
    """Remove grid rows where nothing is printed and no cell starts (artefacts of double rules)."""
    used = {r for cell in cells if cell.text for r in range(cell.row, cell.row + cell.rowspan)}
    starts = {cell.row for cell in cells}
    keep = [
        r for r in range(n_rows) if r in used or (r in starts and any(c.row == r and c.rowspan == 1 for c in cells))
    ]
    remap = {old: new for new, old in enumerate(keep)}
    out = []
    for cell in cells:
        rows = [remap[r] for r in range(cell.row, cell.row + cell.rowspan) if r in remap]
        if rows:
            out.append(Cell(rows[0], cell.col, len(rows), cell.colspan, cell.text, cell.bbox))
    return out, len(keep)


# ---------------------------------------------------------------- grids without vertical rules
#
# Unruled tables, 三线表 (rules above and below the header and under the last row) and tables ruled
# horizontally only share one reading: rows from the line spacing (a rule between two lines always
# parts them), columns from alignment. A column boundary is a vertical strip no body text crosses in
# any row of the table, so a cell left blank in one row is still placed by the other rows; a header
# cell with nothing below it names a column even where the body prints nothing under it; a border
# drawn cell by cell breaks at the column edges (rule joints). A continuation printed without its
# header keeps the columns of the part it continues.


class PrintedLine(namedtuple("PrintedLine", (*TextLine._fields, "chars", "pieces", "segments"))):
    """One text line outside the ruled grids: TextLine's fields for the whole line (its text is the free text,
    column gaps as two spaces), its characters left to right, the pieces a table reads (split at every gap wider
    than the space between words of one cell) and its segments (split at column-wide gaps only)."""

    __slots__ = ()


@dataclass(frozen=True)
class Region:
    """Lines of a page that form one table: lines[start:body_start] are its header, lines[body_start:end] its body."""

    start: int
    body_start: int
    end: int


def chars_to_printed_lines(chars: list[Char], settings: TableSettings = SETTINGS) -> list[PrintedLine]:
    """The page's text lines, top to bottom, each with its table pieces and free-text segments."""
    found = []
    for row in group_line_chars(chars, settings):
        row = sorted(row, key=attrgetter("x0"))
        segments = tuple(line_to_segments(row, settings))
        found.append(
            PrintedLine(
                "  ".join(s.text for s in segments),
                row[0].x0,
                min(c.top for c in row),
                max(c.x1 for c in row),
                max(c.bottom for c in row),
                max(c.size for c in row),
                tuple(row),
                tuple(line_to_pieces(row, settings)),
                segments,
            )
        )
    return found


def line_to_pieces(chars: list[Char], settings: TableSettings = SETTINGS) -> list[TextLine]:
    """Split a line wherever the gap is wider than a space inside one cell (two cells never print closer),
    and at a space between an amount and a word (an amount squeezed against the next column's label)."""
    groups = [[chars[0]]]
    for prev, char in zip(chars, chars[1:]):
        gap, size = char.x0 - prev.x1, max(prev.size, char.size)
        if gap > settings.piece_gap_em * size or gap > settings.space_gap_em * size and ends_amount(groups[-1], char):
            groups.append([char])
        else:
            groups[-1].append(char)
    return [chars_to_line(group, settings) for group in groups]


def ends_amount(group: list[Char], char: Char) -> bool:
    """Does the piece so far end with an amount (decimals printed) that `char`, not a digit, does not continue?"""
    word = fold("".join(c.text for c in group)).split(" ")[-1]
    return bool(_DECIMAL_AMOUNT.match(word)) and not fold(char.text).isdigit()


def is_data_line(line: PrintedLine) -> bool:
    """A line that prints at least one number; a wrapped row may carry its numbers on a line of their own."""
    return any(looks_numeric(fold(p.text)) for p in line.pieces)


def prints_zero_mark(line: PrintedLine) -> bool:
    """A line with a cell printing a dash (a zero): a body row, never a header line."""
    return any(fold(p.text).strip() in ("-", "—", "–") for p in line.pieces)


def is_caption_row(line: PrintedLine) -> bool:
    """A line printing a caption (`部门：…  金额单位：万元`) or a note: around a table, never in it."""
    return is_caption_line(line.text)


def same_size(line: PrintedLine, size: float, settings: TableSettings = SETTINGS) -> bool:
    """Printed in the table's type: a title, a heading or a page's running text set larger is not a table row."""
    return abs(line.size - size) <= settings.size_tolerance * size


def is_tight(upper: PrintedLine, lower: PrintedLine, settings: TableSettings = SETTINGS) -> bool:
    """Lines set tighter than the cell padding belong to one cell (a label wrapped around its numbers)."""
    return lower.top - upper.bottom < settings.wrap_gap_em * max(upper.size, lower.size)


@dataclass(frozen=True)
class Alignment:
    """Where a table's texts line up (rounded x): labels start on `text_lefts`, numbers start on
    `number_lefts` (codes) or end on `number_rights` (amounts and the dashes printed for zero)."""

    text_lefts: frozenset[int]
    number_lefts: frozenset[int]
    number_rights: frozenset[int]


def alignments(lines: list[PrintedLine]) -> Alignment:
    """The alignment lines of a table's body lines."""
    text, numbers = [], []
    for line in lines:
        for p in line.pieces:
            (numbers if is_number_or_dash(p.text) else text).append(p)
    return Alignment(
        frozenset(round(p.x0) for p in text),
        frozenset(round(p.x0) for p in numbers),
        frozenset(round(p.x1) for p in numbers),
    )


def is_number_or_dash(text: str) -> bool:
    folded = fold(text).strip()
    return looks_numeric(folded) or folded in ("-", "—", "–")


def fits_alignment(line: PrintedLine, aligned: Alignment) -> bool:
    """A line without numbers that belongs to the table: each label starts where the table's labels start,
    each number or dash starts or ends where its numbers do (a row whose amounts are blank or print a dash),
    unlike a note, or a header whose cells are centred."""

    def near(x: float, edges: frozenset[int]) -> bool:
        return any(abs(x - e) <= 1 for e in edges)

    return all(
        near(p.x0, aligned.number_lefts) or near(p.x1, aligned.number_rights)
        if is_number_or_dash(p.text)
        else near(p.x0, aligned.text_lefts)
        for p in line.pieces
    )


def rule_between(upper: float, lower: float, rules: list[Rule], x0: float, x1: float) -> bool:
    """Is a rule drawn across [x0, x1] between the heights upper and lower?"""
    return any(upper - 1 <= r.pos <= lower + 1 and r.start < x1 and r.end > x0 for r in rules)


def lines_to_regions(
    lines: list[PrintedLine],
    rules: list[Rule],
    carried: tuple[float, ...] | None = None,
    settings: TableSettings = SETTINGS,
) -> list[Region]:
    """The tables among a page's lines: runs of lines with numbers, their blank rows and their headers; and
    headers printed between rules with no body (an empty table). `carried`: the column edges of the table the
    page before ended with."""
    regions: list[Region] = []
    floor = 0
    i = 0
    while i < len(lines):
        if not is_data_line(lines[i]) or is_caption_row(lines[i]):
            i += 1
            continue
        end = body_end(lines, i, settings)
        numbers = [sum(1 for p in lines[k].pieces if looks_numeric(fold(p.text))) for k in range(i, end)]
        start, body_start = header_top(
            lines, body_top(lines, i, end, floor, rules, settings), end, floor, rules, settings
        )
        # A table continued at the top of the page without its header: its lines fit the columns of the page
        # before's last table, and the rows above its first number sit on the body's alignment lines (blank
        # amounts), unlike a repeated header's centred cells.
        fits_carried = bool(
            start == 0
            and carried
            and carried_edges([(p.x0, p.x1) for ln in lines[:end] for p in ln.pieces], carried) is not None
        )
        if fits_carried and all(fits_alignment(lines[k], alignments(lines[body_start:end])) for k in range(body_start)):
            start = body_start = 0
        # One line with numbers is a table when it prints several, when it sits under a header of several
        # cells (a one-row 三公 table whose zeros print blank), or when it ends the blank rows a table
        # continued at the top of the page starts with.
        several = len(lines[i].pieces) >= 2
        has_header = several and any(len(lines[k].pieces) >= 2 for k in range(start, body_start))
        continued = several and start == body_start == 0 and (end >= settings.min_rows or fits_carried)
        if (
            sum(1 for n in numbers if n) >= settings.min_rows
            or max(numbers) >= settings.min_numbers_single_row
            or has_header
            or continued
        ):
            regions.append(Region(start, body_start, end))
            floor = end
        i = end
    return sorted(regions + header_only_regions(lines, rules, regions, settings), key=lambda r: r.start)


def body_end(lines: list[PrintedLine], first: int, settings: TableSettings = SETTINGS) -> int:
    """Where the table that starts with numbers on line `first` ends: through its blank rows, up to a caption or
    note, a line in other type, a wide gap, or more text lines in a row than a table prints between numbers."""
    size = lines[first].size
    end, loose = first + 1, 0
    for j in range(first + 1, len(lines)):
        if lines[j].top - lines[j - 1].bottom > settings.max_row_gap_em * lines[j].size:
            break
        if is_caption_row(lines[j]) or not same_size(lines[j], size, settings):
            break
        if (
            is_data_line(lines[j])
            or fits_alignment(lines[j], alignments(lines[first:end]))
            or is_tight(lines[j - 1], lines[j])
            and j == end
        ):
            end, loose = j + 1, 0
        else:
            loose += 1
            if loose > settings.max_text_rows:
                break
    return end


def body_top(
    lines: list[PrintedLine], first: int, end: int, floor: int, rules: list[Rule], settings: TableSettings = SETTINGS
) -> int:
    """The body's first line: above the first line with numbers, the lines of its wrapped label and the rows
    whose amounts are blank (their pieces sit on the body's alignment lines)."""
    aligned = alignments(lines[first:end])
    x0, x1 = extent(lines[first:end])
    k = first
    while k - 1 >= floor:
        above, line = lines[k - 1], lines[k]
        if is_caption_row(above) or not same_size(above, line.size, settings):
            break
        wrapped = is_tight(above, line, settings) and not rule_between(above.bottom, line.top, rules, x0, x1)
        near = line.top - above.bottom <= settings.max_header_gap_em * line.size
        blank_row = near and (fits_alignment(above, aligned) or prints_zero_mark(above))
        if not (wrapped or blank_row):
            break
        k -= 1
    return k


def header_top(
    lines: list[PrintedLine],
    body_start: int,
    end: int,
    floor: int,
    rules: list[Rule],
    settings: TableSettings = SETTINGS,
) -> tuple[int, int]:
    """The header's first line and the body's, as (start, body_start).

    Between rules, the rule under the header is the lowest one with only body rows below it (lines on the
    body's alignment lines: a row whose amounts are blank); the header runs up from it through every ruled
    band of header lines (a caption band printed inside the frame, or a title, is above the header). Without
    rules, the header runs up through lines in the table's type set close above it, never through a caption
    or a line of prose.
    """
    x0, x1 = extent(lines[body_start:end])
    size = lines[body_start].size
    ruled = sorted((r for r in rules if r.start < x1 and r.end > x0), key=lambda r: -r.pos)
    aligned = alignments(lines[body_start:end])
    edge = None
    for rule in ruled:
        if rule.pos > lines[body_start].top + 1:
            continue
        between = [k for k in range(floor, body_start) if lines[k].top > rule.pos]
        if all(fits_alignment(lines[k], aligned) for k in between):
            edge, body_start = rule, min(between, default=body_start)
        break
    start = body_start
    if edge is not None:
        top = edge.pos
        for rule in (r for r in ruled if r.pos < edge.pos - 1):
            band = [k for k in range(floor, start) if rule.pos < lines[k].top and lines[k].bottom < top + 1]
            other = [k for k in band if not is_header_like(lines[k], size, settings)]
            if other:  # a caption band printed inside the frame, above the header: the header is below it
                start = min((k for k in band if k > max(other)), default=start)
                break
            if band:
                start = min(band)
            top = rule.pos
        if start < body_start:
            return start, body_start
    # How far apart header lines may sit: a few lines of type, or more where the rows are set taller than
    # the type (small type in rows of a fixed height).
    pitches = sorted(b.top - a.top for a, b in zip(lines[body_start:end], lines[body_start + 1 : end]))
    max_gap = max(
        settings.max_header_gap_em * size, settings.max_header_gap_rows * pitches[len(pitches) // 2] if pitches else 0
    )
    k = body_start
    while k - 1 >= floor:
        above = lines[k - 1]
        if not is_header_like(above, size, settings):
            break
        if lines[k].top - above.bottom > max_gap:
            break
        if len(above.pieces) == 1 and not is_tight(above, lines[k], settings) and is_prose(above, x0, x1):
            break
        k -= 1
    return k, body_start


def is_header_like(line: PrintedLine, size: float, settings: TableSettings = SETTINGS) -> bool:
    return not is_caption_row(line) and same_size(line, size, settings)


def is_prose(line: PrintedLine, x0: float, x1: float) -> bool:
    """A line in one piece running over most of the table's width: a sentence, not a header cell (a header
    cell may stand beyond the body's text, over a column the body leaves blank)."""
    return line.x1 - line.x0 > 0.6 * (x1 - x0)


def extent(lines: list[PrintedLine]) -> tuple[float, float]:
    return min(line.x0 for line in lines), max(line.x1 for line in lines)


def header_only_regions(
    lines: list[PrintedLine], rules: list[Rule], regions: list[Region], settings: TableSettings = SETTINGS
) -> list[Region]:
    """Headers printed between rules with no number below them (an empty 三线表 or horizontally ruled table):
    consecutive bands of header lines between rules, one of them printing several cells side by side."""
    taken = {k for r in regions for k in range(r.start, r.end)}
    ordered = sorted(rules, key=lambda r: r.pos)
    found: list[Region] = []
    run: list[int] = []
    for upper, lower in zip(ordered, ordered[1:]):
        overlap = min(upper.end, lower.end) - max(upper.start, lower.start)
        band = [k for k, line in enumerate(lines) if upper.pos < line.top and line.bottom < lower.pos + 1]
        is_header_band = (
            overlap > 0.5 * min(upper.end - upper.start, lower.end - lower.start)
            and bool(band)
            and band == list(range(band[0], band[-1] + 1))
            and all(
                k not in taken
                and not is_data_line(lines[k])
                and is_header_like(lines[k], lines[band[0]].size, settings)
                for k in band
            )
        )
        if is_header_band and (not run or band[0] == run[-1] + 1):
            run += band
            continue
        found += header_run_region(lines, run)
        run = band if is_header_band else []
    return found + header_run_region(lines, run)


def header_run_region(lines: list[PrintedLine], run: list[int]) -> list[Region]:
    if run and any(len(lines[k].pieces) >= 2 for k in run):
        return [Region(run[0], run[-1] + 1, run[-1] + 1)]
    return []


@dataclass(frozen=True)
class HeaderBox:
    """One header cell as printed: its wrapped lines joined, and their box."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def header_boxes(lines: list[PrintedLine], settings: TableSettings = SETTINGS) -> list[HeaderBox]:
    """Header pieces joined into cells: a piece set tight under another it overlaps continues that cell's text."""
    boxes: list[list[TextLine]] = []
    for line in lines:
        for piece in line.pieces:
            open_boxes = [
                box
                for box in boxes
                if box[-1].top < piece.top
                and piece.top - box[-1].bottom < settings.wrap_gap_em * piece.size
                and min(box[-1].x1, piece.x1) > max(box[-1].x0, piece.x0)
            ]
            if open_boxes:
                max(open_boxes, key=lambda box: box[-1].bottom).append(piece)
            else:
                boxes.append([piece])
    return [
        HeaderBox(
            join_wrapped([p.text for p in box]),
            min(p.x0 for p in box),
            min(p.top for p in box),
            max(p.x1 for p in box),
            max(p.bottom for p in box),
        )
        for box in boxes
    ]


def is_leaf(box: HeaderBox, boxes: list[HeaderBox]) -> bool:
    """A header cell that names one column: no other cell under it, and set in the lower half of the header.

    A cell reaching the header's bottom is centred at or below the header's middle (a cell spanning every
    header row exactly at it); a group header sits above its group, whose own headers need not be printed
    right under its text (a group of two columns has its headers left and right of its centre).
    """
    middle = (min(b.top for b in boxes) + max(b.bottom for b in boxes)) / 2
    below = [other for other in boxes if other is not box and other.top >= box.bottom - 1]
    if (box.top + box.bottom) / 2 < middle - 1 or any(min(o.x1, box.x1) > max(o.x0, box.x0) for o in below):
        return False
    # Two cells under it, side by side, one ending left of its centre and one starting right of it, close
    # by: the two middle columns of an even group ("科目编码" over 类 | 款).
    reach = (box.x1 - box.x0) / 2
    left = [o for o in below if box.x0 - reach <= o.x1 <= box.centre]
    right = [o for o in below if box.centre <= o.x0 <= box.x1 + reach]
    return not any(min(a.bottom, b.bottom) > max(a.top, b.top) for a in left for b in right)


def merge_intervals(intervals: list[tuple[float, float]], min_gap: float) -> list[tuple[float, float]]:
    """Intervals closer than min_gap merged: the bands of a table's text, left to right."""
    bands: list[list[float]] = []
    for x0, x1 in sorted(intervals):
        if bands and x0 - bands[-1][1] < min_gap:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return [(a, b) for a, b in bands]


def column_edges(
    body: list[PrintedLine],
    boxes: list[HeaderBox],
    rules: list[Rule],
    carried: tuple[float, ...] | None,
    limits: tuple[float, float],
    settings: TableSettings = SETTINGS,
) -> list[float] | None:
    """The x of every column edge, left border to right border; None when the body prints one column (prose).
    `limits`: the left and right ends of the page's text, which no column passes.

    A border drawn cell by cell gives the edges at its joints, when no text crosses them. Otherwise columns
    are the bands of text between the strips that no body text crosses in any row, with the header cells
    that have nothing under them: such a cell printed where the body prints nothing either belongs to the
    column beside it it is centred on, or names a column left blank. An edge sits one cell padding beside
    the side its neighbour aligns to. The first table of a page takes `carried` (the columns of the table the
    page before ended with: this one continues it, with its header repeated or not) when every band of its
    body fits one of them and its header cells head one column each.
    """
    size = max(line.size for line in body) if body else max(b.bottom - b.top for b in boxes)
    min_gap = settings.min_gutter_em * size
    pieces = [p for line in body for p in line.pieces]
    body_bands = merge_intervals([(p.x0, p.x1) for p in pieces], min_gap)
    # Under a repeated header a row may print one label alone; without a header, one column is prose.
    if body and len(body_bands) < settings.min_unruled_cols and not (carried and boxes):
        return None
    leaves = [b for b in boxes if is_leaf(b, boxes)]
    if carried and (kept := carried_edges(body_bands, carried)) is not None and heads_columns_once(leaves, kept):
        return kept
    if not body:  # an empty table: its header alone says where its columns are
        body_bands = merge_intervals([(b.x0, b.x1) for b in leaves], min_gap)
    bands = merge_intervals(
        [(p.x0, p.x1) for p in pieces] + [(b.x0, b.x1) for b in leaves if overlaps_any(b, body_bands)], min_gap
    )
    joints = rule_joints(rules, settings)
    if rules:
        left = min(min(r.start for r in rules), bands[0][0] - 0.5)
        right = max(max(r.end for r in rules), bands[-1][1] + 0.5)
        by_joints = (left, *joints, right)
        if joints and splits_bands(body_bands, by_joints):
            return list(by_joints)
    for leaf in sorted((b for b in leaves if not overlaps_any(b, body_bands)), key=lambda b: b.x0):
        bands = with_blank_column_header(bands, leaf, leaves, pieces, limits)
    pad = cell_padding(bands, rules, size)
    left = min(min((r.start for r in rules), default=bands[0][0] - pad), bands[0][0] - 0.5)
    right = max(max((r.end for r in rules), default=bands[-1][1] + pad), bands[-1][1] + 0.5)
    edges = [left]
    for a, b in zip(bands, bands[1:]):
        inside = [j for j in joints if a[1] < j < b[0]]
        edges += inside or [gutter_edge(a, b, pieces, pad)]
    return edges + [right]


def splits_bands(bands: list[tuple[float, float]], edges: tuple[float, ...]) -> bool:
    """Do `edges` part the bands of text, one band to a column? A border drawn cell by cell breaks at every
    column edge; one broken only at some (a top rule over spanning header cells) leaves two bands together."""
    columns = []
    for a, b in bands:
        inside = [j for j in range(len(edges) - 1) if edges[j] - 1 <= a and b <= edges[j + 1] + 1]
        if not inside:
            return False
        columns.append(inside[0])
    return len(set(columns)) == len(columns)


def overlaps_any(box: HeaderBox, bands: list[tuple[float, float]]) -> bool:
    return any(min(box.x1, b) > max(box.x0, a) for a, b in bands)


def with_blank_column_header(
    bands: list[tuple[float, float]],
    leaf: HeaderBox,
    leaves: list[HeaderBox],
    pieces: list[TextLine],
    limits: tuple[float, float],
) -> list[tuple[float, float]]:
    """Place a header cell printed where the body prints nothing: in the column of the band beside it when it is
    centred on a column holding that band (a band of amounts ends at its column's right edge; a band holding
    another such header cell is another column), else as a column of its own (one the body leaves
    blank; also when both neighbours could hold it: a wrong name is worse than none)."""
    k = next((k for k, (a, _) in enumerate(bands) if a >= leaf.x1), len(bands))
    before, after = (bands[k - 1] if k > 0 else None), (bands[k] if k < len(bands) else None)
    centre = leaf.centre

    def headed(band: tuple[float, float]) -> bool:  # a column has one header cell with nothing under it
        return any(other is not leaf and band[0] <= other.centre <= band[1] for other in leaves)

    joins_before = (
        before is not None
        and not headed(before)
        and aligned(before, pieces) != "right"
        and 2 * centre - before[0] <= (after[0] if after else limits[1])
    )
    joins_after = (
        after is not None
        and not headed(after)
        and aligned(after, pieces) != "left"
        and 2 * centre - after[1] >= (before[1] if before else limits[0])
    )
    if joins_before and not joins_after:
        return bands[: k - 1] + [(before[0], leaf.x1)] + bands[k:]
    if joins_after and not joins_before:
        return bands[:k] + [(leaf.x0, after[1])] + bands[k + 1 :]
    return bands[:k] + [(leaf.x0, leaf.x1)] + bands[k:]


def aligned(band: tuple[float, float], pieces: list[TextLine]) -> str | None:
    """How the texts of a band line up: "right" (amounts), "left" (labels), None when it cannot be told."""
    inside = [p for p in pieces if band[0] <= p.x0 and p.x1 <= band[1]]
    if len(inside) < 2:
        return None
    right = all(abs(p.x1 - band[1]) <= 1 for p in inside)
    left = all(abs(p.x0 - band[0]) <= 1 for p in inside)
    if right and left:  # texts all as wide: amounts and zeros align right, codes and labels left
        return "right" if all(is_amount_text(p.text) for p in inside) else "left"
    return "right" if right else "left" if left else None


def carried_edges(bands: list[tuple[float, float]], edges: tuple[float, ...]) -> list[float] | None:
    """The columns of the part a body continues, when its bands of text fit them: each band in the column
    holding most of it, in order; an edge (placed in a gap on the page before) moves just past a longer
    text of this page. None when two bands fall in one column or an edge cannot move."""
    moved = list(edges)
    columns = []
    # The outer edges were guessed from the text of the page before: a longer text here may pass them.
    bounds = [float("-inf"), *edges[1:-1], float("inf")]
    for a, b in sorted(intervals_of(bands)):
        overlap = [min(b, bounds[j + 1]) - max(a, bounds[j]) for j in range(len(edges) - 1)]
        j = max(range(len(overlap)), key=overlap.__getitem__)
        if overlap[j] < 0.5 * (b - a) or (columns and columns[-1][0] >= j):
            return None
        columns.append((j, a, b))
        moved[j] = min(moved[j], a - 0.5)
        moved[j + 1] = max(moved[j + 1], b + 0.5)
    for (j, _, b), (k, a, _) in zip(columns, columns[1:]):
        if k == j + 1 and b + 0.5 > a - 0.5:
            return None
    return moved if all(x < y for x, y in zip(moved, moved[1:])) else None


def heads_columns_once(leaves: list[HeaderBox], edges: list[float]) -> bool:
    """Does every header cell with nothing under it lie within one column, no two in the same one?"""
    columns = []
    for leaf in leaves:
        inside = [j for j in range(len(edges) - 1) if edges[j] - 1 <= leaf.x0 and leaf.x1 <= edges[j + 1] + 1]
        if not inside:
            return False
        columns.append(inside[0])
    return len(set(columns)) == len(columns)


def intervals_of(bands: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return merge_intervals(bands, 0.0)


def fits_columns(bands: list[tuple[float, float]], edges: tuple[float, ...]) -> bool:
    """Does every band of text lie within one of the columns between `edges`?"""
    return all(any(edges[j] - 1 <= a and b <= edges[j + 1] + 1 for j in range(len(edges) - 1)) for a, b in bands)


def rule_joints(rules: list[Rule], settings: TableSettings = SETTINGS) -> list[float]:
    """Every x where a rule of the table breaks between two drawn pieces, nearby ones merged."""
    found: list[float] = []
    for x in sorted(j for r in rules for j in r.joints):
        if not found or x - found[-1] > settings.snap_pt:
            found.append(x)
    return found


def cell_padding(bands: list[tuple[float, float]], rules: list[Rule], size: float) -> float:
    """The space between a cell's text and its edge: from the rules' left end when drawn, else half the narrowest
    gap between two bands (the gap between a number and the next column's text is twice the padding)."""
    if rules:
        pad = bands[0][0] - min(r.start for r in rules)
        if 0 < pad < 2 * size:
            return pad
    gaps = [b[0] - a[1] for a, b in zip(bands, bands[1:])]
    return min(gaps) / 2 if gaps else size / 3


def gutter_edge(a: tuple[float, float], b: tuple[float, float], pieces: list[TextLine], pad: float) -> float:
    """The edge between two bands: one padding right of a band whose texts end aligned (amounts), else one
    padding left of a band whose texts start aligned (labels), else the middle of the gap."""
    if aligned(a, pieces) == "right":
        x = a[1] + pad
    elif aligned(b, pieces) == "left":
        x = b[0] - pad
    else:
        x = (a[1] + b[0]) / 2
    return min(max(x, a[1]), b[0])


_AMOUNT_TEXT = re.compile(r"^(?:[(\-]?[\d,]*\.\d+\)?|[-—–]|0)$")


def is_amount_text(text: str) -> bool:
    """An amount with decimals, or a zero printed as 0 or a dash: set flush right in its column."""
    return bool(_AMOUNT_TEXT.match(fold(text).replace(" ", "")))


def column_of(edges: list[float], x: float) -> int:
    return min(max(bisect.bisect_right(edges, x) - 1, 0), len(edges) - 2)


@dataclass(frozen=True)
class ColumnFrame:
    """What the columns of a table are known to be: their edges, how far each edge could move without crossing
    printed text (an edge guessed in a gap), and the centre of each column's own header cell."""

    edges: tuple[float, ...]
    slack: tuple[tuple[float, float], ...]  # per edge: the free strip it lies in
    leaf_centres: dict[int, float]


def column_frame(
    edges: list[float], cells: list[Cell], boxes: list[HeaderBox], limits: tuple[float, float]
) -> ColumnFrame:
    """The frame of a table's columns: edges, the free strip around each edge, and the leaf headers' centres.
    The outer strips reach one cell padding past the ends of the page's text (the outermost text sits a padding
    inside its cell's border); the padding is half the narrowest gap between two columns' texts."""
    n = len(edges) - 1
    lefts: dict[int, float] = {}
    rights: dict[int, float] = {}
    texts = [(c.col, c.bbox[0], c.bbox[2]) for c in cells if c.text]
    leaf_centres: dict[int, float] = {}
    for box in boxes:
        if is_leaf(box, boxes):
            col = column_of(edges, box.centre)
            leaf_centres[col] = box.centre
            texts.append((col, box.x0, box.x1))
    for col, x0, x1 in texts:
        lefts[col], rights[col] = min(lefts.get(col, x0), x0), max(rights.get(col, x1), x1)
    slack = []
    for e, x in enumerate(edges):
        lo = rights.get(e - 1, x) if e > 0 else limits[0] - 1
        hi = lefts.get(e, x) if e < n else limits[1] + 1
        slack.append((min(lo, x), max(hi, x)))
    pad = min((hi - lo for lo, hi in slack[1:-1]), default=0.0) / 2
    slack[0], slack[-1] = (slack[0][0] - pad, slack[0][1]), (slack[-1][0], slack[-1][1] + pad)
    return ColumnFrame(tuple(edges), tuple(slack), leaf_centres)


def header_span(
    box: HeaderBox,
    boxes: list[HeaderBox],
    frame: ColumnFrame,
    rules: list[Rule],
    spans: dict[int, tuple[int, int]],
    settings: TableSettings = SETTINGS,
) -> tuple[int, int]:
    """The first and last column a header cell heads.

    A cell with nothing under it heads the columns it covers. A group header heads the columns between the
    joints of a rule drawn cell by cell right above it, or of a rule drawn under it alone; without such a
    rule, the widest run of columns under it that it is centred on (a group header printed narrower than
    its group still heads all of it).
    """
    edges = list(frame.edges)
    covered = (column_of(edges, box.x0 + 0.5), column_of(edges, box.x1 - 0.5))
    if is_leaf(box, boxes):
        return covered
    for segment in (rule_piece_above(box, boxes, rules), rule_under(box, boxes, rules, edges, settings)):
        if segment:
            cols = [
                j for j in range(len(edges) - 1) if segment[0] - 1 <= (edges[j] + edges[j + 1]) / 2 <= segment[1] + 1
            ]
            if cols and cols[0] <= covered[0] and cols[-1] >= covered[1]:
                return cols[0], cols[-1]
    return centred_run(box, boxes, frame, covered, spans, settings)


def rule_piece_above(box: HeaderBox, boxes: list[HeaderBox], rules: list[Rule]) -> tuple[float, float] | None:
    """The drawn piece of the rule right above a header cell that runs over its centre, when the rule breaks."""
    above = [r for r in rules if r.pos <= box.top + 1 and r.start <= box.centre <= r.end]
    if not above:
        return None
    rule = max(above, key=lambda r: r.pos)
    if not rule.joints or any(
        o is not box and o.bottom <= box.top + 1 and o.top >= rule.pos and min(o.x1, box.x1) > max(o.x0, box.x0)
        for o in boxes
    ):
        return None
    points = [rule.start, *rule.joints, rule.end]
    return next(((a, b) for a, b in zip(points, points[1:]) if a <= box.centre <= b), None)


def rule_under(
    box: HeaderBox, boxes: list[HeaderBox], rules: list[Rule], edges: list[float], settings: TableSettings = SETTINGS
) -> tuple[float, float] | None:
    """A rule drawn right under a header cell and not across the whole table: it underlines the cell's group."""
    below = [r for r in rules if r.pos >= box.bottom - 1 and r.start <= box.centre <= r.end]
    if not below:
        return None
    rule = min(below, key=lambda r: r.pos)
    if rule.end - rule.start >= edges[-1] - edges[0] - 2 * settings.snap_pt or any(
        o is not box and o.top >= box.bottom - 1 and o.bottom <= rule.pos + 1 and min(o.x1, box.x1) > max(o.x0, box.x0)
        for o in boxes
    ):
        return None
    return rule.start, rule.end


def centred_run(
    box: HeaderBox,
    boxes: list[HeaderBox],
    frame: ColumnFrame,
    covered: tuple[int, int],
    spans: dict[int, tuple[int, int]],
    settings: TableSettings = SETTINGS,
) -> tuple[int, int]:
    """The widest run of columns around `covered` that `box` is centred on, each column of it heading its own
    cell at the level of the cells right under the box, and no group under the box cut in two; `covered` when
    no run is centred.

    Header cells are centred in their cells, so each column's centre is its own header's centre; the centre
    of a run of an odd number of columns then follows from its columns' centres alone (c1 - c2 + c3), that
    of an even number from one of its outer edges within the free strip it lies in.
    """
    edges = frame.edges
    n = len(edges) - 1

    def first_below(j: int) -> HeaderBox | None:
        """The highest cell under the box heading column j (by the span found for it, or where it is printed)."""
        x0, x1 = edges[j], edges[j + 1]
        inside = [
            o
            for k, o in enumerate(boxes)
            if o is not box
            and o.top >= box.bottom - 1
            and (spans[k][0] <= j <= spans[k][1] if k in spans else min(o.x1, x1) > max(o.x0, x0))
        ]
        return min(inside, key=lambda o: o.top, default=None)

    def beside(j: int) -> bool:
        x0, x1 = edges[j], edges[j + 1]
        return any(
            o is not box and min(o.x1, x1) > max(o.x0, x0) and min(o.bottom, box.bottom) - max(o.top, box.top) > 1
            for o in boxes
        )

    level = [o for j in range(covered[0], covered[1] + 1) if (o := first_below(j))]
    if not level:
        return covered

    def same_row(o: HeaderBox) -> bool:
        """Set in the row right under the box: cells of one header row share their middle (or their top)."""
        return any(abs((o.top + o.bottom) - (r.top + r.bottom)) <= 2 or abs(o.top - r.top) <= 1 for r in level)

    def under(j: int) -> bool:
        below = first_below(j)
        return not beside(j) and below is not None and same_row(below)

    lo, hi = covered
    while lo > 0 and under(lo - 1):
        lo -= 1
    while hi < n - 1 and under(hi + 1):
        hi += 1
    tolerance = settings.centre_tolerance_em * (box.bottom - box.top)
    groups = [spans[k] for k, o in enumerate(boxes) if k in spans and o.top >= box.bottom - 1]

    def cuts(a: int, b: int) -> bool:
        return any(g0 < a <= g1 or g0 <= b < g1 for g0, g1 in groups)

    best = covered
    for a in range(lo, covered[0] + 1):
        for b in range(covered[1], hi + 1):
            span = run_centre(frame, a, b)
            centred = span and span[0] - tolerance <= box.centre <= span[1] + tolerance
            if centred and not cuts(a, b) and b - a > best[1] - best[0]:
                best = (a, b)
    return best


def run_centre(frame: ColumnFrame, a: int, b: int) -> tuple[float, float] | None:
    """Where the centre of columns a..b can lie, from their headers' centres; None when one has no header."""
    centres = [frame.leaf_centres.get(j) for j in range(a, b + 1)]
    if any(c is None for c in centres):
        return None
    alternating = sum(c if k % 2 == 0 else -c for k, c in enumerate(centres))
    if len(centres) % 2:
        return alternating, alternating
    # Even: edge a+m = edge a + 2·(c_b − c_(b−1) + … − c_a); both outer edges lie in their free strips.
    half = -alternating
    left = frame.slack[a]
    right = frame.slack[b + 1]
    lo, hi = max(left[0], right[0] - 2 * half), min(left[1], right[1] - 2 * half)
    return (lo + half, hi + half) if lo <= hi else None


def body_rows(
    lines: list[PrintedLine], rules: list[Rule], settings: TableSettings = SETTINGS
) -> list[list[PrintedLine]]:
    """Body lines grouped into rows: a line set tight under the previous one continues its row, unless a rule
    is drawn between them."""
    rows: list[list[PrintedLine]] = []
    for k, line in enumerate(lines):
        if (
            rows
            and is_tight(lines[k - 1], line, settings)
            and not rule_between(lines[k - 1].bottom, line.top, rules, line.x0, line.x1)
        ):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def row_cells(row: list[PrintedLine], index: int, edges: list[float], settings: TableSettings = SETTINGS) -> list[Cell]:
    """One body row's cells, one per column (blank where nothing is printed): each character goes to the column
    holding its centre."""
    by_col: dict[int, list[Char]] = defaultdict(list)
    for line in row:
        for char in line.chars:
            by_col[column_of(edges, (char.x0 + char.x1) / 2)].append(char)
    top, bottom = min(line.top for line in row), max(line.bottom for line in row)
    cells = []
    for j in range(len(edges) - 1):
        chars = by_col.get(j)
        if chars:
            text = join_wrapped([line.text for line in chars_to_lines(chars, settings)]).strip()
            box = (
                min(c.x0 for c in chars),
                min(c.top for c in chars),
                max(c.x1 for c in chars),
                max(c.bottom for c in chars),
            )
            cells.append(Cell(index, j, 1, 1, text, box))
        else:
            cells.append(Cell(index, j, 1, 1, "", (edges[j], top, edges[j + 1], bottom)))
    return cells


def region_to_grid(
    lines: list[PrintedLine],
    region: Region,
    rules: list[Rule],
    page: int,
    width: float,
    carried: tuple[float, ...] | None,
    settings: TableSettings = SETTINGS,
) -> Grid | None:
    """The grid of one table region; None when its body prints a single column (prose). `width`: the page's."""
    # No column passes the page's text, nor the margin mirrored from the other side (pages print their text
    # between equal margins).
    left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
    limits = (min(left, width - right), max(right, width - left))
    header, body = lines[region.start : region.body_start], lines[region.body_start : region.end]
    every = header + body
    x0, x1 = extent(every)
    top, bottom = every[0].top, every[-1].bottom
    # The rules of this table: a rule above a caption band printed inside the frame (编制单位 … 单位：万元)
    # breaks at the band's cells, not the header's, so the frame starts at the header's first line.
    near = [r for r in rules if top - every[0].size <= r.pos <= bottom + every[-1].size and r.start < x1 and r.end > x0]
    boxes = header_boxes(header, settings)
    edges = column_edges(body, boxes, near, carried, limits, settings)
    if edges is None or len(edges) - 1 < settings.min_unruled_cols:
        return None
    tops: list[float] = []
    for t in sorted(b.top for b in boxes):
        if not tops or t - tops[-1] > 1:
            tops.append(t)
    rows = body_rows(body, near, settings)
    cells = [cell for k, row in enumerate(rows) for cell in row_cells(row, len(tops) + k, edges, settings)]
    frame = column_frame(edges, cells, boxes, limits)
    spans: dict[int, tuple[int, int]] = {}  # by box index; lower cells first, so a group sees its subgroups' spans
    for k in sorted(range(len(boxes)), key=lambda k: -boxes[k].top):
        spans[k] = header_span(boxes[k], boxes, frame, near, spans, settings)
    for k, box in enumerate(boxes):
        row = max(r for r, t in enumerate(tops) if t <= box.top + 1)
        c0, c1 = spans[k]
        cells.append(Cell(row, c0, 1, c1 - c0 + 1, box.text, (box.x0, box.top, box.x1, box.bottom)))
    bbox = (edges[0], top, edges[-1], bottom)
    n_header = len(tops) if rows else None  # an empty table's body rows (无, 合计) are read from its cells
    return Grid(page, bbox, len(tops) + len(rows), len(edges) - 1, tuple(edges), tuple(cells), False, (), n_header)


# ---------------------------------------------------------------- a whole page


def page_to_grids(
    page: Page, settings: TableSettings = SETTINGS, carried: Grid | None = None
) -> tuple[list[Grid], list[TextLine]]:
    """All grids on a page in reading order, each with the text lines above it; plus the lines after the last grid.

    `carried` is the last grid of the page before: a table continued at the top of this page without a header
    of its own keeps its columns.
    """
    horizontal, vertical = edges_to_rules(page.edges, settings)
    chars = [c for c in page.chars if c.upright]
    found: list[Grid] = []
    framed: set[int] = set()
    for comp_h, comp_v in rules_to_components(horizontal, vertical, settings):
        framed.update(id(h) for h in comp_h)
        xs, ys, spans = component_to_cells(comp_h, comp_v, settings)
        if len(ys) - 1 < 1 or len(xs) - 1 < 2:
            continue
        cells, chars = fill_cells(xs, ys, spans, chars)
        cells, n_rows = drop_empty_rows(cells, len(ys) - 1)
        if n_rows < 1 or not any(cell.text for cell in cells):
            continue
        found.append(
            Grid(page.number, (xs[0], ys[0], xs[-1], ys[-1]), n_rows, len(xs) - 1, tuple(xs), tuple(cells), True, ())
        )

    free_rules = [h for h in horizontal if id(h) not in framed]
    lines = chars_to_printed_lines(chars, settings)
    taken: set[int] = set()
    columns = carried.col_edges if carried is not None and not carried.is_ruled else None
    regions = lines_to_regions(lines, free_rules, columns, settings)
    if columns and (labels_only := repeated_header_region(lines, carried, settings)):
        regions = [labels_only, *(r for r in regions if r.start >= labels_only.end)]
    for k, region in enumerate(regions):
        # The page's first table continues the one the page before ended with when it has no header, or repeats
        # that table's header (rows printing labels alone under it are body rows); a table with a header of its
        # own is a new table with columns of its own.
        repeated = repeated_header_lines(lines[region.start : region.body_start], carried) if k == 0 else None
        if repeated is not None:
            region = replace(region, body_start=region.start + repeated)
        continues = k == 0 and (region.start == region.body_start or repeated is not None)
        grid = region_to_grid(
            lines, region, free_rules, page.number, page.width, columns if continues else None, settings
        )
        if grid is None:
            continue
        found.append(grid)
        taken.update(range(region.start, region.end))
    # The free text of the lines left over; its box ends where the last segment ends.
    free_lines = [
        TextLine(line.text, line.x0, line.top, line.segments[-1].x1, line.bottom, line.size)
        for k, line in enumerate(lines)
        if k not in taken
    ]

    found.sort(key=lambda g: g.bbox[1])
    result: list[Grid] = []
    previous_bottom = 0.0
    for grid in found:
        above = tuple(ln for ln in free_lines if previous_bottom <= ln.top and ln.bottom <= grid.bbox[1] + 1)
        result.append(replace(grid, above=above))
        previous_bottom = grid.bbox[3]
    trailing = [ln for ln in free_lines if ln.top >= previous_bottom - 1]
    return result, trailing


def repeated_header_region(
    lines: list[PrintedLine], carried: Grid | None, settings: TableSettings = SETTINGS
) -> Region | None:
    """A page that starts with the header of the unruled table the page before ended with, repeated over rows
    printing labels alone (that table's blank amounts): the region of those rows, as long as they fit its
    columns. None when the page starts otherwise."""
    n = repeated_header_lines(lines, carried)
    if n is None or carried is None or carried.is_ruled:
        return None
    end = n
    while end < len(lines):
        line = lines[end]
        if (
            is_caption_row(line)
            or not same_size(line, lines[n].size, settings)
            or line.top - lines[end - 1].bottom > settings.max_row_gap_em * line.size
            or carried_edges([(p.x0, p.x1) for p in line.pieces], carried.col_edges) is None
        ):
            break
        end += 1
    return Region(0, n, end) if end > n else None


def repeated_header_lines(header: list[PrintedLine], carried: Grid | None) -> int | None:
    """How many of a region's first header lines repeat the header of the grid the page before ended with (the same
    characters); None when they do not."""
    if carried is None or not carried.n_header_rows or not header:
        return None
    before = Counter(ch for c in carried.cells if c.row < carried.n_header_rows for ch in c.text if not ch.isspace())
    here: Counter[str] = Counter()
    for n, line in enumerate(header, 1):
        here.update(ch.text for ch in line.chars if not ch.text.isspace())
        if here == before:
            return n
    return None


def grid_rows(grid: Grid) -> list[list[str]]:
    """The grid as a rectangle of strings (merged cells repeated in the first position only), for debugging and tests."""
    table = [["" for _ in range(grid.n_cols)] for _ in range(grid.n_rows)]
    for cell in grid.cells:
        table[cell.row][cell.col] = cell.text
    return table

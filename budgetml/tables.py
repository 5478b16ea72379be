"""Reconstruct table grids from page geometry: ruled grids from edges, unruled ones from whitespace.

Geometry only: nothing here knows about budgets, except that a caption line (`单位：万元`,
`编制部门：…`, `注：…`, see budgetml/captions.py) is never part of an unruled table. The steps read
from the function names: chars_to_lines → edges_to_rules → rules_to_components → component_to_grid
(ruled) and lines_to_blocks → block_to_grid (unruled), then page_to_grids puts them in reading order.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from budgetml.captions import is_caption_line
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
    max_header_gap_em: float = 1.2  # an unruled header line sits at most this far above the table
    wrap_gap_em: float = 0.3  # lines closer than this belong to one wrapped cell, not to two rows


SETTINGS = TableSettings()

_AMOUNT = re.compile(r"^[\(（\-－]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?[\)）]?$")


def looks_numeric(text: str) -> bool:
    """A cell that prints a plain number (amount, code or count) — the geometry-level notion of 'data'."""
    return bool(_AMOUNT.match(text.replace(" ", "")))


# ---------------------------------------------------------------- text lines


def chars_to_lines(chars: list[Char], settings: TableSettings = SETTINGS) -> list[TextLine]:
    """Group characters into lines by vertical overlap, ordered top to bottom, left to right."""
    return [chars_to_line(sorted(row, key=lambda c: c.x0), settings) for row in group_line_chars(chars, settings)]


def group_line_chars(chars: list[Char], settings: TableSettings = SETTINGS) -> list[list[Char]]:
    """Characters bucketed into lines: a char joins the current line when it overlaps it vertically enough."""
    rows: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: (round(c.top, 1), c.x0)):
        if rows:
            ref = rows[-1][0]
            overlap = min(ref.bottom, char.bottom) - max(ref.top, char.top)
            if overlap >= settings.line_overlap * min(ref.bottom - ref.top, char.bottom - char.top):
                rows[-1].append(char)
                continue
        rows.append([char])
    return rows


def chars_to_line(chars: list[Char], settings: TableSettings = SETTINGS) -> TextLine:
    """Join characters already on one line; a visible gap becomes a single space."""
    parts = [chars[0].text]
    for prev, char in zip(chars, chars[1:]):
        if char.x0 - prev.x1 > settings.space_gap_em * max(prev.size, char.size):
            parts.append(" ")
        parts.append(char.text)
    return TextLine(
        text="".join(parts),
        x0=min(c.x0 for c in chars),
        top=min(c.top for c in chars),
        x1=max(c.x1 for c in chars),
        bottom=max(c.bottom for c in chars),
        size=max(c.size for c in chars),
    )


def line_to_segments(chars: list[Char], settings: TableSettings = SETTINGS) -> list[TextLine]:
    """Split one line's characters at gaps wide enough to separate table columns.

    A narrower gap also separates columns when it stands between an amount and text
    ("3,375.67 一、一般公共服务支出": a right-aligned number next to a left-aligned label).
    """
    chars = sorted(chars, key=lambda c: c.x0)
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
    """A merged ruling line: `pos` is its y (horizontal) or x (vertical); it runs from `start` to `end`."""

    pos: float
    start: float
    end: float


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
        for a, b in pieces[1:]:
            if a <= end + settings.join_pt:
                end = max(end, b)
            else:
                rules.append(Rule(pos, start, end))
                start, end = a, b
        rules.append(Rule(pos, start, end))
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

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not is_covered(vertical, xs[c + 1], ys[r], ys[r + 1], settings):
                parent[find(r * n_cols + c)] = find(r * n_cols + c + 1)
            if r + 1 < n_rows and not is_covered(horizontal, ys[r + 1], xs[c], xs[c + 1], settings):
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


# ---------------------------------------------------------------- unruled grids


def lines_to_rows(chars: list[Char], settings: TableSettings = SETTINGS) -> list[list[TextLine]]:
    """Each text line as its column segments."""
    return [line_to_segments(g, settings) for g in group_line_chars(chars, settings)]


def is_data_line(segments: list[TextLine]) -> bool:
    """A line that prints at least one number; a wrapped row may carry its numbers on a line of their own."""
    return any(looks_numeric(s.text) for s in segments)


def rows_to_blocks(rows: list[list[TextLine]], settings: TableSettings = SETTINGS) -> list[tuple[int, int]]:
    """Index ranges [start, end) of line runs that form an unruled table (data lines plus their headers).

    A table runs from its first line with numbers to its last, through text-only rows (blank
    amount cells) as long as the lines stay at table spacing and keep several columns.
    """
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(rows):
        if not is_data_line(rows[i]):
            i += 1
            continue
        end = i + 1
        loose_lines = 0
        j = i + 1
        while j < len(rows):
            if rows[j][0].top - rows[j - 1][0].bottom > settings.max_row_gap_em * rows[j][0].size:
                break
            if is_caption_row(rows[j]):
                break  # a note or unit line below the table: its footer, not a row
            if is_data_line(rows[j]):
                end, loose_lines = j + 1, 0
            elif not fits_columns(rows[j], rows[i:end]) and not is_wrapped_above(rows[j - 1], rows[j], settings):
                loose_lines += 1
                if loose_lines > settings.max_text_rows:
                    break
            j += 1
        start = i
        while (
            start > 0
            and not is_caption_row(rows[start - 1])
            and (len(rows[start - 1]) >= 2 or is_wrapped_above(rows[start - 1], rows[start], settings))
            and (rows[start][0].top - rows[start - 1][0].bottom <= settings.max_header_gap_em * rows[start][0].size)
        ):
            start -= 1
        n_data = sum(1 for k in range(i, end) if is_data_line(rows[k]))
        wide = max(sum(1 for s in rows[k] if looks_numeric(s.text)) for k in range(i, end))
        if n_data >= settings.min_rows or wide >= settings.min_numbers_single_row:
            blocks.append((start, end))
        i = end
    return blocks


def is_caption_row(segments: list[TextLine]) -> bool:
    """A line printing a caption (`部门：…  金额单位：万元`) or a note: around a table, never in it."""
    return is_caption_line("  ".join(s.text for s in segments))


def fits_columns(line: list[TextLine], table_lines: list[list[TextLine]]) -> bool:
    """A text-only line that belongs to the table: every segment starts where a table column's text starts
    and ends before the next column's text (a row whose amount cells are blank), unlike a note below it."""
    starts = sorted({round(s.x0) for row in table_lines for s in row})
    for seg in line:
        if not any(abs(seg.x0 - x) <= 2 for x in starts):
            return False
        later = [x for x in starts if x > seg.x0 + 2]
        if later and seg.x1 > later[0]:
            return False
    return True


def is_wrapped_above(upper: list[TextLine], lower: list[TextLine], settings: TableSettings = SETTINGS) -> bool:
    """Lines set tighter than the cell padding belong to one row (a label wrapped around its numbers)."""
    gap = min(s.top for s in lower) - max(s.bottom for s in upper)
    return gap < settings.wrap_gap_em * max(s.size for s in lower)


def group_rows(rows: list[list[TextLine]], settings: TableSettings = SETTINGS) -> list[list[int]]:
    """Lines grouped into table rows: a line set tight under the previous one continues its row."""
    groups: list[list[int]] = []
    for k in range(len(rows)):
        if groups and is_wrapped_above(rows[k - 1], rows[k], settings):
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def block_to_grid(rows: list[list[TextLine]], first_data: int, page: int, settings: TableSettings = SETTINGS) -> Grid:
    """An unruled table: columns from the whitespace of its data lines; a grid row per group of tight lines."""
    data_lines = [k for k in range(first_data, len(rows)) if is_data_line(rows[k])]
    intervals = sorted((s.x0, s.x1) for k in data_lines for s in rows[k])
    columns: list[list[float]] = []
    for x0, x1 in intervals:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    col_edges = [columns[0][0]] + [(a[1] + b[0]) / 2 for a, b in zip(columns, columns[1:])] + [columns[-1][1]]

    def col_of(x: float) -> int:
        return min(max(bisect.bisect_right(col_edges, x) - 1, 0), len(columns) - 1)

    body_start = first_data
    while body_start > 0 and is_wrapped_above(rows[body_start - 1], rows[body_start], settings):
        body_start -= 1
    centres = [(a + b) / 2 for a, b in columns]

    def span_of(seg: TextLine) -> tuple[int, int]:
        """Header text is centred over its columns: it spans the columns whose centres it covers."""
        covered = [j for j, c in enumerate(centres) if seg.x0 <= c <= seg.x1]
        if len(covered) >= 2:
            return covered[0], covered[-1]
        mid = (seg.x0 + seg.x1) / 2
        nearest = min(range(len(centres)), key=lambda j: abs(centres[j] - mid))
        return nearest, nearest

    # Header text wrapped inside a narrow column prints as tight lines with the same span: one cell.
    header: dict[tuple[int, int, int], list[TextLine]] = {}
    open_cells: dict[tuple[int, int], tuple[int, int, int]] = {}
    for k in range(body_start):
        tight = k > 0 and is_wrapped_above(rows[k - 1], rows[k], settings)
        next_open: dict[tuple[int, int], tuple[int, int, int]] = {}
        for seg in rows[k]:
            span = span_of(seg)
            key = open_cells.get(span) if tight else None
            key = key or (k, *span)
            header.setdefault(key, []).append(seg)
            next_open[span] = key
        open_cells = next_open
    header_rows = sorted({key[0] for key in header})
    cells: list[Cell] = []
    for (k, c0, c1), segs in sorted(header.items()):
        box = (min(s.x0 for s in segs), min(s.top for s in segs), max(s.x1 for s in segs), max(s.bottom for s in segs))
        cells.append(Cell(header_rows.index(k), c0, 1, c1 - c0 + 1, join_wrapped([s.text for s in segs]), box))
    header_lines = header_rows
    groups = group_rows(rows[body_start:], settings)
    for offset, group in enumerate(groups):
        r = len(header_lines) + offset
        by_col: dict[int, list[TextLine]] = defaultdict(list)
        for k in group:
            for seg in rows[body_start + k]:
                by_col[col_of((seg.x0 + seg.x1) / 2)].append(seg)
        lines = [rows[body_start + k] for k in group]
        top, bottom = min(s.top for line in lines for s in line), max(s.bottom for line in lines for s in line)
        for c in range(len(columns)):
            segs = by_col.get(c, [])
            if segs:
                box = (
                    min(s.x0 for s in segs),
                    min(s.top for s in segs),
                    max(s.x1 for s in segs),
                    max(s.bottom for s in segs),
                )
                cells.append(Cell(r, c, 1, 1, join_wrapped([s.text for s in segs]), box))
            else:
                cells.append(Cell(r, c, 1, 1, "", (col_edges[c], top, col_edges[c + 1], bottom)))
    all_segs = [s for row in rows for s in row]
    bbox = (
        min(s.x0 for s in all_segs),
        min(s.top for s in all_segs),
        max(s.x1 for s in all_segs),
        max(s.bottom for s in all_segs),
    )
    return Grid(page, bbox, len(header_lines) + len(groups), len(columns), tuple(col_edges), tuple(cells), False, ())


# ---------------------------------------------------------------- a whole page


def page_to_grids(page: Page, settings: TableSettings = SETTINGS) -> tuple[list[Grid], list[TextLine]]:
    """All grids on a page in reading order, each with the text lines above it; plus the lines after the last grid."""
    horizontal, vertical = edges_to_rules(page.edges, settings)
    chars = [c for c in page.chars if c.upright]
    found: list[Grid] = []
    for comp_h, comp_v in rules_to_components(horizontal, vertical, settings):
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

    rows = lines_to_rows(chars, settings)
    free_lines: list[TextLine] = []
    taken: set[int] = set()
    for start, end in rows_to_blocks(rows, settings):
        first_data = next(k for k in range(start, end) if is_data_line(rows[k]))
        grid = block_to_grid(rows[start:end], first_data - start, page.number, settings)
        if grid.n_cols < settings.min_unruled_cols:
            continue
        found.append(grid)
        taken.update(range(start, end))
    for k, segments in enumerate(rows):
        if k not in taken:
            free_lines.append(merge_segments_to_line(segments))

    found.sort(key=lambda g: g.bbox[1])
    result: list[Grid] = []
    previous_bottom = 0.0
    for grid in found:
        above = tuple(ln for ln in free_lines if previous_bottom <= ln.top and ln.bottom <= grid.bbox[1] + 1)
        result.append(
            Grid(grid.page, grid.bbox, grid.n_rows, grid.n_cols, grid.col_edges, grid.cells, grid.is_ruled, above)
        )
        previous_bottom = grid.bbox[3]
    trailing = [ln for ln in free_lines if ln.top >= previous_bottom - 1]
    return result, trailing


def merge_segments_to_line(segments: list[TextLine]) -> TextLine:
    """Put a line's column segments back together (wide gaps print as two spaces)."""
    return TextLine(
        text="  ".join(s.text for s in segments),
        x0=segments[0].x0,
        top=min(s.top for s in segments),
        x1=segments[-1].x1,
        bottom=max(s.bottom for s in segments),
        size=max(s.size for s in segments),
    )


def grid_rows(grid: Grid) -> list[list[str]]:
    """The grid as a rectangle of strings (merged cells repeated in the first position only), for debugging and tests."""
    table = [["" for _ in range(grid.n_cols)] for _ in range(grid.n_rows)]
    for cell in grid.cells:
        table[cell.row][cell.col] = cell.text
    return table

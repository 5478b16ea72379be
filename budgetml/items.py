"""Turn page grids into titled tables (continued pages stitched) and tables into line items.

Each grid's caption band (the lines above it, its first header row, the lines below it) gives
the title, organisation and unit; the table is identified by content (budgetml/identify.py);
a unit printed in a column header applies to that column; a unit stated once for the document
applies to the tables that print none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from budgetml.captions import Caption, is_caption_line, is_note, line_fields, lines_to_caption, merge_fields
from budgetml.catalog import Catalog
from budgetml.identify import UNKNOWN, Identification, best_title_score, identify, looks_like_title, word_share
from budgetml.normalise import (
    YUAN_PER_WAN,
    UnitError,
    decimals_printed,
    header_unit,
    is_amount,
    normalise_code,
    parse_amount,
    split_code_label,
    squash,
    to_yuan,
)
from budgetml.records import BBox, Cell, Grid, TextLine

# An empty table's unit line follows its title within this many lines …
EMPTY_TABLE_UNIT_LINES = 3
# … or this share of the table's header words (configs/catalog.toml) is printed under its title: a header
# printed without a grid, as a contents page listing titles never shows.
EMPTY_TABLE_HEADER_SHARE = 0.5
# A title line is shorter than this (folded characters); longer lines are narrative.
TITLE_MAX_CHARS = 60
# Body row labels read for identification: enough to see 收入总计 / 工资福利支出, few enough to stay cheap.
IDENTIFY_BODY_ROWS = 60
_PAGE_NUMBER = re.compile(r"^[-－—\s]*(?:第\s*)?\d+\s*(?:页)?[-－—\s]*$")


@dataclass(frozen=True)
class BodyRow:
    page: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A reconstructed table with its caption, identification and header, stitched over its pages."""

    table_id: str | None
    title: str
    unit: str | None  # the table's unit; a column may carry its own (column_units)
    unit_error: str | None
    pages: tuple[int, ...]
    n_cols: int
    column_paths: tuple[str, ...]  # printed header path of each column ("基本支出/人员经费"), units removed
    header: tuple[Cell, ...]
    rows: tuple[BodyRow, ...]
    notes: tuple[str, ...]
    department_printed: str | None = None  # the organisation on the caption (编制部门：…/预算单位：…)
    department_label: str | None = None  # the caption label it was printed under ("编制部门", "预算单位")
    unit_source: str | None = None  # caption | footer | document (a column header unit is in column_units)
    column_units: tuple[str | None, ...] = ()  # a unit printed in a column's own header, per column
    identification: Identification = UNKNOWN


@dataclass(frozen=True)
class LineItem:
    """One numeric cell of a table, with everything needed to trace it back to the page."""

    table_id: str | None
    table_title: str
    page: int
    row_index: int
    row_label: str
    code: str | None
    column_index: int
    column: str
    column_header: str
    decimals: int
    raw: str
    unit: str
    amount_yuan: Decimal
    value_wan: float
    bbox: BBox


# ---------------------------------------------------------------- grids → tables


_EMPTY_BODY = re.compile(r"^(合计|总计|无|本表无数据)")


def split_header(grid: Grid) -> int:
    """Number of header rows: the rows above the first row that prints a number.

    An empty table (no numbers at all) has its body start at its first '无' / '合计' row. A grid
    reconstructed from text alignment knows its header rows (its body may start with blank rows).
    """
    if grid.n_header_rows is not None:
        return grid.n_header_rows
    amount_rows = [cell.row for cell in grid.cells if is_amount(cell.text)]
    if amount_rows:
        return min(amount_rows)
    marker_rows = [cell.row for cell in grid.cells if cell.col == 0 and _EMPTY_BODY.match(squash(cell.text))]
    return min(marker_rows, default=grid.n_rows)


def column_paths(header: list[Cell], n_cols: int) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The header texts above each column, top to bottom, joined with '/'; and each column's own unit.

    A unit printed in a header ("预算数（万元）", "（元）") is taken off the text and applies to the
    columns under it; the lowest header naming a unit wins.
    """
    paths, units = [], []
    for col in range(n_cols):
        parts: list[str] = []
        unit = None
        for cell in sorted(header, key=lambda c: c.row):
            if cell.col <= col < cell.col + cell.colspan:
                text, named = header_unit(cell.text)
                unit = named or unit
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
        paths.append("/".join(parts))
        units.append(unit)
    return tuple(paths), tuple(units)


def title_candidates(lines: tuple[TextLine, ...]) -> list[tuple[int, str]]:
    """(line index, text) of the lines that may print a title: no caption label before the text, no note,
    no narrative sentence; two adjacent plain lines also as one (a title wrapped over two lines)."""
    found: list[tuple[int, str]] = []
    plain: dict[int, str] = {}
    for k, line in enumerate(lines):
        text = line.text.strip()
        if not text or is_note(text) or _PAGE_NUMBER.match(text):
            continue
        fields = line_fields(text)
        text = fields.rest if fields else text
        if not text or len(squash(text)) > TITLE_MAX_CHARS or "。" in text:
            continue
        found.append((k, text))
        if not fields:
            plain[k] = text
    for k, text in plain.items():
        if k + 1 in plain:
            found.append((k, text + plain[k + 1]))
    return found


def find_title(lines: tuple[TextLine, ...], catalog: Catalog) -> tuple[int, str] | None:
    """(line index, printed title) among the lines above a grid: the line that reads most like a known
    title, else the nearest line printed like a title (ending in 表); None when no line is a title."""
    candidates = title_candidates(lines)
    scored = [(best_title_score(text, catalog), k, text) for k, text in candidates]
    # A heading such as "五、部门支出预算情况" resembles a title's words; only a line printed like a
    # title (ending in 表), or resembling a known title closely, may be chosen by its score.
    known = [
        s
        for s in scored
        if s[0] >= catalog.identify.accept_confidence
        and (looks_like_title(s[2]) or s[0] >= catalog.identify.title_only_accept)
    ]
    if known:
        _, k, text = max(known, key=lambda s: (s[0], s[1]))
        return k, text
    titled = [(k, text) for k, text in candidates if looks_like_title(text)]
    return max(titled) if titled else None


def header_caption(header: list[Cell], n_cols: int) -> tuple[list[Cell], list[str], str | None]:
    """Caption printed inside the grid's top rows: (header without them, caption texts, title).

    A top row is caption when each of its cells carries a caption label (`单位：万元`), or when it
    is one cell across the whole table printed like a title; at least one header row stays.
    """
    texts: list[str] = []
    title = None
    while len({c.row for c in header}) >= 2:
        top = min(c.row for c in header)
        first = [c for c in header if c.row == top and c.text]
        if first and all(line_fields(c.text) is not None for c in first):
            texts += [c.text for c in first]
        elif title is None and len(first) == 1 and first[0].colspan == n_cols and looks_like_title(first[0].text):
            title = first[0].text.strip()
        else:
            break
        header = [c for c in header if c.row != top]
    return header, texts, title


def body_rows(grid: Grid, first_body_row: int) -> list[BodyRow]:
    by_row: dict[int, list[Cell]] = {}
    for cell in grid.cells:
        if cell.row >= first_body_row:
            by_row.setdefault(cell.row, []).append(cell)
    return [BodyRow(grid.page, tuple(sorted(by_row[r], key=lambda c: c.col))) for r in sorted(by_row)]


def row_text(cells: list[Cell] | tuple[Cell, ...]) -> str:
    return "|".join(squash(c.text) for c in sorted(cells, key=lambda c: (c.row, c.col)))


def body_labels(rows: list[BodyRow]) -> str:
    """The row labels (text cells) of the first body rows, joined: body evidence for identification."""
    labels = []
    for row in rows[:IDENTIFY_BODY_ROWS]:
        labels += [c.text for c in row.cells if c.text and not is_amount(c.text)]
    return " ".join(labels)


def grids_to_tables(grids: list[Grid], trailing: dict[int, list[TextLine]], catalog: Catalog) -> list[Table]:
    """Caption, identify and stitch every grid: untitled grids continue the table before them.

    Lines above a grid before its title are the footer of the table above on the same page (a
    note, or a unit printed below that table); the title and the lines after it are this grid's.
    """
    tables: list[Table] = []
    previous_page = 0
    previous_edges: tuple[float, ...] | None = None  # the column edges of the grid the last table started with
    for grid in grids:
        found = find_title(grid.above, catalog)
        split = found[0] if found else len(grid.above)
        # An empty table printed without a grid between the table above and this one's title.
        empties = lines_to_empty_tables(grid.page, list(grid.above[:split]), catalog)
        before = [ln.text for ln in grid.above[: empties[0][0] if empties else split]]
        caption = lines_to_caption([ln.text for ln in grid.above[split:]], found[1] if found else None)
        footer = lines_to_caption(before)
        is_first_on_page = grid.page != previous_page
        previous_page = grid.page
        if not found:
            # No title: everything above is this grid's caption, except notes (they close the table above).
            caption, footer = replace(footer, notes=()), Caption(notes=footer.notes)
        previous = tables[-1] if tables else None
        if not found and is_first_on_page and previous_edges and grid.n_cols < len(previous_edges) - 1:
            grid = fitted_to(grid, previous_edges) or grid  # a continuation whose merged cells hide a border
        if previous:
            # What is printed above this title closes the table above: on this page, or at the top of the
            # page after the one it ended on (a unit line printed below a table that filled its page).
            follows = not is_first_on_page or previous.pages[-1] == grid.page - 1
            tables[-1] = previous = with_footer(previous, footer, same_page=follows)
        if footer.unit and caption.unit is None and not (previous and previous.unit_source == "footer"):
            caption = replace(caption, unit=footer.unit, unit_error=None)  # a unit printed above the title
        tables += [table for _, table in empties]
        if empties:
            previous_edges = None
        n_header = split_header(grid)
        header, header_texts, header_title = header_caption([c for c in grid.cells if c.row < n_header], grid.n_cols)
        for text in header_texts:
            caption = merge_fields(caption, line_fields(text))
        if caption.title is None and header_title:
            caption = replace(caption, title=header_title)
        title, unit = caption.title, caption.unit
        if (
            previous
            and title is None
            and is_first_on_page
            and previous.n_cols == grid.n_cols
            and (unit is None or unit == previous.unit and repeated_header_end(previous, grid) is not None)
        ):
            # Continued on the next page; a caption band printed inside the frame repeats with the header.
            tables[-1] = continue_table(previous, grid)
            continue
        table = grid_to_table(grid, header, n_header, caption, catalog)
        if (
            previous
            and table.table_id is None
            and unit is None
            and (is_first_on_page and title is None or catalog.is_form(previous.table_id))
        ):
            # The next part of a form, or a continuation whose columns differ (a form over pages):
            # it belongs to the table before it.
            table = replace(table, **inherited(previous))
        elif title is None and not any(is_amount(c.text) for c in grid.cells):
            continue  # a framed box of prose (cover, contents), not a table
        tables.append(table)
        previous_edges = grid.col_edges
    for page, lines in trailing.items():
        footer = lines_to_caption([ln.text for ln in lines])
        for k in range(len(tables) - 1, -1, -1):
            if tables[k].pages[-1] == page:
                tables[k] = with_footer(tables[k], footer, same_page=True)
                break
    return tables


def fitted_to(grid: Grid, edges: tuple[float, ...], snap: float = 2.0) -> Grid | None:
    """A grid whose column edges are some of `edges` (a continuation printing 合计 across 编码 and 名称 hides the
    border between them), its cells moved onto the columns of `edges`; None when one of its edges is not there."""
    index = []
    for x in grid.col_edges:
        k = min(range(len(edges)), key=lambda j: abs(edges[j] - x))
        if abs(edges[k] - x) > snap:
            return None
        index.append(k)
    if index[0] != 0 or index[-1] != len(edges) - 1:
        return None
    cells = tuple(replace(c, col=index[c.col], colspan=index[c.col + c.colspan] - index[c.col]) for c in grid.cells)
    return replace(grid, n_cols=len(edges) - 1, col_edges=tuple(edges), cells=cells)


def grid_to_table(grid: Grid, header: list[Cell], n_header: int, caption: Caption, catalog: Catalog) -> Table:
    paths, units = column_paths(header, grid.n_cols)
    rows = body_rows(grid, n_header)
    found = identify(caption.title, " ".join(paths), body_labels(rows), catalog) if caption.title else UNKNOWN
    return Table(
        table_id=found.table_id,
        title=caption.title or "",
        unit=caption.unit,
        unit_error=caption.unit_error,
        pages=(grid.page,),
        n_cols=grid.n_cols,
        column_paths=paths,
        header=tuple(header),
        rows=tuple(rows),
        notes=caption.notes,
        department_printed=caption.organisation,
        department_label=caption.organisation_label,
        unit_source="caption" if caption.unit else None,
        column_units=units,
        identification=found,
    )


def inherited(previous: Table) -> dict:
    """What a later part of a table takes from its first part: identity, title and unit."""
    return {
        "table_id": previous.table_id,
        "title": previous.title,
        "unit": previous.unit,
        "unit_error": previous.unit_error,
        "unit_source": previous.unit_source,
        "identification": previous.identification,
        "department_printed": None,
        "department_label": None,
    }


def with_footer(table: Table, footer: Caption, same_page: bool) -> Table:
    """Add what was printed below a table: its notes, and its unit when the table printed none above."""
    table = with_notes(table, footer.notes)
    if same_page and table.unit is None and footer.unit:
        table = replace(table, unit=footer.unit, unit_error=None, unit_source="footer")
    return table


def lines_to_empty_tables(page: int, lines: list[TextLine], catalog: Catalog) -> list[tuple[int, Table]]:
    """Known tables printed with a title but no grid at all (an empty unruled table), each with the index of
    its title line. A table's own lines run from its title to the next title.

    A title counts with a unit line right below it, or with the table's header words printed under it (its
    unit stated elsewhere, or in its header cells); a contents page listing table names makes no tables.
    """
    titles = [k for k, line in enumerate(lines) if looks_like_title(line.text)]
    found = []
    for k in titles:
        own = [ln.text for ln in lines[k + 1 : next((j for j in titles if j > k), len(lines))]]
        header = " ".join(text for text in own if not is_caption_line(text))
        match = identify(lines[k].text.strip(), header, "", catalog)
        if match.table_id is None or catalog.is_form(match.table_id):
            continue
        below = lines_to_caption(own[:EMPTY_TABLE_UNIT_LINES])
        words = next(t.header_words for t in catalog.tables if t.id == match.table_id)
        has_header = bool(words) and word_share(words, squash(header)) >= EMPTY_TABLE_HEADER_SHARE
        if below.unit is None and below.unit_error is None and not has_header:
            continue
        caption = lines_to_caption(own)
        found.append(
            (
                k,
                Table(
                    table_id=match.table_id,
                    title=lines[k].text.strip(),
                    unit=caption.unit,
                    unit_error=caption.unit_error,
                    pages=(page,),
                    n_cols=0,
                    column_paths=(),
                    header=(),
                    rows=(),
                    notes=caption.notes[:1],
                    department_printed=caption.organisation,
                    department_label=caption.organisation_label,
                    unit_source="caption" if caption.unit else None,
                    identification=match,
                ),
            )
        )
    return found


def repeated_header_end(table: Table, grid: Grid) -> int | None:
    """The first body row of a grid that starts by printing the table's header again (a continuation on a new
    page), None when it does not. The header's own rows are compared, so body rows printing no number right
    under the repeated header stay body rows."""
    rows = {c.row for c in table.header}
    if not rows:
        return None
    again = [c for c in grid.cells if min(rows) <= c.row <= max(rows)]
    return max(rows) + 1 if row_text(again) == row_text(table.header) else None


def continue_table(table: Table, grid: Grid) -> Table:
    """Append a continuation grid; a repeated header is recognised by its text and dropped."""
    first_body = repeated_header_end(table, grid) or 0
    return replace(table, pages=table.pages + (grid.page,), rows=table.rows + tuple(body_rows(grid, first_body)))


def with_notes(table: Table, notes: tuple[str, ...]) -> Table:
    if not notes:
        return table
    return replace(table, notes=table.notes + notes)


def with_document_unit(tables: list[Table], statements: list[tuple[int, str]]) -> list[Table]:
    """Tables printing no unit take the unit the document states for the tables after it
    ("以下表格金额单位均为万元"): the last statement on or before the table's first page."""
    result = []
    for table in tables:
        stated = [unit for page, unit in statements if page <= table.pages[0]]
        if table.unit is None and table.unit_error is None and stated:
            table = replace(table, unit=stated[-1], unit_source="document")
        result.append(table)
    return result


# ---------------------------------------------------------------- tables → line items


def table_to_items(table: Table, catalog: Catalog) -> list[LineItem]:
    """One item per numeric cell outside the code columns. Raises UnitError when the unit is unknown.

    Forms (performance target tables) have no line items: their numbers are phone numbers, postal
    codes, indicator targets and amounts printed with their unit ("78.4万元").
    """
    if catalog.is_form(table.table_id):
        return []
    units = [
        table.column_units[j] if j < len(table.column_units) and table.column_units[j] else table.unit
        for j in range(table.n_cols)
    ]
    code_cols = {j for j, path in enumerate(table.column_paths) if path and catalog.is_code_header(path)}
    canonical = catalog.column_names(table.table_id, table.column_paths)
    names = [canonical[j] or path or f"column_{j + 1}" for j, path in enumerate(table.column_paths)]
    items: list[LineItem] = []
    sides = table_sides(table, code_cols)
    for index, row in enumerate(table.rows):
        for cell in row.cells:
            if not cell.text or (cell.col in code_cols and cell.text.strip().isdigit()):
                continue
            if not is_amount(cell.text):
                continue
            side = [c for c in row.cells if sides[cell.col] <= c.col < cell.col and c.text]
            # A label printed in a code column ("类 款 项" over the 合计 row of a 决算 table) is the
            # label only when the row prints none elsewhere.
            label_cells = [c for c in side if is_label(c.text) and c.col not in code_cols]
            label_cells += [c for c in side if is_label(c.text) and c.col in code_cols]
            label = label_cells[0].text if label_cells else ""
            code = normalise_code([c.text for c in side if c.col in code_cols and c.text.strip().isdigit()])
            row_code = code
            if row_code is None and label:
                row_code, label = split_code_label(label)
            unit = units[cell.col]
            if unit is None:
                raise UnitError(table.unit_error or no_unit_message(table))
            amount = parse_amount(cell.text)
            yuan = to_yuan(amount, unit)
            items.append(
                LineItem(
                    table_id=table.table_id,
                    table_title=table.title,
                    page=row.page,
                    row_index=index,
                    row_label=label,
                    code=row_code,
                    column_index=cell.col,
                    column=names[cell.col],
                    column_header=table.column_paths[cell.col],
                    decimals=decimals_printed(cell.text),
                    raw=cell.text,
                    unit=unit,
                    amount_yuan=yuan,
                    value_wan=float(yuan / YUAN_PER_WAN),
                    bbox=cell.bbox,
                )
            )
    return items


def table_sides(table: Table, code_cols: set[int]) -> list[int]:
    """Per column, the first column of its side of the table: where the label and code of its amounts are printed.

    A two-sided table (收入 | 支出 summaries, the 决算's economic table) prints a label, and perhaps a
    code, before each side's amounts. A side starts after an amount column that a label column
    follows, and at the last group of code columns before the amount; a one-sided table is one side.
    Read from the whole table, not the row, so that a row whose left side is blank keeps its labels apart;
    a zero printed as a dash holds an amount's place.
    """
    amount_cols, label_cols = set(), set()
    for row in table.rows:
        for c in row.cells:
            if not c.text or (c.col in code_cols and c.text.strip().isdigit()):
                continue
            (amount_cols if is_amount_place(c.text) and c.col not in code_cols else label_cols).add(c.col)
    label_cols -= code_cols
    starts = []
    for col in range(table.n_cols):
        start = 0
        for a in sorted(amount_cols):
            if a < col and any(a < label < col for label in label_cols):
                start = a + 1
        for first in sorted(code_cols):
            if start <= first < col and first - 1 not in code_cols:
                start = first  # the last code group before the amount starts its side
        starts.append(start)
    return starts


def is_label(text: str) -> bool:
    return bool(text) and not is_amount(text) and not is_zero_mark(text)


def is_amount_place(text: str) -> bool:
    return is_amount(text) or is_zero_mark(text)


def is_zero_mark(text: str) -> bool:
    """A zero printed as a dash ("-", "－", "—"): no amount, but the place of one."""
    return squash(text) in ("-", "—", "–")


def no_unit_message(table: Table) -> str:
    return (
        f"表「{table.title or '无标题表格'}」的标题栏、表头、表下和全文都没有金额单位（单位：元/万元/亿元），"
        "金额无法换算，不作猜测"
    )


def headline_figures(items: list[LineItem], catalog: Catalog) -> dict[str, Decimal | None]:
    """Each headline figure in yuan, read from the first catalog source that the filing has."""
    figures: dict[str, Decimal | None] = {}
    for headline in catalog.headlines:
        figures[headline.name] = None
        for source in headline.sources:
            found = [i for i in items if i.table_id == source.table and i.column == source.column]
            if source.row is None:
                found = [i for i in found if i.row_index == min((f.row_index for f in found), default=-1)]
            else:
                found = [i for i in found if source.row.search(squash(i.row_label))]
            if found:
                figures[headline.name] = found[0].amount_yuan
                break
    return figures

"""Turn page grids into titled tables (continued pages stitched) and tables into line items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from budgetml.catalog import Catalog
from budgetml.normalise import (
    YUAN_PER_WAN,
    UnitError,
    decimals_printed,
    find_unit,
    is_amount,
    normalise_code,
    parse_amount,
    split_code_label,
    squash,
    to_yuan,
)
from budgetml.records import BBox, Cell, Grid, TextLine

_NOT_TITLE = re.compile(r"^(单位|编制部门|编制单位|填报|申报|注|备注|说明|第?\d+页|-\s*\d+\s*-)")
_NOTE = re.compile(r"^(注|备注|说明)\s*[:：]")
_TITLE_HINT = re.compile(r"表(?:\s*[(（].*[)）])?$")
# An empty table's unit line follows its title within this many lines.
EMPTY_TABLE_UNIT_LINES = 3


@dataclass(frozen=True)
class BodyRow:
    page: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A reconstructed table with its title, unit and header, stitched over its pages."""

    table_id: str | None
    title: str
    unit: str | None
    unit_error: str | None
    pages: tuple[int, ...]
    n_cols: int
    column_paths: tuple[str, ...]  # printed header path of each column ("基本支出/人员经费")
    header: tuple[Cell, ...]
    rows: tuple[BodyRow, ...]
    notes: tuple[str, ...]
    department_printed: str | None = None  # from the 编制部门：… line above the table


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

    An empty table (no numbers at all) has its body start at its first '无' / '合计' row.
    """
    amount_rows = [cell.row for cell in grid.cells if is_amount(cell.text)]
    if amount_rows:
        return min(amount_rows)
    marker_rows = [cell.row for cell in grid.cells if cell.col == 0 and _EMPTY_BODY.match(squash(cell.text))]
    return min(marker_rows, default=grid.n_rows)


def column_paths(header: list[Cell], n_cols: int) -> tuple[str, ...]:
    """The header texts above each column, top to bottom, joined with '/'."""
    paths = []
    for col in range(n_cols):
        parts: list[str] = []
        for cell in sorted(header, key=lambda c: c.row):
            if cell.col <= col < cell.col + cell.colspan:
                text = squash(cell.text)
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
        paths.append("/".join(parts))
    return tuple(paths)


def find_title(lines: tuple[TextLine, ...], catalog: Catalog) -> tuple[str | None, str | None]:
    """(table_id, printed title) from the lines above a grid; the nearest catalog match wins."""
    candidates = [line.text.strip() for line in reversed(lines) if not _NOT_TITLE.match(squash(line.text))]
    for text in candidates:
        table_id = catalog.match_title(text)
        if table_id:
            return table_id, text
    for text in candidates:
        if _TITLE_HINT.search(squash(text)) and not re.fullmatch(r"表\s*\d+(?:-\d+)?", squash(text)):
            return None, text
    return None, None


def grid_to_unit(lines: tuple[TextLine, ...]) -> tuple[str | None, str | None]:
    """(unit, error) from the unit line above a grid; the text is joined because '单位：' may wrap."""
    try:
        return find_unit("".join(line.text for line in lines)), None
    except UnitError as exc:
        return None, str(exc)


_ORG = re.compile(r"(?:编制部门|编制单位)[:：]\s*(\S+?)(?:\s{2,}|单位[:：]|$)")


def printed_department(lines: tuple[TextLine, ...]) -> str | None:
    """The department on an '编制部门：…' line above a table."""
    for line in lines:
        match = _ORG.search(line.text.strip())
        if match:
            return match[1]
    return None


def body_rows(grid: Grid, first_body_row: int) -> list[BodyRow]:
    by_row: dict[int, list[Cell]] = {}
    for cell in grid.cells:
        if cell.row >= first_body_row:
            by_row.setdefault(cell.row, []).append(cell)
    return [BodyRow(grid.page, tuple(sorted(by_row[r], key=lambda c: c.col))) for r in sorted(by_row)]


def row_text(cells: list[Cell] | tuple[Cell, ...]) -> str:
    return "|".join(squash(c.text) for c in sorted(cells, key=lambda c: (c.row, c.col)))


def grids_to_tables(grids: list[Grid], trailing: dict[int, list[TextLine]], catalog: Catalog) -> list[Table]:
    """Title each grid from the text above it and stitch untitled grids onto the table they continue."""
    tables: list[Table] = []
    previous_page = 0
    for grid in grids:
        table_id, title = find_title(grid.above, catalog)
        unit, unit_error = grid_to_unit(grid.above)
        department = printed_department(grid.above)
        n_header = split_header(grid)
        header = [c for c in grid.cells if c.row < n_header]
        notes = tuple(ln.text.strip() for ln in grid.above if _NOTE.match(squash(ln.text)))
        if tables and notes:
            tables[-1] = with_notes(tables[-1], notes)
        is_first_on_page = grid.page != previous_page
        previous_page = grid.page
        previous = tables[-1] if tables else None
        if previous and title is None and unit is None and is_first_on_page and previous.n_cols == grid.n_cols:
            tables[-1] = continue_table(previous, grid, header, n_header)
            continue
        if (
            previous
            and table_id is None
            and unit is None
            and (is_first_on_page and title is None or catalog.is_form(previous.table_id))
        ):
            # The next part of a form, or a continuation whose columns differ (a form over pages):
            # it belongs to the table before it.
            table_id, title, unit, unit_error = previous.table_id, previous.title, previous.unit, previous.unit_error
        if title is None and not any(is_amount(c.text) for c in grid.cells):
            continue  # a framed box of prose (cover, contents), not a table
        tables.append(
            Table(
                table_id=table_id,
                title=title or "",
                unit=unit,
                unit_error=unit_error,
                pages=(grid.page,),
                n_cols=grid.n_cols,
                column_paths=column_paths(header, grid.n_cols),
                header=tuple(header),
                rows=tuple(body_rows(grid, n_header)),
                notes=(),
                department_printed=department,
            )
        )
    for page, lines in trailing.items():
        notes = tuple(ln.text.strip() for ln in lines if _NOTE.match(squash(ln.text)))
        for k in range(len(tables) - 1, -1, -1):
            if tables[k].pages[-1] == page:
                tables[k] = with_notes(tables[k], notes)
                break
    return tables


def lines_to_empty_tables(page: int, lines: list[TextLine], catalog: Catalog) -> list[Table]:
    """Known tables printed with a title and unit line but no grid at all (an empty unruled table).

    A title counts only with a unit line right below it, so a contents page listing table names
    does not make tables.
    """
    found = []
    for k, line in enumerate(lines):
        table_id = catalog.match_title(line.text)
        if table_id is None or catalog.is_form(table_id):
            continue
        below = lines[k + 1 : k + 1 + EMPTY_TABLE_UNIT_LINES]
        unit, unit_error = grid_to_unit(tuple(below))
        if unit is None and unit_error is None:
            continue
        notes = tuple(ln.text.strip() for ln in lines[k + 1 :] if _NOTE.match(squash(ln.text)))
        found.append(
            Table(
                table_id,
                line.text.strip(),
                unit,
                unit_error,
                (page,),
                0,
                (),
                (),
                (),
                notes[:1],
                printed_department(tuple(below)),
            )
        )
    return found


def continue_table(table: Table, grid: Grid, header: list[Cell], n_header: int) -> Table:
    """Append a continuation grid; a repeated header is recognised by its text and dropped."""
    repeated = n_header > 0 and row_text(header) == row_text(table.header)
    first_body = n_header if repeated else 0
    return Table(
        table_id=table.table_id,
        title=table.title,
        unit=table.unit,
        unit_error=table.unit_error,
        pages=table.pages + (grid.page,),
        n_cols=table.n_cols,
        column_paths=table.column_paths,
        header=table.header,
        rows=table.rows + tuple(body_rows(grid, first_body)),
        notes=table.notes,
    )


def with_notes(table: Table, notes: tuple[str, ...]) -> Table:
    if not notes:
        return table
    return Table(**{**table.__dict__, "notes": table.notes + notes})


# ---------------------------------------------------------------- tables → line items


def table_to_items(table: Table, catalog: Catalog) -> list[LineItem]:
    """One item per numeric cell outside the code columns. Raises UnitError when the unit is unknown.

    Forms (performance target tables) have no line items: their numbers are phone numbers, postal
    codes, indicator targets and amounts printed with their unit ("78.4万元").
    """
    if catalog.is_form(table.table_id):
        return []
    if table.unit is None:
        raise UnitError(table.unit_error or f"表「{table.title}」没有单位行（单位：元/万元/亿元），金额无法换算")
    code_cols = {j for j, path in enumerate(table.column_paths) if path and catalog.is_code_header(path)}
    canonical = catalog.column_names(table.table_id, table.column_paths)
    names = [canonical[j] or path or f"column_{j + 1}" for j, path in enumerate(table.column_paths)]
    items: list[LineItem] = []
    for index, row in enumerate(table.rows):
        code_parts = [c.text for c in row.cells if c.col in code_cols and c.text.strip().isdigit()]
        code = normalise_code(code_parts)
        boundary = -1  # column of the last amount seen: labels belong to the side after it
        label = ""
        for cell in row.cells:
            if not cell.text or (cell.col in code_cols and cell.text.strip().isdigit()):
                continue
            if not is_amount(cell.text):
                continue
            label_cells = [c for c in row.cells if boundary < c.col < cell.col and c.text and not is_amount(c.text)]
            if label_cells or boundary < 0:
                # A new label to the left starts a new side of the row (two-sided summary tables);
                # otherwise the amount shares the label of the amounts before it.
                label = label_cells[0].text if label_cells else ""
            row_code = code
            if row_code is None and label:
                row_code, label = split_code_label(label)
            amount = parse_amount(cell.text)
            yuan = to_yuan(amount, table.unit)
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
                    unit=table.unit,
                    amount_yuan=yuan,
                    value_wan=float(yuan / YUAN_PER_WAN),
                    bbox=cell.bbox,
                )
            )
            boundary = cell.col
    return items


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

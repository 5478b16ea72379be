"""The printed cells of the performance forms (form_cells.parquet rows) as records, and a form's rows.

The checks read budgets, targets and funding from these cells (budgetml/checks/forms.py); the features
count indicators in them (budgetml/features.py). Both see the same record, read by `cell_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from budgetml.normalise import squash


@dataclass(slots=True)
class FormCell:
    """One printed cell of a form-like table, as form_cells.parquet holds it. Not frozen, and nothing assigns to it:
    a frozen dataclass takes seven times as long to build, and the checks build every cell of every filing."""

    cell_id: str
    table_index: int
    table_id: str
    table_title: str
    unit: str | None
    page: int
    row_index: int
    column_index: int
    colspan: int
    text: str
    bbox: tuple[float, float, float, float]
    _text_squashed: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text_squashed(self) -> str:
        """The text as labels are matched (budgetml.normalise.squash), folded once per cell."""
        if self._text_squashed is None:
            self._text_squashed = squash(self.text)
        return self._text_squashed


# The form_cells.parquet columns a FormCell is read from (filing_id aside).
COLUMNS = (
    "cell_id",
    "table_index",
    "table_id",
    "table_title",
    "unit",
    "page",
    "row_index",
    "column_index",
    "colspan",
    "text",
    "bbox",
)


def cell_of(row: Mapping) -> FormCell:
    """The record of one form_cells.parquet row (a dict holding at least COLUMNS)."""
    return FormCell(*(row[c] for c in COLUMNS[:-1]), tuple(row["bbox"]))


def form_rows(cells: Iterable[FormCell]) -> list[list[FormCell]]:
    """The form's rows in order, each row's cells left to right."""
    rows: dict[tuple[int, int], list[FormCell]] = {}
    for cell in cells:
        rows.setdefault((cell.table_index, cell.row_index), []).append(cell)
    return [sorted(rows[k], key=lambda c: c.column_index) for k in sorted(rows)]

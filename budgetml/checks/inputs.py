"""What the rules read of one filing (FilingData), built from its rows of the parse datasets.

One FilingData per ok/partial filing: its line items as exact amounts, its tables as printed, its
performance-form cells, the claims its narrative states (budgetml/checks/claims.py) and, for the
year-over-year rule, the same department's filing of the year before, and for a 决算 the department's
预算 of the same year (budgetml/identity.py). The rows come a group of filings at a time
(budgetml/checks/shards.py), read column by column from Arrow, so memory holds the records of one group only,
never of a whole output folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache

import pyarrow as pa

from budgetml.checks.claims import Claim, narrative_to_claims
from budgetml.checks.registry import Evidence, message
from budgetml.form_cells import COLUMNS as FORM_CELL_COLUMNS
from budgetml.form_cells import FormCell
from budgetml.identity import FilingRef, budgets_of_final_accounts, previous_filings
from budgetml.normalise import UNIT_TO_YUAN, squash
from budgetml.schema import FILINGS, FORM_CELLS, LINE_ITEMS, NARRATIVE, TABLES

BBox = tuple[float, float, float, float]
# A table identified below this match score (tables.parquet confidence) is read but not judged: a comparison
# that fails on its figures is 无法检查, not a finding. The parser accepts from 0.6; the tables it names
# between 0.6 and 0.8 on varied layouts are mostly header rows or continuations read as titles.
CONFIDENT_MATCH = 0.8
# The 三公 table's parts (机关运行经费, printed apart from them, is not one).
SANGONG_PARTS = ("overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")


@dataclass(slots=True)
class Amount:
    """One line item as the rules see it. Not frozen, and nothing assigns to it: a frozen dataclass takes seven
    times as long to build, and a shard builds tens of thousands."""

    cell_id: str
    table_index: int
    table_id: str | None
    page: int
    row_index: int
    row_label: str
    code: str | None
    column: str
    yuan: Decimal
    decimals: int
    unit: str
    raw: str
    bbox: BBox
    # row_label as labels are matched (line_items.row_label_squashed, folded once at parse time); derived from
    # row_label when not given (records built by hand).
    row_label_squashed: str | None = None
    _evidence: Evidence | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.row_label_squashed is None:
            self.row_label_squashed = squash(self.row_label)

    @property
    def half_unit_yuan(self) -> Decimal:
        """How far the printed figure may be from the exact one: half of its last printed digit."""
        return half_unit_yuan(self.decimals, self.unit)

    @property
    def evidence(self) -> Evidence:
        """The figure's page, box and cell (made once: the rules name a figure in many findings)."""
        if self._evidence is None:
            self._evidence = Evidence(self.page, self.bbox, self.cell_id)
        return self._evidence


@cache
def half_unit_yuan(decimals: int, unit: str) -> Decimal:
    """Half of the last digit of a figure printed with `decimals` places in `unit`, in yuan."""
    return Decimal(5).scaleb(-decimals - 1) * UNIT_TO_YUAN[unit]


@dataclass(frozen=True)
class PrintedTable:
    """One table of the filing as tables.parquet describes it: what was printed around the figures."""

    table_index: int
    table_id: str | None
    table_title: str
    unit: str | None
    pages: tuple[int, ...]
    department_printed: str | None
    notes: tuple[str, ...]
    confidence: float = 1.0  # the identification's match score
    department_label: str | None = None  # the caption label department_printed was printed under (编制部门, 预算单位 …)


@dataclass
class FilingData:
    """Everything the rules read of one filing."""

    filing_id: str
    year: int | None
    department: str | None
    region: str | None
    amounts: list[Amount]
    tables: list[PrintedTable]
    form_cells: list[FormCell]
    claims: list[Claim]
    narrative: list[tuple[str, int, str]]  # (section, page, text) in reading order
    previous: FilingData | None = None
    status: str = "ok"  # ok | partial (filings.status)
    doc_kind: str | None = "budget"  # budget | final_account
    scope: str | None = "department"  # department | unit (filings.scope)
    parent_department: str | None = None  # the department a unit budget's unit belongs to
    budget: FilingData | None = None  # a 决算's department's own 预算 of the same year, when in the dataset
    _by_table: dict[str, list[Amount]] = field(default_factory=dict, repr=False)
    _by_box: dict[tuple[int, BBox], Amount] = field(default_factory=dict, repr=False)
    _by_column: dict[tuple[str, str], list[Amount]] = field(default_factory=dict, repr=False)
    _totals: dict[str, dict[str, Amount]] = field(default_factory=dict, repr=False)

    def table(self, table_id: str) -> list[Amount]:
        """The line items of the canonical table `table_id` (empty when the filing lacks it)."""
        if not self._by_table:
            for a in self.amounts:
                self._by_table.setdefault(a.table_id or "", []).append(a)
        return self._by_table.get(table_id, [])

    def has_table(self, table_id: str) -> bool:
        """Whether the filing prints the canonical table `table_id` (with or without amounts)."""
        return any(t.table_id == table_id for t in self.tables)

    def cell(self, table_id: str, column: str, label: str | None = None, code: str | None = None) -> Amount | None:
        """The amount in `column` of the row with this label (a regex, spaces ignored) or code; the first row when neither is given."""
        if not self._by_column:
            for a in self.amounts:
                self._by_column.setdefault((a.table_id or "", a.column), []).append(a)
        found = self._by_column.get((table_id, column), [])
        if code is not None:
            found = [a for a in found if a.code == code]
        elif label is not None:
            pattern = label_pattern(label)
            found = [a for a in found if pattern.fullmatch(a.row_label_squashed)]
        else:
            first = min(((x.table_index, x.row_index) for x in found), default=None)
            found = [a for a in found if (a.table_index, a.row_index) == first]
        return found[0] if found else None

    def grand_total(self, table_id: str, column: str) -> Amount | None:
        """The figure in `column` of the table's 合计/总计 row (the row without a code)."""
        if table_id not in self._totals:
            self._totals[table_id] = total_row(self.table(table_id))
        return self._totals[table_id].get(column)

    def unsure(self, a: Amount) -> str | None:
        """Why a figure was not read with confidence (its table identified weakly, …); None when it was."""
        table = next((t for t in self.tables if t.table_index == a.table_index), None)
        if table is not None and table.confidence < CONFIDENT_MATCH:
            return message("weak_table", title=table.table_title, confidence=table.confidence)
        if a.table_id == "sangong" and a.column in SANGONG_PARTS:
            # Blank zero cells let the row's figures slide into the wrong columns (公务用车 小计 read as 购置费):
            # a part is sure only when the subtotal it belongs to was read where it belongs.
            subtotals = ("sangong_total", "vehicle_total") if a.column.startswith("vehicle_") else ("sangong_total",)
            if any(self.cell("sangong", s) is None for s in subtotals if s != a.column):
                return message("sangong_no_total")
        return None

    def unsure_evidence(self, evidence: tuple[Evidence, ...]) -> str | None:
        """Why one of the figures a finding points at was not read with confidence; None when all were."""
        boxes = {(e.page, e.bbox) for e in evidence if e.bbox is not None}
        if not boxes:
            return None
        if not self._by_box:
            self._by_box.update({(a.page, a.bbox): a for a in self.amounts})
        for key in boxes:
            a = self._by_box.get(key)
            reason = self.unsure(a) if a is not None else None
            if reason:
                return reason
        return None

    def form(self, table_id: str) -> list[FormCell]:
        """The printed cells of the filing's forms of `table_id` (performance_overall, performance_project)."""
        return [c for c in self.form_cells if c.table_id == table_id]


@lru_cache(maxsize=1024)
def label_pattern(label: str) -> re.Pattern[str]:
    """A row label regex, compiled once (the rules ask for the same labels of every filing)."""
    return re.compile(label)


def coded_rows(amounts: list[Amount]) -> dict[str, dict[str, Amount]]:
    """code → column → amount, for the rows of one table that print a code."""
    rows: dict[str, dict[str, Amount]] = {}
    for a in amounts:
        if a.code:
            rows.setdefault(a.code, {}).setdefault(a.column, a)
    return rows


def total_row(amounts: list[Amount]) -> dict[str, Amount]:
    """column → amount of the 合计/总计 row of one table."""
    return {a.column: a for a in amounts if a.row_label_squashed in ("合计", "总计") and not a.code}


def rows_by_index(amounts: list[Amount]) -> dict[tuple[int, int], dict[str, Amount]]:
    """(table_index, row_index) → column → amount, for the rows of one table (a table printed in pieces keeps them apart)."""
    rows: dict[tuple[int, int], dict[str, Amount]] = {}
    for a in amounts:
        rows.setdefault((a.table_index, a.row_index), {}).setdefault(a.column, a)
    return rows


# ---------------------------------------------------------------- building the records from the datasets' rows

# The columns of each parse dataset the records are built from (filing_id first).
COLUMNS: dict[str, tuple[str, ...]] = {
    FILINGS.name: ("filing_id", "status", "region", "department", "year", "doc_kind", "scope", "parent_department"),
    LINE_ITEMS.name: (
        "filing_id",
        "cell_id",
        "table_index",
        "table_id",
        "page",
        "row_index",
        "row_label",
        "code",
        "column_name",
        "amount_yuan",
        "decimals",
        "unit",
        "raw",
        "bbox",
        "row_label_squashed",
    ),
    TABLES.name: (
        "filing_id",
        "table_index",
        "table_id",
        "table_title",
        "unit",
        "pages",
        "department_printed",
        "notes",
        "confidence",
        "department_label",
    ),
    FORM_CELLS.name: ("filing_id", *FORM_CELL_COLUMNS),
    NARRATIVE.name: ("filing_id", "section_index", "section", "page", "text"),
}


def _records(table: pa.Table | None, name: str, make: Callable) -> dict[str, list]:
    """filing_id → the records `make` builds from each row's values (in COLUMNS order, filing_id left out; lists as
    tuples), in row order."""
    found: dict[str, list] = {}
    if table is None:
        return found
    values = [_python_values(table.column(c)) for c in COLUMNS[name][1:]]
    for filing_id, record in zip(table.column("filing_id").to_pylist(), map(make, *values)):
        found.setdefault(filing_id, []).append(record)
    return found


def _python_values(column: pa.ChunkedArray) -> list:
    """A column's values as Python objects, a list column's as tuples (a box of four floats read through numpy)."""
    if pa.types.is_fixed_size_list(column.type) and not column.null_count:
        flat = column.combine_chunks().flatten().to_numpy()
        return list(map(tuple, flat.reshape(-1, column.type.list_size).tolist()))
    if pa.types.is_list(column.type):
        return [tuple(v) if v is not None else None for v in column.to_pylist()]
    return column.to_pylist()


def linked_filings(refs: Iterable[FilingRef]) -> dict[str, dict[str, str]]:
    """What the rules of a filing read of other filings: FilingData attribute → filing_id → the filing_id it links to
    (last year's filing; for a 决算, the department's 预算 of the same year)."""
    refs = list(refs)
    return {"previous": previous_filings(refs), "budget": budgets_of_final_accounts(refs)}


def filings_of(rows: Mapping[str, pa.Table | None]) -> dict[str, FilingData]:
    """filing_id → FilingData of every ok/partial filing among `rows` (dataset name → its rows, COLUMNS at least),
    each linked to the filings it reads (linked_filings) when they are among the rows too."""
    filings = [f for f in rows[FILINGS.name].select(COLUMNS[FILINGS.name]).to_pylist() if f["status"] != "failed"]
    amounts = _records(rows.get(LINE_ITEMS.name), LINE_ITEMS.name, Amount)
    tables = _records(rows.get(TABLES.name), TABLES.name, PrintedTable)
    cells = _records(rows.get(FORM_CELLS.name), FORM_CELLS.name, FormCell)
    sections = _records(rows.get(NARRATIVE.name), NARRATIVE.name, lambda index, *section: (index, tuple(section)))
    result = {}
    for f in filings:
        narrative = [section for _, section in sorted(sections.get(f["filing_id"], []), key=lambda s: s[0])]
        result[f["filing_id"]] = FilingData(
            f["filing_id"],
            f["year"],
            f["department"],
            f["region"],
            amounts.get(f["filing_id"], []),
            tables.get(f["filing_id"], []),
            cells.get(f["filing_id"], []),
            narrative_to_claims(narrative, f["year"], f["doc_kind"]),
            narrative,
            status=f["status"],
            doc_kind=f["doc_kind"],
            scope=f["scope"],
            parent_department=f["parent_department"],
        )
    for attribute, links in linked_filings(FilingRef.of(f) for f in filings).items():
        for filing_id, linked_id in links.items():
            if linked_id in result:
                setattr(result[filing_id], attribute, result[linked_id])
    return result

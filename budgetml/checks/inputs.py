"""What the rules read of one filing (FilingData), loaded from the parse datasets through `budgetml.datasets`.

One FilingData per ok/partial filing: its line items as exact amounts, its tables as printed, its
performance-form cells, the claims its narrative states (budgetml/checks/claims.py) and, for the
year-over-year rule, the same department's filing of the year before, and for a 决算 the department's
预算 of the same year (budgetml/identity.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from budgetml.checks.claims import Claim, narrative_to_claims
from budgetml.checks.registry import Evidence, message
from budgetml.datasets import read_table
from budgetml.form_cells import FormCell, cell_of
from budgetml.identity import FilingRef, budgets_of_final_accounts, previous_filings
from budgetml.normalise import UNIT_TO_YUAN, squash
from budgetml.schema import FILINGS, FORM_CELLS, LINE_ITEMS, NARRATIVE, TABLES, Dataset

BBox = tuple[float, float, float, float]
# A table identified below this match score (tables.parquet confidence) is read but not judged: a comparison
# that fails on its figures is 无法检查, not a finding. The parser accepts from 0.6; the tables it names
# between 0.6 and 0.8 on varied layouts are mostly header rows or continuations read as titles.
CONFIDENT_MATCH = 0.8
# The 三公 table's parts (机关运行经费, printed apart from them, is not one).
SANGONG_PARTS = ("overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")


@dataclass(frozen=True)
class Amount:
    """One line item as the rules see it."""

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

    @property
    def half_unit_yuan(self) -> Decimal:
        """How far the printed figure may be from the exact one: half of its last printed digit."""
        return Decimal(5).scaleb(-self.decimals - 1) * UNIT_TO_YUAN[self.unit]

    @property
    def evidence(self) -> Evidence:
        """The figure's page, box and cell."""
        return Evidence(self.page, self.bbox, self.cell_id)


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
        found = [a for a in self.table(table_id) if a.column == column]
        if code is not None:
            found = [a for a in found if a.code == code]
        elif label is not None:
            found = [a for a in found if re.fullmatch(label, squash(a.row_label))]
        else:
            first = min(((x.table_index, x.row_index) for x in found), default=None)
            found = [a for a in found if (a.table_index, a.row_index) == first]
        return found[0] if found else None

    def grand_total(self, table_id: str, column: str) -> Amount | None:
        """The figure in `column` of the table's 合计/总计 row (the row without a code)."""
        return total_row(self.table(table_id)).get(column)

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


def coded_rows(amounts: list[Amount]) -> dict[str, dict[str, Amount]]:
    """code → column → amount, for the rows of one table that print a code."""
    rows: dict[str, dict[str, Amount]] = {}
    for a in amounts:
        if a.code:
            rows.setdefault(a.code, {}).setdefault(a.column, a)
    return rows


def total_row(amounts: list[Amount]) -> dict[str, Amount]:
    """column → amount of the 合计/总计 row of one table."""
    return {a.column: a for a in amounts if squash(a.row_label) in ("合计", "总计") and not a.code}


def rows_by_index(amounts: list[Amount]) -> dict[tuple[int, int], dict[str, Amount]]:
    """(table_index, row_index) → column → amount, for the rows of one table (a table printed in pieces keeps them apart)."""
    rows: dict[tuple[int, int], dict[str, Amount]] = {}
    for a in amounts:
        rows.setdefault((a.table_index, a.row_index), {}).setdefault(a.column, a)
    return rows


# ---------------------------------------------------------------- reading the datasets


def _rows(dataset: Dataset, out_dir: Path) -> list[dict]:
    table: pa.Table | None = read_table(dataset, out_dir)
    if table is None:
        raise FileNotFoundError(f"{out_dir} 中没有 {dataset.file_name}：请先运行 budgetml parse")
    return table.to_pylist()


def amount_of(row: dict) -> Amount:
    """The rules' record of one line_items.parquet row."""
    return Amount(
        row["cell_id"],
        row["table_index"],
        row["table_id"],
        row["page"],
        row["row_index"],
        row["row_label"],
        row["code"],
        row["column_name"],
        row["amount_yuan"],
        row["decimals"],
        row["unit"],
        row["raw"],
        tuple(row["bbox"]),
    )


def printed_table_of(row: dict) -> PrintedTable:
    """The rules' record of one tables.parquet row."""
    return PrintedTable(
        row["table_index"],
        row["table_id"],
        row["table_title"],
        row["unit"],
        tuple(row["pages"]),
        row["department_printed"],
        tuple(row["notes"]),
        row["confidence"],
        row["department_label"],
    )


def load_filings(out_dir: Path) -> list[FilingData]:
    """The parsed datasets of out_dir as one FilingData per ok/partial filing, each linked to its previous year's."""
    filings = _rows(FILINGS, out_dir)
    parts: dict[str, dict[str, list]] = {
        f["filing_id"]: {"amounts": [], "tables": [], "forms": [], "narrative": []} for f in filings
    }
    for row in _rows(LINE_ITEMS, out_dir):
        parts[row["filing_id"]]["amounts"].append(amount_of(row))
    for row in _rows(TABLES, out_dir):
        parts[row["filing_id"]]["tables"].append(printed_table_of(row))
    for row in _rows(FORM_CELLS, out_dir):
        parts[row["filing_id"]]["forms"].append(cell_of(row))
    for row in sorted(_rows(NARRATIVE, out_dir), key=lambda r: (r["filing_id"], r["section_index"])):
        parts[row["filing_id"]]["narrative"].append((row["section"], row["page"], row["text"]))
    filings = [f for f in filings if f["status"] != "failed"]
    result = {
        f["filing_id"]: FilingData(
            f["filing_id"],
            f["year"],
            f["department"],
            f["region"],
            parts[f["filing_id"]]["amounts"],
            parts[f["filing_id"]]["tables"],
            parts[f["filing_id"]]["forms"],
            narrative_to_claims(parts[f["filing_id"]]["narrative"], f["year"], f["doc_kind"]),
            parts[f["filing_id"]]["narrative"],
            status=f["status"],
            doc_kind=f["doc_kind"],
            scope=f["scope"],
            parent_department=f["parent_department"],
        )
        for f in filings
    }
    refs = [FilingRef.of(f) for f in filings]
    for filing_id, previous_id in previous_filings(refs).items():
        result[filing_id].previous = result[previous_id]
    for filing_id, budget_id in budgets_of_final_accounts(refs).items():
        result[filing_id].budget = result[budget_id]
    return list(result.values())

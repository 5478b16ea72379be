"""function_codes.parquet and economic_codes.parquet: every classification code printed, its level, parent and names.

Built from line_items at each run, from the tables configs/catalog.toml marks with the code system
(`code_system`): 支出功能分类 codes are 3 (类), 5 (款) or 7 (项) digits, 支出经济分类 codes 3 (类) or 5
(款). A code's name is the row label printed next to it, whitespace removed; the names are counted in
filings per year, and the most common is the code's `name`. A parent no filing prints gets a row
without a name, so that every parent_code names a row.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from budgetml.catalog import load_catalog
from budgetml.datasets import rows_to_table
from budgetml.schema import ECONOMIC_CODES, FUNCTION_CODES, LEVELS, Dataset

# code length → level, per classification
LEVEL_OF_LENGTH = {
    "function": {3: LEVELS[0], 5: LEVELS[1], 7: LEVELS[2]},
    "economic": {3: LEVELS[0], 5: LEVELS[1]},
}
DATASET_OF = {"function": FUNCTION_CODES, "economic": ECONOMIC_CODES}


def code_dictionary(line_items: pa.Table | pl.DataFrame, system: str) -> pa.Table:
    """The dictionary of one classification ("function" or "economic") from line items (with their year)."""
    dataset: Dataset = DATASET_OF[system]
    levels = LEVEL_OF_LENGTH[system]
    items = line_items if isinstance(line_items, pl.DataFrame) else pl.from_arrow(line_items)
    printed = (
        items.lazy()
        .select("filing_id", "table_id", "code", "row_label", "year")
        .filter(
            pl.col("table_id").is_in(load_catalog().code_tables(system)),
            pl.col("code").str.len_chars().is_in(list(levels)),
        )
        .with_columns(pl.col("row_label").str.replace_all(r"\s+", "").alias("name"))
        .group_by("code", "year", "name")
        .agg(pl.col("filing_id").n_unique().alias("n_filings"))
        .collect()
    )
    rows: dict[str, dict] = {}
    for code, group in printed.sort("code").group_by("code", maintain_order=True):
        code = code[0]
        names = sorted(group.iter_rows(named=True), key=lambda r: (r["year"] is None, r["year"] or 0, r["name"]))
        totals: dict[str, tuple[int, int]] = {}
        for r in names:
            count, latest = totals.get(r["name"], (0, 0))
            totals[r["name"]] = (count + r["n_filings"], max(latest, r["year"] or 0))
        years = [r["year"] for r in names if r["year"] is not None]
        rows[code] = {
            "code": code,
            "level": levels[len(code)],
            "parent_code": code[:-2] if len(code) > 3 else None,
            "name": max(totals, key=lambda n: (totals[n][0], totals[n][1], n)) if totals else None,
            "names": [{"year": r["year"], "name": r["name"], "n_filings": r["n_filings"]} for r in names],
            "n_filings": 0,  # filings printing the code in any year: counted below
            "first_year": min(years, default=None),
            "last_year": max(years, default=None),
            "is_printed": True,
        }
    n_filings = (
        items.lazy()
        .filter(pl.col("table_id").is_in(load_catalog().code_tables(system)), pl.col("code").is_in(list(rows)))
        .group_by("code")
        .agg(pl.col("filing_id").n_unique().alias("n"))
        .collect()
    )
    for code, n in n_filings.iter_rows():
        rows[code]["n_filings"] = n
    for code in list(rows):
        parent = rows[code]["parent_code"]
        while parent is not None and parent not in rows:
            rows[parent] = {
                "code": parent,
                "level": levels[len(parent)],
                "parent_code": parent[:-2] if len(parent) > 3 else None,
                "name": None,
                "names": [],
                "n_filings": 0,
                "first_year": None,
                "last_year": None,
                "is_printed": False,
            }
            parent = rows[parent]["parent_code"]
    return rows_to_table(dataset, [rows[code] for code in sorted(rows)])

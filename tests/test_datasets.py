"""Dataset declarations: enforced on write, round-trip exactly through Parquet, documented."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetml import datasets
from budgetml.layout import dataset_path
from budgetml.schema import DATASETS, FILINGS, LINE_ITEMS

REPO = Path(__file__).resolve().parent.parent


def item_row(amount: Decimal, **overrides) -> dict:
    row = {
        "cell_id": "f" * 64 + ":0:0:2",
        "filing_id": "f" * 64,
        "table_index": 0,
        "table_id": "expenditure_summary",
        "table_title": "部门支出总表",
        "page": 3,
        "row_index": 0,
        "row_label": "合计",
        "row_label_squashed": "合计",
        "code": None,
        "column_index": 2,
        "column_name": "total",
        "column_header": "合计",
        "amount_wan": float(amount / 10000),
        "amount_yuan": amount,
        "unit": "万元",
        "decimals": 2,
        "raw": "3,375.67",
        "bbox": [1.0, 2.0, 3.0, 4.0],
        "year": 2025,
    }
    return row | overrides


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2, allow_nan=False),
        min_size=1,
        max_size=20,
    )
)
def test_amounts_round_trip_exactly(tmp_path_factory, amounts):
    out = tmp_path_factory.mktemp("rt")
    table = datasets.rows_to_table(LINE_ITEMS, [item_row(a) for a in amounts])
    datasets.write_table(LINE_ITEMS, table, out)
    back = pl.read_parquet(dataset_path(out, "line_items"))
    assert [Decimal(v) for v in back["amount_yuan"].to_list()] == amounts
    assert sum(back["amount_yuan"].to_list()) == sum(amounts)


def test_undeclared_value_is_refused():
    with pytest.raises(datasets.SchemaError):
        datasets.rows_to_table(LINE_ITEMS, [item_row(Decimal("1.00"), unit="千元")])


def test_null_in_required_column_is_refused():
    with pytest.raises((datasets.SchemaError, pa.ArrowInvalid)):
        datasets.rows_to_table(LINE_ITEMS, [item_row(Decimal("1.00"), row_label=None)])


def test_missing_column_is_refused():
    row = item_row(Decimal("1.00"))
    del row["raw"]
    with pytest.raises(datasets.SchemaError):
        datasets.rows_to_table(LINE_ITEMS, [row])


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    good = datasets.rows_to_table(LINE_ITEMS, [item_row(Decimal("1.00"))])
    datasets.write_table(LINE_ITEMS, good, tmp_path)
    before = dataset_path(tmp_path, "line_items").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(datasets.pq, "write_table", crash)
    with pytest.raises(OSError):
        datasets.write_table(LINE_ITEMS, datasets.rows_to_table(LINE_ITEMS, [item_row(Decimal("2.00"))]), tmp_path)
    assert dataset_path(tmp_path, "line_items").read_bytes() == before
    assert sorted(p.name for p in dataset_path(tmp_path, "line_items").parent.iterdir()) == [
        "datapackage.json",
        "line_items.parquet",
    ]


def test_datasets_md_is_generated_from_the_schema():
    assert (REPO / "docs" / "datasets.md").read_text(encoding="utf-8") == datasets.data_dictionary(), (
        "docs/datasets.md is stale: run `budgetml docs`"
    )


def test_every_column_is_documented():
    for dataset in DATASETS:
        for column in dataset.columns:
            assert len(column.description) > 10, f"{dataset.name}.{column.name} lacks a description"


def test_empty_batch_writes_empty_datasets_with_schema(tmp_path):
    table = datasets.rows_to_table(FILINGS, [])
    datasets.write_table(FILINGS, table, tmp_path)
    assert pl.read_parquet(dataset_path(tmp_path, "filings")).columns == [c.name for c in FILINGS.columns]

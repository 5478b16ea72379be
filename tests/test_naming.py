"""Every published column follows the naming convention (docs/conventions.md, Naming) and is no SQL reserved word."""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pytest

from budgetml.schema import DATASETS, NO_UNIT, PER_ROW_UNIT, YUAN, Column, Dataset

# Units and the suffix a column measured in them ends with.
SUFFIX_OF_UNIT = {
    "元": "_yuan",
    "万元": "_wan",
    "%": "_pct",
    "ratio": "_ratio",
    "s": "_s",
    "byte": "_bytes",
    "MB": "_mb",
    "log10 万元": "_log10_wan",
}
COUNT_UNITS = ("count", "个")  # counts start with n_
# Names kept outside the rules, each with its reason in docs/conventions.md (Naming, "Kept names").
KEPT = {
    ("line_items", "decimals"): "a precision (digits printed), not a count of things",
    ("form_cells", "colspan"): "HTML's word for the columns a cell spans",
    ("features", "indicators_per_project"): "a rate whose name says what is divided by what",
}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def reserved_words() -> set[str]:
    """DuckDB's reserved keywords: a column named one of them must be quoted in every query."""
    rows = duckdb.sql("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()
    return {name for (name,) in rows}


def columns() -> list[tuple[Dataset, Column]]:
    return [(d, c) for d in DATASETS for c in d.columns]


def problems(dataset: Dataset, column: Column, reserved: set[str]) -> list[str]:
    """What is wrong with one column's name, given its type and unit (empty: it follows the convention)."""
    name, unit, found = column.name, column.unit or NO_UNIT, []
    if not SNAKE.match(name):
        found.append("not lower snake_case ASCII")
    if name in reserved:
        found.append("a reserved word in SQL (DuckDB)")
    if (dataset.name, name) in KEPT:
        return found
    is_bool = pa.types.is_boolean(column.dtype)
    if is_bool != name.startswith(("is_", "has_")):
        found.append("booleans, and only booleans, start with is_ or has_")
    if unit in SUFFIX_OF_UNIT and not name.endswith(SUFFIX_OF_UNIT[unit]):
        found.append(f"unit {unit} but the name does not end with {SUFFIX_OF_UNIT[unit]}")
    for other, suffix in SUFFIX_OF_UNIT.items():
        if name.endswith(suffix) and unit != other and not (suffix == "_wan" and unit == "log10 万元"):
            found.append(f"ends with {suffix} but its unit is {unit}, not {other}")
    if name.endswith("_yuan") and column.dtype != YUAN:
        found.append("an amount in 元 is an exact decimal(24,4)")
    if column.dtype == YUAN and unit not in ("元", PER_ROW_UNIT):
        found.append("an exact amount is in 元 (or, as printed, in its row's unit)")
    if unit == PER_ROW_UNIT and "unit" not in {c.name for c in dataset.columns}:
        found.append("a figure in its row's unit needs a unit column")
    if (unit in COUNT_UNITS) != name.startswith("n_"):
        found.append("counts, and only counts, start with n_")
    if name.startswith("n_") and not pa.types.is_integer(column.dtype):
        found.append("a count is an integer")
    if name.endswith("_id") and not pa.types.is_string(column.dtype):
        found.append("an identifier is a string")
    if pa.types.is_floating(column.dtype) and unit == NO_UNIT:
        found.append("a float column says its unit")
    return found


def test_no_amount_is_a_float_only():
    """Every float in 万元 is the convenience copy of an exact amount beside it: <stem>_wan next to <stem>_yuan."""
    for dataset in DATASETS:
        names = {c.name for c in dataset.columns}
        for column in dataset.columns:
            if column.unit in ("万元", "元", "亿元") and pa.types.is_floating(column.dtype):
                stem = column.name.removesuffix("_wan")
                assert f"{stem}_yuan" in names, f"{dataset.name}.{column.name} has no exact {stem}_yuan"


def test_the_rules_catch_what_they_should():
    reserved = reserved_words()
    dataset = Dataset("x", "", ("a",), (Column("unit", pa.string(), "the unit"),))
    bad = [
        Column("column", pa.string(), ""),
        Column("passed", pa.bool_(), ""),
        Column("is_count", pa.int32(), "", unit="count"),
        Column("total_expenditure", pa.float64(), "", unit="万元"),
        Column("total_yuan", pa.float64(), "", unit="元"),
        Column("workers", pa.int32(), "", unit="count"),
        Column("score", pa.float64(), ""),
        Column("amount", YUAN, "", unit="万元"),
        Column("Share", pa.float64(), "", unit="%"),
    ]
    for column in bad:
        assert problems(dataset, column, reserved), column.name
    good = [
        Column("column_name", pa.string(), ""),
        Column("is_passed", pa.bool_(), ""),
        Column("total_expenditure_wan", pa.float64(), "", unit="万元"),
        Column("total_expenditure_yuan", YUAN, "", unit="元"),
        Column("n_workers", pa.int32(), "", unit="count"),
        Column("amount", YUAN, "", unit=PER_ROW_UNIT),
        Column("share_pct", pa.float64(), "", unit="%"),
    ]
    for column in good:
        assert not problems(dataset, column, reserved), column.name


@pytest.mark.parametrize("dataset,column", columns(), ids=lambda x: x.name)
def test_every_column_follows_the_convention(dataset, column):
    assert not problems(dataset, column, reserved_words()), f"{dataset.name}.{column.name}"


def test_kept_names_are_explained_in_the_conventions():
    from tests.conftest import REPO

    text = (REPO / "docs" / "conventions.md").read_text(encoding="utf-8")
    for dataset, name in KEPT:
        assert f"`{dataset}.{name}`" in text, f"{dataset}.{name} is kept without a reason in docs/conventions.md"
        assert any(c.name == name for d in DATASETS if d.name == dataset for c in d.columns), (dataset, name)


def test_every_column_of_every_dataset_reads_unquoted_in_duckdb():
    """The whole schema as a DuckDB table, every column named bare in a query: a reserved word would not parse."""
    for dataset in DATASETS:
        names = ", ".join(c.name for c in dataset.columns)
        empty = dataset.arrow_schema().empty_table()  # noqa: F841 - read by DuckDB by its name
        duckdb.sql(f"SELECT {names} FROM empty").fetchall()

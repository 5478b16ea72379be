"""Bring an output folder written by an earlier version up to this one, without reparsing: its layout, then its schema.

`migrate_output` runs at the start of every run that writes (`budgetml run`, `budgetml parse`), under
the output lock. First the flat layout of early versions moves into data/ and .state/
(layout.migrate_flat_layout). Then every dataset older than schema.SCHEMA_VERSION (a file's version is
its `budgetml.schema_version` metadata; files without it are version 1) is rewritten to the current
declarations, step by step (`STEPS`): the published datasets as a new generation, switched to in one
rename (generations.py), and the parse cache's entries file by file, so that the run which follows
reuses every parsed file. What a step cannot recover from the old files exactly is said where it is
done; the run that follows the migration computes the later datasets (checks, features, scores) anew.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from budgetml import generations
from budgetml.code_dictionary import code_dictionary
from budgetml.datasets import replace_file, write_table
from budgetml.departments import departments_table, regions_table
from budgetml.layout import cache_dir, dataset_files, migrate_flat_layout, partitioned_path
from budgetml.normalise import UNIT_TO_YUAN, YUAN_PER_WAN, squash
from budgetml.parse import with_keys
from budgetml.quality import with_quality
from budgetml.schema import (
    CHECKS,
    DATASETS,
    DEPARTMENTS,
    ECONOMIC_CODES,
    FILINGS,
    FUNCTION_CODES,
    HEADLINE_FIGURES,
    LINE_ITEMS,
    REGIONS,
    SCHEMA_VERSION,
    YUAN,
    Dataset,
    cell_id,
)

VERSION_KEY = b"budgetml.schema_version"
_SCALE = Decimal(1).scaleb(-YUAN.scale)


def migrate_output(out_dir: Path) -> list[str]:
    """Migrate an output folder to the current layout and schema (the caller holds its lock); returns what changed."""
    out = Path(out_dir)
    changed = migrate_flat_layout(out)
    changed += migrate_published(out)
    changed += migrate_cache(out)
    return changed


def file_version(schema: pa.Schema) -> int:
    """The schema version a Parquet file was written with (1: before files said it)."""
    return int((schema.metadata or {}).get(VERSION_KEY, b"1"))


# --- the steps: version n → n + 1, per dataset ------------------------------------------------------------


def _float_to_decimal(value: float | None, factor: Decimal) -> Decimal | None:
    """A float written from an exact Decimal back to that Decimal × factor, at the datasets' scale.

    The float was the nearest double to a decimal of at most 15 significant digits (amounts printed to
    0.01 below 10^13 元), whose shortest repr is that decimal again: the round trip is exact for them.
    """
    if value is None:
        return None
    return (Decimal(repr(value)) * factor).quantize(_SCALE)


def _rename(table: pa.Table, names: dict[str, str]) -> pa.Table:
    return table.rename_columns([names.get(n, n) for n in table.column_names])


def _with_column(table: pa.Table, name: str, values: pa.Array | list, dtype: pa.DataType) -> pa.Table:
    array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, dtype)
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, array)
    return table.append_column(name, array)


def _cell_ids(table: pa.Table) -> list[str]:
    columns = ("filing_id", "table_index", "row_index", "column_index")
    return [cell_id(*row) for row in zip(*(table[c].to_pylist() for c in columns))]


def _years(table: pa.Table, filings: pa.Table) -> list[int | None]:
    year_of = dict(zip(filings["filing_id"].to_pylist(), filings["year"].to_pylist()))
    return [year_of.get(f) for f in table["filing_id"].to_pylist()]


def _filings_v2(table: pa.Table, context: dict) -> pa.Table:
    """Headline figures in 万元 (floats) → exact *_yuan and *_wan; keys and quality from the printed names."""
    for name, _ in HEADLINE_FIGURES:
        if name in table.column_names:
            wan = table[name].to_pylist()
            table = table.drop_columns([name])
        else:  # a figure a later version added (the 决算's, schema 3): null in the old rows
            wan = [None] * table.num_rows
        table = _with_column(table, f"{name}_yuan", [_float_to_decimal(v, YUAN_PER_WAN) for v in wan], YUAN)
        table = _with_column(table, f"{name}_wan", wan, pa.float64())
    for name, dtype in (("region_code", pa.string()), ("department_id", pa.string()), ("quality", pa.string())):
        table = _with_column(table, name, [None] * table.num_rows, dtype)
    table = _with_column(table, "n_error_findings", [None] * table.num_rows, pa.int32())
    return with_keys(table.select([c.name for c in FILINGS.columns]).cast(FILINGS.arrow_schema()))


def _cells_v2(table: pa.Table, context: dict) -> pa.Table:
    """line_items (column → column_name, value_wan → amount_wan) and form_cells: cell_id and the filing's year added."""
    table = _rename(table, {"column": "column_name", "value_wan": "amount_wan"})
    table = _with_column(table, "cell_id", _cell_ids(table), pa.string())
    return _with_column(table, "year", _years(table, context["filings"]), pa.int16())


def _claims_v2(table: pa.Table, context: dict) -> pa.Table:
    """percent → change_pct; the stated amounts also in 元, exactly (amount × unit). Claims written before they
    had a heading path take their section as one (the run that follows reads the narrative again)."""
    table = _rename(table, {"percent": "change_pct"})
    if "heading_path" not in table.column_names:
        table = _with_column(table, "heading_path", table["section"], pa.string())
    units = table["unit"].to_pylist()
    for name in ("amount", "delta", "prev_amount"):
        values = table[name].to_pylist()
        exact = [None if v is None else (v * UNIT_TO_YUAN[u]).quantize(_SCALE) for v, u in zip(values, units)]
        table = _with_column(table, f"{name}_yuan", exact, YUAN)
    return table


def _checks_v2(table: pa.Table, context: dict) -> pa.Table:
    """passed → is_passed; expected/actual/diff/tolerance of amount rules also in 元 (from the floats, see
    _float_to_decimal); cell_ids unknown (null): the checks of the run that follows cite them."""
    table = _rename(table, {"passed": "is_passed"})
    units = table["unit"].to_pylist()
    exact = {}
    for name in ("expected", "actual", "tolerance"):
        values = table[name].to_pylist()
        exact[name] = [
            _float_to_decimal(v, UNIT_TO_YUAN[u]) if u in UNIT_TO_YUAN else None for v, u in zip(values, units)
        ]
        table = _with_column(table, f"{name}_yuan", exact[name], YUAN)
    diff = [a - e if a is not None and e is not None else None for a, e in zip(exact["actual"], exact["expected"])]
    table = _with_column(table, "diff_yuan", diff, YUAN)
    if "finding_id" not in table.column_names:  # checks written before findings had ids
        ids = [f"{r}:{k}" for r, k in zip(table["rule_id"].to_pylist(), table["finding_index"].to_pylist())]
        table = _with_column(table, "finding_id", ids, pa.string())
    nulls = [[None] * len(p) for p in table["pages"].to_pylist()]
    return _with_column(table, "cell_ids", nulls, pa.list_(pa.string()))


def _anomalies_v2(table: pa.Table, context: dict) -> pa.Table:
    return _rename(table, {"flagged": "is_flagged", "peer_group_size": "n_peer_group"})


def _runs_v2(table: pa.Table, context: dict) -> pa.Table:
    table = _rename(table, {"workers": "n_workers"})
    return _with_column(table, "unknown_regions", [None] * table.num_rows, pa.list_(pa.string()))


def _features_v3(table: pa.Table, context: dict) -> pa.Table:
    """doc_kind added (schema 3): every filing scored before 决算 were read was a budget. The new columns of schema 3
    (the 决算's headline figures, claims in 决算 wording, execution features, budget_execution) are null in old rows."""
    return _with_column(table, "doc_kind", ["budget"] * table.num_rows, pa.string())


def _line_items_v4(table: pa.Table, context: dict) -> pa.Table:
    """row_label_squashed: the row label as the rules match it, from the printed row_label (exactly what the parser
    now writes)."""
    return _with_column(table, "row_label_squashed", [squash(v) for v in table["row_label"].to_pylist()], pa.string())


Step = Callable[[pa.Table, dict], pa.Table]
# STEPS[n][dataset] upgrades a dataset of version n to n + 1; a dataset not named keeps its columns.
STEPS: dict[int, dict[str, Step]] = {
    1: {
        "filings": _filings_v2,
        "line_items": _cells_v2,
        "form_cells": _cells_v2,
        "claims": _claims_v2,
        "checks": _checks_v2,
        "anomalies": _anomalies_v2,
        "runs": _runs_v2,
    },
    2: {"features": _features_v3},
    3: {"line_items": _line_items_v4},
}


def upgrade(dataset: Dataset, table: pa.Table, version: int, context: dict) -> pa.Table:
    """A dataset's table of `version` as the current declaration has it (columns in declared order, declared types)."""
    for step_version in range(version, SCHEMA_VERSION):
        step = STEPS[step_version].get(dataset.name)
        if step is not None:
            table = step(table, context)
    for column in dataset.columns:  # a nullable column a version added without a step: null in the old rows
        if column.name not in table.column_names and column.nullable:
            table = table.append_column(column.name, pa.nulls(table.num_rows, column.dtype))
    return table.select([c.name for c in dataset.columns]).cast(dataset.arrow_schema())


# --- the published datasets -------------------------------------------------------------------------------


def _published_versions(out: Path) -> dict[str, int]:
    versions = {}
    for dataset in DATASETS:
        files = dataset_files(out, dataset)
        if files:
            versions[dataset.name] = min(file_version(pq.read_schema(path)) for path in files)
    return versions


def migrate_published(out_dir: Path) -> list[str]:
    """Rewrite the published datasets older than the current schema as a new generation; returns the datasets rewritten."""
    out = Path(out_dir)
    versions = _published_versions(out)
    old = {name: v for name, v in versions.items() if v < SCHEMA_VERSION}
    if not old:
        return []
    staged = generations.begin(out)
    declared = {d.name: d for d in DATASETS}
    context = {"filings": _read_raw(staged, FILINGS)}  # what other steps read of the filings (their years)
    tables: dict[str, pa.Table] = {}
    for name in sorted(old, key=lambda n: n != FILINGS.name):  # filings first: the others' metadata counts them
        tables[name] = upgrade(declared[name], _read_raw(staged, declared[name]), old[name], context)
        if name == CHECKS.name and FILINGS.name in tables:
            tables[FILINGS.name] = with_quality(tables[FILINGS.name], tables[name])
    for name in sorted(tables, key=lambda n: n != FILINGS.name):
        write_table(declared[name], tables[name], staged, partitioned_path(staged, name).is_dir())
    if FILINGS.name in tables:
        filings = tables[FILINGS.name]
        write_table(DEPARTMENTS, departments_table(filings), staged)
        write_table(REGIONS, regions_table(filings), staged)
    if LINE_ITEMS.name in tables:
        for dataset, system in ((FUNCTION_CODES, "function"), (ECONOMIC_CODES, "economic")):
            write_table(dataset, code_dictionary(tables[LINE_ITEMS.name], system), staged)
    generations.publish(out, staged)
    return sorted(old)


def _read_raw(out: Path, dataset: Dataset) -> pa.Table:
    files = dataset_files(out, dataset)
    return pa.concat_tables([pq.read_table(path) for path in files]) if files else None


# --- the parse cache --------------------------------------------------------------------------------------


def migrate_cache(out_dir: Path) -> list[str]:
    """Rewrite the parse cache's entries older than the current schema, file by file (every parser version's, each
    extraction engine having its own); returns the entries."""
    declared = {d.name: d for d in DATASETS}
    migrated = []
    roots = sorted(cache_dir(Path(out_dir)).glob("parse-v*"))
    for entry in sorted(p for root in roots for p in root.iterdir() if p.is_dir()):
        filings_path = entry / FILINGS.file_name
        if not filings_path.exists():
            continue  # an entry its run did not finish: never read (incremental.find_entry)
        versions = {p.stem: file_version(pq.read_schema(p)) for p in entry.glob("*.parquet") if p.stem in declared}
        if all(v >= SCHEMA_VERSION for v in versions.values()):
            continue
        context = {"filings": pq.read_table(filings_path)}
        for name in sorted(versions, key=lambda n: n == FILINGS.name):  # filings last: it marks a whole entry
            if versions[name] < SCHEMA_VERSION:
                table = upgrade(declared[name], pq.read_table(entry / f"{name}.parquet"), versions[name], context)
                replace_file(table, entry / f"{name}.parquet", durable=False)
        migrated.append(f"cache/{entry.parent.name}/{entry.name}")
    return migrated

"""Build, check and atomically write the Parquet datasets declared in schema.py; render their data dictionary."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from budgetml.layout import dataset_path
from budgetml.schema import DATASETS, Dataset


class SchemaError(ValueError):
    """Rows do not fit their dataset's declared schema."""


def rows_to_table(dataset: Dataset, rows: list[dict]) -> pa.Table:
    """Rows (dicts keyed by column name) as an Arrow table with exactly the declared schema, checked."""
    schema = dataset.arrow_schema()
    names = {c.name for c in dataset.columns}
    for row in rows[:1]:
        extra, missing = set(row) - names, names - set(row)
        if extra or missing:
            raise SchemaError(f"{dataset.name}: unexpected columns {sorted(extra)}, missing {sorted(missing)}")
    table = pa.Table.from_pylist(rows, schema=schema)
    check_table(dataset, table)
    return table


def check_table(dataset: Dataset, table: pa.Table) -> None:
    """Enforce the declaration: schema, non-null columns, allowed values."""
    if not table.schema.equals(dataset.arrow_schema()):
        raise SchemaError(f"{dataset.name}: schema differs from the declaration:\n{table.schema}")
    for column in dataset.columns:
        values = table.column(column.name)
        if not column.nullable and values.null_count:
            raise SchemaError(f"{dataset.name}.{column.name}: {values.null_count} nulls in a non-null column")
        if column.values is not None:
            seen = {v for v in values.to_pylist() if v is not None}
            unknown = seen - set(column.values)
            if unknown:
                raise SchemaError(f"{dataset.name}.{column.name}: values {sorted(unknown)} not in {column.values}")


def write_table(dataset: Dataset, table: pa.Table, out_dir: Path) -> Path:
    """Write OUT/data/<name>.parquet atomically: a temporary file in the same folder, fsynced, then renamed over the old one."""
    check_table(dataset, table)
    target = dataset_path(out_dir, dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dataset.name}.", suffix=".tmp", dir=target.parent)
    os.fchmod(fd, 0o644)  # mkstemp makes 0600; published datasets are for every researcher on the machine
    try:
        with os.fdopen(fd, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def read_table(dataset: Dataset, out_dir: Path) -> pa.Table | None:
    """OUT/data/<name>.parquet with its declared schema, None when absent."""
    path = dataset_path(out_dir, dataset)
    if not path.exists():
        return None
    return pq.read_table(path, schema=dataset.arrow_schema())


def data_dictionary() -> str:
    """docs/datasets.md, generated from the declarations."""
    lines = [
        "# Datasets",
        "",
        "Generated from `budgetml/schema.py` by `budgetml docs`; do not edit by hand.",
        "",
        "Naming: units last (`value_wan`, `amount_yuan`), identifiers `*_id`, booleans `is_`/`has_`;",
        "the same column name means the same thing in every dataset.",
        "",
    ]
    for dataset in DATASETS:
        lines += [
            f"## `{dataset.file_name}`",
            "",
            dataset.description,
            "",
            f"Key: {', '.join(f'`{k}`' for k in dataset.key)}",
            "",
        ]
        lines += ["| column | type | unit | nullable | description |", "|---|---|---|---|---|"]
        for c in dataset.columns:
            allowed = f" Values: {', '.join(f'`{v}`' for v in c.values)}." if c.values else ""
            lines.append(
                f"| `{c.name}` | {c.dtype} | {c.unit or ''} | {'yes' if c.nullable else 'no'} | {c.description}{allowed} |"
            )
        lines.append("")
    return "\n".join(lines)

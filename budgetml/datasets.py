"""Build, check and atomically write the Parquet datasets declared in schema.py; read them; render their data dictionary.

Every file carries its own description: each field its description, unit and example (from the
declaration), the file its dataset name, key, schema version, budgetml and parser versions, when it
was written and how many filings it was built from. After each write the folder's datapackage.json
(budgetml/datapackage.py) is written again, so it always describes the files beside it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml import __version__
from budgetml.datapackage import write_datapackage
from budgetml.layout import NULL_PARTITION, PARTITION_FILE, data_dir, dataset_files, file_path, partitioned_path
from budgetml.schema import DATASETS, FILINGS, SCHEMA_VERSION, Dataset


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


def stamped(dataset: Dataset, table: pa.Table, out_dir: Path) -> pa.Table:
    """The table with the declared field metadata and the file metadata of this write (see the module docstring)."""
    return pa.Table.from_arrays(table.columns, schema=stamped_schema(dataset, table, out_dir))


def stamped_schema(dataset: Dataset, table: pa.Table, out_dir: Path) -> pa.Schema:
    """The declared schema with the file metadata of a write of `table` (filings: its own rows; other datasets
    count the filings.parquet beside them)."""
    meta = {
        **dataset.schema_metadata(),
        "budgetml.version": __version__,
        "budgetml.created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    versions, n_inputs = _provenance(dataset, table, out_dir)
    if versions:
        meta["budgetml.parser_version"] = ",".join(versions)
    if n_inputs is not None:
        meta["budgetml.n_inputs"] = str(n_inputs)
    return dataset.arrow_schema().with_metadata(meta)


def _provenance(dataset: Dataset, table: pa.Table, out_dir: Path) -> tuple[list[str], int | None]:
    """Parser versions and number of filings the table was built from: its own, or those of filings.parquet beside it."""
    filings = file_path(out_dir, FILINGS)
    if dataset.name == FILINGS.name:
        source = table
    elif filings.exists():
        source = pq.read_table(filings, columns=["parser_version"])
    else:
        return [], None
    versions = sorted(set(source["parser_version"].to_pylist()))
    return versions, source.num_rows


def write_table(dataset: Dataset, table: pa.Table, out_dir: Path, partitioned: bool = False) -> Path:
    """Write OUT/data/<name>.parquet atomically (a temporary file in the same folder, fsynced, renamed over the old
    one), or with `partitioned` the folder OUT/data/<name>/year=YYYY/part-0.parquet (built beside it, then
    swapped in); the other form is removed. Then OUT/data/datapackage.json is written again."""
    check_table(dataset, table)
    table = stamped(dataset, table, out_dir)
    target = partitioned_path(out_dir, dataset) if partitioned else file_path(out_dir, dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    if partitioned:
        _write_partitions(dataset, table, target)
        file_path(out_dir, dataset).unlink(missing_ok=True)
    else:
        replace_file(table, target)
        shutil.rmtree(partitioned_path(out_dir, dataset), ignore_errors=True)
    write_datapackage(data_dir(out_dir))
    return target


def write_parts(dataset: Dataset, parts: Iterable[pa.Table], out_dir: Path) -> Path:
    """Write OUT/data/<name>.parquet from parts written one after another (each checked, one in memory at a time), as
    write_table does a whole table: atomically, stamped, then datapackage.json. Not for filings, whose file
    metadata is counted from its own rows."""
    if dataset.name == FILINGS.name:
        raise SchemaError("filings is written whole (write_table): its metadata counts its own rows")
    target = file_path(out_dir, dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    schema = stamped_schema(dataset, dataset.arrow_schema().empty_table(), out_dir)
    with replacing(target) as handle, pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        for part in parts:
            check_table(dataset, part)
            if part.num_rows:  # an empty table would still add an empty row group
                writer.write_table(pa.Table.from_arrays(part.columns, schema=schema))
    shutil.rmtree(partitioned_path(out_dir, dataset), ignore_errors=True)
    write_datapackage(data_dir(out_dir))
    return target


def replace_file(table: pa.Table, target: Path, durable: bool = True) -> None:
    """Write `table` to `target` through a temporary file and a rename, so a reader sees the old file or the new one.
    durable=False skips the fsync: for cache entries, which a power cut only makes parse again."""
    with replacing(target, durable) as handle:
        pq.write_table(table, handle, compression="zstd")


@contextmanager
def replacing(target: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """A handle on a temporary file beside `target` that replaces it when the block ends without an error."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    os.fchmod(fd, 0o644)  # mkstemp makes 0600; published datasets are for every researcher on the machine
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _write_partitions(dataset: Dataset, table: pa.Table, target: Path) -> None:
    """One file per year (the year column kept in each file, so every file has the dataset's whole schema)."""
    column = dataset.partition_by
    if column is None:
        raise SchemaError(f"{dataset.name} is not declared partitionable")
    building = Path(tempfile.mkdtemp(prefix=f".{dataset.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(building, 0o755)
    try:
        years = table[column]
        for year in sorted(set(years.to_pylist()), key=lambda y: (y is None, y)):
            mask = pc.is_null(years) if year is None else pc.equal(years, year)
            folder = building / f"{column}={NULL_PARTITION if year is None else year}"
            folder.mkdir()
            replace_file(table.filter(mask), folder / PARTITION_FILE)
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.rename(target, old)
        os.rename(building, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def read_table(dataset: Dataset, out_dir: Path) -> pa.Table | None:
    """A dataset of OUT/data with its declared schema (one file or its partitions), None when absent."""
    files = dataset_files(out_dir, dataset)
    if not files:
        return None
    schema = dataset.arrow_schema()
    return pa.concat_tables([pq.read_table(path, schema=schema) for path in files])


def data_dictionary() -> str:
    """docs/datasets.md, generated from the declarations."""
    lines = [
        "# Datasets",
        "",
        "Generated from `budgetml/schema.py` by `budgetml docs`; do not edit by hand.",
        "",
        f"Schema version {SCHEMA_VERSION}. Every file carries these descriptions itself: each field's Parquet",
        "metadata holds its `description`, `unit` (`none` for text, identifiers, categories and flags) and,",
        "where declared, `example`; the file's metadata its dataset, key, schema version, budgetml and parser",
        "versions, creation time and the number of filings it was built from. `datapackage.json` beside the",
        "files is the same description as a Frictionless Data Package.",
        "",
        "Naming (docs/conventions.md): units last (`*_yuan` exact decimal(24,4) in 元, `*_wan` float in 万元,",
        "`*_pct`, `*_ratio`), counts `n_*`, booleans `is_`/`has_`, identifiers `*_id`; the same column name",
        "means the same thing in every dataset. A unit `see unit` means the figure is in the unit its row's",
        "`unit` column names, as printed.",
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
        if dataset.partition_by:
            lines += [
                f"Partitioned by `{dataset.partition_by}` (`{dataset.name}/{dataset.partition_by}=YYYY/{PARTITION_FILE}`,"
                " each file with the whole schema) when a run holds more filings than `partition_over_filings`"
                " (configs/nightly.toml).",
                "",
            ]
        lines += ["| column | type | unit | nullable | description |", "|---|---|---|---|---|"]
        for c in dataset.columns:
            allowed = f" Values: {', '.join(f'`{v}`' for v in c.values)}." if c.values else ""
            example = f" Example: `{c.example}`." if c.example else ""
            lines.append(
                f"| `{c.name}` | {c.dtype} | {c.unit or ''} | {'yes' if c.nullable else 'no'} | {c.description}{allowed}{example} |"
            )
        lines.append("")
    return "\n".join(lines)

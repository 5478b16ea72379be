"""The checks stage's shards: groups of filings small enough for one worker, each holding every row its rules read.

A shard is a run of SHARD_FILINGS consecutive filings of filings.parquet (its own filings, the ones it checks)
plus the filings they link to in other shards (last year's filing, budgetml/checks/inputs.linked_filings):
the rules of a shard read nothing outside it, so shards are checked one at a time, by any worker, and memory
holds one shard's records at most. `write_shards` copies the columns the rules read (inputs.COLUMNS) of each
parse dataset into the shards' folders in one pass over the dataset, a record batch at a time; `read_shard`
reads one shard back. The shards live in a hidden work folder beside the datasets and are removed when the
stage ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from budgetml.checks.inputs import COLUMNS, FilingData, filings_of, linked_filings
from budgetml.datasets import read_table
from budgetml.identity import FilingRef
from budgetml.layout import data_dir, dataset_files
from budgetml.schema import DATASETS, FILINGS

# Filings a shard checks: about 1.3 MB of records each (with the filings they link to, at most twice that),
# and a few seconds of work per shard, so that the workers share the work evenly and a shard's files cost little.
SHARD_FILINGS = 100
# Rows read from a dataset at a time while the shards are written.
BATCH_ROWS = 65_536
OWN = "is_own"  # the column of a shard's filings.parquet that tells its own filings from the linked ones


@contextmanager
def shard_folder(out_dir: Path) -> Iterator[Path]:
    """A hidden work folder beside the datasets of out_dir, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=".checks-", dir=data_dir(Path(out_dir))))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def shard_routes(filings: pa.Table, shard_filings: int = SHARD_FILINGS) -> pl.DataFrame:
    """filing_id → shard (several for a linked filing) and whether the shard checks it, for every ok/partial filing.

    Shards follow the order of filings.parquet (the parse datasets' order: by filing_id), so a shard's own rows
    are read together and the findings come out in the order of the filings.
    """
    rows = filings.select(COLUMNS[FILINGS.name]).to_pylist()
    usable = [f for f in rows if f["status"] != "failed"]
    shard_of = {f["filing_id"]: k // shard_filings for k, f in enumerate(usable)}
    routes = {(filing_id, shard): True for filing_id, shard in shard_of.items()}
    for links in linked_filings(FilingRef.of(f) for f in usable).values():
        for filing_id, linked_id in links.items():
            routes.setdefault((linked_id, shard_of[filing_id]), False)
    return pl.DataFrame(
        [(filing_id, shard, own) for (filing_id, shard), own in routes.items()],
        schema={"filing_id": pl.String, "shard": pl.Int32, OWN: pl.Boolean},
        orient="row",
    )


def n_shards(routes: pl.DataFrame) -> int:
    """How many shards the routes fill."""
    return int(routes["shard"].max()) + 1 if routes.height else 0


def write_shards(out_dir: Path, work: Path, routes: pl.DataFrame, filings: pa.Table) -> None:
    """Copy the rows the rules read into work/<shard>/<dataset>.parquet: filings (with OWN) and every parse dataset."""
    by_name = {d.name: d for d in DATASETS}
    for name, columns in COLUMNS.items():
        if name == FILINGS.name:
            batches: Iterator[pa.RecordBatch] = iter(filings.select(columns).to_batches())
        else:
            files = dataset_files(Path(out_dir), by_name[name])
            batches = (b for path in files for b in pq.ParquetFile(path).iter_batches(BATCH_ROWS, columns=columns))
        writers: dict[int, pq.ParquetWriter] = {}
        try:
            for batch in batches:
                _route(batch, routes, work, name, writers, with_own=name == FILINGS.name)
        finally:
            for writer in writers.values():
                writer.close()


def _route(
    batch: pa.RecordBatch,
    routes: pl.DataFrame,
    work: Path,
    name: str,
    writers: dict[int, pq.ParquetWriter],
    with_own: bool,
) -> None:
    """Append each row of the batch to the shards it is routed to (rows of a filing keep their order)."""
    ids = pl.DataFrame({"filing_id": pl.from_arrow(batch.column("filing_id"))}).with_row_index("row")
    targets = ids.join(routes, on="filing_id", how="inner", maintain_order="left")
    for (shard,), part in targets.partition_by("shard", maintain_order=True, as_dict=True).items():
        rows = batch.take(part["row"].to_arrow())
        if with_own:
            rows = rows.append_column(OWN, part[OWN].to_arrow())
        if shard not in writers:
            folder = work / str(shard)
            folder.mkdir(exist_ok=True)
            writers[shard] = pq.ParquetWriter(folder / f"{name}.parquet", rows.schema, compression="lz4")
        writers[shard].write_batch(rows)


def read_shard(work: Path, shard: int) -> dict[str, pa.Table | None]:
    """dataset name → the shard's rows (None when the shard's filings have none)."""
    folder = Path(work) / str(shard)
    return {name: pq.read_table(path) if (path := folder / f"{name}.parquet").exists() else None for name in COLUMNS}


def own_filings(rows: dict[str, pa.Table | None]) -> list[str]:
    """The filing_ids a shard checks, in filings.parquet order."""
    filings = rows[FILINGS.name]
    return [f for f, own in zip(filings["filing_id"].to_pylist(), filings[OWN].to_pylist()) if own]


def load_filings(out_dir: Path) -> Iterator[FilingData]:
    """Every ok/partial filing of out_dir as the rules read it (linked to last year's), one shard in memory at a time."""
    filings = read_table(FILINGS, Path(out_dir))
    if filings is None:
        raise FileNotFoundError(f"{out_dir} 中没有 {FILINGS.file_name}：请先运行 budgetml parse")
    with shard_folder(out_dir) as work:
        routes = shard_routes(filings)
        write_shards(out_dir, work, routes, filings)
        for shard in range(n_shards(routes)):
            rows = read_shard(work, shard)
            records = filings_of(rows)
            yield from (records[filing_id] for filing_id in own_filings(rows))

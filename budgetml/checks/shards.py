"""The checks stage's shards: groups of filings small enough for one worker, each holding every row its rules read.

A filing's rules read the filings it links to (inputs.linked_filings: last year's filing; for a 决算, the same
year's 预算), so the ok/partial filings are first joined into families, the filings linked to each other (in
practice one department's filings of every year and both kinds). A shard is a run of whole families of about
SHARD_FILINGS filings, the families in the order of their first filing in filings.parquet: the rules of a shard
read nothing outside it, so shards are checked alone, by any worker, and memory holds one shard's records at a
time. `write_shards` copies the columns the rules read (inputs.COLUMNS) of each parse dataset into the shards'
files (Arrow IPC) in one pass over the dataset, a record batch at a time; `read_shard` reads one shard back. The
files live in a hidden work folder beside the datasets, removed when the stage ends.

A shard's outputs (claims, checks, budget_execution) are written beside its rows (`write_shard_output`) and read
back in shard order by the stage. Rows come out shard by shard (checks.parquet, claims.parquet, budget_execution.parquet): in filings.parquet order
within a shard, and for up to SHARD_FILINGS filings (one shard) in that order throughout.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from budgetml.checks.inputs import COLUMNS, FilingData, filings_of, linked_filings
from budgetml.datasets import read_table
from budgetml.identity import FilingRef
from budgetml.layout import data_dir, dataset_files
from budgetml.schema import DATASETS, FILINGS

# Filings a shard checks: about 1 MB of records, and a second or two of work per shard, so that the workers share
# the work evenly and a shard's files cost little.
SHARD_FILINGS = 50
# Rows read from a dataset at a time while the shards are written.
BATCH_ROWS = 65_536
# Shard files open at a time while a dataset is written (each an open file): more shards, more passes.
OPEN_SHARDS = 256


@dataclass(frozen=True)
class ShardPlan:
    """Which shard checks each ok/partial filing."""

    owner: pl.DataFrame  # filing_id, shard

    @property
    def n_shards(self) -> int:
        """How many shards there are."""
        return int(self.owner["shard"].max()) + 1 if self.owner.height else 0


@contextmanager
def shard_folder(out_dir: Path) -> Iterator[Path]:
    """A hidden work folder beside the datasets of out_dir, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=".checks-", dir=data_dir(Path(out_dir))))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def plan_shards(filings: pa.Table, shard_filings: int | None = None) -> ShardPlan:
    """The shards of the ok/partial filings: whole families (filings linked to each other), SHARD_FILINGS filings
    a shard unless given (more when one family is larger)."""
    shard_filings = shard_filings or SHARD_FILINGS
    usable = [f for f in filings.select(COLUMNS[FILINGS.name]).to_pylist() if f["status"] != "failed"]
    family = {f["filing_id"]: f["filing_id"] for f in usable}  # union-find: filing_id → a filing of its family

    def root(filing_id: str) -> str:
        while family[filing_id] != filing_id:
            family[filing_id] = family[family[filing_id]]
            filing_id = family[filing_id]
        return filing_id

    for links in linked_filings(FilingRef.of(f) for f in usable).values():
        for filing_id, linked_id in links.items():
            family[root(filing_id)] = root(linked_id)
    members: dict[str, list[str]] = {}  # in filings.parquet order, the families in the order of their first filing
    for f in usable:
        members.setdefault(root(f["filing_id"]), []).append(f["filing_id"])
    owner: dict[str, int] = {}
    shard, size = 0, 0
    for ids in members.values():
        if size and size + len(ids) > shard_filings:
            shard, size = shard + 1, 0
        owner.update(dict.fromkeys(ids, shard))
        size += len(ids)
    return ShardPlan(
        pl.DataFrame(
            {"filing_id": list(owner), "shard": list(owner.values())},
            schema={"filing_id": pl.String, "shard": pl.Int32},
        )
    )


def write_shards(out_dir: Path, work: Path, plan: ShardPlan, filings: pa.Table) -> None:
    """Write work/<shard>/<dataset>.arrow for every shard: its filings' rows of filings and each parse dataset.

    Arrow IPC files written batch by batch hold nothing back (a Parquet writer holds a page per column), and at most
    OPEN_SHARDS are open at a time: more shards take more passes over the dataset."""
    by_name = {d.name: d for d in DATASETS}
    for first in range(0, plan.n_shards, OPEN_SHARDS):
        owner = plan.owner.filter(pl.col("shard").is_between(first, first + OPEN_SHARDS - 1))
        for name, columns in COLUMNS.items():
            if name == FILINGS.name:
                batches: Iterator[pa.RecordBatch] = iter(filings.select(columns).to_batches())
            else:
                files = dataset_files(Path(out_dir), by_name[name])
                batches = (b for path in files for b in pq.ParquetFile(path).iter_batches(BATCH_ROWS, columns=columns))
            writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
            try:
                for batch in batches:
                    _route(batch, owner, work, name, writers)
            finally:
                for writer in writers.values():
                    writer.close()


def _route(
    batch: pa.RecordBatch, owner: pl.DataFrame, work: Path, name: str, writers: dict[int, pa.ipc.RecordBatchFileWriter]
) -> None:
    """Append each row of the batch to its filing's shard file (rows of a filing keep their order)."""
    ids = pl.DataFrame({"filing_id": pl.from_arrow(batch.column("filing_id"))}).with_row_index("row")
    targets = ids.join(owner, on="filing_id", how="inner", maintain_order="left")
    for (shard,), part in targets.partition_by("shard", maintain_order=True, as_dict=True).items():
        rows = batch.take(part["row"].to_arrow())
        if shard not in writers:
            folder = work / str(shard)
            folder.mkdir(exist_ok=True)
            writers[shard] = pa.ipc.new_file(folder / f"{name}.arrow", rows.schema)
        writers[shard].write_batch(rows)


def _read_arrow(path: Path) -> pa.Table | None:
    """A shard file, memory-mapped (None when the shard's filings have no such rows)."""
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all() if path.exists() else None


def read_shard(work: Path, shard: int) -> tuple[dict[str, pa.Table | None], list[str]]:
    """(dataset name → the shard's rows, the filing_ids it checks in filings.parquet order)."""
    folder = Path(work) / str(shard)
    rows = {name: _read_arrow(folder / f"{name}.arrow") for name in COLUMNS}
    return rows, rows[FILINGS.name]["filing_id"].to_pylist()


def write_shard_output(work: Path, shard: int, name: str, table: pa.Table) -> None:
    """Write one of a shard's outputs (claims, checks, budget_execution) beside its rows: Arrow IPC, zstd (a third of
    the CPU of a Parquet file, and read back without decoding)."""
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_file(Path(work) / str(shard) / f"{name}.arrow", table.schema, options=options) as writer:
        writer.write_table(table)


def read_shard_output(work: Path, shard: int, name: str) -> pa.Table:
    """One of a shard's outputs, as write_shard_output wrote it."""
    return _read_arrow(Path(work) / str(shard) / f"{name}.arrow")


def load_filings(out_dir: Path) -> Iterator[FilingData]:
    """Every ok/partial filing of out_dir as the rules read it (linked to last year's and, for a 决算, its 预算), one
    shard in memory at a time."""
    filings = read_table(FILINGS, Path(out_dir))
    if filings is None:
        raise FileNotFoundError(f"{out_dir} 中没有 {FILINGS.file_name}：请先运行 budgetml parse")
    with shard_folder(out_dir) as work:
        plan = plan_shards(filings)
        write_shards(out_dir, work, plan, filings)
        for shard in range(plan.n_shards):
            rows, own = read_shard(work, shard)
            records = filings_of(rows)
            yield from (records[filing_id] for filing_id in own)

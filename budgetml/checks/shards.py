"""The checks stage's shards: groups of filings small enough for one worker, each read with every row its rules read.

A shard is a run of SHARD_FILINGS consecutive ok/partial filings of filings.parquet (the parse datasets' order, by
filing_id): the filings it checks. `write_shards` copies the columns the rules read (inputs.COLUMNS) of each parse
dataset into the shards' files in one pass over the dataset, a record batch at a time; as the datasets are in
filings order, a batch goes to one shard or two. A filing's rules also read the filings it links to
(inputs.linked_filings: last year's filing), which another shard may hold: `read_shard` takes their rows from
that shard's files (Arrow IPC, memory-mapped: only the linked filing's rows are copied). So a shard is checked
alone, by any worker, and memory holds one shard's records at a time. The files live in a hidden work folder
beside the datasets, removed when the stage ends.
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
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.checks.inputs import COLUMNS, FilingData, filings_of, linked_filings
from budgetml.datasets import read_table
from budgetml.identity import FilingRef
from budgetml.layout import data_dir, dataset_files
from budgetml.schema import DATASETS, FILINGS

# Filings a shard checks: about 1 MB of records each (with the filings they link to, up to twice that), and a
# second or two of work per shard, so that the workers share the work evenly and a shard's files cost little.
SHARD_FILINGS = 50
# Rows read from a dataset at a time while the shards are written.
BATCH_ROWS = 65_536
# Shard files open at a time while a dataset is written (each an open file): more shards, more passes.
OPEN_SHARDS = 256
LINKED = "linked"  # a shard's file of the filings its filings link to in other shards: filing_id, shard


@dataclass(frozen=True)
class ShardPlan:
    """Which shard checks each filing, and which filings of other shards each shard reads besides its own."""

    owner: pl.DataFrame  # filing_id, shard: the shard that checks the filing
    linked: pl.DataFrame  # shard, filing_id, owner: a filing of another shard (owner) that a shard's rules read

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
    """The shards of the ok/partial filings (SHARD_FILINGS each unless given), in filings.parquet order, and the
    filings each reads from other shards."""
    shard_filings = shard_filings or SHARD_FILINGS
    rows = filings.select(COLUMNS[FILINGS.name]).to_pylist()
    usable = [f for f in rows if f["status"] != "failed"]
    shard_of = {f["filing_id"]: k // shard_filings for k, f in enumerate(usable)}
    linked = {
        (shard_of[filing_id], linked_id, shard_of[linked_id])
        for links in linked_filings(FilingRef.of(f) for f in usable).values()
        for filing_id, linked_id in links.items()
        if shard_of[linked_id] != shard_of[filing_id]
    }
    return ShardPlan(
        pl.DataFrame(
            {"filing_id": list(shard_of), "shard": list(shard_of.values())},
            schema={"filing_id": pl.String, "shard": pl.Int32},
        ),
        pl.DataFrame(
            sorted(linked), schema={"shard": pl.Int32, "filing_id": pl.String, "owner": pl.Int32}, orient="row"
        ),
    )


def write_shards(out_dir: Path, work: Path, plan: ShardPlan, filings: pa.Table) -> None:
    """Write work/<shard>/<dataset>.arrow for every shard: its filings' rows of filings and each parse dataset, and
    work/<shard>/linked.arrow, the filings of other shards it reads.

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
    for (shard,), linked in plan.linked.partition_by("shard", as_dict=True).items():
        _write_arrow(work / str(shard) / f"{LINKED}.arrow", linked.drop("shard").to_arrow())


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


def _write_arrow(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(exist_ok=True)
    with pa.ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def _read_arrow(path: Path) -> pa.Table | None:
    """A shard file, memory-mapped (None when the shard's filings have no such rows)."""
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all() if path.exists() else None


def read_shard(work: Path, shard: int) -> tuple[dict[str, pa.Table | None], list[str]]:
    """(dataset name → the rows of the shard's filings and of the filings they link to in other shards, the filing_ids
    the shard checks in filings.parquet order)."""
    folder = Path(work) / str(shard)
    rows = {name: _read_arrow(folder / f"{name}.arrow") for name in COLUMNS}
    own = rows[FILINGS.name]["filing_id"].to_pylist()
    linked = _read_arrow(folder / f"{LINKED}.arrow")
    if linked is not None:
        for (owner,), ids in pl.from_arrow(linked).partition_by("owner", as_dict=True).items():
            wanted = ids["filing_id"].to_arrow()
            for name in COLUMNS:
                theirs = _read_arrow(Path(work) / str(owner) / f"{name}.arrow")
                if theirs is None:
                    continue
                found = theirs.filter(pc.is_in(theirs["filing_id"], value_set=wanted))
                rows[name] = found if rows[name] is None else pa.concat_tables([rows[name], found])
    return rows, own


def load_filings(out_dir: Path) -> Iterator[FilingData]:
    """Every ok/partial filing of out_dir as the rules read it (linked to last year's), one shard in memory at a time."""
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

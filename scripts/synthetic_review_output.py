"""Make a synthetic output folder of many filings for the review desk's and the report's benchmarks.

Copies the filings, checks, features and anomalies of a real output folder (default output/, from `make run`)
until there are --n filings: each copy gets its own filing_id (a SHA-256 of the original's id and the copy
number), department name (…（副本k）), finding and cell ids, and its anomaly rank is renumbered by priority.
The first copy of each filing is the original, so its evidence crops render from the real PDF; the other
copies name the same PDF, whose hash does not match them, so the desk shows their evidence as unavailable.

    .venv/bin/python scripts/synthetic_review_output.py --source output --out /tmp/review10k --n 10000
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

import polars as pl

from budgetml import datasets
from budgetml.layout import dataset_path
from budgetml.schema import ANOMALIES, CHECKS, FEATURES, FILINGS

COPIED = (FILINGS, CHECKS, FEATURES, ANOMALIES)


def copy_id(filing_id: str, k: int) -> str:
    return filing_id if k == 0 else hashlib.sha256(f"{filing_id}:{k}".encode()).hexdigest()


def synthesise(source: Path, out: Path, n: int) -> None:
    frames = {d.name: pl.read_parquet(dataset_path(source, d)) for d in COPIED}
    originals = frames[FILINGS.name]["filing_id"].to_list()
    copies = -(-n // len(originals))
    ids = pl.DataFrame(
        [
            {"filing_id": fid, "new_id": copy_id(fid, k), "k": k}
            for k in range(copies)
            for fid in originals
            if k * len(originals) + originals.index(fid) < n
        ]
    )
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for dataset in COPIED:
        frame = frames[dataset.name].join(ids, on="filing_id")
        suffix = pl.when(pl.col("k") > 0).then(pl.format("（副本{}）", pl.col("k"))).otherwise(pl.lit(""))
        if "department" in frame.columns:
            frame = frame.with_columns((pl.col("department") + suffix).alias("department"))
        if "department_id" in frame.columns:
            frame = frame.with_columns((pl.col("department_id") + pl.format("-{}", pl.col("k"))).alias("department_id"))
        if "cell_ids" in frame.columns:  # filing_id:table:row:column, with the copy's filing_id
            frame = frame.with_columns(
                pl.struct("cell_ids", "new_id")
                .map_elements(
                    lambda r: [c if c is None else r["new_id"] + c[64:] for c in r["cell_ids"] or []],
                    return_dtype=pl.List(pl.String),
                )
                .alias("cell_ids")
            )
        frame = frame.with_columns(pl.col("new_id").alias("filing_id")).drop("new_id", "k")
        if dataset is CHECKS:  # a run writes each filing's checks together, the filings in no particular order
            frame = frame.sort("filing_id", "rule_id", "finding_index")
        if dataset is ANOMALIES:
            frame = frame.sort(["priority", "filing_id"], descending=[True, False]).with_columns(
                pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("rank")
            )
        table = frame.select([c.name for c in dataset.columns]).to_arrow().cast(dataset.arrow_schema())
        datasets.write_table(dataset, table, out)
    print(f"wrote {n} filings to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("output"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/review10k"))
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    synthesise(args.source, args.out, args.n)


if __name__ == "__main__":
    main()

"""Time and peak memory of the later stages (checks, features, scoring, report) on large output folders built without
reparsing.

Usage: python scripts/bench_scale.py SOURCE --filings 1000 10000 [--filings 100000] --work DIR [--keep]
       [--stages checks features scoring report]

SOURCE is an output folder of `make run` (its parse datasets: filings, line_items, tables, form_cells, narrative,
which are its parse cache's rows). A folder of N filings holds copies of SOURCE's filings: copy c of a filing gets
a new filing_id (SHA-256 of the old id and c), new cell_ids and a district of its own (the printed district with
"·c" appended, no GB/T code), so every copy is another set of departments with the same years, the same links to
last year's filing and the same findings. The datasets are written as a run writes them: sorted by filing_id,
line_items and form_cells partitioned by year past partition_over_filings (configs/nightly.toml).

Each stage then runs as a reviewer runs it, through the command line in a process of its own (`budgetml check`,
with the worker pool of configs/nightly.toml; `budgetml features`; `budgetml score`; `budgetml report`, the
review store a new SQLite file beside the folders). The script samples the resident memory of that process and
its workers, summed, every 0.1 s, and prints per stage and size: wall time, CPU time (the process and its workers)
and peak memory, then the totals per size (time per filing). --stages runs only the stages named (the ones after
the checks read what the checks wrote: run them after it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.datasets import read_table, stamped_schema, write_parts, write_table
from budgetml.layout import NULL_PARTITION, PARTITION_FILE, partitioned_path
from budgetml.parse import PARSE_DATASETS, with_keys
from budgetml.schema import FILINGS, Dataset
from budgetml.settings import load_settings

# Filings copied and written at a time.
BATCH_FILINGS = 2_000
SAMPLE_S = 0.1
STAGES = (
    ("checks", ["check"]),
    ("features", ["features"]),
    ("scoring", ["score"]),
    ("report", ["report"]),
)


def copied_id(filing_id: str, copy: int) -> str:
    return hashlib.sha256(f"{filing_id}:{copy}".encode()).hexdigest()


def build(source: Path, n: int, out: Path, partition_over: int) -> None:
    """Write the parse datasets of n copied filings into out (see the module docstring)."""
    tables = {d.name: read_table(d, source) for d in PARSE_DATASETS}
    filings = tables[FILINGS.name]
    old_ids = filings["filing_id"].to_pylist()
    plan = sorted(
        (copied_id(old_ids[k % len(old_ids)], k // len(old_ids)), k % len(old_ids), k // len(old_ids)) for k in range(n)
    )
    new_ids = [p[0] for p in plan]
    picks = pa.array([p[1] for p in plan], pa.int64())
    copies = [p[2] for p in plan]
    copied = filings.take(picks)
    regions = [f"{r or ''}·{c}" for r, c in zip(copied["region"].to_pylist(), copies)]
    paths = [f"{p}#{c}" for p, c in zip(copied["source_path"].to_pylist(), copies)]
    for name, values in (("filing_id", new_ids), ("region", regions), ("source_path", paths)):
        index = copied.schema.get_field_index(name)
        copied = copied.set_column(index, copied.schema.field(index), pa.array(values, pa.string()))
    write_table(FILINGS, with_keys(copied), out)
    partitioned = n > partition_over
    for dataset in PARSE_DATASETS:
        if dataset.name != FILINGS.name:
            _copy_rows(
                dataset, tables[dataset.name], old_ids, plan, out, partitioned and dataset.partition_by is not None
            )


def _copy_rows(dataset: Dataset, table: pa.Table, old_ids: list[str], plan: list, out: Path, partitioned: bool) -> None:
    """Write the dataset's rows of every copied filing, in the copies' filing_id order."""
    ids = table["filing_id"].to_pylist()
    start: dict[str, int] = {}
    count: dict[str, int] = {}
    for k, filing_id in enumerate(ids):  # the source is in filing_id order: one run of rows per filing
        start.setdefault(filing_id, k)
        count[filing_id] = count.get(filing_id, 0) + 1
    if len(start) != len({i for i in ids}) or any(ids[start[f] + count[f] - 1] != f for f in start):
        raise SystemExit(f"{dataset.name}: rows of a filing are not together in SOURCE")

    def batches():
        for begin in range(0, len(plan), BATCH_FILINGS):
            chunk = [(new, old_ids[k]) for new, k, _ in plan[begin : begin + BATCH_FILINGS] if old_ids[k] in start]
            if not chunk:
                continue
            rows = pa.concat_tables([table.slice(start[old], count[old]) for _, old in chunk])
            lengths = [count[old] for _, old in chunk]
            filing_ids = pa.array(np.repeat(np.array([new for new, _ in chunk], dtype=object), lengths), pa.string())
            rows = rows.set_column(rows.schema.get_field_index("filing_id"), rows.schema.field("filing_id"), filing_ids)
            if "cell_id" in rows.column_names:
                suffix = pc.utf8_slice_codeunits(rows["cell_id"], 64)
                cell_ids = pc.binary_join_element_wise(filing_ids, suffix, "")
                rows = rows.set_column(rows.schema.get_field_index("cell_id"), rows.schema.field("cell_id"), cell_ids)
            yield rows

    if not partitioned:
        write_parts(dataset, batches(), out)
        return
    schema = stamped_schema(dataset, dataset.arrow_schema().empty_table(), out)
    writers: dict[object, pq.ParquetWriter] = {}
    try:
        for rows in batches():
            years = rows[dataset.partition_by]
            for year in pc.unique(years).to_pylist():
                mask = pc.is_null(years) if year is None else pc.equal(years, year)
                if year not in writers:
                    folder = (
                        partitioned_path(out, dataset)
                        / f"{dataset.partition_by}={NULL_PARTITION if year is None else year}"
                    )
                    folder.mkdir(parents=True)
                    writers[year] = pq.ParquetWriter(folder / PARTITION_FILE, schema, compression="zstd")
                writers[year].write_table(pa.Table.from_arrays(rows.filter(mask).columns, schema=schema))
    finally:
        for writer in writers.values():
            writer.close()


def run_stage(args: list[str]) -> dict:
    """Run one command; its wall and CPU time (with every process it waited for) and peak RSS of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = psutil.Popen(args, stdout=subprocess.DEVNULL, env={**os.environ, "DO_NOT_TRACK": "1"})
    peak = 0
    while process.poll() is None:
        rss = 0
        try:
            for p in [process, *process.children(recursive=True)]:
                rss += p.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, rss)
        time.sleep(SAMPLE_S)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit status {process.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_mb": round(peak / 2**20)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="An output folder of make run.")
    parser.add_argument("--filings", type=int, nargs="+", action="extend", required=True)
    parser.add_argument("--work", type=Path, required=True, help="Where the large folders are built.")
    parser.add_argument("--keep", action="store_true", help="Keep each folder (default: removed after its stages).")
    parser.add_argument("--stages", nargs="+", choices=[s for s, _ in STAGES], help="Only these stages (default: all).")
    args = parser.parse_args(argv)
    partition_over = load_settings().partition_over_filings
    results = []
    for n in args.filings:
        out = args.work / f"scale-{n}"
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        build(args.source, n, out, partition_over)
        size_mb = sum(p.stat().st_size for p in out.rglob("*.parquet")) / 2**20
        print(
            f"{n} filings: built in {time.perf_counter() - started:.1f} s, parse datasets {size_mb:.0f} MB", flush=True
        )
        for stage, command in STAGES:
            if args.stages and stage not in args.stages:
                continue
            extra = ["--store", str(args.work / f"review-{n}.sqlite")] if stage in ("scoring", "report") else []
            measured = run_stage([sys.executable, "-m", "budgetml.cli", *command, str(out), *extra])
            load = os.getloadavg()[0]
            results.append({"filings": n, "stage": stage, **measured, "load": round(load, 1)})
            print(json.dumps(results[-1]), flush=True)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    print(
        "\n| filings | stage | wall s | CPU s | peak MB | wall ms/filing | CPU ms/filing | load |"
        "\n|---|---|---|---|---|---|---|---|"
    )
    for r in results:
        wall, cpu = 1000 * r["wall_s"] / r["filings"], 1000 * r["cpu_s"] / r["filings"]
        print(
            f"| {r['filings']:,} | {r['stage']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_mb']} | {wall:.1f} | {cpu:.1f}"
            f" | {r['load']} |"
        )
    totals: dict[int, list[float]] = {}
    for r in results:
        totals.setdefault(r["filings"], [0.0, 0.0, 0])
        totals[r["filings"]][0] += r["wall_s"]
        totals[r["filings"]][1] += r["cpu_s"]
        totals[r["filings"]][2] = max(totals[r["filings"]][2], r["peak_mb"])
    print("\n| filings | checks → report wall s | CPU s | highest peak MB | wall ms/filing |\n|---|---|---|---|---|")
    for n, (wall, cpu, peak) in totals.items():
        print(f"| {n:,} | {wall:.1f} | {cpu:.1f} | {peak} | {1000 * wall / n:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

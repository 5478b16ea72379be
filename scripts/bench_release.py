"""What the data release adds to a run, timed on an output folder: derived datasets, quality, datapackage, partitions, migration.

Usage: python scripts/bench_release.py OUT [--old OLD]

OUT is an output folder of this version (after `make run`: output); OLD, when given, a folder written by
the previous version (schema 1), copied and migrated (the copy is removed). Prints one line per step,
each the best of three.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl

from budgetml.code_dictionary import code_dictionary
from budgetml.datapackage import write_datapackage
from budgetml.datasets import read_table, write_table
from budgetml.departments import departments_table, regions_table
from budgetml.layout import data_dir, dataset_files
from budgetml.migrations import migrate_output
from budgetml.quality import with_quality
from budgetml.schema import CHECKS, FILINGS, LINE_ITEMS


def best_of(step, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--old", type=Path)
    args = parser.parse_args()
    filings, items, checks = (read_table(d, args.out) for d in (FILINGS, LINE_ITEMS, CHECKS))
    print(f"{filings.num_rows} filings, {items.num_rows} line items, {checks.num_rows} checks")
    steps = {
        "departments + regions": lambda: (departments_table(filings), regions_table(filings)),
        "function + economic codes": lambda: (code_dictionary(items, "function"), code_dictionary(items, "economic")),
        "quality from checks": lambda: with_quality(filings, checks),
    }
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        steps["line_items written as one file"] = lambda: write_table(LINE_ITEMS, items, scratch)
        steps["line_items written by year"] = lambda: write_table(LINE_ITEMS, items, scratch, partitioned=True)
        steps["datapackage.json"] = lambda: write_datapackage(data_dir(args.out))
        for name, step in steps.items():
            print(f"{name:32} {best_of(step):7.3f} s")
        for label, partitioned in (("one file", False), ("by year", True)):
            write_table(LINE_ITEMS, items, scratch, partitioned)
            files = dataset_files(scratch, LINE_ITEMS)
            seconds = best_of(lambda files=files: pl.read_parquet(files, hive_partitioning=False))
            print(f"{'line_items read, ' + label:32} {seconds:7.3f} s ({len(files)} files)")
        if args.old:
            copy = scratch / "old"
            shutil.copytree(args.old, copy, symlinks=True)
            start = time.perf_counter()
            changed = migrate_output(copy)
            print(
                f"{'migration of OLD (schema 1)':32} {time.perf_counter() - start:7.3f} s ({len(changed)} files/entries)"
            )


if __name__ == "__main__":
    main()

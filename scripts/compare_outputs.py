"""Compare two output folders dataset by dataset: are the rows identical, apart from what differs from run to run?

Usage: python scripts/compare_outputs.py BEFORE AFTER [--show N] [--ignore DATASET.COLUMN ...]

Every dataset declared in budgetml/schema.py is looked for in both folders (at the top or anywhere below,
outside hidden folders, so a folder that keeps its datasets in data/ compares with one that does not); a
dataset partitioned by year (line_items/year=2025/part-0.parquet …) is read as one.
Rows are matched by the dataset's key (runs, keyed by its run id, by order); values are compared exactly (floats too: NaN equals NaN). Ignored:
the run's own identity and timing (runs: run_id, started_at, duration_s, stage_durations, report_path;
inputs: parse_s, peak_rss_mb), and the columns named with --ignore (a column one side does not have yet, say; it is
dropped from both sides). Exit status 0 when every dataset is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from budgetml.schema import DATASETS, Dataset

# Columns that differ between two runs over the same inputs by nature: when and how fast it ran, and its id.
VOLATILE = {
    "runs": {"run_id", "started_at", "duration_s", "stage_durations", "report_path"},
    "inputs": {"parse_s", "peak_rss_mb"},
}


def find_dataset(folder: Path, dataset: Dataset) -> list[Path] | None:
    """The dataset's file (or its partitions) in folder: at the top, else found below it outside hidden folders."""
    for base in (folder, folder / "data", *sorted(p.parent for p in folder.rglob("*.parquet") if _visible(p))):
        if (base / dataset.file_name).is_file():
            return [base / dataset.file_name]
        partitions = sorted((base / dataset.name).glob("*=*/*.parquet"))
        if partitions:
            return partitions
    return None


def _visible(path: Path) -> bool:
    return not any(part.startswith(".") for part in path.parts[-3:-1])


def _read(paths: list[Path]) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in paths])


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def compare_dataset(
    dataset: Dataset, before: list[Path], after: list[Path], show: int, dropped: frozenset[str] = frozenset()
) -> list[str]:
    """Differences between the two copies of one dataset, as lines to print (none: identical); `dropped` columns
    are left out of both."""
    a, b = _read(before), _read(after)
    a, b = (t.drop_columns([c for c in t.column_names if c in dropped]) for t in (a, b))
    problems = []
    if a.schema.remove_metadata() != b.schema.remove_metadata():
        problems.append(f"  schema differs:\n    before {a.schema}\n    after  {b.schema}")
    ignored = VOLATILE.get(dataset.name, set())
    key = [k for k in dataset.key if k not in ignored]  # runs: its key is the run's id; rows match by order
    rows_a = {tuple(r[k] for k in key) if key else (n,): r for n, r in enumerate(a.to_pylist())}
    rows_b = {tuple(r[k] for k in key) if key else (n,): r for n, r in enumerate(b.to_pylist())}
    if len(rows_a) != a.num_rows or len(rows_b) != b.num_rows:
        problems.append(f"  key {key} is not unique: {a.num_rows} rows before, {b.num_rows} after")
    only_a, only_b = rows_a.keys() - rows_b.keys(), rows_b.keys() - rows_a.keys()
    if only_a:
        problems.append(f"  {len(only_a)} rows only before, e.g. {sorted(only_a, key=str)[:show]}")
    if only_b:
        problems.append(f"  {len(only_b)} rows only after, e.g. {sorted(only_b, key=str)[:show]}")
    changed = []
    for row_key in sorted(rows_a.keys() & rows_b.keys(), key=str):
        ra, rb = rows_a[row_key], rows_b[row_key]
        for column in ra:
            if column not in ignored and not _same(ra[column], rb.get(column)):
                changed.append((row_key, column, ra[column], rb.get(column)))
    if changed:
        problems.append(f"  {len(changed)} values differ in {len({c[0] for c in changed})} rows:")
        problems += [f"    {row_key} {column}: {va!r} → {vb!r}" for row_key, column, va, vb in changed[:show]]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--show", type=int, default=5, help="Differences shown per dataset.")
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="DATASET.COLUMN", help="A column left out (repeatable)."
    )
    args = parser.parse_args(argv)
    dropped: dict[str, set[str]] = {}
    for name in args.ignore:
        dataset_name, _, column = name.partition(".")
        dropped.setdefault(dataset_name, set()).add(column)
    identical = True
    for dataset in DATASETS:
        before, after = find_dataset(args.before, dataset), find_dataset(args.after, dataset)
        if before is None and after is None:
            print(f"{dataset.name}: absent from both")
            continue
        if before is None or after is None:
            identical = False
            print(f"{dataset.name}: only in {'after' if before is None else 'before'}")
            continue
        left_out = frozenset(dropped.get(dataset.name, ()))
        problems = compare_dataset(dataset, before, after, args.show, left_out)
        rows = sum(pq.read_metadata(p).num_rows for p in after)
        ignored = sorted(VOLATILE.get(dataset.name, set()) | left_out)
        note = f" (ignoring {', '.join(ignored)})" if ignored else ""
        print(f"{dataset.name}: {'identical' if not problems else 'DIFFERENT'}, {rows} rows{note}")
        for line in problems:
            print(line)
        identical = identical and not problems
    print("all datasets identical" if identical else "datasets differ")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())

"""Fuzz before a release: hundreds of seeded mutants and the hand-made traps through `budgetml parse` and `budgetml run`.

    .venv/bin/python scripts/fuzz.py --mutants 400 --seed 1

Each command gets its own output folder (so each parses every file itself) and small limits. Prints
what docs/benchmarks.md records: command crashes (exit code other than 0), tracebacks in errors,
parses that ran past the time limit, inputs without exactly one row, and the workers' peak memory
against their limit. Exits 1 when any of these is not zero.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from budgetml.layout import dataset_path  # noqa: E402
from tests import fuzzdata  # noqa: E402

SLACK_S = 2.0  # a timed-out worker is killed within this of its limit (wait() wakes at the deadline)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--memory-limit", type=int, default=512)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="budgetml-fuzz-") as tmp:
        base = Path(tmp)
        folder = base / "in"
        made = fuzzdata.hostile_folder(folder, args.mutants, args.seed, bomb_mb=4 * args.memory_limit)
        regular = {str(p) for p in made["regular"]}
        config = base / "nightly.toml"
        config.write_text(
            f"[parse]\nworkers = {args.workers}\ntime_limit_s = {args.time_limit}\n"
            f"memory_limit_mb = {args.memory_limit}\n",
            encoding="utf-8",
        )
        limits = ["--time-limit", str(args.time_limit), "--memory-limit", str(args.memory_limit)]
        runs = {
            "parse": ["parse", str(folder), "--output", str(base / "parsed"), *limits, "--workers", str(args.workers)],
            "run": ["run", "--input", str(folder), "--output", str(base / "ran"), "--config", str(config)],
        }
        print(
            f"{len(regular)} regular PDFs ({args.mutants} mutants, seed {args.seed}) + {len(made['not_read'])} not to read"
        )
        failures = 0
        for name, argv in runs.items():
            failures += report(name, argv, base / ("parsed" if name == "parse" else "ran"), regular, args)
    return 1 if failures else 0


def report(name: str, argv: list[str], out: Path, regular: set[str], args: argparse.Namespace) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "budgetml.cli", *argv], cwd=REPO, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    text = done.stdout + done.stderr
    inputs = pq.read_table(dataset_path(out, "inputs")).to_pylist() if dataset_path(out, "inputs").exists() else []
    filings = pq.read_table(dataset_path(out, "filings")).to_pylist() if dataset_path(out, "filings").exists() else []
    recorded = sorted(r["source_path"] for r in inputs)
    per_filing = sorted(r["filing_id"] for r in filings) == sorted({r["filing_id"] for r in inputs})
    tracebacks = sum(1 for r in filings if r["error"] and ("Traceback" in r["error"] or 'File "' in r["error"]))
    over_time = sum(1 for r in inputs if r["parse_s"] is not None and r["parse_s"] > args.time_limit + SLACK_S)
    peaks = [r["peak_rss_mb"] for r in inputs if r["peak_rss_mb"] is not None]
    kinds: dict[str, int] = {}
    for r in inputs:
        key = r["failure_kind"] or r["status"]
        kinds[key] = kinds.get(key, 0) + 1
    # A worker's limit is its own start-up mapping plus memory_limit_mb; the smallest peak is about that start-up.
    within = not peaks or max(peaks) <= min(peaks) + args.memory_limit
    problems = {
        "command crashes": int(done.returncode != 0),
        "tracebacks in output": int("Traceback" in text),
        "tracebacks in errors": tracebacks,
        "parses past the time limit": over_time,
        "inputs not recorded exactly once": len(regular.symmetric_difference(recorded))
        + len(recorded)
        - len(set(recorded)),
        "filings not one per content": int(not per_filing),
        "peak memory beyond the limit": int(not within),
    }
    print(f"\n== budgetml {name}: exit {done.returncode}, {wall:.1f} s wall")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if peaks:
        print(
            f"worker peak RSS: {min(peaks):.0f}–{max(peaks):.0f} MB (limit {args.memory_limit} MB on top of start-up)"
        )
    for label, count in problems.items():
        print(f"{label}: {count}")
    if done.returncode:
        print(text[-2000:])
    return sum(problems.values())


if __name__ == "__main__":
    sys.exit(main())

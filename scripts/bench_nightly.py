"""Benchmark the nightly flow: cold run, warm rerun, rerun after some files changed, and the 1 → 2 worker speed-up.

Usage: .venv/bin/python scripts/bench_nightly.py [--files 1000] [--changed 10] [--speedup-files 40] [--work DIR] [--full]

The corpus is N copies of the seed fixture (data/seed rendered, 49 pages), each made distinct by a
same-length change of its /Author metadata, so every copy has its own content hash and is parsed
in full. (Swap in budgetml.synth.sample's generated corpus once it is stable.) The runs go through the
real command line, `budgetml run`, in a subprocess: Prefect's temporary server start-up is
included in every run's time. --full also runs the later stages (checks … report); by default the
runs stop after the parse datasets (--parse-only), which is what the warm-rerun target is about.
The speed-up is measured on the parse stage alone (budgetml.isolation, no Prefect, no cache).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from budgetml.incremental import hash_inputs
from budgetml.isolation import parse_isolated
from budgetml.layout import dataset_path
from budgetml.settings import ParseLimits
from budgetml.synth.seed import write_fixture

REPO = Path(__file__).resolve().parent.parent
AUTHOR = b"/Author (anonymous)"


def make_copies(folder: Path, n: int, tag: str = "c") -> list[Path]:
    """N byte-distinct copies of the seed fixture: '(anonymous)' → '(c00000042)' keeps every xref offset valid."""
    folder.mkdir(parents=True, exist_ok=True)
    source = write_fixture(folder.parent / "fixture").read_bytes()
    if source.count(AUTHOR) != 1:
        raise SystemExit("the fixture's /Author entry changed; adapt make_copies")
    paths = []
    for k in range(n):
        stamp = f"{tag}{k:08d}".encode()[:9].ljust(9, b"0")
        path = folder / f"filing-{k:05d}.pdf"
        path.write_bytes(source.replace(AUTHOR, b"/Author (" + stamp + b")"))
        paths.append(path)
    return paths


def run_flow(inputs: Path, out: Path, full: bool) -> tuple[float, dict]:
    command = [sys.executable, "-m", "budgetml.cli", "run", "--input", str(inputs), "--output", str(out)]
    command += [] if full else ["--parse-only"]
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, pq.read_table(dataset_path(out, "runs")).to_pylist()[-1]


def describe(name: str, wall: float, run: dict) -> str:
    stages = ", ".join(f"{s['stage']} {s['duration_s']:.1f} s" for s in run["stage_durations"])
    return f"| {name} | {wall:.1f} | {run['duration_s']:.1f} | {run['n_parsed']} | {run['n_pages_parsed']} | {stages} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--speedup-files", type=int, default=40)
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--full", action="store_true", help="also run checks, features, scoring and report")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-nightly-"))
    inputs, out = work / "in", work / "out"
    paths = make_copies(inputs, args.files)
    print(f"corpus: {len(paths)} copies of the seed fixture (49 pages each) in {inputs}\n")
    print("| run | wall s (process) | flow s | files parsed | pages parsed | stages |")
    print("|---|---|---|---|---|---|")

    cold_wall, cold = run_flow(inputs, out, args.full)
    print(describe("cold", cold_wall, cold), flush=True)
    warm_wall, warm = run_flow(inputs, out, args.full)
    print(describe("warm, nothing changed", warm_wall, warm), flush=True)
    for path in paths[: args.changed]:
        path.write_bytes(path.read_bytes().replace(b"/Author (c", b"/Author (x", 1))
    changed_wall, changed = run_flow(inputs, out, args.full)
    print(describe(f"after {args.changed} files changed", changed_wall, changed), flush=True)

    inventory = pq.read_table(dataset_path(out, "inputs")).to_pylist()
    parse_s = dict((s["stage"], s["duration_s"]) for s in cold["stage_durations"])["parse"]
    peak = max((r["peak_rss_mb"] or 0) for r in inventory) if changed["n_parsed"] else float("nan")
    print(f"\ncold parse stage: {cold['n_pages_parsed'] / parse_s:.1f} pages/s with {cold['workers']} workers")
    print(
        f"warm / cold (process wall time): {warm_wall / cold_wall:.1%}; flow time {warm['duration_s'] / cold['duration_s']:.1%}"
    )
    print(f"peak resident memory of a worker (last run's parsed files): {peak:.0f} MB")

    speed_inputs = hash_inputs(make_copies(work / "speedup", args.speedup_files, tag="s"))
    limits = ParseLimits()
    timings = {}
    for workers in (1, 2):
        start = time.perf_counter()
        outcomes = parse_isolated(speed_inputs, limits, workers)
        timings[workers] = time.perf_counter() - start
        if any(o.status != "ok" for o in outcomes):
            raise SystemExit("a benchmark file did not parse")
    print(
        f"parse stage on {args.speedup_files} files: 1 worker {timings[1]:.1f} s, 2 workers {timings[2]:.1f} s, speed-up {timings[1] / timings[2]:.2f}x"
    )
    print(f"\nwork folder: {work}")


if __name__ == "__main__":
    main()

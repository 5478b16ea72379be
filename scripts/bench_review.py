"""Benchmark the review desk and the static report over a synthetic output folder (scripts/synthetic_review_output.py).

Desk: the app is built once (datasets read into memory), then each page is requested --repeat times in process
(FastAPI's test client: the time is the server's work plus a negligible in-process transport), with --decisions
decisions in the review store. Report: `budgetml report` in a child process, its wall time and peak RSS
(getrusage of the child), run twice: cold (evidence crops rendered) and warm (crops cached).

    .venv/bin/python scripts/synthetic_review_output.py --out /tmp/review10k --n 10000
    .venv/bin/python scripts/bench_review.py --output /tmp/review10k
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from budgetml.desk.app import create_app
from budgetml.layout import dataset_path, evidence_dir
from budgetml.review_store import record


def timed(client: TestClient, url: str, repeat: int) -> tuple[float, float, int]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(response.content)


def bench_desk(out: Path, store: Path, repeat: int, n_decisions: int) -> None:
    filings = pl.read_parquet(dataset_path(out, "filings")).to_dicts()
    for row in random.Random(1).sample(filings, min(n_decisions, len(filings))):
        record(store, row, random.Random(row["filing_id"]).choice(["confirmed", "dismissed", "needs-info"]), "", "基准")
    start = time.perf_counter()
    client = TestClient(create_app(out, store), base_url="http://127.0.0.1:8765")
    print(f"desk start-up (datasets read into memory): {time.perf_counter() - start:.2f} s")
    first = re.search(r'href="/filing/([0-9a-f]{64})"', client.get("/").text).group(1)
    pages = {
        "queue, default (今日优先)": "/",
        "queue, sorted by score": "/?sort=score",
        "queue, region + severity filter": "/?region=武昌区&severity=error",
        "queue, free text": "/?q=教育",
        "queue, 待复核, page 20": "/?status=pending&page=20",
        "filing page": f"/filing/{first}",
        "export CSV, whole queue": "/export.csv",
        "export XLSX, whole queue": "/export.xlsx",
    }
    for label, url in pages.items():
        median, worst, size = timed(client, url, repeat if "export" not in label else max(1, repeat // 5))
        print(f"{label:34s} median {median * 1000:7.1f} ms   max {worst * 1000:7.1f} ms   {size / 1024:8.0f} KB")


def bench_report(out: Path, store: Path) -> None:
    for label in ("cold (crops rendered)", "warm (crops cached)"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "budgetml.cli", "report", str(out), "--store", str(store)],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        path = Path(done.stdout.strip().split("：", 1)[1])
        print(
            f"report, {label}: {elapsed:.2f} s, peak RSS of the largest child so far {peak:.0f} MB "
            f"(before: {before.ru_maxrss / 1024:.0f} MB), {path.stat().st_size / 1e6:.1f} MB page"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("/tmp/review10k"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=500)
    args = parser.parse_args()
    n = pl.read_parquet(dataset_path(args.output, "filings"), columns=["filing_id"]).height
    print(f"{args.output}: {n} filings")
    shutil.rmtree(evidence_dir(args.output), ignore_errors=True)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "decisions.sqlite"
        bench_desk(args.output, store, args.repeat, args.decisions)
        bench_report(args.output, store)


if __name__ == "__main__":
    main()

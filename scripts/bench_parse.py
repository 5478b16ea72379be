"""Benchmark: ms per page of `budgetml` parsing vs bare pdfminer interpretation vs pdfplumber.extract_tables.

Usage: .venv/bin/python scripts/bench_parse.py [PDF ...] [--repeat N]
Without files it uses the seed fixture (data/fixtures) and the real Shanghai PDF from ../shared when present.
All three are run on the same files, interleaved, in one process; the median of N rounds is reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pdfplumber

from budgetml.catalog import load_catalog
from budgetml.extract import interpret_only
from budgetml.parse import parse_file

REPO = Path(__file__).resolve().parent.parent


def default_files() -> list[Path]:
    from budgetml.synth.seed import write_fixture

    files = [write_fixture(REPO / "data" / "fixtures")]
    real = REPO.parent / "shared" / "real" / "sh-putuo-sifaju-2026-dept-budget.pdf"
    if real.exists():
        files.append(real)
    return files


def run_bare(path: Path) -> int:
    return interpret_only(path.read_bytes())


def run_ours(path: Path) -> int:
    parsed = parse_file(path, load_catalog())
    if parsed.status == "failed":
        raise SystemExit(f"{path}: {parsed.error}")
    return parsed.n_pages


def run_pdfplumber(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
        return len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = args.files or default_files()
    runners = {
        "pdfminer bare interpretation": run_bare,
        "budgetml parse (whole)": run_ours,
        "pdfplumber extract_tables": run_pdfplumber,
    }
    timings: dict[str, list[float]] = {name: [] for name in runners}
    pages = sum(run_bare(f) for f in files)
    for _ in range(args.repeat):
        for name, run in runners.items():
            start = time.perf_counter()
            for f in files:
                run(f)
            timings[name].append((time.perf_counter() - start) * 1000 / pages)
    base = statistics.median(timings["pdfminer bare interpretation"])
    print(f"files: {', '.join(f.name for f in files)}; pages: {pages}; rounds: {args.repeat} (median)")
    print("| method | ms/page | × bare pdfminer |")
    print("|---|---|---|")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()

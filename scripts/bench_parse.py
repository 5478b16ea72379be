"""Benchmark: ms per page of budgetml parsing with each extraction engine vs bare pdfminer interpretation vs pdfplumber.

Usage: .venv/bin/python scripts/bench_parse.py [PDF ...] [--repeat N]
Without files it uses the seed fixture (data/fixtures) and every real PDF in ../shared/real/ that is present.
Every method runs on the same files, interleaved round by round, in one process; each method's median over
N rounds is reported as wall-clock and as CPU time (this process only: steadier on a shared machine), with
its ratio to bare pdfminer interpretation measured in the same rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from budgetml.catalog import load_catalog
from budgetml.extract import ENGINES, interpret_only, pdf_to_pages
from budgetml.parse import parse_file

REPO = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()


def default_files() -> list[Path]:
    from budgetml.synth.seed import write_fixture

    return [write_fixture(REPO / "data" / "fixtures"), *sorted((REPO.parent / "shared" / "real").glob("*.pdf"))]


def run_bare(path: Path) -> None:
    interpret_only(path.read_bytes())


def run_parse(engine: str) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        parsed = parse_file(path, CATALOG, engine)
        if parsed.n_pages == 0:  # not read at all; a filing that is read but not recognised (决算) still counts
            raise SystemExit(f"{path}: {parsed.error}")

    return run


def run_extract(engine: str) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        for _ in pdf_to_pages(path.read_bytes(), engine=engine):
            pass

    return run


def run_pdfplumber(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = args.files or default_files()
    runners: dict[str, Callable[[Path], None]] = {"pdfminer bare interpretation": run_bare}
    for engine in ENGINES:
        runners[f"budgetml parse (whole), {engine}"] = run_parse(engine)
        runners[f"extraction only, {engine}"] = run_extract(engine)
    runners["pdfplumber extract_tables"] = run_pdfplumber
    pages = sum(interpret_only(f.read_bytes()) for f in files)
    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for run in runners.values():  # warm-up: imports, font caches
        run(files[0])
    for _ in range(args.repeat):
        for name, run in runners.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            for f in files:
                run(f)
            wall[name].append((time.perf_counter() - start_wall) * 1000 / pages)
            cpu[name].append((time.process_time() - start_cpu) * 1000 / pages)
    bare_wall, bare_cpu = (statistics.median(t["pdfminer bare interpretation"]) for t in (wall, cpu))
    print(f"files: {', '.join(f.name for f in files)}; pages: {pages}; rounds: {args.repeat} (median)")
    print("| method | wall ms/page | × bare (wall) | CPU ms/page | × bare (CPU) |")
    print("|---|---|---|---|---|")
    for name in runners:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"| {name} | {w:.1f} | {w / bare_wall:.2f} | {c:.1f} | {c / bare_cpu:.2f} |")


if __name__ == "__main__":
    main()

"""Benchmark: how well the pipeline reads presentations it was not built against (issue 9's Done-when).

Usage: .venv/bin/python scripts/bench_reading.py [--filings 300] [--seed 2027] [--work /tmp/bench_reading]
                                                 [--markdown results.md]

Generates a varied corpus (`budgetml sample --vary`: every filing printed with random presentation knobs,
seeded) of at least --filings filings over all districts of configs/sample.toml and three years, runs the
pipeline's commands on it (parse, check, features, score: the same commands a user runs), and prints, in
Markdown, the Done-when figures — headline figures exact per filing, expenditure (code → 合计) pair recall,
tables identified, clean filings with an error-level finding, injected-inconsistency recall, outlier ROC AUC —
then the misses per knob value (budgetml/synth/reading_robustness.py). Stage times are wall clock on a
shared machine. The default seed is not the slow test's (tests/test_varied_reading.py).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

from budgetml.synth.config import load_sample_config
from budgetml.synth.corpus import generate_corpus
from budgetml.synth.reading_robustness import format_robustness, reading_robustness

YEARS = (2023, 2024, 2025)  # three years: previous-year checks and last-year outliers have their filings
STAGES = ("parse", "check", "features", "score")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=300, help="at least this many filings (default 300)")
    parser.add_argument("--seed", type=int, default=2027, help="corpus seed (default 2027; the slow test uses 61)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_reading"), help="corpus/ and output/ go here")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()

    districts = len(load_sample_config().districts)
    departments = math.ceil(args.filings / (districts * len(YEARS)))
    corpus, output = args.work / "corpus", args.work / "output"
    shutil.rmtree(output, ignore_errors=True)
    times = {}
    started = time.perf_counter()
    labels = generate_corpus(
        corpus, districts=districts, departments=departments, years=YEARS, seed=args.seed, vary=True
    )
    times["sample --vary"] = time.perf_counter() - started
    for stage in STAGES:
        command = [sys.executable, "-m", "budgetml.cli", stage]
        command += [str(corpus), "--output", str(output)] if stage == "parse" else [str(output)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)  # parse reports every partial filing
        if done.returncode:
            sys.exit(f"budgetml {stage} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
        times[stage] = time.perf_counter() - started

    report = format_robustness(reading_robustness(labels, output))
    timing = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in times.items())
    text = (
        f"Command: `.venv/bin/python scripts/bench_reading.py --filings {args.filings} --seed {args.seed}` "
        f"({districts} districts × {departments} departments × {len(YEARS)} years; {timing})\n\n{report}"
    )
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

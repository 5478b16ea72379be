"""Slow: 60 filings printed with random presentation knobs (`budgetml sample --vary`), read end to end.

Issue 9's bar for every filing: headline figures exact, every expenditure (code → 合计) pair recalled,
every table identified, no error-level finding on a clean filing, the injected inconsistency found. The
pipeline runs as a user runs it (`budgetml parse`, `budgetml check`); budgetml/synth/reading_robustness.py
scores each filing. A failure names the filings and the knobs they were printed with. The seed is not the
benchmark's (scripts/bench_reading.py, docs/benchmarks.md).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from budgetml.synth.corpus import generate_corpus
from budgetml.synth.evaluate import read_labels
from budgetml.synth.reading_robustness import FilingOutcome, filing_outcomes

pytestmark = pytest.mark.slow

SEED = 61  # the benchmark uses 2027
CORPUS = dict(districts=["wuchang", "putuo", "jianghan", "jingan"], departments=5, years=[2023, 2024, 2025])
SHOWN = 8  # filings named in a failure message


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> list[FilingOutcome]:
    corpus, output = tmp_path_factory.mktemp("varied"), tmp_path_factory.mktemp("varied_out")
    labels = generate_corpus(corpus, **CORPUS, seed=SEED, vary=True)
    for command in (["parse", str(corpus), "--output", str(output)], ["check", str(output)]):
        subprocess.run([sys.executable, "-m", "budgetml.cli", *command], check=True, capture_output=True)
    return filing_outcomes(read_labels(labels), output)


def named(failures: list[tuple[FilingOutcome, str]]) -> str:
    """The failing filings, what went wrong and the knobs they were printed with."""
    lines = [f"{len(failures)} filings:"]
    for outcome, what in failures[:SHOWN]:
        knobs = " ".join(f"{k}={v}" for k, v in outcome.knobs.items())
        lines.append(f"{outcome.path} [{outcome.status}]: {what}\n    {knobs}")
    return "\n".join(lines)


def test_the_corpus_has_every_kind_of_filing(outcomes):
    categories = {o.category for o in outcomes}
    assert len(outcomes) >= 60 and categories == {"clean", "inconsistency", "outlier"}


def test_headline_figures_are_exact_on_every_filing(outcomes):
    failures = [(o, f"missed {', '.join(o.headline_missed)}") for o in outcomes if o.headline_missed]
    assert not failures, named(failures)


def test_every_expenditure_pair_is_recalled(outcomes):
    failures = [
        (o, f"{len(o.pairs_missed)} of {o.n_pairs} pairs missed: {', '.join(o.pairs_missed[:6])}")
        for o in outcomes
        if o.pairs_missed
    ]
    assert not failures, named(failures)


def test_every_table_is_identified(outcomes):
    failures = [(o, f"not identified: {', '.join(o.tables_missed)}") for o in outcomes if o.tables_missed]
    assert not failures, named(failures)


def test_clean_filings_have_no_error_finding(outcomes):
    failures = [
        (o, f"error findings: {', '.join(o.failed_rules)}")
        for o in outcomes
        if o.category == "clean" and o.failed_rules
    ]
    assert not failures, named(failures)


def test_injected_inconsistencies_are_found(outcomes):
    failures = [(o, "injected inconsistency not found") for o in outcomes if o.detected is False]
    assert not failures, named(failures)

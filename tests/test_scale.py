"""Later stages in bounded memory (issue 14): checks in shards and features in chunks give exactly the rows of one
pass; a shard holds the filings its rules link to; start-up imports stay small."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from budgetml import features
from budgetml.checks import shards
from budgetml.checks.rulebook import check_output
from budgetml.datasets import SchemaError, read_table, write_parts, write_table
from budgetml.layout import dataset_path
from budgetml.parse import parse_to_datasets
from budgetml.schema import BUDGET_EXECUTION, CHECKS, CLAIMS, FEATURES, FILINGS
from budgetml.synth.corpus import generate_corpus
from tests.conftest import REPO


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory):
    """A sample corpus of two districts' departments over three years, parsed and checked in one shard: departments
    whose filings are compared with last year's, and whose 决算 (2023, 2024) are compared with their 预算."""
    base = tmp_path_factory.mktemp("scale")
    generate_corpus(base / "in", districts=2, departments=3, years=[2023, 2024, 2025], seed=4)
    parse_to_datasets(sorted((base / "in").rglob("*.pdf")), base / "out")
    check_output(base / "out")  # 18 预算 and 12 决算, one shard, in this process
    return base / "out"


def table(out: Path, dataset) -> pa.Table:
    return pq.read_table(dataset_path(out, dataset))


def test_checks_in_shards_on_two_workers_equal_one_pass(corpus_out, tmp_path, monkeypatch):
    """Shards of one filing hold whole families: each department's 预算 of three years and 决算 of two, linked by
    last year's filing and by the 决算's 预算; two workers check them to the rows of one shard."""
    out = tmp_path / "out"
    shutil.copytree(corpus_out, out)
    monkeypatch.setattr(shards, "SHARD_FILINGS", 1)
    filings = read_table(FILINGS, out)
    plan = shards.plan_shards(filings)
    assert plan.n_shards == 6 and plan.owner.height == filings.num_rows == 30
    department = {f["filing_id"]: (f["region"], f["department"]) for f in filings.to_pylist()}
    families = plan.owner.group_by("shard").agg(pl.col("filing_id")).to_dicts()
    assert sorted(len({department[i] for i in f["filing_id"]}) for f in families) == [1] * 6
    assert sorted(len(f["filing_id"]) for f in families) == [5] * 6
    check_output(out, workers=2)
    for dataset in (CLAIMS, CHECKS, BUDGET_EXECUTION):  # shard by shard: the same rows in another order
        ours, theirs = (pl.from_arrow(table(folder, dataset)).sort(dataset.key) for folder in (out, corpus_out))
        assert ours.equals(theirs) and ours.height, dataset.name
    assert table(out, FILINGS).equals(table(corpus_out, FILINGS))  # with the quality counted from the findings
    checks = table(out, CHECKS).to_pylist()
    compared = [c for c in checks if c["rule_id"] == "prev_year.matches"]
    assert len({c["filing_id"] for c in compared if c["is_passed"] is not None}) == 12  # each 预算 with last year's
    assert not list(out.glob("data/.checks-*")), "the shards' work folder is removed"


def test_a_filing_reads_last_year_and_its_budget_in_its_shard(corpus_out, monkeypatch):
    monkeypatch.setattr(shards, "SHARD_FILINGS", 1)
    filings = list(shards.load_filings(corpus_out))
    linked = [f for f in filings if f.previous is not None]
    assert len(linked) == 18  # 12 预算 and 6 决算 (2023's have no last year in the corpus)
    assert all(f.previous.year == f.year - 1 and f.previous.amounts and f.previous.claims for f in linked)
    assert all(f.previous.doc_kind == f.doc_kind for f in linked)
    executed = [f for f in filings if f.budget is not None]
    assert len(executed) == 12 and all(f.doc_kind == "final_account" for f in executed)
    assert all(f.budget.doc_kind == "budget" and f.budget.year == f.year and f.budget.amounts for f in executed)


def test_features_in_chunks_equal_one_chunk(corpus_out, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(corpus_out, out)
    features.build_features(out)
    whole = table(out, FEATURES)
    monkeypatch.setattr(features, "CHUNK_FILINGS", 4)
    features.build_features(out)
    chunked = table(out, FEATURES)
    assert chunked.equals(whole)
    rows = chunked.to_pylist()
    assert sum(r["prev_filing_id"] is not None for r in rows) == 18  # last year's filing found across chunks
    budgets = [r for r in rows if r["doc_kind"] == "budget"]
    assert all(r["n_projects"] for r in budgets) and all(r["n_units"] for r in budgets if r["region"] == "武昌区")
    assert all(r["execution_total_pct"] is not None for r in rows if r["doc_kind"] == "final_account")


def test_write_parts_writes_what_write_table_writes(corpus_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(corpus_out, out)
    checks = table(corpus_out, CHECKS)
    parts = [checks.slice(0, 100), checks.slice(100, 0), checks.slice(100)]
    path = write_parts(CHECKS, iter(parts), out)
    written = pq.read_table(path)
    assert written.equals(checks)
    assert written.schema.metadata.keys() == table(corpus_out, CHECKS).schema.metadata.keys()
    assert pq.ParquetFile(path).metadata.num_row_groups == 2  # one per part that has rows: never all at once
    with pytest.raises(SchemaError):
        write_parts(FILINGS, iter([table(corpus_out, FILINGS)]), out)
    with pytest.raises(SchemaError):  # each part is checked as write_table checks a table
        write_parts(CHECKS, iter([checks.drop_columns(["message"])]), out)
    assert write_table(CHECKS, checks, out) == path


def imported(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `code`."""
    probe = f"import sys\n{code}\nprint('LOADED', *(m for m in {modules!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()[-1].split()[1:]


HEAVY = ("polars", "pyarrow", "numpy", "sklearn", "prefect", "pypdfium2", "pdfminer", "jinja2", "budgetml.schema")


def test_the_command_line_starts_without_the_stages():
    """`budgetml --help` loads typer and nothing of the data stack: each command imports what it runs."""
    assert imported("import budgetml.cli", HEAVY) == []
    assert (
        imported("from budgetml.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass", HEAVY) == []
    )


def test_the_parse_worker_loads_no_polars():
    """The parse worker's interpreter (budgetml.isolation) loads the parse path and pyarrow, not polars."""
    assert imported("import budgetml.isolation", ("polars", "sklearn", "prefect")) == []

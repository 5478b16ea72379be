"""The incremental parse stage without Prefect: cache by (content hash, parser version), changes, removals, renames."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from budgetml import generations, incremental, layout
from budgetml import parse as parsing
from budgetml.isolation import InputFile, failed_outcome, parse_isolated
from budgetml.layout import dataset_path
from budgetml.lock import output_lock
from budgetml.schema import FILINGS, INPUTS, LINE_ITEMS
from budgetml.settings import ParseLimits
from tests import flowdata

LIMITS = ParseLimits(time_limit_s=60, memory_limit_mb=2048)


def run_once(folder, out, limits=LIMITS):
    """The parse stage as the flow wires it: plan → parse (cached per file) → stage the datasets → publish."""
    plan = incremental.plan_run(sorted(folder.rglob("*.pdf")), out, limits)
    outcomes = parse_isolated(
        list(plan.to_parse), limits, workers=2, on_outcome=lambda o: incremental.store_outcome(out, o, limits)
    )
    staged = generations.begin(out)
    inputs, _ = incremental.stage_parse_datasets(plan, outcomes, out, staged)
    generations.publish(out, staged)
    incremental.prune_cache(out, set(inputs["filing_id"].to_pylist()))
    return plan


def read(out, dataset):
    return pq.read_table(dataset_path(out, dataset)).to_pylist()


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "in"
    flowdata.budget_corpus(folder, 3)
    return folder, tmp_path / "out"


def test_warm_rerun_parses_nothing_and_keeps_datasets(corpus):
    folder, out = corpus
    cold = run_once(folder, out)
    assert len(cold.to_parse) == 3 and set(cold.change.values()) == {"new"}
    before = {d: dataset_path(out, d).stat().st_ino for d in (FILINGS, LINE_ITEMS)}
    warm = run_once(folder, out)
    assert warm.to_parse == () and warm.is_unchanged
    assert set(warm.change.values()) == {"unchanged"}
    assert {d: dataset_path(out, d).stat().st_ino for d in (FILINGS, LINE_ITEMS)} == before  # the same files
    assert {r["parse_outcome"] for r in read(out, INPUTS)} == {"reused"}
    filings = read(out, FILINGS)
    assert [r["status"] for r in filings] == ["ok"] * 3
    assert sorted(r["department"] for r in filings) == ["武昌区测试00局", "武昌区测试01局", "武昌区测试02局"]


def test_changed_file_replaces_its_rows_and_removed_file_is_dropped(corpus):
    folder, out = corpus
    run_once(folder, out)
    old_ids = {r["source_path"]: r["filing_id"] for r in read(out, INPUTS)}
    changed, removed = folder / "dept-00.pdf", folder / "dept-02.pdf"
    flowdata.budget_pdf(changed, "改名后局")
    removed.unlink()
    plan = run_once(folder, out)
    assert [f.source_path for f in plan.to_parse] == [str(changed)]
    assert plan.change[str(changed)] == "changed" and plan.removed == (str(removed),)
    filings = read(out, FILINGS)
    assert sorted(r["department"] for r in filings) == ["武昌区改名后局", "武昌区测试01局"]
    items_ids = {r["filing_id"] for r in read(out, LINE_ITEMS)}
    assert items_ids == {r["filing_id"] for r in filings}
    assert old_ids[str(changed)] not in items_ids and old_ids[str(removed)] not in items_ids
    cached = {p.name for p in incremental.cache_root(out).iterdir()}
    assert cached == {r["filing_id"] for r in filings}  # the cache keeps only current filings


def test_renamed_and_duplicated_files_are_not_parsed_again(corpus):
    folder, out = corpus
    run_once(folder, out)
    (folder / "dept-01.pdf").rename(folder / "renamed.pdf")
    shutil.copy(folder / "dept-00.pdf", folder / "副本 dept-00.pdf")
    plan = run_once(folder, out)
    assert plan.to_parse == ()
    inputs = {r["source_path"].rsplit("/", 1)[1]: r for r in read(out, INPUTS)}
    assert inputs["renamed.pdf"]["change"] == "new" and inputs["renamed.pdf"]["parse_outcome"] == "reused"
    assert inputs["副本 dept-00.pdf"]["parse_outcome"] == "duplicate"
    filings = read(out, FILINGS)
    assert len(filings) == 3  # the copy shares its filing: filing_id is the key
    assert any(r["source_path"].endswith("renamed.pdf") for r in filings)


def test_parser_version_bump_reparses_everything_and_drops_the_old_cache(corpus, monkeypatch):
    folder, out = corpus
    run_once(folder, out)
    old_root = incremental.cache_root(out)
    monkeypatch.setattr(parsing, "PARSER_VERSION", "bumped")  # the engine's cache (parse-v5-pdfium) bumps with it
    plan = incremental.plan_run(sorted(folder.rglob("*.pdf")), out, LIMITS)
    assert len(plan.to_parse) == 3 and not plan.is_unchanged
    incremental.prune_cache(out, keep=set())
    assert not old_root.exists()


def test_limit_failures_are_cached_per_limits(tmp_path):
    out = tmp_path / "out"
    file = InputFile(str(tmp_path / "huge.pdf"), "a" * 64, 10)
    outcome = failed_outcome(file, "timeout", "超时：…")
    assert incremental.store_outcome(out, outcome, LIMITS) == f"{'a' * 64}@timeout-t60-m2048"
    assert incremental.find_entry(out, file.filing_id, LIMITS)
    assert incremental.find_entry(out, file.filing_id, ParseLimits(600, 2048)) is None  # a higher limit retries
    changed = failed_outcome(file, "changed", "文件在本次运行期间被修改")
    assert incremental.store_outcome(out, changed, LIMITS) is None


def flatten(out):
    """The output folder as versions before the data/ + .state/ layout left it: datasets, .cache and .lock side by side."""
    for path in dataset_path(out, FILINGS).parent.glob("*.parquet"):
        shutil.copy(path, out / path.name)
    shutil.move(incremental.cache_root(out).parent, out / ".cache")
    shutil.rmtree(out / ".state")
    (out / "data").unlink()
    (out / ".lock").write_text("进程 1 …\n", encoding="utf-8")


def test_a_folder_of_the_flat_layout_is_migrated_without_reparsing(corpus):
    folder, out = corpus
    run_once(folder, out)
    published = {d: read(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)}
    flatten(out)
    assert layout.has_flat_layout(out)
    with output_lock(out):
        moved = layout.migrate_flat_layout(out)
    assert {"filings.parquet", "line_items.parquet", "inputs.parquet", ".cache", ".lock"} <= set(moved)
    assert sorted(p.name for p in out.iterdir()) == [".state", "data"]
    assert {d: read(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)} == published
    plan = run_once(folder, out)
    assert plan.to_parse == () and plan.is_unchanged  # the cache and the inventory came along


def test_a_publish_interrupted_before_the_migration_rebuilds_from_the_cache(corpus):
    folder, out = corpus
    run_once(folder, out)
    published = {d: read(out, d) for d in (FILINGS, LINE_ITEMS)}
    flatten(out)
    (out / ".publishing").touch()  # the old version's marker: its datasets may mix two runs
    with output_lock(out):
        layout.migrate_flat_layout(out)
    assert not (out / ".publishing").exists()
    plan = run_once(folder, out)
    assert plan.to_parse == () and not plan.is_unchanged and plan.published == frozenset()
    assert {d: read(out, d) for d in (FILINGS, LINE_ITEMS)} == published  # rebuilt from the cache alone: the same rows


def test_a_run_killed_before_its_switch_leaves_the_last_generation(corpus):
    folder, out = corpus
    run_once(folder, out)
    published = {d: read(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)}
    flowdata.budget_pdf(folder / "dept-03.pdf", "测试03局")
    plan = incremental.plan_run(sorted(folder.rglob("*.pdf")), out, LIMITS)
    outcomes = parse_isolated(list(plan.to_parse), LIMITS, workers=1)
    staged = generations.begin(out)
    incremental.stage_parse_datasets(plan, outcomes, out, staged)  # ... and the run is killed here
    assert {d: read(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)} == published
    assert len(read(staged, FILINGS)) == 4
    plan = run_once(folder, out)  # the next run starts over from the last completed one
    assert plan.change[str(folder / "dept-03.pdf")] == "new"
    assert len(read(out, FILINGS)) == 4 and not list(layout.staging_dir(out).iterdir())
    assert len(list(layout.generations_dir(out).iterdir())) == 1 + generations.KEEP_PREVIOUS

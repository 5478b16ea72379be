"""An output folder written by the previous version (schema 1) is migrated in place by the next run, without reparsing.

The old folder is made from a run of this version by writing every dataset and parse-cache entry back
in the previous version's format: its exact Arrow schemas, read from a `make run` folder that version
wrote, are kept in tests/data/schema_v1.json, and each old file is checked against them.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from budgetml.incremental import cache_root
from budgetml.layout import data_dir, dataset_files
from budgetml.migrations import file_version, migrate_output
from budgetml.schema import DATASETS, HEADLINE_FIGURES, SCHEMA_VERSION
from budgetml.synth.corpus import generate_corpus
from tests.conftest import REPO
from tests.flowdata import TEST_MEMORY_LIMIT_MB, TEST_TIME_LIMIT_S

V1 = {
    name: pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))
    for name, text in json.loads((REPO / "tests" / "data" / "schema_v1.json").read_text())["schemas"].items()
}
# What version 2 renamed (new name → old name); everything else it added is dropped by the v1 schema.
RENAMED = {
    "line_items": {"column_name": "column", "amount_wan": "value_wan"},
    "claims": {"change_pct": "percent"},
    "checks": {"is_passed": "passed"},
    "anomalies": {"is_flagged": "flagged", "n_peer_group": "peer_group_size"},
    "runs": {"n_workers": "workers"},
}
# What the old checks and claims never held (cell keys; main's later finding links and claim scopes): null, or the
# section for a heading path, until the run that follows the migration writes them anew.
NOT_IN_VERSION_1 = {
    "checks": ("cell_ids", "caused_by_id", "matched_scope"),
    "claims": (
        "heading_path",
        "claim_scope",
        # schema 3: claims in 决算 wording
        "initial_budget",
        "initial_budget_yuan",
        "completion_pct",
        "budget_relation",
        "share_of",
    ),
    # schema 3: the document kind and the execution features (an old folder scored budgets only: its 决算 had failed)
    "features": (
        "doc_kind",
        "execution_total_pct",
        "execution_basic_pct",
        "execution_project_pct",
        "execution_sangong_pct",
        "carryover_share_pct",
    ),
    # schema 3: the figures only a 决算 prints
    "filings": tuple(
        f"{name}_{unit}"
        for name in (
            "income_grand_total",
            "carryover_begin",
            "carryover_end",
            "fiscal_grant_total",
            "general_budget_expenditure",
        )
        for unit in ("yuan", "wan")
    ),
}

# Datasets an old folder never had that no migration step can derive: the run that follows writes them (the checks
# stage links each 决算 with its 预算, schema 3).
WRITTEN_BY_THE_NEXT_RUN = {"budget_execution"}


def as_version_1(name: str, table: pa.Table) -> pa.Table:
    """A dataset of this version as the previous version wrote it: old names, 万元 floats, no metadata."""
    if name == "filings":  # headline figures were floats in 万元 under their plain names
        for figure, _ in HEADLINE_FIGURES:
            table = table.append_column(figure, table[f"{figure}_wan"])
    table = table.rename_columns([RENAMED.get(name, {}).get(c, c) for c in table.column_names])
    return table.select(V1[name].names).cast(V1[name])


def write_version_1(out: Path) -> None:
    """Rewrite a folder of this version in the previous version's format, datasets and parse cache alike."""
    data = data_dir(out).resolve()
    for path in data.iterdir():
        if path.suffix == ".parquet" and path.stem in V1:
            pq.write_table(as_version_1(path.stem, pq.read_table(path)), path)
        elif path.is_dir():  # the later stages' records (data/.stages/): version 1 had none
            shutil.rmtree(path)
        else:  # the datasets and the descriptor version 1 did not have
            path.unlink()
    for entry in cache_root(out).iterdir():
        for path in entry.glob("*.parquet"):
            pq.write_table(as_version_1(path.stem, pq.read_table(path)), path)


def settings_file(folder: Path) -> str:
    path = folder / "nightly.toml"
    path.write_text(
        f"[parse]\nworkers = 2\ntime_limit_s = {TEST_TIME_LIMIT_S}\nmemory_limit_mb = {TEST_MEMORY_LIMIT_MB}\n",
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(inputs folder, settings, a folder written by this version) after one run over a small sample corpus."""
    from flows.nightly import nightly

    base = tmp_path_factory.mktemp("migrations")
    generate_corpus(base / "in", districts=3, departments=["statistics"], years=[2024, 2025], seed=3)
    config = settings_file(base)
    nightly(inputs=[str(base / "in")], output=str(base / "current"), settings_path=config)
    return base / "in", config, base / "current"


def read(out: Path, name: str) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in dataset_files(out, name)])


def test_the_old_folder_is_what_the_previous_version_wrote(runs, tmp_path):
    _, _, current = runs
    old = tmp_path / "old"
    shutil.copytree(current, old, symlinks=True)
    write_version_1(old)
    for name, schema in V1.items():
        written = pq.read_schema(data_dir(old) / f"{name}.parquet")
        assert written.equals(schema) and file_version(written) == 1, name
    assert not (data_dir(old) / "departments.parquet").exists() and not (data_dir(old) / "datapackage.json").exists()


def test_migration_rewrites_datasets_and_cache_exactly(runs, tmp_path):
    _, _, current = runs
    old = tmp_path / "old"
    shutil.copytree(current, old, symlinks=True)
    write_version_1(old)
    changed = migrate_output(old)
    assert {"filings", "line_items", "checks", "anomalies", "runs"} <= set(changed)
    assert any(c.startswith("cache/") for c in changed)
    for dataset in DATASETS:
        for path in dataset_files(old, dataset):
            assert file_version(pq.read_schema(path)) == SCHEMA_VERSION, path
        if dataset.name in WRITTEN_BY_THE_NEXT_RUN:
            assert not dataset_files(old, dataset), dataset.name
            continue
        migrated, fresh = read(old, dataset.name), read(current, dataset.name)
        assert migrated.schema.remove_metadata().equals(fresh.schema.remove_metadata()), dataset.name
        if dataset.name == "checks":
            assert all(c is None for ids in migrated["cell_ids"].to_pylist() for c in ids)
            assert migrated["caused_by_id"].null_count == migrated.num_rows
        if dataset.name == "claims":
            assert migrated["heading_path"].to_pylist() == migrated["section"].to_pylist()
        if dataset.name in NOT_IN_VERSION_1:
            migrated = migrated.drop_columns(list(NOT_IN_VERSION_1[dataset.name]))
            fresh = fresh.drop_columns(list(NOT_IN_VERSION_1[dataset.name]))
        if dataset.name == "filings":  # quality and the exact headline figures, recovered from the old floats
            assert migrated["quality"].to_pylist() == fresh["quality"].to_pylist()
        if dataset.name != "runs":
            assert migrated.equals(fresh), dataset.name
    for entry in cache_root(old).iterdir():
        for path in entry.glob("*.parquet"):
            cached, fresh = pq.read_table(path), pq.read_table(cache_root(current) / entry.name / path.name)
            assert file_version(cached.schema) == SCHEMA_VERSION, path
            if path.stem in NOT_IN_VERSION_1:
                cached = cached.drop_columns(list(NOT_IN_VERSION_1[path.stem]))
                fresh = fresh.drop_columns(list(NOT_IN_VERSION_1[path.stem]))
            assert cached.equals(fresh), path
    assert migrate_output(old) == []  # nothing left to do


def test_the_next_run_migrates_in_place_without_reparsing(runs, tmp_path):
    from flows.nightly import nightly

    inputs, config, current = runs
    old = tmp_path / "old"
    shutil.copytree(current, old, symlinks=True)
    write_version_1(old)
    summary = nightly(inputs=[str(inputs)], output=str(old), settings_path=config)
    assert (summary.n_parsed, summary.n_reused) == (0, summary.n_files)
    assert (summary.n_findings_new, summary.n_flags_new) == (0, 0)  # the old findings and flags carried over
    for dataset in DATASETS:
        if dataset.name in ("inputs", "runs"):
            continue
        migrated, fresh = read(old, dataset.name), read(current, dataset.name)
        if dataset.name in ("filings", "features"):
            # The 决算's own figures come from parsing, which this run reuses: null until a reparse (the parser
            # version that brought them, 6, reparses every folder written before it), and so their features.
            migrated = migrated.drop_columns(list(NOT_IN_VERSION_1[dataset.name]))
            fresh = fresh.drop_columns(list(NOT_IN_VERSION_1[dataset.name]))
        assert migrated.equals(fresh) or dataset.name == "anomalies", dataset.name
    assert read(old, "runs")["n_workers"].to_pylist() == [2, 2]

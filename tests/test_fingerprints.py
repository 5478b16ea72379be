"""What a later stage read, fingerprinted: the declared configs are the ones each stage opens, and a record is trusted
only while its fingerprint and every output it lists are unchanged. The flow's use of it: tests/test_flow.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from budgetml import fingerprints
from budgetml.layout import dataset_path
from budgetml.quality import CHECKED_COLUMNS
from budgetml.schema import FILINGS

REPO = Path(__file__).resolve().parent.parent

# Runs one stage as the flow calls it (the review store configs/review.toml names: read, never written) with an
# audit hook that notes every file opened under configs/ (at import time or later).
OPENED_CONFIGS = """
import sys
from pathlib import Path

configs = str(Path({repo!r}) / "configs") + "/"
opened = set()

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, Path)) and str(args[0]).startswith(configs):
        opened.add(Path(args[0]).name)

sys.addaudithook(hook)
out = Path({out!r})
if {stage!r} == "checks":
    from budgetml.checks.rulebook import check_output
    check_output(out, workers=1)
elif {stage!r} == "features":
    from budgetml.features import build_features
    build_features(out)
elif {stage!r} == "scoring":
    from budgetml.detect import score_filings
    score_filings(out)
else:
    from budgetml.report import write_report
    write_report(out)
print(sorted(opened))
"""


@pytest.fixture(scope="module")
def scored(seed_checked, tmp_path_factory):
    """The seed fixture through checks, features and scoring."""
    from budgetml.detect import score_filings
    from budgetml.features import build_features

    out = tmp_path_factory.mktemp("scored") / "out"
    shutil.copytree(seed_checked, out)
    build_features(out)
    score_filings(out, store=out / "review.sqlite")
    return out


@pytest.mark.parametrize("stage", [s.stage for s in fingerprints.LATER_STAGES])
def test_each_stage_declares_exactly_the_configs_it_opens(stage, scored, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(scored, out)
    code = OPENED_CONFIGS.format(repo=str(REPO), out=str(out), stage=stage)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    opened = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    declared = next(s for s in fingerprints.LATER_STAGES if s.stage == stage).configs
    assert opened and sorted(declared) == opened


def test_the_stages_read_upstream_datasets_only():
    assert "features" not in fingerprints.upstream_datasets("checks")
    assert {"inputs", "runs", "checks", "claims"}.isdisjoint(fingerprints.upstream_datasets("checks"))
    assert "filings" in fingerprints.upstream_datasets("checks")  # read without the columns the checks write
    assert {"checks", "features", "filings"} <= set(fingerprints.upstream_datasets("scoring"))
    assert "anomalies" not in fingerprints.upstream_datasets("scoring")
    assert "anomalies" in fingerprints.upstream_datasets("report")
    assert {"inputs", "runs"}.isdisjoint(fingerprints.upstream_datasets("report"))


def test_a_record_holds_while_nothing_it_read_or_wrote_changes(scored, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(scored, out)
    reads = fingerprints.reads("features", out, "8-test")
    fingerprints.write_record(out, reads)
    assert fingerprints.current_record(out, out, fingerprints.reads("features", out, "8-test")) is not None
    assert fingerprints.current_record(out, out, fingerprints.reads("features", out, "9-test")) is None  # a version
    # Any upstream dataset rewritten with other rows: the fingerprint changes.
    narrative = dataset_path(out, "narrative")
    table = pq.read_table(narrative)
    pq.write_table(table.slice(0, max(table.num_rows - 1, 0)), narrative)
    assert fingerprints.current_record(out, out, fingerprints.reads("features", out, "8-test")) is None


def test_an_output_deleted_or_rewritten_invalidates_the_record(scored, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(scored, out)
    reads = fingerprints.reads("scoring", out, "8")
    fingerprints.write_record(out, reads)
    anomalies = dataset_path(out, "anomalies")
    saved = anomalies.read_bytes()
    anomalies.write_bytes(saved + b"\0")
    assert fingerprints.current_record(out, out, reads) is None
    anomalies.write_bytes(saved)
    assert fingerprints.current_record(out, out, reads) is not None
    anomalies.unlink()
    assert fingerprints.current_record(out, out, reads) is None


def test_the_checks_read_filings_without_the_quality_they_write(scored, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(scored, out)
    before = fingerprints.reads("checks", out, "8")
    filings = pq.read_table(dataset_path(out, FILINGS))
    assert set(CHECKED_COLUMNS) <= set(filings.column_names)
    cleared = filings
    for name in CHECKED_COLUMNS:
        field = cleared.schema.field(name)
        cleared = cleared.set_column(cleared.schema.get_field_index(name), field, pa.nulls(len(cleared), field.type))
    assert not cleared.equals(filings)
    pq.write_table(cleared, dataset_path(out, FILINGS))
    assert fingerprints.reads("checks", out, "8") == before  # quality reset: the same input to the checks
    pq.write_table(filings.slice(1), dataset_path(out, FILINGS))
    assert fingerprints.reads("checks", out, "8")["datasets"]["filings"] != before["datasets"]["filings"]


def test_an_unreadable_record_means_the_stage_runs(scored, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(scored, out)
    reads = fingerprints.reads("features", out, "8")
    path = fingerprints.write_record(out, reads)
    path.write_text("{not json", encoding="utf-8")
    assert fingerprints.current_record(out, out, reads) is None

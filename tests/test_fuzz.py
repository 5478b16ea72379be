"""Fuzz: 120 seeded mutants of real-looking filings and hand-made traps through `budgetml parse` and `budgetml run`.

Small limits (5 s, 256 MB) so that every trap ends fast. What must hold: both commands exit 0, every
regular PDF has exactly one inventory row and its filing one row, no error holds a traceback, the
FIFO and the link out of the folder are skipped with a note and never read, and the run (reusing the
parse's cache) publishes the same parse rows and goes through checks, features, scoring and report.
The longer version for releases is scripts/fuzz.py.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from budgetml.layout import dataset_path
from tests import fuzzdata

REPO = Path(__file__).resolve().parent.parent
SEED, N_MUTANTS = 20261130, 120
# No hostile file stalls, so the time limit only has to spare the good ones on a slow, shared machine (a small
# filing needs < 1 s; one named below must come out `partial`, never `超时`).
TIME_LIMIT_S, MEMORY_LIMIT_MB = 20, 256

pytestmark = pytest.mark.server  # `budgetml run` starts Prefect's temporary server


def command(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run(
        [sys.executable, "-m", "budgetml.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def test_hostile_folder_through_parse_and_run(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    made = fuzzdata.hostile_folder(folder, N_MUTANTS, SEED)
    regular = {str(p) for p in made["regular"]}
    assert len(regular) >= 100

    limits = ["--time-limit", str(TIME_LIMIT_S), "--memory-limit", str(MEMORY_LIMIT_MB), "--workers", "2"]
    parsed = command("parse", str(folder), "--output", str(out), *limits)
    assert parsed.returncode == 0, parsed.stdout[-3000:] + parsed.stderr[-3000:]
    assert "Traceback" not in parsed.stdout + parsed.stderr
    for path in made["not_read"]:
        assert f"跳过 {path}" in parsed.stdout
    parse_rows = check_published(out, regular)

    config = tmp_path / "nightly.toml"
    config.write_text(
        f"[parse]\nworkers = 2\ntime_limit_s = {TIME_LIMIT_S}\nmemory_limit_mb = {MEMORY_LIMIT_MB}\n", encoding="utf-8"
    )
    ran = command("run", "--input", str(folder), "--output", str(out), "--config", str(config))
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "Traceback" not in ran.stdout + ran.stderr
    assert "未读取的路径" in ran.stdout and "报告：" in ran.stdout
    assert check_published(out, regular) == parse_rows  # the same rows from either command
    for name in ("checks", "features", "anomalies"):
        assert dataset_path(out, name).exists(), name


def check_published(out: Path, regular: set[str]) -> dict[str, list[dict]]:
    inputs = pq.read_table(dataset_path(out, "inputs")).to_pylist()
    assert sorted(r["source_path"] for r in inputs) == sorted(regular)  # every regular PDF once, nothing else
    filings = pq.read_table(dataset_path(out, "filings")).to_pylist()
    assert sorted(r["filing_id"] for r in filings) == sorted({r["filing_id"] for r in inputs})
    errors = [r["error"] for r in filings if r["error"]]
    assert not [e for e in errors if "Traceback" in e or 'File "' in e]
    statuses = {Path(r["source_path"]).name: (r["status"], r["error"] or "") for r in filings}
    assert "疑似解压炸弹" in statuses["bomb.pdf"][1]  # refused before inflating (budgetml.extract.guards)
    assert statuses["rectangles.pdf"][1].startswith(("内存超限", "超时"))  # whichever limit comes first here
    assert statuses["huge-amount.pdf"][0] == "partial"
    outside = hashlib.sha256(Path(fuzzdata.OUTSIDE_TARGET).read_bytes()).hexdigest()
    assert outside not in {r["filing_id"] for r in inputs}
    rows = {
        name: pq.read_table(dataset_path(out, name)).to_pylist()
        for name in ("filings", "line_items", "tables", "form_cells", "narrative")
    }
    for row in rows["filings"]:  # what the checks add (budgetml/quality.py): only a run has them
        del row["quality"], row["n_error_findings"]
    return rows

"""scripts/compare_outputs.py: identical folders pass, a changed value or a missing row is reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.budgetdata import fid, filing, write_output

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "compare_outputs.py"


def compare(before: Path, after: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(before), str(after)], capture_output=True, text=True)


def test_identical_folders_and_a_difference(tmp_path):
    rows = [filing(fid("a"), "武昌区教育局", 2025), filing(fid("b"), "武昌区民政局", 2025)]
    write_output(tmp_path / "before", rows)
    write_output(tmp_path / "same" / "data", rows)  # datasets one folder down are found too
    same = compare(tmp_path / "before", tmp_path / "same")
    assert same.returncode == 0 and "all datasets identical" in same.stdout, same.stdout

    write_output(tmp_path / "after", [rows[0] | {"total_expenditure": 1001.0}])
    changed = compare(tmp_path / "before", tmp_path / "after")
    assert changed.returncode == 1
    assert "filings: DIFFERENT" in changed.stdout and "1 rows only before" in changed.stdout
    assert "total_expenditure_wan: 1000.0 → 1001.0" in changed.stdout

"""One run per output folder: the second fails at once and names the holder; a killed holder leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from budgetml.lock import OutputLocked, ensure_unlocked, output_lock
from tests import flowdata

REPO = Path(__file__).resolve().parent.parent
HOLD = "import sys, time; from pathlib import Path; from budgetml.lock import output_lock\nwith output_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)"


def test_second_lock_fails_and_names_the_holder(tmp_path):
    with output_lock(tmp_path), pytest.raises(OutputLocked, match=f"进程 {os.getpid()}"), output_lock(tmp_path):
        pass
    with output_lock(tmp_path):  # released on exit
        pass


def test_cli_run_on_a_locked_folder_fails_fast_naming_the_other_process(tmp_path):
    flowdata.budget_corpus(tmp_path / "in", 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "budgetml.cli",
                "run",
                "--input",
                str(tmp_path / "in"),
                "--output",
                str(tmp_path / "out"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert f"进程 {holder.pid}" in result.stdout and "正被另一个运行占用" in result.stdout
        assert time.monotonic() - start < 10  # before Prefect's start-up
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    ensure_unlocked(tmp_path / "out")  # the killed holder's lock is gone with it

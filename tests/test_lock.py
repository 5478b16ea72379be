"""One run per output folder: the second fails at once and names the holder, whatever the timing; a killed holder leaves no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from budgetml import lock
from budgetml.layout import lock_path
from budgetml.lock import OutputLocked, ensure_unlocked, output_lock
from tests import flowdata
from tests.deadlines import HANG_GUARD_S

REPO = Path(__file__).resolve().parent.parent
HOLD = "import sys, time; from pathlib import Path; from budgetml.lock import output_lock\nwith output_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(3600)"  # killed by the test
# `python -m budgetml.cli ARGS…` that prints, as it exits, whether Prefect was imported on the way.
CLI_REPORTING_PREFECT = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('prefect imported:', 'prefect' in sys.modules, flush=True))\n"
    "sys.argv[0] = 'budgetml'\n"
    "runpy.run_module('budgetml.cli', run_name='__main__')"
)


def test_second_lock_fails_and_names_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert lock_path(tmp_path).exists()
        with pytest.raises(OutputLocked, match=f"进程 {holder.pid}"), output_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()
    with output_lock(tmp_path), output_lock(tmp_path):  # released by the kill; nests within one process
        pass


def test_a_lock_taken_a_moment_ago_is_named_once_its_holder_has_written(tmp_path, monkeypatch):
    """The loser of a race may look before the winner has written its line: it waits for the name."""
    monkeypatch.setattr(lock, "HOLDER_WAIT_S", HANG_GUARD_S)  # however slowly the holder gets to write it
    path = lock_path(tmp_path)
    path.parent.mkdir(parents=True)
    code = (
        "import fcntl, os, sys, time\n"
        "handle = open(sys.argv[1], 'a+')\nfcntl.flock(handle, fcntl.LOCK_EX)\nprint('locked', flush=True)\n"
        "time.sleep(1.0)\nhandle.write(f'进程 {os.getpid()}，刚刚开始\\n')\nhandle.flush()\ntime.sleep(3600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"  # locked, its name not yet written
        with pytest.raises(OutputLocked, match=f"进程 {holder.pid}"), output_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_cli_run_on_a_locked_folder_fails_fast_naming_the_other_process(tmp_path):
    flowdata.budget_corpus(tmp_path / "in", 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # The CLI run as `python -m budgetml.cli`, telling at exit whether Prefect was ever imported: the refusal
        # must come before the flow (and its server) starts, whatever the machine's speed.
        result = subprocess.run(
            [sys.executable, "-c", CLI_REPORTING_PREFECT, "run", "--input", str(tmp_path / "in")]
            + ["--output", str(tmp_path / "out")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_S,
        )
        assert result.returncode == 2
        assert f"进程 {holder.pid}" in result.stdout and "正被另一个运行占用" in result.stdout
        assert "prefect imported: False" in result.stdout, result.stdout
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    ensure_unlocked(tmp_path / "out")  # the killed holder's lock is gone with it


@pytest.mark.server
def test_two_runs_launched_together_one_runs_and_the_other_exits_2_naming_it(tmp_path):
    """Both used to pass the early check; the loser died ~20 s later with a traceback and exit 1."""
    flowdata.budget_corpus(tmp_path / "in", 1)
    command = [sys.executable, "-m", "budgetml.cli", "run", "--input", str(tmp_path / "in")]
    command += ["--output", str(tmp_path / "out"), "--parse-only", "--workers", "1"]
    runs = [
        subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 2], outputs
    winner, loser = (runs[0], runs[1]) if runs[0].returncode == 0 else (runs[1], runs[0])
    message = outputs[runs.index(loser)]
    assert f"进程 {winner.pid}" in message and "正被另一个运行占用" in message
    assert "Traceback" not in message

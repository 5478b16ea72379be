"""When a run dies, however it dies (kill -9 included), every process it started dies too.

Parse workers ask the kernel to kill them with their parent (isolation.py), but Prefect's temporary
API server is started by Prefect, out of our reach, and outlives a killed run. So `budgetml run`
marks its environment with a token that every descendant inherits, and starts a small watchdog in
its own session holding the read end of a pipe whose write end only the run holds. When the run
ends, the pipe closes; the watchdog then kills every process still carrying the token, until none is
left, and exits. A process group would do the same only by taking the run out of its terminal's
foreground group (Ctrl-C would no longer reach it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

RUN_TOKEN_ENV = "BUDGETML_RUN_TOKEN"
_SWEEP_INTERVAL_S = 0.1
_QUIET_SWEEPS = 3  # sweeps finding nothing before the watchdog trusts that nothing is left
_MAX_SWEEPS = 300  # a bound on the watchdog's own life (30 s) should a process keep starting children
_held_pipes: list[int] = []  # write ends kept open for the life of this process


def start_watchdog() -> str:
    """Mark the processes this one starts from now on, and start their watchdog; returns the token."""
    token = uuid.uuid4().hex
    read_end, write_end = os.pipe()  # not inherited by anything this process starts later
    subprocess.Popen(
        [sys.executable, "-c", "from budgetml.watchdog import watch; watch()", str(read_end), token],
        pass_fds=[read_end],
        start_new_session=True,  # a Ctrl-C or a kill of the run's process group does not reach it
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(read_end)
    _held_pipes.append(write_end)
    os.environ[RUN_TOKEN_ENV] = token
    return token


def watch() -> None:
    """The watchdog: argv = [read end of the run's pipe, token]. Waits for the run to end, then sweeps."""
    fd, token = int(sys.argv[1]), sys.argv[2]
    while True:
        try:
            if not os.read(fd, 4096):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    sweep(token)


def sweep(token: str) -> None:
    """Kill every process marked with the token until a few sweeps in a row find none."""
    quiet = 0
    for _ in range(_MAX_SWEEPS):
        found = marked_processes(token)
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        quiet = 0 if found else quiet + 1
        if quiet >= _QUIET_SWEEPS:
            return
        time.sleep(_SWEEP_INTERVAL_S)


def marked_processes(token: str) -> list[int]:
    """Processes (other than this one) whose environment carries RUN_TOKEN_ENV=token."""
    needle = f"{RUN_TOKEN_ENV}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found

"""One run at a time per output folder: an exclusive flock on OUT/.state/lock that names its holder."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from budgetml.layout import lock_path

# A second run may find the lock taken a moment before its holder has written its name: it waits this
# long for the name (the holder writes it right after taking the lock) before calling it unknown.
HOLDER_WAIT_S = 5.0
_held: dict[Path, int] = {}  # lock files this process holds → nesting depth (`budgetml run` holds it around the flow)


class OutputLocked(RuntimeError):
    """Another run holds the output folder; the message names its process."""


@contextmanager
def output_lock(out_dir: Path) -> Iterator[Path]:
    """Hold the folder's lock for the block, or fail at once when another process holds it.

    flock is released by the kernel when the holder dies, so a run killed with kill -9 never leaves a
    stale lock behind; the pid written into the file is only there to name the holder. Taking the
    lock again inside the same process (the command line, then the flow it runs) nests.
    """
    path = lock_path(Path(out_dir).resolve())  # one key per folder, however it is named
    if path in _held:
        _held[path] += 1
        try:
            yield path
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # append mode: opening must not erase the holder's pid
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(
                f"输出目录 {out_dir} 正被另一个运行占用（{_holder(path)}）；请等它结束后再运行，或换一个 --output 目录"
            ) from None
        # Overwrite, then cut: the file always starts with a whole line naming a holder, never with nothing.
        line = f"进程 {os.getpid()}，主机 {socket.gethostname()}，{datetime.now():%Y-%m-%d %H:%M:%S} 开始\n"
        os.pwrite(handle.fileno(), line.encode("utf-8"), 0)
        os.ftruncate(handle.fileno(), len(line.encode("utf-8")))
        _held[path] = 1
        try:
            yield path
        finally:
            del _held[path]
    finally:
        handle.close()  # closing the file releases the lock


def ensure_unlocked(out_dir: Path) -> None:
    """Fail fast when another run holds the folder; takes and releases the lock."""
    if lock_path(out_dir).exists():
        with output_lock(out_dir):
            pass


def _holder(path: Path) -> str:
    """The holder's line from the lock file, waiting briefly for a holder that has just taken it."""
    deadline = time.monotonic() + HOLDER_WAIT_S
    while True:
        try:
            first = path.read_text(encoding="utf-8", errors="replace").partition("\n")[0].strip()
        except OSError:
            first = ""
        if first.startswith("进程 ") or time.monotonic() >= deadline:
            return first or "未知进程"
        time.sleep(0.05)

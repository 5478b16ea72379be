"""One run at a time per output folder: an exclusive flock on OUT/.lock that names its holder."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

LOCK_NAME = ".lock"


class OutputLocked(RuntimeError):
    """Another run holds the output folder; the message names its process."""


@contextmanager
def output_lock(out_dir: Path) -> Iterator[Path]:
    """Hold the folder's lock for the block, or fail at once when another run holds it.

    flock is released by the kernel when the holder dies, so a run killed with kill -9 never leaves a
    stale lock behind; the pid written into the file is only there to name the holder.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # append mode: opening must not erase the holder's pid
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "未知进程"
            raise OutputLocked(
                f"输出目录 {out_dir} 正被另一个运行占用（{holder}）；请等它结束后再运行，或换一个 --output 目录"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"进程 {os.getpid()}，主机 {socket.gethostname()}，{datetime.now():%Y-%m-%d %H:%M:%S} 开始\n")
        handle.flush()
        yield path
    finally:
        handle.close()  # closing the file releases the lock


def ensure_unlocked(out_dir: Path) -> None:
    """Fail fast (before any slow start-up) when another run holds the folder; takes and releases the lock."""
    if (out_dir / LOCK_NAME).exists():
        with output_lock(out_dir):
            pass

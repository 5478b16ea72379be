"""The review desk as a real server in a real browser: start `budgetml serve-review` on a free port, and Debian's
chromium with the flags a headless run in a container needs. Used by tests/test_desk_browser.py and
scripts/desk_screenshots.py."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.deadlines import HANG_GUARD_S

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_desk(out: Path, store: Path, start_timeout_s: float = HANG_GUARD_S) -> Iterator[str]:
    """The desk over `out` recording in `store`, yielding its URL once it answers; stopped on exit. The timeout only
    guards against a desk that never starts."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "budgetml.cli", "serve-review", "--output", str(out), "--port", str(port)]
        + ["--store", str(store)],
        cwd=PROJECT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=5).close()
                break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the desk did not start at {url}") from exc
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=HANG_GUARD_S)

"""Regenerate the README's screenshots of the review desk (docs/images/desk-queue.png, desk-filing.png).

Starts `budgetml serve-review` on a free port over an output folder (default: output/, from `make run`) with a
throwaway review store, and photographs the queue and the filing page of the queue's first filing with a
boxed evidence crop, in Debian's chromium driven by Playwright.

    .venv/bin/python scripts/desk_screenshots.py [--output output]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
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


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the desk did not answer at {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-m", "budgetml.cli", "serve-review", "--output", str(args.output), "--port", str(port)]
            + ["--store", str(Path(folder) / "decisions.sqlite")],
            cwd=ROOT,
        )
        try:
            wait_for(base + "/")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
                page.goto(base + "/")
                IMAGES.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(IMAGES / "desk-queue.png"))
                rows = page.locator("tr.queue-row a")
                for i in range(rows.count()):  # the first filing whose first finding has a boxed crop
                    page.goto(base + "/")
                    page.locator("tr.queue-row a").nth(i).click()
                    crop = page.locator(".cause img.evidence-crop").first
                    if crop.count() and "/crop.png" in (crop.get_attribute("src") or ""):
                        break
                page.set_viewport_size({"width": 1360, "height": 1700})
                page.locator(".cause img.evidence-crop").first.scroll_into_view_if_needed()
                page.evaluate("window.scrollTo(0, 0)")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(IMAGES / "desk-filing.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"wrote {IMAGES / 'desk-queue.png'} and {IMAGES / 'desk-filing.png'}")


if __name__ == "__main__":
    main()

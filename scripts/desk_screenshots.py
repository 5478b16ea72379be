"""Regenerate the README's screenshots of the review desk (docs/images/desk-queue.png, desk-filing.png).

Starts `budgetml serve-review` on a free port over an output folder (default: output/, from `make run`) with a
throwaway review store, and photographs the queue and the filing page of the queue's first filing with a
boxed evidence crop, in Debian's chromium driven by Playwright.

    .venv/bin/python scripts/desk_screenshots.py [--output output]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.desk_server import CHROMIUM, CHROMIUM_ARGS, running_desk  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,  # a throwaway review store
        running_desk(args.output, Path(folder) / "decisions.sqlite") as base,
        sync_playwright() as p,
    ):
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
    print(f"wrote {IMAGES / 'desk-queue.png'} and {IMAGES / 'desk-filing.png'}")


if __name__ == "__main__":
    main()

"""The review desk in a real browser (Playwright driving Debian's chromium) over a `make run`-like output: a sample
corpus with labelled inconsistencies and outliers, plus a filing whose department name is an XSS payload, run
through `budgetml run`; the desk started with `budgetml serve-review` on a free port.

Costs about a minute (two runs of the nightly flow over 25 PDFs). Skipped only when no Chromium is installed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from PIL import Image

from budgetml.evidence import CROP_MARGIN_PT, EVIDENCE_DPI
from budgetml.layout import dataset_path
from budgetml.synth.corpus import generate_corpus
from tests.desk_server import CHROMIUM, CHROMIUM_ARGS, PROJECT, running_desk
from tests.flowdata import budget_pdf

pytestmark = pytest.mark.slow

HOSTILE = "<svg/onload=alert(1)><script>alert(2)</script>档案局"


def budgetml(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [sys.executable, "-m", "budgetml.cli", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("no Chromium found (apt-get install chromium): the review desk was not tested in a browser")
    root = tmp_path_factory.mktemp("desk_browser")
    corpus = root / "corpus"
    labels = json.loads(
        generate_corpus(corpus, districts=3, departments=4, years=[2024, 2025], seed=0).read_text(encoding="utf-8")
    )
    budget_pdf(corpus / "hostile" / "hostile-2025.pdf", HOSTILE)
    out = root / "out"
    done = budgetml("run", "--input", str(corpus), "--output", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return corpus, labels["filings"], out


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The review store the desk records in (a real SQLite file)."""
    return tmp_path_factory.mktemp("desk_store") / "decisions.sqlite"


@pytest.fixture(scope="module")
def desk_url(sample_run, store):
    _, _, out = sample_run
    with running_desk(out, store) as url:
        yield url


@pytest.fixture(scope="module")
def browser(desk_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the page logged a console error or threw."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    opened.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield opened
    context.close()
    assert problems == []


def rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "tr.queue-row",
        "trs => trs.map(tr => ({id: tr.dataset.filing, status: tr.dataset.status,"
        " cells: Array.from(tr.cells).map(td => td.innerText.trim())}))",
    )


def test_the_queue_lists_every_labelled_inconsistency_and_outlier(sample_run, desk_url, page):
    _, labels, _ = sample_run
    page.goto(desk_url + "/")
    listed = {r["id"] for r in rows(page)}
    assert page.locator("a[rel=next]").count() == 0  # one page: everything is listed here
    inconsistent = {f["filing_id"] for f in labels if f["category"] == "inconsistency"}
    outliers = {f["filing_id"] for f in labels if f["category"] == "outlier"}
    assert inconsistent and inconsistent <= listed
    assert outliers and outliers <= listed


def test_filters_and_sorting_work_in_the_browser(desk_url, page):
    page.goto(desk_url + "/")
    everything = rows(page)
    region = everything[0]["cells"][2]
    page.select_option("select[name=region]", region)
    page.click("form#filters button[type=submit]")
    filtered = rows(page)
    assert filtered and len(filtered) < len(everything) and {r["cells"][2] for r in filtered} == {region}
    page.goto(desk_url + "/")
    page.click("a[data-sort=score]")
    scores = [float(r["cells"][5]) for r in rows(page)]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(everything)
    page.click("a[data-sort=score]")  # again: the other direction
    assert [float(r["cells"][5]) for r in rows(page)] == sorted(scores)
    page.goto(desk_url + "/")
    page.click("#status-tabs a[data-status=confirmed]")
    assert rows(page) == [] and "没有符合条件的文件" in page.content()


def _is_red(pixel: tuple[int, int, int]) -> bool:
    return pixel[0] > 180 and pixel[1] < 60 and pixel[2] < 60


def test_an_evidence_crop_boxes_the_cited_cell_in_red(sample_run, desk_url, page):
    _, labels, out = sample_run
    inconsistent = [f["filing_id"] for f in labels if f["category"] == "inconsistency"]
    checks = pl.read_parquet(dataset_path(out, "checks"))
    for filing_id in inconsistent:
        page.goto(f"{desk_url}/filing/{filing_id}")
        crops = page.locator(".cause > .evidence img.evidence-crop[src$='/crop.png']")
        if crops.count():
            break
    else:
        pytest.fail("no inconsistent filing shows a boxed evidence crop")
    crop = crops.first
    crop.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=crop.element_handle())
    finding_id, number = crop.get_attribute("data-finding"), int(crop.get_attribute("data-page"))
    finding = checks.filter((pl.col("filing_id") == filing_id) & (pl.col("finding_id") == finding_id)).row(
        0, named=True
    )
    boxes = [b for p, b in zip(finding["pages"], finding["bboxes"]) if p == number and b is not None]
    image = Image.open(io.BytesIO(page.request.get(desk_url + crop.get_attribute("src")).body())).convert("RGB")
    scale, top_pt = EVIDENCE_DPI / 72, min(b[1] for b in boxes) - CROP_MARGIN_PT
    x0, top, x1, bottom = boxes[0]
    left, right = round(x0 * scale), round(x1 * scale)
    upper, lower = round((top - max(top_pt, 0)) * scale), round((bottom - max(top_pt, 0)) * scale)
    # The red box runs around the cell, just outside its edges: red on all four sides ...
    ring = [(x, upper - 3) for x in range(left + 4, right - 4, 3)] + [
        (x, lower + 3) for x in range(left + 4, right - 4, 3)
    ]
    ring += [(left - 3, y) for y in range(upper + 4, lower - 4, 2)] + [
        (right + 3, y) for y in range(upper + 4, lower - 4, 2)
    ]
    assert sum(_is_red(image.getpixel(p)) for p in ring) >= 0.9 * len(ring)
    # ... and the cell inside it is the printed figure, not red
    inside = [(x, y) for x in range(left + 6, right - 6, 2) for y in range(upper + 5, lower - 5, 2)]
    assert not any(_is_red(image.getpixel(p)) for p in inside)
    assert sum(sum(image.getpixel(p)) < 300 for p in inside) > 5  # dark pixels: the figure's digits
    whole = page.request.get(desk_url + crop.get_attribute("src").replace("/crop.png", "/page.png"))
    assert whole.ok and Image.open(io.BytesIO(whole.body())).height > image.height


def test_a_dismissal_leaves_the_waiting_list_at_once_and_survives_a_rerun(sample_run, desk_url, store, page):
    corpus, labels, out = sample_run
    target = next(f["filing_id"] for f in labels if f["category"] == "inconsistency")
    page.goto(desk_url + "/?status=pending")
    assert target in {r["id"] for r in rows(page)}
    page.goto(f"{desk_url}/filing/{target}")
    form = page.locator("#decision form.decide")
    form.locator("input[name=by]").fill("张三")
    form.locator("input[name=note]").fill("已与部门核实，系排版错误")
    form.locator("button[value=dismissed]").click()
    page.wait_for_url(f"{desk_url}/filing/{target}")
    assert page.inner_text("#filing-status") == "已排除"
    page.goto(desk_url + "/?status=pending")
    assert target not in {r["id"] for r in rows(page)}
    done = budgetml("run", "--input", str(corpus), "--output", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    page.goto(desk_url + "/?status=pending")
    assert target not in {r["id"] for r in rows(page)} and rows(page)
    page.goto(desk_url + "/?status=dismissed")
    assert [r["id"] for r in rows(page)] == [target]
    # the same decision in the reviewer's command and in the next static report
    listed_now = budgetml("review", "--list", "--output", str(out), "--store", str(store))
    assert listed_now.returncode == 0, listed_now.stdout + listed_now.stderr
    (line,) = [x for x in listed_now.stdout.splitlines() if target[:12] in x]
    assert line.strip().startswith("[已排除]")
    reported = budgetml("report", str(out), "--store", str(store))
    assert reported.returncode == 0, reported.stdout + reported.stderr
    report = max((out / "reports").glob("report-*.html"), key=lambda p: p.stat().st_mtime)
    page.goto(report.as_uri())
    section = page.locator(f"#filing-{target[:16]}")
    assert section.locator(".badge.dismissed").first.inner_text() == "已排除"
    assert "已与部门核实，系排版错误" in section.inner_text()


def test_a_hostile_department_name_is_shown_as_text(desk_url, page):
    page.goto(desk_url + "/?q=档案局")
    (row,) = rows(page)
    assert "<svg/onload=alert(1)><script>alert(2)</script>档案局" in row["cells"][1]
    page.click("tr.queue-row a")
    assert HOSTILE in page.inner_text("#filing-title")
    assert page.locator("svg[onload], main script").count() == 0

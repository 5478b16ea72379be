"""The reviewer's report: the whole review queue with links to sections, reasons, findings grouped by cause with Chinese
rule titles and inline evidence crops, charts, run summary and decisions; escaped; bounded by streaming; opens in
Chromium without console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime

import polars as pl
import pytest

from budgetml import datasets, review
from budgetml.detect import score_filings
from budgetml.features import build_features
from budgetml.layout import data_dir, dataset_path
from budgetml.report import report_context, write_report
from budgetml.review_queue import in_queue, load_queue_settings
from budgetml.runs import RunSummary
from budgetml.schema import FILINGS
from tests.budgetdata import fid, filing, filings_row, peer_corpus
from tests.deadlines import HANG_GUARD_S

HOSTILE = "<script>alert('x')</script>区档案局"


@pytest.fixture(scope="module")
def reported(seed_checked, tmp_path_factory):
    """The seed filing (real checks with pages) among 48 hand-made 教育局 filings, one with an extreme 三公 share, and one whose printed name is hostile HTML."""
    out = tmp_path_factory.mktemp("report_out")
    shutil.copytree(data_dir(seed_checked), data_dir(out))
    peers = peer_corpus()
    outlier = next(r for r in peers if r["filing_id"] == fid("9-2025"))
    outlier["sangong_total"] = round(outlier["total_expenditure"] * 0.03, 2)
    peers.append(filing(fid("hostile"), HOSTILE, 2025, region="武昌区", sangong=90.0, source_path="/data/hostile.pdf"))
    seed = pl.read_parquet(dataset_path(out, "filings")).to_dicts()
    datasets.write_table(FILINGS, datasets.rows_to_table(FILINGS, seed + [filings_row(p) for p in peers]), out)
    store = out.parent / "decisions.sqlite"
    build_features(out)
    score_filings(out, store=store)
    review.record_decision(out, fid("9-2025"), "needs-info", "请说明<b>购车</b>原因", "张三", store=store)
    review.record_decision(
        out, seed[0]["filing_id"], "confirmed", "整体绩效目标表占比填错", "李四", rule_id="perf.shares", store=store
    )
    score_filings(out, store=store)  # a rerun: the flags are no longer new
    summary = RunSummary(
        run_id="test-run",
        started_at=datetime(2026, 11, 27, 2, 30, tzinfo=UTC),
        inputs=("data/",),
        executor="local",
        n_workers=2,
        n_files=51,
        n_new=1,
        n_changed=0,
        n_unchanged=49,
        n_removed=0,
        n_duplicate=0,
        n_parsed=1,
        n_reused=49,
        n_failed=1,
        n_pages_parsed=49,
        failures=(("/data/broken.pdf", "不是 PDF 文件"),),
        output_dir=str(out),
        duration_s=12.5,
        stage_durations=(("parse", 8.0), ("checks", 2.0)),
    )
    path = write_report(out, summary, store=store)
    return out, path, path.read_text(encoding="utf-8"), seed[0]


def queue_of(out):
    anomalies = pl.read_parquet(dataset_path(out, "anomalies"))
    return anomalies.filter(in_queue(load_queue_settings())).sort("rank")


def test_report_lists_the_whole_queue_with_reasons_findings_by_cause_evidence_charts_and_decisions(reported):
    out, path, html, seed = reported
    queue = queue_of(out)
    assert path.parent == out / "reports" and path.name.startswith("report-")
    # Every filing of the queue is listed, with a link to its own section, not only the review budget's top N.
    assert (
        html.count('class="queue-row"')
        == queue.height
        > pl.read_parquet(dataset_path(out, "anomalies"))["is_flagged"].sum()
    )
    for fid_ in queue["filing_id"]:
        anchor = f"filing-{fid_[:16]}"
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    top = queue.row(0, named=True)
    for reason in top["reasons"]:
        assert reason in html
    assert "三公经费占支出合计比例" in html
    # Findings: the rule's Chinese title and explanation, numbers, pages, consequences folded under their cause.
    assert "整体绩效目标表占比应与金额相符" in html and "各项“占比”应等于该项金额除以合计" in html
    assert "perf.shares" in html and "第 21 页" in html and "file://" not in html
    checks = pl.read_parquet(dataset_path(out, "checks"))
    consequences = checks.filter(pl.col("is_passed").not_() & pl.col("caused_by_id").is_not_null()).height
    assert consequences and html.count("由此引起的其他") >= 1
    # Evidence: an inline PNG crop of the seed's first finding (the seed PDF is on disk).
    assert re.search(r'<img class="evidence-crop" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', html)
    # Charts: each key feature's distribution, and a department's years.
    assert html.count("<svg") >= 9 and "各年度支出（万元）" in html
    # The run summary, failures and review decisions from the store at report time.
    assert "共 51 个" in html and "/data/broken.pdf" in html and "不是 PDF 文件" in html
    assert "需补充材料" in html and "请说明&lt;b&gt;购车&lt;/b&gt;原因" in html and "整体绩效目标表占比填错" in html


def test_report_sections_are_produced_while_the_page_is_written(reported):
    out, _, _, _ = reported
    context = report_context(out, store=out.parent / "decisions.sqlite")
    first = next(context.sections)  # a generator: the template pulls one section at a time
    assert first.row.filing_id == context.queue[0].filing_id and not isinstance(context.sections, list)


def test_text_from_pdfs_is_escaped_and_nothing_is_loaded_from_the_network(reported):
    _, _, html, _ = reported
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;区档案局" in html
    assert "<script" not in html.replace("&lt;script", "")  # the report runs no script at all
    assert not re.search(r'(src|href)="https?://', html) and "@import" not in html
    assert "default-src 'none'" in html


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip(
        "Chromium is not installed and `make browser` could not install it (apt-get install chromium fonts-noto-cjk): the report was not opened in a browser"
    )


def open_in_chromium(url: str, *extra: str) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the console messages Chromium logged (its CONSOLE lines)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_S,
            check=False,
        )
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_can_fail(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>", encoding="utf-8")
    _, console = open_in_chromium(broken.as_uri(), "--dump-dom")
    assert any("notDefined" in line for line in console)


def test_report_opens_in_chromium_without_console_errors(reported, tmp_path):
    out, path, _, _ = reported
    dom, console = open_in_chromium(path.as_uri(), "--dump-dom")
    assert console == []
    assert dom.count('class="queue-row"') == queue_of(out).height and dom.count("<svg") >= 9 and "第 21 页" in dom
    shot = tmp_path / "report.png"
    _, console = open_in_chromium(path.as_uri(), f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars")
    assert console == [] and shot.stat().st_size > 50_000  # a rendered page, not a blank one

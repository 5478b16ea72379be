"""Review decisions: durable across reruns, a dismissed flag comes back only with a changed file, the queue, the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetml import review, review_store
from budgetml.cli import app
from budgetml.detect import score_filings
from budgetml.features import build_features
from budgetml.report import write_report
from tests.budgetdata import fid, peer_corpus, write_output


def outlier_output(out: Path) -> tuple[list[dict], str]:
    rows = peer_corpus()
    target = fid("5-2025")
    r = next(r for r in rows if r["filing_id"] == target)
    r["sangong_total"] = round(r["total_expenditure"] * 0.03, 2)
    write_output(out, rows)
    return rows, target


def waiting(out: Path, store: Path) -> list[str]:
    """The filings of the review queue still waiting for a decision (待复核)."""
    return [q.filing_id for q in review.review_queue(out, store) if q.status == "pending"]


def rerun(out: Path, store: Path) -> pl.DataFrame:
    """What the nightly run does after parsing: features, scoring (the report reads the same)."""
    build_features(out)
    return pl.read_parquet(score_filings(out, store=store))


def test_a_dismissal_survives_two_reruns(tmp_path):
    out, store = tmp_path / "out", tmp_path / "review" / "decisions.sqlite"
    _, target = outlier_output(out)
    first = rerun(out, store)
    assert first.row(0, named=True)["filing_id"] == target and first.row(0, named=True)["is_flagged"]
    assert target in waiting(out, store)

    decision = review.record_decision(out, target[:10], "dismissed", "三公含一次性购车，已核实", "张三", store=store)
    assert decision.filing_id == target and decision.department_key == "区5|第5区教育局" and decision.year == 2025

    for _ in range(2):
        again = rerun(out, store)
        row = again.filter(pl.col("filing_id") == target).row(0, named=True)
        assert row["rank"] == 1 and not row["is_flagged"] and row["review_status"] == "dismissed"
        assert target not in waiting(out, store)
        assert {q.filing_id: q.status_label for q in review.review_queue(out, store)}[target] == "已排除"
    assert [d.note for d in review_store.all_decisions(store)] == ["三公含一次性购车，已核实"]
    html = write_report(out, store=store).read_text(encoding="utf-8")
    assert "三公含一次性购车，已核实" in html and "已排除" in html


def test_a_dismissed_flag_reappears_only_when_its_file_changes(tmp_path):
    out, store = tmp_path / "out", tmp_path / "decisions.sqlite"
    rows, target = outlier_output(out)
    rerun(out, store)
    review.record_decision(out, target, "dismissed", "已核实", "张三", store=store)
    assert not rerun(out, store).filter(pl.col("filing_id") == target)["is_flagged"][0]

    # The department republishes the file: other bytes, a new filing_id, same department and year.
    changed = fid("5-2025 corrected")
    r = next(r for r in rows if r["filing_id"] == target)
    r.update(filing_id=changed, source_path="/data/区5/第5区教育局-2025-更正.pdf", sangong_total=r["sangong_total"] + 1)
    write_output(out, rows)
    scored = rerun(out, store)
    top = scored.row(0, named=True)
    assert top["filing_id"] == changed and top["is_flagged"] and top["review_status"] is None and top["is_new_flag"]
    (queued,) = [q for q in review.review_queue(out, store) if q.filing_id == changed]
    assert [d.filing_id for d in queued.older_versions] == [target]
    html = write_report(out, store=store).read_text(encoding="utf-8")
    assert "旧版本" in html and target[:12] in html


def test_later_decisions_override_earlier_ones_and_rule_decisions_stay_separate(tmp_path):
    out, store = tmp_path / "out", tmp_path / "decisions.sqlite"
    _, target = outlier_output(out)
    rerun(out, store)
    review.record_decision(out, target, "needs-info", "请单位补充购车说明", "李四", store=store)
    review.record_decision(out, target, "confirmed", "购车未列入预算说明", "李四", store=store)
    review_store.record(
        store,
        {"filing_id": target, "region": "区5", "department": "第5区教育局", "year": 2025},
        "dismissed",
        "舍入",
        "王五",
        rule_id="table.total_row",
    )
    assert review_store.filing_statuses(store) == {target: "confirmed"}
    (state,) = review_store.review_states(
        review_store.all_decisions(store),
        [{"filing_id": target, "region": "区5", "department": "第5区教育局", "year": 2025}],
    ).values()
    assert state.current.status == "confirmed" and [d.status for d in state.history] == [
        "needs-info",
        "confirmed",
        "dismissed",
    ]
    assert state.rules["table.total_row"].status == "dismissed"
    # A confirmed flag stays flagged (it is real) and in the queue as 已确认, no longer waiting.
    row = rerun(out, store).filter(pl.col("filing_id") == target).row(0, named=True)
    assert row["is_flagged"] and row["review_status"] == "confirmed"
    assert target not in waiting(out, store)


def test_store_has_a_schema_version_and_wal(tmp_path):
    store = tmp_path / "d.sqlite"
    assert review_store.all_decisions(store) == [] and not store.exists()  # reading does not create the store
    review_store.record(
        store,
        {"filing_id": "a" * 64, "region": "武昌区", "department": "武昌区统计局", "year": 2025},
        "dismissed",
        "",
        "张三",
    )
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == review_store.SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        connection.execute(f"PRAGMA user_version = {review_store.SCHEMA_VERSION + 1}")
    with pytest.raises(review.ReviewError, match="结构版本"):
        review_store.all_decisions(store)


def test_bad_input_is_refused_with_a_reason(tmp_path):
    out, store = tmp_path / "out", tmp_path / "d.sqlite"
    _, target = outlier_output(out)
    with pytest.raises(review.ReviewError, match="至少写前 8 位"):
        review.record_decision(out, target[:5], "dismissed", "", "张三", store=store)
    with pytest.raises(review.ReviewError, match="没有编号"):
        review.record_decision(out, "0123456789abcdef", "dismissed", "", "张三", store=store)
    with pytest.raises(review.ReviewError, match="复核结论须为"):
        review.record_decision(out, target, "ignored", "", "张三", store=store)
    with pytest.raises(review.ReviewError, match="复核人"):
        review.record_decision(out, target, "dismissed", "", " ", store=store)
    assert not store.exists()


def test_review_command(tmp_path):
    out, store = tmp_path / "out", tmp_path / "d.sqlite"
    _, target = outlier_output(out)
    rerun(out, store)
    runner = CliRunner()
    listed = runner.invoke(app, ["review", "--list", "--output", str(out), "--store", str(store)])
    assert listed.exit_code == 0 and target[:12] in listed.output and "三公经费占支出合计比例" in listed.output
    recorded = runner.invoke(
        app,
        [
            "review",
            target[:12],
            "--status",
            "dismissed",
            "--note",
            "已核实",
            "--by",
            "张三",
            "--output",
            str(out),
            "--store",
            str(store),
        ],
    )
    assert recorded.exit_code == 0 and "已排除" in recorded.output
    listed = runner.invoke(app, ["review", "--list", "--output", str(out), "--store", str(store)])
    assert f"[已排除] #1 {target[:12]}" in listed.output and f"[待复核] #1 {target[:12]}" not in listed.output
    refused = runner.invoke(
        app, ["review", target[:12], "--status", "maybe", "--by", "张三", "--output", str(out), "--store", str(store)]
    )
    assert refused.exit_code == 2 and "复核结论须为" in refused.output


def test_default_store_is_configured_in_the_project():
    path = review_store.default_store_path()
    assert path.is_absolute() and path.name == "decisions.sqlite" and path.parent.parent == review_store.PROJECT_DIR


def test_stage_commands_run_and_show_an_example(tmp_path):
    out, store = tmp_path / "out", tmp_path / "d.sqlite"
    outlier_output(out)
    runner = CliRunner()
    for args in (
        ["features", str(out)],
        ["score", str(out), "--store", str(store)],
        ["report", str(out), "--store", str(store)],
    ):
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
    assert (
        "需复核 5 个" in runner.invoke(app, ["score", str(out), "--store", str(store)]).output
    )  # 10 % of 48 filings, rounded up
    assert list((out / "reports").glob("report-*.html"))
    for command in ("features", "score"):
        assert "Example" in runner.invoke(app, [command, "--help"]).output
    for command in ("run", "review", "report", "serve-review"):  # the reviewer's commands speak Chinese
        assert "示例" in runner.invoke(app, [command, "--help"]).output

"""evaluate() on hand-made labels and datasets whose scores are known by construction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from budgetml.layout import dataset_path
from budgetml.synth.evaluate import LabelsError, evaluate, format_report, tolerance_wan

HEADLINE = {
    "total_income": 1000.0,
    "total_expenditure": 1000.0,
    "basic_expenditure": 600.0,
    "project_expenditure": 400.0,
    "personnel_expenditure": 500.0,
    "public_expenditure": 100.0,
    "sangong_total": 4.28,
}


def label(fid: str, style: str, items: dict, kind: str | None = None, category: str | None = None) -> dict:
    unit = "万元" if style == "wuhan" else "元"
    return {
        "path": f"{fid}.pdf",
        "filing_id": fid,
        "region": "武昌区",
        "department": f"武昌区{fid}局",
        "year": 2025,
        "layout": style,
        "headline_wan": HEADLINE,
        "headline_units": {**dict.fromkeys(HEADLINE, unit), "sangong_total": "万元"},
        "expenditure_items_wan": items,
        "expenditure_items_unit": unit,
        "category": category or "clean",
        "injections": [{"kind": kind, "category": category, "changes": []}] if kind else [],
    }


# A, B clean; C, F inconsistencies; D, E outliers (E was never parsed).
LABELS = [
    label("A", "wuhan", {"201": 100.0, "20101": 100.0}),
    label("B", "shanghai", {"204": 12.3456}),
    label("C", "wuhan", {"205": 5.0}, "summary_total_mismatch", "inconsistency"),
    label("D", "wuhan", {"206": 1.0}, "extreme_sangong_share", "outlier"),
    label("E", "wuhan", {"207": 2.0}, "jump_300pct", "outlier"),
    label("F", "wuhan", {"208": 3.0}, "hierarchy_sum_mismatch", "inconsistency"),
]


def filing_row(fid: str, **changes) -> dict:
    return {
        "filing_id": fid,
        "status": "ok",
        "region": "武昌区",
        "department": f"武昌区{fid}局",
        "year": 2025,
        **{f"{name}_wan": value for name, value in {**HEADLINE, **changes}.items() if name in HEADLINE},
        **{name: value for name, value in changes.items() if name not in HEADLINE},
    }


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"filings": LABELS}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    dataset_path(out, "filings").parent.mkdir(parents=True)
    pl.DataFrame(
        [
            filing_row("A"),
            # 0.4 元 off in a 元 table: beyond 0.005 元; and a different department name
            filing_row("B", total_income=1000.00004, department="武昌区别的局"),
            filing_row("C", sangong_total=4.284),  # 0.004 万元 off in a 万元 table: within 0.005
            filing_row("D"),
            filing_row("F"),
        ]
    ).write_parquet(dataset_path(out, "filings"))
    pl.DataFrame(
        {
            "filing_id": ["A", "A", "B", "C", "F", "F"],
            "table_id": ["expenditure_summary"] * 5 + ["income_summary"],
            "column_name": ["total"] * 6,
            "code": ["201", "20101", "204", "205", "208", "206"],
            "amount_wan": [100.0, 99.99, 12.3456, 5.004, 3.0, 1.0],
        }
    ).write_parquet(dataset_path(out, "line_items"))
    return labels, out


def write_checks(out: Path) -> None:
    pl.DataFrame(
        {
            "filing_id": ["A", "A", "A", "B", "C", "D", "F", "F"],
            "rule_id": [
                "summary.balance",
                "cross.totals",
                "narrative.amount",
                "table.hierarchy",
                "cross.totals",
                "table.hierarchy",
                "table.hierarchy",
                "narrative.amount",
            ],
            "is_passed": [True, None, False, False, False, False, False, False],
            "severity": ["error", "error", "warning", "error", "error", "error", "info", "error"],
        },
        schema={"filing_id": pl.String, "rule_id": pl.String, "is_passed": pl.Boolean, "severity": pl.String},
    ).write_parquet(dataset_path(out, "checks"))


def write_anomalies(out: Path) -> None:
    pl.DataFrame(
        {
            "filing_id": ["A", "B", "C", "D"],
            "score": [0.2, 0.9, 0.3, 0.8],
            "is_flagged": [False, True, True, True],
            "n_errors": [0, 0, 2, 0],
        }
    ).write_parquet(dataset_path(out, "anomalies"))


def test_headline_line_items_and_metadata(corpus):
    report = evaluate(*corpus)
    assert report.n_labelled == 6
    assert report.status_counts == {"missing": 1, "ok": 5}
    # 7 figures × 6 filings; B misses total_income, E misses all 7
    assert (report.headline.matched, report.headline.checked) == (34, 42)
    by_figure = {s.name: (s.matched, s.checked) for s in report.headline_by_figure}
    assert by_figure["total_income"] == (4, 6) and by_figure["sangong_total"] == (5, 6)
    # found: A 201, B 204, C 205 (5.004 within 0.005 万元), F 208; not: A 20101, D 206 (other table), E 207
    assert (report.line_items.matched, report.line_items.checked) == (4, 7)
    assert (report.metadata.matched, report.metadata.checked) == (4, 6)


def test_without_checks_and_anomalies_it_says_what_is_not_scored(corpus):
    report = evaluate(*corpus)
    assert report.inconsistencies is None and report.outliers is None
    assert report.notes == ("not scored yet: checks.parquet missing", "not scored yet: anomalies.parquet missing")
    text = format_report(report)
    assert "not scored yet: checks.parquet missing" in text
    assert "headline figures (exact)" in text and "81.0%" in text  # 34 / 42


def test_inconsistency_recall_and_false_positives(corpus):
    labels, out = corpus
    write_checks(out)
    s = evaluate(labels, out).inconsistencies
    recall = {k.name: (k.matched, k.checked) for k in s.by_kind}
    assert recall["summary_total_mismatch"] == (1, 1)  # C: a failed error
    # F: its own rule failed only as info; the error is another rule's (a misread elsewhere is no detection)
    assert recall["hierarchy_sum_mismatch"] == (0, 1)
    assert recall["unit_error_x10000"] == (0, 0)
    assert (s.detected, s.injected) == (1, 2)
    # clean A has a failed warning and an unrunnable error (not false positives); clean B a failed error
    assert (s.false_positives, s.clean) == (1, 2) and s.false_positive_rate == 0.5


def test_outlier_auc_and_precision_at_k(corpus):
    labels, out = corpus
    write_anomalies(out)
    o = evaluate(labels, out).outliers
    # population: clean A 0.2, B 0.9; outliers D 0.8, E unscored (ranked last); C is an inconsistency: left out
    assert o.k == 2 and o.unscored == 1
    assert o.precision_at_k == 0.5  # top 2: B, D
    assert o.roc_auc == pytest.approx(0.25)  # D beats A only, of the four outlier/clean pairs
    assert {k.name: (k.matched, k.checked) for k in o.by_kind}["extreme_sangong_share"] == (1, 1)
    assert (o.flagged_outliers, o.flagged) == (1, 2)
    assert "ROC AUC 0.250" in format_report(evaluate(labels, out))


def test_queue_recall_counts_the_labelled_problems_the_review_queue_lists(corpus):
    labels, out = corpus
    write_anomalies(out)
    q = evaluate(labels, out).queue
    # queue: B (score 0.9), C (an error, score 0.3), D (0.8); A scores 0.2 without errors; E and F were not scored
    assert q.queue_size == 3 and q.scored == 4
    assert (q.inconsistencies.matched, q.inconsistencies.checked) == (1, 2)  # C in, F not scored
    assert (q.outliers.matched, q.outliers.checked) == (1, 2)  # D in, E not scored
    assert re.search(
        r"review queue \(recall\)[^\n]*\ninconsistencies +1 +2 +50.0%\noutliers +1 +2 +50.0%",
        format_report(evaluate(labels, out)),
    )


def test_datasets_missing_entirely(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"filings": LABELS[:2]}), encoding="utf-8")
    report = evaluate(labels, tmp_path / "nothing")
    assert report.status_counts == {"missing": 2}
    assert report.headline is None and report.line_items is None
    assert "not scored yet: filings.parquet missing" in report.notes
    assert "parse status: missing 2" in format_report(report)


def test_anomalies_without_the_score_column_are_not_scored(corpus):
    labels, out = corpus
    pl.DataFrame({"filing_id": ["A"], "is_flagged": [True]}).write_parquet(dataset_path(out, "anomalies"))
    report = evaluate(labels, out)
    assert report.outliers is None and "not scored yet: anomalies.parquet has no column 'score'" in report.notes


def test_tolerance_follows_the_printed_unit():
    assert tolerance_wan("万元") == pytest.approx(0.005, abs=1e-8)
    assert tolerance_wan("元") == pytest.approx(0.0000005, abs=1e-8)


def test_a_missing_or_foreign_labels_file_is_refused_clearly(tmp_path):
    with pytest.raises(LabelsError, match="标注文件不存在"):
        evaluate(tmp_path / "labels.json", tmp_path)
    (tmp_path / "other.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(LabelsError, match="缺少 filings"):
        evaluate(tmp_path / "other.json", tmp_path)


def test_cli_evaluate_prints_the_report(corpus):
    from typer.testing import CliRunner

    from budgetml.cli import app

    labels, out = corpus
    result = CliRunner().invoke(app, ["evaluate", "--labels", str(labels), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "headline figures (exact)" in result.output and "not scored yet: checks.parquet missing" in result.output
    missing = CliRunner().invoke(app, ["evaluate", "--labels", str(out / "none.json"), "--output", str(out)])
    assert missing.exit_code == 2 and "标注文件不存在" in missing.output


def test_final_account_figures_are_read_from_their_wan_columns(tmp_path):
    """A 决算's figures (the budget headlines and its own) against filings' <name>_wan columns: one 决算 right,
    one with 年末结转和结余 off by 0.5 万元."""
    own = {"income_grand_total": 1200.0, "carryover_begin": 200.0, "carryover_end": 180.0}
    own |= {"fiscal_grant_total": 1100.0, "general_budget_expenditure": 1000.0}
    labels = []
    for fid in ("G", "H"):
        entry = label(fid, "wuhan", {})
        entry |= {"doc_kind": "final_account", "headline_wan": {**HEADLINE, **own}}
        entry["headline_units"] = dict.fromkeys(entry["headline_wan"], "万元")
        labels.append(entry)
    (tmp_path / "labels.json").write_text(json.dumps({"filings": labels}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    dataset_path(out, "filings").parent.mkdir(parents=True)
    figures = {f"{name}_wan": value for name, value in {**HEADLINE, **own}.items()}
    pl.DataFrame(
        [
            {**filing_row("G"), **figures, "doc_kind": "final_account"},
            {**filing_row("H"), **figures, "carryover_end_wan": 180.5, "doc_kind": "final_account"},
        ]
    ).write_parquet(dataset_path(out, "filings"))
    score = evaluate(tmp_path / "labels.json", out).final_headline
    assert (score.matched, score.checked) == (23, 24)  # 12 figures each

"""The review queue's membership: errors, outlier scores, and the warnings reviewers always want to see."""

from __future__ import annotations

import polars as pl

from budgetml.findings import rule_texts
from budgetml.layout import dataset_path
from budgetml.review_queue import QueueSettings, in_queue, load_queue_settings, warned_filings
from budgetml.schema import CHECKS

SETTINGS = QueueSettings(min_outlier_score=0.45, warning_rules=("completeness.required_tables",))


def _write_checks(out, rows):
    path = dataset_path(out, CHECKS)
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema={"filing_id": pl.String, "rule_id": pl.String, "is_passed": pl.Boolean}).write_parquet(
        path
    )


def test_a_failed_warning_of_a_queue_rule_puts_its_filing_in_the_queue(tmp_path):
    _write_checks(
        tmp_path,
        [
            ("missing-table", "completeness.required_tables", False),
            ("other-warning", "units.consistent", False),
            ("passed", "completeness.required_tables", True),
            ("unchecked", "completeness.required_tables", None),  # 无法检查 is not a finding
        ],
    )
    assert warned_filings(tmp_path, SETTINGS) == ["missing-table"]
    anomalies = pl.DataFrame(
        {
            "filing_id": ["missing-table", "other-warning", "passed", "unchecked", "error", "outlier"],
            "n_errors": [0, 0, 0, 0, 2, 0],
            "score": [0.3, 0.3, 0.3, 0.3, 0.3, 0.6],
        }
    )
    queued = anomalies.filter(in_queue(SETTINGS, warned_filings(tmp_path, SETTINGS)))["filing_id"].to_list()
    assert queued == ["missing-table", "error", "outlier"]
    assert anomalies.filter(in_queue(SETTINGS))["filing_id"].to_list() == ["error", "outlier"]


def test_no_checks_yet_or_no_warning_rules_warn_nobody(tmp_path):
    assert warned_filings(tmp_path, SETTINGS) == []
    _write_checks(tmp_path, [("missing-table", "completeness.required_tables", False)])
    assert warned_filings(tmp_path, QueueSettings()) == []


def test_the_configured_warning_rules_are_rules_of_the_rulebook():
    rules = load_queue_settings().warning_rules
    assert rules and set(rules) <= set(rule_texts())

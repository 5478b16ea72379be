"""The run summary: new-since-last-run counting, runs.parquet appends across schema additions, the Chinese text."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.layout import dataset_path
from budgetml.runs import RunSummary, append_run, count_new, summary_text
from budgetml.schema import RUNS, Column, Dataset

FINDINGS = Dataset(
    "findings",
    "test",
    ("filing_id", "rule_id"),
    (Column("filing_id", pa.string(), ""), Column("rule_id", pa.string(), ""), Column("passed", pa.bool_(), "")),
)


def findings(rows):
    return pa.Table.from_pylist(
        [dict(zip(("filing_id", "rule_id", "passed"), r)) for r in rows], schema=FINDINGS.arrow_schema()
    )


def test_count_new_compares_matching_rows_by_key():
    before = findings([("a", "r1", False), ("a", "r2", True), ("b", "r1", None)])
    after = findings([("a", "r1", False), ("a", "r2", False), ("b", "r1", False), ("c", "r1", True)])
    assert count_new(FINDINGS, before, after, ~pc.field("passed")) == (
        3,
        2,
    )  # a/r2 newly failing, b/r1 could not run before
    assert count_new(FINDINGS, None, after, ~pc.field("passed")) == (3, 3)


def summary(**changes) -> RunSummary:
    values = dict(
        run_id="run-1",
        started_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        inputs=("data/pdfs",),
        executor="local",
        n_workers=2,
        n_files=5,
        n_new=2,
        n_changed=1,
        n_unchanged=2,
        n_removed=1,
        n_duplicate=0,
        n_parsed=3,
        n_reused=2,
        n_failed=1,
        n_pages_parsed=120,
        failures=(("/in/bad.pdf", "超时：超过 120 秒仍未解析完"),),
        output_dir="/out",
        duration_s=12.5,
        stage_durations=(("discover", 0.2), ("parse", 11.0), ("write", 0.3)),
    )
    return RunSummary(**{**values, **changes})


def test_append_run_keeps_history_and_reads_older_files_without_new_columns(tmp_path):
    append_run(tmp_path, summary())
    older = pq.read_table(dataset_path(tmp_path, RUNS)).drop_columns(
        ["report_path", "n_flags"]
    )  # as written before those columns existed
    pq.write_table(older, dataset_path(tmp_path, RUNS))
    append_run(tmp_path, summary(run_id="run-2", n_flags=4, report_path="/out/report.html"))
    runs = pq.read_table(dataset_path(tmp_path, RUNS)).to_pylist()
    assert [r["run_id"] for r in runs] == ["run-1", "run-2"]
    assert [r["n_flags"] for r in runs] == [None, 4]
    assert runs[1]["stage_durations"] == [
        {"stage": "discover", "duration_s": 0.2},
        {"stage": "parse", "duration_s": 11.0},
        {"stage": "write", "duration_s": 0.3},
    ]


def test_summary_text_names_the_counts_in_chinese():
    text = summary_text(summary(n_findings=7, n_findings_new=2))
    assert "新增 2，变更 1，未变 2，移除 1，失败 1" in text
    assert "解析 11.0 秒" in text and "一致性检查发现：7 条（比上次新增 2 条）" in text
    assert "/in/bad.pdf：超时" in text and "需复核" not in text
    assert "Prefect：本次运行启动的临时服务器" in text
    served = summary_text(summary(prefect_server="http://127.0.0.1:4200/api"))
    assert "Prefect：常驻服务器 http://127.0.0.1:4200/api" in served and "临时服务器" not in served

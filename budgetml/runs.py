"""The run summary: counts and stage timings of one nightly run, printed in Chinese and appended to runs.parquet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.datasets import rows_to_table, write_table
from budgetml.departments import unknown_regions
from budgetml.incremental import RunPlan
from budgetml.inputs import Skipped
from budgetml.layout import dataset_path
from budgetml.parse import parser_version
from budgetml.schema import RUNS, Dataset
from budgetml.terminal import plain

STAGE_LABELS = {
    "discover": "发现输入",
    "parse": "解析",
    "write": "写入数据集",
    "checks": "一致性检查",
    "features": "特征",
    "scoring": "评分",
    "report": "报告",
}


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: datetime  # timezone-aware
    inputs: tuple[str, ...]
    executor: str
    n_workers: int
    n_files: int
    n_new: int
    n_changed: int
    n_unchanged: int
    n_removed: int
    n_duplicate: int
    n_parsed: int
    n_reused: int
    n_failed: int
    n_pages_parsed: int
    failures: tuple[tuple[str, str], ...]  # (source path, error) of every failed input file
    output_dir: str
    duration_s: float = 0.0
    stage_durations: tuple[tuple[str, float], ...] = ()
    n_findings: int | None = None
    n_findings_new: int | None = None
    n_flags: int | None = None
    n_flags_new: int | None = None
    report_path: str | None = None
    parser_version: str = field(default_factory=parser_version)  # with the engine: "7-pdfium"
    outputs: dict[str, str] = field(default_factory=dict)  # dataset name → path written or kept
    skipped: tuple[Skipped, ...] = ()  # paths the inputs named that were not read (FIFOs, links out of the inputs)
    unknown_regions: tuple[str, ...] = ()  # districts printed by the filings that configs/regions.toml does not know
    prefect_server: str | None = None  # API address of the running Prefect server reported to; None: the temporary one
    skipped_stages: tuple[str, ...] = ()  # later stages not run again: their inputs had not changed (fingerprints.py)


def summarise(
    plan: RunPlan,
    inputs: pa.Table,
    filings: pa.Table,
    *,
    run_id: str,
    started_at: datetime,
    patterns: Sequence[str],
    executor: str,
    n_workers: int,
    output_dir: Path,
    skipped: Sequence[Skipped] = (),
) -> RunSummary:
    """Counts of a run from its plan, the inventory it wrote (inputs.parquet) and the filings now published."""
    rows = inputs.to_pylist()

    def count(column: str, value: str) -> int:
        return sum(1 for r in rows if r[column] == value)

    errors = dict(zip(filings["filing_id"].to_pylist(), filings["error"].to_pylist()))
    failed = tuple((r["source_path"], errors.get(r["filing_id"]) or "") for r in rows if r["status"] == "failed")
    return RunSummary(
        run_id=run_id,
        started_at=started_at,
        inputs=tuple(patterns),
        executor=executor,
        n_workers=n_workers,
        n_files=len(rows),
        n_new=count("change", "new"),
        n_changed=count("change", "changed"),
        n_unchanged=count("change", "unchanged"),
        n_removed=len(plan.removed),
        n_duplicate=count("parse_outcome", "duplicate"),
        n_parsed=count("parse_outcome", "parsed"),
        n_reused=count("parse_outcome", "reused"),
        n_failed=len(failed),
        n_pages_parsed=sum(r["n_pages"] or 0 for r in rows),
        failures=failed,
        output_dir=str(output_dir),
        skipped=tuple(skipped),
        unknown_regions=tuple(unknown_regions(filings)),
        parser_version=plan.parser_version,
    )


def count_new(dataset: Dataset, before: pa.Table | None, after: pa.Table, where: pc.Expression) -> tuple[int, int]:
    """Rows of `after` matching `where`, and how many of them did not match in `before` (rows compared by the dataset's key).

    For the later stages: findings are checks rows with `passed == False`, flags anomalies rows with `flagged`.
    """
    current = after.filter(where)
    key = list(dataset.key)
    if before is None:
        return current.num_rows, current.num_rows
    earlier = before.filter(where).select(key)
    new = current.select(key).join(earlier, keys=key, join_type="left anti")
    return current.num_rows, new.num_rows


def append_run(out_dir: Path, summary: RunSummary) -> Path:
    """Append the summary to runs.parquet (rewritten atomically); columns added to RUNS later read as null for old runs."""
    row = {
        "run_id": summary.run_id,
        "started_at": summary.started_at,
        "duration_s": summary.duration_s,
        "inputs": list(summary.inputs),
        "executor": summary.executor,
        "n_workers": summary.n_workers,
        "prefect_api_url": summary.prefect_server,
        "parser_version": summary.parser_version,
        **{name: getattr(summary, name) for name in _COUNTS},
        "stage_durations": [{"stage": s, "duration_s": d} for s, d in summary.stage_durations],
        "n_findings": summary.n_findings,
        "n_findings_new": summary.n_findings_new,
        "n_flags": summary.n_flags,
        "n_flags_new": summary.n_flags_new,
        "report_path": summary.report_path,
        "unknown_regions": list(summary.unknown_regions),
    }
    new = rows_to_table(RUNS, [row])
    previous = _read_evolving(out_dir)
    return write_table(RUNS, pa.concat_tables([previous, new]) if previous is not None else new, out_dir)


_COUNTS = (
    "n_files",
    "n_new",
    "n_changed",
    "n_unchanged",
    "n_removed",
    "n_duplicate",
    "n_parsed",
    "n_reused",
    "n_failed",
    "n_pages_parsed",
)


def _read_evolving(out_dir: Path) -> pa.Table | None:
    """runs.parquet as declared now: columns missing from older files become nulls."""
    path = dataset_path(out_dir, RUNS)
    if not path.exists():
        return None
    table = pq.read_table(path)
    schema = RUNS.arrow_schema()
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def summary_text(summary: RunSummary) -> str:
    """The run summary as reviewers read it (Chinese)."""
    lines = [
        f"运行摘要（{summary.started_at.astimezone():%Y-%m-%d %H:%M}，共用时 {summary.duration_s:.1f} 秒，解析器版本 {summary.parser_version}）",
        f"文件：共 {summary.n_files} 个；新增 {summary.n_new}，变更 {summary.n_changed}，未变 {summary.n_unchanged}，"
        f"移除 {summary.n_removed}，失败 {summary.n_failed}"
        + (f"，重复 {summary.n_duplicate}" if summary.n_duplicate else ""),
        f"解析：本次解析 {summary.n_parsed} 个文件（{summary.n_pages_parsed} 页），复用缓存 {summary.n_reused} 个；"
        + (
            f"在 Dask 集群 {summary.executor.removeprefix('dask ')} 上"
            if summary.executor.startswith("dask")
            else "在本机"
        )
        + f"，{summary.n_workers} 个并行进程",
        "各阶段用时：" + "；".join(f"{STAGE_LABELS.get(s, s)} {d:.1f} 秒" for s, d in summary.stage_durations),
        *(f"{STAGE_LABELS.get(s, s)}：输入未变，沿用上次结果" for s in summary.skipped_stages),
        f"Prefect：常驻服务器 {plain(summary.prefect_server)}"
        if summary.prefect_server
        else "Prefect：本次运行启动的临时服务器（没有正在运行的服务器；make serve 可常驻一个，省去每次的启动时间）",
    ]
    if summary.n_findings is not None:
        lines.append(f"一致性检查发现：{summary.n_findings} 条（比上次新增 {summary.n_findings_new} 条）")
    if summary.n_flags is not None:
        lines.append(f"需复核的文件：{summary.n_flags} 个（比上次新增 {summary.n_flags_new} 个）")
    if summary.failures:
        lines.append("失败的文件：")
        lines += [f"  - {plain(path)}：{plain(error)}" for path, error in summary.failures]
    if summary.unknown_regions:
        lines.append(
            "未知行政区划（configs/regions.toml 中没有，region_code 为空）："
            + "、".join(map(plain, summary.unknown_regions))
        )
    if summary.skipped:
        lines.append("未读取的路径：")
        lines += [f"  - {plain(s.path)}：{plain(s.reason)}" for s in summary.skipped]
    lines.append(f"输出目录：{plain(summary.output_dir)}")
    if summary.report_path:
        lines.append(f"报告：{plain(summary.report_path)}")
    return "\n".join(lines)

"""The nightly run as a Prefect flow: discover inputs → parse (parallel, isolated, incremental) → datasets → later stages.

The flow only wires library functions into tasks; everything it does is in budgetml/. Parsing runs
as one task driving local worker processes (budgetml.isolation), or, with a Dask scheduler address,
as a subflow whose batch tasks run on the cluster through prefect-dask's DaskTaskRunner.

The later stages run when their library function exists (each is a separate issue):
    budgetml.checks.check_output(out_dir: Path) -> dict        writes claims.parquet, checks.parquet
    budgetml.features.build_features(out_dir: Path) -> object  writes features.parquet
    budgetml.detect.score_filings(out_dir: Path) -> object     writes anomalies.parquet
    budgetml.report.write_report(out_dir: Path, summary: budgetml.runs.RunSummary) -> Path
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.settings import PREFECT_API_URL, temporary_settings

from budgetml import incremental, isolation, runs
from budgetml.datasets import read_table
from budgetml.isolation import InputFile, ParseOutcome
from budgetml.lock import output_lock
from budgetml.progress import parse_progress
from budgetml.schema import DATASETS, FILINGS
from budgetml.settings import NightlySettings, ParseLimits, input_patterns, load_settings, resolve_inputs, with_engine
from budgetml.terminal import plain

FLOW_NAME = "budgetml-nightly"


@task(cache_policy=NO_CACHE)
def discover_inputs(patterns: list[str], base: str, out_dir: str, limits: ParseLimits) -> incremental.RunPlan:
    """Hash every input file and compare with the cache and the previous run."""
    paths = resolve_inputs(patterns, Path(base))
    plan = incremental.plan_run(paths, Path(out_dir), limits)
    get_run_logger().info(
        "%d 个文件：待解析 %d，复用缓存 %d，移除 %d",
        len(plan.files),
        len(plan.to_parse),
        len(plan.reused),
        len(plan.removed),
    )
    return plan


@task(cache_policy=NO_CACHE)
def parse_local(
    files: list[InputFile], out_dir: str, limits: ParseLimits, workers: int, show_progress: bool
) -> list[ParseOutcome]:
    """Parse in local worker processes; each result goes to the cache as soon as it arrives."""
    logger = get_run_logger()
    with parse_progress(len(files), enabled=show_progress) as advance:

        def on_outcome(outcome: ParseOutcome) -> None:
            incremental.store_outcome(Path(out_dir), outcome, limits)
            _log_outcome(logger, outcome)
            advance(outcome)

        return isolation.parse_isolated(files, limits, workers, on_outcome)


@task(cache_policy=NO_CACHE)
def parse_batch(files: list[InputFile], limits: ParseLimits) -> list[ParseOutcome]:
    """One batch on a Dask worker: the worker drives one isolated parser process through the files."""
    logger = get_run_logger()
    outcomes = isolation.parse_isolated(files, limits, workers=1)
    for outcome in outcomes:
        _log_outcome(logger, outcome)
    return outcomes


@flow(name="budgetml-parse-on-dask")
def parse_on_dask(
    files: list[InputFile], out_dir: str, limits: ParseLimits, batch_files: int, show_progress: bool
) -> list[ParseOutcome]:
    """Parse batches of files as tasks of this subflow's DaskTaskRunner; cache results as batches finish."""
    batches = [files[k : k + batch_files] for k in range(0, len(files), batch_files)]
    outcomes: list[ParseOutcome] = []
    # Workers must report to this flow's API; with Prefect's temporary server they would start their own.
    api_url = str(get_run_context().client.api_url)
    with (
        parse_progress(len(files), enabled=show_progress) as advance,
        temporary_settings(updates={PREFECT_API_URL: api_url}),
    ):
        futures = parse_batch.map(batches, limits=unmapped(limits))
        for future in as_completed(list(futures)):
            for outcome in future.result():
                incremental.store_outcome(Path(out_dir), outcome, limits)
                advance(outcome)
                outcomes.append(outcome)
    return outcomes


@task(cache_policy=NO_CACHE)
def write_datasets(plan: incremental.RunPlan, outcomes: list[ParseOutcome], out_dir: str) -> tuple[pa.Table, pa.Table]:
    """Rebuild the parse datasets from cache and fresh results, publish them; returns (inputs, filings)."""
    out = Path(out_dir)
    tables = None if plan.is_unchanged else incremental.assemble(plan, outcomes, out)
    filings = tables[FILINGS.name] if tables else read_table(FILINGS, out)
    inputs = incremental.inventory(plan, outcomes, filings, out)
    incremental.publish(out, tables, inputs)
    get_run_logger().info("数据集%s：%s", "未变，保持原样" if tables is None else "已更新", out)
    return inputs, filings


@task(cache_policy=NO_CACHE)
def run_stage(name: str, function: Callable, out_dir: str):
    """One later stage (checks, features, scoring) over the published datasets."""
    result = function(Path(out_dir))
    get_run_logger().info("%s 完成：%s", runs.STAGE_LABELS.get(name, name), result)
    return result


@task(cache_policy=NO_CACHE)
def record_run(summary: runs.RunSummary, out_dir: str) -> str:
    path = runs.append_run(Path(out_dir), summary)
    get_run_logger().info("\n%s", runs.summary_text(summary))
    return str(path)


@flow(name=FLOW_NAME, description="部门预算公开：增量解析新的或变更的 PDF，写入数据集，并运行后续检查阶段。")
def nightly(
    inputs: list[str] | None = None,
    output: str = "output",
    workers: int = 0,
    dask_address: str | None = None,
    settings_path: str | None = None,
    later_stages: bool = True,
    show_progress: bool = False,
    engine: str | None = None,
) -> runs.RunSummary:
    """Inputs: folders, files or glob patterns (default: configs/sources.toml); settings: configs/nightly.toml unless
    settings_path names another file; workers, dask_address and engine (pdfium | pdfminer) override it.
    later_stages=False stops after the parse datasets (checks, features, scoring and report are skipped)."""
    started, clock = datetime.now(UTC), time.perf_counter()
    settings = load_settings(Path(settings_path)) if settings_path else load_settings()
    settings = with_engine(settings, engine) if engine else settings
    workers = workers or settings.worker_count
    dask_address = dask_address or settings.dask_address or None
    patterns, base = input_patterns(inputs)
    out = Path(output).resolve()
    stages: list[tuple[str, float]] = []

    def timed(stage: str, call: Callable, *args, **kwargs):
        start = time.perf_counter()
        result = call(*args, **kwargs)
        stages.append((stage, time.perf_counter() - start))
        return result

    with output_lock(out):
        plan = timed("discover", discover_inputs, list(patterns), str(base), str(out), settings.limits)
        outcomes = timed("parse", _parse, list(plan.to_parse), out, settings, workers, dask_address, show_progress)
        inputs_table, filings = timed("write", write_datasets, plan, outcomes, str(out))
        summary = runs.summarise(
            plan,
            inputs_table,
            filings,
            run_id=_run_id(),
            started_at=started,
            patterns=patterns,
            executor=f"dask {dask_address}" if dask_address else "local",
            workers=workers,
            output_dir=out,
        )
        if later_stages:
            summary = _later_stages(summary, out, timed)
        write_report = _stage_function("budgetml.report", "write_report") if later_stages else None
        if write_report is not None:
            so_far = replace(summary, duration_s=time.perf_counter() - clock, stage_durations=tuple(stages))
            path = timed("report", task(write_report, name="report", cache_policy=NO_CACHE), out, so_far)
            summary = replace(summary, report_path=str(path))
        summary = replace(summary, duration_s=time.perf_counter() - clock, stage_durations=tuple(stages))
        record_run(summary, str(out))
    return summary


def _parse(
    files: list[InputFile],
    out: Path,
    settings: NightlySettings,
    workers: int,
    dask_address: str | None,
    show_progress: bool,
) -> list[ParseOutcome]:
    if not files:
        return []
    if dask_address:
        from prefect_dask import DaskTaskRunner

        subflow = parse_on_dask.with_options(task_runner=DaskTaskRunner(address=dask_address))
        return subflow(files, str(out), settings.limits, settings.batch_files, show_progress)
    return parse_local(files, str(out), settings.limits, workers, show_progress)


@dataclass(frozen=True)
class LaterStage:
    stage: str
    module: str
    function: str  # called as function(out_dir: Path)
    dataset: str | None = None  # what it writes, when its rows are counted in the run summary
    counted: pc.Expression | None = None  # the rows that count (findings, flags)
    fields: tuple[str, str] = ("", "")  # summary fields for the count and for those new since the last run


LATER_STAGES = (
    LaterStage(
        "checks", "budgetml.checks", "check_output", "checks", ~pc.field("passed"), ("n_findings", "n_findings_new")
    ),
    LaterStage("features", "budgetml.features", "build_features"),
    LaterStage(
        "scoring", "budgetml.detect", "score_filings", "anomalies", pc.field("flagged"), ("n_flags", "n_flags_new")
    ),
)


def _later_stages(summary: runs.RunSummary, out: Path, timed: Callable) -> runs.RunSummary:
    """Run checks, features and scoring where their library function exists; count findings and flags new since the last run."""
    declared = {d.name: d for d in DATASETS}
    for later in LATER_STAGES:
        function = _stage_function(later.module, later.function)
        if function is None:
            continue
        dataset = declared.get(later.dataset) if later.dataset else None
        before = read_table(dataset, out) if dataset else None
        timed(later.stage, run_stage, later.stage, function, str(out))
        after = read_table(dataset, out) if dataset else None
        if after is not None:
            total, new = runs.count_new(dataset, before, after, later.counted)
            summary = replace(summary, **dict(zip(later.fields, (total, new))))
    return summary


def _stage_function(module: str, name: str) -> Callable | None:
    """The stage's library function, or None while its module does not exist yet (an error inside it still raises)."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def _run_id() -> str:
    try:
        return str(get_run_context().flow_run.id)
    except (RuntimeError, AttributeError):
        return str(uuid.uuid4())


def _log_outcome(logger, outcome: ParseOutcome) -> None:
    if outcome.status == "failed":
        logger.warning("失败 %s：%s", plain(outcome.source_path), plain(outcome.error))
    elif outcome.status == "partial":
        logger.warning("部分成功 %s：%s", plain(outcome.source_path), plain(outcome.error))
    else:
        logger.info("成功 %s（%d 页，%.1f 秒）", plain(outcome.source_path), outcome.n_pages, outcome.seconds)

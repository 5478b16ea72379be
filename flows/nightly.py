"""The nightly run as a Prefect flow: discover inputs → parse (parallel, isolated, incremental) → datasets → later stages → publish.

The flow only wires library functions into tasks; everything it does is in budgetml/. Parsing runs
as one task driving local worker processes (budgetml.isolation), or, with a Dask scheduler address,
as a subflow whose batch tasks run on the cluster through prefect-dask's DaskTaskRunner.

All datasets of a run are written into a staged generation (budgetml.generations) and published
together at the end: a run killed at any stage leaves the last completed run's datasets, and "new
since the last run" is always counted against those.

The later stages, each a library function over the (staged) output folder (skipped with later_stages=False):
    budgetml.checks.rulebook.check_output(out_dir: Path, run_shards) -> dict  writes claims.parquet, checks.parquet,
        budget_execution.parquet; its shards run in local worker processes, or as tasks on the Dask cluster when one
        is configured
    budgetml.features.build_features(out_dir: Path) -> object  writes features.parquet
    budgetml.detect.score_filings(out_dir: Path) -> object     writes anomalies.parquet
    budgetml.report.write_report(out_dir: Path, summary: budgetml.runs.RunSummary) -> Path
A later stage whose inputs are unchanged since the run that wrote its outputs is not run again (budgetml/fingerprints.py):
its outputs are carried over, and once one stage runs, every stage after it runs too. rerun_later_stages=True runs them
all. Each stage's module is imported by the task that runs it, not at the top of this module: importing them all
costs ~1.5 s (scikit-learn alone ~1.1 s) that a warm run whose stages are skipped would pay for nothing
(docs/architecture.md, docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.settings import PREFECT_API_URL, temporary_settings

from budgetml import fingerprints, generations, incremental, isolation, runs
from budgetml.inputs import Skipped, find_inputs
from budgetml.isolation import InputFile, ParseOutcome
from budgetml.layout import dataset_files
from budgetml.lock import OutputLocked, output_lock
from budgetml.migrations import migrate_output
from budgetml.progress import parse_progress
from budgetml.schema import DATASETS, INPUTS, RUNS
from budgetml.settings import NightlySettings, ParseLimits, input_patterns, load_settings, with_engine
from budgetml.terminal import plain
from flows.served import ServedParametersRefused, check_served_parameters

FLOW_NAME = "budgetml-nightly"
# Tests interrupt a run at a chosen point on any machine, however fast: with this variable set to
# "STAGE:PATH" the run creates PATH when it reaches STAGE (a stage name, "publish", or "parse" after
# the first parsed file is cached) and waits there until PATH is removed (or the run is killed).
PAUSE_AT_ENV = "BUDGETML_TEST_PAUSE_AT"
_paused: set[str] = set()


class _ExpectedStops(logging.Filter):
    """A run that stops on purpose (inputs vanished, folder locked, parameters refused) says why in one Chinese
    line; Prefect's log of the failed flow run keeps the message without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(
            record.exc_info[1], (incremental.InputsVanished, OutputLocked, ServedParametersRefused)
        ):
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("prefect.flow_runs").addFilter(_ExpectedStops())


@task(cache_policy=NO_CACHE)
def discover_inputs(
    patterns: list[str], base: str, out_dir: str, settings: NightlySettings
) -> tuple[incremental.RunPlan, tuple[Skipped, ...]]:
    """Find the input files (regular files inside the input roots), hash them, compare with the cache and the last run."""
    logger = get_run_logger()
    found = find_inputs(patterns, Path(base), settings.allowed_roots)
    for skipped in found.skipped:
        logger.warning("跳过 %s：%s", plain(skipped.path), plain(skipped.reason))
    plan = incremental.plan_run(found.files, Path(out_dir), settings.limits)
    logger.info(
        "%d 个文件：待解析 %d，复用缓存 %d，移除 %d",
        len(plan.files),
        len(plan.to_parse),
        len(plan.reused),
        len(plan.removed),
    )
    return plan, found.skipped


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
            pause_for_test("parse")

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
def write_datasets(
    plan: incremental.RunPlan,
    outcomes: list[ParseOutcome],
    out_dir: str,
    staged: str,
    partition_over: int,
    keep_checked: bool,
) -> tuple[pa.Table, pa.Table]:
    """Rebuild the parse datasets from cache and fresh results into the staged generation; returns (inputs, filings)."""
    inputs, filings = incremental.stage_parse_datasets(
        plan, outcomes, Path(out_dir), Path(staged), partition_over, keep_checked
    )
    get_run_logger().info("解析数据集%s", "未变" if plan.is_unchanged else "已重建")
    return inputs, filings


# The later stages' tasks import their stage's module in their body: see the module docstring.


@task(cache_policy=NO_CACHE)
def run_checks(out_dir: str, workers: int, dask_address: str | None) -> dict[str, Path]:
    """The checks over the staged datasets, on the run's workers (local processes, or the Dask cluster's)."""
    from budgetml.checks.rulebook import check_output, local_pool

    runner = _checks_on_dask(dask_address) if dask_address else local_pool(workers)
    return _logged("checks", check_output(Path(out_dir), run_shards=runner))


@task(cache_policy=NO_CACHE)
def run_features(out_dir: str) -> Path:
    from budgetml.features import build_features

    return _logged("features", build_features(Path(out_dir)))


@task(cache_policy=NO_CACHE)
def run_scoring(out_dir: str) -> Path:
    from budgetml.detect import score_filings

    return _logged("scoring", score_filings(Path(out_dir)))


@task(cache_policy=NO_CACHE)
def run_report(out_dir: str, summary: runs.RunSummary) -> Path:
    from budgetml.report import write_report

    return _logged("report", write_report(Path(out_dir), summary))


def _logged(stage: str, result):
    get_run_logger().info("%s 完成：%s", runs.STAGE_LABELS.get(stage, stage), result)
    return result


@task(cache_policy=NO_CACHE)
def record_run(summary: runs.RunSummary, staged: str) -> str:
    """Append the run to the staged runs.parquet: it is published with the datasets it describes."""
    path = runs.append_run(Path(staged), summary)
    get_run_logger().info("\n%s", runs.summary_text(summary))
    return str(path)


@task(cache_policy=NO_CACHE)
def publish(out_dir: str, staged: str, keep: set[str], parser_version: str) -> str:
    """Make the staged generation the published datasets (one rename), then drop cache entries no input needs."""
    generation = generations.publish(Path(out_dir), Path(staged))
    incremental.prune_cache(Path(out_dir), keep, parser_version)
    get_run_logger().info("已发布数据集：%s", plain(generation))
    return str(generation)


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
    rerun_later_stages: bool = False,
) -> runs.RunSummary:
    """Inputs: folders, files or glob patterns (default: configs/sources.toml); settings: configs/nightly.toml unless
    settings_path names another file; workers, dask_address and engine (pdfium | pdfminer) override it.
    later_stages=False stops after the parse datasets (checks, features, scoring and report are skipped);
    rerun_later_stages=True runs them even when their inputs are unchanged since they last ran."""
    started, clock = datetime.now(UTC), time.perf_counter()
    check_served_parameters(inputs, output, settings_path, dask_address)
    settings = load_settings(Path(settings_path)) if settings_path else load_settings()
    settings = with_engine(settings, engine) if engine else settings
    workers = workers or settings.worker_count
    dask_address = dask_address or settings.dask_address or None
    patterns, base = input_patterns(inputs)
    out = Path(output).resolve()
    stages: list[tuple[str, float]] = []

    def timed(stage: str, call: Callable, *args, **kwargs):
        pause_for_test(stage)
        start = time.perf_counter()
        result = call(*args, **kwargs)
        stages.append((stage, time.perf_counter() - start))
        return result

    with output_lock(out):
        migrate_output(out)
        plan, skipped = timed("discover", discover_inputs, list(patterns), str(base), str(out), settings)
        outcomes = timed("parse", _parse, list(plan.to_parse), out, settings, workers, dask_address, show_progress)
        incremental.check_vanished(plan, outcomes, settings.max_vanished_pct)  # raises: nothing is published
        # A parse-only run publishes no later datasets: they would describe an older set of filings.
        carry = None if later_stages else {d.name for d in incremental.parse_datasets()} | {INPUTS.name, RUNS.name}
        staged = generations.begin(out, carry)
        inputs_table, filings = timed(
            "write",
            write_datasets,
            plan,
            outcomes,
            str(out),
            str(staged),
            settings.partition_over_filings,
            later_stages,
        )
        summary = runs.summarise(
            plan,
            inputs_table,
            filings,
            run_id=_run_id(),
            started_at=started,
            patterns=patterns,
            executor=f"dask {dask_address}" if dask_address else "local",
            n_workers=workers,
            output_dir=out,
            skipped=skipped,
        )
        summary = replace(summary, prefect_server=PREFECT_API_URL.value() or None)
        if later_stages:
            later = _LaterRun(out, staged, settings.limits.parser_version, workers, dask_address, rerun_later_stages)
            summary = _later_stages(summary, later, timed)
            so_far = replace(summary, duration_s=time.perf_counter() - clock, stage_durations=tuple(stages))
            summary = timed("report", _report, so_far, later)
        summary = replace(summary, duration_s=time.perf_counter() - clock, stage_durations=tuple(stages))
        record_run(summary, str(staged))
        pause_for_test("publish")
        publish(str(out), str(staged), set(inputs_table["filing_id"].to_pylist()), settings.limits.parser_version)
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
class Counted:
    """The rows of a later stage's dataset that the run summary counts (findings, flags)."""

    dataset: str
    rows: pc.Expression
    columns: tuple[str, ...]  # the columns `rows` reads
    fields: tuple[str, str]  # summary fields for the count and for those new since the last run


# By stage; the stages themselves, and their order, are fingerprints.LATER_STAGES.
COUNTED = {
    "checks": Counted("checks", ~pc.field("is_passed"), ("is_passed",), ("n_findings", "n_findings_new")),
    "scoring": Counted("anomalies", pc.field("is_flagged"), ("is_flagged",), ("n_flags", "n_flags_new")),
}


@dataclass
class _LaterRun:
    """Where the later stages of this run work, and whether a stage has run (then every later one runs too)."""

    out: Path
    staged: Path
    parser_version: str
    workers: int
    dask_address: str | None
    must_run: bool  # from the first stage that runs on (or every stage, when asked to rerun them all)
    skipped: list[str] = field(default_factory=list)

    def run_or_skip(self, stage: str, run: Callable, extra: dict | None = None, files: Callable | None = None):
        """Run `stage` (then record what it read) unless its record says its inputs are unchanged; returns what the
        stage returned, or its record when skipped. files(result): the files it wrote besides its datasets."""
        stage_reads = fingerprints.reads(stage, self.staged, self.parser_version, extra)
        record = None if self.must_run else fingerprints.current_record(self.staged, self.out, stage_reads)
        if record is not None:
            self.skipped.append(stage)
            get_run_logger().info("%s：输入未变，沿用上次结果", runs.STAGE_LABELS.get(stage, stage))
            return record
        self.must_run = True
        result = run()
        fingerprints.write_record(self.staged, stage_reads, files(result) if files else None)
        return result

    def run_stage(self, stage: str) -> None:
        tasks = {
            "checks": partial(run_checks, str(self.staged), self.workers, self.dask_address),
            "features": partial(run_features, str(self.staged)),
            "scoring": partial(run_scoring, str(self.staged)),
        }
        self.run_or_skip(stage, tasks[stage])


def _later_stages(summary: runs.RunSummary, later: _LaterRun, timed: Callable) -> runs.RunSummary:
    """Run (or skip) checks, features and scoring; count findings and flags new since the last run."""
    declared = {d.name: d for d in DATASETS}
    for stage in (s.stage for s in fingerprints.LATER_STAGES if s.stage != "report"):  # the report runs last (_report)
        counted = COUNTED.get(stage)
        dataset = declared[counted.dataset] if counted else None
        before = _counted_rows(dataset, counted, later.staged) if counted else None
        timed(stage, later.run_stage, stage)
        after = _counted_rows(dataset, counted, later.staged) if counted else None
        if after is not None:
            total, new = runs.count_new(dataset, before, after, counted.rows)
            summary = replace(summary, **dict(zip(counted.fields, (total, new))))
    return replace(summary, skipped_stages=tuple(later.skipped))


def _report(summary: runs.RunSummary, later: _LaterRun) -> runs.RunSummary:
    """Write the report (or keep the last one when nothing it shows has changed); the summary names it."""
    # Besides the datasets, the report shows the run's failures beyond filings.parquet and the output folder.
    extra = {"failures": summary.failures, "output_dir": summary.output_dir}
    result = later.run_or_skip(
        "report", lambda: run_report(str(later.staged), summary), extra, files=lambda path: {"report": path}
    )
    if isinstance(result, fingerprints.Record):
        (relative,) = result.outputs
        path = later.out / relative
    else:
        path = generations.published_path(later.out, later.staged, result)
    return replace(summary, report_path=str(path), skipped_stages=tuple(later.skipped))


def _counted_rows(dataset, counted: Counted, out: Path) -> pa.Table | None:
    """The rows of a stage's dataset that count (their key and the counted columns only: never the whole dataset)."""
    files = dataset_files(out, dataset)
    if not files:
        return None
    columns = list(dict.fromkeys([*dataset.key, *counted.columns]))
    return pa.concat_tables([pq.read_table(path, columns=columns, filters=counted.rows) for path in files])


@task(cache_policy=NO_CACHE)
def check_shard_task(work: str, shard: int) -> None:
    """One shard of the checks on a Dask worker (the output folder must be at the same path there)."""
    from budgetml.checks.rulebook import check_shard  # in the task: see the module docstring

    check_shard(Path(work), shard)


@flow(name="budgetml-checks-on-dask")
def checks_on_dask(work: str, n_shards: int) -> None:
    """Check every shard as a task of this subflow's DaskTaskRunner."""
    api_url = str(get_run_context().client.api_url)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        for future in as_completed(list(check_shard_task.map(unmapped(work), range(n_shards)))):
            future.result()


def _checks_on_dask(address: str) -> Callable[[Path, int], None]:
    from prefect_dask import DaskTaskRunner

    subflow = checks_on_dask.with_options(task_runner=DaskTaskRunner(address=address))
    return lambda work, n: subflow(str(work), n) if n else None


def pause_for_test(stage: str) -> None:
    """See PAUSE_AT_ENV; does nothing unless a test set it for this stage."""
    wanted, _, marker = os.environ.get(PAUSE_AT_ENV, "").partition(":")
    if wanted != stage or not marker or stage in _paused:
        return
    _paused.add(stage)  # once per process
    Path(marker).touch()
    while Path(marker).exists():
        time.sleep(0.02)


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

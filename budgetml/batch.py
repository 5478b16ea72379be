"""`budgetml parse`: the nightly run's parse stage without Prefect — same inputs, workers, limits, cache and rows — published as one generation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from budgetml import generations, incremental
from budgetml.inputs import Inputs
from budgetml.isolation import ParseOutcome, parse_isolated
from budgetml.layout import dataset_path
from budgetml.lock import output_lock
from budgetml.migrations import migrate_output
from budgetml.schema import INPUTS, RUNS
from budgetml.settings import ParseLimits


@dataclass(frozen=True)
class ParseResult:
    plan: incremental.RunPlan
    outcomes: tuple[ParseOutcome, ...]
    inputs: pa.Table  # the inventory published (inputs.parquet)
    filings: pa.Table
    written: dict[str, Path]  # dataset name → published path


def parse_to_output(
    found: Inputs,
    out_dir: Path,
    limits: ParseLimits,
    workers: int,
    max_vanished_pct: float,
    on_outcome: Callable[[ParseOutcome], None] | None = None,
    partition_over: int | None = None,
) -> ParseResult:
    """Parse the files in isolated, limited workers (reusing the cache), publish the parse datasets together.

    The later datasets (checks, features, anomalies) of the folder are not carried into the new
    generation: they would describe another set of filings. runs.parquet is kept.
    """
    out = Path(out_dir).resolve()
    with output_lock(out):
        migrate_output(out)
        plan = incremental.plan_run(found.files, out, limits)

        def store(outcome: ParseOutcome) -> None:
            incremental.store_outcome(out, outcome, limits)
            if on_outcome:
                on_outcome(outcome)

        outcomes = parse_isolated(list(plan.to_parse), limits, workers, store)
        incremental.check_vanished(plan, outcomes, max_vanished_pct)
        carry = {d.name for d in incremental.parse_datasets()} | {INPUTS.name, RUNS.name}
        staged = generations.begin(out, carry)
        inputs, filings = incremental.stage_parse_datasets(plan, outcomes, out, staged, partition_over)
        generations.publish(out, staged)
        incremental.prune_cache(out, set(inputs["filing_id"].to_pylist()), limits.parser_version)
    written = {d.name: dataset_path(out, d) for d in (*incremental.parse_datasets(), INPUTS)}
    return ParseResult(plan, tuple(outcomes), inputs, filings, written)

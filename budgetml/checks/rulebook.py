"""The checks stage: run every rule of the registry over an output folder's filings; write claims.parquet, checks.parquet
and budget_execution.parquet (each 决算 linked with its department's 预算).

The rules are grouped by family, one module each (imported here, which registers them): completeness
and names, table identities, cross-table, performance forms and units, narrative claims, 决算 (final
accounts). A new family is a new module listed in FAMILIES. Each rule runs on the document kinds it
declares (configs/rules.toml doc_kinds; budget when it says none).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.checks import (
    completeness,
    cross_table,
    execution,
    final_accounts,
    final_narrative,
    identities,
    narrative,
    performance,
)
from budgetml.checks.inputs import FilingData, filings_of
from budgetml.checks.outputs import Columns, add_claims, add_findings
from budgetml.checks.registry import IMPLEMENTATIONS, Finding, Rule, cannot_run, load_rules, message
from budgetml.checks.shards import (
    plan_shards,
    read_shard,
    read_shard_output,
    shard_folder,
    write_shard_output,
    write_shards,
)
from budgetml.datasets import read_table, rows_to_table, write_parts, write_table
from budgetml.quality import with_quality
from budgetml.schema import BUDGET_EXECUTION, CHECKS, CLAIMS, FILINGS

FAMILIES = (completeness, identities, cross_table, performance, narrative, final_accounts, final_narrative, execution)
# How docs/rules.md names the document kinds a rule reads.
DOC_KIND_NAMES = {"budget": "预算", "final_account": "决算"}
# What the filings' quality is computed from (of the failed findings only).
QUALITY_COLUMNS = ["filing_id", "severity", "is_passed"]
# What a shard writes: each dataset's rows of the shard's filings.
SHARD_OUTPUTS = (CLAIMS, CHECKS, BUDGET_EXECUTION)


def run_rules(f: FilingData, rules: tuple[Rule, ...]) -> list[tuple[Rule, Finding]]:
    """Every rule of the filing's document kind over it; a rule that fails unexpectedly is recorded as not run, never raised.

    A failure on a figure that was not read with confidence (a weakly identified table, …) is recorded as
    无法检查 with the reason, never as a finding: the rules fail only on what they read with confidence.
    """
    results = []
    for r in rules:
        if not r.applies_to(f.doc_kind):
            continue
        try:
            results += [(r, confident(f, finding)) for finding in IMPLEMENTATIONS[r.rule_id](f)]
        except Exception as exc:  # noqa: BLE001 - a rule must not stop the others
            reason = message("rule_error", error=f"{type(exc).__name__}: {exc}")
            results.append((r, cannot_run(r.rule_id, reason)))
    return results


def confident(f: FilingData, finding: Finding) -> Finding:
    """The finding, or 无法检查 when it failed on a figure the filing did not read with confidence."""
    if finding.passed is not False:
        return finding
    reason = f.unsure_evidence(finding.evidence)
    return cannot_run(finding.rule_id, reason, finding.subject) if reason else finding


def check_shard(work: Path, shard: int) -> None:
    """Check one shard's own filings (budgetml/checks/shards.py); write its claims and findings beside its rows."""
    with collector_paused():
        _check_shard(work, shard)  # its records are freed when it returns, before the collector is back


def _check_shard(work: Path, shard: int) -> None:
    rows, own = read_shard(work, shard)
    records = filings_of(rows)
    rules = load_rules()
    claims, checks, execution_rows = Columns(CLAIMS), Columns(CHECKS), []
    for filing_id in own:
        f = records[filing_id]
        add_claims(claims, f)
        add_findings(checks, f, run_rules(f, rules))
        execution_rows += execution.execution_rows(f)
    write_shard_output(work, shard, CLAIMS.name, claims.table())
    write_shard_output(work, shard, CHECKS.name, checks.table())
    write_shard_output(work, shard, BUDGET_EXECUTION.name, rows_to_table(BUDGET_EXECUTION, execution_rows))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, as it was afterwards.

    A shard builds hundreds of thousands of small objects (records, findings, rows), and each batch of new objects
    made the collector walk all of them again: a quarter of the stage's time. They make no reference cycles (the
    collector finds nothing after a shard): reference counting frees them when the shard ends. Free them inside the
    block: the collector, back on while they are alive, would walk every one of them once more."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


ShardRunner = Callable[[Path, int], None]  # run_shards(work, n): check_shard(work, k) for every k < n


def in_process(work: Path, n: int) -> None:
    """Check the shards one after another in this process."""
    for shard in range(n):
        check_shard(work, shard)


def local_pool(workers: int) -> ShardRunner:
    """Check the shards in `workers` fresh processes (spawned: safe beside the threads of a flow run)."""

    def run(work: Path, n: int) -> None:
        if workers <= 1 or n <= 1:
            return in_process(work, n)
        with ProcessPoolExecutor(min(workers, n), mp_context=multiprocessing.get_context("spawn")) as pool:
            for _ in pool.map(check_shard, [work] * n, range(n)):
                pass

    return run


def check_output(out_dir: Path, workers: int = 1, run_shards: ShardRunner | None = None) -> dict[str, Path]:
    """Run every rule over the datasets in out_dir; write claims.parquet, checks.parquet and budget_execution.parquet
    there, and the filings' quality from the findings (filings.quality, n_error_findings: budgetml/quality.py).

    The filings are checked in shards (budgetml/checks/shards.py) by `run_shards` (default: a local pool of
    `workers` processes), and the findings written shard by shard: memory holds one shard's records per worker
    and one shard's findings in this process, whatever the number of filings.
    """
    out = Path(out_dir)
    filings = read_table(FILINGS, out)
    if filings is None:
        raise FileNotFoundError(f"{out} 中没有 {FILINGS.file_name}：请先运行 budgetml parse")
    with shard_folder(out) as work:
        plan = plan_shards(filings)
        write_shards(out, work, plan, filings)
        n = plan.n_shards
        (run_shards or local_pool(workers))(work, n)
        written = {
            dataset.name: write_parts(dataset, (read_shard_output(work, k, dataset.name) for k in range(n)), out)
            for dataset in SHARD_OUTPUTS
        }
    failed = pq.read_table(written[CHECKS.name], columns=QUALITY_COLUMNS, filters=pc.field("is_passed") == False)  # noqa: E712
    written[FILINGS.name] = write_table(FILINGS, with_quality(filings, failed), out)
    return written


def rules_markdown(rules: tuple[Rule, ...] | None = None) -> str:
    """docs/rules.md, generated from the registry and the module each rule is implemented in."""
    rules = rules or load_rules()
    lines = [
        "# Consistency rules",
        "",
        "Generated from `configs/rules.toml` by `budgetml docs`; do not edit by hand. Each rule is implemented",
        "by the function registered under its id in the module named below (`budgetml/checks/<family>.py`).",
        "",
    ]
    lines += [
        "| rule_id | severity | title | documents | tables | tolerance | module |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        lines.append(
            f"| `{r.rule_id}` | {r.severity} | {r.title} | {', '.join(DOC_KIND_NAMES[k] for k in r.doc_kinds)}"
            f" | {', '.join(r.tables) or '—'} | {r.tolerance} | `{_module(r)}` |"
        )
    lines.append("")
    for r in rules:
        lines += [
            f"## `{r.rule_id}` — {r.title}",
            "",
            r.description,
            "",
            f"Severity: {r.severity}. Tolerance: {r.tolerance}. Reads: {', '.join(r.doc_kinds)}."
            f" Implemented in `{_module(r)}`.",
            "",
        ]
        if r.messages:
            lines += ["Messages:", ""]
            lines += [f"- `{key}`: {template}" for key, template in r.messages.items()]
            lines.append("")
    return "\n".join(lines)


def _module(r: Rule) -> str:
    return IMPLEMENTATIONS[r.rule_id].__module__

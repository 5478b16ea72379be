"""The checks stage: run every rule of the registry over an output folder's filings; write claims.parquet, checks.parquet
and budget_execution.parquet (each 决算 linked with its department's 预算).

The rules are grouped by family, one module each (imported here, which registers them): completeness
and names, table identities, cross-table, performance forms and units, narrative claims, 决算 (final
accounts). A new family is a new module listed in FAMILIES. Each rule runs on the document kinds it
declares (configs/rules.toml doc_kinds; budget when it says none).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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
from budgetml.checks.inputs import FilingData, load_filings
from budgetml.checks.registry import IMPLEMENTATIONS, Finding, Rule, cannot_run, load_rules, message
from budgetml.datasets import read_table, rows_to_table, write_table
from budgetml.normalise import UNIT_TO_YUAN
from budgetml.quality import with_quality
from budgetml.schema import BUDGET_EXECUTION, CHECKS, CLAIMS, FILINGS, YUAN

FAMILIES = (completeness, identities, cross_table, performance, narrative, final_accounts, final_narrative, execution)
# How docs/rules.md names the document kinds a rule reads.
DOC_KIND_NAMES = {"budget": "预算", "final_account": "决算"}


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


def consequences(results: list[tuple[Rule, Finding]]) -> dict[int, int]:
    """Failed finding → the first failed finding it shares a printed figure with (by position in results).

    One wrong cell breaks every identity it is part of (its row, its column, a cross-table total): the findings
    that share a figure (page and box) are one problem, linked to the first one found. Linking is transitive.
    """
    first_with: dict[tuple[int, tuple[float, ...]], int] = {}
    root: dict[int, int] = {}

    def find(k: int) -> int:
        while root.get(k, k) != k:
            k = root[k]
        return k

    for k, (_, finding) in enumerate(results):
        if finding.passed is not False:
            continue
        root.setdefault(k, k)
        for e in finding.evidence:
            if e.bbox is None:
                continue
            key = (e.page, tuple(e.bbox))
            if key in first_with:
                a, b = find(first_with[key]), find(k)
                if a != b:
                    root[max(a, b)] = min(a, b)
            else:
                first_with[key] = k
    return {k: find(k) for k in root if find(k) != k}


def claim_rows(f: FilingData) -> list[dict]:
    """The claims.parquet rows of one filing."""
    return [
        {
            "filing_id": f.filing_id,
            "claim_index": k,
            "page": c.page,
            "section": c.section,
            "heading_path": c.heading_path,
            "claim_scope": c.scope,
            "sentence": c.sentence,
            "subject": c.subject,
            "code": c.code,
            "item_names": list(c.item_names),
            "amount": c.amount,
            "amount_yuan": _yuan(c.amount, c.unit),
            "unit": c.unit,
            "compare_year": c.compare_year,
            "compare_basis": c.compare_basis,
            "delta": c.delta,
            "delta_yuan": _yuan(c.delta, c.unit),
            "change_pct": c.percent,
            "share_pct": c.share_pct,
            "prev_amount": c.prev_amount,
            "prev_amount_yuan": _yuan(c.prev_amount, c.unit),
            "initial_budget": c.initial_budget,
            "initial_budget_yuan": _yuan(c.initial_budget, c.unit),
            "completion_pct": c.completion_pct,
            "budget_relation": c.budget_relation,
            "share_of": c.share_of,
        }
        for k, c in enumerate(f.claims)
    ]


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _yuan(value: Decimal | None, unit: str) -> Decimal | None:
    """A figure in a money unit as exact 元 at the datasets' scale (4 decimals); None for other units."""
    if value is None or unit not in UNIT_TO_YUAN:
        return None
    return (value * UNIT_TO_YUAN[unit]).quantize(Decimal(1).scaleb(-YUAN.scale))


def finding_rows(f: FilingData, results: list[tuple[Rule, Finding]]) -> list[dict]:
    """The checks.parquet rows of one filing's findings, numbered per rule, consequences linked to their first."""
    rows = []
    counters: dict[str, int] = {}
    for r, finding in results:
        index = counters.get(r.rule_id, 0)
        counters[r.rule_id] = index + 1
        has_both = finding.actual is not None and finding.expected is not None
        expected_yuan, actual_yuan = _yuan(finding.expected, finding.unit), _yuan(finding.actual, finding.unit)
        rows.append(
            {
                "filing_id": f.filing_id,
                "rule_id": r.rule_id,
                "finding_index": index,
                "finding_id": f"{r.rule_id}:{index}",
                "severity": r.severity,
                "is_passed": finding.passed,
                "subject": finding.subject,
                "expected": _float(finding.expected),
                "actual": _float(finding.actual),
                "diff": float(finding.actual - finding.expected) if has_both else None,
                "tolerance": _float(finding.tolerance),
                "unit": finding.unit,
                "expected_yuan": expected_yuan,
                "actual_yuan": actual_yuan,
                "diff_yuan": actual_yuan - expected_yuan if has_both and expected_yuan is not None else None,
                "tolerance_yuan": _yuan(finding.tolerance, finding.unit),
                "message": finding.message,
                "pages": [e.page for e in finding.evidence],
                "bboxes": [list(e.bbox) if e.bbox else None for e in finding.evidence],
                "cell_ids": [e.cell_id for e in finding.evidence],
                "caused_by_id": None,
                "matched_scope": finding.scope,
            }
        )
    for k, first in consequences(results).items():
        rows[k]["caused_by_id"] = rows[first]["finding_id"]
    return rows


def check_output(out_dir: Path) -> dict[str, Path]:
    """Run every rule over the datasets in out_dir; write claims.parquet, checks.parquet and budget_execution.parquet
    there, and the filings' quality from the findings (filings.quality, n_error_findings: budgetml/quality.py)."""
    rules = load_rules()
    claims, findings, executed = [], [], []
    for f in load_filings(Path(out_dir)):
        claims += claim_rows(f)
        findings += finding_rows(f, run_rules(f, rules))
        executed += execution.execution_rows(f)
    checks = rows_to_table(CHECKS, findings)
    written = {
        CLAIMS.name: write_table(CLAIMS, rows_to_table(CLAIMS, claims), Path(out_dir)),
        CHECKS.name: write_table(CHECKS, checks, Path(out_dir)),
        BUDGET_EXECUTION.name: write_table(BUDGET_EXECUTION, rows_to_table(BUDGET_EXECUTION, executed), Path(out_dir)),
    }
    filings = with_quality(read_table(FILINGS, Path(out_dir)), checks)
    written[FILINGS.name] = write_table(FILINGS, filings, Path(out_dir))
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

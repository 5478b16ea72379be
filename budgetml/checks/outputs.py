"""What the checks write of a shard's filings: claims.parquet and checks.parquet rows, built column by column.

A shard's rows are appended to one list per column (`Columns`), filing after filing, and become one Arrow table at
the end (`Columns.table`): no dict per row, no row-by-row conversion. A finding's figures are floats in its own unit
and, for the money units, exact 元 at the datasets' scale.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from budgetml.checks.inputs import FilingData
from budgetml.checks.registry import Finding, Rule
from budgetml.datasets import check_table
from budgetml.normalise import UNIT_TO_YUAN
from budgetml.schema import YUAN, Dataset

YUAN_STEP = Decimal(1).scaleb(-YUAN.scale)  # the datasets' 元 scale (4 decimals)


class Columns:
    """A dataset's rows as one list per column, appended to and then made a table."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.lists: dict[str, list] = {c.name: [] for c in dataset.columns}

    def table(self) -> pa.Table:
        """The rows as an Arrow table with exactly the declared schema, checked."""
        table = pa.Table.from_pydict(self.lists, schema=self.dataset.arrow_schema())
        check_table(self.dataset, table)
        return table

    def rows(self) -> list[dict]:
        """The rows as dicts (for reading them in tests)."""
        return self.table().to_pylist()


def yuan_at_scale(value: Decimal | None, unit: str) -> Decimal | None:
    """A figure in a money unit as exact 元 at the datasets' scale (4 decimals); None for other units."""
    if value is None or unit not in UNIT_TO_YUAN:
        return None
    return (value * UNIT_TO_YUAN[unit]).quantize(YUAN_STEP)


def add_claims(columns: Columns, f: FilingData) -> None:
    """Append the claims.parquet rows of one filing."""
    c = columns.lists
    for k, claim in enumerate(f.claims):
        unit = claim.unit
        c["filing_id"].append(f.filing_id)
        c["claim_index"].append(k)
        c["page"].append(claim.page)
        c["section"].append(claim.section)
        c["heading_path"].append(claim.heading_path)
        c["claim_scope"].append(claim.scope)
        c["sentence"].append(claim.sentence)
        c["subject"].append(claim.subject)
        c["code"].append(claim.code)
        c["item_names"].append(list(claim.item_names))
        c["amount"].append(claim.amount)
        c["amount_yuan"].append(yuan_at_scale(claim.amount, unit))
        c["unit"].append(unit)
        c["compare_year"].append(claim.compare_year)
        c["compare_basis"].append(claim.compare_basis)
        c["delta"].append(claim.delta)
        c["delta_yuan"].append(yuan_at_scale(claim.delta, unit))
        c["change_pct"].append(claim.percent)
        c["share_pct"].append(claim.share_pct)
        c["prev_amount"].append(claim.prev_amount)
        c["prev_amount_yuan"].append(yuan_at_scale(claim.prev_amount, unit))
        c["initial_budget"].append(claim.initial_budget)
        c["initial_budget_yuan"].append(yuan_at_scale(claim.initial_budget, unit))
        c["completion_pct"].append(claim.completion_pct)
        c["budget_relation"].append(claim.budget_relation)
        c["share_of"].append(claim.share_of)


def add_findings(columns: Columns, f: FilingData, results: list[tuple[Rule, Finding]]) -> None:
    """Append the checks.parquet rows of one filing's findings, numbered per rule, consequences linked to their first."""
    c = columns.lists
    counters: dict[str, int] = {}
    indices = []
    for r, _ in results:
        indices.append(counters.get(r.rule_id, 0))
        counters[r.rule_id] = indices[-1] + 1
    ids = [f"{r.rule_id}:{k}" for (r, _), k in zip(results, indices)]
    findings = [finding for _, finding in results]
    money = [x.unit in UNIT_TO_YUAN for x in findings]
    expected_yuan = [yuan_at_scale(x.expected, x.unit) if m else None for x, m in zip(findings, money)]
    actual_yuan = [yuan_at_scale(x.actual, x.unit) if m else None for x, m in zip(findings, money)]
    caused_by: list[str | None] = [None] * len(results)
    for k, first in consequences(results).items():
        caused_by[k] = ids[first]
    c["filing_id"] += [f.filing_id] * len(results)
    c["rule_id"] += [r.rule_id for r, _ in results]
    c["finding_index"] += indices
    c["finding_id"] += ids
    c["severity"] += [r.severity for r, _ in results]
    c["is_passed"] += [x.passed for x in findings]
    c["subject"] += [x.subject for x in findings]
    c["expected"] += [float(x.expected) if x.expected is not None else None for x in findings]
    c["actual"] += [float(x.actual) if x.actual is not None else None for x in findings]
    c["diff"] += [
        float(x.actual - x.expected) if x.actual is not None and x.expected is not None else None for x in findings
    ]
    c["tolerance"] += [float(x.tolerance) if x.tolerance is not None else None for x in findings]
    c["unit"] += [x.unit for x in findings]
    c["expected_yuan"] += expected_yuan
    c["actual_yuan"] += actual_yuan
    c["diff_yuan"] += [a - e if a is not None and e is not None else None for e, a in zip(expected_yuan, actual_yuan)]
    c["tolerance_yuan"] += [yuan_at_scale(x.tolerance, x.unit) if m else None for x, m in zip(findings, money)]
    c["message"] += [x.message for x in findings]
    c["pages"] += [[e.page for e in x.evidence] for x in findings]
    c["bboxes"] += [[e.bbox or None for e in x.evidence] for x in findings]
    c["cell_ids"] += [[e.cell_id for e in x.evidence] for x in findings]
    c["caused_by_id"] += caused_by
    c["matched_scope"] += [x.scope for x in findings]


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

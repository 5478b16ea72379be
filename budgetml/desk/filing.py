"""One filing's page on the desk: headline figures, the peer comparison and its reasons, the findings grouped by cause
with their evidence, the department's other years (and its 决算), and the review history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from budgetml.desk.data import FINAL_HEADLINES, HEADLINES, DeskData
from budgetml.evidence import boxes_by_page
from budgetml.feature_declarations import EXECUTION_FEATURES, FEATURES_BY_NAME
from budgetml.findings import Cause, Finding, finding_rows, findings_by_filing, group_by_cause, with_boxes_read
from budgetml.review_store import Decision, ReviewState, review_states
from budgetml.reviewer_pages import Deviation, deviations_shown


@dataclass(frozen=True)
class Evidence:
    """One page a finding cites: the crop's URL (cells boxed in red) or, without cell boxes, the page's."""

    page: int
    image_url: str
    page_url: str
    is_boxed: bool


@dataclass(frozen=True)
class FilingPage:
    """Everything the filing page shows."""

    filing: dict
    anomaly: dict | None
    headlines: list[tuple[str, float | None]]  # (label, 万元): a 决算's own figures too
    execution_rates: list[tuple[str, float | None]]  # a 决算's (label, %) of topic 预算执行; [] for a budget
    deviations: tuple[Deviation, ...]
    causes: list[Cause]
    evidence: dict[str, list[Evidence]]  # finding_id → its pages
    history: list[dict]  # the department's filings, budget and final accounts, by year
    review: ReviewState
    decisions: Sequence[Decision]


def evidence_urls(finding: Finding) -> list[Evidence]:
    """The evidence images of a finding, one per page it cites (served by the desk's /evidence routes)."""
    base = f"/evidence/{finding.filing_id}"
    found = []
    for page, boxes in boxes_by_page(finding.pages, finding.bboxes).items():
        if boxes:
            url = f"{base}/finding/{finding.finding_id}/{page}"
            found.append(Evidence(page, f"{url}/crop.png", f"{url}/page.png", True))
        else:
            found.append(Evidence(page, f"{base}/page/{page}.png", f"{base}/page/{page}.png", False))
    return found


def filing_findings(data: DeskData, filing_id: str) -> list[Finding]:
    """The failed findings of one filing, with their cell boxes."""
    frame = data.failed.filter(pl.col("filing_id") == filing_id)
    return with_boxes_read(data.out_dir, findings_by_filing(frame).get(filing_id, []), finding_rows(frame))


def filing_page(data: DeskData, filing_id: str, decisions: Sequence[Decision]) -> FilingPage | None:
    """The page of `filing_id` (None when the current generation has no such filing)."""
    rows = data.filings.filter(pl.col("filing_id") == filing_id).to_dicts()
    if not rows:
        return None
    filing = rows[0]
    anomalies = data.anomalies.filter(pl.col("filing_id") == filing_id).to_dicts()
    anomaly = anomalies[0] if anomalies else None
    findings = filing_findings(data, filing_id)
    deviations = deviations_shown(anomaly["deviations"] if anomaly else ())
    same = (
        pl.col("department_id") == filing["department_id"]
        if filing["department_id"]
        else pl.col("filing_id") == filing_id
    )
    history = data.filings.filter(same).sort(["year", "doc_kind"], nulls_last=True).to_dicts()
    own = [d for d in decisions if d.filing_id == filing_id or d.year == filing["year"]]
    figures = {**HEADLINES, **(FINAL_HEADLINES if filing["doc_kind"] == "final_account" else {})}
    rates = data.execution.filter(pl.col("filing_id") == filing_id).to_dicts()
    return FilingPage(
        filing=filing,
        anomaly=anomaly,
        headlines=[(label, filing[name]) for name, label in figures.items()],
        execution_rates=[(FEATURES_BY_NAME[name].label, rates[0][name]) for name in EXECUTION_FEATURES]
        if rates
        else [],
        deviations=deviations,
        causes=group_by_cause(findings),
        evidence={f.finding_id: evidence_urls(f) for f in findings},
        history=history,
        review=review_states(own, [filing])[filing_id],
        decisions=own,
    )


def find_finding(data: DeskData, filing_id: str, finding_id: str) -> Finding | None:
    """One failed finding of a filing, or None."""
    return next((f for f in filing_findings(data, filing_id) if f.finding_id == finding_id), None)

"""The reviewer's report: one self-contained Chinese HTML file per run, for e-mailing and archiving.

It lists every filing of the review queue (budgetml/review_queue.py: a failed error-level check or an outlier
score at the threshold) with a link to its section; each section shows the peer comparison, the findings
grouped by cause with the rules' Chinese titles, and the review decisions in the store at report time. The
first findings of the top filings carry their evidence crop as an inline image (budgetml/evidence.py); the
others name their pages, and the review desk (`budgetml serve-review`) shows every crop.

`report_context` gathers the summary and the queue; the filing sections are produced one at a time while
`write_report` streams the template (budgetml/templates/report.html.j2, autoescaped) into the file, so memory
stays bounded at 10,000 filings. No network is needed to open it: CSS, SVG charts and images are inline, and
a Content-Security-Policy forbids loading anything else.
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from budgetml import charts
from budgetml.catalog import load_catalog
from budgetml.evidence import EvidenceUnavailable, boxes_by_page, crop, render_batch
from budgetml.feature_declarations import EXECUTION, EXECUTION_FEATURES, FEATURES_BY_NAME
from budgetml.findings import (
    Cause,
    check_counts,
    failed_checks,
    finding_rows,
    findings_by_filing,
    group_by_cause,
    with_boxes_read,
)
from budgetml.layout import dataset_path, reports_dir
from budgetml.review_queue import (
    QUEUE_STATUS_LABELS,
    QueueSettings,
    in_review_queue,
    load_queue_settings,
    queue_order,
    queue_status_of,
)
from budgetml.review_store import STATUS_LABELS as REVIEW_LABELS
from budgetml.review_store import Decision, ReviewState, all_decisions, default_store_path, review_states
from budgetml.reviewer_pages import (
    DOC_KIND_LABELS,
    FILING_COLUMNS,
    FILING_STATUS_LABELS,
    Deviation,
    deviations_shown,
    page_environment,
)
from budgetml.runs import STAGE_LABELS, RunSummary
from budgetml.schema import ANOMALIES, FEATURES, FILINGS, Dataset

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# The features whose distribution the report draws, with today's priorities marked.
CHART_FEATURES = (
    "sangong_share_pct",
    "personnel_share_of_basic_pct",
    "project_share_pct",
    "public_share_pct",
    "total_change_pct",
    "n_indicators",
    "qualitative_target_pct",
    "size_log10_wan",
)
# The headline figures a filing's section shows, with their labels from the catalog: the spending
# ones (income repeats total spending in a balanced budget), those a budget and a 决算 both print.
SHOWN_HEADLINES = tuple(name for name in load_catalog().headline_names("budget") if name != "total_income")
HEADLINE_LABELS = {name: load_catalog().headline_labels[name] for name in SHOWN_HEADLINES}
_FLAGGED = "is_flagged"  # anomalies: within the review budget (今日优先)
_PEER_GROUP_SIZE = "n_peer_group"
_ANOMALY_COLUMNS = (
    "filing_id",
    "region",
    "department",
    "year",
    "peer_group",
    _PEER_GROUP_SIZE,
    "score",
    "n_errors",
    "n_warnings",
    "priority",
    "rank",
    _FLAGGED,
    "is_new_flag",
    "reasons",
    "reason_features",
    "deviations",
)


# ---------------------------------------------------------------- records the template reads


@dataclass(frozen=True)
class QueueRow:
    """A filing of the review queue as the report's list shows it."""

    filing_id: str
    region: str | None
    department: str | None
    year: int | None
    doc_kind: str | None
    rank: int
    score: float
    priority: float
    is_today: bool  # within the review budget (configs/scoring.toml)
    is_new_flag: bool
    n_errors: int
    n_warnings: int
    reasons: tuple[str, ...]
    status: str  # pending or the latest filing-level decision

    @property
    def anchor(self) -> str:
        """The id of the filing's section in the page."""
        return f"filing-{self.filing_id[:16]}"

    @property
    def title(self) -> str:
        """The department, year and document kind, as the section's heading."""
        kind = DOC_KIND_LABELS.get(self.doc_kind or "", "")
        return f"{self.department or '（未识别部门）'} · {self.year or '年度不明'}年{kind}"

    @property
    def status_label(self) -> str:
        return QUEUE_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class FilingSection:
    """One filing's section: its scoring, reasons, findings by cause, evidence, review and years."""

    row: QueueRow
    is_full: bool  # a full section (the first of the queue); else a short one: findings, one line each
    source_path: str
    peer_group: str
    n_peer_group: int
    deviations: tuple[Deviation, ...]
    causes: tuple[Cause, ...]
    crops: dict[str, tuple[int, str]]  # finding_id → (page, data: URI of its evidence crop), for the top findings
    review: ReviewState
    years_chart: Markup
    years_table: tuple[dict, ...]
    execution_rates: tuple[tuple[str, float | None], ...]  # a 决算's (label, 决算 / 年初预算 %); () for a budget


@dataclass(frozen=True)
class ExecutionRow:
    """A 决算 whose execution stands out among its peers' (a reason of topic 预算执行), as 预算执行 lists it."""

    filing_id: str
    region: str | None
    department: str | None
    year: int | None
    doc_kind: str
    rank: int
    peer_group: str
    execution_reasons: tuple[str, ...]
    execution_rates: tuple[tuple[str, float | None], ...]  # (label, 决算 / 年初预算 %)
    has_section: bool  # in the review queue, so the page has its section

    @property
    def anchor(self) -> str:
        """The id of the filing's section in the page."""
        return f"filing-{self.filing_id[:16]}"

    @property
    def title(self) -> str:
        """The department, year and document kind, as the section's heading."""
        return f"{self.department or '（未识别部门）'} · {self.year or '年度不明'}年{DOC_KIND_LABELS[self.doc_kind]}"


@dataclass
class ReportContext:
    """Everything the report template reads; `sections` is produced while the page is written."""

    generated_at: str
    out_dir: str
    summary: RunSummary | None
    counts: dict[str, int]
    failures: list[dict]
    check_counts: dict[str, int]
    n_scored: int
    queue: list[QueueRow]
    status_counts: dict[str, int]
    n_today: int
    n_new_flags: int
    execution_outliers: list[ExecutionRow]  # 决算 whose execution stands out among their peers, by rank
    distribution_charts: list[Markup]
    decisions: list[tuple[Decision, str]]
    store_path: str
    settings: QueueSettings
    sections: Iterator[FilingSection] = field(default_factory=lambda: iter(()))
    stage_labels: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- gathering


def _read(out_dir: Path, dataset: Dataset, columns: tuple[str, ...] | None = None) -> pl.DataFrame | None:
    path = dataset_path(out_dir, dataset)
    return pl.read_parquet(path, glob=False, columns=list(columns) if columns else None) if path.exists() else None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _years_series(filing: dict, same_department: list[dict]) -> tuple[Markup, tuple[dict, ...]]:
    """The department's headline figures over the years (one budget filing per year: this one for its own year)."""
    per_year: dict[int, dict] = {}
    for row in sorted(same_department, key=lambda r: (r["filing_id"] != filing["filing_id"], r["filing_id"])):
        if row["year"] is not None and row["doc_kind"] == filing["doc_kind"]:
            per_year.setdefault(row["year"], row)
    years = sorted(per_year)
    series = [
        charts.Series(HEADLINE_LABELS[h], tuple((y, _finite(per_year[y][h])) for y in years))
        for h in ("total_expenditure", "basic_expenditure", "project_expenditure", "personnel_expenditure")
    ]
    chart = charts.years_svg(f"{filing['department'] or ''} 各年度支出（万元）", series, highlight_year=filing["year"])
    table = tuple(
        {
            "year": y,
            **{h: per_year[y][h] for h in HEADLINE_LABELS},
            "is_this": per_year[y]["filing_id"] == filing["filing_id"],
        }
        for y in years
    )
    return chart, table


def _distribution_charts(features: pl.DataFrame | None, anomalies: pl.DataFrame, today: set[str]) -> list[Markup]:
    if features is None or not features.height:
        return []
    drawn = []
    medians = features.select(pl.col(n).cast(pl.Float64).median() for n in CHART_FEATURES).row(0)
    marked = features.filter(pl.col("filing_id").is_in(list(today)))
    for name, median in zip(CHART_FEATURES, medians):
        feature = FEATURES_BY_NAME[name]
        values = features[name].drop_nulls().cast(pl.Float64).to_list()
        markers = [
            charts.Marker(
                float(r[name]), f"{r['department'] or ''} {r['year'] or ''}年：{r[name]:.2f}{feature.unit or ''}"
            )
            for r in marked.iter_rows(named=True)
            if r[name] is not None
        ]
        drawn.append(charts.distribution_svg(feature.title, values, markers, unit=feature.unit or "", median=median))
    if anomalies.height:
        top = anomalies.filter(pl.col("filing_id").is_in(list(today)))
        markers = [
            charts.Marker(r["score"], f"{r['department'] or ''} {r['year'] or ''}年：{r['score']:.3f}")
            for r in top.iter_rows(named=True)
        ]
        drawn.append(
            charts.distribution_svg(
                "离群分数（孤立森林）", anomalies["score"].to_list(), markers, median=float(anomalies["score"].median())
            )
        )
    return drawn


def _inline_crops(
    out_dir: Path,
    queue: list[QueueRow],
    causes_of: dict[str, list[Cause]],
    rows: dict[tuple[str, str], int],
    sources: dict[str, str],
    n: int,
    evidence_out: Path,
) -> dict[str, dict[str, tuple[int, str]]]:
    """filing_id → {finding_id: (page, data URI)}: the first boxed evidence among the first causes of the first n
    filings with findings, rendered in one child process (pages already cached are not rendered again)."""
    candidates = [c.first for row in queue for c in causes_of.get(row.filing_id, [])[:3]][: 3 * n]
    chosen, taken = [], set()
    for finding in with_boxes_read(out_dir, candidates, rows):
        boxed = [(p, b) for p, b in boxes_by_page(finding.pages, finding.bboxes).items() if b]
        if boxed and finding.filing_id not in taken and len(chosen) < n:
            chosen.append((finding.filing_id, finding.finding_id, *boxed[0]))
            taken.add(finding.filing_id)
    rendered = render_batch(evidence_out, [(fid, sources[fid], [page]) for fid, _, page, _ in chosen])
    crops: dict[str, dict[str, tuple[int, str]]] = {}
    for filing_id, finding_id, page, boxes in chosen:
        if isinstance(rendered[(filing_id, page)], str):
            continue  # the file moved or changed: its pages are named, without a picture
        try:
            made = crop(evidence_out, filing_id, sources[filing_id], page, boxes)
        except EvidenceUnavailable:
            continue
        data = base64.b64encode(made.path.read_bytes()).decode("ascii")
        crops.setdefault(filing_id, {})[finding_id] = (page, f"data:image/png;base64,{data}")
    return crops


def _execution_rates(features: pl.DataFrame | None) -> dict[str, tuple[tuple[str, float | None], ...]]:
    """filing_id → a 决算's execution rates (label, %), from features.parquet."""
    if features is None:
        return {}
    finals = features.filter(pl.col("doc_kind") == "final_account").select("filing_id", *EXECUTION_FEATURES)
    return {
        row[0]: tuple(
            (FEATURES_BY_NAME[name].label, _finite(value)) for name, value in zip(EXECUTION_FEATURES, row[1:])
        )
        for row in finals.iter_rows()
    }


def _execution_reasons(anomaly: dict) -> tuple[str, ...]:
    """A scored filing's reasons of topic 预算执行 (their first feature's topic)."""
    return tuple(
        reason
        for reason, names in zip(anomaly["reasons"], anomaly["reason_features"])
        if names and names[0] in FEATURES_BY_NAME and FEATURES_BY_NAME[names[0]].topic == EXECUTION
    )


def _execution_outliers(
    anomalies: pl.DataFrame,
    filings: pl.DataFrame,
    rates: dict[str, tuple[tuple[str, float | None], ...]],
    queued: set[str],
) -> list[ExecutionRow]:
    """The scored 决算 with a reason of topic 预算执行, by rank: scored among 决算 only (budgetml/detect.py)."""
    finals = filings.filter(pl.col("doc_kind") == "final_account").select("filing_id")
    listed = []
    for a in anomalies.drop("deviations").join(finals, on="filing_id").sort("rank").iter_rows(named=True):
        reasons = _execution_reasons(a)
        if reasons:
            listed.append(
                ExecutionRow(
                    a["filing_id"],
                    a["region"],
                    a["department"],
                    a["year"],
                    "final_account",
                    a["rank"],
                    a["peer_group"],
                    reasons,
                    rates.get(a["filing_id"], ()),
                    a["filing_id"] in queued,
                )
            )
    return listed


def report_context(
    out_dir: Path,
    summary: RunSummary | None = None,
    store: Path | None = None,
    now: datetime | None = None,
    settings: QueueSettings | None = None,
    evidence_out: Path | None = None,
) -> ReportContext:
    """The report's summary and queue from out_dir's datasets and the review store; its sections come lazily.

    evidence_out: the output folder whose evidence/ caches the crops (a run writes its report in a staged
    folder, but caches evidence in the output folder itself); default out_dir.
    """
    out_dir = Path(out_dir)
    settings = settings or load_queue_settings()
    store = Path(store) if store is not None else default_store_path()
    # The failed findings first: decoding checks.parquet's list columns is the largest transient allocation, and
    # made before the other datasets are held it adds least to the peak.
    failed_everywhere = failed_checks(out_dir, with_boxes=False)
    filings = _read(out_dir, FILINGS, (*FILING_COLUMNS, *(f"{h}_wan" for h in HEADLINE_LABELS)))
    if filings is None:
        raise FileNotFoundError(f"{out_dir} 中没有 filings.parquet：请先运行 budgetml parse")
    filings = filings.rename({f"{h}_wan": h for h in HEADLINE_LABELS})
    anomalies = _read(out_dir, ANOMALIES, _ANOMALY_COLUMNS)
    features = _read(
        out_dir, FEATURES, ("filing_id", "doc_kind", "department", "year", *CHART_FEATURES, *EXECUTION_FEATURES)
    )
    rates = _execution_rates(features)
    decisions = all_decisions(store)

    counts = {s: filings.filter(pl.col("status") == s).height for s in FILING_STATUS_LABELS}
    failures = [
        {"source_path": f["source_path"], "status_label": FILING_STATUS_LABELS[f["status"]], "error": f["error"] or ""}
        for f in filings.filter(pl.col("status") != "ok").sort("status", "source_path").iter_rows(named=True)
    ]
    if summary is not None:  # failures the run knows of beyond filings.parquet (a file that vanished, a crashed worker)
        known = {f["source_path"] for f in failures}
        failures += [
            {"source_path": path, "status_label": FILING_STATUS_LABELS["failed"], "error": error}
            for path, error in summary.failures
            if path not in known
        ]

    queued = (
        anomalies.filter(in_review_queue(out_dir, settings)).join(
            filings.select("filing_id", "doc_kind"), on="filing_id"
        )
        if anomalies is not None
        else None
    )
    queue_rows = queued.drop("deviations").to_dicts() if queued is not None else []
    states = review_states(decisions, queue_rows)
    queue = [
        QueueRow(
            a["filing_id"],
            a["region"],
            a["department"],
            a["year"],
            a["doc_kind"],
            a["rank"],
            a["score"],
            a["priority"],
            a[_FLAGGED],
            a["is_new_flag"],
            a["n_errors"],
            a["n_warnings"],
            tuple(a["reasons"]),
            queue_status_of(states[a["filing_id"]]),
        )
        for a in queue_rows
    ]
    queue.sort(key=lambda r: queue_order(r.status, r.rank))
    by_id = {a["filing_id"]: a for a in queue_rows}
    failed_frame = failed_everywhere.filter(pl.col("filing_id").is_in(list(by_id)))
    causes_of = {fid: group_by_cause(found) for fid, found in findings_by_filing(failed_frame).items()}
    sources = dict(
        filings.filter(pl.col("filing_id").is_in(list(by_id))).select("filing_id", "source_path").iter_rows()
    )
    crops = _inline_crops(
        out_dir,
        queue,
        causes_of,
        finding_rows(failed_frame),
        sources,
        settings.report_inline_crops,
        evidence_out or out_dir,
    )

    today = {r.filing_id for r in queue if r.is_today}
    all_anomalies = anomalies if anomalies is not None else pl.DataFrame({"filing_id": [], "score": []})
    shown_ids = set(filings["filing_id"].to_list())
    departments = dict(filings.select("filing_id", "department").iter_rows())
    shown_decisions = sorted(
        ((d, departments.get(d.filing_id) or "") for d in decisions if d.filing_id in shown_ids),
        key=lambda x: (x[0].decided_at, x[0].decision_id),
        reverse=True,
    )
    context = ReportContext(
        generated_at=(now or datetime.now(UTC)).astimezone().strftime("%Y-%m-%d %H:%M"),
        out_dir=summary.output_dir if summary is not None else str(out_dir),  # a run writes into its staged folder
        summary=summary,
        counts=counts,
        failures=failures,
        check_counts=check_counts(out_dir, failed_everywhere),
        n_scored=anomalies.height if anomalies is not None else 0,
        queue=queue,
        status_counts={s: sum(r.status == s for r in queue) for s in QUEUE_STATUS_LABELS},
        n_today=len(today),
        n_new_flags=sum(r.is_new_flag and r.is_today for r in queue),
        execution_outliers=[] if anomalies is None else _execution_outliers(anomalies, filings, rates, set(by_id)),
        distribution_charts=_distribution_charts(features, all_anomalies, today),
        decisions=shown_decisions,
        store_path=str(store),
        settings=settings,
        stage_labels=STAGE_LABELS,
    )
    full = {r.filing_id for r in queue[: settings.report_full_sections]}
    deviations = dict(
        queued.filter(pl.col("filing_id").is_in(list(full))).select("filing_id", "deviations").iter_rows()
    )
    context.sections = _sections(
        filings, queue, by_id, deviations, causes_of, crops, states, rates, settings.report_full_sections
    )
    return context


def _sections(
    filings: pl.DataFrame,
    queue: list[QueueRow],
    anomalies: dict[str, dict],
    deviations: dict[str, list[dict]],
    causes_of: dict[str, list[Cause]],
    crops: dict[str, dict[str, tuple[int, str]]],
    states: dict[str, ReviewState],
    rates: dict[str, tuple[tuple[str, float | None], ...]],
    n_full: int,
) -> Iterator[FilingSection]:
    """The queue's filing sections in order, each built when the template reaches it; the first n_full in full."""
    by_department: dict[str | None, list[dict]] = {}  # department_id (budgetml/identity.py) → its filings
    this_of = {}
    for row in filings.filter(pl.col("status") != "failed").iter_rows(named=True):
        by_department.setdefault(row["department_id"], []).append(row)
        this_of[row["filing_id"]] = row
    for i, row in enumerate(queue):
        a = anomalies[row.filing_id]
        filing = this_of.get(row.filing_id)
        is_full = i < n_full
        same = by_department.get(filing["department_id"], [filing]) if filing and filing["department_id"] else [filing]
        chart, table = _years_series(filing, same) if filing and is_full else (Markup(""), ())
        yield FilingSection(
            row=row,
            is_full=is_full,
            source_path=filing["source_path"] if filing else "",
            peer_group=a["peer_group"],
            n_peer_group=a[_PEER_GROUP_SIZE],
            deviations=deviations_shown(deviations.get(row.filing_id, ())),
            causes=tuple(causes_of.get(row.filing_id, ())),
            crops=crops.get(row.filing_id, {}),
            review=states[row.filing_id],
            years_chart=chart,
            years_table=table,
            execution_rates=rates.get(row.filing_id, ()),
        )


# ---------------------------------------------------------------- rendering and writing


def _environment() -> jinja2.Environment:
    env = page_environment(TEMPLATES_DIR)
    env.globals["review_labels"] = REVIEW_LABELS
    env.globals["queue_status_labels"] = QUEUE_STATUS_LABELS
    env.globals["headline_labels"] = HEADLINE_LABELS
    env.globals["execution_labels"] = [FEATURES_BY_NAME[name].label for name in EXECUTION_FEATURES]
    return env


def render_chunks(context: ReportContext) -> Iterator[str]:
    """The report's HTML in pieces, the filing sections produced as they are written."""
    return _environment().get_template("report.html.j2").generate(c=context)


def render_report(context: ReportContext) -> str:
    """The report's HTML for a gathered context, as one string."""
    return "".join(render_chunks(context))


def write_report(out_dir: Path, summary: RunSummary | None = None, store: Path | None = None) -> Path:
    """Write out_dir/reports/report-<UTC time>.html for this run, streamed section by section; returns its path."""
    now = datetime.now(UTC)
    evidence_out = Path(summary.output_dir) if summary is not None else None
    context = report_context(Path(out_dir), summary, store, now, evidence_out=evidence_out)
    target_dir = reports_dir(out_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"report-{now:%Y%m%dT%H%M%S}Z.html"
    n = 2
    while target.exists():  # two reports within one second keep both
        target, n = target_dir / f"report-{now:%Y%m%dT%H%M%S}Z-{n}.html", n + 1
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".tmp", dir=target_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for chunk in render_chunks(context):
                handle.write(chunk)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["ReportContext", "render_report", "report_context", "write_report"]

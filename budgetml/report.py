"""The reviewer's report: one self-contained Chinese HTML file per run (flags, reasons, evidence, charts, run summary, decisions).

`report_context` gathers everything from the output folder and the review store into plain records;
`render_report` fills budgetml/templates/report.html.j2 (jinja2, autoescaped: every text from a PDF is
escaped); `write_report` writes reports/report-<time>.html atomically. No network is needed to open it:
CSS, script and SVG charts are inline, and a Content-Security-Policy forbids loading anything else.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from budgetml import charts
from budgetml.catalog import load_catalog
from budgetml.feature_declarations import EXECUTION, FEATURES_BY_NAME, SCORED
from budgetml.layout import dataset_path
from budgetml.review_store import STATUS_LABELS as REVIEW_LABELS
from budgetml.review_store import Decision, ReviewState, all_decisions, default_store_path, review_states
from budgetml.runs import STAGE_LABELS, RunSummary
from budgetml.schema import ANOMALIES, CHECKS, FEATURES, FILINGS, Dataset

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REPORTS_DIRNAME = "reports"
# The features whose distribution the report draws, with the flagged filings marked.
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
SHOWN_HEADLINES = (
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "sangong_total",
)
HEADLINE_LABELS = {name: load_catalog().headline_labels[name] for name in SHOWN_HEADLINES}
# The execution rates the 预算执行 section shows for each 决算 it lists (features of topic 预算执行).
EXECUTION_FEATURES = tuple(f.name for f in SCORED if f.topic == EXECUTION)
DOC_KIND_LABELS = {"budget": "预算", "final_account": "决算"}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"ok": "成功", "partial": "部分成功", "failed": "失败"}


# ---------------------------------------------------------------- records the template reads


@dataclass(frozen=True)
class FindingView:
    """A failed check as the report shows it."""

    rule_id: str
    severity: str
    subject: str
    message: str
    expected: float | None
    actual: float | None
    diff: float | None
    unit: str
    pages: tuple[int, ...]
    page_links: tuple[tuple[int, str], ...]  # (page, file URI with #page=)
    decision: Decision | None

    @property
    def severity_label(self) -> str:
        """The severity in Chinese."""
        return SEVERITY_LABELS.get(self.severity, self.severity)


@dataclass(frozen=True)
class DeviationView:
    """A feature that sets a filing apart, as the report shows it."""

    label: str
    unit: str
    value: float | None
    peer_median: float | None
    robust_z: float


@dataclass
class FilingView:
    """A filing as the report shows it: its scoring, reasons, evidence, review and years."""

    filing_id: str
    region: str | None
    department: str | None
    year: int | None
    source_path: str
    status: str
    peer_group: str | None = None
    n_peer_group: int | None = None
    score: float | None = None
    priority: float | None = None
    rank: int | None = None
    flagged: bool = False
    is_new_flag: bool = False
    n_errors: int = 0
    n_warnings: int = 0
    reasons: tuple[str, ...] = ()
    deviations: tuple[DeviationView, ...] = ()
    findings: tuple[FindingView, ...] = ()
    review: ReviewState | None = None
    years_chart: Markup | None = None
    years_table: tuple[dict, ...] = ()
    error: str | None = None
    doc_kind: str = "budget"
    execution_reasons: tuple[str, ...] = ()  # a 决算's reasons of topic 预算执行
    execution_rates: tuple[tuple[str, float | None], ...] = ()  # (label, 决算 / 年初预算 %)

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
    """Everything the report template reads."""

    generated_at: str
    out_dir: str
    summary: RunSummary | None
    counts: dict[str, int]
    failures: list[dict]
    check_counts: dict[str, int]
    n_scored: int
    flagged: list[FilingView]
    execution_outliers: list[FilingView]  # 决算 whose execution stands out among their peers, by rank
    dismissed_high: list[FilingView]
    details: list[FilingView]
    all_rows: list[FilingView]
    distribution_charts: list[Markup]
    decisions: list[tuple[Decision, str]]
    detail_ids: set[str]
    n_new_flags: int
    n_queue: int
    store_path: str
    stage_labels: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- gathering


def _read(out_dir: Path, dataset: Dataset) -> pl.DataFrame | None:
    path = dataset_path(out_dir, dataset)
    return pl.read_parquet(path) if path.exists() else None


def _page_link(source_path: str, page: int) -> str:
    try:
        return Path(source_path).resolve().as_uri() + f"#page={page}"
    except ValueError:
        return ""


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def kind_of(filing: dict) -> str:
    """A filing's document kind (budget when not known)."""
    return filing["doc_kind"] or "budget"


def _years_series(
    filing: dict, by_department: dict[tuple[str | None, str], list[dict]]
) -> tuple[Markup, tuple[dict, ...]]:
    """The department's headline figures over the years in the dataset, its 预算 or its 决算 as the filing is (one
    filing per year: this one for its own year)."""
    rows = by_department.get((filing["department_id"], kind_of(filing)), [])
    per_year: dict[int, dict] = {}
    for row in sorted(rows, key=lambda r: (r["filing_id"] != filing["filing_id"], r["filing_id"])):
        if row["year"] is not None:
            per_year.setdefault(row["year"], row)
    years = sorted(per_year)
    series = [
        charts.Series(HEADLINE_LABELS[h], tuple((y, _finite(per_year[y][f"{h}_wan"])) for y in years))
        for h in ("total_expenditure", "basic_expenditure", "project_expenditure", "personnel_expenditure")
    ]
    chart = charts.years_svg(f"{filing['department'] or ''} 各年度支出（万元）", series, highlight_year=filing["year"])
    table = tuple(
        {
            "year": y,
            **{h: per_year[y][f"{h}_wan"] for h in HEADLINE_LABELS},
            "is_this": per_year[y]["filing_id"] == filing["filing_id"],
        }
        for y in years
    )
    return chart, table


def report_context(
    out_dir: Path, summary: RunSummary | None = None, store: Path | None = None, now: datetime | None = None
) -> ReportContext:
    """Everything the report shows, read from out_dir's datasets and the review store."""
    out_dir = Path(out_dir)
    store = Path(store) if store is not None else default_store_path()
    filings = _read(out_dir, FILINGS)
    if filings is None:
        raise FileNotFoundError(f"{out_dir} 中没有 filings.parquet：请先运行 budgetml parse")
    checks = _read(out_dir, CHECKS)
    anomalies = _read(out_dir, ANOMALIES)
    features = _read(out_dir, FEATURES)
    filing_rows = {f["filing_id"]: f for f in filings.iter_rows(named=True)}
    decisions = all_decisions(store)
    states = review_states(decisions, filing_rows.values())

    counts = {s: filings.filter(pl.col("status") == s).height for s in STATUS_LABELS}
    failures = [
        {
            "source_path": f["source_path"],
            "status": f["status"],
            "status_label": STATUS_LABELS[f["status"]],
            "error": f["error"] or "",
        }
        for f in filings.filter(pl.col("status") != "ok").sort("status", "source_path").iter_rows(named=True)
    ]
    if summary is not None:  # failures the run knows of beyond filings.parquet (a file that vanished, a crashed worker)
        known = {f["source_path"] for f in failures}
        failures += [
            {"source_path": path, "status": "failed", "status_label": STATUS_LABELS["failed"], "error": error}
            for path, error in summary.failures
            if path not in known
        ]
    check_counts = {"error": 0, "warning": 0, "info": 0, "not_run": 0}
    findings_by: dict[str, list[dict]] = {}
    if checks is not None:
        failed = checks.filter(pl.col("is_passed").not_())
        for severity in ("error", "warning", "info"):
            check_counts[severity] = failed.filter(pl.col("severity") == severity).height
        check_counts["not_run"] = checks["is_passed"].null_count()
        order = {"error": 0, "warning": 1, "info": 2}
        for row in sorted(
            failed.iter_rows(named=True), key=lambda r: (order.get(r["severity"], 3), r["rule_id"], r["finding_index"])
        ):
            findings_by.setdefault(row["filing_id"], []).append(row)

    # A department's filings over the years, for the per-filing chart.
    # (department_id (budgetml/identity.py), document kind) → its filings: a department's 预算 and 决算 apart
    by_department: dict[tuple[str | None, str], list[dict]] = {}
    for f in filing_rows.values():
        if f["status"] != "failed":
            by_department.setdefault((f["department_id"], kind_of(f)), []).append(f)

    def findings_of(filing_id: str) -> tuple[FindingView, ...]:
        f, state = filing_rows[filing_id], states.get(filing_id)
        return tuple(
            FindingView(
                r["rule_id"],
                r["severity"],
                r["subject"],
                r["message"],
                r["expected"],
                r["actual"],
                r["diff"],
                r["unit"],
                tuple(r["pages"]),
                tuple((p, _page_link(f["source_path"], p)) for p in dict.fromkeys(r["pages"])),
                state.rules.get(r["rule_id"]) if state else None,
            )
            for r in findings_by.get(filing_id, [])
        )

    def view(filing_id: str, anomaly: dict | None) -> FilingView:
        f = filing_rows[filing_id]
        v = FilingView(
            filing_id,
            f["region"],
            f["department"],
            f["year"],
            f["source_path"],
            f["status"],
            review=states.get(filing_id),
            error=f["error"],
            doc_kind=kind_of(f),
        )
        if anomaly is not None:
            v.peer_group, v.n_peer_group = anomaly["peer_group"], anomaly["n_peer_group"]
            v.score, v.priority, v.rank = anomaly["score"], anomaly["priority"], anomaly["rank"]
            v.flagged, v.is_new_flag = anomaly["is_flagged"], anomaly["is_new_flag"]
            v.n_errors, v.n_warnings = anomaly["n_errors"], anomaly["n_warnings"]
            v.reasons = tuple(anomaly["reasons"])
            v.execution_reasons = tuple(
                reason
                for reason, names in zip(anomaly["reasons"], anomaly["reason_features"])
                if names and names[0] in FEATURES_BY_NAME and FEATURES_BY_NAME[names[0]].topic == EXECUTION
            )
            v.execution_rates = execution_rates.get(filing_id, ())
            v.deviations = tuple(
                DeviationView(
                    FEATURES_BY_NAME[d["feature"]].title,
                    FEATURES_BY_NAME[d["feature"]].unit or "",
                    d["value"],
                    d["peer_median"],
                    d["robust_z"],
                )
                for d in anomaly["deviations"]
                if d["feature"] in FEATURES_BY_NAME
            )
        else:
            v.n_errors = sum(1 for r in findings_by.get(filing_id, []) if r["severity"] == "error")
            v.n_warnings = sum(1 for r in findings_by.get(filing_id, []) if r["severity"] == "warning")
        return v

    execution_rates = {
        r["filing_id"]: tuple((FEATURES_BY_NAME[n].label, r[n]) for n in EXECUTION_FEATURES)
        for r in (features.to_dicts() if features is not None else [])
        if r.get("doc_kind") == "final_account"
    }
    anomaly_rows = anomalies.sort("rank").to_dicts() if anomalies is not None else []
    anomaly_by = {a["filing_id"]: a for a in anomaly_rows if a["filing_id"] in filing_rows}
    all_rows = [view(a["filing_id"], a) for a in anomaly_by.values()]
    scored_ids = set(anomaly_by)
    all_rows += [view(fid, None) for fid, f in filing_rows.items() if fid not in scored_ids and f["status"] != "failed"]
    flagged = [v for v in all_rows if v.flagged]
    execution_outliers = [v for v in all_rows if v.execution_reasons]
    # Filings that would be within the budget but were dismissed for this exact file: shown, not flagged.
    budget_rank = max((v.rank for v in flagged if v.rank is not None), default=0)
    dismissed_high = [v for v in all_rows if v.rank is not None and v.rank <= budget_rank and not v.flagged]
    decided = [
        v for v in all_rows if v.review is not None and (v.review.history or v.review.older_versions) and not v.flagged
    ]
    details = list({v.filing_id: v for v in flagged + dismissed_high + decided}.values())
    for v in details:  # the evidence and the years are drawn for the filings shown in detail only
        v.findings = findings_of(v.filing_id)
        v.years_chart, v.years_table = _years_series(filing_rows[v.filing_id], by_department)

    distribution = []
    if features is not None and features.height:
        flagged_ids = {v.filing_id for v in flagged}
        medians = features.select(pl.col(n).cast(pl.Float64).median() for n in CHART_FEATURES).row(0)
        for name, median in zip(CHART_FEATURES, medians):
            feature = FEATURES_BY_NAME[name]
            values = [float(x) for x in features[name].to_list() if x is not None]
            markers = [
                charts.Marker(
                    float(r[name]), f"{r['department'] or ''} {r['year'] or ''}年：{r[name]:.2f}{feature.unit or ''}"
                )
                for r in features.filter(pl.col("filing_id").is_in(flagged_ids)).iter_rows(named=True)
                if r[name] is not None
            ]
            distribution.append(
                charts.distribution_svg(feature.title, values, markers, unit=feature.unit or "", median=median)
            )
        if anomalies is not None and anomalies.height:
            scores = anomalies["score"].to_list()
            markers = [
                charts.Marker(v.score, f"{v.department or ''} {v.year or ''}年：{v.score:.3f}")
                for v in flagged
                if v.score is not None
            ]
            distribution.append(
                charts.distribution_svg(
                    "离群分数（孤立森林）", scores, markers, median=float(anomalies["score"].median())
                )
            )

    ids = set(filing_rows)
    shown_decisions = sorted(
        ((d, filing_rows[d.filing_id]["department"] or "") for d in decisions if d.filing_id in ids),
        key=lambda x: (x[0].decided_at, x[0].decision_id),
        reverse=True,
    )
    n_queue = sum(1 for v in flagged if v.review is None or v.review.current is None)

    return ReportContext(
        generated_at=(now or datetime.now(UTC)).astimezone().strftime("%Y-%m-%d %H:%M"),
        out_dir=summary.output_dir if summary is not None else str(out_dir),  # a run writes into its staged folder
        summary=summary,
        counts=counts,
        failures=failures,
        check_counts=check_counts,
        n_scored=len(anomaly_by),
        flagged=flagged,
        execution_outliers=execution_outliers,
        dismissed_high=dismissed_high,
        details=details,
        all_rows=all_rows,
        distribution_charts=distribution,
        decisions=shown_decisions,
        detail_ids={v.filing_id for v in details},
        n_new_flags=sum(1 for v in flagged if v.is_new_flag),
        n_queue=n_queue,
        store_path=str(store),
        stage_labels=STAGE_LABELS,
    )


# ---------------------------------------------------------------- rendering and writing


def _number(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every text from a PDF (names, messages, notes) is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.globals["review_labels"] = REVIEW_LABELS
    env.globals["table_names"] = {t.id: t.name for t in load_catalog().tables}
    env.globals["headline_labels"] = HEADLINE_LABELS
    env.globals["execution_labels"] = [FEATURES_BY_NAME[name].label for name in EXECUTION_FEATURES]
    env.globals["scored_features"] = SCORED
    return env


def render_report(context: ReportContext) -> str:
    """The report's HTML for a gathered context."""
    return _environment().get_template("report.html.j2").render(c=context)


def write_report(out_dir: Path, summary: RunSummary | None = None, store: Path | None = None) -> Path:
    """Write out_dir/reports/report-<UTC time>.html for this run and return its path."""
    now = datetime.now(UTC)
    html = render_report(report_context(Path(out_dir), summary, store, now))
    target_dir = Path(out_dir) / REPORTS_DIRNAME
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"report-{now:%Y%m%dT%H%M%S}Z.html"
    n = 2
    while target.exists():  # two reports within one second keep both
        target, n = target_dir / f"report-{now:%Y%m%dT%H%M%S}Z-{n}.html", n + 1
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".tmp", dir=target_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["ReportContext", "render_report", "report_context", "write_report"]

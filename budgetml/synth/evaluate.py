"""Score the datasets of a parsed sample corpus against its labels.json: what the pipeline gets right.

Each measure reads only the dataset it needs, so the report grows as stages land: headline figures
and line items need filings / line_items, inconsistency recall needs checks.parquet, outlier ranking
needs anomalies.parquet. A missing dataset is reported as "not scored yet", never an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml.catalog import load_catalog
from budgetml.layout import dataset_files
from budgetml.review_queue import in_review_queue, load_queue_settings
from budgetml.synth.final_account import FINAL_INCONSISTENCY_KINDS, FINAL_OUTLIER_KINDS
from budgetml.synth.sample import INCONSISTENCY_KINDS, OUTLIER_KINDS
from budgetml.terminal import plain

# Amounts are printed with 2 decimals in their table's unit, so half the last digit is the widest gap
# a correct reading can show after conversion: 0.005 万元 in 万元 tables, 0.005 元 in 元 tables.
PRINTED_HALF_STEP = 0.005
WAN_PER_UNIT = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}
FLOAT_SLACK_WAN = 1e-9  # float64 noise on amount_wan, far below any printed step
DETECTING_SEVERITIES = ("error", "warning")  # a failed check of these severities counts as a detection
# The rules that find each injected inconsistency (configs/rules.toml ids): an injection counts as found only
# when one of its own rules fails on the filing, not when any rule does (a misread elsewhere is no detection).
DETECTING_RULES = {
    "summary_total_mismatch": ("summary.balance", "cross.totals"),
    "hierarchy_sum_mismatch": ("table.hierarchy", "table.total_row", "cross.function_vs_expenditure"),
    "cross_table_mismatch": ("cross.function_vs_expenditure",),
    "narrative_percent_wrong": ("narrative.change",),
    "narrative_amount_mismatch": ("narrative.amount",),
    "sangong_sum_mismatch": ("sangong.components",),
    "unit_error_x10000": ("units.consistent", "narrative.amount"),
    "prev_year_mismatch": ("prev_year.matches",),
    # 决算 kinds (budgetml/synth/final_inconsistencies.py)
    "final_carryover_broken": ("final.carryover", "final.summary_balance"),
    "final_execution_rate_wrong": ("final.narrative_execution",),
    "final_initial_budget_mismatch": ("final.initial_budget_matches",),
    "final_missing_table": ("completeness.required_tables",),
    "final_wrong_year": ("final.year",),
}
FALSE_POSITIVE_SEVERITIES = ("error",)  # a clean filing with a failed check of these is a false positive
# The figures a budget prints (filings.parquet columns), and those only a 决算 prints, scored on 决算 filings
# besides HEADLINES: read from the catalog's [[headline]] entries by the tables they are read from.
HEADLINES = load_catalog().headline_names("budget")
FINAL_HEADLINES = tuple(name for name in load_catalog().headline_names("final_account") if name not in HEADLINES)
# The table whose 合计 by code labels expenditure_items_wan, by document kind (budgetml/synth/corpus.py).
EXPENDITURE_TABLE = {"budget": "expenditure_summary", "final_account": "final_expenditure"}


def tolerance_wan(unit: str) -> float:
    """Largest difference in 万元 between a printed amount and a correct reading of it."""
    return PRINTED_HALF_STEP * WAN_PER_UNIT[unit] + FLOAT_SLACK_WAN


@dataclass(frozen=True)
class RateScore:
    """matched out of checked, e.g. headline figures that agree with the labels."""

    name: str
    matched: int
    checked: int

    @property
    def rate(self) -> float | None:
        return self.matched / self.checked if self.checked else None


@dataclass(frozen=True)
class InconsistencyScore:
    by_kind: tuple[RateScore, ...]  # detected filings / injected filings, per kind
    detected: int
    injected: int
    false_positives: int  # clean filings with a failed check of severity error
    clean: int

    @property
    def recall(self) -> float | None:
        return self.detected / self.injected if self.injected else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.false_positives / self.clean if self.clean else None


@dataclass(frozen=True)
class OutlierScore:
    roc_auc: float | None  # clean vs outlier filings by score (None when a class is empty)
    k: int  # number of injected outliers scored
    precision_at_k: float | None
    by_kind: tuple[RateScore, ...]  # outliers of each kind among the top k
    flagged_outliers: int  # outliers the detector flagged
    flagged: int  # filings it flagged among clean and outlier ones
    unscored: int  # labelled clean or outlier filings missing from anomalies.parquet (ranked last)


@dataclass(frozen=True)
class QueueRecall:
    """How many labelled problem filings the review queue (budgetml/review_queue.py) lists: it must list them all."""

    inconsistencies: RateScore  # inconsistency-injected filings in the queue, of those labelled (预算 and 决算)
    outliers: RateScore  # outlier-injected filings in the queue, of those labelled (预算 and 决算)
    queue_size: int  # filings in the queue
    scored: int  # filings scored
    final_inconsistencies: RateScore | None = None  # the 决算 among `inconsistencies` (None without labelled 决算)
    final_outliers: RateScore | None = None  # the 决算 among `outliers`
    missed: tuple[tuple[str, int], ...] = ()  # (injected kind, labelled filings of it not in the queue)


@dataclass(frozen=True)
class EvaluationReport:
    labels_path: str
    output_dir: str
    n_labelled: int
    status_counts: Mapping[str, int]  # parse status of the labelled filings; "missing" when absent from filings
    headline: RateScore | None
    headline_by_figure: tuple[RateScore, ...]
    line_items: RateScore | None
    metadata: RateScore | None  # region, department and year as labelled
    inconsistencies: InconsistencyScore | None  # budget filings
    outliers: OutlierScore | None
    notes: tuple[str, ...]  # what could not be scored yet, and why
    queue: QueueRecall | None = None
    final_headline: RateScore | None = None  # 决算 filings: all their figures, HEADLINES and FINAL_HEADLINES
    final_inconsistencies: InconsistencyScore | None = None  # 决算 filings, their own kinds and clean ones
    execution_links: RateScore | None = None  # 决算 whose department's 预算 of the year budget_execution links


class LabelsError(ValueError):
    """The labels file is missing or is not one budgetml.synth.sample wrote."""


def read_labels(labels_path: Path) -> list[dict]:
    try:
        data = json.loads(Path(labels_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelsError(f"标注文件不存在：{labels_path}") from None
    except json.JSONDecodeError as exc:
        raise LabelsError(f"标注文件不是有效的 JSON：{labels_path}（{exc}）") from None
    if not isinstance(data, dict) or not isinstance(data.get("filings"), list):
        raise LabelsError(f"不是 budgetml sample 写出的标注文件（缺少 filings）：{labels_path}")
    return data["filings"]


def evaluate(labels_path: Path, output_dir: Path, score_column: str = "score") -> EvaluationReport:
    """Compare the datasets in output_dir with the labels written by budgetml.synth.corpus.generate_corpus.

    Raises LabelsError when the labels file is missing or malformed; missing datasets are only noted.
    """
    labels_path, output_dir = Path(labels_path), Path(output_dir)
    filings = read_labels(labels_path)
    notes: list[str] = []
    parsed = _read(output_dir, "filings", notes)
    items = _read(
        output_dir, "line_items", notes, columns=["filing_id", "table_id", "column_name", "code", "amount_wan"]
    )
    checks = _read(output_dir, "checks", notes, columns=["filing_id", "rule_id", "is_passed", "severity"])
    finals = [f for f in filings if doc_kind(f) == "final_account"]
    execution = (
        _read(output_dir, "budget_execution", notes, columns=["filing_id", "budget_filing_id"]) if finals else None
    )
    anomalies = _read(output_dir, "anomalies", notes)
    if anomalies is not None and score_column not in anomalies.columns:
        notes.append(f"not scored yet: anomalies.parquet has no column {score_column!r}")
        anomalies = None

    rows = {r["filing_id"]: r for r in parsed.to_dicts()} if parsed is not None else {}
    statuses: dict[str, int] = {}
    for f in filings:
        status = rows[f["filing_id"]]["status"] if f["filing_id"] in rows else "missing"
        statuses[status] = statuses.get(status, 0) + 1

    headline, by_figure, metadata = (None, (), None) if parsed is None else _score_headlines(filings, rows)
    line_items = None if items is None else _score_line_items(filings, items)
    budgets = [f for f in filings if doc_kind(f) == "budget"]
    inconsistencies = None if checks is None else _score_checks(budgets, checks, INCONSISTENCY_KINDS)
    final_inconsistencies = (
        None if checks is None or not finals else _score_checks(finals, checks, FINAL_INCONSISTENCY_KINDS)
    )
    final_headline = _score_final_headlines(finals, rows) if parsed is not None and finals else None
    execution_links = None if execution is None else _score_links(filings, execution)
    outliers = None if anomalies is None else _score_outliers(filings, anomalies, score_column)
    return EvaluationReport(
        labels_path=str(labels_path),
        output_dir=str(output_dir),
        n_labelled=len(filings),
        status_counts=dict(sorted(statuses.items())),
        headline=headline,
        headline_by_figure=by_figure,
        line_items=line_items,
        metadata=metadata,
        inconsistencies=inconsistencies,
        outliers=outliers,
        notes=tuple(notes),
        queue=None if anomalies is None else _queue_recall(filings, anomalies, output_dir),
        final_headline=final_headline,
        final_inconsistencies=final_inconsistencies,
        execution_links=execution_links,
    )


def _read(output_dir: Path, name: str, notes: list[str], columns: Sequence[str] | None = None) -> pl.DataFrame | None:
    files = dataset_files(output_dir, name)  # one file, or its year partitions
    if not files:
        notes.append(f"not scored yet: {name}.parquet missing")
        return None
    frame = pl.read_parquet(files, hive_partitioning=False, glob=False)
    missing = [c for c in columns or () if c not in frame.columns]
    if missing:
        notes.append(f"not scored yet: {name}.parquet lacks columns {missing}")
        return None
    return frame.select(columns) if columns else frame


def _close(expected: float | None, actual: float | None, unit: str) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    return abs(expected - actual) <= tolerance_wan(unit)


def _score_headlines(
    filings: Sequence[dict], rows: Mapping[str, dict]
) -> tuple[RateScore, tuple[RateScore, ...], RateScore]:
    """Headline figures at the printed precision; a filing missing from filings.parquet misses all of them."""
    matched = {name: 0 for name in HEADLINES}
    meta_matched = 0
    for f in filings:
        row = rows.get(f["filing_id"])
        if row is None:
            continue
        for name in HEADLINES:
            unit = f["headline_units"].get(name, "万元")
            matched[name] += _close(f["headline_wan"].get(name), row.get(f"{name}_wan"), unit)
        meta_matched += (row.get("region"), row.get("department"), row.get("year")) == (
            f["region"],
            f["department"],
            f["year"],
        )
    by_figure = tuple(RateScore(name, matched[name], len(filings)) for name in HEADLINES)
    total = RateScore("headline", sum(matched.values()), len(filings) * len(HEADLINES))
    return total, by_figure, RateScore("metadata", meta_matched, len(filings))


def doc_kind(filing: dict) -> str:
    """A label's document kind (labels written before 决算 were generated are budgets)."""
    return filing.get("doc_kind", "budget")


def _score_final_headlines(filings: Sequence[dict], rows: Mapping[str, dict]) -> RateScore:
    """Every figure of the 决算 filings at the printed precision (the budget HEADLINES and the 决算's own)."""
    matched = checked = 0
    for f in filings:
        row = rows.get(f["filing_id"], {})
        for name in (*HEADLINES, *FINAL_HEADLINES):
            checked += 1
            matched += _close(
                f["headline_wan"].get(name), row.get(f"{name}_wan"), f["headline_units"].get(name, "万元")
            )
    return RateScore("final_headline", matched, checked)


def _score_links(filings: Sequence[dict], execution: pl.DataFrame) -> RateScore:
    """决算 whose department has a labelled 预算 of the same year: linked when budget_execution names that 预算."""
    budget_of = {(f["region"], f["department"], f["year"]): f["filing_id"] for f in filings if doc_kind(f) == "budget"}
    linked = {(r["filing_id"], r["budget_filing_id"]) for r in execution.to_dicts()}
    pairs = [
        (f["filing_id"], budget_of[(f["region"], f["department"], f["year"])])
        for f in filings
        if doc_kind(f) == "final_account" and (f["region"], f["department"], f["year"]) in budget_of
    ]
    return RateScore("execution_links", sum(pair in linked for pair in pairs), len(pairs))


def _score_line_items(filings: Sequence[dict], items: pl.DataFrame) -> RateScore:
    """The expenditure table's 合计 by code: found when a parsed item of that code (and the filing's table) matches
    at the printed precision."""
    found_items = (
        items.filter(
            pl.col("table_id").is_in(list(EXPENDITURE_TABLE.values())),
            pl.col("column_name") == "total",
            pl.col("code").is_not_null(),
        )
        .group_by("filing_id", "table_id", "code")
        .agg(pl.col("amount_wan"))
    )
    parsed: dict[tuple[str, str, str], list[float]] = {
        (r["filing_id"], r["table_id"], r["code"]): r["amount_wan"] for r in found_items.to_dicts()
    }
    found = expected = 0
    for f in filings:
        unit = f["expenditure_items_unit"]
        table = EXPENDITURE_TABLE[doc_kind(f)]
        for code, value in f["expenditure_items_wan"].items():
            expected += 1
            found += any(_close(value, v, unit) for v in parsed.get((f["filing_id"], table, code), ()))
    return RateScore("line_items", found, expected)


def _category(filing: dict) -> str:
    return filing["injections"][0]["category"] if filing["injections"] else "clean"


def _kind(filing: dict) -> str | None:
    return filing["injections"][0]["kind"] if filing["injections"] else None


def detections(checks: pl.DataFrame) -> set[tuple[str, str]]:
    """(filing_id, rule_id) of every failed finding of a detecting severity (null, could not run, is no failure)."""
    failed = checks.filter(pl.col("is_passed").not_() & pl.col("severity").is_in(DETECTING_SEVERITIES))
    return set(zip(failed["filing_id"].to_list(), failed["rule_id"].to_list()))


def is_detected(filing: dict, found: set[tuple[str, str]]) -> bool:
    """Whether the filing's injected inconsistency was found by one of its kind's own rules (DETECTING_RULES)."""
    return any((filing["filing_id"], rule_id) in found for rule_id in DETECTING_RULES[_kind(filing)])


def _score_checks(filings: Sequence[dict], checks: pl.DataFrame, kinds: Sequence[str]) -> InconsistencyScore:
    """Recall of the injected `kinds` among `filings` (found by each kind's own rules), and their clean filings
    with a failed error-level check."""
    found = detections(checks)
    failed = checks.filter(pl.col("is_passed").not_())  # null (could not run) is not a failure
    erring = set(failed.filter(pl.col("severity").is_in(FALSE_POSITIVE_SEVERITIES))["filing_id"].to_list())
    by_kind = []
    for kind in kinds:
        injected = [f for f in filings if _kind(f) == kind]
        by_kind.append(RateScore(kind, sum(is_detected(f, found) for f in injected), len(injected)))
    clean = [f for f in filings if _category(f) == "clean"]
    return InconsistencyScore(
        by_kind=tuple(by_kind),
        detected=sum(s.matched for s in by_kind),
        injected=sum(s.checked for s in by_kind),
        false_positives=sum(f["filing_id"] in erring for f in clean),
        clean=len(clean),
    )


def _score_outliers(filings: Sequence[dict], anomalies: pl.DataFrame, score_column: str) -> OutlierScore:
    """Clean vs outlier filings (inconsistency-injected ones left out), ranked by score; unscored ones rank last."""
    from sklearn.metrics import roc_auc_score

    scores = {r["filing_id"]: r[score_column] for r in anomalies.select("filing_id", score_column).to_dicts()}
    flagged_ids = (
        set(anomalies.filter(pl.col("is_flagged"))["filing_id"].to_list())
        if "is_flagged" in anomalies.columns
        else set()
    )
    population = [f for f in filings if _category(f) in ("clean", "outlier")]
    valid = [s for s in scores.values() if s is not None and not math.isnan(s)]
    floor = (min(valid) if valid else 0.0) - 1.0
    unscored = sum(1 for f in population if scores.get(f["filing_id"]) is None)
    ranked = sorted(
        population,
        key=lambda f: (
            -(scores.get(f["filing_id"]) if scores.get(f["filing_id"]) is not None else floor),
            f["filing_id"],
        ),
    )
    is_outlier = [_category(f) == "outlier" for f in ranked]
    k = sum(is_outlier)
    top = ranked[:k]
    by_kind = []
    for kind in (*OUTLIER_KINDS, *FINAL_OUTLIER_KINDS):
        injected = [f for f in population if _kind(f) == kind]
        by_kind.append(RateScore(kind, sum(f in top for f in injected), len(injected)))
    auc = None
    if 0 < k < len(ranked):
        values = [scores.get(f["filing_id"]) if scores.get(f["filing_id"]) is not None else floor for f in ranked]
        auc = float(roc_auc_score(is_outlier, values))
    return OutlierScore(
        roc_auc=auc,
        k=k,
        precision_at_k=sum(_category(f) == "outlier" for f in top) / k if k else None,
        by_kind=tuple(by_kind),
        flagged_outliers=sum(f["filing_id"] in flagged_ids for f in population if _category(f) == "outlier"),
        flagged=sum(f["filing_id"] in flagged_ids for f in population),
        unscored=unscored,
    )


def _queue_recall(filings: Sequence[dict], anomalies: pl.DataFrame, output_dir: Path) -> QueueRecall:
    """The labelled inconsistent and outlier filings the review queue lists (what the desk and the report show)."""
    settings = load_queue_settings()
    queued = set(anomalies.filter(in_review_queue(output_dir, settings))["filing_id"].to_list())

    def rate(category: str, name: str, kinds: tuple[str, ...] = ("budget", "final_account")) -> RateScore:
        labelled = [f for f in filings if _category(f) == category and doc_kind(f) in kinds]
        return RateScore(name, sum(f["filing_id"] in queued for f in labelled), len(labelled))

    has_finals = any(doc_kind(f) == "final_account" for f in filings)
    missed: dict[str, int] = {}
    for f in filings:
        if _category(f) in ("inconsistency", "outlier") and f["filing_id"] not in queued:
            missed[_kind(f)] = missed.get(_kind(f), 0) + 1
    return QueueRecall(
        rate("inconsistency", "inconsistencies"),
        rate("outlier", "outliers"),
        len(queued),
        anomalies.height,
        rate("inconsistency", "决算 inconsistencies", ("final_account",)) if has_finals else None,
        rate("outlier", "决算 outliers", ("final_account",)) if has_finals else None,
        tuple(missed.items()),
    )


# --- printing --------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
        for r in rows
    ]


def format_report(report: EvaluationReport) -> str:
    """The report as a few small plain-text tables, for the terminal."""
    lines = [f"labels: {plain(report.labels_path)}", f"datasets: {plain(report.output_dir)}", ""]
    status = ", ".join(f"{k} {v}" for k, v in report.status_counts.items())
    lines.append(f"filings labelled: {report.n_labelled} (parse status: {status})")
    lines.append("")
    rows: list[tuple[str, ...]] = [("measure", "matched", "checked", "rate")]
    for score in (report.headline, *report.headline_by_figure, report.line_items, report.metadata):
        if score is not None:
            name = score.name if score.name in ("headline", "line_items", "metadata") else f"  {score.name}"
            label = {
                "headline": "headline figures (exact)",
                "line_items": "expenditure line items (recall)",
                "metadata": "region/department/year",
            }.get(score.name, name)
            rows.append((label, str(score.matched), str(score.checked), _pct(score.rate)))
    if len(rows) > 1:
        lines += _table(rows) + [""]
    for title, s in (
        ("inconsistency kind", report.inconsistencies),
        ("决算 inconsistency kind", report.final_inconsistencies),
    ):
        if s is None:
            continue
        rows = [(title, "detected", "injected", "recall")]
        rows += [(k.name, str(k.matched), str(k.checked), _pct(k.rate)) for k in s.by_kind]
        rows.append(("all kinds", str(s.detected), str(s.injected), _pct(s.recall)))
        rows.append(
            ("false positives (clean, error)", str(s.false_positives), str(s.clean), _pct(s.false_positive_rate))
        )
        lines += _table(rows) + [""]
    rows = [("决算", "matched", "checked", "rate")]
    for name, score in (("决算 figures (exact)", report.final_headline), ("预算–决算 links", report.execution_links)):
        if score is not None:
            rows.append((name, str(score.matched), str(score.checked), _pct(score.rate)))
    if len(rows) > 1:
        lines += _table(rows) + [""]
    if report.outliers is not None:
        o = report.outliers
        auc = "—" if o.roc_auc is None else f"{o.roc_auc:.3f}"
        lines.append(
            f"outliers (clean vs outlier filings by score): ROC AUC {auc}, precision@{o.k} {_pct(o.precision_at_k)}"
        )
        lines.append(
            f"  flagged: {o.flagged_outliers} of {o.k} outliers, {o.flagged} filings in all; unscored: {o.unscored}"
        )
        rows = [("outlier kind", f"in top {o.k}", "injected", "rate")]
        rows += [(k.name, str(k.matched), str(k.checked), _pct(k.rate)) for k in o.by_kind]
        lines += _table(rows) + [""]
    if report.queue is not None:
        q = report.queue
        rows = [("review queue (recall)", "in queue", "labelled", "recall")]
        shown = (q.inconsistencies, q.outliers, q.final_inconsistencies, q.final_outliers)
        rows += [(k.name, str(k.matched), str(k.checked), _pct(k.rate)) for k in shown if k is not None]
        lines += _table(rows) + [f"  queue: {q.queue_size} of {q.scored} scored filings"]
        if q.missed:
            lines.append("  not in the queue: " + ", ".join(f"{kind} {n}" for kind, n in q.missed))
        lines.append("")
    lines += list(report.notes)
    return "\n".join(lines).rstrip() + "\n"

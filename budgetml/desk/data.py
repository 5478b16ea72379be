"""What the review desk holds in memory: the filings, the review queue and the failed findings of one published
generation of an output folder, reloaded when a run publishes the next one.

This module is the desk's one reader of dataset columns: the queue, the filing pages and the exports read
the frames built here.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml.catalog import load_catalog
from budgetml.feature_declarations import EXECUTION_FEATURES
from budgetml.findings import failed_checks
from budgetml.layout import data_dir, dataset_path
from budgetml.review_queue import QueueSettings, in_review_queue
from budgetml.reviewer_pages import FILING_COLUMNS
from budgetml.schema import ANOMALIES, CHECKS, FEATURES, FILINGS

# The headline figures a filing page shows (filings' <name>_wan columns, 万元), with their Chinese labels.
HEADLINES = {
    "total_expenditure": "支出合计",
    "basic_expenditure": "基本支出",
    "project_expenditure": "项目支出",
    "personnel_expenditure": "人员经费",
    "public_expenditure": "公用经费",
    "sangong_total": "“三公”经费",
    "total_income": "收入合计",
}
# The figures only a 决算 prints (filings' <name>_wan columns), which a 决算's page shows besides HEADLINES.
FINAL_HEADLINES = {
    name: load_catalog().headline_labels[name]
    for name in (
        "income_grand_total",
        "carryover_begin",
        "carryover_end",
        "fiscal_grant_total",
        "general_budget_expenditure",
    )
}
_FIGURES = (*HEADLINES, *FINAL_HEADLINES)
_ANOMALY_COLUMNS = (
    "filing_id",
    "peer_group",
    "n_peer_group",
    "score",
    "n_errors",
    "n_warnings",
    "priority",
    "rank",
    "is_flagged",
    "reasons",
    "deviations",
)


class NotAnOutput(Exception):
    """The folder is not a budgetml output folder (no published filings); the message is for reviewers."""


@dataclass(frozen=True)
class DeskData:
    """One generation of an output folder, as the desk reads it."""

    out_dir: Path
    version: tuple
    filings: pl.DataFrame  # every filing: FILING_COLUMNS and its figures (万元, named as in HEADLINES, FINAL_HEADLINES)
    queue: pl.DataFrame  # the queue filings: filings' and anomalies' columns, department_type, rules, severities, text
    failed: pl.DataFrame  # every failed finding (findings.FINDING_COLUMNS but the boxes, and its row in checks.parquet)
    anomalies: pl.DataFrame  # every scored filing (_ANOMALY_COLUMNS)
    execution: pl.DataFrame  # every 决算's execution rates: filing_id and EXECUTION_FEATURES (%)


def data_version(out_dir: Path) -> tuple:
    """Changes whenever a run publishes: the generation OUT/data points to and the datasets' modification times."""
    link = data_dir(out_dir)
    target = os.readlink(link) if link.is_symlink() else ""
    times = []
    for dataset in (FILINGS, ANOMALIES, CHECKS, FEATURES):
        path = dataset_path(out_dir, dataset)
        times.append(path.stat().st_mtime_ns if path.exists() else 0)
    return (target, *times)


def _read(out_dir: Path, dataset, columns: tuple[str, ...] | None = None) -> pl.DataFrame | None:
    path = dataset_path(out_dir, dataset)
    if not path.exists():
        return None
    frame = pl.read_parquet(path, glob=False)
    return frame.select(columns) if columns is not None else frame


def load_desk_data(out_dir: Path, settings: QueueSettings) -> DeskData:
    """Read out_dir's published datasets into the desk's frames; raises NotAnOutput without filings.parquet."""
    out_dir = Path(out_dir)
    version = data_version(out_dir)
    filings = _read(out_dir, FILINGS)
    if filings is None:
        raise NotAnOutput(f"{out_dir} 不是 budgetml 的输出目录（没有 data/filings.parquet），请先运行 budgetml run")
    filings = filings.select(*FILING_COLUMNS, *(pl.col(f"{name}_wan").alias(name) for name in _FIGURES))
    failed = failed_checks(out_dir, with_boxes=False)
    features = _read(out_dir, FEATURES, ("filing_id", "department_type", "doc_kind", *EXECUTION_FEATURES))
    execution = (
        features.filter(pl.col("doc_kind") == "final_account").select("filing_id", *EXECUTION_FEATURES)
        if features is not None
        else pl.DataFrame(schema={"filing_id": pl.String, **{name: pl.Float64 for name in EXECUTION_FEATURES}})
    )
    anomalies = _read(out_dir, ANOMALIES, _ANOMALY_COLUMNS)
    if anomalies is None:
        return DeskData(out_dir, version, filings, _empty_queue(filings), failed, _no_anomalies(), execution)
    types = features.select("filing_id", "department_type") if features is not None else _no_types()
    per_filing = failed.group_by("filing_id").agg(
        pl.col("rule_id").unique().sort().alias("rules"), pl.col("severity").unique().alias("severities")
    )
    queue = (
        anomalies.filter(in_review_queue(out_dir, settings))
        .join(filings.drop(*_FIGURES), on="filing_id", how="inner")
        .join(types, on="filing_id", how="left")
        .join(per_filing, on="filing_id", how="left")
        .with_columns(
            pl.col("rules").fill_null([]),
            pl.col("severities").fill_null([]),
            pl.col("department_type").fill_null("其他"),
            pl.concat_str(
                [pl.col(c).fill_null("") for c in ("department", "region", "filing_id", "source_path")], separator=" "
            )
            .str.to_lowercase()
            .alias("text"),
        )
        .sort("rank")
    )
    return DeskData(out_dir, version, filings, queue, failed, anomalies, execution)


def _no_anomalies() -> pl.DataFrame:
    return pl.from_arrow(ANOMALIES.arrow_schema().empty_table()).select(_ANOMALY_COLUMNS)


def _no_types() -> pl.DataFrame:
    return pl.DataFrame(schema={"filing_id": pl.String, "department_type": pl.String})


def _empty_queue(filings: pl.DataFrame) -> pl.DataFrame:
    frame = filings.head(0).drop(*_FIGURES)
    return frame.with_columns(
        pl.lit(None, pl.String).alias("peer_group"),
        pl.lit(None, pl.Int32).alias("n_peer_group"),
        pl.lit(None, pl.Float64).alias("score"),
        pl.lit(None, pl.Int32).alias("n_errors"),
        pl.lit(None, pl.Int32).alias("n_warnings"),
        pl.lit(None, pl.Float64).alias("priority"),
        pl.lit(None, pl.Int32).alias("rank"),
        pl.lit(None, pl.Boolean).alias("is_flagged"),
        pl.lit(None, pl.List(pl.String)).alias("reasons"),
        pl.lit(None, pl.String).alias("department_type"),
        pl.lit(None, pl.List(pl.String)).alias("rules"),
        pl.lit(None, pl.List(pl.String)).alias("severities"),
        pl.lit(None, pl.String).alias("text"),
    )


class DeskState:
    """The current DeskData of an output folder, reloaded (once, under a lock) when a run has published since."""

    def __init__(self, out_dir: Path, settings: QueueSettings) -> None:
        self.out_dir = Path(out_dir)
        self.settings = settings
        self._lock = threading.Lock()
        self._data = load_desk_data(self.out_dir, settings)

    def current(self) -> DeskData:
        """The data of the generation published now."""
        if data_version(self.out_dir) != self._data.version:
            with self._lock:
                if data_version(self.out_dir) != self._data.version:
                    self._data = load_desk_data(self.out_dir, self.settings)
        return self._data

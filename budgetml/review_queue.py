"""The review queue: which filings a reviewer must see, and the Chinese words for where each stands.

A filing is in the queue when it has a failed error-level check, a failed warning of a rule the reviewers always
want to see (a mandated table not printed, a 决算 quoting a 年初预算 other than the published budget), or its
outlier score reaches the configured threshold (configs/review.toml [queue]); every such filing, whatever the
review budget. The desk, the static
report, `budgetml review --list` and `budgetml evaluate` (queue recall) all use `in_queue`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml.layout import dataset_path
from budgetml.review_store import REVIEW_CONFIG_PATH, STATUS_LABELS, ReviewState
from budgetml.schema import CHECKS

PENDING = "pending"
# A filing's queue status: its latest filing-level decision, or pending (待复核) without one.
QUEUE_STATUS_LABELS = {PENDING: "待复核", **STATUS_LABELS}


@dataclass(frozen=True)
class QueueSettings:
    """configs/review.toml [queue]: who is in the queue and how much the desk and the report show at once."""

    min_outlier_score: float = 0.45
    warning_rules: tuple[str, ...] = ()
    page_size: int = 50
    report_inline_crops: int = 20
    report_full_sections: int = 100


def load_queue_settings(path: Path = REVIEW_CONFIG_PATH) -> QueueSettings:
    """The [queue] table of configs/review.toml (a missing key keeps its default)."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("queue", {})
    values = {k: raw[k] for k in QueueSettings.__dataclass_fields__ if k in raw}
    if "warning_rules" in values:
        values["warning_rules"] = tuple(values["warning_rules"])
    return QueueSettings(**values)


def warned_filings(out_dir: Path, settings: QueueSettings) -> list[str]:
    """The filings of out_dir with a failed check of one of the queue's warning rules."""
    path = dataset_path(out_dir, CHECKS)
    if not settings.warning_rules or not path.exists():
        return []
    failed = pl.scan_parquet(path, glob=False).filter(
        pl.col("is_passed").not_(), pl.col("rule_id").is_in(list(settings.warning_rules))
    )
    return failed.select(pl.col("filing_id").unique()).collect()["filing_id"].to_list()


def in_queue(settings: QueueSettings, warned: Sequence[str] = ()) -> pl.Expr:
    """Over anomalies.parquet: true for a filing with a failed error-level check, among `warned` (warned_filings),
    or with an outlier score at the threshold."""
    return (
        (pl.col("n_errors") > 0)
        | (pl.col("score") >= settings.min_outlier_score)
        | pl.col("filing_id").is_in(pl.Series(list(warned), dtype=pl.String).implode())
    )


def in_review_queue(out_dir: Path, settings: QueueSettings | None = None) -> pl.Expr:
    """Over out_dir's anomalies.parquet: true for the filings of its review queue (in_queue, with the filings of
    out_dir warned by one of the queue's warning rules); settings default to configs/review.toml's."""
    settings = settings or load_queue_settings()
    return in_queue(settings, warned_filings(out_dir, settings))


def queue_status_of(state: ReviewState) -> str:
    """A filing's queue status from its review state (review_store.review_states): its latest filing-level
    decision, or pending."""
    return state.current.status if state.current else PENDING


def queue_order(status: str, rank: int) -> tuple[bool, int]:
    """Sort key of the queue (今日优先): the filings waiting for a decision first, then by rank."""
    return (status != PENDING, rank)


def queue_status(statuses: dict[str, str], filing_id: str) -> str:
    """The filing's queue status given filing_id → latest filing-level decision (review_store.latest_filing_statuses)."""
    return statuses.get(filing_id, PENDING)

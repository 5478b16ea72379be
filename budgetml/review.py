"""The reviewer's commands over an output folder: record a decision on one of its filings, list the review queue.

Decisions are kept in the review store (budgetml/review_store.py); this module finds the filing a
reviewer names in the datasets and checks that a rule they name has findings for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml.layout import dataset_path
from budgetml.review_queue import QUEUE_STATUS_LABELS, QueueSettings, in_review_queue, queue_order, queue_status_of
from budgetml.review_store import Decision, ReviewError, all_decisions, default_store_path, record, review_states
from budgetml.schema import ANOMALIES, CHECKS, FILINGS

# The shortest filing_id prefix accepted on the command line: 8 hex digits leave a collision among
# 10,000 filings at about one in 800,000.
MIN_PREFIX = 8


def find_filing(out_dir: Path, filing_id: str) -> dict:
    """The filings.parquet row whose filing_id is `filing_id` or starts with it (at least 8 hex digits)."""
    path = dataset_path(out_dir, FILINGS)
    if not path.exists():
        raise ReviewError(f"{out_dir} 中没有 {FILINGS.file_name}：请先运行 budgetml parse")
    prefix = filing_id.strip().lower()
    if len(prefix) < MIN_PREFIX:
        raise ReviewError(f"文件编号（filing_id）至少写前 {MIN_PREFIX} 位")
    matches = pl.read_parquet(path, glob=False).filter(pl.col("filing_id").str.starts_with(prefix)).to_dicts()
    if not matches:
        raise ReviewError(f"{path} 中没有编号以 {prefix} 开头的文件")
    if len({m["filing_id"] for m in matches}) > 1:
        raise ReviewError(f"编号 {prefix} 对应多个文件，请多写几位：" + "、".join(m["filing_id"][:16] for m in matches))
    return matches[0]


def record_decision(
    out_dir: Path,
    filing_id: str,
    status: str,
    note: str,
    by: str,
    rule_id: str | None = None,
    store: Path | None = None,
) -> Decision:
    """Record a decision about a filing of out_dir (filing_id or a unique prefix of it)."""
    filing = find_filing(out_dir, filing_id)
    if rule_id is not None:
        checks_path = dataset_path(out_dir, CHECKS)
        if checks_path.exists():
            known = set(
                pl.read_parquet(checks_path, glob=False, columns=["filing_id", "rule_id"]).filter(
                    pl.col("filing_id") == filing["filing_id"]
                )["rule_id"]
            )
            if rule_id not in known:
                raise ReviewError(f"该文件没有规则 {rule_id} 的检查结果（可用：{'、'.join(sorted(known)) or '无'}）")
    return record(store or default_store_path(), filing, status, note, by, rule_id)


@dataclass(frozen=True)
class QueueItem:
    """A filing of the review queue (budgetml/review_queue.py) and where its review stands."""

    rank: int
    filing_id: str
    region: str | None
    department: str | None
    year: int | None
    priority: float
    reasons: tuple[str, ...]
    older_versions: tuple[Decision, ...]
    status: str  # pending or the latest filing-level decision

    @property
    def status_label(self) -> str:
        """The status in Chinese (待复核, 已确认, 已排除, 需补充材料)."""
        return QUEUE_STATUS_LABELS[self.status]


def review_queue(out_dir: Path, store: Path | None = None, settings: QueueSettings | None = None) -> list[QueueItem]:
    """Every filing of the review queue of out_dir with its status: the ones waiting for a decision first, by rank."""
    path = dataset_path(out_dir, ANOMALIES)
    if not path.exists():
        raise ReviewError(f"{out_dir} 中没有 {ANOMALIES.file_name}：请先运行 budgetml score")
    queued = pl.read_parquet(path, glob=False).filter(in_review_queue(out_dir, settings)).sort("rank").to_dicts()
    states = review_states(all_decisions(store or default_store_path()), queued)
    items = [
        QueueItem(
            a["rank"],
            a["filing_id"],
            a["region"],
            a["department"],
            a["year"],
            a["priority"],
            tuple(a["reasons"]),
            states[a["filing_id"]].older_versions,
            queue_status_of(states[a["filing_id"]]),
        )
        for a in queued
    ]
    return sorted(items, key=lambda item: queue_order(item.status, item.rank))

"""The review queue as the desk shows it: filtered, sorted and paged on the server, with each filing's status taken
from the review store at the moment of the request.

The default order is 今日优先: filings waiting for a decision first, by the scoring's priority rank (the review
budget's flags lead, configs/scoring.toml), then the decided ones. It is an order, never a filter: every filing
of the queue is on some page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

import polars as pl

from budgetml.desk.data import DeskData
from budgetml.findings import rule_texts
from budgetml.review_queue import PENDING, QUEUE_STATUS_LABELS, QueueSettings
from budgetml.reviewer_pages import DOC_KIND_LABELS

SORTS = {
    "priority": "今日优先",
    "score": "离群分数",
    "errors": "错误数",
    "department": "部门",
    "region": "地区",
    "year": "年度",
}
# Each sort's columns and its natural direction (descending for "more is worse").
_SORT_COLUMNS = {
    "score": (["score", "rank"], True),
    "errors": (["n_errors", "rank"], True),
    "department": (["department", "year"], False),
    "region": (["region", "department", "year"], False),
    "year": (["year", "rank"], True),
}
SEVERITIES = {"error": "有错误", "warning": "有警告", "outlier": "离群分数达到阈值"}


@dataclass(frozen=True)
class QueueQuery:
    """The filters, order and page a reviewer asked for (the query string of /)."""

    region: str = ""
    year: str = ""
    department_type: str = ""
    peer_group: str = ""
    doc_kind: str = ""
    severity: str = ""
    rule: str = ""
    status: str = ""
    q: str = ""
    sort: str = "priority"
    order: str = ""  # asc | desc; empty: the sort's natural direction
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueQuery:
        """A query from request parameters; unknown or malformed values fall back to no filter."""
        values = {f.name: str(params.get(f.name, "")).strip()[:200] for f in fields(cls) if f.name != "page"}
        if values["sort"] not in SORTS:
            values["sort"] = "priority"
        if values["order"] not in ("asc", "desc"):
            values["order"] = ""
        if values["status"] not in QUEUE_STATUS_LABELS:
            values["status"] = ""
        if values["severity"] not in SEVERITIES:
            values["severity"] = ""
        if values["year"] and not values["year"].isdigit():
            values["year"] = ""
        page = str(params.get("page", "1"))
        return cls(**values, page=int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1)

    def link(self, **changes: object) -> str:
        """The query string of this query with `changes` (page back to 1 unless given), defaults left out."""
        if "page" not in changes:
            changes["page"] = 1
        changed = replace(self, **changes)
        default = QueueQuery()
        pairs = {f.name: getattr(changed, f.name) for f in fields(self)}
        return urlencode({k: v for k, v in pairs.items() if v != getattr(default, k)})

    def sort_link(self, sort: str) -> str:
        """The link that sorts by `sort`, or flips the direction when it is already the sort."""
        if sort != self.sort:
            return self.link(sort=sort, order="")
        return self.link(order="asc" if self.descending else "desc")

    @property
    def descending(self) -> bool:
        natural = _SORT_COLUMNS.get(self.sort, ([], False))[1]
        return natural if not self.order else self.order == "desc"


@dataclass(frozen=True)
class Facets:
    """The values each filter offers (over the whole queue)."""

    regions: tuple[str, ...]
    years: tuple[int, ...]
    department_types: tuple[str, ...]
    peer_groups: tuple[str, ...]
    doc_kinds: tuple[tuple[str, str], ...]
    rules: tuple[tuple[str, str], ...]  # (rule_id, Chinese title)


@dataclass(frozen=True)
class QueuePage:
    """One page of the filtered, sorted queue."""

    rows: list[dict]
    n_matching: int
    n_queue: int
    page: int
    n_pages: int
    status_counts: dict[str, int]  # among the filings matching every filter but the status
    facets: Facets
    query: QueueQuery


def with_status(queue: pl.DataFrame, statuses: Mapping[str, str]) -> pl.DataFrame:
    """The queue with each filing's status (its latest filing-level decision, else pending)."""
    known = {fid: s for fid, s in statuses.items()}
    return queue.with_columns(
        pl.col("filing_id").replace_strict(known, default=PENDING, return_dtype=pl.String).alias("status")
    )


def filter_queue(
    frame: pl.DataFrame, query: QueueQuery, settings: QueueSettings, by_status: bool = True
) -> pl.DataFrame:
    """The filings matching every filter of `query` (the status filter only when by_status)."""
    conditions = []
    for column in ("region", "department_type", "peer_group", "doc_kind"):
        if value := getattr(query, column):
            conditions.append(pl.col(column) == value)
    if query.year:
        conditions.append(pl.col("year") == int(query.year))
    if query.rule:
        conditions.append(pl.col("rules").list.contains(query.rule))
    if query.severity == "outlier":
        conditions.append(pl.col("score") >= settings.min_outlier_score)
    elif query.severity:
        conditions.append(pl.col("severities").list.contains(query.severity))
    if query.q:
        conditions.append(pl.col("text").str.contains(query.q.lower(), literal=True))
    if by_status and query.status:
        conditions.append(pl.col("status") == query.status)
    return frame.filter(*conditions) if conditions else frame


def sort_queue(frame: pl.DataFrame, query: QueueQuery) -> pl.DataFrame:
    """The filings in the order asked for; 今日优先 puts the filings waiting for a decision first, by rank."""
    if query.sort == "priority":
        waiting_last = pl.col("status") != PENDING
        if query.order == "asc":  # reversed: the lowest priority first
            return frame.sort([waiting_last, "rank"], descending=[True, True], nulls_last=True)
        return frame.sort([waiting_last, "rank"], nulls_last=True)
    columns, _ = _SORT_COLUMNS[query.sort]
    return frame.sort(columns, descending=query.descending, nulls_last=True)


def facets(queue: pl.DataFrame) -> Facets:
    """The values present in the queue for each filter."""
    titles = rule_texts()

    def distinct(column: str) -> tuple:
        return tuple(sorted(v for v in queue[column].unique().to_list() if v is not None))

    rules = sorted({r for rs in queue["rules"].to_list() for r in rs or ()})
    return Facets(
        regions=distinct("region"),
        years=tuple(reversed(distinct("year"))),
        department_types=distinct("department_type"),
        peer_groups=distinct("peer_group"),
        doc_kinds=tuple((k, DOC_KIND_LABELS.get(k, k)) for k in distinct("doc_kind")),
        rules=tuple((r, titles[r].title if r in titles else r) for r in rules),
    )


def queue_page(data: DeskData, statuses: Mapping[str, str], query: QueueQuery, settings: QueueSettings) -> QueuePage:
    """The page of the queue `query` asks for, with statuses from the review store as they are now."""
    frame = with_status(data.queue, statuses)
    unfiltered_by_status = filter_queue(frame, query, settings, by_status=False)
    counts = dict(unfiltered_by_status.group_by("status").len().iter_rows())
    matching = sort_queue(filter_queue(unfiltered_by_status, query, settings), query)
    n_pages = max(1, math.ceil(matching.height / settings.page_size))
    page = min(query.page, n_pages)
    rows = matching.slice((page - 1) * settings.page_size, settings.page_size).to_dicts()
    return QueuePage(
        rows=rows,
        n_matching=matching.height,
        n_queue=data.queue.height,
        page=page,
        n_pages=n_pages,
        status_counts={s: counts.get(s, 0) for s in QUEUE_STATUS_LABELS},
        facets=facets(data.queue),
        query=query,
    )


def matching_filings(
    data: DeskData, statuses: Mapping[str, str], query: QueueQuery, settings: QueueSettings
) -> pl.DataFrame:
    """Every filing matching `query`, in its order (for the exports)."""
    return sort_queue(filter_queue(with_status(data.queue, statuses), query, settings), query)

"""What the reviewer's two pages (the static report and the review desk) render with.

The Chinese words for a filing's document kind and parse status, the filing columns both read, the number
format, a filing's deviations from its peers as shown, and the Jinja settings both use (every text from a PDF
is escaped; an undefined name is an error, not a blank).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from budgetml.feature_declarations import FEATURES_BY_NAME

DOC_KIND_LABELS = {"budget": "预算", "final_account": "决算"}
FILING_STATUS_LABELS = {"ok": "成功", "partial": "部分成功", "failed": "失败"}
# The filings.parquet columns both pages read about every filing (their figures besides).
FILING_COLUMNS = (
    "filing_id",
    "source_path",
    "status",
    "error",
    "doc_kind",
    "region",
    "department",
    "department_id",
    "year",
)


@dataclass(frozen=True)
class Deviation:
    """A feature that sets a filing apart from its peers, as the pages show it."""

    label: str
    unit: str
    value: float | None
    peer_median: float | None
    robust_z: float


def deviations_shown(rows: Iterable[dict]) -> tuple[Deviation, ...]:
    """anomalies.deviations entries of declared features, with their Chinese titles and units."""
    return tuple(
        Deviation(
            FEATURES_BY_NAME[d["feature"]].title,
            FEATURES_BY_NAME[d["feature"]].unit or "",
            d["value"],
            d["peer_median"],
            d["robust_z"],
        )
        for d in rows
        if d["feature"] in FEATURES_BY_NAME
    )


def format_number(value: float | None, digits: int = 2) -> str:
    """A figure with thousands separators; — when absent."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:,.{digits}f}"


def page_environment(templates: Path) -> jinja2.Environment:
    """A Jinja environment over `templates` with the pages' shared settings and the `number` filter."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    env.globals.update(doc_kind_labels=DOC_KIND_LABELS, filing_status_labels=FILING_STATUS_LABELS)
    return env

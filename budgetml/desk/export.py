"""The filtered queue and its findings as CSV (UTF-8 with BOM, opens in Excel) or XLSX: one row per failed finding,
one row for a filing in the queue for its outlier score alone; each row names the evidence pages and links to
the filing's page on the desk.

Text from PDFs is never a formula: a cell that would start with = + - @ (or a tab or carriage return) gets a
leading apostrophe, so a department name cannot run anything in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from budgetml.desk.data import DeskData
from budgetml.findings import findings_by_filing
from budgetml.review_queue import QUEUE_STATUS_LABELS
from budgetml.reviewer_pages import DOC_KIND_LABELS

HEADER = (
    "排名",
    "地区",
    "部门",
    "年度",
    "文件类型",
    "复核状态",
    "离群分数",
    "优先级",
    "同类组",
    "规则编号",
    "规则",
    "级别",
    "说明",
    "应为",
    "填列",
    "相差",
    "单位",
    "证据页码",
    "链接",
    "文件编号",
    "原文件",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    """A value as a spreadsheet cell: numbers as they are, text never read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(data: DeskData, filings: pl.DataFrame, base_url: str) -> Iterator[tuple]:
    """One tuple per finding of each filing (in the frame's order), as HEADER names them."""
    by_filing = findings_by_filing(data.failed.filter(pl.col("filing_id").is_in(filings["filing_id"].to_list())))
    for f in filings.iter_rows(named=True):
        link = f"{base_url}/filing/{f['filing_id']}"
        common = (
            f["rank"],
            f["region"] or "",
            f["department"] or "",
            f["year"],
            DOC_KIND_LABELS.get(f["doc_kind"], f["doc_kind"] or ""),
            QUEUE_STATUS_LABELS.get(f["status"], f["status"]),
            round(f["score"], 4) if f["score"] is not None else None,
            round(f["priority"], 4) if f["priority"] is not None else None,
            f["peer_group"] or "",
        )
        findings = by_filing.get(f["filing_id"], [])
        if not findings:
            reasons = "；".join(f["reasons"] or [])
            yield (*common, "", "离群", "", reasons, None, None, None, "", "", link, f["filing_id"], f["source_path"])
            continue
        for finding in findings:
            yield (
                *common,
                finding.rule_id,
                finding.title,
                finding.severity_label,
                finding.message,
                finding.expected,
                finding.actual,
                finding.diff,
                finding.unit,
                "、".join(str(p) for p in finding.first_pages),
                f"{link}#{finding.finding_id}",
                f["filing_id"],
                f["source_path"],
            )


def to_csv(rows: Iterator[tuple]) -> bytes:
    """The rows under HEADER as CSV, UTF-8 with a byte-order mark so that Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: object) -> object:
    value = safe_text(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_xlsx(rows: Iterator[tuple], filters: Mapping[str, str]) -> bytes:
    """The rows under HEADER as an XLSX workbook (sheet 复核队列), with the filters it was exported with."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("复核队列")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    about = workbook.create_sheet("筛选条件")
    about.append(("条件", "值"))
    for key, value in filters.items():
        about.append((_cell(key), _cell(value)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Hand-made output folders for the feature, scoring, report and review tests: rows with known values, written with the declared schemas."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from budgetml import datasets
from budgetml.identity import department_id
from budgetml.normalise import squash
from budgetml.quality import quality_of
from budgetml.regions import region_code
from budgetml.schema import (
    CHECKS,
    CLAIMS,
    FILINGS,
    FORM_CELLS,
    HEADLINE_FIGURES,
    LINE_ITEMS,
    NARRATIVE,
    TABLES,
    cell_id,
)

# The filings columns only a 决算 fills (null for a budget).
FINAL_ACCOUNT_FIGURES = (
    "income_grand_total",
    "carryover_begin",
    "carryover_end",
    "fiscal_grant_total",
    "general_budget_expenditure",
)
WUHAN_TABLES = [
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_grant_summary",
    "general_budget_by_function",
    "general_budget_by_unit",
    "basic_expenditure_by_economic",
    "sangong",
    "gov_fund",
    "state_capital",
    "projects",
    "performance_overall",
    "performance_project",
]
SHANGHAI_TABLES = [
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_grant_summary",
    "general_budget_by_function",
    "gov_fund",
    "state_capital",
    "basic_expenditure_by_economic",
    "sangong",
]


def fid(text: str) -> str:
    """A filing_id for a made-up file: the SHA-256 of some text, as the parser would hash bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def filing(
    filing_id: str,
    department: str,
    year: int,
    region: str = "武昌区",
    total: float = 1000.0,
    basic: float = 600.0,
    project: float = 400.0,
    personnel: float = 480.0,
    public: float = 120.0,
    sangong: float | None = 6.0,
    tables: list[str] | None = None,
    source_path: str | None = None,
    status: str = "ok",
) -> dict:
    return {
        "filing_id": filing_id,
        "source_path": source_path or f"/data/{region}/{department}-{year}.pdf",
        "status": status,
        "error": None if status == "ok" else "部分表格无法转换",
        "doc_kind": "budget",
        "scope": "department",
        "region": region,
        "department": department,
        "parent_department": None,
        "year": year,
        "n_pages": 30,
        "tables_found": WUHAN_TABLES if tables is None else tables,
        # headline figures in 万元 under their plain names; filings_row() turns them into the published columns
        "total_income": total,
        "total_expenditure": total,
        "basic_expenditure": basic,
        "project_expenditure": project,
        "personnel_expenditure": personnel,
        "public_expenditure": public,
        "sangong_total": sangong,
        **dict.fromkeys(FINAL_ACCOUNT_FIGURES),  # a budget prints none of the 决算's own figures
        "parser_version": "test",
    }


def filings_row(row: dict) -> dict:
    """A filing() row as filings.parquet has it: headline figures as *_yuan (exact) and *_wan, keys and quality."""
    row = dict(row)
    for name, _ in HEADLINE_FIGURES:
        if name in row:
            wan = row.pop(name)
            row[f"{name}_wan"] = wan
            row[f"{name}_yuan"] = None if wan is None else Decimal(str(wan)) * 10000
    row.setdefault("region_code", region_code(row["region"]))
    row.setdefault("department_id", department_id(row["region"], row["department"]))
    row.setdefault("quality", quality_of(row["status"], None, None))
    row.setdefault("n_error_findings", None)
    return row


def item(
    filing_id: str,
    table_id: str,
    row_index: int,
    column: str,
    value_wan: float,
    label: str = "",
    code: str | None = None,
    page: int = 5,
) -> dict:
    amount = Decimal(str(value_wan)) * 10000
    table_index = {"sangong": 7, "general_budget_by_unit": 5, "income_summary": 1, "projects": 10}.get(table_id, 2)
    return {
        "cell_id": cell_id(filing_id, table_index, row_index, 1),
        "filing_id": filing_id,
        "table_index": table_index,
        "table_id": table_id,
        "table_title": table_id,
        "page": page,
        "row_index": row_index,
        "row_label": label,
        "row_label_squashed": squash(label),
        "code": code,
        "column_index": 1,
        "column_name": column,
        "column_header": column,
        "amount_wan": value_wan,
        "amount_yuan": amount,
        "unit": "万元",
        "decimals": 2,
        "raw": f"{value_wan:.2f}",
        "bbox": [10.0, 20.0, 60.0, 30.0],
        "year": None,
    }


def cell(
    filing_id: str,
    title: str,
    row: int,
    column: int,
    text: str,
    table_id: str = "performance_project",
    table_index: int = 12,
    page: int = 20,
) -> dict:
    return {
        "cell_id": cell_id(filing_id, table_index, row, column),
        "filing_id": filing_id,
        "table_index": table_index,
        "table_id": table_id,
        "table_title": title,
        "unit": None,
        "page": page,
        "row_index": row,
        "column_index": column,
        "colspan": 1,
        "text": text,
        "bbox": [10.0 * column, 20.0 * row, 10.0 * column + 9, 20.0 * row + 19],
        "year": None,
    }


def form(filing_id: str, title: str, rows: list[list[str]], **kw) -> list[dict]:
    """A form's cells from rows of texts (empty strings are blank cells, left out)."""
    return [
        cell(filing_id, title, r, c, text, **kw) for r, texts in enumerate(rows) for c, text in enumerate(texts) if text
    ]


def claim(
    filing_id: str,
    index: int,
    subject: str,
    amount: str,
    delta: str | None = None,
    compare_year: int | None = None,
    prev_amount: str | None = None,
) -> dict:
    return {
        "filing_id": filing_id,
        "claim_index": index,
        "page": 40,
        "section": "一、收支预算总体安排情况",
        "heading_path": "一、收支预算总体安排情况",
        "claim_scope": "department",
        "sentence": f"{subject}{amount}万元",
        "subject": subject,
        "code": None,
        "item_names": [],
        "amount": Decimal(amount),
        "amount_yuan": Decimal(amount) * 10000,
        "unit": "万元",
        "compare_year": compare_year,
        "compare_basis": "预算" if compare_year else None,
        "delta": Decimal(delta) if delta is not None else None,
        "delta_yuan": Decimal(delta) * 10000 if delta is not None else None,
        "change_pct": None,
        "share_pct": None,
        "prev_amount": Decimal(prev_amount) if prev_amount is not None else None,
        "prev_amount_yuan": Decimal(prev_amount) * 10000 if prev_amount is not None else None,
        **dict.fromkeys(  # 决算 wording only
            ("initial_budget", "initial_budget_yuan", "completion_pct", "budget_relation", "share_of")
        ),
    }


def finding(
    filing_id: str,
    rule_id: str,
    index: int = 0,
    severity: str = "error",
    passed: bool | None = False,
    message: str = "合计行应等于各项之和",
    pages: tuple[int, ...] = (6,),
    expected: float = 100.0,
    actual: float = 90.0,
) -> dict:
    return {
        "filing_id": filing_id,
        "rule_id": rule_id,
        "finding_index": index,
        "severity": severity,
        "is_passed": passed,
        "subject": "合计",
        "expected": expected,
        "actual": actual,
        "diff": actual - expected,
        "tolerance": 0.01,
        "unit": "万元",
        "expected_yuan": Decimal(str(expected)) * 10000,
        "actual_yuan": Decimal(str(actual)) * 10000,
        "diff_yuan": (Decimal(str(actual)) - Decimal(str(expected))) * 10000,
        "tolerance_yuan": Decimal(100),
        "message": message,
        "pages": list(pages),
        "bboxes": [[10.0, 20.0, 60.0, 30.0] for _ in pages],
        "cell_ids": [None for _ in pages],
        "finding_id": f"{rule_id}:{index}",
        "caused_by_id": None,
        "matched_scope": None,
    }


def write_output(
    out_dir: Path,
    filings: list[dict],
    items: list[dict] = (),
    cells: list[dict] = (),
    claims: list[dict] = (),
    checks: list[dict] | None = None,
) -> Path:
    """Write the parse (and, when `checks` is given, check) datasets of an output folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for dataset, rows in (
        (FILINGS, [filings_row(f) for f in filings]),
        (LINE_ITEMS, list(items)),
        (FORM_CELLS, list(cells)),
        (CLAIMS, list(claims)),
        (NARRATIVE, []),
        (TABLES, []),
    ):
        datasets.write_table(dataset, datasets.rows_to_table(dataset, rows), out_dir)
    if checks is not None:
        datasets.write_table(CHECKS, datasets.rows_to_table(CHECKS, checks), out_dir)
    return out_dir


def peer_corpus(n_departments: int = 24, years: tuple[int, ...] = (2024, 2025), region: str = "武昌区") -> list[dict]:
    """Filings of ordinary departments of one type (教育局 in several districts), figures varying smoothly with d and year."""
    rows = []
    for d in range(n_departments):
        for y, year in enumerate(years):
            total = (800.0 + 37.0 * d) * (1.0 + 0.03 * y + 0.004 * (d % 5))
            project = total * (0.30 + 0.004 * (d % 7))
            basic = total - project
            personnel = basic * (0.80 + 0.005 * (d % 9))
            rows.append(
                filing(
                    fid(f"{d}-{year}"),
                    f"第{d}区教育局",
                    year,
                    region=f"区{d}",
                    total=round(total, 2),
                    basic=round(basic, 2),
                    project=round(project, 2),
                    personnel=round(personnel, 2),
                    public=round(basic - personnel, 2),
                    sangong=round(total * (0.0020 + 0.0001 * (d % 4)), 2),
                    tables=SHANGHAI_TABLES,
                )
            )
    return rows

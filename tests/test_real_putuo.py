"""The real published Shanghai PDF (上海市普陀区司法局 2026): every table identified, totals exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

# 2026年部门支出预算总表 (pages 12–13), code → 合计 exactly as printed, in 元.
EXPENDITURE_TOTALS = {
    "204": "87267272.44",
    "20406": "87267272.44",
    "2040601": "16726725.44",
    "2040604": "21703947.00",
    "2040605": "1242900.00",
    "2040607": "6860000.00",
    "2040613": "2278800.00",
    "2040699": "38454900.00",
    "208": "3343704.00",
    "20805": "3343704.00",
    "2080501": "578040.00",
    "2080505": "1839485.00",
    "2080506": "919739.00",
    "2080599": "6440.00",
    "210": "1149678.00",
    "21011": "1149678.00",
    "2101101": "1149678.00",
    "221": "4521559.00",
    "22102": "4521559.00",
    "2210201": "2087959.00",
    "2210203": "2433600.00",
}

# Each table's total row as printed: (table_id, row label, column) → amount in the table's unit.
TABLE_TOTALS = {
    ("income_expenditure_summary", "收入总计", "income"): "96,282,213.44",
    ("income_expenditure_summary", "支出总计", "expenditure"): "96,282,213.44",
    ("income_summary", "合计", "total"): "96282213.44",
    ("income_summary", "合计", "fiscal_grant"): "96282213.44",
    ("expenditure_summary", "合计", "total"): "96282213.44",
    ("expenditure_summary", "合计", "basic"): "25741666.44",
    ("expenditure_summary", "合计", "project"): "70540547.00",
    ("fiscal_grant_summary", "收入总计", "income"): "96,282,213.44",
    ("fiscal_grant_summary", "支出总计", "expenditure"): "96,282,213.44",
    ("general_budget_by_function", "合计", "total"): "96282213.44",
    ("general_budget_by_function", "合计", "basic"): "25741666.44",
    ("general_budget_by_function", "合计", "project"): "70540547.00",
    ("basic_expenditure_by_economic", "合计", "total"): "25741666.44",
    ("basic_expenditure_by_economic", "合计", "personnel"): "23563342.00",
    ("basic_expenditure_by_economic", "合计", "public"): "2178324.44",
}

SANGONG_WAN = {
    "sangong_total": "10.81",
    "overseas": "0",
    "reception": "0.83",
    "vehicle_total": "9.98",
    "vehicle_purchase": "0",
    "vehicle_operation": "9.98",
    "admin_operation": "217.83",
}


def items_of(parsed, table_id):
    return [item for _, item in parsed.items if item.table_id == table_id]


def test_all_nine_tables_identified(putuo_parsed):
    assert putuo_parsed.status == "ok", putuo_parsed.error
    assert [t.table_id for t in putuo_parsed.tables] == [
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


def test_tables_continued_over_pages_are_stitched(putuo_parsed):
    pages = {t.table_id: t.pages for t in putuo_parsed.tables}
    assert pages["expenditure_summary"] == (12, 13)  # continued without a repeated header
    assert pages["general_budget_by_function"] == (15, 16)  # continued with the header repeated
    assert pages["basic_expenditure_by_economic"] == (19, 20)
    function_rows = [i for i in items_of(putuo_parsed, "general_budget_by_function") if i.column == "total"]
    assert len(function_rows) == 22  # 21 coded rows + 合计: the repeated header added no rows


def test_expenditure_table_code_to_total_exact(putuo_parsed):
    found = {
        i.code: i.amount_yuan for i in items_of(putuo_parsed, "expenditure_summary") if i.column == "total" and i.code
    }
    assert found == {code: Decimal(v) for code, v in EXPENDITURE_TOTALS.items()}


def test_table_totals_exact(putuo_parsed):
    for (table_id, label, column), raw in TABLE_TOTALS.items():
        matches = [
            i for i in items_of(putuo_parsed, table_id) if i.row_label.replace(" ", "") == label and i.column == column
        ]
        assert [i.raw for i in matches] == [raw], (table_id, label, column)
        assert matches[0].unit == "元"
        assert matches[0].amount_yuan == Decimal(raw.replace(",", ""))


def test_sangong_table_in_wan(putuo_parsed):
    items = {i.column: i for i in items_of(putuo_parsed, "sangong")}
    assert {k: v.raw for k, v in items.items()} == SANGONG_WAN
    assert items["sangong_total"].unit == "万元"
    assert items["sangong_total"].amount_yuan == Decimal("108100")


def test_empty_tables_keep_their_note(putuo_parsed):
    gov_fund = next(t for t in putuo_parsed.tables if t.table_id == "gov_fund")
    assert items_of(putuo_parsed, "gov_fund") == []
    assert any("空表" in note for note in gov_fund.notes)


def test_headline_figures(putuo_parsed):
    headlines = putuo_parsed.headlines
    assert headlines["total_expenditure"] == Decimal("96282213.44")
    assert headlines["total_income"] == Decimal("96282213.44")
    assert headlines["sangong_total"] == Decimal("108100.00")
    assert headlines["basic_expenditure"] == Decimal("25741666.44")
    assert headlines["project_expenditure"] == Decimal("70540547.00")
    assert headlines["personnel_expenditure"] == Decimal("23563342.00")
    assert headlines["public_expenditure"] == Decimal("2178324.44")


def test_filing_metadata(putuo_parsed):
    meta = putuo_parsed.meta
    assert (meta.region, meta.department, meta.year, meta.doc_kind, meta.scope) == (
        "上海市普陀区",
        "上海市普陀区司法局",
        2026,
        "budget",
        "department",
    )


def test_filing_row_in_wan(putuo_parsed):
    from budgetml.parse import filing_row

    row = filing_row(putuo_parsed)
    assert round(row["total_expenditure_wan"], 2) == 9628.22
    assert row["total_expenditure_yuan"] == Decimal("96282213.44")
    assert row["sangong_total_wan"] == pytest.approx(10.81, abs=1e-9)
    assert (row["region_code"], row["department_id"] is not None) == ("310107", True)
    assert row["n_pages"] == 23


def test_every_item_traceable(putuo_parsed):
    for _, item in putuo_parsed.items:
        x0, top, x1, bottom = item.bbox
        assert 0 <= x0 < x1 <= 842 and 0 <= top < bottom <= 595
        assert 10 <= item.page <= 21


def test_narrative_sections_with_pages(putuo_parsed):
    sections = {(s.section, s.page) for s in putuo_parsed.narrative}
    assert ("2026年部门预算编制说明", 8) in sections
    text = "".join(s.text for s in putuo_parsed.narrative if s.page == 22)
    assert "2026年“三公”经费预算数为10.81万元" in text


def test_real_inconsistencies_are_found(tmp_path):
    from tests.conftest import PUTUO_PDF

    if not PUTUO_PDF.exists():
        pytest.skip("real PDF not available")
    import polars as pl

    from budgetml.checks.rulebook import check_output
    from budgetml.parse import parse_to_datasets

    parse_to_datasets([PUTUO_PDF], tmp_path)
    checks = pl.read_parquet(check_output(tmp_path)["checks"])
    failed = checks.filter(pl.col("is_passed").not_())
    messages = "\n".join(failed["message"].to_list())
    # The 2026 budget compares with "2026年预算" (should be 2025).
    assert failed.filter(pl.col("rule_id") == "year.consistent").height >= 3
    # 住房公积金: the narrative says 201.50 万元 where the tables print 2,087,959.00 元.
    assert "说明称住房公积金 201.50 万元" in messages
    # Every table-internal identity of the real filing holds.
    internal = failed.filter(pl.col("rule_id").str.starts_with("table.") | pl.col("rule_id").str.starts_with("cross."))
    assert internal.height == 0, internal["message"].to_list()


def test_identified_by_content_without_doubt(putuo_parsed):
    """Each table clearly ahead of its runner-up (收支总表 and 财政拨款收支总表 are the closest pair)."""
    for table in putuo_parsed.tables:
        found = table.identification
        assert found.candidate_id == table.table_id and found.confidence >= 0.95, table.title
        assert found.runner_up_confidence is None or found.confidence - found.runner_up_confidence >= 0.15


def test_captions_name_the_department_under_their_label(putuo_parsed):
    """Every table prints `编制部门：上海市普陀区司法局  单位：元` (the 三公 table `单位:万元`), continued pages included."""
    captions = {(t.department_printed, t.department_label, t.unit_source) for t in putuo_parsed.tables}
    assert captions == {("上海市普陀区司法局", "编制部门", "caption")}
    assert putuo_parsed.meta.parent_department is None

"""The two real Shanghai 部门决算 PDFs (2024 final accounts): nine tables identified, headline figures as printed, and
exactly the findings a reader of the PDF agrees with.

Both PDFs were read page by page to decide the findings (docs/benchmarks.md lists them):
- 财政局 p. 21, section 四 states 财政拨款收入支出总计0.3万元 where 财政拨款收入支出决算总表 prints 2,961.68;
- 财政局 p. 21, section 五(二) gives 一般公共服务支出（类）2106.66万元 as 71.73% of 2940.05 (it is 71.65%);
- 规划和自然资源局 p. 24, section 六 states 一般公共预算财政拨款基本支出5377.64万元 and 人员经费4896.98万元, the
  all-funds figures of 支出决算表, where 一般公共预算财政拨款基本支出决算表 prints 5364.75 and 4884.09.
Everything else the rules compare agrees within rounding (1-cent differences between summaries and detail
tables, 99.86% printed for 99.868%, 95.45% for 95.457%: truncated, not wrong).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from budgetml.layout import dataset_path
from tests.conftest import SHARED
from tests.test_identify import FINAL_ACCOUNT_TITLES

FINAL_ACCOUNTS = {
    "sh-putuo-caizhengju-2024-final-account.pdf": "上海市普陀区财政局",
    "sh-putuo-ghzyj-2024-final-account.pdf": "上海市普陀区规划和自然资源局",
}
# Headline figures in 万元 as printed (None: the cell is blank — 财政局 prints no 三公 决算数 at all).
HEADLINES = {
    "上海市普陀区财政局": {
        "total_income": "2946.25",
        "total_expenditure": "2940.05",
        "basic_expenditure": "2336.91",
        "project_expenditure": "603.14",
        "personnel_expenditure": "2152.26",
        "public_expenditure": "184.65",
        "sangong_total": None,
        "income_grand_total": "2995.39",
        "carryover_begin": "49.14",
        "carryover_end": "55.34",
        "fiscal_grant_total": "2961.68",
        "general_budget_expenditure": "2940.05",
    },
    "上海市普陀区规划和自然资源局": {
        "total_income": "9746.50",
        "total_expenditure": "9759.38",
        "basic_expenditure": "5377.64",
        "project_expenditure": "4381.74",
        "personnel_expenditure": "4884.09",
        "public_expenditure": "480.66",
        "sangong_total": "0.39",
        "income_grand_total": "9859.38",
        "carryover_begin": "112.88",
        "carryover_end": "100.00",
        "fiscal_grant_total": "9746.50",
        "general_budget_expenditure": "9746.50",
    },
}
# The failed checks a reader of each PDF agrees with: (rule, subject), in rule order.
FINDINGS = {
    "上海市普陀区财政局": [
        ("final.narrative_amount", "财政拨款收入支出总计"),
        ("final.narrative_share", "一般公共服务支出（类）"),
    ],
    "上海市普陀区规划和自然资源局": [
        ("final.narrative_amount", "一般公共预算财政拨款基本支出"),
        ("final.narrative_amount", "人员经费"),
    ],
}


def pdf_path(name: str):
    path = SHARED / "real" / name
    if not path.exists():
        pytest.skip(f"real PDF not available at {path}")
    return path


@pytest.fixture(scope="module", params=sorted(FINAL_ACCOUNTS))
def final_account(request):
    from budgetml.parse import parse_file

    path = pdf_path(request.param)
    return path, FINAL_ACCOUNTS[request.param], parse_file(path)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Both PDFs parsed and checked in one output folder."""
    from budgetml.checks.rulebook import check_output
    from budgetml.parse import parse_to_datasets

    paths = [pdf_path(name) for name in sorted(FINAL_ACCOUNTS)]
    out = tmp_path_factory.mktemp("final-accounts")
    parse_to_datasets(paths, out)
    check_output(out)
    filings = pl.read_parquet(dataset_path(out, "filings"))
    department_of = dict(zip(filings["filing_id"], filings["department"]))
    return out, department_of


def test_metadata(final_account):
    _, department, parsed = final_account
    meta = parsed.meta
    assert (meta.region, meta.department, meta.year, meta.doc_kind, meta.scope) == (
        "上海市普陀区",
        department,
        2024,
        "final_account",
        "department",
    )


def test_nine_tables_identified_with_their_ids_titles_and_unit(final_account):
    _, _, parsed = final_account
    assert parsed.status == "ok", parsed.error
    titled = [t for t in parsed.tables if t.title]
    assert [(t.title, t.table_id) for t in titled] == list(
        FINAL_ACCOUNT_TITLES.items()
    )  # the nine tables, in the template's order
    assert all(t.unit == "万元" and t.unit_source == "caption" for t in titled)
    assert all(t.identification.confidence >= 0.9 for t in titled)


def test_headline_figures_as_printed(final_account):
    from budgetml.parse import filing_row

    _, department, parsed = final_account
    expected = HEADLINES[department]
    assert {k: v / 10000 if v is not None else None for k, v in parsed.headlines.items()} == {
        k: Decimal(v) if v is not None else None for k, v in expected.items()
    }
    row = filing_row(parsed)
    assert row["doc_kind"] == "final_account"
    assert all(row[f"{k}_wan"] == (float(v) if v is not None else None) for k, v in expected.items())
    assert all(row[f"{k}_yuan"] == (Decimal(v) * 10000 if v is not None else None) for k, v in expected.items())


def test_empty_fund_tables_are_present_and_empty_with_their_note(final_account):
    _, _, parsed = final_account
    counts = {}
    for index, _ in parsed.items:
        counts[index] = counts.get(index, 0) + 1
    for k, table in enumerate(parsed.tables):
        if table.table_id in ("final_gov_fund", "final_state_capital"):
            assert counts.get(k, 0) == 0
            assert any("无数据" in note for note in table.notes)


def test_two_sided_tables_keep_each_sides_label_and_code(final_account):
    """The economic table prints a code and a name on each side; a row whose left side is blank keeps its right side's."""
    _, department, parsed = final_account
    economic = {(i.code, i.column): i for _, i in parsed.items if i.table_id == "final_basic_by_economic" and i.code}
    assert all(len(code) in (3, 5) for code, _ in economic)
    assert all((column == "personnel") == (code[:3] in ("301", "303")) for code, column in economic)
    item = economic[("30204", "public")]  # 手续费, printed beside a blank 伙食补助费 in 财政局's
    assert item.row_label == "手续费"
    summary = [i for _, i in parsed.items if i.table_id == "final_income_expenditure_summary"]
    social = next(i for i in summary if i.row_label == "八、社会保障和就业支出")
    assert social.column == "expenditure"


def test_findings_are_exactly_those_a_reader_agrees_with(checked):
    out, department_of = checked
    checks = pl.read_parquet(dataset_path(out, "checks"))
    for filing_id, department in department_of.items():
        mine = checks.filter(pl.col("filing_id") == filing_id)
        failed = mine.filter(pl.col("is_passed").not_()).sort("rule_id", "finding_index")
        assert list(zip(failed["rule_id"], failed["subject"])) == FINDINGS[department], failed["message"].to_list()
        assert mine["is_passed"].null_count() == 0, mine.filter(pl.col("is_passed").is_null())["message"].to_list()
        # The rules did read the filing: every 决算 table rule passed somewhere.
        ran = set(mine.filter(pl.col("is_passed"))["rule_id"])
        assert {"final.summary_balance", "final.carryover", "final.cross_table", "final.narrative_execution"} <= ran
        assert not mine.filter(pl.col("rule_id").str.starts_with("completeness") & pl.col("is_passed").not_()).height


def test_the_section_four_total_finding_names_both_figures(checked):
    out, _ = checked
    checks = pl.read_parquet(dataset_path(out, "checks"))
    [row] = checks.filter((pl.col("subject") == "财政拨款收入支出总计") & pl.col("is_passed").not_()).to_dicts()
    assert (row["expected"], row["actual"], row["unit"]) == (2961.68, 0.3, "万元")
    assert row["message"].startswith("说明称财政拨款收入支出总计 0.30 万元，财政拨款收入支出决算总表为 2,961.68 万元")
    assert row["pages"] == [21, 13]


def test_budget_execution_from_the_final_accounts_alone(checked):
    """Without the departments' 预算 in the dataset, the 决算's own 年初预算 gives the execution rates."""
    out, department_of = checked
    rows = pl.read_parquet(dataset_path(out, "budget_execution"))
    finance = rows.filter(pl.col("department") == "上海市普陀区财政局")
    assert finance["budget_filing_id"].null_count() == finance.height
    general = finance.filter(pl.col("item") == "general_budget_expenditure").to_dicts()[0]
    assert (general["printed_budget_wan"], general["final_wan"], general["rate_basis"]) == (2993.92, 2940.05, "printed")
    assert general["execution_rate_pct"] == pytest.approx(98.2007, abs=1e-4)
    running = finance.filter(pl.col("code") == "2010601").to_dicts()[0]
    assert (running["printed_budget_wan"], running["final_wan"]) == (1560.05, 1511.89)
    sangong = finance.filter(pl.col("item") == "sangong_total").to_dicts()[0]
    assert (sangong["printed_budget_wan"], sangong["final_wan"], sangong["execution_rate_pct"]) == (0.95, None, None)
    planning = rows.filter(pl.col("department") == "上海市普陀区规划和自然资源局")
    sangong = planning.filter(pl.col("item") == "sangong_total").to_dicts()[0]
    assert sangong["execution_rate_pct"] == pytest.approx(0.39 / 2.85 * 100)

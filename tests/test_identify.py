"""Table identification by content: printed title variants, header evidence, ambiguity and document kinds."""

from __future__ import annotations

import pytest

from budgetml.catalog import load_catalog
from budgetml.identify import fold_title, identify, looks_like_title

CATALOG = load_catalog()

# Printed title variants → the canonical id. Both scopes (部门 / 单位 / 预算单位) map to the same ids.
TITLES = {
    "部门收支总表": "income_expenditure_summary",
    "2026年部门财务收支预算总表": "income_expenditure_summary",
    "2026年预算单位财务收支预算总表": "income_expenditure_summary",
    "2026 年 单位财务收支预算总表": "income_expenditure_summary",
    "表1 部门收支总表": "income_expenditure_summary",
    "2026年预算单位收入预算总表": "income_summary",
    "附表1-3 2026年部门支出预算总表（公开版）": "expenditure_summary",
    "上海市普陀区司法局2026年部门支出预算总表": "expenditure_summary",
    "3. 2026年预算单位财政拨款收支预算总表": "fiscal_grant_summary",
    "财政拨款收支总表": "fiscal_grant_summary",
    "一般公共预算支出表（分功能科目）": "general_budget_by_function",
    "2026年预算单位一般公共预算支出功能分类预算表": "general_budget_by_function",
    "一般公共预算支出表(分单位)": "general_budget_by_unit",
    "2026年预算单位一般公共预算基本支出部门预算经济分类预算表": "basic_expenditure_by_economic",
    "2026年预算单位“三公”经费和机关运行经费预算表": "sangong",
    '一般公共预算"三公"经费支出表': "sangong",
    "2026年预算单位政府性基金预算支出功能分类预算表": "gov_fund",
    "项目支出绩效目标表（计划管理经费）": "performance_project",
}

# The nine tables of a 部门决算 (Shanghai, 2024) and their ids: 决算 tables of their own, never budget tables.
FINAL_ACCOUNT_TITLES = {
    "收入支出决算总表": "final_income_expenditure_summary",
    "收入决算表": "final_income",
    "支出决算表": "final_expenditure",
    "财政拨款收入支出决算总表": "final_fiscal_grant_summary",
    "一般公共预算财政拨款支出决算表": "final_general_budget_by_function",
    "一般公共预算财政拨款基本支出决算表": "final_basic_by_economic",
    "财政拨款“三公”经费支出决算表": "final_sangong",
    "政府性基金预算财政拨款收入支出决算表": "final_gov_fund",
    "国有资本经营预算财政拨款收入支出决算表": "final_state_capital",
}


@pytest.mark.parametrize("printed, table_id", TITLES.items())
def test_printed_title_variants_identify_the_table(printed, table_id):
    found = identify(printed, "", "", CATALOG)
    assert found.table_id == table_id, found
    assert found.confidence >= CATALOG.identify.title_only_accept


@pytest.mark.parametrize(
    "printed, folded",
    [
        ("2026年预算单位财务收支预算总表", "财务收支预算总表"),
        ("附表1-12026年部门支出预算总表（公开版）", "支出预算总表"),
        ("表 3. 部门支出总表", "支出总表"),
        ("上海市普陀区司法局 2024 年度部门“三公”经费预算表", "三公经费预算表"),
        ("一般公共预算基本支出部门预算经济分类预算表", "一般公共预算基本支出部门预算经济分类预算表"),
    ],
)
def test_fold_title_keeps_only_the_words_that_name_the_table(printed, folded):
    assert fold_title(printed, CATALOG) == folded


@pytest.mark.parametrize("printed, table_id", FINAL_ACCOUNT_TITLES.items())
def test_final_account_titles_identify_final_account_tables_only(printed, table_id):
    """A 决算 title names its 决算 table; with a budget table's header words it still never names a budget table."""
    assert identify(printed, "", "", CATALOG).table_id == table_id
    found = identify(printed, "项目/功能分类科目编码/合计/基本支出/项目支出", "合计 收入总计 支出总计", CATALOG)
    assert found.candidate_id.startswith("final_")
    assert found.runner_up_id is None or found.runner_up_id.startswith("final_")
    spaced = identify(f"上海市普陀区财政局 2024 年度{printed}", "", "", CATALOG)
    assert spaced.table_id == table_id


def test_ambiguous_title_stays_unknown_with_its_runner_up():
    # "一般公共预算支出表" names neither 分功能科目 nor 分单位: a guess either way.
    found = identify("一般公共预算支出表", "", "", CATALOG)
    assert found.table_id is None
    assert found.candidate_id in {"general_budget_by_function", "general_budget_by_unit"}
    assert found.runner_up_id is not None and found.runner_up_confidence is not None


def test_header_words_decide_between_close_titles():
    # The same ambiguous title, but the header prints 单位编码/单位名称: the by-unit table.
    header = "单位编码 单位名称 合计 基本支出/小计 基本支出/人员经费 基本支出/公用经费 项目支出"
    assert identify("一般公共预算支出表", header, "合计", CATALOG).table_id == "general_budget_by_unit"


def test_unknown_table_keeps_low_confidence():
    found = identify("2026年部门政府采购预算表", "项目/采购品目/合计", "合计", CATALOG)
    assert found.table_id is None and found.confidence < CATALOG.identify.accept_confidence


def test_no_title_is_never_accepted_from_headers_alone():
    found = identify(None, "三公 因公出国(境)费 公务接待费 公务用车购置及运行费", "", CATALOG)
    assert found.table_id is None


def test_budget_titles_never_take_a_final_account_id():
    for printed in TITLES:
        found = identify(printed, "", "", CATALOG)
        assert found.candidate_id is None or not found.candidate_id.startswith("final_"), printed


@pytest.mark.parametrize(
    "text, expected",
    [("部门支出总表", True), ("项目支出绩效目标表(计划管理经费)", True), ("表3", False), ("单位：万元", False)],
)
def test_looks_like_title(text, expected):
    assert looks_like_title(text) is expected


def band(*texts: str):
    from budgetml.records import TextLine

    return tuple(TextLine(text, 50, 20 * k, 300, 20 * k + 10, 10) for k, text in enumerate(texts))


def test_title_is_the_known_title_line_not_the_nearest_line():
    from budgetml.items import find_title

    lines = band("表3", "2026年部门支出预算总表", "编制部门：上海市普陀区司法局    单位：元", "2026年1月")
    assert find_title(lines, CATALOG) == (1, "2026年部门支出预算总表")


def test_a_section_heading_that_resembles_a_title_is_not_taken_for_one():
    from budgetml.items import find_title

    # "五、部门支出预算情况" shares words with 支出预算总表 (score 0.6), but it is not printed as a title.
    lines = band("五、部门支出预算情况", "2026年部门政府采购预算表", "单位：元")
    assert find_title(lines, CATALOG) == (1, "2026年部门政府采购预算表")
    assert find_title(band("五、部门支出预算情况", "单位：元"), CATALOG) is None


def test_a_title_wrapped_over_two_lines_is_read_whole():
    from budgetml.items import find_title

    lines = band("2026年部门一般公共预算基本支出部门预算经", "济分类预算表", "单位：元")
    assert find_title(lines, CATALOG) == (0, "2026年部门一般公共预算基本支出部门预算经济分类预算表")

"""One small generated document per parser bug: found while generating the sample corpus, or reported (issue 9)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from budgetml.normalise import YUAN_PER_WAN
from budgetml.parse import filing_row, parse_file
from budgetml.synth.render import BodySpan, Disclosure, Section, TableSpec, render_pdf
from budgetml.synth.render import HeaderCell as H
from tests.presentations import (
    SEED_DEPARTMENT,
    as_unit_budget,
    expected_headlines,
    shanghai_filing,
    unruled_caption_line_seed,
    varied_filing,
    write_printed,
)

SUMMARY = TableSpec(
    "部门支出总表",
    "万元",
    (H("科目编码", 0, 0), H("科目名称", 0, 1), H("合计", 0, 2)),
    (("", "合计", "100.00"), ("208", "社会保障和就业支出", "100.00")),
    (1, 3, 1.5),
    label="表 3",
)


@pytest.mark.parametrize("ruled", [True, False])
def test_empty_table_without_grid_is_found_with_its_note(tmp_path, ruled):
    empty = TableSpec(
        "政府性基金预算支出表",
        "万元",
        (
            H("科目编码", 0, 0, rowspan=2),
            H("科目名称", 0, 1, rowspan=2),
            H("本年政府性基金预算支出", 0, 2, colspan=3),
            H("合计", 1, 2),
            H("基本支出", 1, 3),
            H("项目支出", 1, 4),
        ),
        (),
        (1.3, 3.4, 1.3, 1.3, 1.3),
        label="表 8",
        note="备注：本单位2025年没有使用政府性基金预算拨款安排的支出",
        ruled=ruled,
    )
    path = tmp_path / "empty.pdf"
    render_pdf(Disclosure(("武昌区统计局", "2025年部门预算"), (SUMMARY, empty)), path)
    parsed = parse_file(path)
    assert filing_row(parsed)["tables_found"] == ["expenditure_summary", "gov_fund"]
    gov_fund = next(t for t in parsed.tables if t.table_id == "gov_fund")
    assert gov_fund.notes and "没有使用政府性基金" in gov_fund.notes[0]


def test_wrapped_cover_label_keeps_the_whole_department(tmp_path):
    path = tmp_path / "cover.pdf"
    render_pdf(
        Disclosure(("上海市普陀区2025年区级部门预算", "预算主管部门：上海市普陀区人力资源和社会保障局"), (SUMMARY,)),
        path,
    )
    meta = parse_file(path).meta
    assert meta.department == "上海市普陀区人力资源和社会保障局"
    assert meta.region == "上海市普陀区"


@pytest.mark.parametrize("ruled", [True, False])
def test_two_sided_summary_names_income_and_expenditure(tmp_path, ruled):
    rows = (
        ("一、一般公共预算拨款收入", "1801.99", "一、一般公共服务支出", "0.00"),
        ("二、政府性基金预算拨款收入", "0.00", "二、国防支出", "1801.99"),
        ("收 入 总 计", "1801.99", "支 出 总 计", "1801.99"),
    )
    table = TableSpec(
        "部门收支总表",
        "万元",
        (
            H("收 入", 0, 0, colspan=2),
            H("支 出", 0, 2, colspan=2),
            H("项 目", 1, 0),
            H("预算数", 1, 1),
            H("项 目", 1, 2),
            H("预算数", 1, 3),
        ),
        rows,
        (3.2, 1.3, 3.2, 1.3),
        label="表 1",
        ruled=ruled,
    )
    path = tmp_path / "two-sided.pdf"
    render_pdf(Disclosure(("武昌区统计局", "2025年部门预算"), (table,)), path)
    items = [i for _, i in parse_file(path).items]
    assert {(i.row_label.replace(" ", ""), i.column) for i in items if "总计" in i.row_label.replace(" ", "")} == {
        ("收入总计", "income"),
        ("支出总计", "expenditure"),
    }


# ---------------------------------------------------------------- issue 9: layouts the parser was not built on

HEADLINES = (
    "total_income",
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "sangong_total",
)


def code_totals(parsed, table_id: str) -> dict[str, object]:
    return {i.code: i.amount_yuan for _, i in parsed.items if i.table_id == table_id and i.column == "total" and i.code}


def test_unruled_caption_line_set_just_above_the_table(tmp_path, seed_parsed):
    """`部门：…    金额单位：万元` on one line right above an unruled table is its caption, not a header row:
    before, every table had "没有单位行" and the filing none of its headline figures."""
    parsed = parse_file(unruled_caption_line_seed(tmp_path / "unruled-caption.pdf"))
    assert parsed.status == "ok", parsed.error
    assert {k: parsed.headlines[k] for k in HEADLINES} == {k: seed_parsed.headlines[k] for k in HEADLINES}
    assert all(parsed.headlines[k] is not None for k in HEADLINES)
    amount_tables = [
        t for t in parsed.tables if t.table_id and t.table_id not in ("performance_overall", "performance_project")
    ]
    assert len(amount_tables) == 11
    for table in amount_tables:
        assert (table.unit, table.department_printed, table.department_label) == ("万元", SEED_DEPARTMENT, "部门")
    assert code_totals(parsed, "expenditure_summary") == code_totals(seed_parsed, "expenditure_summary")


@pytest.fixture(scope="module")
def shanghai():
    return shanghai_filing()


@pytest.mark.parametrize(
    "cover",
    [
        None,  # 上海市普陀区2026年区级单位预算 / 预算单位：X
        ("{name}2026年单位预算",),
        ("上 海 市 普 陀 区 2026 年 单 位 预 算", "预算主管部门：{name}", "预算单位：{name}"),
    ],
)
def test_unit_budget_rendering(tmp_path, shanghai, cover):
    """A 单位预算: titles `2026年预算单位…`, captions and cover `预算单位：X`. Before, four of nine tables
    were not identified, total_expenditure was null and the department came out as 上海市普陀区."""
    name = shanghai.profile.full_name
    printed = as_unit_budget(shanghai, tuple(line.format(name=name) for line in cover) if cover else None)
    parsed = parse_file(write_printed(printed, tmp_path / "unit.pdf"))
    assert parsed.status == "ok", parsed.error
    amount_ids = [t.table_id for t in parsed.tables if t.table_id and not t.table_id.startswith("performance")]
    assert amount_ids == [t.table_id for t in printed.parts if hasattr(t, "table_id")]
    assert len(amount_ids) == 9
    assert {k: parsed.headlines[k] for k in HEADLINES} == expected_headlines(printed)
    assert (parsed.meta.department, parsed.meta.scope, parsed.meta.region) == (name, "unit", "上海市普陀区")
    amount_tables = [t for t in parsed.tables if t.table_id in amount_ids]
    assert {(t.department_printed, t.department_label) for t in amount_tables} == {(name, "预算单位")}


def test_unit_and_department_budget_read_the_same_items(tmp_path, shanghai):
    department = parse_file(write_printed(shanghai, tmp_path / "department.pdf"))
    unit = parse_file(write_printed(as_unit_budget(shanghai), tmp_path / "unit.pdf"))
    assert department.meta.scope == "department" and unit.meta.scope == "unit"

    def items(parsed):
        return sorted((i.table_id or "", i.code or "", i.row_label, i.column, i.amount_yuan) for _, i in parsed.items)

    assert items(unit) == items(department)


def one_table_filing(tmp_path, spec: TableSpec, before: tuple[Section, ...] = ()):
    path = tmp_path / "one.pdf"
    render_pdf(Disclosure(("武昌区统计局", "2025年部门预算"), (*before, spec)), path)
    return parse_file(path)


def summary_with(**changes) -> TableSpec:
    return dataclasses.replace(SUMMARY, **changes)


def test_unit_printed_in_the_column_headers(tmp_path):
    spec = summary_with(
        unit="",
        header=(H("科目编码", 0, 0), H("科目名称", 0, 1), H("合计（万元）", 0, 2)),
    )
    parsed = one_table_filing(tmp_path, spec)
    assert parsed.status == "ok", parsed.error
    (table,) = parsed.tables
    assert (table.table_id, table.unit, table.column_paths[2], table.column_units[2]) == (
        "expenditure_summary",
        None,
        "合计",
        "万元",
    )
    assert parsed.headlines["total_expenditure"] == Decimal("1000000.00")
    assert {i.unit for _, i in parsed.items} == {"万元"}


def test_unit_stated_once_for_the_document(tmp_path):
    statement = Section("第二部分 部门预算表", ("以下表格金额单位均为万元。",), new_page=True)
    parsed = one_table_filing(tmp_path, summary_with(unit=""), (statement,))
    assert parsed.status == "ok", parsed.error
    assert (parsed.tables[0].unit, parsed.tables[0].unit_source) == ("万元", "document")
    assert parsed.headlines["total_expenditure"] == Decimal("1000000.00")


def test_unit_printed_below_the_table(tmp_path):
    parsed = one_table_filing(tmp_path, summary_with(unit="", note="单位：万元"))
    assert parsed.status == "ok", parsed.error
    assert (parsed.tables[0].unit, parsed.tables[0].unit_source) == ("万元", "footer")


def test_no_unit_anywhere_is_said_in_the_error_and_not_guessed(tmp_path):
    parsed = one_table_filing(tmp_path, summary_with(unit=""))
    assert parsed.status == "partial"
    assert "都没有金额单位" in parsed.error and "不作猜测" in parsed.error
    assert parsed.headlines["total_expenditure"] is None
    assert filing_row(parsed)["error"] == parsed.error


def test_caption_and_title_printed_inside_the_grid(tmp_path):
    spec = summary_with(
        title="",
        unit="",
        header=(
            H("部门支出总表", 0, 0, colspan=3),
            H("编制部门：武昌区统计局    单位：万元", 1, 0, colspan=3),
            H("科目编码", 2, 0),
            H("科目名称", 2, 1),
            H("合计", 2, 2),
        ),
        label=None,
    )
    parsed = one_table_filing(tmp_path, spec)
    assert parsed.status == "ok", parsed.error
    (table,) = parsed.tables
    assert (table.table_id, table.title, table.unit, table.department_printed) == (
        "expenditure_summary",
        "部门支出总表",
        "万元",
        "武昌区统计局",
    )
    assert table.column_paths == ("科目编码", "科目名称", "合计")


# ---------------------------------------------------------------- varied presentations (budgetml sample --vary)


def headlines_wan(parsed) -> dict[str, float | None]:
    return {k: None if v is None else float(v / YUAN_PER_WAN) for k, v in parsed.headlines.items()}


def test_unruled_group_header_heads_every_column_it_is_centred_on(tmp_path):
    """The 三公 table unruled: “三公”经费预算数 is centred over 合计 … 运行费, six columns whose left border lies a
    cell padding left of the page's text; the narrower run centred on the same point would cut 公务用车购置及运行费
    in two (parser v6 read 合计 without its group, and no 三公 total)."""
    path = tmp_path / "sangong.pdf"
    label = varied_filing(path, "putuo", "justice", grid="unruled", caption="in_header", date="", repeat_header=True)
    parsed = parse_file(path)
    (sangong,) = [t for t in parsed.tables if t.table_id == "sangong"]
    assert all(p.startswith("“三公”经费预算数/") for p in sangong.column_paths[:6]), sangong.column_paths
    assert headlines_wan(parsed) == label.headline_wan


@pytest.mark.parametrize("grid", ["three_line", "horizontal", "unruled"])
def test_repeated_header_over_rows_printing_labels_alone(tmp_path, grid):
    """财政拨款收支总表 broken before body rows 5 and 6 with its header repeated: the middle page prints one row,
    labels alone (its amounts blank), under the repeated header. It is a body row of the same table, not a header
    row of a new one (parser v6 split the table in three, two parts without a unit)."""
    path = tmp_path / "continued.pdf"
    label = varied_filing(
        path,
        "wuchang",
        "culture_tourism",
        breaks={"fiscal_grant_summary": (5, 6)},
        grid=grid,
        caption="unit_below_table",
        repeat_header=True,
        digits="fullwidth",
    )
    parsed = parse_file(path)
    assert parsed.status == "ok", parsed.error
    (table,) = [t for t in parsed.tables if t.table_id == "fiscal_grant_summary"]
    assert len(table.pages) == 3
    assert table.column_paths == ("收入/项目", "收入/预算数", "支出/项目", "支出/预算数")
    assert headlines_wan(parsed) == label.headline_wan


def test_continuation_with_a_cell_merged_across_a_border_joins_its_table(tmp_path):
    """An empty 国有资本经营预算 table whose 合计 row, printed across 编码 and 名称, falls on the next page: that
    page's grid has one border fewer. It is the same table (one part, its 空表 note with it), not a second one
    whose missing note raised completeness.empty_table_note (parser v7 before this fix)."""
    header = (
        H("项目", 0, 0, colspan=2),
        H("国有资本经营预算支出", 0, 2, colspan=3),
        H("功能分类科目编码", 1, 0),
        H("功能分类科目名称", 1, 1),
        H("合计", 1, 2),
        H("基本支出", 1, 3),
        H("项目支出", 1, 4),
    )
    spec = TableSpec(
        "2023年部门国有资本经营预算支出功能分类预算表",
        "元",
        header,
        (("无", "", "", "", ""), ("合计", "", "", "", "")),
        (1, 2, 1, 1, 1),
        body_spans=(BodySpan(1, 0, colspan=2),),
        break_before=(1,),
        repeat_header=False,
        note="注：本部门2023年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
    )
    parsed = one_table_filing(tmp_path, spec)
    (table,) = parsed.tables
    assert (table.table_id, len(table.pages), table.n_cols) == ("state_capital", 2, 5)
    assert [r.cells[0].text for r in table.rows] == ["无", "合计"]
    assert table.notes == ("注：本部门2023年无国有资本经营预算财政拨款安排的预算，故本表为空表。",)

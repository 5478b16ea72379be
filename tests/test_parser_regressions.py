"""One small generated document per parser bug found while generating the sample corpus."""

from __future__ import annotations

import pytest

from budgetml.parse import filing_row, parse_file
from budgetml.synth.render import Disclosure, TableSpec, render_pdf
from budgetml.synth.render import HeaderCell as H

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

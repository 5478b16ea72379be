"""Caption lines read by their labels, in any arrangement: organisation, unit, date, title text, notes."""

from __future__ import annotations

import pytest

from budgetml.captions import is_caption_line, line_fields, lines_to_caption


@pytest.mark.parametrize(
    "text, organisation, label, unit",
    [
        ("部门：武昌区统计局    金额单位：万元", "武昌区统计局", "部门", "万元"),
        ("编制部门：上海市普陀区司法局  单位：元", "上海市普陀区司法局", "编制部门", "元"),
        ("预算单位：上海市普陀区司法局 单位:万元", "上海市普陀区司法局", "预算单位", "万元"),
        ("编制单位：上 海 市 普 陀 区 司 法 局", "上海市普陀区司法局", "编制单位", None),
        (
            "单位名称：武昌区经济信息化和科技创新局(武昌区数据局)",
            "武昌区经济信息化和科技创新局(武昌区数据局)",
            "单位名称",
            None,
        ),
        ("（单位：万元）", None, None, "万元"),
        ("单位：上海市普陀区司法局", "上海市普陀区司法局", "单位", None),
        ("填报日期：2024年12月11日  单位：万元", None, None, "万元"),
    ],
)
def test_caption_line_fields(text, organisation, label, unit):
    fields = line_fields(text)
    assert (fields.organisation, fields.organisation_label, fields.unit) == (organisation, label, unit)


def test_title_and_unit_on_one_line():
    fields = line_fields("2026年部门支出预算总表        单位：元")
    assert (fields.rest, fields.unit) == ("2026年部门支出预算总表", "元")


def test_unknown_unit_is_an_error_not_a_guess():
    fields = line_fields("金额单位：千元")
    assert fields.unit is None and "千元" in fields.unit_error


@pytest.mark.parametrize(
    "text, expected",
    [
        ("部门：武昌区统计局    金额单位：万元", True),
        ("注：本表为空表。", True),
        ("备注：本单位2025年没有使用政府性基金预算拨款安排的支出", True),
        ("单位编码  单位名称  合计  基本支出", False),  # a header row: no label colon
        ("一、一般公共预算拨款收入  3,375.67", False),
        ("部门收支总表", False),
    ],
)
def test_caption_lines_are_recognised_by_label(text, expected):
    assert is_caption_line(text) is expected


def test_caption_merges_lines_keeping_the_first_of_each_field():
    caption = lines_to_caption(["编制部门：武昌区统计局", "单位：万元", "注：本表为空表。"], "部门支出总表")
    assert (caption.title, caption.organisation, caption.unit, caption.notes) == (
        "部门支出总表",
        "武昌区统计局",
        "万元",
        ("注：本表为空表。",),
    )

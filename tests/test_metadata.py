"""Filing metadata from covers of every scope: 部门预算, 单位预算 (with its parent department), 部门决算."""

from __future__ import annotations

import pytest

from budgetml.metadata import FilingMeta, cover_to_meta

PUTUO = "上海市普陀区"


@pytest.mark.parametrize(
    "cover, titles, expected",
    [
        (
            ["武昌区经济信息化和科技创新局", "(武昌区数据局) 2025 年部门预算"],
            ["部门收支总表"],
            FilingMeta("武昌区", "武昌区经济信息化和科技创新局(武昌区数据局)", 2025, "budget", "department"),
        ),
        (
            ["上海市普陀区2026年区级部门预算", "预算主管部门：上海市普陀区司法局"],
            [],
            FilingMeta(PUTUO, "上海市普陀区司法局", 2026, "budget", "department"),
        ),
        # A unit budget: the department is the unit, not the district of the cover title.
        (
            ["上海市普陀区2026年区级单位预算", "预算单位：上海市普陀区司法局"],
            [],
            FilingMeta(PUTUO, "上海市普陀区司法局", 2026, "budget", "unit"),
        ),
        (
            ["上海市普陀区司法局2026年单位预算"],
            [],
            FilingMeta(PUTUO, "上海市普陀区司法局", 2026, "budget", "unit"),
        ),
        (
            ["上海市普陀区 2026 年单位预算", "预算主管部门：上海市普陀区司法局", "预算单位：上海市普陀区公证处"],
            [],
            FilingMeta(PUTUO, "上海市普陀区公证处", 2026, "budget", "unit", "上海市普陀区司法局"),
        ),
        (
            ["上海市普陀区2026年区级单位预算", "预算单位：上海市普陀区人力资源和社会保障", "局"],
            [],
            FilingMeta(PUTUO, "上海市普陀区人力资源和社会保障局", 2026, "budget", "unit"),
        ),
        # Final accounts: name broken over lines, or printed with spaces around the year.
        (
            ["上海市普陀区规划和自然", "资源局", "2024年度部门决算"],
            [],
            FilingMeta(PUTUO, "上海市普陀区规划和自然资源局", 2024, "final_account", "department"),
        ),
        (
            ["上海市普陀区规划和自然资源局 2024 年度部门决算"],
            [],
            FilingMeta(PUTUO, "上海市普陀区规划和自然资源局", 2024, "final_account", "department"),
        ),
        # Letter-spaced cover names.
        (
            ["上 海 市 普 陀 区 司 法 局", "2 0 2 6 年 部 门 预 算"],
            [],
            FilingMeta(PUTUO, "上海市普陀区司法局", 2026, "budget", "department"),
        ),
        (
            ["预算单位：上 海 市 普 陀 区 司 法 局      2026年1月"],
            ["2026年预算单位财务收支预算总表"],
            FilingMeta(PUTUO, "上海市普陀区司法局", 2026, "budget", "unit"),
        ),
    ],
)
def test_cover_variants(cover, titles, expected):
    assert cover_to_meta(cover, titles) == expected


@pytest.mark.parametrize(
    "titles, scope",
    [
        (["2026年预算单位收入预算总表"], "unit"),
        (["2026年单位支出预算总表"], "unit"),
        (["2026年部门收入预算总表"], "department"),
        (["一般公共预算支出表(分功能科目)"], None),
    ],
)
def test_scope_from_titles_when_the_cover_says_none(titles, scope):
    assert cover_to_meta(["上海市普陀区司法局"], titles).scope == scope

"""Features: hand-made datasets with known values, department matching across years, indicators of the real seed forms."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from budgetml import features
from budgetml.datasets import data_dictionary
from budgetml.departments import department_type, load_department_types
from budgetml.feature_declarations import FEATURES
from budgetml.features import build_features, form_to_indicators
from budgetml.form_cells import FormCell, cell_of
from budgetml.layout import data_dir, dataset_path
from budgetml.schema import FEATURES as FEATURES_DATASET
from tests.budgetdata import SHANGHAI_TABLES, claim, fid, filing, finding, form, item, write_output


def built(out: Path) -> dict[str, dict]:
    build_features(out)
    return {r["filing_id"]: r for r in pl.read_parquet(dataset_path(out, "features")).iter_rows(named=True)}


def test_shares_ratios_and_counts_have_the_known_values(tmp_path):
    a = fid("a")
    rows = built(
        write_output(
            tmp_path,
            [
                filing(
                    a,
                    "武昌区教育局",
                    2025,
                    total=1000.0,
                    basic=600.0,
                    project=400.0,
                    personnel=480.0,
                    public=120.0,
                    sangong=6.0,
                )
            ],
            items=[
                item(a, "sangong", 0, "sangong_total", 6.0),
                item(a, "sangong", 0, "overseas", 1.0),
                item(a, "sangong", 0, "vehicle_total", 3.0),
                item(a, "sangong", 0, "reception", 2.0),
                item(a, "general_budget_by_unit", 1, "total", 700.0, "武昌区教育局", "328"),
                item(a, "general_budget_by_unit", 2, "total", 500.0, "武昌区教育局本级", "328001"),
                item(a, "general_budget_by_unit", 3, "total", 200.0, "武昌区教研室", "328002"),
                *[
                    item(a, "projects", k, "total", 10.0, label)
                    for k, label in enumerate(
                        [
                            "合计",
                            "武昌区教育局",
                            "武昌区教育局本级",
                            "本级支出项目",
                            "校舍维修",
                            "教师培训",
                            "武昌区教研室",
                            "教研活动",
                        ]
                    )
                ],
            ],
            checks=[
                finding(a, "table.total_row"),
                finding(a, "table.hierarchy"),
                finding(a, "name.consistent", severity="warning"),
                finding(a, "summary.balance", passed=True),
                finding(a, "cross.totals", passed=None),
            ],
        )
    )
    r = rows[a]
    expected = {
        "sangong_share_pct": 0.6,
        "sangong_public_pct": 5.0,
        "overseas_sangong_pct": 100 / 6,
        "vehicle_sangong_pct": 50.0,
        "reception_sangong_pct": 100 / 3,
        "personnel_share_of_basic_pct": 80.0,
        "personnel_share_pct": 48.0,
        "public_share_pct": 12.0,
        "project_share_pct": 40.0,
        "size_log10_wan": 3.0,
    }
    for name, value in expected.items():
        assert r[name] == pytest.approx(value), name
    assert (r["n_units"], r["n_projects"], r["n_failed_errors"], r["n_failed_warnings"]) == (2, 3, 2, 1)
    assert r["department_type"] == "教育"
    # Wuhan template without any performance form: zero indicators (the template requires them), not unknown.
    assert (r["n_indicators"], r["n_performance_tables"], r["qualitative_target_pct"]) == (0, 0, None)
    assert r["prev_filing_id"] is None and r["total_change_pct"] is None and r["yoy_basis"] is None


def test_year_over_year_matches_the_department_not_the_file_name(tmp_path):
    old, new, other = fid("2024"), fid("2025"), fid("other")
    rows = built(
        write_output(
            tmp_path,
            [
                filing(
                    old,
                    "武昌区教育局",
                    2024,
                    total=800.0,
                    basic=500.0,
                    project=300.0,
                    personnel=400.0,
                    sangong=5.0,
                    source_path="/in/2024/a.pdf",
                ),
                # Renamed file, the name printed with spaces and a second name in brackets: the same department.
                filing(
                    new,
                    "武昌区 教育局（武昌区语言文字工作委员会）",
                    2025,
                    total=1000.0,
                    basic=600.0,
                    project=400.0,
                    personnel=480.0,
                    sangong=6.0,
                    source_path="/in/2025/renamed-upload-final.pdf",
                ),
                # Same file name as the 2024 one, another department: no match.
                filing(other, "武昌区民政局", 2025, source_path="/in/2025/a.pdf"),
            ],
        )
    )
    r = rows[new]
    assert r["prev_filing_id"] == old and r["yoy_basis"] == "previous_filing"
    assert r["total_change_pct"] == pytest.approx(25.0)
    assert r["basic_change_pct"] == pytest.approx(20.0)
    assert r["project_change_pct"] == pytest.approx(100 / 3)
    assert r["personnel_change_pct"] == pytest.approx(20.0)
    assert r["sangong_change_pct"] == pytest.approx(20.0)
    assert rows[other]["prev_filing_id"] is None and rows[other]["total_change_pct"] is None
    assert rows[other]["department_type"] == "民政"


def test_year_over_year_falls_back_to_the_figures_the_narrative_states(tmp_path):
    a = fid("narrative")
    rows = built(
        write_output(
            tmp_path,
            [filing(a, "武昌区审计局", 2025, total=1000.0, sangong=6.0)],
            claims=[
                claim(a, 0, "部门收支总预算", "1000.00", delta="200.00", compare_year=2024),
                claim(
                    a, 1, "基本支出", "600.00", delta="-100.00", compare_year=2025
                ),  # compared with its own year: not a previous figure
                claim(a, 2, "一般公共预算“三公”经费支出", "6.00", delta="1.00", compare_year=2024),
                claim(a, 3, "人员经费", "480.00", compare_year=2024, prev_amount="400.00"),
            ],
        )
    )
    r = rows[a]
    assert r["yoy_basis"] == "narrative"
    assert r["total_change_pct"] == pytest.approx(25.0)
    assert r["sangong_change_pct"] == pytest.approx(20.0)
    assert r["personnel_change_pct"] == pytest.approx(20.0)
    assert r["basic_change_pct"] is None and r["project_change_pct"] is None


def test_template_without_performance_forms_leaves_indicators_unknown(tmp_path):
    a = fid("sh")
    r = built(
        write_output(tmp_path, [filing(a, "上海市普陀区司法局", 2026, region="上海市普陀区", tables=SHANGHAI_TABLES)])
    )[a]
    assert (
        r["n_indicators"] is None
        and r["n_performance_tables"] is None
        and r["n_units"] is None
        and r["n_projects"] is None
    )
    assert r["department_type"] == "司法"


def test_missing_forms_count_as_zero_where_the_district_prints_them(tmp_path):
    """The Shanghai template has no performance forms, but a district whose filings print them expects them from all."""
    with_forms, without = [fid(f"sh{k}") for k in range(3)], fid("sh-none")
    form_rows = [["三级指标", "指标值"], ["数量指标", "培训场次", "≥2场"], ["满意度指标", "服务对象满意度", "≥90%"]]
    r = built(
        write_output(
            tmp_path,
            [
                filing(f, f"上海市普陀区第{k}局", 2025, region="上海市普陀区", tables=SHANGHAI_TABLES)
                for k, f in enumerate([*with_forms, without])
            ],
            cells=[c for f in with_forms for c in form(f, "项目支出绩效目标表(培训)", form_rows)],
        )
    )
    assert [r[f]["n_indicators"] for f in with_forms] == [2, 2, 2]
    assert (r[without]["n_indicators"], r[without]["n_performance_tables"]) == (0, 0)


def _cells(rows: list[list[str]]) -> list[FormCell]:
    return [cell_of(c) for c in form("x", "项目支出绩效目标表(测试)", rows)]


def test_indicator_rows_are_read_by_what_cells_say_not_their_column():
    indicators = form_to_indicators(
        _cells(
            [
                ["项目名称", "测试项目"],  # before the header: not indicators
                ["项目总预算", "78.4万元"],
                ["年度绩效目标表"],
                ["目标名称", "一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据"],
                ["", "", "", "前年", "上年", "预计当年实现"],
                ["年度绩效目标", "成本指标", "经济成本指标", "成本控制", "200", "≤78.4万元", "计划标准"],
                ["", "产出指标", "数量指标", "培训场次", "≥2场", "历史标准"],
                ["", "", "审计周期较长的"],  # a wrapped name: no value, not an indicator
                ["质量指标", "报告质量", "良好", "良好", "计划标准"],  # heading shifted into the first column
                ["", "", "合格率", "/", "100%", "计划标准"],
                ["时效指标", "按期完成率", "-", "100%"],
                ["效益指标", "社会效益指标", "营商环境", "提升"],
                [
                    "满意度指标",
                    "服务对象满意度",
                    "企业满意度",
                    "≥95%",
                    "计划标准",
                ],  # 服务对象满意度 as the 二级 heading …
                [
                    "满意度指标",
                    "服务对象满意度指标",
                    "服务对象满意度",
                    "≥90%",
                    "行业标准",
                ],  # … and as the indicator's name
            ]
        )
    )
    assert [(i.category, i.name, i.target, i.is_qualitative) for i in indicators] == [
        ("成本", "成本控制", "≤78.4万元", False),
        ("数量", "培训场次", "≥2场", False),
        ("质量", "报告质量", "良好", True),
        ("质量", "合格率", "100%", False),
        ("时效", "按期完成率", "100%", False),
        ("效益", "营商环境", "提升", True),
        ("满意度", "企业满意度", "≥95%", False),
        ("满意度", "服务对象满意度", "≥90%", False),
    ]


def test_indicators_of_the_real_seed_project_form(seed_checked):
    """The seed's 计划管理经费 form, counted by hand: 10 long-term and 32 annual indicators, 9 of them qualitative."""
    cells = [
        cell_of(c)
        for c in pl.read_parquet(dataset_path(seed_checked, "form_cells"))
        .filter(pl.col("table_title") == "项目支出绩效目标表(计划管理经费)")
        .iter_rows(named=True)
    ]
    indicators = form_to_indicators(cells)
    counts = {c: sum(1 for i in indicators if i.category == c) for c in features.INDICATOR_CATEGORIES}
    assert len(indicators) == 42
    assert counts == {"数量": 14, "质量": 9, "时效": 10, "成本": 2, "效益": 4, "满意度": 3}
    assert sum(i.is_qualitative for i in indicators) == 9


def test_seed_filing_features(seed_checked, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(data_dir(seed_checked), data_dir(out))
    (r,) = built(out).values()
    assert r["department_type"] == "科技和经济信息化"
    assert r["n_performance_tables"] == 5 and r["n_projects"] == 4 and r["n_units"] == 2
    assert r["indicators_per_project"] == pytest.approx((42 + 14 + 37 + 14) / 4)
    # 三公 4.28 of 3,375.67 万元; the narrative states 2024's total as 3,375.67 − 1,481.28.
    assert r["sangong_share_pct"] == pytest.approx(100 * 4.28 / 3375.67)
    assert r["total_change_pct"] == pytest.approx(100 * 1481.28 / (3375.67 - 1481.28)) and r["yoy_basis"] == "narrative"
    assert r["n_failed_errors"] > 0


def test_department_types_from_keywords():
    types = load_department_types()
    assert department_type("武昌区教育局", types) == "教育"
    assert department_type("区文化体育和旅游局", types) == "文化和旅游"
    assert department_type("区科学技术协会", types) == "群团组织"
    assert department_type("中华路街道办事处", types) == "街道乡镇"
    assert department_type("区档案馆", types) == "其他"


def test_every_feature_is_declared_once_and_documented():
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    columns = {c.name: c for c in FEATURES_DATASET.columns}
    dictionary = data_dictionary()
    for f in FEATURES:
        assert f.name in columns and f.formula in columns[f.name].description
        assert f"`{f.name}`" in dictionary
        assert f.unit == columns[f.name].unit
        assert f.kind in ("share", "change", "count", "ratio", "log", "execution") and f.topic
        assert (
            f.scale.transform in (None, "log", "logit") and f.scale.floor > 0 and f.scale.direction in ("both", "high")
        )
        assert math.isfinite(f.scale.offset)


def test_failed_filings_get_no_features(tmp_path):
    a, b = fid("ok"), fid("bad")
    rows = built(
        write_output(tmp_path, [filing(a, "武昌区统计局", 2025), filing(b, "武昌区统计局", 2024, status="failed")])
    )
    assert list(rows) == [a] and rows[a]["prev_filing_id"] is None

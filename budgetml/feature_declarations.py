"""The features of features.parquet declared once, as data: name, Chinese label, formula, unit, description, scale.

The same declaration gives the dataset's columns (budgetml/schema.py), its section of docs/datasets.md,
how the scoring compares each feature within a peer group (budgetml/detect.py), the words of the reasons
reviewers read and the report's labels (budgetml/report.py). The values are computed by budgetml/features.py.
This module imports nothing from budgetml: it is vocabulary every later stage may read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How a feature's values are compared within a peer group (detect.peer_deviations).

    transform: None (as is); "log": log10(value + offset), for positive figures whose spread grows with
    their size (三公 shares, counts); "logit": log10(p / (100 − p)) of a percentage, so that 1 % and 99 %
    are as far from 50 % as they are unusual. floor: the smallest robust spread, in transformed units,
    a peer group is given, so a group of near-identical values does not turn a tiny difference into a
    huge z-score. direction: "both", or "high" when only values above the peers are a concern (a
    department that budgets no 三公 at all is not a review case).
    """

    floor: float
    transform: str | None = None
    offset: float = 0.0
    direction: str = "both"

    def describe(self) -> str:
        """How the scoring compares the feature, for the data dictionary."""
        on = {None: "as is", "log": f"on log10(value + {self.offset:g})", "logit": "as log-odds log10(p / (100 − p))"}[
            self.transform
        ]
        side = ", only values above the peers counting" if self.direction == "high" else ""
        return f"Scored against peers {on}{side}; robust spread at least {self.floor:g}."


@dataclass(frozen=True)
class Feature:
    """One column of features.parquet."""

    name: str
    label: str  # Chinese name for reasons and the report, e.g. 三公经费占支出合计比例
    formula: str  # how it is computed, in the datasets' own column names
    unit: str | None  # "%", "个", "log10 万元"
    description: str
    kind: str  # share | change | count | ratio | log | execution: how the reasons phrase it
    topic: str  # what a reviewer would call it (三公经费, 项目支出 …); the first feature of a topic is its headline
    scale: Scale
    is_scored: bool = True  # part of the isolation forest's input (the failed-check counts enter the priority instead)
    is_integer: bool = False

    @property
    def title(self) -> str:
        """The label as a heading: a change says what it is a change of (支出合计比上年增减)."""
        return f"{self.label}比上年增减" if self.kind == "change" else self.label


def _share(name: str, label: str, part: str, whole: str, description: str, topic: str, scale: Scale) -> Feature:
    return Feature(name, label, f"100 × {part} / {whole}", "%", description, "share", topic, scale)


def _change(name: str, label: str, column: str, topic: str, floor: float) -> Feature:
    return Feature(
        name,
        label,
        f"100 × ({column} − previous) / previous",
        "%",
        f"Year-over-year change of {column}. previous: the same department's filing of the year before in the dataset "
        "(budgetml/identity.py: normalised name within region, renamed departments from configs/department_aliases.toml; "
        "see yoy_basis), else the previous-year figure its narrative states "
        "(claims: amount − delta, or prev_amount); null when neither exists or previous is 0.",
        "change",
        topic,
        Scale(floor),
    )


# Counts are compared on log10(n + 1): 0 indicators among peers with 60 is far, 55 among 60 is not.
_COUNT = Scale(0.05, "log", 1.0)
SANGONG, STAFF, PROJECTS, TOTAL, PERFORMANCE, EXECUTION, CONSISTENCY = (
    "三公经费",
    "人员和公用经费",
    "项目支出",
    "支出总量",
    "绩效目标",
    "预算执行",
    "一致性检查",
)


def _execution(name: str, label: str, item: str, description: str, floor: float) -> Feature:
    """决算 / 年初预算 of one budget_execution item, in percent (决算 only; null for a budget)."""
    return Feature(
        name,
        label,
        f"budget_execution.execution_rate_pct of item {item}",
        "%",
        f"{description} 决算 only: what was spent as a share of the 年初预算 (the one the 决算 prints, else the "
        "department's published 预算 of the year; budget_execution.parquet); null for a budget, or without both figures.",
        "execution",
        EXECUTION,
        Scale(floor),
    )


FEATURES: tuple[Feature, ...] = (
    # 三公经费. Its shares vary by orders of magnitude with a department's size: compared on a log scale,
    # high side only (a department that budgets no 三公 at all is not a review case).
    _share(
        "sangong_share_pct",
        "三公经费占支出合计比例",
        "sangong_total_wan",
        "total_expenditure_wan",
        "Share of “三公”经费 in total spending (filings).",
        SANGONG,
        Scale(0.05, "log", 0.05, "high"),
    ),
    _share(
        "sangong_public_pct",
        "三公经费占公用经费比例",
        "sangong_total_wan",
        "public_expenditure_wan",
        "Share of “三公”经费 in 公用经费 (filings).",
        SANGONG,
        Scale(0.05, "log", 1.0, "high"),
    ),
    _share(
        "overseas_sangong_pct",
        "因公出国（境）费占三公经费比例",
        "overseas",
        "sangong_total_wan",
        "Share of 因公出国(境)费 in the “三公” total (line_items of table sangong, column overseas).",
        SANGONG,
        Scale(2.0),
    ),
    _share(
        "vehicle_sangong_pct",
        "公务用车购置及运行费占三公经费比例",
        "vehicle_total",
        "sangong_total_wan",
        "Share of 公务用车购置及运行费 in the “三公” total (line_items of table sangong; vehicle_purchase + vehicle_operation when no vehicle_total).",
        SANGONG,
        Scale(2.0),
    ),
    _share(
        "reception_sangong_pct",
        "公务接待费占三公经费比例",
        "reception",
        "sangong_total_wan",
        "Share of 公务接待费 in the “三公” total (line_items of table sangong, column reception).",
        SANGONG,
        Scale(2.0),
    ),
    _change("sangong_change_pct", "三公经费", "sangong_total_wan", SANGONG, 5.0),
    # 人员和公用经费
    _share(
        "personnel_share_of_basic_pct",
        "人员经费占基本支出比例",
        "personnel_expenditure_wan",
        "basic_expenditure_wan",
        "The personnel ratio: 人员经费 as a share of 基本支出 (filings).",
        STAFF,
        Scale(1.0),
    ),
    _share(
        "personnel_share_pct",
        "人员经费占支出合计比例",
        "personnel_expenditure_wan",
        "total_expenditure_wan",
        "人员经费 as a share of total spending (filings).",
        STAFF,
        Scale(1.0),
    ),
    _share(
        "public_share_pct",
        "公用经费占支出合计比例",
        "public_expenditure_wan",
        "total_expenditure_wan",
        "The public-expense ratio: 公用经费 as a share of total spending (filings).",
        STAFF,
        Scale(0.5),
    ),
    _change("personnel_change_pct", "人员经费", "personnel_expenditure_wan", STAFF, 2.0),
    _change("basic_change_pct", "基本支出", "basic_expenditure_wan", STAFF, 2.0),
    # 项目支出. Shares run from 10 % to 80 % by type; 1 % or 95 % is unusual for any type: compared as log-odds.
    _share(
        "project_share_pct",
        "项目支出占支出合计比例",
        "project_expenditure_wan",
        "total_expenditure_wan",
        "项目支出 as a share of total spending (filings).",
        PROJECTS,
        Scale(0.05, "logit"),
    ),
    _change("project_change_pct", "项目支出", "project_expenditure_wan", PROJECTS, 5.0),
    Feature(
        "n_projects",
        "项目数",
        "project rows of table projects, else project performance forms",
        "个",
        "Projects listed in 项目支出表 (unit, 本级 and category rows excluded), else the number of project performance forms; null when neither is printed.",
        "count",
        PROJECTS,
        _COUNT,
        is_integer=True,
    ),
    # 支出总量
    _change("total_change_pct", "支出合计", "total_expenditure_wan", TOTAL, 2.0),
    Feature(
        "size_log10_wan",
        "支出规模",
        "log10(total_expenditure_wan)",
        "log10 万元",
        "Size: base-10 logarithm of total spending in 万元 (comparable across sizes spanning orders of magnitude).",
        "log",
        TOTAL,
        Scale(0.1),
    ),
    Feature(
        "n_units",
        "预算单位数",
        "distinct 6-digit unit codes in general_budget_by_unit, else income_summary",
        "个",
        "Budget units (预算单位) the filing consolidates; null when no table prints unit codes (Shanghai template).",
        "count",
        TOTAL,
        _COUNT,
        is_integer=True,
    ),
    # 绩效目标
    Feature(
        "n_indicators",
        "绩效指标数",
        "count of indicator rows in all performance forms",
        "个",
        "Indicator rows (三级指标 with a target value) in the performance forms; null when forms are not expected (neither the filing's template nor most filings of its district print them).",
        "count",
        PERFORMANCE,
        _COUNT,
        is_integer=True,
    ),
    Feature(
        "n_performance_tables",
        "绩效目标表数",
        "count of performance forms (form_cells: distinct table_id, table_title)",
        "个",
        "Performance target forms printed (整体支出 and one per project); null when not expected (neither the template, see the templates in configs/catalog.toml, nor most filings of its district print them).",
        "count",
        PERFORMANCE,
        _COUNT,
        is_integer=True,
    ),
    Feature(
        "indicators_per_project",
        "每个项目的绩效指标数",
        "indicators in project forms / project forms",
        "个",
        "Average indicator rows per project performance form; null without project forms.",
        "ratio",
        PERFORMANCE,
        _COUNT,
    ),
    Feature(
        "quantity_indicator_pct",
        "数量指标占比",
        "100 × 数量 indicators / n_indicators",
        "%",
        "Share of indicators under 二级指标 数量指标.",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "quality_indicator_pct",
        "质量指标占比",
        "100 × 质量 indicators / n_indicators",
        "%",
        "Share of indicators under 二级指标 质量指标.",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "timeliness_indicator_pct",
        "时效指标占比",
        "100 × 时效 indicators / n_indicators",
        "%",
        "Share of indicators under 二级指标 时效指标.",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "cost_indicator_pct",
        "成本指标占比",
        "100 × 成本 indicators / n_indicators",
        "%",
        "Share of indicators under 成本指标 (经济/社会/生态环境成本指标).",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "benefit_indicator_pct",
        "效益指标占比",
        "100 × 效益 indicators / n_indicators",
        "%",
        "Share of indicators under 效益指标 (社会/经济/生态效益, 可持续影响).",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "satisfaction_indicator_pct",
        "满意度指标占比",
        "100 × 满意度 indicators / n_indicators",
        "%",
        "Share of indicators under 满意度指标 (服务对象满意度).",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    Feature(
        "qualitative_target_pct",
        "定性目标值占比",
        "100 × targets without a number / n_indicators",
        "%",
        "Share of indicators whose current-year target is qualitative (提升, 达成, 良好, 完成 …) rather than a measurable number (≥95%, ≤48小时, 12份).",
        "share",
        PERFORMANCE,
        Scale(3.0),
    ),
    # 预算执行 (决算 only). Departments spend 95–100 % of their budget: a few points apart is already unusual, so
    # the floors are small; projects vary more than staff costs, and 三公 (a few 万元) far more.
    _execution(
        "execution_total_pct",
        "支出决算为年初预算的比例",
        "general_budget_expenditure (else total_expenditure)",
        "一般公共预算财政拨款支出 决算 / 年初预算, as the 决算 reports it (完成年初预算的…%); all spending when that is not printed.",
        2.0,
    ),
    _execution(
        "execution_basic_pct", "基本支出决算为年初预算的比例", "basic_expenditure", "基本支出 决算 / 年初预算.", 2.0
    ),
    _execution(
        "execution_project_pct", "项目支出决算为年初预算的比例", "project_expenditure", "项目支出 决算 / 年初预算.", 5.0
    ),
    _execution(
        "execution_sangong_pct",
        "“三公”经费决算为年初预算的比例",
        "sangong_total",
        "“三公”经费 决算 / 年初预算 (the 三公 table prints both).",
        10.0,
    ),
    Feature(
        "carryover_share_pct",
        "年末结转和结余占收入总计比例",
        "100 × carryover_end_wan / income_grand_total_wan",
        "%",
        "决算 only: money carried into next year as a share of everything available (收入支出决算总表); null for a budget.",
        "share",
        EXECUTION,
        Scale(1.0, "log", 1.0, "high"),
    ),
    # 一致性检查: not compared with peers; they enter the review priority (detect.review_priority).
    Feature(
        "n_failed_errors",
        "未通过的错误级检查",
        "checks: passed == False and severity == error",
        "个",
        "Failed consistency checks of severity error; null when checks.parquet is absent.",
        "count",
        CONSISTENCY,
        _COUNT,
        is_scored=False,
        is_integer=True,
    ),
    Feature(
        "n_failed_warnings",
        "未通过的警告级检查",
        "checks: passed == False and severity == warning",
        "个",
        "Failed consistency checks of severity warning; null when checks.parquet is absent.",
        "count",
        CONSISTENCY,
        _COUNT,
        is_scored=False,
        is_integer=True,
    ),
)
FEATURES_BY_NAME = {f.name: f for f in FEATURES}
# Where a YoY change's previous figure came from.
YOY_BASES = ("previous_filing", "narrative", "mixed")
# The headline figures that get a year-over-year change, with their feature.
CHANGE_OF = {
    "total_expenditure": "total_change_pct",
    "basic_expenditure": "basic_change_pct",
    "project_expenditure": "project_change_pct",
    "personnel_expenditure": "personnel_change_pct",
    "sangong_total": "sangong_change_pct",
}
# The budget_execution items each execution feature reads, in order of preference.
EXECUTION_OF = {
    "execution_total_pct": ("general_budget_expenditure", "total_expenditure"),
    "execution_basic_pct": ("basic_expenditure",),
    "execution_project_pct": ("project_expenditure",),
    "execution_sangong_pct": ("sangong_total",),
}
# The features the isolation forest compares with peers, in declaration order (the others enter the review priority).
SCORED: tuple[Feature, ...] = tuple(f for f in FEATURES if f.is_scored)
# The execution features (topic 预算执行, 决算 only), which the report's 预算执行 section and a 决算's page show.
EXECUTION_FEATURES: tuple[str, ...] = tuple(f.name for f in SCORED if f.topic == EXECUTION)

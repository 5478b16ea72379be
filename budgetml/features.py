"""Per-filing features for comparing departments (features.parquet): shares, ratios, year-over-year change, indicators.

Every feature is declared once in FEATURES (name, formula, unit, description, Chinese label); the
same declaration gives the dataset's columns (budgetml/schema.py), its section of docs/datasets.md,
how the scoring compares it within a peer group and the words of the reasons reviewers read.

This module must not import budgetml.schema or budgetml.datasets at module level: schema.py imports
FEATURES from here to declare the dataset, so those imports happen inside the functions that write.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml import checks, forms
from budgetml.catalog import load_catalog
from budgetml.layout import dataset_path
from budgetml.normalise import UNIT_TO_YUAN, YUAN_PER_WAN, squash

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEPARTMENT_TYPES_PATH = PROJECT_DIR / "configs" / "department_types.toml"
OTHER_TYPE = "其他"


# ---------------------------------------------------------------- the declaration


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
    kind: str  # share | change | count | ratio | log: how the reasons phrase it
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
        "(matched by normalised name within region, see yoy_basis), else the previous-year figure its narrative states "
        "(claims: amount − delta, or prev_amount); null when neither exists or previous is 0.",
        "change",
        topic,
        Scale(floor),
    )


# Counts are compared on log10(n + 1): 0 indicators among peers with 60 is far, 55 among 60 is not.
_COUNT = Scale(0.05, "log", 1.0)
SANGONG, STAFF, PROJECTS, TOTAL, PERFORMANCE, CONSISTENCY = (
    "三公经费",
    "人员和公用经费",
    "项目支出",
    "支出总量",
    "绩效目标",
    "一致性检查",
)

FEATURES: tuple[Feature, ...] = (
    # 三公经费. Its shares vary by orders of magnitude with a department's size: compared on a log scale,
    # high side only (a department that budgets no 三公 at all is not a review case).
    _share(
        "sangong_share_pct",
        "三公经费占支出合计比例",
        "sangong_total",
        "total_expenditure",
        "Share of “三公”经费 in total spending (filings).",
        SANGONG,
        Scale(0.05, "log", 0.05, "high"),
    ),
    _share(
        "sangong_public_pct",
        "三公经费占公用经费比例",
        "sangong_total",
        "public_expenditure",
        "Share of “三公”经费 in 公用经费 (filings).",
        SANGONG,
        Scale(0.05, "log", 1.0, "high"),
    ),
    _share(
        "overseas_sangong_pct",
        "因公出国（境）费占三公经费比例",
        "overseas",
        "sangong_total",
        "Share of 因公出国(境)费 in the “三公” total (line_items of table sangong, column overseas).",
        SANGONG,
        Scale(2.0),
    ),
    _share(
        "vehicle_sangong_pct",
        "公务用车购置及运行费占三公经费比例",
        "vehicle_total",
        "sangong_total",
        "Share of 公务用车购置及运行费 in the “三公” total (line_items of table sangong; vehicle_purchase + vehicle_operation when no vehicle_total).",
        SANGONG,
        Scale(2.0),
    ),
    _share(
        "reception_sangong_pct",
        "公务接待费占三公经费比例",
        "reception",
        "sangong_total",
        "Share of 公务接待费 in the “三公” total (line_items of table sangong, column reception).",
        SANGONG,
        Scale(2.0),
    ),
    _change("sangong_change_pct", "三公经费", "sangong_total", SANGONG, 5.0),
    # 人员和公用经费
    _share(
        "personnel_share_of_basic_pct",
        "人员经费占基本支出比例",
        "personnel_expenditure",
        "basic_expenditure",
        "The personnel ratio: 人员经费 as a share of 基本支出 (filings).",
        STAFF,
        Scale(1.0),
    ),
    _share(
        "personnel_share_pct",
        "人员经费占支出合计比例",
        "personnel_expenditure",
        "total_expenditure",
        "人员经费 as a share of total spending (filings).",
        STAFF,
        Scale(1.0),
    ),
    _share(
        "public_share_pct",
        "公用经费占支出合计比例",
        "public_expenditure",
        "total_expenditure",
        "The public-expense ratio: 公用经费 as a share of total spending (filings).",
        STAFF,
        Scale(0.5),
    ),
    _change("personnel_change_pct", "人员经费", "personnel_expenditure", STAFF, 2.0),
    _change("basic_change_pct", "基本支出", "basic_expenditure", STAFF, 2.0),
    # 项目支出. Shares run from 10 % to 80 % by type; 1 % or 95 % is unusual for any type: compared as log-odds.
    _share(
        "project_share_pct",
        "项目支出占支出合计比例",
        "project_expenditure",
        "total_expenditure",
        "项目支出 as a share of total spending (filings).",
        PROJECTS,
        Scale(0.05, "logit"),
    ),
    _change("project_change_pct", "项目支出", "project_expenditure", PROJECTS, 5.0),
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
    _change("total_change_pct", "支出合计", "total_expenditure", TOTAL, 2.0),
    Feature(
        "size_log10_wan",
        "支出规模",
        "log10(total_expenditure)",
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


# ---------------------------------------------------------------- department identity and type


department_key = checks.department_key  # one definition of "the same department across years"


@dataclass(frozen=True)
class DepartmentType:
    name: str
    keywords: tuple[str, ...]


def load_department_types(path: Path = DEPARTMENT_TYPES_PATH) -> tuple[DepartmentType, ...]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(DepartmentType(t["name"], tuple(squash(k) for k in t["keywords"])) for t in raw["type"])


def department_type(name: str, types: Sequence[DepartmentType]) -> str:
    """The first type one of whose keywords occurs in the normalised department name; 其他 when none does."""
    folded = squash(name)
    for t in types:
        if any(k in folded for k in t.keywords):
            return t.name
    return OTHER_TYPE


def template_has_performance(tables_found: Iterable[str]) -> bool:
    catalog = load_catalog()
    return any(t in catalog.best_template(tables_found).tables for t in catalog.form_table_ids)


# ---------------------------------------------------------------- performance indicators


INDICATOR_CATEGORIES = ("数量", "质量", "时效", "成本", "效益", "满意度")
_CATEGORY_FEATURE = dict(
    zip(
        INDICATOR_CATEGORIES,
        (
            "quantity_indicator_pct",
            "quality_indicator_pct",
            "timeliness_indicator_pct",
            "cost_indicator_pct",
            "benefit_indicator_pct",
            "satisfaction_indicator_pct",
        ),
    )
)
# 一级 and 二级 indicator headings as printed; 产出指标 only opens 数量/质量/时效/成本.
_CATEGORY = (
    (re.compile(r"^产出指标$"), None),
    (re.compile(r"^数量指标$"), "数量"),
    (re.compile(r"^质量指标$"), "质量"),
    (re.compile(r"^时效指标$"), "时效"),
    (re.compile(r"成本指标$"), "成本"),
    (re.compile(r"效益指标$|^可持续影响指标$"), "效益"),
    (re.compile(r"满意度指标$"), "满意度"),
)
# Printed as the 二级 heading by some forms (the seed) and as the indicator's own name by others.
_AMBIGUOUS_HEADING = re.compile(r"^服务对象满意度$")
# Cells of an indicator block that are neither an indicator's name nor its value.
_NOT_INDICATOR = re.compile(
    r"^$|^[-/—－]+$|标准$|依据$|^(长期|年度)(绩效)?(目标|指标)(表)?\d*[:：]?$|^目标名称$|^(一级|二级|三级)?指标$|指标值|^前年$|^上年$|当年实现|^[一二三]级$"
)
_HEADER = re.compile(r"^三级指标$")


@dataclass(frozen=True)
class Indicator:
    table_id: str
    table_title: str
    category: str | None  # 数量 质量 时效 成本 效益 满意度; None when no heading was printed before it
    name: str
    target: str  # the last value printed on its row: the current year's target

    @property
    def is_qualitative(self) -> bool:
        """提升, 达成, 良好 … rather than a number (≥95%, ≤48小时, 12份, 0)."""
        return not re.search(r"\d", self.target)


def _heading(text: str) -> tuple[bool, str | None]:
    for pattern, category in _CATEGORY:
        if pattern.search(text):
            return True, category
    return False, None


def form_to_indicators(cells: Sequence[forms.FormCell]) -> list[Indicator]:
    """The indicator rows of one performance form: after a header row naming 三级指标, each row with a name and a value.

    The printed grids shift columns between pages and rows (merged heading cells), so cells are read by
    what they say, not by column: headings set the category of the rows that follow, bases (计划标准)
    and header words are skipped, the first remaining cell is the name and the last one the target. A
    row with a name only is a wrapped continuation of the row above.
    """
    found: list[Indicator] = []
    in_block, category = False, None
    for row in forms.form_rows(list(cells)):
        texts = [squash(c.text) for c in row]
        if any(_HEADER.match(t) for t in texts):
            in_block, category = True, None
            continue
        if not in_block:
            continue
        rest, ambiguous = [], []
        for text in texts:
            is_heading, heading = _heading(text)
            if is_heading:
                category = heading
            elif _AMBIGUOUS_HEADING.match(text):
                category = "满意度"
                ambiguous.append(text)
            elif not _NOT_INDICATOR.search(text):
                rest.append(text)
        if len(rest) == 1 and ambiguous:  # 服务对象满意度 | ≥90%: it was the name
            rest.insert(0, ambiguous[-1])
        if len(rest) >= 2:
            found.append(Indicator(row[0].table_id, row[0].table_title, category, rest[0], rest[-1]))
    return found


@dataclass(frozen=True)
class IndicatorCounts:
    n_forms: int
    n_project_forms: int
    n_indicators: int
    n_project_indicators: int
    by_category: dict[str, int]
    n_qualitative: int


def count_indicators(cells: Sequence[forms.FormCell]) -> IndicatorCounts:
    """Indicators of all performance forms of one filing (one form per table_id and title)."""
    by_form: dict[tuple[str, str], list[forms.FormCell]] = {}
    for cell in cells:
        if cell.table_id in load_catalog().form_table_ids:
            by_form.setdefault((cell.table_id, cell.table_title), []).append(cell)
    indicators = [i for form in by_form.values() for i in form_to_indicators(form)]
    by_category = {c: sum(1 for i in indicators if i.category == c) for c in INDICATOR_CATEGORIES}
    return IndicatorCounts(
        n_forms=len(by_form),
        n_project_forms=sum(1 for table_id, _ in by_form if table_id == "performance_project"),
        n_indicators=len(indicators),
        n_project_indicators=sum(1 for i in indicators if i.table_id == "performance_project"),
        by_category=by_category,
        n_qualitative=sum(1 for i in indicators if i.is_qualitative),
    )


# ---------------------------------------------------------------- previous-year figures stated in the narrative


# Claim subjects (squashed) that state a headline figure; the first claim with a previous-year figure wins.
_NARRATIVE_SUBJECTS = {
    "total_expenditure": re.compile(r"^(部门)?(收支总预算|支出总预算|预算支出|支出预算)$"),
    "basic_expenditure": re.compile(r"^(一般公共预算)?基本支出(预算)?$"),
    "project_expenditure": re.compile(r"^(一般公共预算)?项目支出(预算)?$"),
    "personnel_expenditure": re.compile(r"^人员经费(支出)?$"),
    "sangong_total": re.compile(r"^(一般公共预算(财政拨款)?)?[“\"]?三公[”\"]?经费(支出|预算)*$"),
}


def narrative_previous(claims: Iterable[dict], year: int | None) -> dict[str, float]:
    """Previous-year headline figures (万元) the narrative states: amount − delta, or the stated prev_amount.

    Only comparisons with the year before count (a 2026 budget compared with 2026 is a finding of
    year.consistent, not a previous figure).
    """
    found: dict[str, float] = {}
    for claim in claims:
        subject = squash(claim["subject"])
        headline = next((h for h, pattern in _NARRATIVE_SUBJECTS.items() if pattern.search(subject)), None)
        if headline is None or headline in found:
            continue
        if year is None or claim["compare_year"] != year - 1:
            continue
        if claim["delta"] is not None:
            previous = claim["amount"] - claim["delta"]
        elif claim["prev_amount"] is not None:
            previous = claim["prev_amount"]
        else:
            continue
        found[headline] = float(previous * UNIT_TO_YUAN[claim["unit"]] / YUAN_PER_WAN)
    return found


# ---------------------------------------------------------------- projects and units


_NOT_PROJECT = re.compile(r"^(合计|总计|小计)$|本级$|支出项目$|^(其中|[一二三四五六七八九十]+、)")


def count_projects(labels: Sequence[str], unit_names: Iterable[str], department: str | None) -> int:
    """Project rows of a 项目支出表: not the total, not a unit or the department, not a category row."""
    skip = {squash(n) for n in unit_names if n} | ({squash(department)} if department else set())
    return sum(1 for label in labels if (s := squash(label)) and not _NOT_PROJECT.search(s) and s not in skip)


# ---------------------------------------------------------------- the features of one filing


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or not whole or math.isnan(part) or math.isnan(whole):
        return None
    return 100.0 * part / whole


def _change_pct(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or not previous:
        return None
    return 100.0 * (current - previous) / abs(previous)


@dataclass(frozen=True)
class FilingInputs:
    """What the features of one filing are computed from (read from the datasets by load_inputs)."""

    filing: dict  # the filings.parquet row
    sangong: dict[str, float]  # column → 万元 (first row of the sangong table)
    unit_codes: frozenset[str]
    unit_names: tuple[str, ...]
    project_labels: tuple[str, ...] | None  # None: no 项目支出表
    form_cells: tuple[forms.FormCell, ...]
    claims: tuple[dict, ...]
    failed_checks: dict[str, int] | None  # severity → count; None: checks not run


def filing_features(
    inputs: FilingInputs, previous: dict | None, counts: IndicatorCounts, expects_performance: bool
) -> dict:
    """The feature values of one filing.

    previous: the same department's filing of the year before, if any; counts: its performance
    indicators; expects_performance: whether a filing without performance forms left them out (0)
    rather than follows a template that has none (unknown).
    """
    f = inputs.filing
    total, basic, project = f["total_expenditure"], f["basic_expenditure"], f["project_expenditure"]
    personnel, public, sangong = f["personnel_expenditure"], f["public_expenditure"], f["sangong_total"]
    vehicle = inputs.sangong.get("vehicle_total")
    if vehicle is None and ("vehicle_purchase" in inputs.sangong or "vehicle_operation" in inputs.sangong):
        vehicle = inputs.sangong.get("vehicle_purchase", 0.0) + inputs.sangong.get("vehicle_operation", 0.0)
    sangong_base = sangong if sangong is not None else inputs.sangong.get("sangong_total")
    values: dict = {
        "sangong_share_pct": _pct(sangong, total),
        "sangong_public_pct": _pct(sangong, public),
        "overseas_sangong_pct": _pct(inputs.sangong.get("overseas"), sangong_base),
        "vehicle_sangong_pct": _pct(vehicle, sangong_base),
        "reception_sangong_pct": _pct(inputs.sangong.get("reception"), sangong_base),
        "personnel_share_of_basic_pct": _pct(personnel, basic),
        "personnel_share_pct": _pct(personnel, total),
        "public_share_pct": _pct(public, total),
        "project_share_pct": _pct(project, total),
        "size_log10_wan": math.log10(total) if total and total > 0 else None,
    }
    # Year over year: the previous filing's figure, else the one the narrative states.
    stated = narrative_previous(inputs.claims, f["year"])
    sources = set()
    for headline, feature in CHANGE_OF.items():
        prior = previous.get(headline) if previous is not None else None
        source = "previous_filing"
        if prior is None:
            prior, source = stated.get(headline), "narrative"
        values[feature] = _change_pct(f[headline], prior)
        if values[feature] is not None:
            sources.add(source)
    yoy_basis = None if not sources else sources.pop() if len(sources) == 1 else "mixed"
    # Performance forms: counted where they are expected (see expects_performance_forms).
    expects = expects_performance or counts.n_forms > 0
    n = counts.n_indicators
    values.update(
        {
            "n_performance_tables": counts.n_forms if expects else None,
            "n_indicators": n if expects else None,
            "indicators_per_project": counts.n_project_indicators / counts.n_project_forms
            if counts.n_project_forms
            else None,
            **{feature: (_pct(counts.by_category[c], n) if n else None) for c, feature in _CATEGORY_FEATURE.items()},
            "qualitative_target_pct": _pct(counts.n_qualitative, n) if n else None,
        }
    )
    if inputs.project_labels is not None:
        n_projects = count_projects(inputs.project_labels, inputs.unit_names, f["department"])
    else:
        n_projects = counts.n_project_forms if counts.n_project_forms else None
    values.update(
        {
            "n_units": len(inputs.unit_codes) if inputs.unit_codes else None,
            "n_projects": n_projects,
            "n_failed_errors": inputs.failed_checks.get("error", 0) if inputs.failed_checks is not None else None,
            "n_failed_warnings": inputs.failed_checks.get("warning", 0) if inputs.failed_checks is not None else None,
        }
    )
    return {"yoy_basis": yoy_basis, **values}


# ---------------------------------------------------------------- reading the datasets


def _read(out_dir: Path, name: str, columns: list[str], where: pl.Expr | None = None) -> pl.DataFrame | None:
    path = dataset_path(out_dir, name)
    if not path.exists():
        return None
    frame = pl.scan_parquet(path).select(columns)
    return (frame.filter(where) if where is not None else frame).collect()


def _group(frame: pl.DataFrame | None, key: str = "filing_id") -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    if frame is not None:
        for row in frame.iter_rows(named=True):
            grouped.setdefault(row[key], []).append(row)
    return grouped


def load_inputs(out_dir: Path) -> list[FilingInputs]:
    """The inputs of every ok/partial filing in out_dir (filings, line_items, form_cells, claims, checks)."""
    out_dir = Path(out_dir)
    filings = pl.read_parquet(dataset_path(out_dir, "filings")).filter(pl.col("status") != "failed")
    wanted = ("sangong", "general_budget_by_unit", "income_summary", "projects")
    items = _read(
        out_dir,
        "line_items",
        ["filing_id", "table_id", "row_index", "row_label", "code", "column", "value_wan"],
        pl.col("table_id").is_in(wanted),
    )
    cells = _read(
        out_dir,
        "form_cells",
        [
            "filing_id",
            "table_index",
            "table_id",
            "table_title",
            "unit",
            "page",
            "row_index",
            "column_index",
            "colspan",
            "text",
            "bbox",
        ],
        pl.col("table_id").is_in(load_catalog().form_table_ids),
    )
    claims = _read(
        out_dir,
        "claims",
        ["filing_id", "claim_index", "subject", "amount", "unit", "compare_year", "delta", "prev_amount"],
    )
    failed = _read(out_dir, "checks", ["filing_id", "severity", "passed"])
    items_by = _group(items)
    cells_by = _group(cells)
    claims_by = _group(claims.sort("filing_id", "claim_index") if claims is not None else None)
    failed_by: dict[str, dict[str, int]] = {}
    if failed is not None:
        for row in failed.filter(pl.col("passed").not_()).group_by("filing_id", "severity").len().iter_rows(named=True):
            failed_by.setdefault(row["filing_id"], {})[row["severity"]] = row["len"]
    inputs = []
    for f in filings.iter_rows(named=True):
        rows = items_by.get(f["filing_id"], [])
        sangong = [r for r in rows if r["table_id"] == "sangong"]
        first = min((r["row_index"] for r in sangong), default=None)
        unit_rows = [r for r in rows if r["table_id"] == "general_budget_by_unit" and r["code"] and len(r["code"]) == 6]
        unit_rows = unit_rows or [
            r for r in rows if r["table_id"] == "income_summary" and r["code"] and len(r["code"]) == 6
        ]
        projects = sorted(
            {(r["row_index"], r["row_label"]) for r in rows if r["table_id"] == "projects" and r["column"] == "total"}
        )
        inputs.append(
            FilingInputs(
                filing=f,
                sangong={r["column"]: r["value_wan"] for r in sangong if r["row_index"] == first},
                unit_codes=frozenset(r["code"] for r in unit_rows),
                unit_names=tuple(
                    {
                        r["row_label"]
                        for r in rows
                        if r["table_id"] in ("general_budget_by_unit", "income_summary")
                        and r["code"]
                        and len(r["code"]) >= 6
                    }
                ),
                project_labels=tuple(label for _, label in projects)
                if "projects" in (f["tables_found"] or ())
                else None,
                form_cells=tuple(
                    forms.FormCell(
                        c["table_index"],
                        c["table_id"],
                        c["table_title"],
                        c["unit"],
                        c["page"],
                        c["row_index"],
                        c["column_index"],
                        c["colspan"],
                        c["text"],
                        tuple(c["bbox"]),
                    )
                    for c in cells_by.get(f["filing_id"], [])
                ),
                claims=tuple(claims_by.get(f["filing_id"], [])),
                failed_checks=failed_by.get(f["filing_id"], {}) if failed is not None else None,
            )
        )
    return inputs


def previous_filings(filings: Sequence[dict]) -> dict[str, dict]:
    """filing_id → the same department's filing of the year before (normalised name within region; not the file name).

    When a department has several filings for one year (two versions of a file), the ok one with the
    smallest filing_id is taken, so the choice does not depend on the order of the input.
    """
    by_key: dict[tuple[tuple[str, str], int], dict] = {}
    for f in sorted(filings, key=lambda f: (f["status"] != "ok", f["filing_id"])):
        if f["year"] is not None:
            by_key.setdefault((department_key(f["region"], f["department"]), f["year"]), f)
    return {
        f["filing_id"]: prev
        for f in filings
        if f["year"] is not None
        and (prev := by_key.get((department_key(f["region"], f["department"]), f["year"] - 1))) is not None
    }


# A district where at least half of the filings print performance forms expects them from every department.
PERFORMANCE_PRACTICE_SHARE = 0.5


def expects_performance_forms(inputs: Sequence[FilingInputs], counts: Mapping[str, IndicatorCounts]) -> dict[str, bool]:
    """filing_id → whether its missing performance forms are an omission (counted as 0) or not expected (null).

    Expected when its template requires them (the Wuhan/MoF template), or when most filings of its
    district print them: the real Shanghai filing has none and its template none, but a district
    whose departments all publish 绩效目标表 expects them from the one that does not.
    """
    printing: dict[str, list[bool]] = {}
    for i in inputs:
        printing.setdefault(squash(i.filing["region"] or ""), []).append(counts[i.filing["filing_id"]].n_forms > 0)
    practice = {region: sum(flags) >= PERFORMANCE_PRACTICE_SHARE * len(flags) for region, flags in printing.items()}
    return {
        i.filing["filing_id"]: template_has_performance(i.filing["tables_found"] or ())
        or practice[squash(i.filing["region"] or "")]
        for i in inputs
    }


def features_rows(inputs: Sequence[FilingInputs], types: Sequence[DepartmentType] | None = None) -> list[dict]:
    """One features.parquet row per filing."""
    types = load_department_types() if types is None else types
    previous = previous_filings([i.filing for i in inputs])
    counts = {i.filing["filing_id"]: count_indicators(i.form_cells) for i in inputs}
    expects = expects_performance_forms(inputs, counts)
    rows = []
    for i in inputs:
        f = i.filing
        prev = previous.get(f["filing_id"])
        _, name = department_key(f["region"], f["department"])
        values = filing_features(i, prev, counts[f["filing_id"]], expects[f["filing_id"]])
        rows.append(
            {
                "filing_id": f["filing_id"],
                "region": f["region"],
                "department": f["department"],
                "department_type": department_type(name, types) if name else OTHER_TYPE,
                "year": f["year"],
                "prev_filing_id": prev["filing_id"] if prev is not None else None,
                **values,
            }
        )
    for row in rows:
        for feature in FEATURES:
            value = row[feature.name]
            if value is not None and feature.is_integer:
                row[feature.name] = int(value)
    return rows


def build_features(out_dir: Path) -> Path:
    """Compute features.parquet from the datasets in out_dir (parse and check stages); returns its path."""
    from budgetml.datasets import rows_to_table, write_table
    from budgetml.schema import FEATURES as FEATURES_DATASET

    rows = features_rows(load_inputs(Path(out_dir)))
    return write_table(FEATURES_DATASET, rows_to_table(FEATURES_DATASET, rows), Path(out_dir))


__all__ = [
    "FEATURES",
    "FEATURES_BY_NAME",
    "Feature",
    "Indicator",
    "build_features",
    "count_indicators",
    "department_key",
    "department_type",
    "features_rows",
    "form_to_indicators",
    "load_department_types",
    "load_inputs",
    "narrative_previous",
    "previous_filings",
]

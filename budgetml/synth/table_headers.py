"""The header grids of the printed tables, as data: the Wuhan (seed) template's and the Shanghai (普陀) template's.

budgetml/synth/seed.py lays the seed fixture out with the Wuhan grids; the sample corpus
(budgetml/synth/sample_render.py) prints both templates with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from budgetml.synth.render import HeaderCell

# --- the Wuhan template (the seed's), by table label --------------------------------------------
# The seed text keeps the body rows intact but garbles multi-level headers (merged cells come out as
# empty tabs, narrow columns as one character per word), so each header grid is written here as data,
# following the 2025 Wuhan district template. Body rows always come from the text.


@dataclass(frozen=True)
class TableLayout:
    """How one table of a template prints: its header grid, column widths and alignments, orientation."""

    header: tuple[HeaderCell, ...]
    col_widths: tuple[float, ...]
    col_aligns: tuple[str, ...] = ()
    landscape: bool = False


_H = HeaderCell
_CODE_NAME = ("left", "left")  # codes print left-aligned like names, not as amounts
# 科目编码 | 科目名称 | three amounts: 表3, 表6, 表8, 表9.
_CODED_WIDTHS = (1.3, 3.4, 1.3, 1.3, 1.3)
_CODED_ALIGNS = (*_CODE_NAME, "auto", "auto", "auto")


def _two_sided_header(item: str, income: str = "收 入", expenditure: str = "支 出") -> tuple[HeaderCell, ...]:
    """收入 | 支出 side by side, as in 部门收支总表 and 财政拨款收支总表."""
    return (
        _H(income, 0, 0, colspan=2),
        _H(expenditure, 0, 2, colspan=2),
        _H(item, 1, 0),
        _H("预算数", 1, 1),
        _H(item, 1, 2),
        _H("预算数", 1, 3),
    )


def _fund_header(budget: str) -> tuple[HeaderCell, ...]:
    """科目 | 本年…预算支出 (合计, 基本支出, 项目支出), as in 表8 and 表9."""
    return (
        _H("科目编码", 0, 0, rowspan=2),
        _H("科目名称", 0, 1, rowspan=2),
        _H(budget, 0, 2, colspan=3),
        _H("合计", 1, 2),
        _H("基本支出", 1, 3),
        _H("项目支出", 1, 4),
    )


def _basic_split_header(code: str, name: str) -> tuple[HeaderCell, ...]:
    """编码 | 名称 | 合计 | 基本支出 (小计, 人员经费, 公用经费) | 项目支出, as in 表5-1 and 表5-2."""
    return (
        _H(code, 0, 0, rowspan=2),
        _H(name, 0, 1, rowspan=2),
        _H("合计", 0, 2, rowspan=2),
        _H("基本支出", 0, 3, colspan=3),
        _H("项目支出", 0, 6, rowspan=2),
        _H("小计", 1, 3),
        _H("人员经费", 1, 4),
        _H("公用经费", 1, 5),
    )


_INCOME_SOURCES = (
    "小计",
    "一般公共预算",
    "政府性基金预算",
    "国有资本经营预算",
    "财政专户管理资金",
    "事业收入",
    "事业单位经营收入",
    "上级补助收入",
    "附属单位上缴收入",
    "其他收入",
)
_FUNDS = ("一般公共预算", "政府性基金预算", "国有资本经营预算")

WUHAN_LAYOUTS: dict[str, TableLayout] = {
    "表1": TableLayout(_two_sided_header("项 目"), (3.2, 1.3, 3.2, 1.3)),
    "表2": TableLayout(
        (
            _H("部门(单位)代码", 0, 0, rowspan=2),
            _H("部门(单位)名称", 0, 1, rowspan=2),
            _H("合计", 0, 2, rowspan=2),
            _H("本年收入", 0, 3, colspan=len(_INCOME_SOURCES)),
            *(_H(name, 1, 3 + i) for i, name in enumerate(_INCOME_SOURCES)),
            _H("上年结转结余", 0, 13, rowspan=2),
            # The seed text prints 13 amount columns but names only 12; the last header is lost in
            # the extraction. 用事业基金弥补收支差额 is the usual 13th column of this table.
            _H("用事业基金弥补收支差额", 0, 14, rowspan=2),
        ),
        (1.3, 1.9, *(1.0,) * 13),
        col_aligns=(*_CODE_NAME, *("auto",) * 13),
        landscape=True,
    ),
    "表3": TableLayout(
        (_H("科目编码", 0, 0), _H("科目名称", 0, 1), _H("合计", 0, 2), _H("基本支出", 0, 3), _H("项目支出", 0, 4)),
        _CODED_WIDTHS,
        col_aligns=_CODED_ALIGNS,
    ),
    "表4": TableLayout(_two_sided_header("项目"), (3.2, 1.3, 3.2, 1.3)),
    "表5-1": TableLayout(
        _basic_split_header("科目编码", "科目名称"),
        (1.3, 3.2, 1.2, 1.2, 1.2, 1.2, 1.2),
        col_aligns=(*_CODE_NAME, *("auto",) * 5),
    ),
    "表5-2": TableLayout(
        _basic_split_header("单位编码", "单位名称"),
        (1.2, 3.4, 1.2, 1.2, 1.2, 1.2, 1.2),
        col_aligns=(*_CODE_NAME, *("auto",) * 5),
    ),
    "表6": TableLayout(
        (
            _H("部门预算支出经济分类科目", 0, 0, colspan=2),
            _H("本年一般公共预算基本支出", 0, 2, colspan=3),
            _H("科目编码", 1, 0),
            _H("科目名称", 1, 1),
            _H("合计", 1, 2),
            _H("人员经费", 1, 3),
            _H("公用经费", 1, 4),
        ),
        _CODED_WIDTHS,
        col_aligns=_CODED_ALIGNS,
    ),
    "表7": TableLayout(
        (
            _H("“三公”经费合计", 0, 0, rowspan=2),
            _H("因公出国(境)费", 0, 1, rowspan=2),
            _H("公务用车购置及运行费", 0, 2, colspan=3),
            _H("公务接待费", 0, 5, rowspan=2),
            _H("小计", 1, 2),
            _H("公务用车购置费", 1, 3),
            _H("公务用车运行费", 1, 4),
        ),
        (1.0,) * 6,
    ),
    "表8": TableLayout(
        _fund_header("本年政府性基金预算支出"),
        _CODED_WIDTHS,
        col_aligns=_CODED_ALIGNS,
    ),
    "表9": TableLayout(
        _fund_header("本年国有资本经营预算支出"),
        _CODED_WIDTHS,
        col_aligns=_CODED_ALIGNS,
    ),
    "表10": TableLayout(
        (
            _H("项目名称", 0, 0, rowspan=2),
            _H("项目单位", 0, 1, rowspan=2),
            _H("合计", 0, 2, rowspan=2),
            _H("本年拨款", 0, 3, colspan=3),
            _H("财政拨款结转结余", 0, 6, colspan=3),
            _H("财政专户管理资金", 0, 9, rowspan=2),
            _H("单位资金", 0, 10, rowspan=2),
            *(_H(name, 1, 3 + i) for i, name in enumerate(_FUNDS)),
            *(_H(name, 1, 6 + i) for i, name in enumerate(_FUNDS)),
        ),
        (2.8, 2.8, *(1.0,) * 9),
        landscape=True,
    ),
}


# --- the Shanghai template (普陀's), by canonical table id -----------------------------------------


def _sh_coded_header(
    group: str,
    columns: tuple[str, ...],
    code: str = "功能分类科目编码",
    name: str = "功能分类科目名称",
    levels: tuple[str, ...] = ("类", "款", "项"),
) -> tuple[HeaderCell, ...]:
    """普陀's coded tables: 项目 over the code (one column per level) and the name, the money group over its columns."""
    n = len(levels)
    return (
        _H("项目", 0, 0, colspan=n + 1),
        _H(group, 0, n + 1, colspan=len(columns)),
        _H(code, 1, 0, colspan=n),
        _H(name, 1, n, rowspan=2),
        *(_H(column, 1, n + 1 + i, rowspan=2) for i, column in enumerate(columns)),
        *(_H(level, 2, i) for i, level in enumerate(levels)),
    )


_SH_SPENDING = ("合计", "基本支出", "项目支出")
_SH_CODE3 = (0.45, 0.45, 0.45)
_SH_FUNCTION_WIDTHS = (*_SH_CODE3, 2.6, 1.5, 1.5, 1.5)
SHANGHAI_HEADERS: dict[str, tuple[tuple[HeaderCell, ...], tuple[float, ...]]] = {
    "income_expenditure_summary": (_two_sided_header("项目", "本年收入", "本年支出"), (3.0, 1.6, 3.0, 1.6)),
    "income_summary": (
        _sh_coded_header("收入预算", ("合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入")),
        (*_SH_CODE3, 2.2, 1.45, 1.45, 1.0, 1.0, 1.0),
    ),
    "expenditure_summary": (_sh_coded_header("支出预算", _SH_SPENDING), _SH_FUNCTION_WIDTHS),
    "fiscal_grant_summary": (
        (
            _H("财政拨款收入", 0, 0, colspan=2),
            _H("财政拨款支出", 0, 2, colspan=5),
            _H("项目", 1, 0),
            _H("预算数", 1, 1),
            _H("项目", 1, 2),
            _H("合计", 1, 3),
            _H("一般公共预算", 1, 4),
            _H("政府性基金预算", 1, 5),
            _H("国有资本经营预算", 1, 6),
        ),
        (2.0, 1.5, 2.3, 1.5, 1.5, 1.1, 1.1),
    ),
    "general_budget_by_function": (_sh_coded_header("一般公共预算支出", _SH_SPENDING), _SH_FUNCTION_WIDTHS),
    "gov_fund": (_sh_coded_header("政府性基金预算支出", _SH_SPENDING), _SH_FUNCTION_WIDTHS),
    "state_capital": (_sh_coded_header("国有资本经营预算支出", _SH_SPENDING), _SH_FUNCTION_WIDTHS),
    "basic_expenditure_by_economic": (
        _sh_coded_header(
            "一般公共预算基本支出",
            ("合计", "人员经费", "公用经费"),
            code="部门预算经济分类科目编码",
            name="经济分类科目名称",
            levels=("类", "款"),
        ),
        (0.55, 0.55, 2.6, 1.5, 1.5, 1.5),
    ),
    "sangong": (
        (
            _H("“三公”经费预算数", 0, 0, colspan=6),
            _H("机关运行经费预算数", 0, 6, rowspan=3),
            _H("合计", 1, 0, rowspan=2),
            _H("因公出国(境)费", 1, 1, rowspan=2),
            _H("公务接待费", 1, 2, rowspan=2),
            _H("公务用车购置及运行费", 1, 3, colspan=3),
            _H("小计", 2, 3),
            _H("购置费", 2, 4),
            _H("运行费", 2, 5),
        ),
        (1.0,) * 7,
    ),
}

# Wuhan tables by canonical id (configs/catalog.toml): the seed template's label.
WUHAN_LABELS = {
    "income_expenditure_summary": "表1",
    "income_summary": "表2",
    "expenditure_summary": "表3",
    "fiscal_grant_summary": "表4",
    "general_budget_by_function": "表5-1",
    "general_budget_by_unit": "表5-2",
    "basic_expenditure_by_economic": "表6",
    "sangong": "表7",
    "gov_fund": "表8",
    "state_capital": "表9",
    "projects": "表10",
}

"""Every rule on small hand-built filings: one that satisfies it and one that breaks it (and, where it matters, one it cannot check).

Each case is a FilingData built inline (amounts in 万元, table records, form cells, narrative sentences
read by the real claim parser) and the exact list of `passed` values the rule must yield. A passing
case and its failing twin differ in one printed figure or word, so a rule that yields nothing, or the
same verdict whatever it reads, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from budgetml.catalog import load_catalog
from budgetml.checks.claims import narrative_to_claims
from budgetml.checks.forms import read_value
from budgetml.checks.inputs import Amount, FilingData, PrintedTable
from budgetml.checks.outputs import Columns, add_findings
from budgetml.checks.registry import IMPLEMENTATIONS, load_rules
from budgetml.checks.rulebook import run_rules
from budgetml.form_cells import FormCell
from budgetml.normalise import UNIT_TO_YUAN
from budgetml.schema import CHECKS
from tests.final_account_cases import FINAL_ACCOUNT_CASES

YEAR = 2025
SHANGHAI_TABLES = (
    "income_expenditure_summary",
    "income_summary",
    "expenditure_summary",
    "fiscal_grant_summary",
    "general_budget_by_function",
    "gov_fund",
    "state_capital",
    "basic_expenditure_by_economic",
    "sangong",
)


# ---------------------------------------------------------------- builders


def amount(table_id: str, column: str, wan: str, label: str = "", code: str | None = None, row: int = 0) -> Amount:
    """A line item printed in 万元 to the digits of `wan`."""
    decimals = len(wan.split(".")[1]) if "." in wan else 0
    return Amount(
        f"x:0:{row}:{column}",
        0,
        table_id,
        1,
        row,
        label,
        code,
        column,
        Decimal(wan) * UNIT_TO_YUAN["万元"],
        decimals,
        "万元",
        wan,
        (0, 0, 1, 1),
    )


def total(table_id: str, column: str, wan: str) -> Amount:
    """A figure of the table's 合计 row."""
    return amount(table_id, column, wan, "合计", row=99)


def table(
    table_id: str,
    title: str = "",
    department: str | None = None,
    notes: tuple[str, ...] = (),
    label: str | None = None,
    confidence: float = 1.0,
) -> PrintedTable:
    return PrintedTable(
        0,
        table_id,
        title or f"{YEAR}年{load_catalog().table_name(table_id)}",
        "万元",
        (1,),
        department,
        notes,
        confidence,
        label,
    )


def form(table_id: str, title: str, rows: list[list[str]]) -> list[FormCell]:
    """A form's cells, one string per cell, rows top to bottom."""
    return [
        FormCell(f"x:0:{r}:{c}", 0, table_id, title, "万元", 2, r, c, 1, text, (float(c), float(r), c + 1.0, r + 1.0))
        for r, texts in enumerate(rows)
        for c, text in enumerate(texts)
    ]


def filing(
    amounts: list[Amount] = (),
    tables: list[PrintedTable] | None = None,
    cells: list[FormCell] = (),
    narrative: str = "",
    department: str = "武昌区测试局",
    previous: FilingData | None = None,
    sections: list[tuple[str, str]] = (),
    **metadata,
) -> FilingData:
    """A filing of YEAR; its tables are those its amounts are in unless given, each table its own table_index.

    The narrative is `narrative` under one heading, or (heading, text) `sections`; `metadata` sets the filing's
    status, doc_kind, scope and parent_department.
    """
    tables = tables if tables is not None else [table(t) for t in dict.fromkeys(a.table_id for a in amounts)]
    index = {t.table_id: k for k, t in enumerate(tables)}
    tables = [replace(t, table_index=index[t.table_id]) for t in tables]
    amounts = [replace(a, table_index=index.get(a.table_id, -1)) for a in amounts]
    chunks = [("三、情况说明", 3, narrative)] if narrative else []
    chunks += [(heading, 3, text) for heading, text in sections]
    return FilingData(
        "f" * 64,
        YEAR,
        department,
        "武昌区",
        list(amounts),
        tables,
        list(cells),
        narrative_to_claims(chunks, YEAR),
        chunks,
        previous,
        **metadata,
    )


def with_gov_fund(sections: list[tuple[str, str]]) -> FilingData:
    """A Wuhan-style filing with 政府性基金 money: the department's 项目支出 (5471.86) is the general budget's
    (4851.90) plus the fund's (619.96); 基本支出 11018.28 is all general budget (issue 9's filing)."""
    return filing(
        [
            total("expenditure_summary", "total", "16490.14"),
            total("expenditure_summary", "basic", "11018.28"),
            total("expenditure_summary", "project", "5471.86"),
            total("general_budget_by_function", "total", "15870.18"),
            total("general_budget_by_function", "basic", "11018.28"),
            total("general_budget_by_function", "project", "4851.90"),
            total("gov_fund", "total", "619.96"),
        ],
        sections=sections,
    )


def structure(basic_pct: str = "69.4", project: str = "4851.90") -> FilingData:
    """基本支出 and 项目支出 stated under the general budget's structure heading, with their shares."""
    text = (
        "（一）一般公共预算拨款规模变化情况\n2025年一般公共预算拨款15870.18万元。\n"
        f"（二）一般公共预算拨款结构情况\n基本支出11018.28万元，占{basic_pct}%；项目支出{project}万元，占30.6%。"
    )
    return with_gov_fund([("五、一般公共预算支出安排情况", text)])


def unit_budget(label: str, printed: str, parent: str | None, table_id: str = "sangong") -> FilingData:
    """A 单位预算 of 武昌区测试中心 whose table caption prints `printed` under `label`."""
    return filing(
        tables=[table(table_id, department=printed, label=label)],
        department="武昌区测试中心",
        scope="unit",
        parent_department=parent,
    )


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    rule_id: str
    name: str
    build: Callable[[], FilingData]
    passed: list[bool | None]  # the rule's findings' verdicts, in order


def sangong(reception: str = "3.00") -> list[Amount]:
    figures = {
        "sangong_total": "10.00",
        "overseas": "1.00",
        "vehicle_total": "6.00",
        "vehicle_purchase": "2.00",
        "vehicle_operation": "4.00",
        "reception": reception,
    }
    return [amount("sangong", column, wan) for column, wan in figures.items()]


def cross_totals(spending: str) -> FilingData:
    return filing(
        [
            amount("income_expenditure_summary", "income", "100.00", "收入总计"),
            amount("income_expenditure_summary", "expenditure", "100.00", "支出总计"),
            total("income_summary", "total", "100.00"),
            total("expenditure_summary", "total", spending),
        ]
    )


def fiscal_grant(fiscal: str, other_income: str) -> FilingData:
    return filing(
        [
            amount("fiscal_grant_summary", "expenditure", fiscal, "支出总计"),
            total("expenditure_summary", "total", "100.00"),
            total("income_summary", "total", "100.00"),
            total("income_summary", "other_income", other_income),
        ]
    )


def economic_vs_function(public: str) -> FilingData:
    return filing(
        [
            total("basic_expenditure_by_economic", "total", "60.00"),
            total("basic_expenditure_by_economic", "personnel", "50.00"),
            total("basic_expenditure_by_economic", "public", "10.00"),
            total("general_budget_by_function", "basic", "60.00"),
            total("general_budget_by_function", "personnel", "50.00"),
            total("general_budget_by_function", "public", public),
        ]
    )


OVERALL = "部门整体支出绩效目标表"


def composition(personnel: str = "60", personnel_pct: str = "60%", total_wan: str = "100") -> list[FormCell]:
    return form(
        "performance_overall",
        OVERALL,
        [
            ["支出构成", "金额", "占比"],
            ["人员类项目支出", personnel, personnel_pct],
            ["运转类项目支出", "30", "30%"],
            ["特定目标类项目支出", "10", "10%"],
            ["合计", total_wan, "100%"],
        ],
    )


PROJECT = "项目支出绩效目标表（网络建设）"


def project_form(*rows: list[str], budget: str = "100") -> list[FormCell]:
    return form("performance_project", PROJECT, [["项目当年预算", budget], *rows])


def previous_year(total_wan: str) -> FilingData:
    last = filing([total("expenditure_summary", "total", total_wan)])
    last = replace(last, year=YEAR - 1)
    return filing(
        [total("expenditure_summary", "total", "110.00")],
        narrative="2025年部门收支总预算110.00万元，比2024年预算增加10.00万元，增长10%。",
        previous=last,
    )


CASES = [
    # completeness and names
    Case(
        "completeness.required_tables",
        "all nine",
        lambda: filing(tables=[table(t) for t in SHANGHAI_TABLES]),
        [True] * 9,
    ),
    Case(
        "completeness.required_tables",
        "三公 table missing",
        lambda: filing(tables=[table(t) for t in SHANGHAI_TABLES if t != "sangong"]),
        [True] * 8 + [False],
    ),
    Case(
        "completeness.required_tables",
        "a 决算 printing budget tables is held to the 决算 template",
        lambda: filing(tables=[table(t) for t in SHANGHAI_TABLES], doc_kind="final_account"),
        [False] * 9,
    ),
    Case(
        "completeness.empty_table_note",
        "empty with a note",
        lambda: filing(tables=[table("gov_fund", notes=("本部门无政府性基金预算，故本表为空表。",))]),
        [True],
    ),
    Case("completeness.empty_table_note", "empty, no note", lambda: filing(tables=[table("gov_fund")]), [False]),
    Case(
        "year.consistent",
        "titles and comparison agree",
        lambda: filing(
            tables=[table("sangong", "2025年“三公”经费预算表")],
            narrative="2025年部门收支总预算110万元，比2024年预算增加10万元。",
        ),
        [],
    ),
    Case(
        "year.consistent",
        "last year's title",
        lambda: filing(tables=[table("sangong", "2024年“三公”经费预算表")]),
        [False],
    ),
    Case(
        "year.consistent",
        "compared with the wrong year",
        lambda: filing(narrative="2025年部门收支总预算110万元，比2026年预算增加10万元。"),
        [False],
    ),
    Case(
        "name.consistent",
        "same name, other spacing",
        lambda: filing(tables=[table("sangong", department="武昌区 测试局")]),
        [],
    ),
    Case(
        "name.consistent",
        "other department",
        lambda: filing(tables=[table("sangong", department="武昌区某局")]),
        [False],
    ),
    Case(
        "name.consistent",
        "unit budget: the unit under 预算单位",
        lambda: unit_budget("预算单位", "武昌区测试中心", None),
        [],
    ),
    Case(
        "name.consistent",
        "unit budget: its department under 编制部门, as the cover says",
        lambda: unit_budget("编制部门", "武昌区测试局", "武昌区测试局"),
        [],
    ),
    Case(
        "name.consistent",
        "unit budget: another department under 编制部门",
        lambda: unit_budget("编制部门", "武昌区某局", "武昌区测试局"),
        [False],
    ),
    Case(
        "name.consistent",
        "unit budget: its department under 部门, cover names none",
        lambda: unit_budget("部门", "武昌区测试局", None),
        [None],
    ),
    Case(
        "name.consistent",
        "unit budget: another unit under 编制单位",
        lambda: unit_budget("编制单位", "武昌区某中心", "武昌区测试局"),
        [False],
    ),
    Case(
        "name.consistent",
        "a form names what it likes",
        lambda: unit_budget("编制单位", "武昌区某中心", None, "performance_project"),
        [],
    ),
    Case("template.residue", "filled in", lambda: filing(narrative="武昌区测试局主要职能如下。"), []),
    Case("template.residue", "placeholder left", lambda: filing(narrative="XX局主要职能如下。"), [False]),
    # table identities
    Case(
        "summary.balance",
        "balanced",
        lambda: filing(
            [
                amount("income_expenditure_summary", "income", "100.00", "收入总计"),
                amount("income_expenditure_summary", "expenditure", "100.00", "支出总计"),
            ]
        ),
        [True],
    ),
    Case(
        "summary.balance",
        "income exceeds spending",
        lambda: filing(
            [
                amount("income_expenditure_summary", "income", "100.00", "收入总计"),
                amount("income_expenditure_summary", "expenditure", "90.00", "支出总计"),
            ]
        ),
        [False],
    ),
    Case(
        "summary.balance",
        "no totals printed",
        lambda: filing([amount("income_expenditure_summary", "income", "100.00", "一般公共预算拨款")]),
        [None],
    ),
    Case(
        "table.total_row",
        "合计 is the sum of 类",
        lambda: filing(
            [
                amount("expenditure_summary", "total", "60.00", "教育支出", "205", row=0),
                amount("expenditure_summary", "total", "40.00", "社会保障和就业支出", "208", row=1),
                total("expenditure_summary", "total", "100.00"),
            ]
        ),
        [True],
    ),
    Case(
        "table.total_row",
        "合计 off by 10",
        lambda: filing(
            [
                amount("expenditure_summary", "total", "60.00", "教育支出", "205", row=0),
                amount("expenditure_summary", "total", "40.00", "社会保障和就业支出", "208", row=1),
                total("expenditure_summary", "total", "110.00"),
            ]
        ),
        [False],
    ),
    Case(
        "table.hierarchy",
        "类 = Σ款 within a cent",
        lambda: filing(
            [
                amount("expenditure_summary", "total", "100.01", "教育支出", "205", row=0),
                amount("expenditure_summary", "total", "60.00", "普通教育", "20502", row=1),
                amount("expenditure_summary", "total", "40.00", "职业教育", "20503", row=2),
            ]
        ),
        [True],
    ),
    Case(
        "table.hierarchy",
        "类 ≠ Σ款",
        lambda: filing(
            [
                amount("expenditure_summary", "total", "100.00", "教育支出", "205", row=0),
                amount("expenditure_summary", "total", "60.00", "普通教育", "20502", row=1),
                amount("expenditure_summary", "total", "30.00", "职业教育", "20503", row=2),
            ]
        ),
        [False],
    ),
    Case(
        "table.basic_plus_project",
        "100 = 60 + 40",
        lambda: filing(
            [
                amount("expenditure_summary", c, v, "教育支出", "205")
                for c, v in (("total", "100.00"), ("basic", "60.00"), ("project", "40.00"))
            ]
        ),
        [True],
    ),
    Case(
        "table.basic_plus_project",
        "100 ≠ 60 + 30",
        lambda: filing(
            [
                amount("expenditure_summary", c, v, "教育支出", "205")
                for c, v in (("total", "100.00"), ("basic", "60.00"), ("project", "30.00"))
            ]
        ),
        [False],
    ),
    Case(
        "table.personnel_plus_public",
        "60 = 50 + 10",
        lambda: filing(
            [
                amount("basic_expenditure_by_economic", c, v, "工资福利支出", "301")
                for c, v in (("total", "60.00"), ("personnel", "50.00"), ("public", "10.00"))
            ]
        ),
        [True],
    ),
    Case(
        "table.personnel_plus_public",
        "60 ≠ 50 + 5",
        lambda: filing(
            [
                amount("basic_expenditure_by_economic", c, v, "工资福利支出", "301")
                for c, v in (("total", "60.00"), ("personnel", "50.00"), ("public", "5.00"))
            ]
        ),
        [False],
    ),
    Case("sangong.components", "10 = 1 + 6 + 3; 6 = 2 + 4", lambda: filing(sangong()), [True, True]),
    Case("sangong.components", "reception 4", lambda: filing(sangong(reception="4.00")), [False, True]),
    Case("sangong.components", "no 三公 table", lambda: filing([]), [None]),
    # across tables
    Case("cross.totals", "all 100", lambda: cross_totals("100.00"), [True, True, True]),
    Case("cross.totals", "spending 90", lambda: cross_totals("90.00"), [True, False, False]),
    Case("cross.fiscal_grant", "80 of 100, other income 20", lambda: fiscal_grant("80.00", "20.00"), [True]),
    Case("cross.fiscal_grant", "120 of 100", lambda: fiscal_grant("120.00", "20.00"), [False]),
    Case("cross.fiscal_grant", "all fiscal, yet 80 of 100", lambda: fiscal_grant("80.00", "0.00"), [False]),
    Case(
        "cross.function_vs_expenditure",
        "205 agrees",
        lambda: filing(
            [
                amount("general_budget_by_function", "total", "60.00", "教育支出", "205"),
                amount("expenditure_summary", "total", "60.00", "教育支出", "205"),
            ]
        ),
        [True],
    ),
    Case(
        "cross.function_vs_expenditure",
        "205 larger in the function table",
        lambda: filing(
            [
                amount("general_budget_by_function", "total", "70.00", "教育支出", "205"),
                amount("expenditure_summary", "total", "60.00", "教育支出", "205"),
            ]
        ),
        [False],
    ),
    Case("cross.economic_vs_function", "all agree", lambda: economic_vs_function("10.00"), [True, True, True]),
    Case("cross.economic_vs_function", "公用经费 12", lambda: economic_vs_function("12.00"), [True, True, False]),
    Case(
        "cross.sangong_vs_economic",
        "接待 3 ≥ 30217 2",
        lambda: filing(
            [
                amount("sangong", "reception", "3.00"),
                amount("basic_expenditure_by_economic", "total", "2.00", "公务接待费", "30217"),
            ]
        ),
        [True],
    ),
    Case(
        "cross.sangong_vs_economic",
        "接待 3 < 30217 5",
        lambda: filing(
            [
                amount("sangong", "reception", "3.00"),
                amount("basic_expenditure_by_economic", "total", "5.00", "公务接待费", "30217"),
            ]
        ),
        [False],
    ),
    Case(
        "cross.projects_total",
        "40 = 40",
        lambda: filing(
            [amount("projects", "total", "40.00", "合计"), total("expenditure_summary", "project", "40.00")]
        ),
        [True],
    ),
    Case(
        "cross.projects_total",
        "40 ≠ 50",
        lambda: filing(
            [amount("projects", "total", "40.00", "合计"), total("expenditure_summary", "project", "50.00")]
        ),
        [False],
    ),
    # performance forms and units
    Case("perf.composition", "100 = 60 + 30 + 10", lambda: filing(cells=composition()), [True]),
    Case("perf.composition", "110 ≠ 60 + 30 + 10", lambda: filing(cells=composition(total_wan="110")), [False]),
    Case(
        "perf.composition",
        "no composition rows",
        lambda: filing(cells=form("performance_overall", OVERALL, [["年度总体目标", "完成"]])),
        [None],
    ),
    Case("perf.shares", "60 %, 30 %, 10 %", lambda: filing(cells=composition()), [True, True, True, True]),
    Case(
        "perf.shares",
        "60 printed as 65 %",
        lambda: filing(cells=composition(personnel_pct="65%")),
        [False, True, True, False],
    ),
    Case(
        "perf.cost_target",
        "≤ 90 within 100",
        lambda: filing(cells=project_form(["年度绩效目标"], ["成本指标", "成本控制", "≤90万元"])),
        [True],
    ),
    Case(
        "perf.cost_target",
        "≤ 120 over 100",
        lambda: filing(cells=project_form(["年度绩效目标"], ["成本指标", "成本控制", "≤120万元"])),
        [False],
    ),
    Case(
        "perf.funding_sources",
        "100 = 70 + 30",
        lambda: filing(
            cells=project_form(["来源项目", "金额"], ["合计", "100"], ["1.财政拨款", "70"], ["2.其他资金", "30"])
        ),
        [True],
    ),
    Case(
        "perf.funding_sources",
        "100 ≠ 70 + 40",
        lambda: filing(
            cells=project_form(["来源项目", "金额"], ["合计", "100"], ["1.财政拨款", "70"], ["2.其他资金", "40"])
        ),
        [False],
    ),
    Case(
        "perf.activities",
        "60 + 40 = 100",
        lambda: filing(cells=project_form(["项目活动", "金额"], ["运维服务", "60"], ["设备购置", "40"])),
        [True],
    ),
    Case(
        "perf.activities",
        "60 + 30 ≠ 100",
        lambda: filing(cells=project_form(["项目活动", "金额"], ["运维服务", "60"], ["设备购置", "30"])),
        [False],
    ),
    Case(
        "units.consistent",
        "activity in 万元",
        lambda: filing(cells=project_form(["项目活动", "金额"], ["运维服务", "100"])),
        [],
    ),
    Case(
        "units.consistent",
        "activity typed in 元",
        lambda: filing(cells=project_form(["项目活动", "金额"], ["运维服务", "1000000"])),
        [False],
    ),
    Case(
        "units.consistent",
        "a table's total in 元",
        lambda: filing(
            [total("expenditure_summary", "total", "100.00"), total("income_summary", "total", "1000000.00")]
        ),
        [False],
    ),
    # narrative claims
    Case(
        "narrative.amount",
        "110 as printed",
        lambda: filing([total("expenditure_summary", "total", "110.00")], narrative="2025年部门收支总预算110.00万元。"),
        [True],
    ),
    Case(
        "narrative.amount",
        "120 against 110",
        lambda: filing([total("expenditure_summary", "total", "110.00")], narrative="2025年部门收支总预算120.00万元。"),
        [False],
    ),
    Case(
        "narrative.amount",
        "general-budget structure: 基本支出 and 项目支出 are the general budget's",
        structure,
        [True, True, True],
    ),
    Case(
        "narrative.amount",
        "general-budget structure: the department's 项目支出 (with 政府性基金) is not the general budget's",
        lambda: structure(project="5471.86"),
        [True, True, False],
    ),
    Case(
        "narrative.amount",
        "no scope in the headings: either scope's 项目支出 fits",
        lambda: with_gov_fund([("十、项目支出安排情况", "2025年项目支出5471.86万元。")]),
        [True],
    ),
    Case(
        "narrative.amount",
        "no scope in the headings: no scope's 项目支出 fits",
        lambda: with_gov_fund([("十、项目支出安排情况", "2025年项目支出5000.00万元。")]),
        [False],
    ),
    Case(
        "narrative.amount",
        "an empty 国有资本经营 table against 0万元 is not compared with another scope",
        lambda: with_gov_fund([("三、支出预算", "国有资本经营预算拨款支出预算0万元。")]),
        [],
    ),
    Case(
        "narrative.amount",
        "a weakly identified table is not judged",
        lambda: filing(
            [total("expenditure_summary", "total", "110.00")],
            tables=[table("expenditure_summary", confidence=0.65)],
            narrative="2025年部门收支总预算120.00万元。",
        ),
        [None],
    ),
    Case(
        "narrative.change",
        "+10 on 100 is 10 %",
        lambda: filing(narrative="2025年部门收支总预算110.00万元，比2024年预算增加10.00万元，增长10%。"),
        [True],
    ),
    Case(
        "narrative.change",
        "+10 on 100 said 20 %",
        lambda: filing(narrative="2025年部门收支总预算110.00万元，比2024年预算增加10.00万元，增长20%。"),
        [False],
    ),
    Case(
        "narrative.share",
        "60 of 110 is 54.55 %",
        lambda: filing(narrative="2025年部门收支总预算110.00万元。基本支出60.00万元，占54.55%。"),
        [True],
    ),
    Case(
        "narrative.share",
        "60 of 110 said 60 %",
        lambda: filing(narrative="2025年部门收支总预算110.00万元。基本支出60.00万元，占60%。"),
        [False],
    ),
    Case(
        "narrative.procurement",
        "917.17 = 5.5 + 0 + 911.67",
        lambda: filing(narrative="2025年政府采购预算917.17万元，其中：货物5.5万元，工程0万元，服务911.67万元。"),
        [True],
    ),
    Case(
        "narrative.procurement",
        "917.17 ≠ 5.5 + 0 + 912.17",
        lambda: filing(narrative="2025年政府采购预算917.17万元，其中：货物5.5万元，工程0万元，服务912.17万元。"),
        [False],
    ),
    Case(
        "narrative.share",
        "general-budget structure: shares of the general budget (15870.18), not of the department (16490.14)",
        structure,
        [True, True],
    ),
    Case(
        "narrative.share",
        "general-budget structure: a share of the department's total is wrong there",
        lambda: structure(basic_pct="66.8"),
        [False, True],
    ),
    Case(
        "narrative.share",
        "a share of the total its paragraph states before 其中",
        lambda: with_gov_fund(
            [("三、支出预算安排情况", "部门预算支出16490.14万元。其中：基本支出11018.28万元，占比66.8%。")]
        ),
        [True],
    ),
    Case("prev_year.matches", "last year 100", lambda: previous_year("100.00"), [True]),
    Case("prev_year.matches", "last year 105", lambda: previous_year("105.00"), [False]),
    Case(
        "prev_year.matches",
        "no previous filing",
        lambda: filing(narrative="2025年部门收支总预算110万元，比2024年预算增加10万元。"),
        [],
    ),
]

CASES += FINAL_ACCOUNT_CASES  # the 决算 rules' cases (tests/final_account_cases.py)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_id}: {c.name}" for c in CASES])
def test_rule_on_a_hand_built_filing(case):
    findings = list(IMPLEMENTATIONS[case.rule_id](case.build()))
    assert [f.passed for f in findings] == case.passed, [f.message for f in findings]
    for f in findings:
        assert f.rule_id == case.rule_id and f.message
        if f.passed is None:
            assert f.message.startswith("无法检查：")


def test_every_rule_has_a_passing_and_a_failing_case():
    verdicts: dict[str, set] = {}
    for case in CASES:
        verdicts.setdefault(case.rule_id, set()).update({True} if case.passed and all(case.passed) else set())
        verdicts[case.rule_id].update({False} if False in case.passed else set())
        verdicts[case.rule_id].update({"clean"} if case.passed == [] else set())
    for rule in load_rules():
        seen = verdicts.get(rule.rule_id, set())
        assert False in seen, f"{rule.rule_id} has no failing case"
        assert True in seen or "clean" in seen, f"{rule.rule_id} has no passing case"


def test_a_rule_that_raises_is_recorded_as_not_run(monkeypatch):
    def broken(f):
        raise ZeroDivisionError("division by zero")
        yield  # a generator, like the rules

    monkeypatch.setitem(IMPLEMENTATIONS, "summary.balance", broken)
    rules = tuple(r for r in load_rules() if r.rule_id == "summary.balance")
    [(rule, finding)] = run_rules(filing([]), rules)
    assert finding.passed is None and finding.message == "无法检查：规则执行出错：ZeroDivisionError: division by zero"


def test_messages_name_the_numbers():
    [case] = [c for c in CASES if c.rule_id == "table.hierarchy" and c.passed == [False]]
    [finding] = IMPLEMENTATIONS["table.hierarchy"](case.build())
    assert (
        finding.message
        == "支出总表：205 教育支出（合计） 填列 100.00 万元，应等于普通教育、职业教育之和 90.00 万元，相差 10.00 万元"
    )
    assert (finding.expected, finding.actual, finding.unit) == (Decimal(90), Decimal(100), "万元")


def test_claims_record_their_heading_path_and_scope():
    claims = structure().claims
    assert [(c.subject, c.scope) for c in claims] == [
        ("一般公共预算拨款", "general_budget"),
        ("基本支出", "general_budget"),
        ("项目支出", "general_budget"),
    ]
    assert claims[1].heading_path == "五、一般公共预算支出安排情况 / （二）一般公共预算拨款结构情况"


def test_the_scope_that_matched_is_recorded():
    [finding] = IMPLEMENTATIONS["narrative.amount"](
        with_gov_fund([("十、项目支出安排情况", "2025年项目支出4851.90万元。")])
    )
    assert finding.passed and finding.scope == "general_budget"
    [finding] = IMPLEMENTATIONS["narrative.amount"](
        with_gov_fund([("十、项目支出安排情况", "2025年项目支出5471.86万元。")])
    )
    assert finding.passed and finding.scope == "department"
    shares = list(IMPLEMENTATIONS["narrative.share"](structure()))
    assert [f.scope for f in shares] == ["general_budget", "general_budget"]


def test_a_failure_on_a_weakly_identified_table_is_not_a_finding():
    f = filing(
        [total("expenditure_summary", "total", "110.00"), total("income_summary", "total", "120.00")],
        tables=[table("expenditure_summary"), table("income_summary", confidence=0.7)],
    )
    rules = tuple(r for r in load_rules() if r.rule_id == "cross.totals")
    [(_, finding)] = run_rules(f, rules)
    assert finding.passed is None and "识别把握不足" in finding.message
    confident = replace(f, tables=[table("expenditure_summary"), table("income_summary")])
    [(_, finding)] = run_rules(confident, rules)
    assert finding.passed is False


def test_findings_that_follow_from_one_wrong_cell_are_linked_to_the_first():
    """普通教育 printed 80 (its 项 add to 70) breaks its own sum and its 类's: one problem, the second linked."""
    amounts = [
        amount("expenditure_summary", "total", "100.00", "教育支出", "205", row=1),
        amount("expenditure_summary", "total", "80.00", "普通教育", "20502", row=2),
        amount("expenditure_summary", "total", "30.00", "职业教育", "20503", row=3),
        amount("expenditure_summary", "total", "60.00", "小学教育", "2050202", row=4),
        amount("expenditure_summary", "total", "10.00", "初中教育", "2050203", row=5),
        amount("expenditure_summary", "total", "30.00", "中专教育", "2050302", row=6),
        amount("expenditure_summary", "total", "5.00", "其他", "2080101", row=7),
        amount("expenditure_summary", "total", "6.00", "其他", "20801", row=8),
    ]
    amounts = [replace(a, bbox=(0, a.row_index, 1, a.row_index + 1)) for a in amounts]
    f = filing(amounts)
    checks = Columns(CHECKS)
    add_findings(checks, f, run_rules(f, tuple(r for r in load_rules() if r.rule_id == "table.hierarchy")))
    rows = checks.rows()
    failed = [(r["subject"], r["finding_id"], r["caused_by_id"]) for r in rows if r["is_passed"] is False]
    assert failed == [
        ("205 教育支出（合计）", "table.hierarchy:0", None),
        ("20502 普通教育（合计）", "table.hierarchy:1", "table.hierarchy:0"),
        ("20801 其他（合计）", "table.hierarchy:3", None),  # a second, separate problem stands alone
    ]


@pytest.mark.parametrize(
    "text, comparator, yuan",
    [
        ("15 万", None, "150000"),
        ("15万元", None, "150000"),
        ("150,000元", None, "150000"),
        ("1.5亿元", None, "150000000"),
        ("≤78.4 万元", "≤", "784000"),
        ("１５ 万", None, "150000"),
        ("不超过20万元", "不超过", "200000"),
        ("110000", None, "1100000000"),  # no suffix: the table's unit (万元)
    ],
)
def test_performance_form_amounts_in_every_printed_form(text, comparator, yuan):
    [cell] = form("performance_project", "项目支出绩效目标表（测试经费）", [[text]])
    value = read_value(cell)
    assert (value.comparator, value.yuan) == (comparator, Decimal(yuan))


def test_messages_are_in_the_readers_language():
    """A reviewer reads every message: a column or table id (overseas, current_year_total) must never show."""
    identifier = re.compile(r"[A-Za-z_]{3,}")
    for case in CASES:
        for f in IMPLEMENTATIONS[case.rule_id](case.build()):
            assert not identifier.search(f.message), (case.rule_id, case.name, f.message)


def test_every_catalog_column_has_a_chinese_label():
    catalog = load_catalog()
    unlabelled = {c.name for t in catalog.tables for c in t.columns} - catalog.column_labels.keys()
    assert not unlabelled

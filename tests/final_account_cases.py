"""Hand-built 决算 filings for the 决算 rules (tests/test_rules.py runs them with the budget cases).

Each case is one small FilingData of doc_kind final_account: amounts in 万元, the narrative read by the real
claim parser in 决算 wording, and for the 年初预算 rule the department's 预算 linked as `budget`. A passing
case and its failing twin differ in one printed figure, word or year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from budgetml.checks.claims import narrative_to_claims
from budgetml.checks.inputs import Amount, FilingData, PrintedTable
from budgetml.normalise import UNIT_TO_YUAN

YEAR = 2025


@dataclass(frozen=True)
class Case:
    rule_id: str
    name: str
    build: Callable[[], FilingData]
    passed: list[bool | None]


def amount(table_id: str, column: str, wan: str, label: str = "", code: str | None = None, row: int = 0) -> Amount:
    """A figure printed in 万元 to the digits of `wan`."""
    decimals = len(wan.split(".")[1]) if "." in wan else 0
    yuan = Decimal(wan) * UNIT_TO_YUAN["万元"]
    cell = f"x:{table_id}:{row}:{column}"
    return Amount(cell, 0, table_id, 1, row, label, code, column, yuan, decimals, "万元", wan, (0, 0, 1, 1))


def final_filing(
    amounts: list[Amount] = (),
    narrative: str = "",
    budget: FilingData | None = None,
    doc_kind: str = "final_account",
    section: str = "五、一般公共预算财政拨款支出决算情况说明",
) -> FilingData:
    """A 决算 of YEAR; its tables are those its amounts are in."""
    ids = list(dict.fromkeys(a.table_id for a in amounts))
    tables = [PrintedTable(k, t, t, "万元", (1,), None, ()) for k, t in enumerate(ids)]
    amounts = [replace(a, table_index=ids.index(a.table_id)) for a in amounts]
    chunks = [(section, 3, narrative)] if narrative else []
    return FilingData(
        "e" * 64,
        YEAR,
        "上海市普陀区测试局",
        "上海市普陀区",
        list(amounts),
        tables,
        [],
        narrative_to_claims(chunks, YEAR, doc_kind),
        chunks,
        doc_kind=doc_kind,
        budget=budget,
    )


S = "final_income_expenditure_summary"
F = "final_fiscal_grant_summary"


def summary(end: str = "5.00", income_total: str = "90.00") -> FilingData:
    """收入 90 + 年初 10 = 100 = 支出 95 + 年末 5; the income sources 80 + 10 above 本年收入合计."""
    return final_filing(
        [
            amount(S, "income", "80.00", "一、一般公共预算财政拨款收入", row=0),
            amount(S, "expenditure", "95.00", "一、一般公共服务支出", row=0),
            amount(S, "income", "10.00", "八、其他收入", row=1),
            amount(S, "income", income_total, "本年收入合计", row=3),
            amount(S, "expenditure", "95.00", "本年支出合计", row=3),
            amount(S, "income", "10.00", "年初结转和结余", row=5),
            amount(S, "expenditure", end, "年末结转和结余", row=5),
            amount(S, "income", "100.00", "总计", row=6),
            amount(S, "expenditure", "100.00", "总计", row=6),
        ]
    )


def fund_row(end: str) -> FilingData:
    return final_filing(
        [
            amount("final_gov_fund", "carryover_begin", "2.00", "土地出让", "2120801"),
            amount("final_gov_fund", "income", "8.00", "土地出让", "2120801"),
            amount("final_gov_fund", "expenditure", "7.00", "土地出让", "2120801"),
            amount("final_gov_fund", "carryover_end", end, "土地出让", "2120801"),
        ]
    )


def spending_row(project: str) -> FilingData:
    return final_filing(
        [
            amount("final_expenditure", "total", "100.00", "行政运行", "2010101"),
            amount("final_expenditure", "basic", "60.00", "行政运行", "2010101"),
            amount("final_expenditure", "project", project, "行政运行", "2010101"),
        ]
    )


def economic(personnel_total: str) -> FilingData:
    e = "final_basic_by_economic"
    return final_filing(
        [
            amount(e, "personnel", "50.00", "工资福利支出", "301", row=0),
            amount(e, "public", "20.00", "商品和服务支出", "302", row=0),
            amount(e, "personnel", "10.00", "对个人和家庭的补助", "303", row=5),
            amount(e, "personnel", personnel_total, "人员经费合计", row=9),
            amount(e, "public", "20.00", "公用经费合计", row=9),
        ]
    )


def sangong(reception: str) -> FilingData:
    figures = {
        "sangong_total_budget": "12.00",
        "sangong_total": "10.00",
        "overseas_budget": "2.00",
        "overseas": "1.00",
        "vehicle_total_budget": "6.00",
        "vehicle_total": "6.00",
        "reception_budget": "4.00",
        "reception": reception,
    }
    return final_filing([amount("final_sangong", column, wan) for column, wan in figures.items()])


def cross(spending: str) -> FilingData:
    return final_filing(
        [
            amount(S, "expenditure", "100.00", "本年支出合计", row=3),
            amount("final_expenditure", "total", spending, "合计", row=9),
        ]
    )


def stated(sentence: str, section: str = "四、财政拨款收入支出决算总体情况说明") -> FilingData:
    return final_filing([amount(F, "income", "2961.68", "总计", row=9)], narrative=sentence, section=section)


EXECUTION = "一般公共预算财政拨款支出年初预算为100.00万元，支出决算为98.00万元，完成年初预算的{pct}%。决算数{relation}预算数的主要原因：项目调减。"
SHARES = "本年支出合计100.00万元，其中：基本支出60.00万元，占{pct}%；项目支出40.00万元，占40.00%。"


def with_budget(published: str) -> FilingData:
    """A 决算 stating its 年初预算 100, linked to the department's 预算 of the year printing `published`."""
    budget = final_filing([amount("general_budget_by_function", "total", published, "合计", row=9)], doc_kind="budget")
    return final_filing(
        [amount("final_general_budget_by_function", "total", "98.00", "合计", row=9)],
        narrative=EXECUTION.format(pct="98.00", relation="小于"),
        budget=budget,
    )


def with_last_year(last_total: str) -> FilingData:
    """A 决算 stating 收入支出总计 100, 减少 10 on last year; last year's 决算 printing `last_total`."""
    last = replace(final_filing([amount(S, "income", last_total, "总计", row=6)]), year=YEAR - 1)
    this = final_filing(
        [amount(S, "income", "100.00", "总计", row=6)],
        narrative="测试局2025年度收入支出总计100.00万元。与2024年度相比，收入支出总计减少10.00万元，下降9.09%。",
        section="一、收入支出决算总体情况说明",
    )
    return replace(this, previous=last)


FINAL_ACCOUNT_CASES = [
    Case("final.summary_balance", "100 = 90 + 10 = 95 + 5", lambda: summary(), [True, True, True]),
    Case("final.summary_balance", "年末 6", lambda: summary(end="6.00"), [True, True, False]),
    Case("final.summary_items", "80 + 10 = 90; 95 = 95", lambda: summary(), [True, True]),
    Case("final.summary_items", "本年收入合计 91", lambda: summary(income_total="91.00"), [False, True]),
    Case("final.carryover", "10 + 90 − 95 = 5", lambda: summary(), [True]),
    Case("final.carryover", "年末 6", lambda: summary(end="6.00"), [False]),
    Case("final.carryover", "fund row 2 + 8 − 7 = 3", lambda: fund_row("3.00"), [True]),
    Case("final.carryover", "fund row 年末 4", lambda: fund_row("4.00"), [False]),
    Case("final.expenditure_parts", "100 = 60 + 40", lambda: spending_row("40.00"), [True]),
    Case("final.expenditure_parts", "100 ≠ 60 + 50", lambda: spending_row("50.00"), [False]),
    Case("final.economic_totals", "60 = 50 + 10; 20 = 20", lambda: economic("60.00"), [True, True]),
    Case("final.economic_totals", "人员经费合计 61", lambda: economic("61.00"), [False, True]),
    Case("final.sangong", "10 = 1 + 6 + 3; 12 = 2 + 6 + 4", lambda: sangong("3.00"), [True, True]),
    Case("final.sangong", "接待 4 spent", lambda: sangong("4.00"), [False, True]),
    Case("final.cross_table", "本年支出合计 100 = 100", lambda: cross("100.00"), [True]),
    Case("final.cross_table", "支出决算表 90", lambda: cross("90.00"), [False]),
    Case(
        "final.year",
        "2025 and 2024",
        lambda: stated("测试局2025年度收入支出总计100万元。与2024年度相比，收入支出总计持平。"),
        [],
    ),
    Case(
        "final.year",
        "compared with 2023",
        lambda: stated("测试局2025年度收入支出总计100万元。与2023年度相比，收入支出总计持平。"),
        [False],
    ),
    Case("final.year", "figures dated 2024", lambda: stated("测试局2024年度收入支出总计100万元。"), [False]),
    Case(
        "final.narrative_amount",
        "2961.68 as printed",
        lambda: stated("测试局2025年度财政拨款收入支出总计2961.68万元。"),
        [True],
    ),
    Case(
        "final.narrative_amount",
        "0.3 for 2961.68",
        lambda: stated("测试局2025年度财政拨款收入支出总计0.3万元。"),
        [False],
    ),
    Case(
        "final.narrative_execution",
        "98 of 100 is 98.00%, less",
        lambda: final_filing(narrative=EXECUTION.format(pct="98.00", relation="小于")),
        [True, True],
    ),
    Case(
        "final.narrative_execution",
        "97.00%, and 大于",
        lambda: final_filing(narrative=EXECUTION.format(pct="97.00", relation="大于")),
        [False, False],
    ),
    Case(
        "final.narrative_share",
        "60 of 100 is 60.00%",
        lambda: final_filing(narrative=SHARES.format(pct="60.00"), section="三、支出决算情况说明"),
        [True, True],
    ),
    Case(
        "final.narrative_share",
        "61.00%",
        lambda: final_filing(narrative=SHARES.format(pct="61.00"), section="三、支出决算情况说明"),
        [False, True],
    ),
    Case("final.prev_year", "last year 110", lambda: with_last_year("110.00"), [True]),
    Case("final.prev_year", "last year 120", lambda: with_last_year("120.00"), [False]),
    Case("final.prev_year", "no 决算 of last year", lambda: stated("测试局2025年度收入支出总计0.3万元。"), []),
    Case("final.initial_budget_matches", "published 100", lambda: with_budget("100.00"), [True]),
    Case("final.initial_budget_matches", "published 110", lambda: with_budget("110.00"), [False]),
    Case("final.initial_budget_matches", "no 预算 in the dataset", lambda: final_filing(), []),
]

"""The printed 部门决算 of a sample department-year: nine tables in 万元 and the 情况说明, as 普陀's 2024 决算 print them.

`build_final` turns FinalNumbers (budgetml/synth/final_account.py) into a PrintedFinal: tables of amounts keyed by
canonical table id (the final_* ids of configs/catalog.toml) and narrative sections of facts, so that an
injection (budgetml/synth/final_inconsistencies.py) can change one printed cell or statement; `write_final_pdf`
lays it out in the district's ruling and orientation through budgetml/synth/render.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from budgetml.synth.config import SampleConfig
from budgetml.synth.final_account import FinalNumbers
from budgetml.synth.render import Disclosure, HeaderCell, LayoutSettings, Section, TableSpec, render_pdf
from budgetml.synth.sample import YUAN_PER_WAN, ZERO
from budgetml.synth.sample_render import (
    PRINTED,
    Fact,
    NarrativeSection,
    Piece,
    PrintedFiling,
    PrintedRow,
    PrintedTable,
    layout_settings,
    narrative_section,
    pct_value,
)
from budgetml.synth.template_parts import chinese_numeral

STYLE = "shanghai"  # narrative numbers as 普陀 prints them: 2 decimals, trailing zeros dropped, no separators
UNIT = "万元"
# Spent and budgeted amounts this close print as 决算数与预算数持平 (within the rounding of both figures).
FLAT_GAP = Decimal(200)
_H = HeaderCell

# The nine tables in print order: canonical id → title.
TITLES = {
    "final_income_expenditure_summary": "收入支出决算总表",
    "final_income": "收入决算表",
    "final_expenditure": "支出决算表",
    "final_fiscal_grant_summary": "财政拨款收入支出决算总表",
    "final_general_budget_by_function": "一般公共预算财政拨款支出决算表",
    "final_basic_by_economic": "一般公共预算财政拨款基本支出决算表",
    "final_sangong": "财政拨款“三公”经费支出决算表",
    "final_gov_fund": "政府性基金预算财政拨款收入支出决算表",
    "final_state_capital": "国有资本经营预算财政拨款收入支出决算表",
}
UNUSED_FUNDS = {"final_gov_fund": "政府性基金预算", "final_state_capital": "国有资本经营预算"}
TWO_SIDED = frozenset({"final_income_expenditure_summary", "final_fiscal_grant_summary", "final_basic_by_economic"})
INCOME_SOURCES = (
    "一、一般公共预算财政拨款收入",
    "二、政府性基金预算财政拨款收入",
    "三、国有资本经营预算财政拨款收入",
    "四、上级补助收入",
    "五、事业收入",
    "六、经营收入",
    "七、附属单位上缴收入",
    "八、其他收入",
)
FISCAL_SOURCES = ("一、一般公共预算财政拨款", "二、政府性基金预算财政拨款", "三、国有资本经营预算财政拨款")
INCOME_COLUMNS = (
    "total",
    "fiscal_grant",
    "superior_grant",
    "business_income",
    "operating_income",
    "affiliated_income",
    "other_income",
)
SPENDING_COLUMNS = ("total", "basic", "project", "remit_superior", "operating_expenditure", "subsidy_affiliated")
FISCAL_COLUMNS = ("expenditure", "expenditure_general_budget", "expenditure_gov_fund", "expenditure_state_capital")
SANGONG_COLUMNS = tuple(
    f"{name}{suffix}"
    for name in ("sangong_total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")
    for suffix in ("_budget", "")
)
FUND_COLUMNS = ("carryover_begin", "income", "expenditure", "basic", "project", "carryover_end")
# Where the parser reads each headline figure of a 决算 (configs/catalog.toml [[headline]]): (table, row key, column).
HEADLINE_SOURCES = {
    "total_income": ("final_income_expenditure_summary", "income_current", "income"),
    "total_expenditure": ("final_income_expenditure_summary", "expenditure_current", "expenditure"),
    "basic_expenditure": ("final_expenditure", "total", "basic"),
    "project_expenditure": ("final_expenditure", "total", "project"),
    "personnel_expenditure": ("final_basic_by_economic", "personnel_total", "personnel"),
    "public_expenditure": ("final_basic_by_economic", "public_total", "public"),
    "sangong_total": ("final_sangong", "total", "sangong_total"),
    "income_grand_total": ("final_income_expenditure_summary", "income_total", "income"),
    "carryover_begin": ("final_income_expenditure_summary", "income_carryover", "income"),
    "carryover_end": ("final_income_expenditure_summary", "expenditure_carryover", "expenditure"),
    "fiscal_grant_total": ("final_fiscal_grant_summary", "income_total", "income"),
    "general_budget_expenditure": ("final_general_budget_by_function", "total", "total"),
}


def wan(amount: Decimal) -> Decimal:
    """An amount as a 决算 prints it (万元 to 0.01), back in yuan: what a reader of the narrative takes it to be."""
    return (amount / YUAN_PER_WAN).quantize(PRINTED, rounding=ROUND_HALF_UP) * YUAN_PER_WAN


@dataclass(frozen=True)
class PrintedFinal(PrintedFiling):
    """A printed 决算: the tables and facts of PrintedFiling, its headline figures read from the 决算 tables."""

    def headline_figures(self) -> dict[str, Decimal | None]:
        """Each headline figure in yuan exactly as a correct parser reads it from the printed tables."""
        tables = self.tables
        return {
            name: tables[t].value(row, column) if t in tables else None
            for name, (t, row, column) in HEADLINE_SOURCES.items()
        }

    def headline_units(self) -> dict[str, str]:
        return {name: UNIT for name, (t, _, _) in HEADLINE_SOURCES.items() if t in self.tables}

    def expenditure_items(self) -> dict[str, Decimal]:
        """Code → 本年支出合计 of 支出决算表, as a correct parser reads it."""
        table = self.tables.get("final_expenditure")
        if table is None:
            return {}
        return {row.code: table.read_back(row.cells["total"]) for row in table.rows if row.code}


def build_final(config: SampleConfig, numbers: FinalNumbers, previous: FinalNumbers) -> PrintedFinal:
    """The printed 决算 of `numbers`; `previous` (last year's 决算) supplies its 与上年相比 statements."""
    return _FinalFiling(config, numbers, previous).build()


class _FinalFiling:
    def __init__(self, config: SampleConfig, numbers: FinalNumbers, previous: FinalNumbers) -> None:
        self.config = config
        self.n = numbers
        self.prev = previous
        self.p = numbers.profile
        self.year = numbers.year

    def build(self) -> PrintedFinal:
        full, y = self.p.full_name, self.year
        parts = [
            NarrativeSection(
                "第一部分 部门概况",
                (
                    ("一、主要职能",),
                    (f"{full}是主管本区{self.p.dtype.field}工作的区政府工作部门，主要职责是：",),
                    *((f"（{chinese_numeral(i)}）{d}",) for i, d in enumerate(self.p.dtype.duties, 1)),
                    ("二、部门决算单位构成",),
                    (f"纳入{full}{y}年度部门决算编制范围的单位共{len(self.p.units)}家，包括：",),
                    *((f"{i}. {u.name}",) for i, u in enumerate(self.p.units, 1)),
                ),
                new_page=True,
                heading_style="title",
            ),
            NarrativeSection(f"第二部分 {full}{y}年度部门决算表", (), new_page=True, heading_style="title"),
            *self.tables(),
            NarrativeSection(f"第三部分 {full}{y}年度部门决算情况说明", (), new_page=True, heading_style="title"),
            *self.explanation(),
        ]
        cover = (full, f"{y}年度部门决算")
        return PrintedFinal(self.n, self.prev, cover, tuple(parts))

    # the nine tables ---------------------------------------------------------------------------

    def tables(self) -> list[PrintedTable]:
        rows = {
            "final_income_expenditure_summary": self.summary_rows(),
            "final_income": self.income_rows(),
            "final_expenditure": self.spending_rows(),
            "final_fiscal_grant_summary": self.fiscal_rows(),
            "final_general_budget_by_function": self.general_rows(),
            "final_basic_by_economic": self.economic_rows(),
            "final_sangong": [self.sangong_row()],
            "final_gov_fund": [],
            "final_state_capital": [],
        }
        columns = {
            "final_income_expenditure_summary": ("income", "expenditure"),
            "final_income": INCOME_COLUMNS,
            "final_expenditure": SPENDING_COLUMNS,
            "final_fiscal_grant_summary": ("income", *FISCAL_COLUMNS),
            "final_general_budget_by_function": ("total", "basic", "project"),
            "final_basic_by_economic": ("personnel", "public"),
            "final_sangong": SANGONG_COLUMNS,
            "final_gov_fund": FUND_COLUMNS,
            "final_state_capital": FUND_COLUMNS,
        }
        return [
            PrintedTable(
                table_id,
                title,
                UNIT,
                columns[table_id],
                tuple(rows[table_id]),
                note=f"注：{self.p.full_name}无{UNUSED_FUNDS[table_id]}财政拨款支出，故本表无数据。"
                if table_id in UNUSED_FUNDS
                else None,
            )
            for table_id, title in TITLES.items()
        ]

    def classes(self) -> list[tuple[str, str, Decimal]]:
        """(numbered name, code, spent) of the 类 the department spent on, numbered as the national list does."""
        order = [code for code, _ in self.config.classes]
        return [
            (f"{chinese_numeral(order.index(code) + 1)}、{self.config.class_name(code)}", code, a.total)
            for code, a in self.n.function_rows
            if len(code) == 3
        ]

    def summary_rows(self) -> list[PrintedRow]:
        n = self.n
        rows = [
            PrintedRow(f"source{k}", label, {"income": n.income if k == 0 else None}, side="left")
            for k, label in enumerate(INCOME_SOURCES)
        ]
        rows += [PrintedRow(code, name, {"expenditure": total}, side="right") for name, code, total in self.classes()]
        return rows + closing_rows(
            [
                ("current", "本年收入合计", n.income, "本年支出合计", n.total.total),
                ("surplus", "使用非财政拨款结余", None, "结余分配", None),
                ("carryover", "年初结转和结余", n.carryover_begin, "年末结转和结余", n.carryover_end),
                ("total", "总计", n.grand_total, "总计", n.grand_total),
            ]
        )

    def fiscal_rows(self) -> list[PrintedRow]:
        n = self.n

        def spending(amount: Decimal | None) -> dict[str, Decimal | None]:
            return {"expenditure": amount, "expenditure_general_budget": amount}

        rows = [
            PrintedRow(f"source{k}", label, {"income": n.income if k == 0 else None}, side="left")
            for k, label in enumerate(FISCAL_SOURCES)
        ]
        rows += [PrintedRow(code, name, spending(total), side="right") for name, code, total in self.classes()]
        for key, left, income, right, spent in (
            ("current", "本年收入合计", n.income, "本年支出合计", n.total.total),
            ("carryover", "年初财政拨款结转和结余", n.carryover_begin, "年末财政拨款结转和结余", n.carryover_end),
            ("total", "总计", n.grand_total, "总计", n.grand_total),
        ):
            rows.append(PrintedRow(f"income_{key}", left, {"income": income}, side="left", is_total=True))
            rows.append(PrintedRow(f"expenditure_{key}", right, spending(spent), side="right", is_total=True))
        return rows

    def function_name(self, code: str) -> str:
        return self.config.function_name(code)

    def income_rows(self) -> list[PrintedRow]:
        def cells(amount: Decimal) -> dict[str, Decimal | None]:
            return {"total": amount, "fiscal_grant": amount}

        rows = [PrintedRow("total", "合计", cells(self.n.income))]
        return rows + [
            PrintedRow(code, self.function_name(code), cells(amount), code=code) for code, amount in self.n.income_rows
        ]

    def spending_rows(self) -> list[PrintedRow]:
        rows = [PrintedRow("total", "合计", spending_cells(self.n.total))]
        return rows + [
            PrintedRow(code, self.function_name(code), spending_cells(a), code=code) for code, a in self.n.function_rows
        ]

    def general_rows(self) -> list[PrintedRow]:
        rows = [
            PrintedRow(code, self.function_name(code), spending_cells(a, ("total", "basic", "project")), code=code)
            for code, a in self.n.function_rows
        ]
        return [*rows, PrintedRow("total", "合计", spending_cells(self.n.total, ("total", "basic", "project")))]

    def economic_rows(self) -> list[PrintedRow]:
        """Two sides: 人员经费 classes (301, 303) left, 公用经费 classes (302, 310) right; the closing row their totals."""
        names = self.config.economic_names
        left = [(c, a.personnel) for c, a in self.n.economic_rows if a.personnel]
        right = [(c, a.public) for c, a in self.n.economic_rows if a.public]
        rows = [PrintedRow(c, names[c], {"personnel": v}, code=c, side="left") for c, v in left]
        rows += [PrintedRow(c, names[c], {"public": v}, code=c, side="right") for c, v in right]
        total = self.n.total
        rows.append(
            PrintedRow("personnel_total", "人员经费合计", {"personnel": total.personnel}, side="left", is_total=True)
        )
        rows.append(PrintedRow("public_total", "公用经费合计", {"public": total.public}, side="right", is_total=True))
        return rows

    def sangong_row(self) -> PrintedRow:
        spent, budget = self.n.sangong, self.n.budget.sangong
        values = {}
        for source, suffix in ((budget, "_budget"), (spent, "")):
            values.update(
                {
                    f"sangong_total{suffix}": source.total,
                    f"overseas{suffix}": source.overseas,
                    f"vehicle_total{suffix}": source.vehicle,
                    f"vehicle_purchase{suffix}": source.vehicle_purchase,
                    f"vehicle_operation{suffix}": source.vehicle_operation,
                    f"reception{suffix}": source.reception,
                }
            )
        return PrintedRow("total", "", values)

    # 情况说明 ---------------------------------------------------------------------------------

    def explanation(self) -> list[NarrativeSection]:
        n, prev, y, full = self.n, self.prev, self.year, self.p.full_name
        total, basic, project = n.total.total, n.total.basic, n.total.project
        classes = self.classes()
        return [
            NarrativeSection(
                "一、收入支出决算总体情况说明",
                (
                    (
                        f"{full}{y}年度收入支出总计",
                        Fact("grand_total.amount", "amount", n.grand_total),
                        "万元。",
                        *self.change("收入支出总计", "grand_total", n.grand_total, prev.grand_total),
                        "主要原因：人员变动及项目执行进度安排。",
                    ),
                ),
            ),
            NarrativeSection(
                "二、收入决算情况说明",
                (
                    (
                        "本年收入合计",
                        Fact("income.amount", "amount", n.income),
                        "万元，其中：财政拨款收入",
                        Fact("income.fiscal.amount", "amount", n.income),
                        "万元，占",
                        Fact("income.fiscal.share", "share", pct_value(n.income, n.income, STYLE)),
                        "%。",
                    ),
                ),
            ),
            NarrativeSection(
                "三、支出决算情况说明",
                (
                    (
                        "本年支出合计",
                        Fact("spending.amount", "amount", total),
                        "万元，其中：基本支出",
                        Fact("spending.basic.amount", "amount", basic),
                        "万元，占",
                        Fact("spending.basic.share", "share", pct_value(basic, total, STYLE)),
                        "%；项目支出",
                        Fact("spending.project.amount", "amount", project),
                        "万元，占",
                        Fact("spending.project.share", "share", pct_value(project, total, STYLE)),
                        "%。",
                    ),
                ),
            ),
            NarrativeSection(
                "四、财政拨款收入支出决算总体情况说明",
                (
                    (
                        f"{full}{y}年度财政拨款收入支出总计",
                        Fact("fiscal_total.amount", "amount", n.grand_total),
                        "万元。",
                        *self.change("财政拨款收入支出总计", "fiscal_total", n.grand_total, prev.grand_total),
                        "主要原因：人员变动及项目执行进度安排。",
                    ),
                ),
            ),
            NarrativeSection(
                "五、一般公共预算财政拨款支出决算情况说明",
                (
                    (
                        "一般公共预算财政拨款支出",
                        Fact("general.amount", "amount", total),
                        "万元，占本年支出合计的",
                        Fact("general.share", "share", pct_value(total, total, STYLE)),
                        "%。",
                        *self.change("一般公共预算财政拨款支出", "general", total, prev.total.total),
                    ),
                    (
                        "一般公共预算财政拨款支出",
                        Fact("general.structure.amount", "amount", total),
                        "万元，主要用于以下方面：",
                        *class_shares(classes, total),
                    ),
                    (
                        *execution_pieces(
                            "exec.total", "一般公共预算财政拨款支出", n.budget.total.total, total, "完成年初预算的"
                        ),
                        "其中：",
                    ),
                    *self.item_paragraphs(),
                ),
            ),
            NarrativeSection(
                "六、一般公共预算财政拨款基本支出决算情况说明",
                (
                    (
                        "一般公共预算财政拨款基本支出",
                        Fact("basic.amount", "amount", basic),
                        "万元。其中：人员经费",
                        Fact("personnel.amount", "amount", n.total.personnel),
                        "万元，主要包括：基本工资、津贴补贴、机关事业单位基本养老保险缴费、职业年金缴费、住房公积金、退休费；公用经费",
                        Fact("public.amount", "amount", n.total.public),
                        "万元，主要包括：办公费、水费、电费、邮电费、物业管理费、差旅费、工会经费、其他商品和服务支出。",
                    ),
                ),
            ),
            NarrativeSection("七、财政拨款“三公”经费支出决算情况说明", (self.sangong_paragraph(),)),
            NarrativeSection(
                "八、政府性基金预算财政拨款收入支出决算情况说明",
                ((f"{full}{y}年度无政府性基金预算财政拨款收入和支出。",),),
            ),
            NarrativeSection(
                "九、国有资本经营预算财政拨款收入支出决算情况说明",
                ((f"{full}{y}年度无国有资本经营预算财政拨款收入和支出。",),),
            ),
            NarrativeSection(
                "十、其他重要事项的情况说明",
                (
                    (
                        "机关运行经费支出",
                        Fact("admin_operation.amount", "amount", n.admin_operation),
                        "万元，",
                        *self.compared_after("admin_operation", n.admin_operation, prev.admin_operation),
                        "。",
                    ),
                ),
            ),
        ]

    def change(self, subject: str, key: str, current: Decimal, previous: Decimal) -> tuple[Piece, ...]:
        """与上年度相比，S增加X万元，增长Y%。 (持平 when equal; no percentage when last year was 0)."""
        py = self.year - 1
        if current == previous:
            return (f"与{py}年度相比，{subject}持平。",)
        return (*self.movement(f"与{py}年度相比，{subject}", key, current, previous), "。")

    def compared_after(self, key: str, current: Decimal, previous: Decimal) -> tuple[Piece, ...]:
        """比上年度增加X万元，增长Y% right after the amount (与上年度持平 when equal)."""
        py = self.year - 1
        if current == previous:
            return (f"与{py}年度持平",)
        return self.movement(f"比{py}年度", key, current, previous)

    @staticmethod
    def movement(lead: str, key: str, current: Decimal, previous: Decimal) -> tuple[Piece, ...]:
        """`lead`增加X万元，增长Y% (减少/下降 for a fall; no percentage when last year was 0)."""
        delta = current - previous
        pieces: tuple[Piece, ...] = (
            f"{lead}{'增加' if delta > 0 else '减少'}",
            Fact(f"{key}.delta", "amount", abs(delta)),
            "万元",
        )
        if previous:
            pct = abs(pct_value(delta, previous, STYLE))
            pieces += (f"，{'增长' if delta > 0 else '下降'}", Fact(f"{key}.change", "share", pct), "%")
        return pieces

    def item_paragraphs(self) -> list[tuple[Piece, ...]]:
        """One numbered paragraph per 项: its names, purpose, 年初预算, 决算 and completion."""
        budget_items = self.n.budget.items
        paragraphs = []
        codes = sorted(c for c in set(budget_items) | set(self.n.items) if len(c) == 7)
        for i, code in enumerate(codes, 1):
            planned = budget_items[code].total if code in budget_items else ZERO
            spent = self.n.items[code].total if code in self.n.items else ZERO
            names = f"{self.function_name(code[:3])}（类）{self.function_name(code[:5])}（款）{self.function_name(code)}（项）"
            paragraphs.append(
                (
                    f"{i}、{names}。主要用于：保障{self.p.dtype.field}相关工作。",
                    *execution_pieces(f"exec.{code}", "", planned, spent, "完成年初预算的"),
                )
            )
        return paragraphs

    def sangong_paragraph(self) -> tuple[Piece, ...]:
        spent = self.n.sangong
        return (
            *execution_pieces(
                "exec.sangong", "“三公”经费财政拨款支出", self.n.budget.sangong.total, spent.total, "完成预算的"
            ),
            "其中：因公出国（境）费支出决算为",
            Fact("sangong.overseas.amount", "amount", spent.overseas),
            "万元；公务用车购置及运行维护费支出决算为",
            Fact("sangong.vehicle.amount", "amount", spent.vehicle),
            "万元；公务接待费支出决算为",
            Fact("sangong.reception.amount", "amount", spent.reception),
            "万元。",
        )


def execution_pieces(key: str, lead: str, budget: Decimal, spent: Decimal, completed: str) -> tuple[Piece, ...]:
    """S年初预算为A万元，支出决算为B万元，完成年初预算的C%。决算数小于预算数的主要原因：…。

    A is the budget as the 决算 prints it (to 0.01 万元); C is computed from the printed A and B; no C when A is 0.
    """
    printed_budget = wan(budget)
    pieces: tuple[Piece, ...] = (
        f"{lead}年初预算为",
        Fact(f"{key}.budget", "amount", printed_budget),
        "万元，支出决算为",
        Fact(f"{key}.spent", "amount", spent),
        "万元",
    )
    if printed_budget:
        rate = pct_value(spent, printed_budget, STYLE)
        pieces += (f"，{completed}", Fact(f"{key}.rate", "share", rate), "%")
    return (*pieces, "。", relation_text(printed_budget, spent))


def relation_text(budget: Decimal, spent: Decimal) -> str:
    """What a 决算 says of its spending against the 年初预算, with the reason it gives."""
    if abs(spent - budget) <= FLAT_GAP:
        return "决算数与预算数基本持平。"
    if spent < budget:
        return "决算数小于预算数的主要原因：严格控制支出，部分项目按进度结转。"
    return "决算数大于预算数的主要原因：年中追加预算。"


def class_shares(classes: Sequence[tuple[str, str, Decimal]], total: Decimal) -> tuple[Piece, ...]:
    """X支出（类）A万元，占B%；… for every 类 spent on."""
    pieces: list[Piece] = []
    for k, (name, code, amount) in enumerate(classes):
        pieces += [
            f"{name.split('、', 1)[1]}（类）",
            Fact(f"class.{code}.amount", "amount", amount),
            "万元，占",
            Fact(f"class.{code}.share", "share", pct_value(amount, total, STYLE)),
            "%。" if k == len(classes) - 1 else "%；",
        ]
    return tuple(pieces)


def spending_cells(a, columns: Sequence[str] = SPENDING_COLUMNS) -> dict[str, Decimal | None]:
    """A spending row: 合计, 基本支出 and 项目支出 (blank when zero, as 普陀 prints), the other columns blank."""
    values = {"total": a.total, "basic": a.basic or None, "project": a.project or None}
    return {c: values.get(c) for c in columns}


def closing_rows(pairs: Sequence[tuple[str, str, Decimal | None, str, Decimal | None]]) -> list[PrintedRow]:
    """The closing rows of a two-sided summary: (key, income label, amount, spending label, amount) side by side."""
    rows = []
    for key, left, income, right, spent in pairs:
        rows.append(PrintedRow(f"income_{key}", left, {"income": income}, side="left", is_total=True))
        rows.append(PrintedRow(f"expenditure_{key}", right, {"expenditure": spent}, side="right", is_total=True))
    return rows


# --- layout: PrintedFinal → Disclosure -----------------------------------------------------------------

# Header grids and column widths by canonical table id.
_CODE_NAME = (_H("项目", 0, 0, colspan=2), _H("功能分类科目编码", 1, 0), _H("科目名称", 1, 1))


def _coded_header(amounts: Sequence[str]) -> tuple[HeaderCell, ...]:
    return (*_CODE_NAME, *(_H(name, 0, 2 + k, rowspan=2) for k, name in enumerate(amounts)))


def _two_sided(*right: str) -> tuple[HeaderCell, ...]:
    if len(right) == 1:
        spending: tuple[HeaderCell, ...] = (_H("项目", 1, 2), _H(right[0], 1, 3))
    else:
        spending = (_H("项目", 1, 2), *(_H(name, 1, 3 + k) for k, name in enumerate(right)))
    return (
        _H("收入", 0, 0, colspan=2),
        _H("支出", 0, 2, colspan=1 + len(right)),
        _H("项目", 1, 0),
        _H("决算数", 1, 1),
        *spending,
    )


def _sangong_header() -> tuple[HeaderCell, ...]:
    cells = [_H("财政拨款“三公”经费", 0, 0, colspan=12)]
    for col, name in ((0, "合计"), (2, "因公出国（境）费"), (10, "公务接待费")):
        cells.append(_H(name, 1, col, rowspan=2, colspan=2))
    cells.append(_H("公务用车购置及运行费", 1, 4, colspan=6))
    for col, name in ((4, "小计"), (6, "公务用车购置费"), (8, "公务用车运行费")):
        cells.append(_H(name, 2, col, colspan=2))
    cells += [_H("预算数" if k % 2 == 0 else "决算数", 3, k) for k in range(12)]
    return tuple(cells)


def _fund_header() -> tuple[HeaderCell, ...]:
    return (
        *_CODE_NAME,
        _H("年初结转和结余", 0, 2, rowspan=2),
        _H("本年收入", 0, 3, rowspan=2),
        _H("本年支出", 0, 4, colspan=3),
        _H("小计", 1, 4),
        _H("基本支出", 1, 5),
        _H("项目支出", 1, 6),
        _H("年末结转和结余", 0, 7, rowspan=2),
    )


HEADERS: dict[str, tuple[tuple[HeaderCell, ...], tuple[float, ...]]] = {
    "final_income_expenditure_summary": (_two_sided("决算数"), (3.0, 1.5, 3.0, 1.5)),
    "final_income": (
        _coded_header(
            ("本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
        ),
        (1.3, 2.8, *(1.2,) * 7),
    ),
    "final_expenditure": (
        _coded_header(("本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")),
        (1.3, 2.8, *(1.2,) * 6),
    ),
    "final_fiscal_grant_summary": (
        _two_sided("合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"),
        (2.4, 1.3, 2.4, 1.3, 1.3, 1.2, 1.2),
    ),
    "final_general_budget_by_function": (_coded_header(("合计", "基本支出", "项目支出")), (1.3, 3.2, 1.4, 1.4, 1.4)),
    "final_basic_by_economic": (
        tuple(_H(name, 0, k) for k, name in enumerate(("经济分类科目编码", "科目名称", "决算数") * 2)),
        (1.2, 2.6, 1.3, 1.2, 2.6, 1.3),
    ),
    "final_sangong": (_sangong_header(), (1.0,) * 12),
    "final_gov_fund": (_fund_header(), (1.3, 2.4, 1.3, 1.2, 1.2, 1.2, 1.2, 1.3)),
    "final_state_capital": (_fund_header(), (1.3, 2.4, 1.3, 1.2, 1.2, 1.2, 1.2, 1.3)),
}


def to_disclosure(printed: PrintedFinal) -> tuple[Disclosure, LayoutSettings]:
    """The 决算 as a document for the renderer, in the district's ruling, orientation and number style."""
    layout = printed.layout
    parts: list[Section | TableSpec] = []
    for part in printed.parts:
        if isinstance(part, NarrativeSection):
            parts.append(narrative_section(part, STYLE, printed.year))
        else:
            parts.append(table_spec(part, layout))
    return Disclosure(printed.cover, tuple(parts)), layout_settings(layout)


def write_final_pdf(printed: PrintedFinal, path: Path) -> Path:
    """Render the 决算 to `path`."""
    doc, settings = to_disclosure(printed)
    render_pdf(doc, path, settings)
    return Path(path)


def cell_text(table: PrintedTable, amount: Decimal | None, separators: bool) -> str:
    """A printed amount: blank, or 2 decimals with or without thousands separators."""
    if amount is None:
        return ""
    number = table.printed_number(amount)
    return f"{number:,.2f}" if separators else f"{number:.2f}"


def table_spec(table: PrintedTable, layout) -> TableSpec:
    """One 决算 table as printed, in the district's orientation and rule style. Always ruled: real 决算 are
    printed from the finance system's ruled template, and the unruled layout is a budget export (the parser's
    unruled group-header limit would misname 决算 columns, docs/conventions.md)."""
    header, widths = HEADERS[table.table_id]
    n_code = 0 if table.table_id in TWO_SIDED or table.table_id == "final_sangong" else 2
    aligns = ("left",) * n_code + ("auto",) * (len(widths) - n_code) if n_code else ()
    return TableSpec(
        title=table.title,
        unit=table.unit,
        header=header,
        rows=grid_rows(table, layout.thousands_separators, len(widths)),
        col_widths=widths,
        note=table.note,
        ruled=True,
        landscape=layout.landscape,
        repeat_header=layout.repeat_header,
        numeric_align=layout.numeric_align,
        col_aligns=aligns,
        rule_style=layout.rule_style,
    )


def grid_rows(table: PrintedTable, separators: bool, n_cols: int) -> tuple[tuple[str, ...], ...]:
    """The body rows as printed: two-sided tables pair their left and right rows, closing rows last."""

    def amounts(row: PrintedRow | None, columns: Sequence[str]) -> list[str]:
        return [cell_text(table, row.cells.get(c), separators) if row else "" for c in columns]

    if table.table_id in TWO_SIDED:
        left_cols = [c for c in table.columns if c in ("income", "personnel")]
        right_cols = [c for c in table.columns if c not in left_cols]
        coded = table.table_id == "final_basic_by_economic"

        def side(row: PrintedRow | None, columns: Sequence[str]) -> list[str]:
            label = [row.label if row else ""]
            return ([row.code or "" if row else ""] if coded else []) + label + amounts(row, columns)

        body_l = [r for r in table.rows if r.side == "left" and not r.is_total]
        body_r = [r for r in table.rows if r.side == "right" and not r.is_total]
        totals = list(
            zip(
                [r for r in table.rows if r.side == "left" and r.is_total],
                [r for r in table.rows if r.side == "right" and r.is_total],
            )
        )
        pairs = [
            (body_l[i] if i < len(body_l) else None, body_r[i] if i < len(body_r) else None)
            for i in range(max(len(body_l), len(body_r)))
        ]
        return tuple((*side(left, left_cols), *side(right, right_cols)) for left, right in [*pairs, *totals])
    if not table.rows:
        return (("合计", *[""] * (n_cols - 1)),)
    if table.table_id == "final_sangong":
        return tuple(tuple(amounts(row, table.columns)) for row in table.rows)
    return tuple((row.code or "", row.label, *amounts(row, table.columns)) for row in table.rows)

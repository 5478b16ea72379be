"""The Shanghai template (普陀's: nine tables, 元, 类/款/项 columns, 三公 in 万元): a department-year as printed there.

`build` returns a PrintedFiling (budgetml/synth/sample_render.py): the 编制说明 and 其他相关情况说明 as text and
facts with their 比上年 statements, the amount tables keyed by canonical table id, and one performance target
form per project.
"""

from __future__ import annotations

from decimal import Decimal

from budgetml.synth.config import SampleConfig
from budgetml.synth.render import TableSpec
from budgetml.synth.sample import ZERO, FilingNumbers
from budgetml.synth.sample_render import Fact, NarrativeSection, Part, Piece, PrintedFiling, PrintedRow, PrintedTable
from budgetml.synth.template_parts import (
    SangongWording,
    TemplateBuilder,
    amount_cells,
    basic_only,
    chinese_numeral,
    funded_cells,
    income_rows,
    total_pairs,
)

THREE = ("total", "basic", "project")
TWO_SIDED = ("income", "expenditure")
# 收入预算总表's columns; the sample's money is all 财政拨款.
INCOME_COLUMNS = ("total", "fiscal_grant", "business_income", "operating_income", "other_income")
FUNDED_INCOME_COLUMNS = ("total", "fiscal_grant")
FISCAL_COLUMNS = (
    "income",
    "expenditure",
    "expenditure_general_budget",
    "expenditure_gov_fund",
    "expenditure_state_capital",
)
SANGONG_COLUMNS = (
    "sangong_total",
    "overseas",
    "reception",
    "vehicle_total",
    "vehicle_purchase",
    "vehicle_operation",
    "admin_operation",
)

# The amount tables in print order: canonical id → (title after the year, unit, columns). The 目录 lists them too.
TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "income_expenditure_summary": ("部门财务收支预算总表", "元", TWO_SIDED),
    "income_summary": ("部门收入预算总表", "元", INCOME_COLUMNS),
    "expenditure_summary": ("部门支出预算总表", "元", THREE),
    "fiscal_grant_summary": ("部门财政拨款收支预算总表", "元", FISCAL_COLUMNS),
    "general_budget_by_function": ("部门一般公共预算支出功能分类预算表", "元", THREE),
    "gov_fund": ("部门政府性基金预算支出功能分类预算表", "元", THREE),
    "state_capital": ("部门国有资本经营预算支出功能分类预算表", "元", THREE),
    "basic_expenditure_by_economic": (
        "部门一般公共预算基本支出部门预算经济分类预算表",
        "元",
        ("total", "personnel", "public"),
    ),
    "sangong": ("部门“三公”经费和机关运行经费预算表", "万元", SANGONG_COLUMNS),
}
# The funds no sample department uses: their table prints empty with a note.
UNUSED_FUNDS = {"gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算"}
# The two-sided tables print thousands separators in every layout variation (as 普陀 does).
SEPARATED = frozenset({"income_expenditure_summary", "fiscal_grant_summary"})

# 财务收支预算总表's income side: (row key, label, whether it carries the year's money).
SUMMARY_INCOME = (
    ("income:fiscal", "一、财政拨款收入", True),
    ("income:general_budget", "1. 一般公共预算", True),
    ("income:gov_fund", "2. 政府性基金预算", False),
    ("income:state_capital", "3. 国有资本经营预算", False),
    ("income:business", "二、事业收入", False),
    ("income:operating", "三、事业单位经营收入", False),
    ("income:other", "四、其他收入", False),
)
# 财政拨款收支预算总表's income side.
FISCAL_INCOME = (
    ("income:general_budget", "一、一般公共预算", True),
    ("income:gov_fund", "二、政府性基金预算", False),
    ("income:state_capital", "三、国有资本经营预算", False),
)

SANGONG_WORDING = SangongWording(
    total="{year}年“三公”经费预算数为",
    overseas="（一）因公出国（境）费",
    vehicle="（二）公务用车购置及运行费",
    vehicle_purchase="。其中：公务用车购置费",
    vehicle_operation="；公务用车运行费",
    reception="（三）公务接待费",
    form="change_only",
)


def build(config: SampleConfig, numbers: FilingNumbers, history: list[FilingNumbers]) -> PrintedFiling:
    """The Shanghai filing of `numbers`; `history` (the earlier years) supplies the stated 上年 figures."""
    return _ShanghaiFiling(config, numbers, history).build()


class _ShanghaiFiling(TemplateBuilder):
    def build(self) -> PrintedFiling:
        p, y = self.p, self.year
        full = p.full_name
        contents = (
            "一、部门主要职能",
            "二、部门机构设置",
            "三、名词解释",
            "四、部门预算编制说明",
            "五、部门预算表",
            *(f"{i}. {y}年{title}" for i, (title, _, _) in enumerate(TABLES.values(), 1)),
            "六、其他相关情况说明",
            "七、项目经费情况说明",
        )
        admin_units = [u for u in p.units if u.is_administrative]
        parts: list[Part] = [
            NarrativeSection("目 录", tuple((s,) for s in contents), new_page=True, heading_style="title"),
            NarrativeSection(
                f"{full}主要职能",
                (
                    (f"{full}是主管本区{p.dtype.field}工作的区政府工作部门，主要职责是：",),
                    *((f"（{chinese_numeral(i)}）{d}",) for i, d in enumerate(p.dtype.duties, 1)),
                ),
                new_page=True,
                heading_style="title",
            ),
            NarrativeSection(
                f"{full}机构设置",
                (
                    (f"{full}部门预算是包括{p.units[0].name}以及下属{len(p.units) - 1}家预算单位的综合收支计划。",),
                    (
                        f"本部门中，行政单位1家，参公单位{len(admin_units) - 1}家，事业单位{len(p.units) - len(admin_units)}家，具体包括：",
                    ),
                    *((f"{i}. {u.name}",) for i, u in enumerate(p.units, 1)),
                ),
                new_page=True,
                heading_style="title",
            ),
            NarrativeSection("名词解释", tuple((s,) for s in GLOSSARY), new_page=True, heading_style="title"),
            NarrativeSection(f"{y}年部门预算编制说明", self.explanation(), new_page=True, heading_style="title"),
            *self.tables(),
            *(self.forms() if self.n.has_performance else []),
            NarrativeSection("其他相关情况说明", (), new_page=True, heading_style="title"),
            *self.other_sections(),
            *self.project_sections(),
        ]
        return PrintedFiling(self.n, self.prev, (f"{p.region}{y}年区级部门预算", f"预算主管部门：{full}"), tuple(parts))

    # the nine tables ---------------------------------------------------------------------------

    def tables(self) -> list[PrintedTable]:
        n, y = self.n, self.year
        org = f"编制部门：{self.p.full_name}"
        function_rows = [*self.function_rows(THREE), PrintedRow("total", "合计", amount_cells(n.total, THREE))]
        rows = {
            "income_expenditure_summary": self.summary_rows(),
            "income_summary": self.income_summary_rows(),
            "expenditure_summary": function_rows,
            "fiscal_grant_summary": self.fiscal_grant_rows(),
            "general_budget_by_function": function_rows,
            "basic_expenditure_by_economic": [
                *self.economic_rows(),
                PrintedRow("total", "合计", amount_cells(basic_only(n.total), ("total", "personnel", "public"))),
            ],
            "sangong": [self.sangong_row(SANGONG_COLUMNS)],
        }
        return [
            PrintedTable(
                table_id,
                f"{y}年{title}",
                unit,
                columns,
                tuple(rows.get(table_id, ())),
                org_line=org,
                note=f"注：本部门{y}年无{UNUSED_FUNDS[table_id]}财政拨款安排的预算，故本表为空表。"
                if table_id in UNUSED_FUNDS
                else None,
                zero_text="0" if table_id == "sangong" else None,
                separators=True if table_id in SEPARATED else None,
            )
            for table_id, (title, unit, columns) in TABLES.items()
        ]

    def summary_rows(self) -> list[PrintedRow]:
        """部门财务收支预算总表: the income sources left, the department's 类 right."""
        total = self.n.total.total
        rows = income_rows(SUMMARY_INCOME, total, ZERO)
        rows += [
            PrintedRow(code, f"{chinese_numeral(i)}、{name}", {"expenditure": amount}, side="right")
            for i, (code, name, amount) in enumerate(self.classes(), 1)
        ]
        return rows + total_pairs([("total", "收入总计", "支出总计", total)])

    def income_summary_rows(self) -> list[PrintedRow]:
        """部门收入预算总表: by function code, 合计 last."""
        rows = [
            PrintedRow(
                code,
                self.config.function_name(code),
                funded_cells(a.total, INCOME_COLUMNS, FUNDED_INCOME_COLUMNS),
                code=code,
            )
            for code, a in self.n.function_rows
        ]
        total = self.n.total.total
        return [*rows, PrintedRow("total", "合计", funded_cells(total, INCOME_COLUMNS, FUNDED_INCOME_COLUMNS))]

    def fiscal_grant_rows(self) -> list[PrintedRow]:
        """部门财政拨款收支预算总表: expenditure by 类 and fund; the unused funds print blank."""
        total = self.n.total.total

        def spending(amount: Decimal) -> dict[str, Decimal | None]:
            return {
                "expenditure": amount,
                "expenditure_general_budget": amount,
                "expenditure_gov_fund": None,
                "expenditure_state_capital": None,
            }

        rows = income_rows(FISCAL_INCOME, total, ZERO)
        rows += [
            PrintedRow(code, f"{chinese_numeral(i)}、{name}", spending(amount), side="right")
            for i, (code, name, amount) in enumerate(self.classes(), 1)
        ]
        return [
            *rows,
            PrintedRow("income_total", "收入总计", {"income": total}, side="left", is_total=True),
            PrintedRow("expenditure_total", "支出总计", spending(total), side="right", is_total=True),
        ]

    def forms(self) -> list[TableSpec]:
        org = f"编制部门：{self.p.full_name}"
        return [
            self.project_form(i, None, f"{self.year}年项目支出绩效目标表（{pr.name}）", org)
            for i, pr in enumerate(self.p.projects)
        ]

    # 编制说明, 其他相关情况说明, 项目经费情况说明 --------------------------------------------------------

    def explanation(self) -> tuple[tuple[Piece, ...], ...]:
        n, prev, y, p = self.n, self.prev, self.year, self.p
        total, ptotal = n.total.total, prev.total.total
        T = Fact("total.amount", "amount", total, source=("expenditure_summary", "total", "total"))
        src = ("expenditure_summary", "total", "total")
        paragraphs: list[tuple[Piece, ...]] = [
            (
                f"{y}年，{p.full_name}收入预算",
                T,
                "万元，其中：财政拨款收入",
                T,
                "万元，",
                self.yoy("income.yoy", total, ptotal, form="change_only", source=src),
                "；事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
            ),
            (
                "支出预算",
                T,
                "万元，其中：财政拨款支出预算",
                T,
                "万元，",
                self.yoy("expenditure.yoy", total, ptotal, form="change_only", source=src),
                "。财政拨款支出预算中，一般公共预算拨款支出预算",
                T,
                "万元，",
                self.yoy("general_budget.yoy", total, ptotal, form="change_only", source=src),
                f"；政府性基金拨款支出预算0万元，与{y - 1}年预算持平；国有资本经营预算拨款支出预算0万元，与{y - 1}年预算持平。",
            ),
            ("财政拨款支出主要内容如下：",),
        ]
        leaves = [(code, a) for code, a in n.function_rows if len(code) == 7]
        cfg = self.config
        for i, (code, amounts) in enumerate(leaves, 1):
            names = f"{cfg.function_name(code[:3])}（{code[:3]}类）{cfg.function_name(code[:5])}（{code[3:5]}款）{cfg.function_name(code)}（{code[5:]}项）"
            paragraphs.append(
                (
                    f"{i}、{names}",
                    Fact(f"item.{code}.amount", "amount", amounts.total, source=("expenditure_summary", code, "total")),
                    f"万元。主要用于：{_purpose(code, p.dtype.field)}。",
                    self.yoy(
                        f"item.{code}.yoy",
                        amounts.total,
                        self.previous_item(code),
                        form="stated",
                        source=("expenditure_summary", code, "total"),
                    ),
                    "。",
                )
            )
        return tuple(paragraphs)

    def other_sections(self) -> list[NarrativeSection]:
        n, y, p = self.n, self.year, self.p
        s = n.sangong
        proc = n.procurement
        admin_units = [u for u in p.units if u.is_administrative]
        if n.has_performance:
            performance: tuple[Piece, ...] = (
                f"按照本区预算绩效管理工作的总体要求，本部门{len(p.units)}个预算单位开展了{y}年项目预算绩效目标编报工作，编报绩效目标的项目{len(p.projects)}个，涉及项目预算资金",
                Fact("project.amount", "amount", n.total.project),
                "万元。",
            )
        else:
            performance = (f"本部门{y}年未编报项目预算绩效目标。",)

        return [
            NarrativeSection(f"一、{y}年“三公”经费预算情况说明", self.sangong_paragraphs(SANGONG_WORDING)),
            NarrativeSection(
                "二、机关运行经费预算",
                (
                    (
                        f"{y}年{p.full_name}下属{len(admin_units)}家机关和参公单位财政拨款的机关运行经费预算为",
                        Fact(
                            "admin_operation.amount",
                            "amount",
                            n.admin_operation,
                            source=("sangong", "total", "admin_operation"),
                        ),
                        "万元。",
                    ),
                ),
            ),
            NarrativeSection(
                "三、政府采购预算情况",
                (
                    (
                        f"{y}年本部门政府采购预算",
                        Fact("procurement.amount", "amount", proc.total),
                        "万元，其中：政府采购货物预算",
                        Fact("procurement.goods.amount", "amount", proc.goods),
                        "万元、政府采购工程预算",
                        Fact("procurement.works.amount", "amount", proc.works),
                        "万元、政府采购服务预算",
                        Fact("procurement.services.amount", "amount", proc.services),
                        "万元。",
                    ),
                ),
            ),
            NarrativeSection("四、绩效目标设置情况", (performance,)),
            NarrativeSection(
                "五、国有资产占有使用情况",
                (
                    (
                        f"截至{y - 1}年8月31日，{p.full_name}共有车辆{p.n_vehicles}辆；单价100万元（含）以上设备（不含车辆）0台（套）。",
                    ),
                    (
                        f"{y}年部门预算安排购置车辆{1 if s.vehicle_purchase else 0}辆；部门预算安排购置单价100万元（含）以上设备（不含车辆）0台（套）。",
                    ),
                ),
            ),
        ]

    def project_sections(self) -> list[NarrativeSection]:
        """普陀 explains its main projects one page each; we explain the two largest."""
        n, p = self.n, self.p
        largest = sorted(range(len(p.projects)), key=lambda i: -n.project_amounts[i])[:2]
        sections = []
        for i in largest:
            pr = p.projects[i]
            sections.append(
                NarrativeSection(
                    f"{pr.name.removesuffix('经费')}项目经费情况说明",
                    (
                        ("一、项目概述",),
                        (f"本项目用于保障{p.dtype.field}重点工作，是本部门履行职责的常年性项目。",),
                        ("二、实施主体",),
                        (next(u.name for u in p.units if u.code == pr.unit_code),),
                        ("三、实施周期",),
                        (f"{self.year}年1月1日-{self.year}年12月31日",),
                        ("四、年度预算安排",),
                        (Fact(f"project.{i + 1}.amount", "amount", n.project_amounts[i]), "万元"),
                        ("五、绩效目标",),
                        (
                            f"按期完成{pr.name.removesuffix('经费')}各项任务，资金使用规范高效，服务对象满意度不低于90%。",
                        ),
                    ),
                    new_page=True,
                    heading_style="title",
                )
            )
        return sections


_PURPOSES = {
    "2080501": "行政单位离退休人员支出",
    "2080502": "事业单位离退休人员支出",
    "2080505": "支付机关事业单位基本养老保险缴费",
    "2080506": "支付机关事业单位职业年金缴费",
    "2101101": "行政单位医疗保险缴费经费",
    "2101102": "事业单位医疗保险缴费经费",
    "2101103": "公务员医疗补助经费",
    "2210201": "行政事业单位为职工缴纳的住房公积金",
    "2210202": "发放提租补贴",
    "2210203": "发放购房补贴",
}


def _purpose(code: str, field_name: str) -> str:
    if code in _PURPOSES:
        return _PURPOSES[code]
    if code.endswith("01"):
        return "行政单位的基本支出"
    if code.endswith("50"):
        return "事业单位的基本支出"
    return f"保障{field_name}相关业务工作开展"


GLOSSARY = (
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款，包括一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款。",
    "（二）事业收入：指事业单位开展专业业务活动及其辅助活动取得的收入。",
    "（三）基本支出预算：是区级预算主管部门及所属预算单位为保障其机构正常运转、完成日常工作任务而编制的年度基本支出计划，包括人员经费和公用经费两部分。",
    "（四）项目支出预算：是区级预算主管部门及所属预算单位为完成行政工作任务、事业发展目标或政府发展战略、特定目标，在基本支出之外编制的年度支出计划。",
    "（五）“三公”经费：是与区级财政有经费领拨关系的部门及其下属预算单位使用区级财政拨款安排的因公出国（境）费、公务用车购置及运行费、公务接待费。",
    "（六）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
)

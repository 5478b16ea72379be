"""The Wuhan template (the seed's: 表1–表12, 万元, one code column): a department-year as a Wuhan district prints it.

`build` returns a PrintedFiling (budgetml/synth/sample_render.py): the amount tables keyed by canonical table
id, the 情况说明 as text and facts with their 比上年 statements, and the performance target forms 表11/表12-x.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from budgetml.synth.config import SampleConfig
from budgetml.synth.render import BodySpan, TableSpec
from budgetml.synth.sample import YUAN_PER_WAN, ZERO, FilingNumbers, ItemAmounts
from budgetml.synth.sample_render import (
    PRINTED,
    Fact,
    NarrativeSection,
    Part,
    Piece,
    PrintedFiling,
    PrintedRow,
    PrintedTable,
    pct_value,
    strip_zeros,
)
from budgetml.synth.template_parts import (
    INDICATOR_HEADER,
    SangongWording,
    TemplateBuilder,
    amount_cells,
    basic_only,
    chinese_numeral,
    funded_cells,
    group_spans,
    income_rows,
    indicator_lines,
    total_pairs,
)

THREE = ("total", "basic", "project")
FIVE = ("total", "basic", "personnel", "public", "project")
TWO_SIDED = ("income", "expenditure")
# 表2: every column of 部门收入总表; the sample's money is all 一般公共预算, so only the first three carry it.
INCOME_COLUMNS = (
    "total",
    "current_year_total",
    "general_budget",
    "gov_fund",
    "state_capital",
    "special_account",
    "business_income",
    "operating_income",
    "superior_grant",
    "affiliated_income",
    "other_income",
    "carryover",
    "fund_offset",
)
FUNDED_INCOME_COLUMNS = ("total", "current_year_total", "general_budget")
# 表10: every column of 项目支出表; only 合计 and 一般公共预算 carry money.
PROJECT_COLUMNS = (
    "total",
    "general_budget",
    "gov_fund",
    "state_capital",
    "carryover_general_budget",
    "carryover_gov_fund",
    "carryover_state_capital",
    "special_account",
    "unit_funds",
)
FUNDED_PROJECT_COLUMNS = ("total", "general_budget")
SANGONG_COLUMNS = ("sangong_total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception")

# The amount tables in print order: canonical id → (title, label, columns).
TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "income_expenditure_summary": ("部门收支总表", "表 1", TWO_SIDED),
    "income_summary": ("部门收入总表", "表 2", INCOME_COLUMNS),
    "expenditure_summary": ("部门支出总表", "表 3", THREE),
    "fiscal_grant_summary": ("财政拨款收支总表", "表 4", TWO_SIDED),
    "general_budget_by_function": ("一般公共预算支出表(分功能科目)", "表 5-1", FIVE),
    "general_budget_by_unit": ("一般公共预算支出表(分单位)", "表 5-2", FIVE),
    "basic_expenditure_by_economic": ("一般公共预算基本支出表", "表 6", ("total", "personnel", "public")),
    "sangong": ("一般公共预算“三公”经费支出表", "表 7", SANGONG_COLUMNS),
    "gov_fund": ("政府性基金预算支出表", "表 8", THREE),
    "state_capital": ("国有资本经营预算支出表", "表 9", THREE),
    "projects": ("项目支出表", "表 10", PROJECT_COLUMNS),
}
# The funds no sample department uses: their table prints empty with a note, the narrative says so too.
UNUSED_FUNDS = {"gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算"}

# 表1's income side: the nine sources, numbered; the year's money is all in the first.
INCOME_SOURCES = (
    "一般公共预算拨款收入",
    "政府性基金预算拨款收入",
    "国有资本经营预算拨款收入",
    "财政专户管理资金收入",
    "事业收入",
    "事业单位经营收入",
    "上级补助收入",
    "附属单位上缴收入",
    "其他收入",
)
# 表4's income side: (row key, label, whether it carries the year's grant); the rest print blank or 0.
FISCAL_INCOME = (
    ("income:current", "一、本年收入", True),
    ("income:current:general_budget", "（一）一般公共预算拨款", True),
    ("income:current:gov_fund", "（二）政府性基金预算拨款", False),
    ("income:current:state_capital", "（三）国有资本经营预算拨款", False),
    ("income:carryover", "二、上年结转", False),
    ("income:carryover:general_budget", "（一）一般公共预算拨款", False),
    ("income:carryover:gov_fund", "（二）政府性基金预算拨款", False),
    ("income:carryover:state_capital", "（三）国有资本经营预算拨款", False),
)

SANGONG_WORDING = SangongWording(
    total="{year}年一般公共预算“三公”经费支出",
    overseas="1.因公出国（境）费",
    vehicle="2.公务用车购置及运行维护费",
    vehicle_purchase="。其中：公务用车购置费",
    vehicle_operation="；公务用车运行维护费",
    reception="3.公务接待费",
)

GLOSSARY = (
    "一、一般公共预算财政拨款收入：指区级财政一般公共预算当年拨付的资金。",
    "二、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。",
    "三、项目支出：指在基本支出之外为完成特定的行政任务和事业发展目标所发生的支出。",
    "四、“三公”经费：纳入财政一般公共预算管理的“三公”经费，是指用一般公共预算财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费。",
    "五、机关运行经费：指为保障行政单位（包括参照公务员法管理的事业单位）运行用于购买货物和服务的各项资金。",
)


def build(config: SampleConfig, numbers: FilingNumbers, history: list[FilingNumbers]) -> PrintedFiling:
    """The Wuhan filing of `numbers`; `history` (the earlier years) supplies the stated 上年 figures."""
    return _WuhanFiling(config, numbers, history).build()


class _WuhanFiling(TemplateBuilder):
    def build(self) -> PrintedFiling:
        p, y = self.p, self.year
        full = p.full_name
        forms = self.forms() if self.n.has_performance else []
        parts: list[Part] = [
            self.contents(),
            NarrativeSection(f"第一部分 {full}概况", (), new_page=True, heading_style="title"),
            NarrativeSection("一、部门主要职责", tuple((f"{i}.{d}",) for i, d in enumerate(p.dtype.duties, 1))),
            NarrativeSection(
                "二、部门机构设置",
                (
                    (f"从预算单位构成看，{full}部门预算包括本级预算和所属单位预算。",),
                    (f"纳入{full}{y}年部门预算编制范围的预算单位包括：",),
                    *((f"{i}.{u.name}",) for i, u in enumerate(p.units, 1)),
                ),
            ),
            NarrativeSection(f"第二部分 {full}{y}年部门预算表", (), new_page=True, heading_style="title"),
            *self.tables(),
            *forms,
            *self.explanation(),
            NarrativeSection("第四部分 名词解释", (), new_page=True, heading_style="title"),
            NarrativeSection("", tuple((s,) for s in GLOSSARY)),
        ]
        return PrintedFiling(self.n, self.prev, (full, f"{y}年部门预算"), tuple(parts))

    def contents(self) -> NarrativeSection:
        full, y = self.p.full_name, self.year
        parts = (
            f"第一部分 {full}概况",
            f"第二部分 {full}{y}年部门预算表",
            f"第三部分 {full}{y}年部门预算情况说明",
            "第四部分 名词解释",
        )
        return NarrativeSection("目 录", tuple((s,) for s in parts), new_page=True, heading_style="title")

    # 表1–表10 ----------------------------------------------------------------------------------

    def tables(self) -> list[PrintedTable]:
        n = self.n
        rows = {
            "income_expenditure_summary": self.summary_rows(),
            "income_summary": self.by_unit_rows(lambda a: funded_cells(a.total, INCOME_COLUMNS, FUNDED_INCOME_COLUMNS)),
            "expenditure_summary": [
                PrintedRow("total", "合计", amount_cells(n.total, THREE)),
                *self.function_rows(THREE),
            ],
            "fiscal_grant_summary": self.fiscal_grant_rows(),
            "general_budget_by_function": [
                PrintedRow("total", "合计", amount_cells(n.total, FIVE)),
                *self.function_rows(FIVE),
            ],
            "general_budget_by_unit": self.by_unit_rows(lambda a: amount_cells(a, FIVE)),
            "basic_expenditure_by_economic": [
                PrintedRow("total", "合计", amount_cells(basic_only(n.total), ("total", "personnel", "public"))),
                *self.economic_rows(),
            ],
            "sangong": [self.sangong_row(SANGONG_COLUMNS)],
            "projects": self.project_rows(),
        }
        return [
            PrintedTable(
                table_id,
                title,
                "万元",
                columns,
                tuple(rows.get(table_id, ())),
                label=label,
                note=f"备注：本单位{self.year}年没有使用{UNUSED_FUNDS[table_id]}拨款安排的支出"
                if table_id in UNUSED_FUNDS
                else None,
            )
            for table_id, (title, label, columns) in TABLES.items()
        ]

    def summary_rows(self) -> list[PrintedRow]:
        """表1 部门收支总表: the income sources left, all 25 类 right."""
        total = self.n.total.total
        spend = {code: amount for code, _, amount in self.classes()}
        sources = [(f"income:{i}", f"{chinese_numeral(i)}、{name}", i == 1) for i, name in enumerate(INCOME_SOURCES, 1)]
        rows = income_rows(sources, total, ZERO)
        rows += [
            PrintedRow(code, f"{chinese_numeral(i)}、{name}", {"expenditure": spend.get(code, ZERO)}, side="right")
            for i, (code, name) in enumerate(self.config.classes, 1)
        ]
        return rows + total_pairs(
            [
                ("current", "本年收入合计", "本年支出合计", total),
                ("carryover", "上年结转结余", "年终结转结余", ZERO),
                ("total", "收 入 总 计", "支 出 总 计", total),
            ]
        )

    def by_unit_rows(self, cells: Callable[[ItemAmounts], dict[str, Decimal]]) -> list[PrintedRow]:
        """合计, the department, then each unit (表2, 表5-2)."""
        n, p = self.n, self.p
        return [
            PrintedRow("total", "合计", cells(n.total)),
            PrintedRow(p.dept_code, p.full_name, cells(n.total), code=p.dept_code),
            *(PrintedRow(u.code, u.name, cells(n.unit_total(u.code)), code=u.code) for u in p.units),
        ]

    def fiscal_grant_rows(self) -> list[PrintedRow]:
        """表4 财政拨款收支总表: zero cells print blank in the layouts that leave them blank."""
        total = self.n.total.total
        spend = {code: amount for code, _, amount in self.classes()}

        def blank(amount: Decimal) -> Decimal | None:
            return None if self.p.layout.blank_zero_cells and amount == 0 else amount

        rows = income_rows(FISCAL_INCOME, total, blank(ZERO))
        rows.append(PrintedRow("expenditure:current", "一、本年支出", {"expenditure": total}, side="right"))
        rows += [
            PrintedRow(
                code, f"（{chinese_numeral(i)}）{name}", {"expenditure": blank(spend.get(code, ZERO))}, side="right"
            )
            for i, (code, name) in enumerate(self.config.classes, 1)
        ]
        rows.append(PrintedRow("expenditure:carryover", "二、年终结转结余", {"expenditure": blank(ZERO)}, side="right"))
        return rows + total_pairs([("total", "收 入 总 计", "支 出 总 计", total)])

    def project_rows(self) -> list[PrintedRow]:
        """表10 项目支出表: 合计, the department, each unit with its projects."""
        n, p = self.n, self.p

        def cells(amount: Decimal) -> dict[str, Decimal]:
            return funded_cells(amount, PROJECT_COLUMNS, FUNDED_PROJECT_COLUMNS)

        rows = [
            PrintedRow("total", "", cells(n.project_total)),
            PrintedRow(p.dept_code, p.full_name, cells(n.project_total)),
        ]
        for unit in p.units:
            own = [(pr, a) for pr, a in zip(p.projects, n.project_amounts) if pr.unit_code == unit.code]
            if not own:
                continue
            unit_sum = sum((a for _, a in own), ZERO)
            rows.append(PrintedRow(unit.code, unit.name, cells(unit_sum)))
            rows.append(PrintedRow(f"{unit.code}:own", "本级支出项目", cells(unit_sum)))
            rows += [PrintedRow(f"{unit.code}:{pr.name}", pr.name, cells(a), texts=(unit.name,)) for pr, a in own]
        return rows

    # 表11, 表12-x ------------------------------------------------------------------------------

    def forms(self) -> list[TableSpec]:
        fill_date = f"填报日期：{self.year - 1}年12月{10 + len(self.p.units)}日"
        projects = [
            self.project_form(i, f"表 12-{i + 1}", f"项目支出绩效目标表（{pr.name}）", fill_date)
            for i, pr in enumerate(self.p.projects)
        ]
        return [self.overall_form(fill_date), *projects]

    def overall_form(self, fill_date: str) -> TableSpec:
        """表11 部门整体支出绩效目标表: money by kind over three years, duties, goal, then the indicators."""
        n, p, y = self.n, self.p, self.year
        before = self.history[-2:]

        def money_row(label: str, pick) -> list[str]:
            values = [pick(n), *(pick(h) for h in before)]
            share = f"{pct_value(pick(n), n.total.total, 'wuhan')}%" if n.total.total else ""
            return [label, _plain(values[0]), share, *(_plain(v) for v in values[1:])]

        goal = f"围绕{p.dtype.field}重点工作，保障机构正常运转，推进{len(p.projects)}个重点项目按期实施。"
        rows = [
            ["部门(单位)名称", p.full_name],
            ["部门总体资金情况", "资金类别", "", "当年金额", "占比", *(f"{h.year}年" for h in before)],
            ["", "收入构成", *money_row("财政拨款", lambda x: x.total.total)],
            ["", "", *money_row("合计", lambda x: x.total.total)],
            ["", "支出构成", *money_row("人员类项目支出", lambda x: x.total.personnel)],
            ["", "", *money_row("运转类项目支出", lambda x: x.total.public)],
            ["", "", *money_row("特定目标类项目支出", lambda x: x.total.project)],
            ["", "", *money_row("合计", lambda x: x.total.total)],
            ["部门职能概述", "".join(p.dtype.duties)],
            ["整体绩效目标", goal],
        ]
        rows = [r + [""] * (7 - len(r)) for r in rows]
        spans = [
            BodySpan(0, 1, colspan=6),
            BodySpan(1, 0, rowspan=7),
            BodySpan(1, 1, colspan=2),
            BodySpan(2, 1, rowspan=2),
            BodySpan(4, 1, rowspan=4),
            BodySpan(8, 1, colspan=6),
            BodySpan(9, 1, colspan=6),
        ]
        # The indicators: 三级指标 and 指标值 each span two of the form's seven columns.
        rng = random.Random(f"performance:{p.district.slug}:{p.slug}:{y}:overall")
        indicators = self.indicator_rows(p.dtype.field + "重点工作", n.total.total, rng)
        start = len(rows)
        for r, (first, second, name, value, basis) in enumerate(
            [INDICATOR_HEADER, *indicator_lines(indicators)], start
        ):
            rows.append([first, second, name, "", value, "", basis])
            spans += [BodySpan(r, 2, colspan=2), BodySpan(r, 4, colspan=2)]
        spans += group_spans(rows, start + 1)
        return TableSpec(
            title="部门整体支出绩效目标表",
            unit="万元",
            header=(),
            rows=tuple(tuple(r) for r in rows),
            col_widths=(1.4, 1.3, 1.6, 1.1, 1.1, 1.1, 1.1),
            label="表 11",
            org_line=fill_date,
            landscape=True,
            numeric_align="center",
            body_spans=tuple(spans),
        )

    # 第三部分 情况说明 ----------------------------------------------------------------------------

    def explanation(self) -> list[NarrativeSection]:
        full, y = self.p.full_name, self.year
        total = self.n.total
        return [
            NarrativeSection(f"第三部分 {full}{y}年部门预算情况说明", (), new_page=True, heading_style="title"),
            self.overview_section(),
            NarrativeSection(
                "二、收入预算安排情况",
                (
                    (
                        "部门预算收入",
                        self.total_fact(),
                        "万元。其中：一般公共预算财政拨款收入",
                        self.total_fact(),
                        "万元，占100%。",
                    ),
                ),
            ),
            NarrativeSection(
                "三、支出预算安排情况",
                (
                    (
                        "部门预算支出",
                        self.total_fact(),
                        "万元。其中：基本支出",
                        Fact("basic.amount", "amount", total.basic, source=("expenditure_summary", "total", "basic")),
                        "万元，占比",
                        self.share("basic.share", total.basic, total.total),
                        "%；项目支出",
                        Fact(
                            "project.amount",
                            "amount",
                            total.project,
                            source=("expenditure_summary", "total", "project"),
                        ),
                        "万元，占比",
                        self.share("project.share", total.project, total.total),
                        "%。",
                    ),
                ),
            ),
            self.fiscal_grant_section(),
            self.general_budget_section(),
            self.basic_section(),
            NarrativeSection("七、一般公共预算“三公”经费支出安排情况", self.sangong_paragraphs(SANGONG_WORDING)),
            *(
                NarrativeSection(heading, ((f"{y}年没有使用{UNUSED_FUNDS[table_id]}拨款安排的支出。",),))
                for heading, table_id in (
                    ("八、政府性基金预算支出安排情况", "gov_fund"),
                    ("九、国有资本经营预算支出安排情况", "state_capital"),
                )
            ),
            self.project_section(),
            NarrativeSection("十一、其他重要事项的情况说明", self.other_paragraphs()),
        ]

    def total_fact(self) -> Fact:
        return Fact("total.amount", "amount", self.n.total.total, source=("expenditure_summary", "total", "total"))

    def overview_section(self) -> NarrativeSection:
        total, previous = self.n.total.total, self.prev.total.total
        names = "、".join(name for _, name, _ in self.classes())
        return NarrativeSection(
            "一、收支预算总体安排情况",
            (
                (f"按照综合预算的原则，{self.p.full_name}所有收入和支出均纳入部门预算管理。",),
                ("收入包括：一般公共预算财政拨款收入。",),
                (f"支出包括：{names}。",),
                (
                    f"{self.year}年部门收支总预算",
                    self.total_fact(),
                    "万元，",
                    self.yoy("total.yoy", total, previous, source=("expenditure_summary", "total", "total")),
                    _reason(total, previous),
                    "。",
                ),
            ),
        )

    def fiscal_grant_section(self) -> NarrativeSection:
        classes = self.classes()
        by_class = tuple(
            piece
            for i, (code, name, amount) in enumerate(classes)
            for piece in (
                name,
                Fact(f"class.{code}.amount", "amount", amount, source=("expenditure_summary", code, "total")),
                "万元" + ("；" if i < len(classes) - 1 else "。"),
            )
        )
        T = self.total_fact()
        return NarrativeSection(
            "四、财政拨款收支预算总体情况",
            (
                (f"{self.year}年财政拨款收支总预算", T, "万元，收入包括：一般公共预算财政拨款本年收入", T, "万元。"),
                ("按照支出功能分类科目，主要用于：",),
                by_class,
            ),
        )

    def general_budget_section(self) -> NarrativeSection:
        total, T = self.n.total, self.total_fact()
        change = self.yoy(
            "general_budget.yoy",
            total.total,
            self.prev.total.total,
            source=("expenditure_summary", "total", "total"),
        )
        return NarrativeSection(
            "五、一般公共预算支出安排情况",
            (
                ("（一）一般公共预算拨款规模变化情况",),
                (f"{self.year}年一般公共预算拨款", T, "万元。其中：本年预算", T, "万元，", change, "。"),
                ("（二）一般公共预算拨款结构情况",),
                (
                    "基本支出",
                    Fact("basic.amount", "amount", total.basic),
                    "万元，占",
                    self.share("basic.share", total.basic, total.total),
                    "%，其中：人员经费",
                    Fact("personnel.amount", "amount", total.personnel),
                    "万元、公用经费",
                    Fact("public.amount", "amount", total.public),
                    "万元；项目支出",
                    Fact("project.amount", "amount", total.project),
                    "万元，占",
                    self.share("project.share", total.project, total.total),
                    "%。",
                ),
                ("（三）一般公共预算拨款具体使用情况",),
                *self.item_paragraphs(),
            ),
        )

    def item_paragraphs(self) -> list[tuple[Piece, ...]]:
        """One paragraph per 项: its amount and change on the year before."""
        cfg = self.config
        leaves = [(code, a) for code, a in self.n.function_rows if len(code) == 7]
        return [
            (
                f"{i}.{cfg.function_name(code[:3])}（类）{cfg.function_name(code[:5])}（款）{cfg.function_name(code)}（项）"
                f"{self.year}年预算数",
                Fact(f"item.{code}.amount", "amount", amounts.total),
                "万元，",
                self.yoy(
                    f"item.{code}.yoy",
                    amounts.total,
                    self.previous_item(code),
                    source=("expenditure_summary", code, "total"),
                ),
                "。",
            )
            for i, (code, amounts) in enumerate(leaves, 1)
        ]

    def basic_section(self) -> NarrativeSection:
        n, total = self.n, self.n.total
        economic = dict(n.economic_rows)

        def economic_fact(code: str) -> Fact:
            amount = economic.get(code, ItemAmounts()).total
            return Fact(
                f"economic.{code}.amount", "amount", amount, source=("basic_expenditure_by_economic", code, "total")
            )

        public_uses = "、".join(
            self.config.economic_names[c] for c, a in n.economic.items() if a.public and c != "30299"
        )
        return NarrativeSection(
            "六、一般公共预算基本支出安排情况",
            (
                (f"{self.year}年一般公共预算基本支出", Fact("basic.amount", "amount", total.basic), "万元，其中："),
                (
                    "（一）人员经费",
                    Fact("personnel.amount", "amount", total.personnel),
                    "万元，包括：工资福利支出",
                    economic_fact("301"),
                    "万元、对个人和家庭的补助",
                    economic_fact("303"),
                    "万元。",
                ),
                ("（二）公用经费", Fact("public.amount", "amount", total.public), f"万元，主要用于{public_uses}等。"),
            ),
        )

    def project_section(self) -> NarrativeSection:
        n, p = self.n, self.p
        return NarrativeSection(
            "十、项目支出安排情况",
            (
                (
                    f"{self.year}年项目支出",
                    Fact("project.amount", "amount", n.total.project),
                    "万元，其中：一般公共预算本年拨款",
                    Fact("project.amount", "amount", n.total.project),
                    "万元。",
                ),
                ("具体使用情况如下：",),
                *(
                    (
                        f"（{chinese_numeral(i)}）{pr.name}项目",
                        Fact(f"project.{i}.amount", "amount", a),
                        f"万元。主要用于保障{p.dtype.field}相关工作开展。",
                    )
                    for i, (pr, a) in enumerate(zip(p.projects, n.project_amounts), 1)
                ),
            ),
        )

    def other_paragraphs(self) -> tuple[tuple[Piece, ...], ...]:
        n, prev, y, p = self.n, self.prev, self.year, self.p
        proc = n.procurement
        if n.has_performance:
            performance: tuple[Piece, ...] = (
                f"{y}年，预算支出",
                Fact("total.amount", "amount", n.total.total),
                f"万元全面实施预算绩效目标管理。设置了整体支出绩效目标、{len(p.projects)}个项目支出绩效目标。",
            )
        else:
            performance = (f"{y}年，本部门未编报整体支出绩效目标和项目支出绩效目标。",)
        return (
            ("（一）机关运行经费情况",),
            (
                f"{y}年机关运行经费",
                Fact("admin_operation.amount", "amount", n.admin_operation),
                "万元，",
                self.yoy("admin_operation.yoy", n.admin_operation, prev.admin_operation),
                "。",
            ),
            ("（二）政府采购预算情况",),
            (
                f"{y}年政府采购预算支出合计",
                Fact("procurement.amount", "amount", proc.total),
                "万元，",
                self.yoy("procurement.yoy", proc.total, prev.procurement.total),
                "。其中：货物类",
                Fact("procurement.goods.amount", "amount", proc.goods),
                "万元，工程类",
                Fact("procurement.works.amount", "amount", proc.works),
                "万元，服务类",
                Fact("procurement.services.amount", "amount", proc.services),
                "万元。",
            ),
            ("（三）国有资产占有使用情况",),
            (f"截至{y - 1}年12月31日，部门共有车辆{p.n_vehicles}辆。",),
            ("（四）预算绩效管理情况",),
            performance,
        )


def _reason(current: Decimal, previous: Decimal) -> str:
    if current == previous:
        return ""
    change = (current - previous) / previous
    if change > Decimal("1"):
        return "，主要原因是新增重点项目支出"
    if change > 0:
        return "，主要原因是人员经费标准调整和项目支出增加"
    return "，主要原因是压减一般性支出"


def _plain(amount: Decimal) -> str:
    """An amount in a form cell: 万元 without separators, trailing zeros dropped (the seed's 表11)."""
    return strip_zeros(f"{(amount / YUAN_PER_WAN).quantize(PRINTED, rounding=ROUND_HALF_UP):.2f}")

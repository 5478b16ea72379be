"""The two templates of the sample corpus: a department-year's numbers as the Wuhan and Shanghai filings print them.

`build_printed` returns a PrintedFiling (budgetml/synth/sample_render.py): the amount tables keyed by canonical
table id, the narrative as text and facts (情况说明 / 编制说明 with their 比上年 statements), and the
performance target forms. The previous years of the series supply every stated 上年 figure.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from budgetml.synth.render import BodySpan, TableSpec
from budgetml.synth.sample import YUAN_PER_WAN, ZERO, FilingNumbers, ItemAmounts, SampleConfig
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
    wan_text,
)

NUMERALS = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 廿一 (the seed's 表1 counts its 25 类 this way)."""
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    if n == 20:
        return "二十"
    if n < 30:
        return "廿" + NUMERALS[n - 21]
    raise ValueError(f"no numeral for {n}: the templates count at most 25 类")


# --- building the printed filing ---------------------------------------------------------------------


def build_printed(config: SampleConfig, series: Sequence[FilingNumbers]) -> PrintedFiling:
    """The printed filing of series[-1]; the earlier years supply the stated previous-year figures."""
    numbers = series[-1]
    history = list(series[:-1])
    builder = _WuhanBuilder if numbers.profile.style == "wuhan" else _ShanghaiBuilder
    return builder(config, numbers, history).build()


class _Builder:
    """Shared pieces of both templates: rows from the numbers, facts, performance forms."""

    def __init__(self, config: SampleConfig, numbers: FilingNumbers, history: list[FilingNumbers]) -> None:
        self.config = config
        self.n = numbers
        self.history = history
        self.prev = history[-1] if history else None
        self.p = numbers.profile
        self.style = self.p.style
        self.year = numbers.year

    # rows --------------------------------------------------------------------------------------

    def function_rows(self, columns: Sequence[str]) -> list[PrintedRow]:
        return [
            PrintedRow(code, self.config.function_name(code), _amount_cells(amounts, columns), code=code)
            for code, amounts in self.n.function_rows
        ]

    def economic_rows(self) -> list[PrintedRow]:
        columns = ("total", "personnel", "public")
        return [
            PrintedRow(code, self.config.economic_names[code], _amount_cells(amounts, columns), code=code)
            for code, amounts in self.n.economic_rows
        ]

    def classes(self) -> list[tuple[str, str, Decimal]]:
        """(code, name, total) of the 类 the department spends on."""
        return [(code, self.config.class_name(code), a.total) for code, a in self.n.function_rows if len(code) == 3]

    # facts -----------------------------------------------------------------------------------

    def yoy(self, key: str, current: Decimal, previous: Decimal, form: str = "change", source=None) -> Fact:
        return Fact(key, "yoy", current, previous=previous, form=form, source=source)

    def previous_item(self, code: str) -> Decimal:
        return self.prev.items[code].total if self.prev and code in self.prev.items else ZERO

    def share(self, key: str, part: Decimal, whole: Decimal) -> Fact:
        return Fact(key, "share", pct_value(part, whole, self.style))

    # performance forms -------------------------------------------------------------------------

    def indicator_rows(self, project: str, amount: Decimal, rng: random.Random) -> list[list[str]]:
        """一级 / 二级 / 三级指标 / 指标值 / 依据: 产出 (数量, 质量, 时效), 成本, 效益, 满意度."""
        t = self.config.performance
        stem = project.removesuffix("经费").removesuffix("资金").removesuffix("项目") or project
        low, high = t.count_range

        def pick(pool: Sequence[str], k: int) -> list[tuple[str, str]]:
            chosen = rng.sample(list(pool), min(k, len(pool)))
            return [tuple(s.format(p=stem, n=rng.randint(low, high)).split("|", 1)) for s in chosen]  # type: ignore[misc]

        groups = [
            ("产出指标", "数量指标", pick(t.quantity, 2)),
            ("产出指标", "质量指标", pick(t.quality, 2)),
            ("产出指标", "时效指标", pick(t.timeliness, 1)),
            ("成本指标", "经济成本指标", [("成本控制", f"≤{wan_text(amount, self.style)}万元")]),
            ("效益指标", "社会效益指标", pick(t.benefit, 1)),
            ("满意度指标", "服务对象满意度指标", pick(t.satisfaction, 1)),
        ]
        return [
            [first, second, name, value, rng.choice(t.basis)]
            for first, second, items in groups
            for name, value in items
        ]

    def project_form(self, index: int, label: str | None, title: str, org_line: str | None) -> TableSpec:
        project = self.p.projects[index]
        amount = self.n.project_amounts[index]
        rng = random.Random(f"performance:{self.p.district.slug}:{self.p.slug}:{self.year}:{index}")
        unit_name = next(u.name for u in self.p.units if u.code == project.unit_code)
        history = "，".join(
            f"{h.year}年预算{wan_text(h.project_amounts[index], self.style)}万元" for h in self.history[-2:]
        )
        goal = f"按期完成{project.name.removesuffix('经费')}各项任务，保障{self.p.dtype.field}工作有序开展，资金使用规范高效。"
        top = [
            (["项目名称", project.name, "主管部门", self.p.full_name, ""], [(3, 2)]),
            (["项目执行单位", unit_name, "项目属性", "持续性项目", ""], [(3, 2)]),
            (
                [
                    "项目总预算",
                    f"{wan_text(amount, self.style)}万元",
                    "项目当年预算",
                    f"{wan_text(amount, self.style)}万元",
                    "",
                ],
                [(3, 2)],
            ),
            (["前两年预算情况", f"{history}。", "", "", ""], [(1, 4)]),
            (["年度绩效目标", goal, "", "", ""], [(1, 4)]),
        ]
        return _form(
            label, title, org_line, top, self.indicator_rows(project.name, amount, rng), (1.3, 1.3, 2.6, 1.5, 1.2)
        )


def _amount_cells(amounts: ItemAmounts, columns: Sequence[str]) -> dict[str, Decimal]:
    values = {
        "total": amounts.total,
        "basic": amounts.basic,
        "personnel": amounts.personnel,
        "public": amounts.public,
        "project": amounts.project,
    }
    return {c: values[c] for c in columns}


def _basic_only(amounts: ItemAmounts) -> ItemAmounts:
    """The basic-spending table's 合计: personnel and public, no projects."""
    return ItemAmounts(amounts.personnel, amounts.public)


def _form(
    label: str | None,
    title: str,
    org_line: str | None,
    top: Sequence[tuple[list[str], list[tuple[int, int]]]],  # (cells, [(first column, columns merged)])
    indicators: Sequence[list[str]],
    col_widths: tuple[float, ...],
) -> TableSpec:
    """A performance target form: label/value rows on top, then the indicator list with merged 一级/二级 cells."""
    rows: list[tuple[str, ...]] = []
    spans: list[BodySpan] = []
    for cells, merged in top:
        r = len(rows)
        rows.append(tuple(cells))
        spans += [BodySpan(r, col, colspan=width) for col, width in merged]
    rows.append(("一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据"))
    start = len(rows)
    for k, (first, second, name, value, basis) in enumerate(indicators):
        same_first = k > 0 and indicators[k - 1][0] == first
        same_second = same_first and indicators[k - 1][1] == second
        rows.append(("" if same_first else first, "" if same_second else second, name, value, basis))
    spans += _group_spans(rows, start)
    return TableSpec(
        title=title,
        unit="万元",
        header=(),
        rows=tuple(rows),
        col_widths=col_widths,
        label=label,
        org_line=org_line,
        landscape=True,
        numeric_align="center",
        body_spans=tuple(spans),
    )


# --- Wuhan template (the seed's) ---------------------------------------------------------------------


class _WuhanBuilder(_Builder):
    def build(self) -> PrintedFiling:
        p, y = self.p, self.year
        full = p.full_name
        tables = self.tables()
        forms = self.forms() if self.n.has_performance else []
        parts: list[Part] = [
            NarrativeSection(
                "目 录",
                tuple(
                    (s,)
                    for s in (
                        f"第一部分 {full}概况",
                        f"第二部分 {full}{y}年部门预算表",
                        f"第三部分 {full}{y}年部门预算情况说明",
                        "第四部分 名词解释",
                    )
                ),
                new_page=True,
                heading_style="title",
            ),
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
            *tables,
            *forms,
            *self.explanation(),
            NarrativeSection("第四部分 名词解释", (), new_page=True, heading_style="title"),
            NarrativeSection("", tuple((s,) for s in _GLOSSARY)),
        ]
        return PrintedFiling(self.n, self.prev, (full, f"{y}年部门预算"), tuple(parts))

    def tables(self) -> list[PrintedTable]:
        n, p = self.n, self.p
        total = n.total.total
        zero_blank = self.p.layout.blank_zero_cells
        spend = {code: amount for code, _, amount in self.classes()}

        def blank(amount: Decimal) -> Decimal | None:
            return None if zero_blank and amount == 0 else amount

        # 表1 部门收支总表: income sources left, all 25 类 right.
        income_sources = [
            "一般公共预算拨款收入",
            "政府性基金预算拨款收入",
            "国有资本经营预算拨款收入",
            "财政专户管理资金收入",
            "事业收入",
            "事业单位经营收入",
            "上级补助收入",
            "附属单位上缴收入",
            "其他收入",
        ]
        t1 = [
            PrintedRow(
                f"income:{i}", f"{chinese_numeral(i)}、{name}", {"income": total if i == 1 else ZERO}, side="left"
            )
            for i, name in enumerate(income_sources, 1)
        ]
        t1 += [
            PrintedRow(code, f"{chinese_numeral(i)}、{name}", {"expenditure": spend.get(code, ZERO)}, side="right")
            for i, (code, name) in enumerate(self.config.classes, 1)
        ]
        t1 += _total_pairs(
            [
                ("current", "本年收入合计", "本年支出合计", total),
                ("carryover", "上年结转结余", "年终结转结余", ZERO),
                ("total", "收 入 总 计", "支 出 总 计", total),
            ]
        )
        # 表2 部门收入总表 by unit: everything is 一般公共预算.
        income_cols = (
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

        def income_cells(amount: Decimal) -> dict[str, Decimal]:
            return {c: amount if c in ("total", "current_year_total", "general_budget") else ZERO for c in income_cols}

        t2 = [PrintedRow("total", "合计", income_cells(total))]
        t2.append(PrintedRow(p.dept_code, p.full_name, income_cells(total), code=p.dept_code))
        t2 += [PrintedRow(u.code, u.name, income_cells(n.unit_total(u.code).total), code=u.code) for u in p.units]
        # 表3, 表5-1: 合计 first, then 类/款/项.
        t3 = [
            PrintedRow("total", "合计", _amount_cells(n.total, ("total", "basic", "project"))),
            *self.function_rows(("total", "basic", "project")),
        ]
        five = ("total", "basic", "personnel", "public", "project")
        t51 = [PrintedRow("total", "合计", _amount_cells(n.total, five)), *self.function_rows(five)]
        t52 = [
            PrintedRow("total", "合计", _amount_cells(n.total, five)),
            PrintedRow(p.dept_code, p.full_name, _amount_cells(n.total, five), code=p.dept_code),
        ]
        t52 += [PrintedRow(u.code, u.name, _amount_cells(n.unit_total(u.code), five), code=u.code) for u in p.units]
        # 表4 财政拨款收支总表.
        t4 = [
            PrintedRow("income:current", "一、本年收入", {"income": total}, side="left"),
            PrintedRow("income:current:general_budget", "（一）一般公共预算拨款", {"income": total}, side="left"),
            PrintedRow("income:current:gov_fund", "（二）政府性基金预算拨款", {"income": blank(ZERO)}, side="left"),
            PrintedRow(
                "income:current:state_capital", "（三）国有资本经营预算拨款", {"income": blank(ZERO)}, side="left"
            ),
            PrintedRow("income:carryover", "二、上年结转", {"income": blank(ZERO)}, side="left"),
            PrintedRow(
                "income:carryover:general_budget", "（一）一般公共预算拨款", {"income": blank(ZERO)}, side="left"
            ),
            PrintedRow("income:carryover:gov_fund", "（二）政府性基金预算拨款", {"income": blank(ZERO)}, side="left"),
            PrintedRow(
                "income:carryover:state_capital", "（三）国有资本经营预算拨款", {"income": blank(ZERO)}, side="left"
            ),
            PrintedRow("expenditure:current", "一、本年支出", {"expenditure": total}, side="right"),
        ]
        t4 += [
            PrintedRow(
                code, f"（{chinese_numeral(i)}）{name}", {"expenditure": blank(spend.get(code, ZERO))}, side="right"
            )
            for i, (code, name) in enumerate(self.config.classes, 1)
        ]
        t4.append(PrintedRow("expenditure:carryover", "二、年终结转结余", {"expenditure": blank(ZERO)}, side="right"))
        t4 += _total_pairs([("total", "收 入 总 计", "支 出 总 计", total)])
        # 表6 一般公共预算基本支出表 by economic code.
        t6 = [
            PrintedRow("total", "合计", _amount_cells(_basic_only(n.total), ("total", "personnel", "public")))
        ] + self.economic_rows()
        s = n.sangong
        t7 = [
            PrintedRow(
                "total",
                "",
                {
                    "sangong_total": s.total,
                    "overseas": s.overseas,
                    "vehicle_total": s.vehicle,
                    "vehicle_purchase": s.vehicle_purchase,
                    "vehicle_operation": s.vehicle_operation,
                    "reception": s.reception,
                },
            )
        ]
        # 表10 项目支出表: 合计, the department, each unit with its projects.
        project_cols = (
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

        def project_cells(amount: Decimal) -> dict[str, Decimal]:
            return {c: amount if c in ("total", "general_budget") else ZERO for c in project_cols}

        t10 = [
            PrintedRow("total", "", project_cells(n.project_total)),
            PrintedRow(p.dept_code, p.full_name, project_cells(n.project_total)),
        ]
        for unit in p.units:
            own = [(pr, a) for pr, a in zip(p.projects, n.project_amounts) if pr.unit_code == unit.code]
            if not own:
                continue
            unit_sum = sum((a for _, a in own), ZERO)
            t10.append(PrintedRow(unit.code, unit.name, project_cells(unit_sum)))
            t10.append(PrintedRow(f"{unit.code}:own", "本级支出项目", project_cells(unit_sum)))
            t10 += [
                PrintedRow(f"{unit.code}:{pr.name}", pr.name, project_cells(a), texts=(unit.name,)) for pr, a in own
            ]
        y = self.year
        return [
            PrintedTable(
                "income_expenditure_summary", "部门收支总表", "万元", ("income", "expenditure"), tuple(t1), label="表 1"
            ),
            PrintedTable("income_summary", "部门收入总表", "万元", income_cols, tuple(t2), label="表 2"),
            PrintedTable(
                "expenditure_summary", "部门支出总表", "万元", ("total", "basic", "project"), tuple(t3), label="表 3"
            ),
            PrintedTable(
                "fiscal_grant_summary", "财政拨款收支总表", "万元", ("income", "expenditure"), tuple(t4), label="表 4"
            ),
            PrintedTable(
                "general_budget_by_function", "一般公共预算支出表(分功能科目)", "万元", five, tuple(t51), label="表 5-1"
            ),
            PrintedTable(
                "general_budget_by_unit", "一般公共预算支出表(分单位)", "万元", five, tuple(t52), label="表 5-2"
            ),
            PrintedTable(
                "basic_expenditure_by_economic",
                "一般公共预算基本支出表",
                "万元",
                ("total", "personnel", "public"),
                tuple(t6),
                label="表 6",
            ),
            PrintedTable(
                "sangong",
                "一般公共预算“三公”经费支出表",
                "万元",
                ("sangong_total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception"),
                tuple(t7),
                label="表 7",
            ),
            PrintedTable(
                "gov_fund",
                "政府性基金预算支出表",
                "万元",
                ("total", "basic", "project"),
                (),
                label="表 8",
                note=f"备注：本单位{y}年没有使用政府性基金预算拨款安排的支出",
            ),
            PrintedTable(
                "state_capital",
                "国有资本经营预算支出表",
                "万元",
                ("total", "basic", "project"),
                (),
                label="表 9",
                note=f"备注：本单位{y}年没有使用国有资本经营预算拨款安排的支出",
            ),
            PrintedTable("projects", "项目支出表", "万元", project_cols, tuple(t10), label="表 10"),
        ]

    def forms(self) -> list[TableSpec]:
        n, p, y = self.n, self.p, self.year
        fill_date = f"填报日期：{y - 1}年12月{10 + len(p.units)}日"
        before = self.history[-2:]
        years = [h.year for h in before]

        def money_row(label: str, pick) -> list[str]:
            values = [pick(n), *(pick(h) for h in before)]
            share = f"{pct_value(pick(n), n.total.total, 'wuhan')}%" if n.total.total else ""
            return [label, _plain(values[0]), share, *(_plain(v) for v in values[1:])]

        rows = [
            ["部门(单位)名称", p.full_name, "", "", "", "", ""],
            ["部门总体资金情况", "资金类别", "", "当年金额", "占比", *(f"{yr}年" for yr in years)],
            ["", "收入构成", *money_row("财政拨款", lambda x: x.total.total)],
            ["", "", *money_row("合计", lambda x: x.total.total)],
            ["", "支出构成", *money_row("人员类项目支出", lambda x: x.total.personnel)],
            ["", "", *money_row("运转类项目支出", lambda x: x.total.public)],
            ["", "", *money_row("特定目标类项目支出", lambda x: x.total.project)],
            ["", "", *money_row("合计", lambda x: x.total.total)],
            ["部门职能概述", "".join(p.dtype.duties), "", "", "", "", ""],
            [
                "整体绩效目标",
                f"围绕{p.dtype.field}重点工作，保障机构正常运转，推进{len(p.projects)}个重点项目按期实施。",
                "",
                "",
                "",
                "",
                "",
            ],
        ]
        rows = [r + [""] * (7 - len(r)) for r in rows]
        spans = [
            BodySpan(0, 1, colspan=6),
            BodySpan(1, 0, rowspan=7),
            BodySpan(1, 1, colspan=2),
            BodySpan(2, 1, rowspan=2),
            BodySpan(4, 1, rowspan=4),
        ]
        spans += [BodySpan(8, 1, colspan=6), BodySpan(9, 1, colspan=6)]
        rng = random.Random(f"performance:{p.district.slug}:{p.slug}:{y}:overall")
        indicators = self.indicator_rows(p.dtype.field + "重点工作", n.total.total, rng)
        start = len(rows)
        rows.append(["一级指标", "二级指标", "三级指标", "", "指标值", "", "指标值确定依据"])
        spans += [BodySpan(start, 2, colspan=2), BodySpan(start, 4, colspan=2)]
        for k, (first, second, name, value, basis) in enumerate(indicators):
            r = len(rows)
            same_first = k > 0 and indicators[k - 1][0] == first
            same_second = same_first and indicators[k - 1][1] == second
            rows.append(["" if same_first else first, "" if same_second else second, name, "", value, "", basis])
            spans += [BodySpan(r, 2, colspan=2), BodySpan(r, 4, colspan=2)]
        spans += _group_spans(rows, start + 1)
        overall = TableSpec(
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
        projects = [
            self.project_form(i, f"表 12-{i + 1}", f"项目支出绩效目标表（{pr.name}）", fill_date)
            for i, pr in enumerate(p.projects)
        ]
        return [overall, *projects]

    def explanation(self) -> list[NarrativeSection]:
        n, p, y, prev = self.n, self.p, self.year, self.prev
        full = p.full_name
        total = n.total
        T = Fact("total.amount", "amount", total.total, source=("expenditure_summary", "total", "total"))
        classes = self.classes()
        sections = [
            NarrativeSection(f"第三部分 {full}{y}年部门预算情况说明", (), new_page=True, heading_style="title"),
            NarrativeSection(
                "一、收支预算总体安排情况",
                (
                    (f"按照综合预算的原则，{full}所有收入和支出均纳入部门预算管理。",),
                    ("收入包括：一般公共预算财政拨款收入。",),
                    ("支出包括：" + "、".join(name for _, name, _ in classes) + "。",),
                    (
                        f"{y}年部门收支总预算",
                        T,
                        "万元，",
                        self.yoy(
                            "total.yoy", total.total, prev.total.total, source=("expenditure_summary", "total", "total")
                        ),
                        _reason(total.total, prev.total.total),
                        "。",
                    ),
                ),
            ),
            NarrativeSection(
                "二、收入预算安排情况",
                (("部门预算收入", T, "万元。其中：一般公共预算财政拨款收入", T, "万元，占100%。"),),
            ),
            NarrativeSection(
                "三、支出预算安排情况",
                (
                    (
                        "部门预算支出",
                        T,
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
            NarrativeSection(
                "四、财政拨款收支预算总体情况",
                (
                    (f"{y}年财政拨款收支总预算", T, "万元，收入包括：一般公共预算财政拨款本年收入", T, "万元。"),
                    ("按照支出功能分类科目，主要用于：",),
                    tuple(
                        piece
                        for i, (code, name, amount) in enumerate(classes)
                        for piece in (
                            name,
                            Fact(
                                f"class.{code}.amount", "amount", amount, source=("expenditure_summary", code, "total")
                            ),
                            "万元" + ("；" if i < len(classes) - 1 else "。"),
                        )
                    ),
                ),
            ),
            NarrativeSection(
                "五、一般公共预算支出安排情况",
                (
                    ("（一）一般公共预算拨款规模变化情况",),
                    (
                        f"{y}年一般公共预算拨款",
                        T,
                        "万元。其中：本年预算",
                        T,
                        "万元，",
                        self.yoy(
                            "general_budget.yoy",
                            total.total,
                            prev.total.total,
                            source=("expenditure_summary", "total", "total"),
                        ),
                        "。",
                    ),
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
            ),
            NarrativeSection(
                "六、一般公共预算基本支出安排情况",
                (
                    (f"{y}年一般公共预算基本支出", Fact("basic.amount", "amount", total.basic), "万元，其中："),
                    (
                        "（一）人员经费",
                        Fact("personnel.amount", "amount", total.personnel),
                        "万元，包括：工资福利支出",
                        Fact(
                            "economic.301.amount",
                            "amount",
                            dict(n.economic_rows).get("301", ItemAmounts()).total,
                            source=("basic_expenditure_by_economic", "301", "total"),
                        ),
                        "万元、对个人和家庭的补助",
                        Fact(
                            "economic.303.amount",
                            "amount",
                            dict(n.economic_rows).get("303", ItemAmounts()).total,
                            source=("basic_expenditure_by_economic", "303", "total"),
                        ),
                        "万元。",
                    ),
                    (
                        "（二）公用经费",
                        Fact("public.amount", "amount", total.public),
                        "万元，主要用于"
                        + "、".join(
                            self.config.economic_names[c] for c, a in n.economic.items() if a.public and c != "30299"
                        )
                        + "等。",
                    ),
                ),
            ),
            NarrativeSection("七、一般公共预算“三公”经费支出安排情况", self.sangong_paragraphs()),
            NarrativeSection("八、政府性基金预算支出安排情况", ((f"{y}年没有使用政府性基金预算拨款安排的支出。",),)),
            NarrativeSection(
                "九、国有资本经营预算支出安排情况", ((f"{y}年没有使用国有资本经营预算拨款安排的支出。",),)
            ),
            NarrativeSection(
                "十、项目支出安排情况",
                (
                    (
                        f"{y}年项目支出",
                        Fact("project.amount", "amount", total.project),
                        "万元，其中：一般公共预算本年拨款",
                        Fact("project.amount", "amount", total.project),
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
            ),
            NarrativeSection("十一、其他重要事项的情况说明", self.other_paragraphs()),
        ]
        return sections

    def item_paragraphs(self) -> list[tuple[Piece, ...]]:
        paragraphs = []
        leaves = [(code, a) for code, a in self.n.function_rows if len(code) == 7]
        for i, (code, amounts) in enumerate(leaves, 1):
            names = f"{self.config.function_name(code[:3])}（类）{self.config.function_name(code[:5])}（款）{self.config.function_name(code)}（项）"
            paragraphs.append(
                (
                    f"{i}.{names}{self.year}年预算数",
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
            )
        return paragraphs

    def sangong_paragraphs(self) -> tuple[tuple[Piece, ...], ...]:
        s, ps, y = self.n.sangong, self.prev.sangong, self.year
        src = ("sangong", "total")
        return (
            (
                f"{y}年一般公共预算“三公”经费支出",
                Fact("sangong.amount", "amount", s.total, source=(*src, "sangong_total")),
                "万元，",
                self.yoy("sangong.yoy", s.total, ps.total, source=(*src, "sangong_total")),
                "。其中：",
            ),
            (
                "1.因公出国（境）费",
                Fact("sangong.overseas.amount", "amount", s.overseas),
                "万元，",
                self.yoy("sangong.overseas.yoy", s.overseas, ps.overseas),
                "。",
            ),
            (
                "2.公务用车购置及运行维护费",
                Fact("sangong.vehicle.amount", "amount", s.vehicle),
                "万元，",
                self.yoy("sangong.vehicle.yoy", s.vehicle, ps.vehicle),
                "。其中：公务用车购置费",
                Fact("sangong.vehicle_purchase.amount", "amount", s.vehicle_purchase),
                "万元，",
                self.yoy("sangong.vehicle_purchase.yoy", s.vehicle_purchase, ps.vehicle_purchase),
                "；公务用车运行维护费",
                Fact("sangong.vehicle_operation.amount", "amount", s.vehicle_operation),
                "万元，",
                self.yoy("sangong.vehicle_operation.yoy", s.vehicle_operation, ps.vehicle_operation),
                "。",
            ),
            (
                "3.公务接待费",
                Fact("sangong.reception.amount", "amount", s.reception),
                "万元，",
                self.yoy("sangong.reception.yoy", s.reception, ps.reception),
                "。",
            ),
        )

    def other_paragraphs(self) -> tuple[tuple[Piece, ...], ...]:
        n, prev, y, p = self.n, self.prev, self.year, self.p
        proc, pproc = n.procurement, prev.procurement
        vehicles = f"截至{y - 1}年12月31日，部门共有车辆{p.n_vehicles}辆。"
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
                self.yoy("procurement.yoy", proc.total, pproc.total),
                "。其中：货物类",
                Fact("procurement.goods.amount", "amount", proc.goods),
                "万元，工程类",
                Fact("procurement.works.amount", "amount", proc.works),
                "万元，服务类",
                Fact("procurement.services.amount", "amount", proc.services),
                "万元。",
            ),
            ("（三）国有资产占有使用情况",),
            (vehicles,),
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


def _total_pairs(pairs: Sequence[tuple[str, str, str, Decimal]]) -> list[PrintedRow]:
    rows = []
    for key, left, right, amount in pairs:
        rows.append(PrintedRow(f"income_{key}", left, {"income": amount}, side="left", is_total=True))
        rows.append(PrintedRow(f"expenditure_{key}", right, {"expenditure": amount}, side="right", is_total=True))
    return rows


def _plain(amount: Decimal) -> str:
    """An amount in a form cell: 万元 without separators, trailing zeros dropped (the seed's 表11)."""
    return strip_zeros(f"{(amount / YUAN_PER_WAN).quantize(PRINTED, rounding=ROUND_HALF_UP):.2f}")


def _group_spans(rows: Sequence[Sequence[str]], start: int) -> list[BodySpan]:
    """Vertical merges of the 一级 and 二级 indicator cells: a label over the empty cells below it."""
    spans = []
    for col in (0, 1):
        r = start
        while r < len(rows):
            end = r + 1
            while end < len(rows) and rows[end][col] == "" and (col == 0 or rows[end][0] == ""):
                end += 1
            if end - r > 1:
                spans.append(BodySpan(r, col, rowspan=end - r))
            r = end
    return spans


_GLOSSARY = (
    "一、一般公共预算财政拨款收入：指区级财政一般公共预算当年拨付的资金。",
    "二、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。",
    "三、项目支出：指在基本支出之外为完成特定的行政任务和事业发展目标所发生的支出。",
    "四、“三公”经费：纳入财政一般公共预算管理的“三公”经费，是指用一般公共预算财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费。",
    "五、机关运行经费：指为保障行政单位（包括参照公务员法管理的事业单位）运行用于购买货物和服务的各项资金。",
)


# --- Shanghai template (普陀's) ----------------------------------------------------------------------


class _ShanghaiBuilder(_Builder):
    def build(self) -> PrintedFiling:
        p, y = self.p, self.year
        full = p.full_name
        table_titles = [
            "部门财务收支预算总表",
            "部门收入预算总表",
            "部门支出预算总表",
            "部门财政拨款收支预算总表",
            "部门一般公共预算支出功能分类预算表",
            "部门政府性基金预算支出功能分类预算表",
            "部门国有资本经营预算支出功能分类预算表",
            "部门一般公共预算基本支出部门预算经济分类预算表",
            "部门“三公”经费和机关运行经费预算表",
        ]
        contents = (
            "一、部门主要职能",
            "二、部门机构设置",
            "三、名词解释",
            "四、部门预算编制说明",
            "五、部门预算表",
            *(f"{i}. {y}年{t}" for i, t in enumerate(table_titles, 1)),
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
            NarrativeSection("名词解释", tuple((s,) for s in _SH_GLOSSARY), new_page=True, heading_style="title"),
            NarrativeSection(f"{y}年部门预算编制说明", self.explanation(), new_page=True, heading_style="title"),
            *self.tables(table_titles),
            *(self.forms() if self.n.has_performance else []),
            NarrativeSection("其他相关情况说明", (), new_page=True, heading_style="title"),
            *self.other_sections(),
            *self.project_sections(),
        ]
        return PrintedFiling(self.n, self.prev, (f"{p.region}{y}年区级部门预算", f"预算主管部门：{full}"), tuple(parts))

    def tables(self, titles: Sequence[str]) -> list[PrintedTable]:
        n, y = self.n, self.year
        total = n.total.total
        org = f"编制部门：{self.p.full_name}"
        classes = self.classes()
        t1 = [
            PrintedRow("income:fiscal", "一、财政拨款收入", {"income": total}, side="left"),
            PrintedRow("income:general_budget", "1. 一般公共预算", {"income": total}, side="left"),
            PrintedRow("income:gov_fund", "2. 政府性基金预算", {"income": ZERO}, side="left"),
            PrintedRow("income:state_capital", "3. 国有资本经营预算", {"income": ZERO}, side="left"),
            PrintedRow("income:business", "二、事业收入", {"income": ZERO}, side="left"),
            PrintedRow("income:operating", "三、事业单位经营收入", {"income": ZERO}, side="left"),
            PrintedRow("income:other", "四、其他收入", {"income": ZERO}, side="left"),
        ]
        t1 += [
            PrintedRow(code, f"{chinese_numeral(i)}、{name}", {"expenditure": amount}, side="right")
            for i, (code, name, amount) in enumerate(classes, 1)
        ]
        t1 += _total_pairs([("total", "收入总计", "支出总计", total)])
        income_cols = ("total", "fiscal_grant", "business_income", "operating_income", "other_income")
        t2 = [
            PrintedRow(
                code,
                self.config.function_name(code),
                {
                    "total": a.total,
                    "fiscal_grant": a.total,
                    "business_income": ZERO,
                    "operating_income": ZERO,
                    "other_income": ZERO,
                },
                code=code,
            )
            for code, a in n.function_rows
        ]
        t2.append(
            PrintedRow(
                "total",
                "合计",
                {
                    "total": total,
                    "fiscal_grant": total,
                    "business_income": ZERO,
                    "operating_income": ZERO,
                    "other_income": ZERO,
                },
            )
        )
        three = ("total", "basic", "project")
        t3 = [*self.function_rows(three), PrintedRow("total", "合计", _amount_cells(n.total, three))]
        fiscal_cols = ("expenditure", "expenditure_general_budget", "expenditure_gov_fund", "expenditure_state_capital")
        t4 = [
            PrintedRow("income:general_budget", "一、一般公共预算", {"income": total}, side="left"),
            PrintedRow("income:gov_fund", "二、政府性基金预算", {"income": ZERO}, side="left"),
            PrintedRow("income:state_capital", "三、国有资本经营预算", {"income": ZERO}, side="left"),
        ]
        t4 += [
            PrintedRow(
                code,
                f"{chinese_numeral(i)}、{name}",
                {
                    "expenditure": amount,
                    "expenditure_general_budget": amount,
                    "expenditure_gov_fund": None,
                    "expenditure_state_capital": None,
                },
                side="right",
            )
            for i, (code, name, amount) in enumerate(classes, 1)
        ]
        t4 += [
            PrintedRow("income_total", "收入总计", {"income": total}, side="left", is_total=True),
            PrintedRow(
                "expenditure_total",
                "支出总计",
                {
                    "expenditure": total,
                    "expenditure_general_budget": total,
                    "expenditure_gov_fund": None,
                    "expenditure_state_capital": None,
                },
                side="right",
                is_total=True,
            ),
        ]
        t5 = [*self.function_rows(three), PrintedRow("total", "合计", _amount_cells(n.total, three))]
        t8 = [
            *self.economic_rows(),
            PrintedRow("total", "合计", _amount_cells(_basic_only(n.total), ("total", "personnel", "public"))),
        ]
        s = n.sangong
        t9 = [
            PrintedRow(
                "total",
                "",
                {
                    "sangong_total": s.total,
                    "overseas": s.overseas,
                    "reception": s.reception,
                    "vehicle_total": s.vehicle,
                    "vehicle_purchase": s.vehicle_purchase,
                    "vehicle_operation": s.vehicle_operation,
                    "admin_operation": n.admin_operation,
                },
            )
        ]

        def title(i: int) -> str:
            return f"{y}年{titles[i]}"

        def empty_note(kind: str) -> str:
            return f"注：本部门{y}年无{kind}财政拨款安排的预算，故本表为空表。"

        return [
            PrintedTable(
                "income_expenditure_summary",
                title(0),
                "元",
                ("income", "expenditure"),
                tuple(t1),
                org_line=org,
                separators=True,
            ),
            PrintedTable("income_summary", title(1), "元", income_cols, tuple(t2), org_line=org),
            PrintedTable("expenditure_summary", title(2), "元", three, tuple(t3), org_line=org),
            PrintedTable(
                "fiscal_grant_summary",
                title(3),
                "元",
                ("income", *fiscal_cols),
                tuple(t4),
                org_line=org,
                separators=True,
            ),
            PrintedTable("general_budget_by_function", title(4), "元", three, tuple(t5), org_line=org),
            PrintedTable("gov_fund", title(5), "元", three, (), org_line=org, note=empty_note("政府性基金预算")),
            PrintedTable("state_capital", title(6), "元", three, (), org_line=org, note=empty_note("国有资本经营预算")),
            PrintedTable(
                "basic_expenditure_by_economic",
                title(7),
                "元",
                ("total", "personnel", "public"),
                tuple(t8),
                org_line=org,
            ),
            PrintedTable(
                "sangong",
                title(8),
                "万元",
                (
                    "sangong_total",
                    "overseas",
                    "reception",
                    "vehicle_total",
                    "vehicle_purchase",
                    "vehicle_operation",
                    "admin_operation",
                ),
                tuple(t9),
                org_line=org,
                zero_text="0",
            ),
        ]

    def forms(self) -> list[TableSpec]:
        org = f"编制部门：{self.p.full_name}"
        return [
            self.project_form(i, None, f"{self.year}年项目支出绩效目标表（{pr.name}）", org)
            for i, pr in enumerate(self.p.projects)
        ]

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
        n, prev, y, p = self.n, self.prev, self.year, self.p
        s, ps = n.sangong, prev.sangong
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

        def cs(key: str, amount: Decimal, previous: Decimal) -> Fact:
            return self.yoy(key, amount, previous, form="change_only")

        return [
            NarrativeSection(
                f"一、{y}年“三公”经费预算情况说明",
                (
                    (
                        f"{y}年“三公”经费预算数为",
                        Fact("sangong.amount", "amount", s.total, source=("sangong", "total", "sangong_total")),
                        "万元，",
                        cs("sangong.yoy", s.total, ps.total),
                        "。其中：",
                    ),
                    (
                        "（一）因公出国（境）费",
                        Fact("sangong.overseas.amount", "amount", s.overseas),
                        "万元，",
                        cs("sangong.overseas.yoy", s.overseas, ps.overseas),
                        "。",
                    ),
                    (
                        "（二）公务用车购置及运行费",
                        Fact("sangong.vehicle.amount", "amount", s.vehicle),
                        "万元，",
                        cs("sangong.vehicle.yoy", s.vehicle, ps.vehicle),
                        "。其中：公务用车购置费",
                        Fact("sangong.vehicle_purchase.amount", "amount", s.vehicle_purchase),
                        "万元，",
                        cs("sangong.vehicle_purchase.yoy", s.vehicle_purchase, ps.vehicle_purchase),
                        "；公务用车运行费",
                        Fact("sangong.vehicle_operation.amount", "amount", s.vehicle_operation),
                        "万元，",
                        cs("sangong.vehicle_operation.yoy", s.vehicle_operation, ps.vehicle_operation),
                        "。",
                    ),
                    (
                        "（三）公务接待费",
                        Fact("sangong.reception.amount", "amount", s.reception),
                        "万元，",
                        cs("sangong.reception.yoy", s.reception, ps.reception),
                        "。",
                    ),
                ),
            ),
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


_SH_GLOSSARY = (
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款，包括一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款。",
    "（二）事业收入：指事业单位开展专业业务活动及其辅助活动取得的收入。",
    "（三）基本支出预算：是区级预算主管部门及所属预算单位为保障其机构正常运转、完成日常工作任务而编制的年度基本支出计划，包括人员经费和公用经费两部分。",
    "（四）项目支出预算：是区级预算主管部门及所属预算单位为完成行政工作任务、事业发展目标或政府发展战略、特定目标，在基本支出之外编制的年度支出计划。",
    "（五）“三公”经费：是与区级财政有经费领拨关系的部门及其下属预算单位使用区级财政拨款安排的因公出国（境）费、公务用车购置及运行费、公务接待费。",
    "（六）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
)

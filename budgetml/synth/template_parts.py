"""What both templates of the sample corpus share: rows from the numbers, narrative facts, the 三公 paragraphs, forms.

The Wuhan (budgetml/synth/wuhan_template.py) and Shanghai (budgetml/synth/shanghai_template.py) builders
subclass TemplateBuilder; each prints a department-year's numbers as a PrintedFiling
(budgetml/synth/sample_render.py). The previous years of the series supply every stated 上年 figure.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from budgetml.synth.config import SampleConfig
from budgetml.synth.render import BodySpan, TableSpec
from budgetml.synth.sample import ZERO, FilingNumbers, ItemAmounts
from budgetml.synth.sample_render import Fact, Piece, PrintedRow, pct_value, wan_text

NUMERALS = "一二三四五六七八九十"
INDICATOR_HEADER = ("一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据")


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


@dataclass(frozen=True)
class SangongWording:
    """How a template words its 三公 paragraphs: the text before each amount (each amount is followed by 万元
    and its change on the previous year, in the template's form). `total` takes {year}."""

    total: str
    overseas: str
    vehicle: str
    vehicle_purchase: str  # continues the vehicle paragraph: "。其中：公务用车购置费"
    vehicle_operation: str
    reception: str
    form: str = "change"


class TemplateBuilder:
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
            PrintedRow(code, self.config.function_name(code), amount_cells(amounts, columns), code=code)
            for code, amounts in self.n.function_rows
        ]

    def economic_rows(self) -> list[PrintedRow]:
        columns = ("total", "personnel", "public")
        return [
            PrintedRow(code, self.config.economic_names[code], amount_cells(amounts, columns), code=code)
            for code, amounts in self.n.economic_rows
        ]

    def classes(self) -> list[tuple[str, str, Decimal]]:
        """(code, name, total) of the 类 the department spends on."""
        return [(code, self.config.class_name(code), a.total) for code, a in self.n.function_rows if len(code) == 3]

    def sangong_row(self, columns: Sequence[str]) -> PrintedRow:
        """The one body row of a 三公 table (Shanghai's also prints 机关运行经费)."""
        s = self.n.sangong
        values = {
            "sangong_total": s.total,
            "overseas": s.overseas,
            "vehicle_total": s.vehicle,
            "vehicle_purchase": s.vehicle_purchase,
            "vehicle_operation": s.vehicle_operation,
            "reception": s.reception,
            "admin_operation": self.n.admin_operation,
        }
        return PrintedRow("total", "", {c: values[c] for c in columns})

    # facts -----------------------------------------------------------------------------------

    def yoy(self, key: str, current: Decimal, previous: Decimal, form: str = "change", source=None) -> Fact:
        return Fact(key, "yoy", current, previous=previous, form=form, source=source)

    def previous_item(self, code: str) -> Decimal:
        return self.prev.items[code].total if self.prev and code in self.prev.items else ZERO

    def share(self, key: str, part: Decimal, whole: Decimal) -> Fact:
        return Fact(key, "share", pct_value(part, whole, self.style))

    def sangong_paragraphs(self, wording: SangongWording) -> tuple[tuple[Piece, ...], ...]:
        """三公 in total, then 出国, 公务用车 (购置, 运行) and 接待: each amount with its change on the year before."""
        s, ps = self.n.sangong, self.prev.sangong

        def clause(lead: str, key: str, amount: Decimal, previous: Decimal, source=None) -> tuple[Piece, ...]:
            change = self.yoy(f"{key}.yoy", amount, previous, form=wording.form, source=source)
            return (lead, Fact(f"{key}.amount", "amount", amount, source=source), "万元，", change)

        return (
            (
                *clause(
                    wording.total.format(year=self.year),
                    "sangong",
                    s.total,
                    ps.total,
                    source=("sangong", "total", "sangong_total"),
                ),
                "。其中：",
            ),
            (*clause(wording.overseas, "sangong.overseas", s.overseas, ps.overseas), "。"),
            (
                *clause(wording.vehicle, "sangong.vehicle", s.vehicle, ps.vehicle),
                *clause(wording.vehicle_purchase, "sangong.vehicle_purchase", s.vehicle_purchase, ps.vehicle_purchase),
                *clause(
                    wording.vehicle_operation, "sangong.vehicle_operation", s.vehicle_operation, ps.vehicle_operation
                ),
                "。",
            ),
            (*clause(wording.reception, "sangong.reception", s.reception, ps.reception), "。"),
        )

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
        budget = f"{wan_text(amount, self.style)}万元"
        top = [
            (["项目名称", project.name, "主管部门", self.p.full_name, ""], [(3, 2)]),
            (["项目执行单位", unit_name, "项目属性", "持续性项目", ""], [(3, 2)]),
            (["项目总预算", budget, "项目当年预算", budget, ""], [(3, 2)]),
            (["前两年预算情况", f"{history}。", "", "", ""], [(1, 4)]),
            (["年度绩效目标", goal, "", "", ""], [(1, 4)]),
        ]
        return _project_form(
            label, title, org_line, top, self.indicator_rows(project.name, amount, rng), (1.3, 1.3, 2.6, 1.5, 1.2)
        )


def amount_cells(amounts: ItemAmounts, columns: Sequence[str]) -> dict[str, Decimal]:
    values = {
        "total": amounts.total,
        "basic": amounts.basic,
        "personnel": amounts.personnel,
        "public": amounts.public,
        "project": amounts.project,
    }
    return {c: values[c] for c in columns}


def basic_only(amounts: ItemAmounts) -> ItemAmounts:
    """The basic-spending table's 合计: personnel and public, no projects."""
    return ItemAmounts(amounts.personnel, amounts.public)


def funded_cells(amount: Decimal, columns: Sequence[str], funded: Sequence[str]) -> dict[str, Decimal]:
    """A row whose money all comes from one source: the amount in the funded columns, zero elsewhere."""
    return {c: amount if c in funded else ZERO for c in columns}


def income_rows(sources: Sequence[tuple[str, str, bool]], amount: Decimal, empty: Decimal | None) -> list[PrintedRow]:
    """The income side of a two-sided table: (row key, label, funded); funded rows print the amount, the rest `empty`."""
    return [
        PrintedRow(key, label, {"income": amount if funded else empty}, side="left") for key, label, funded in sources
    ]


def total_pairs(pairs: Sequence[tuple[str, str, str, Decimal]]) -> list[PrintedRow]:
    """The closing rows of a two-sided table: (key, income label, expenditure label, amount) side by side."""
    rows = []
    for key, left, right, amount in pairs:
        rows.append(PrintedRow(f"income_{key}", left, {"income": amount}, side="left", is_total=True))
        rows.append(PrintedRow(f"expenditure_{key}", right, {"expenditure": amount}, side="right", is_total=True))
    return rows


def indicator_lines(indicators: Sequence[Sequence[str]]) -> list[tuple[str, str, str, str, str]]:
    """Indicator rows as printed: an 一级 or 二级 label only where it changes (the cells below it are merged)."""
    lines = []
    for k, (first, second, name, value, basis) in enumerate(indicators):
        same_first = k > 0 and indicators[k - 1][0] == first
        same_second = same_first and indicators[k - 1][1] == second
        lines.append(("" if same_first else first, "" if same_second else second, name, value, basis))
    return lines


def group_spans(rows: Sequence[Sequence[str]], start: int) -> list[BodySpan]:
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


def _project_form(
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
    rows.append(INDICATOR_HEADER)
    start = len(rows)
    rows += indicator_lines(indicators)
    spans += group_spans(rows, start)
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

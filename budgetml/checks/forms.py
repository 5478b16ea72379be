"""Read the performance forms (绩效目标表) from their printed cells: composition rows, budgets, targets, funding, activities.

The checks of budgetml/checks/performance.py read these; the cells themselves are budgetml/form_cells.py records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from budgetml.form_cells import FormCell, form_rows
from budgetml.normalise import UNIT_TO_YUAN

# "910.02万元", "≤1595.4万元", "25 万", "110000", "100%": a number, an optional comparator and suffix.
_VALUE = re.compile(
    r"^(?P<cmp>[≤≥<>=]|不超过|不低于)?\s*(?P<num>-?\d[\d,]*(?:\.\d+)?)\s*(?P<suffix>亿元|万元|万|元|%)?$"
)
_COMPOSITION = re.compile(r"^(人员类|运转类|特定目标类)项目支出$")
_NUMBERED_SOURCE = re.compile(r"^(?:\d+[.、．]|使用上年度)")


@dataclass(frozen=True)
class FormValue:
    """A number printed in a form cell, with the unit it is in (its own suffix, else the table's)."""

    cell: FormCell
    comparator: str | None
    number: Decimal
    unit: str | None  # "万元", "元", "亿元", "%" or None when neither the cell nor the table says
    decimals: int
    has_suffix: bool

    @property
    def yuan(self) -> Decimal | None:
        """The value in yuan; None when its unit is unknown or a percentage."""
        return self.number * UNIT_TO_YUAN[self.unit] if self.unit in UNIT_TO_YUAN else None


def read_value(cell: FormCell) -> FormValue | None:
    """The number a cell prints, with its comparator and unit; None when the cell is not a number."""
    match = _VALUE.match(cell.text_squashed)
    if not match:
        return None
    suffix = {"万": "万元"}.get(match["suffix"], match["suffix"])
    number = match["num"].replace(",", "")
    return FormValue(
        cell=cell,
        comparator=match["cmp"],
        number=Decimal(number),
        unit=suffix or cell.unit,
        decimals=len(number.split(".")[1]) if "." in number else 0,
        has_suffix=bool(suffix),
    )


@dataclass(frozen=True)
class CompositionRow:
    """A 支出构成 row of the overall form: its label and the values printed after it."""

    label: str  # 人员类项目支出 | 运转类项目支出 | 特定目标类项目支出 | 合计
    values: tuple[FormValue, ...]  # current amount, share %, then the previous years' amounts


def composition(cells: list[FormCell]) -> list[CompositionRow]:
    """The 支出构成 rows of an overall performance table (and the 合计 that follows them)."""
    found: list[CompositionRow] = []
    for row in form_rows(cells):
        labels = [c.text_squashed for c in row]
        label = next((t for t in labels if _COMPOSITION.match(t)), None)
        if label is None and found and "合计" in labels and found[-1].label != "合计":
            label = "合计"
        if label is None:
            continue
        start = labels.index(label)
        values = tuple(v for c in row[start + 1 :] if (v := read_value(c)) is not None)
        if values:
            found.append(CompositionRow(label, values))
    return found


def projects(cells: list[FormCell]) -> list[list[FormCell]]:
    """The cells of each project form (one 项目支出绩效目标表 per title)."""
    by_title: dict[str, list[FormCell]] = {}
    for cell in cells:
        by_title.setdefault(cell.table_title, []).append(cell)
    return list(by_title.values())


def labelled_value(rows: list[list[FormCell]], label: re.Pattern[str]) -> FormValue | None:
    """The first value printed to the right of a cell whose text matches `label`."""
    for row in rows:
        for k, cell in enumerate(row):
            if label.search(cell.text_squashed):
                for other in row[k + 1 :]:
                    value = read_value(other)
                    if value is not None:
                        return value
    return None


@dataclass(frozen=True)
class CostTarget:
    """A 成本控制 target (≤ …) of a project form, annual or long-term."""

    is_annual: bool
    value: FormValue


def cost_targets(rows: list[list[FormCell]]) -> list[CostTarget]:
    """成本控制 targets with ≤: the annual table's (its last, current-year value) and the long-term one's."""
    targets = []
    is_annual = False
    for row in rows:
        texts = [c.text_squashed for c in row]
        if any(t.startswith("年度绩效目标") or t.startswith("年度目标") or t == "年度绩效指标" for t in texts):
            is_annual = True
        elif any(t.startswith("长期绩效目标") or t.startswith("长期目标") for t in texts):
            is_annual = False
        if "成本控制" not in texts:
            continue
        values = [v for c in row if (v := read_value(c)) is not None and v.comparator in ("≤", "<", "不超过")]
        if values:
            targets.append(CostTarget(is_annual, values[-1]))
    return targets


@dataclass(frozen=True)
class Funding:
    """The 项目当年资金来源 block of a project form."""

    total: FormValue | None
    sources: tuple[FormValue, ...]  # the numbered sources and 使用上年度财政拨款结转, not the 其中 lines


def funding(rows: list[list[FormCell]]) -> Funding | None:
    """The 项目当年资金来源 block: its 合计 and numbered sources."""
    start = next((k for k, row in enumerate(rows) if any(c.text_squashed == "来源项目" for c in row)), None)
    if start is None:
        return None
    total = None
    sources = []
    for row in rows[start + 1 :]:
        texts = [c.text_squashed for c in row]
        if any(t.startswith("项目支出明细") or t.startswith("项目活动") for t in texts):
            break
        values = [v for c in row if (v := read_value(c)) is not None]
        label = next((t for t in texts if _VALUE.match(t) is None), "")
        label = re.sub(r"^(项目当年资金来源)", "", label)
        if label == "合计":
            total = values[-1] if values else None
        elif _NUMBERED_SOURCE.match(label) and values:
            sources.append(values[-1])
        if label.startswith("使用上年度"):
            break
    return Funding(total, tuple(sources))


def activities(rows: list[list[FormCell]]) -> list[FormValue]:
    """The amounts of the 项目支出明细测算 block, read from its 金额 column."""
    amounts: list[FormValue] = []
    column = None
    for row in rows:
        texts = [c.text_squashed for c in row]
        if column is None:
            if "项目活动" in texts and "金额" in texts:
                column = row[texts.index("金额")].column_index
            continue
        if any(t.startswith("项目采购") or t in ("品名", "项目绩效总目标") for t in texts):
            break
        for cell in row:
            if cell.column_index == column:
                value = read_value(cell)
                if value is not None:
                    amounts.append(value)
    return amounts

"""The sample corpus's 部门决算 model: a department-year's 预算 executed — what was spent, what was carried over.

The 决算 of year Y spends the year's 预算 (a FilingNumbers of budgetml/synth/sample.py: the numbers its budget
filing prints, outliers included) at rates drawn per department-year: staff costs nearly in full, 公用经费 and
projects a little less, 三公 sparingly. Every spent amount is a whole multiple of 0.01 万元 (100 元), the
precision a 决算 prints, and every total is the sum of its printed parts, so all identities hold exactly.
Carry-overs chain from year to year: the 年末结转和结余 of Y is the 年初结转和结余 of Y+1.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from budgetml.synth.config import SAMPLE_CONFIG_PATH, Range
from budgetml.synth.sample import (
    WAN_QUANTUM,
    ZERO,
    FilingNumbers,
    ItemAmounts,
    Sangong,
    hierarchy_rows,
    money,
    sum_items,
)

FINAL_INCONSISTENCY_KINDS = (
    "final_carryover_broken",
    "final_execution_rate_wrong",
    "final_initial_budget_mismatch",
    "final_missing_table",
    "final_wrong_year",
)
FINAL_OUTLIER_KINDS = ("low_execution",)
# The economic codes 三公 is booked under in basic spending: a 决算 books exactly what it spent there.
SANGONG_ECONOMIC = {
    "overseas": "30212",
    "reception": "30217",
    "vehicle_operation": "30231",
    "vehicle_purchase": "31013",
}
PERSONNEL_REST, PUBLIC_REST = "30199", "30299"  # where the rounding of a split lands


@dataclass(frozen=True)
class FinalSettings:
    """The [final_account] section of configs/sample.toml (reasons there)."""

    personnel_rate: Range
    public_rate: Range
    project_rate: Range
    stalled_project_probability: float
    stalled_project_rate: Range
    sangong_rate: Range
    carried_share: Range
    carryover_used: Range
    first_carryover_share: Range
    inconsistency_share: float
    outlier_share: float
    low_execution_rate: Range
    initial_budget_shift: Range
    completion_shift_points: Range
    carryover_shift_share: Range
    min_carryover_shift_wan: float


def load_final_settings(path: Path = SAMPLE_CONFIG_PATH) -> FinalSettings:
    """The 决算 tunables of the sample configuration."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))["final_account"]
    return FinalSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


@dataclass(frozen=True)
class Execution:
    """How one department-year spends its budget: a rate per kind of spending and per project."""

    personnel: float
    public: float
    projects: tuple[float, ...]  # aligned with profile.projects
    sangong: float
    carried: float  # share of the unspent project money carried into next year
    used: float  # share of the carry-over at the start spent during the year


# The share of projects and 公用经费 an outlier spends is never below this (something is always spent).
MIN_OUTLIER_RATE = 0.05


def draw_execution(s: FinalSettings, budget: FilingNumbers, rng: random.Random, low: Range | None = None) -> Execution:
    """Execution rates of one department-year. `low` (an outlier): the whole budget is spent at a rate drawn from it;
    staff costs are paid as usual, so projects and 公用经费 carry the shortfall."""
    projects = []
    for _ in budget.profile.projects:
        stalled = rng.random() < s.stalled_project_probability
        projects.append(_uniform(rng, s.stalled_project_rate if stalled else s.project_rate))
    personnel = _uniform(rng, s.personnel_rate)
    public = _uniform(rng, s.public_rate)
    if low is not None:
        total, staff = budget.total.total, budget.total.personnel
        target = Decimal(repr(_uniform(rng, low)))
        rest = (target * total - staff * Decimal(repr(personnel))) / (total - staff) if total > staff else ZERO
        public = min(1.0, max(MIN_OUTLIER_RATE, float(rest)))
        projects = [public] * len(projects)
    return Execution(
        personnel=personnel,
        public=public,
        projects=tuple(projects),
        sangong=_uniform(rng, s.sangong_rate),
        carried=_uniform(rng, s.carried_share),
        used=_uniform(rng, s.carryover_used),
    )


def _uniform(rng: random.Random, bounds: Range) -> float:
    return rng.uniform(bounds[0], bounds[1])


def _at(amount: Decimal, rate: float) -> Decimal:
    """The spent part of an amount, to 0.01 万元."""
    return money(amount * Decimal(repr(rate)), WAN_QUANTUM)


@dataclass(frozen=True)
class FinalNumbers:
    """Every amount of one department-year's 决算, exact, in yuan (multiples of 100 元). Totals are properties."""

    budget: FilingNumbers  # the year's 预算: what the 决算 quotes as 年初预算
    items: Mapping[str, ItemAmounts]  # 项 code → spent
    economic: Mapping[str, ItemAmounts]  # 款 code → personnel / public spent
    sangong: Sangong  # spent
    carryover_begin: Decimal  # 年初结转和结余
    carried: Decimal  # unspent money carried into next year
    used: Decimal  # of carryover_begin, spent this year
    income_code: str  # the 项 whose income row carries the difference between income and spending

    @property
    def profile(self):
        return self.budget.profile

    @property
    def year(self) -> int:
        return self.budget.year

    @cached_property
    def function_rows(self) -> list[tuple[str, ItemAmounts]]:
        """类, 款 and 项 rows in printed order, each 类 and 款 the sum of the rows below it."""
        return hierarchy_rows(self.items)

    @cached_property
    def economic_rows(self) -> list[tuple[str, ItemAmounts]]:
        """类 (3 digits) and 款 (5 digits) rows of the basic-spending table."""
        return hierarchy_rows(self.economic, levels=(3, 5))

    @cached_property
    def total(self) -> ItemAmounts:
        return sum_items(self.items.values())

    @property
    def income(self) -> Decimal:
        """本年收入合计: all 财政拨款 (一般公共预算); what was spent, plus what is carried, less the carry-over used."""
        return self.total.total + self.carried - self.used

    @property
    def carryover_end(self) -> Decimal:
        """年末结转和结余 = 年初结转和结余 + 本年收入 − 本年支出."""
        return self.carryover_begin + self.income - self.total.total

    @property
    def grand_total(self) -> Decimal:
        """收入总计 = 支出总计 = 本年收入合计 + 年初结转和结余."""
        return self.income + self.carryover_begin

    @cached_property
    def income_items(self) -> dict[str, Decimal]:
        """本年收入 by 项: what each spent, the income beyond spending on `income_code`."""
        found = {code: a.total for code, a in self.items.items()}
        found[self.income_code] += self.income - self.total.total
        return found

    @cached_property
    def income_rows(self) -> list[tuple[str, Decimal]]:
        """类, 款 and 项 rows of 收入决算表, each 类 and 款 the sum of the rows below it."""
        rows = hierarchy_rows({code: ItemAmounts(project=amount) for code, amount in self.income_items.items()})
        return [(code, a.project) for code, a in rows]

    @property
    def admin_operation(self) -> Decimal:
        """机关运行经费 spent: the 公用经费 of the 行政 and 参公 units' 项 (their basic codes)."""
        admin_codes = {u.basic_code for u in self.profile.units if u.is_administrative}
        return sum((a.public for code, a in self.items.items() if code in admin_codes), ZERO)


def derive_final(
    budget: FilingNumbers, execution: Execution, carryover_begin: Decimal, s: FinalSettings
) -> FinalNumbers:
    """The 决算 of a budget year executed at `execution`, starting from `carryover_begin`."""
    project_by_code: dict[str, Decimal] = {}
    for project, amount, rate in zip(budget.profile.projects, budget.project_amounts, execution.projects):
        project_by_code[project.code] = project_by_code.get(project.code, ZERO) + _at(amount, rate)
    items = {}
    for code, planned in budget.items.items():
        items[code] = ItemAmounts(
            personnel=_at(planned.personnel, execution.personnel),
            public=_at(planned.public, execution.public),
            project=project_by_code.get(code, ZERO),
        )
    sangong = Sangong(
        overseas=_at(budget.sangong.overseas, execution.sangong),
        vehicle_purchase=budget.sangong.vehicle_purchase,  # a vehicle is bought or not
        vehicle_operation=_at(budget.sangong.vehicle_operation, execution.sangong),
        reception=_at(budget.sangong.reception, execution.sangong),
    )
    spent = sum_items(items.values())
    economic = spent_economic(budget, spent, sangong)
    unspent_projects = max(budget.total.project - spent.project, ZERO)
    carried = _at(unspent_projects, execution.carried)
    used = _at(carryover_begin, execution.used)
    income_code = max(items, key=lambda code: (items[code].total, code))
    return FinalNumbers(
        budget, dict(sorted(items.items())), economic, sangong, carryover_begin, carried, used, income_code
    )


def spent_economic(budget: FilingNumbers, spent: ItemAmounts, sangong: Sangong) -> dict[str, ItemAmounts]:
    """Basic spending by economic 款: the budget's classes scaled to what was spent, 三公 booked as spent exactly."""
    personnel = {code: a.personnel for code, a in budget.economic.items() if a.personnel}
    public = {code: a.public for code, a in budget.economic.items() if a.public}
    booked = {code: getattr(sangong, name) for name, code in SANGONG_ECONOMIC.items() if getattr(sangong, name)}
    for code in SANGONG_ECONOMIC.values():
        public.pop(code, None)
    found = {code: ItemAmounts(personnel=a) for code, a in scaled(personnel, spent.personnel, PERSONNEL_REST).items()}
    rest = spent.public - sum(booked.values(), ZERO)
    for code, amount in {**scaled(public, rest, PUBLIC_REST), **booked}.items():
        if amount:
            found[code] = ItemAmounts(public=amount)
    return dict(sorted(found.items()))


def scaled(parts: Mapping[str, Decimal], total: Decimal, rest_code: str) -> dict[str, Decimal]:
    """`parts` scaled to add up to `total` exactly, each to 0.01 万元; the rounding lands on rest_code."""
    whole = sum(parts.values(), ZERO)
    found = {code: money(amount * total / whole, WAN_QUANTUM) if whole else ZERO for code, amount in parts.items()}
    found[rest_code] = found.get(rest_code, ZERO) + total - sum(found.values(), ZERO)
    return {code: amount for code, amount in found.items() if amount}


def final_series(
    budgets: Mapping[int, FilingNumbers],
    s: FinalSettings,
    seed: int,
    low_execution: Mapping[int, Range] | None = None,
) -> dict[int, FinalNumbers]:
    """The 决算 of every budget year given (oldest first), the carry-overs chained; `low_execution` years are outliers."""
    found: dict[int, FinalNumbers] = {}
    previous: FinalNumbers | None = None
    for year in sorted(budgets):
        budget = budgets[year]
        rng = random.Random(f"{seed}:final:{budget.profile.district.slug}:{budget.profile.slug}:{year}")
        if previous is None:
            begin = _at(budget.total.total, _uniform(rng, s.first_carryover_share))
        else:
            begin = previous.carryover_end
        low = (low_execution or {}).get(year)
        execution = draw_execution(s, budget, rng, low)
        found[year] = previous = derive_final(budget, execution, begin, s)
    return found


def execution_rate(final: FinalNumbers) -> Decimal:
    """What was spent as a share of the budget, in percent (the 决算's 完成年初预算的…%)."""
    return final.total.total * 100 / final.budget.total.total

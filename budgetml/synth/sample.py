"""The sample corpus's department and amount model: district budgets that evolve year to year, and their outliers.

The numbers of a filing come from a few drivers per department (wage bill, retiree spending and 公用经费 of
each unit, one amount per project, 三公 components) that evolve from year to year. Every printed amount
is derived from them as an exact Decimal and every total is a sum of printed parts, so all accounting
identities hold exactly. Outliers change a year's drivers (the filing stays internally consistent);
inconsistencies change printed cells or narrative facts (budgetml/synth/inconsistencies.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from budgetml.synth.config import DepartmentType, District, LayoutVariant, Range, SampleConfig

YUAN_PER_WAN = Decimal(10_000)
ZERO = Decimal(0)
# Generated precision of amounts, in yuan: Wuhan prints 万元 to 2 decimals (0.01 万元 = 100 元); Shanghai
# prints 元 and most of its lines are whole yuan (普陀: 21703947.00).
STYLE_QUANTUM = {"wuhan": Decimal(100), "shanghai": Decimal(1)}
# 三公, 政府采购 and other narrative-only figures are printed in 万元 with 2 decimals in both templates.
WAN_QUANTUM = Decimal(100)
# 工会经费 is 2 % of the wage bill to the cent in Shanghai filings (普陀: 265974.44).
CENT = Decimal("0.01")

INCONSISTENCY_KINDS = (
    "summary_total_mismatch",
    "hierarchy_sum_mismatch",
    "cross_table_mismatch",
    "narrative_percent_wrong",
    "narrative_amount_mismatch",
    "sangong_sum_mismatch",
    "unit_error_x10000",
    "prev_year_mismatch",
)
OUTLIER_KINDS = (
    "extreme_sangong_share",
    "extreme_personnel_ratio",
    "extreme_project_share",
    "jump_300pct",
    "no_performance_indicators",
)
# Kinds that compare with the department's previous filing, so that filing must be in the corpus.
NEEDS_PREVIOUS = frozenset({"prev_year_mismatch", "jump_300pct"})

# --- departments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitProfile:
    code: str  # 328001: department code + 3 digits
    name: str
    kind: str  # "admin" | "civil_servant_like" | "institution"
    basic_code: str  # function code (项) of its basic spending

    @property
    def is_administrative(self) -> bool:
        """行政 and 参公 units: their 公用经费 is 机关运行经费; they book medical insurance under 行政单位医疗."""
        return self.kind != "institution"


@dataclass(frozen=True)
class ProjectProfile:
    name: str
    code: str
    unit_code: str
    weight: float


@dataclass(frozen=True)
class DepartmentProfile:
    """A department as it stays over the years: names, units, projects, fleet."""

    district: District
    layout: LayoutVariant
    dtype: DepartmentType
    name: str  # 司法局, 中华路街道办事处
    full_name: str  # 武昌区司法局, 上海市普陀区司法局
    slug: str
    dept_code: str
    units: tuple[UnitProfile, ...]
    projects: tuple[ProjectProfile, ...]
    public_items: tuple[str, ...]  # the 302/310 codes this department spends on besides the fixed ones
    n_vehicles: int
    social_rates: Mapping[str, float]  # contributions as shares of the wage bill, drawn once per department

    @property
    def style(self) -> str:
        return self.layout.style

    @property
    def region(self) -> str:
        return self.district.name

    @property
    def quantum(self) -> Decimal:
        return STYLE_QUANTUM[self.style]


def select_districts(config: SampleConfig, districts: int | Sequence[str]) -> tuple[District, ...]:
    if isinstance(districts, int):
        if not 1 <= districts <= len(config.districts):
            raise ValueError(f"区的数量须为 1–{len(config.districts)}，收到 {districts}")
        return config.districts[:districts]
    by_slug = {d.slug: d for d in config.districts}
    unknown = [s for s in districts if s not in by_slug]
    if unknown:
        raise ValueError(f"未知的区 {unknown}；可选：{sorted(by_slug)}")
    return tuple(by_slug[s] for s in districts)


def select_department_types(config: SampleConfig, departments: int | Sequence[str]) -> tuple[str, ...]:
    if isinstance(departments, int):
        if not 1 <= departments <= len(config.department_order):
            raise ValueError(f"每区部门数须为 1–{len(config.department_order)}，收到 {departments}")
        return config.department_order[:departments]
    unknown = [t for t in departments if t not in config.department_types]
    if unknown:
        raise ValueError(f"未知的部门类型 {unknown}；可选：{sorted(config.department_types)}")
    return tuple(departments)


def build_departments(
    config: SampleConfig, districts: Sequence[District], type_ids: Sequence[str], seed: int
) -> list[DepartmentProfile]:
    """The departments of each district, in order; each draws from its own seeded generator."""
    profiles = []
    for district in districts:
        streets = iter(district.streets)
        n_streets = 0
        for index, type_id in enumerate(type_ids):
            dtype = config.department_types[type_id]
            rng = random.Random(f"{seed}:department:{district.slug}:{index}:{type_id}")
            if type_id == "street":
                street = next(streets, None)
                if street is None:
                    raise ValueError(f"{district.name}只配置了 {len(district.streets)} 个街道")
                n_streets += 1
                name, slug, unit_prefix = f"{street}办事处", f"{dtype.slug}{n_streets}", district.short_name + street
            else:
                name, slug, unit_prefix = dtype.name, dtype.slug, district.short_name
            profiles.append(
                _department(
                    config, district, dtype, name, slug, unit_prefix, str(district.dept_code_start + index), rng
                )
            )
    return profiles


def _department(
    config: SampleConfig,
    district: District,
    dtype: DepartmentType,
    name: str,
    slug: str,
    unit_prefix: str,
    dept_code: str,
    rng: random.Random,
) -> DepartmentProfile:
    layout = config.layouts[district.layout]
    full_name = district.name + name
    # 普陀 calls the bureau itself 本部, the seed's Wuhan filing calls it 本级.
    main_name = f"{full_name}本级" if layout.style == "wuhan" else f"{district.short_name}{name}本部"
    units = [UnitProfile(f"{dept_code}001", main_name, "admin", dtype.admin_code)]
    n_inst = min(rng.randint(*dtype.n_institutions), len(dtype.institutions))
    for k, template in enumerate(rng.sample(dtype.institutions, n_inst)):
        units.append(UnitProfile(f"{dept_code}{k + 2:03d}", unit_prefix + template.name, template.kind, template.code))
    n_projects = min(rng.randint(*dtype.n_projects), len(dtype.projects))
    chosen = sorted(rng.sample(range(len(dtype.projects)), n_projects))
    institutions = [u for u in units if u.code != units[0].code]
    projects = []
    for i in chosen:
        template = dtype.projects[i]
        unit = rng.choice(institutions) if template.unit == "institution" and institutions else units[0]
        projects.append(ProjectProfile(template.name, template.code, unit.code, template.weight))
    items = list(config.amounts.public_items)
    public_items = tuple(sorted(c for c in items if rng.random() < 0.8) or items[:4])
    social_rates = {name: round(_uniform(rng, bounds), 4) for name, bounds in config.amounts.social_rates.items()}
    return DepartmentProfile(
        district=district,
        layout=layout,
        dtype=dtype,
        name=name,
        full_name=full_name,
        slug=slug,
        dept_code=dept_code,
        units=tuple(units),
        projects=tuple(projects),
        public_items=public_items,
        n_vehicles=rng.randint(*dtype.vehicles),
        social_rates=social_rates,
    )


# --- a year's numbers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAmounts:
    """One row of the function tables: basic spending split into personnel and public, plus projects."""

    personnel: Decimal = ZERO
    public: Decimal = ZERO
    project: Decimal = ZERO

    @property
    def basic(self) -> Decimal:
        return self.personnel + self.public

    @property
    def total(self) -> Decimal:
        return self.basic + self.project

    def __add__(self, other: ItemAmounts) -> ItemAmounts:
        return ItemAmounts(self.personnel + other.personnel, self.public + other.public, self.project + other.project)


def sum_items(items: Iterable[ItemAmounts]) -> ItemAmounts:
    total = ItemAmounts()
    for item in items:
        total = total + item
    return total


@dataclass(frozen=True)
class Sangong:
    """“三公”经费, in yuan, each a multiple of 0.01 万元 because both templates print them in 万元."""

    overseas: Decimal
    vehicle_purchase: Decimal
    vehicle_operation: Decimal
    reception: Decimal

    @property
    def vehicle(self) -> Decimal:
        return self.vehicle_purchase + self.vehicle_operation

    @property
    def total(self) -> Decimal:
        return self.overseas + self.vehicle + self.reception


@dataclass(frozen=True)
class Procurement:
    """政府采购预算 by kind, in yuan (multiples of 0.01 万元: printed in 万元 in the narrative only)."""

    goods: Decimal
    works: Decimal
    services: Decimal

    @property
    def total(self) -> Decimal:
        return self.goods + self.works + self.services


@dataclass(frozen=True)
class FilingNumbers:
    """Every amount of one department-year, exact, in yuan. Totals are properties: sums of the parts."""

    profile: DepartmentProfile
    year: int
    unit_items: Mapping[str, Mapping[str, ItemAmounts]]  # unit code → 项 code → amounts
    project_amounts: tuple[Decimal, ...]  # aligned with profile.projects
    economic: Mapping[str, ItemAmounts]  # 款 code (5 digits) → personnel / public (project always 0)
    sangong: Sangong
    procurement: Procurement
    has_performance: bool = True

    @cached_property
    def items(self) -> dict[str, ItemAmounts]:
        """Department-level 项 rows: the units' rows summed, by code."""
        found: dict[str, ItemAmounts] = {}
        for rows in self.unit_items.values():
            for code, amounts in rows.items():
                found[code] = found.get(code, ItemAmounts()) + amounts
        return dict(sorted(found.items()))

    @cached_property
    def function_rows(self) -> list[tuple[str, ItemAmounts]]:
        """类, 款 and 项 rows in printed order, each 类 and 款 the sum of the rows below it."""
        return hierarchy_rows(self.items)

    @cached_property
    def total(self) -> ItemAmounts:
        return sum_items(self.items.values())

    def unit_total(self, unit_code: str) -> ItemAmounts:
        return sum_items(self.unit_items[unit_code].values())

    @cached_property
    def economic_rows(self) -> list[tuple[str, ItemAmounts]]:
        """类 (3 digits) and 款 (5 digits) rows of the basic-spending table."""
        return hierarchy_rows(self.economic, levels=(3, 5))

    @property
    def admin_operation(self) -> Decimal:
        """机关运行经费: the 公用经费 of 行政 and 参公 units."""
        return sum((self.unit_total(u.code).public for u in self.profile.units if u.is_administrative), ZERO)

    @property
    def project_total(self) -> Decimal:
        return sum(self.project_amounts, ZERO)


def hierarchy_rows(
    leaves: Mapping[str, ItemAmounts], levels: tuple[int, ...] = (3, 5)
) -> list[tuple[str, ItemAmounts]]:
    """Leaf rows with their parents (code prefixes of the given lengths) inserted above them, as sums."""
    parents: dict[str, ItemAmounts] = {}
    for code, amounts in leaves.items():
        for n in levels:
            if n < len(code):
                parents[code[:n]] = parents.get(code[:n], ItemAmounts()) + amounts
    return sorted({**parents, **leaves}.items())


# --- drivers: what evolves from year to year --------------------------------------------------


@dataclass(frozen=True)
class UnitDrivers:
    wage: float  # yuan per year, the wage bill that social contributions derive from
    retiree: float
    public: float


@dataclass(frozen=True)
class Drivers:
    units: tuple[UnitDrivers, ...]
    projects: tuple[float, ...]
    reception: float
    vehicle_cost: float  # running cost per vehicle
    overseas: float
    vehicle_purchase: float
    services_share: float
    goods_share: float
    works_share: float
    has_performance: bool = True


def _uniform(rng: random.Random, bounds: Range) -> float:
    return rng.uniform(bounds[0], bounds[1])


def _social_rate(profile: DepartmentProfile, unit: UnitProfile) -> float:
    """Contributions and subsidies on top of the wage bill, as a share of it."""
    rates = profile.social_rates
    total = rates["pension"] + rates["annuity"] + rates["medical"] + rates["housing_fund"] + rates["purchase_subsidy"]
    if profile.style == "wuhan":
        total += rates["rent_subsidy"] + (rates["civil_medical"] if unit.is_administrative else 0.0)
    return total


def initial_drivers(config: SampleConfig, profile: DepartmentProfile, rng: random.Random) -> Drivers:
    """The first simulated year: size and project share by department type, split over units and projects."""
    a = config.amounts
    dtype = profile.dtype
    size = math.exp(rng.uniform(math.log(dtype.size_wan[0]), math.log(dtype.size_wan[1]))) * 10_000
    project_share = _uniform(rng, dtype.project_share)
    basic = size * (1 - project_share)
    n_units = len(profile.units)
    if n_units == 1:
        shares = [1.0]
    else:
        main = _uniform(rng, dtype.main_basic_share)
        weights = [rng.uniform(0.5, 1.5) for _ in range(n_units - 1)]
        shares = [main, *((1 - main) * w / sum(weights) for w in weights)]
    units = []
    for unit, share in zip(profile.units, shares):
        unit_basic = basic * share
        personnel = unit_basic * _uniform(rng, a.personnel_ratio)
        retiree = personnel * _uniform(rng, a.retiree_share)
        wage = (personnel - retiree) / (1 + _social_rate(profile, unit))
        units.append(UnitDrivers(wage, retiree, unit_basic - personnel))
    weights = [p.weight * _uniform(rng, a.project_jitter) for p in profile.projects]
    projects = tuple(size * project_share * w / sum(weights) for w in weights)
    drivers = Drivers(
        units=tuple(units),
        projects=projects,
        reception=_uniform(rng, a.reception_wan) * 10_000,
        vehicle_cost=_uniform(rng, a.vehicle_operation_per_vehicle_wan) * 10_000,
        overseas=_uniform(rng, a.overseas_wan) * 10_000 if dtype.has_overseas else 0.0,
        vehicle_purchase=0.0,
        services_share=_uniform(rng, a.procurement_services_share),
        goods_share=_uniform(rng, a.procurement_goods_share),
        works_share=0.0,
    )
    return _with_room_for_fixed_public(config, profile, drivers, margin=1.5)


def _fixed_public(config: SampleConfig, profile: DepartmentProfile, d: Drivers) -> float:
    """公用经费 items whose size is set elsewhere: 三公, 工会经费, 福利费."""
    a = config.amounts
    wage = sum(u.wage for u in d.units)
    welfare = a.welfare_fee_rate if profile.style == "wuhan" else 0.0
    sangong = d.overseas + d.vehicle_purchase + d.vehicle_cost * profile.n_vehicles + d.reception
    return sangong + wage * (a.union_fee_rate + welfare)


def _with_room_for_fixed_public(config: SampleConfig, profile: DepartmentProfile, d: Drivers, margin: float) -> Drivers:
    """Raise the 本级 unit's 公用经费 when the fixed items would take more than their allowed share of it."""
    needed = _fixed_public(config, profile, d) * margin / config.amounts.fixed_public_max_share
    total = sum(u.public for u in d.units)
    if total >= needed:
        return d
    main = d.units[0]
    return replace(d, units=(replace(main, public=main.public + needed - total), *d.units[1:]))


def next_drivers(config: SampleConfig, profile: DepartmentProfile, d: Drivers, rng: random.Random) -> Drivers:
    """One year later: pay rises, drifting 公用经费, projects moving mostly within ±30 %."""
    a = config.amounts
    units = tuple(
        UnitDrivers(
            u.wage * (1 + _uniform(rng, a.wage_growth)),
            u.retiree * (1 + _uniform(rng, a.retiree_growth)),
            u.public * (1 + _uniform(rng, a.public_growth)),
        )
        for u in d.units
    )
    clip = a.project_growth_clip
    projects = tuple(
        p * (1 + max(-clip, min(clip, rng.gauss(a.project_growth_mean, a.project_growth_sd)))) for p in d.projects
    )
    purchase = 0.0
    if rng.random() < a.vehicle_purchase_probability and profile.n_vehicles:
        purchase = _uniform(rng, a.vehicle_purchase_wan) * 10_000
    works = _uniform(rng, a.procurement_works_share) if rng.random() < a.procurement_works_probability else 0.0
    stepped = Drivers(
        units=units,
        projects=projects,
        reception=d.reception * (1 + _uniform(rng, a.sangong_growth)),
        vehicle_cost=d.vehicle_cost * (1 + _uniform(rng, a.sangong_growth)),
        overseas=d.overseas * (1 + _uniform(rng, a.sangong_growth)),
        vehicle_purchase=purchase,
        services_share=_uniform(rng, a.procurement_services_share),
        goods_share=_uniform(rng, a.procurement_goods_share),
        works_share=works,
        has_performance=d.has_performance,
    )
    return _with_room_for_fixed_public(config, profile, stepped, margin=1.2)


def money(value: float | Decimal, quantum: Decimal) -> Decimal:
    """An amount rounded half up to a whole multiple of `quantum` (100 元 = 0.01 万元, 1 元, 0.01 元).

    Decimal.quantize alone would not do: it sets the exponent, and Decimal(100) has exponent 0.
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return (exact / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum


def derive_numbers(config: SampleConfig, profile: DepartmentProfile, year: int, d: Drivers) -> FilingNumbers:
    """All printed amounts of a department-year, derived exactly from its drivers."""
    a = config.amounts
    q = profile.quantum
    style = profile.style
    rates = profile.social_rates
    sangong = Sangong(
        overseas=money(d.overseas, WAN_QUANTUM),
        vehicle_purchase=money(d.vehicle_purchase, WAN_QUANTUM),
        vehicle_operation=money(d.vehicle_cost * profile.n_vehicles, WAN_QUANTUM),
        reception=money(d.reception, WAN_QUANTUM),
    )
    unit_items: dict[str, dict[str, ItemAmounts]] = {}
    econ: dict[str, Decimal] = {}  # personnel 款 codes → amount
    wage_total = retiree_total = ZERO

    def add_econ(code: str, amount: Decimal) -> None:
        econ[code] = econ.get(code, ZERO) + amount

    for unit, ud in zip(profile.units, d.units):
        rows: dict[str, ItemAmounts] = {}
        wage = money(ud.wage, q)
        admin = unit.is_administrative
        contributions = {
            ("2080505", "30108"): rates["pension"],
            ("2080506", "30109"): rates["annuity"],
            ("2101101" if admin else "2101102", "30110"): rates["medical"],
            ("2210201", "30113"): rates["housing_fund"],
            ("2210203", "30102"): rates["purchase_subsidy"],
        }
        if style == "wuhan":
            contributions[("2210202", "30102")] = rates["rent_subsidy"]
            if admin:
                contributions[("2101103", "30111")] = rates["civil_medical"]
        _add_item(rows, unit.basic_code, ItemAmounts(personnel=wage))
        for (function_code, economic_code), rate in contributions.items():
            amount = money(wage * Decimal(repr(rate)), q)
            _add_item(rows, function_code, ItemAmounts(personnel=amount))
            add_econ(economic_code, amount)
        retiree = money(ud.retiree, q)
        _add_item(rows, "2080501" if admin else "2080502", ItemAmounts(personnel=retiree))
        _add_item(rows, unit.basic_code, ItemAmounts(public=money(ud.public, q)))
        wage_total += wage
        retiree_total += retiree
        unit_items[unit.code] = rows

    project_amounts = tuple(max(money(p, q), q) for p in d.projects)
    for project, amount in zip(profile.projects, project_amounts):
        _add_item(unit_items[project.unit_code], project.code, ItemAmounts(project=amount))

    _split_into(econ, wage_total, a.wage_split[style], "30199", q)
    _split_into(econ, retiree_total, a.retiree_split[style], a.retiree_rest[style], q)

    public_total = sum((sum_items(rows.values()).public for rows in unit_items.values()), ZERO)
    union_quantum = CENT if style == "shanghai" else q
    fixed = {
        "30212": sangong.overseas,
        "30217": sangong.reception,
        "30228": money(wage_total * Decimal(repr(a.union_fee_rate)), union_quantum),
        "30231": sangong.vehicle_operation,
        "31013": sangong.vehicle_purchase,
    }
    if style == "wuhan":
        fixed["30229"] = money(wage_total * Decimal(repr(a.welfare_fee_rate)), q)
    fixed_total = sum(fixed.values(), ZERO)
    if fixed_total > public_total * Decimal(repr(a.fixed_public_max_share)):
        # Rare (a fleet renewal in a tiny unit): the bureau's own 公用经费 grows to pay for it.
        extra = money(fixed_total / Decimal(repr(a.fixed_public_max_share)) - public_total, q) + q
        _add_item(unit_items[profile.units[0].code], profile.units[0].basic_code, ItemAmounts(public=extra))
        public_total += extra
    public: dict[str, Decimal] = {code: amount for code, amount in fixed.items() if amount}
    weights = {code: a.public_items[code] for code in profile.public_items}
    _split_into(public, public_total - fixed_total, weights, "30299", q)
    economic = {code: ItemAmounts(personnel=amount) for code, amount in econ.items() if amount}
    economic.update({code: ItemAmounts(public=amount) for code, amount in public.items() if amount})

    project_total = sum(project_amounts, ZERO)
    procurement = Procurement(
        goods=money(public_total * Decimal(repr(d.goods_share)), WAN_QUANTUM),
        works=money(project_total * Decimal(repr(d.works_share)), WAN_QUANTUM),
        services=money(project_total * Decimal(repr(d.services_share)), WAN_QUANTUM),
    )
    return FilingNumbers(
        profile=profile,
        year=year,
        unit_items={code: dict(sorted(rows.items())) for code, rows in unit_items.items()},
        project_amounts=project_amounts,
        economic=dict(sorted(economic.items())),
        sangong=sangong,
        procurement=procurement,
        has_performance=d.has_performance,
    )


def _add_item(rows: dict[str, ItemAmounts], code: str, amounts: ItemAmounts) -> None:
    rows[code] = rows.get(code, ItemAmounts()) + amounts


def _split_into(
    target: dict[str, Decimal], amount: Decimal, shares: Mapping[str, float], rest_code: str, q: Decimal
) -> None:
    """Add `amount` to `target` split by shares (weights when they do not sum to one); the rest goes to rest_code."""
    total_weight = sum(shares.values())
    scale = 1.0 if total_weight <= 1.0 else 1.0 / total_weight
    used = ZERO
    for code, share in shares.items():
        if code == rest_code:
            continue
        part = money(amount * Decimal(repr(share * scale)), q)
        target[code] = target.get(code, ZERO) + part
        used += part
    target[rest_code] = target.get(rest_code, ZERO) + amount - used


def simulate(
    config: SampleConfig, profile: DepartmentProfile, years: Sequence[int], seed: int
) -> tuple[list[Drivers], list[int]]:
    """Drivers of every simulated year: history_years before the first requested year up to the last."""
    rng = random.Random(f"{seed}:series:{profile.district.slug}:{profile.slug}")
    first, last = min(years), max(years)
    all_years = list(range(first - config.history_years, last + 1))
    drivers = [initial_drivers(config, profile, rng)]
    for _ in all_years[1:]:
        drivers.append(next_drivers(config, profile, drivers[-1], rng))
    return drivers, all_years


# --- injections ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One printed value that differs from the truth (inconsistencies) or from the clean model (outliers)."""

    table: str | None = None  # canonical table id; None for narrative facts and metrics
    row: str | None = None  # printed row label
    code: str | None = None  # classification code of the row
    column: str | None = None  # canonical column name
    fact: str | None = None  # narrative fact key or outlier metric
    section: str | None = None  # narrative section heading
    expected: float | None = None  # in `unit`
    printed: float | None = None
    unit: str = "万元"  # "万元", "元", "%", "count"

    def as_label(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Injection:
    kind: str
    category: str  # "inconsistency" | "outlier"
    description: str  # Chinese, for reviewers
    changes: tuple[Change, ...]

    def as_label(self) -> dict:
        return {
            "kind": self.kind,
            "category": self.category,
            "description": self.description,
            "changes": [c.as_label() for c in self.changes],
        }


def to_wan(amount: Decimal) -> float:
    """Yuan as 万元 for labels; Decimal → float keeps the shortest exact repr of 2-decimal 元 amounts."""
    return float(amount / YUAN_PER_WAN)


def apply_outlier(
    config: SampleConfig,
    profile: DepartmentProfile,
    year: int,
    drivers: Drivers,
    previous: FilingNumbers | None,
    kind: str,
    rng: random.Random,
) -> tuple[FilingNumbers, Injection]:
    """Change one year's drivers so that one statistic is extreme; the filing stays internally consistent."""
    o = config.outliers
    clean = derive_numbers(config, profile, year, drivers)
    if kind == "extreme_sangong_share":
        target = max(
            Decimal(repr(_uniform(rng, o.sangong_factor))) * clean.sangong.total,
            Decimal(repr(_uniform(rng, o.sangong_min_share))) * clean.total.total,
        )
        scalable = clean.sangong.total - clean.sangong.vehicle_purchase
        factor = float((target - clean.sangong.vehicle_purchase) / scalable)
        changed = replace(
            drivers,
            reception=drivers.reception * factor,
            vehicle_cost=drivers.vehicle_cost * factor,
            overseas=drivers.overseas * factor,
        )
        changed = _with_room_for_fixed_public(config, profile, changed, margin=1.05)
        numbers = derive_numbers(config, profile, year, changed)
        change = Change(
            table="sangong",
            column="sangong_total",
            expected=to_wan(clean.sangong.total),
            printed=to_wan(numbers.sangong.total),
        )
        description = f"“三公”经费 {to_wan(numbers.sangong.total):.2f} 万元，占支出 {_pct(numbers.sangong.total, numbers.total.total)}%，远高于同类部门"
    elif kind == "extreme_personnel_ratio":
        ratio = _uniform(rng, o.personnel_ratio_low)
        units = []
        for unit, ud in zip(profile.units, drivers.units):
            personnel = ud.wage * (1 + _social_rate(profile, unit)) + ud.retiree
            units.append(replace(ud, public=personnel * (1 - ratio) / ratio))
        numbers = derive_numbers(config, profile, year, replace(drivers, units=tuple(units)))
        change = Change(
            fact="personnel_share_of_basic_pct",
            expected=float(_pct(clean.total.personnel, clean.total.basic)),
            printed=float(_pct(numbers.total.personnel, numbers.total.basic)),
            unit="%",
        )
        description = f"人员经费仅占基本支出的 {change.printed}%（通常 70–95%），公用经费异常偏高"
    elif kind in ("extreme_project_share", "jump_300pct"):
        basic = float(clean.total.basic)
        if kind == "extreme_project_share":
            low = sum(profile.dtype.project_share) / 2 >= o.project_share_flip
            share = _uniform(rng, o.project_share_low if low else o.project_share_high)
            target_projects = basic * share / (1 - share)
        else:
            target_projects = float(previous.total.total) * _uniform(rng, o.jump_factor) - basic
        factor = target_projects / float(clean.project_total)
        numbers = derive_numbers(
            config, profile, year, replace(drivers, projects=tuple(p * factor for p in drivers.projects))
        )
        if kind == "extreme_project_share":
            change = Change(
                table="expenditure_summary",
                row="合计",
                column="project",
                fact="project_share_pct",
                expected=float(_pct(clean.total.project, clean.total.total)),
                printed=float(_pct(numbers.total.project, numbers.total.total)),
                unit="%",
            )
            description = f"项目支出占支出合计的 {change.printed}%，远离同类部门的通常水平"
        else:
            change = Change(
                table="expenditure_summary",
                row="合计",
                column="total",
                fact="total_change_pct",
                expected=float(_pct(clean.total.total - previous.total.total, previous.total.total)),
                printed=float(_pct(numbers.total.total - previous.total.total, previous.total.total)),
                unit="%",
            )
            description = f"支出合计比上年增长 {change.printed}%（上年 {to_wan(previous.total.total):.2f} 万元）"
    elif kind == "no_performance_indicators":
        numbers = derive_numbers(config, profile, year, replace(drivers, has_performance=False))
        forms = len(profile.projects) + (1 if profile.style == "wuhan" else 0)  # Wuhan adds 表11 整体支出
        change = Change(
            table="performance_project", fact="n_performance_tables", expected=float(forms), printed=0.0, unit="count"
        )
        description = "未公开任何绩效目标表（整体支出和项目支出绩效目标均缺失）"
    else:
        raise ValueError(f"unknown outlier kind {kind!r}")
    return numbers, Injection(kind, "outlier", description, (change,))


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if whole else ZERO

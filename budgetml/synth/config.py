"""The sample generator's tunables, read from configs/sample.toml.

Districts and their layout variations, department types with their units and projects, amount ranges,
outlier and inconsistency sizes, performance indicator templates, and the 政府收支分类 names the tables print.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_CONFIG_PATH = Path(__file__).resolve().parents[2] / "configs" / "sample.toml"

Range = tuple[float, float]


@dataclass(frozen=True)
class LayoutVariant:
    """How a district prints its filings: template style and the printing variations."""

    id: str
    style: str  # "wuhan" | "shanghai"
    ruled: bool
    rule_style: str  # "line" | "rect"
    thousands_separators: bool
    numeric_align: str
    landscape: bool
    repeat_header: bool
    split_expenditure_summary: bool
    blank_zero_cells: bool
    ruled_tables: tuple[str, ...] = ()  # canonical table ids kept ruled in an unruled layout
    cover_font_pt: float | None = None  # None: the renderer's default


@dataclass(frozen=True)
class District:
    name: str  # printed region prefix: 武昌区, 上海市普陀区
    slug: str
    layout: str
    dept_code_start: int
    streets: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """The district without its city (普陀区), as unit names print it."""
        return self.name.split("市", 1)[1] if "市" in self.name else self.name


@dataclass(frozen=True)
class UnitTemplate:
    name: str
    code: str  # function code of the unit's basic spending
    kind: str  # "admin" | "civil_servant_like" (参公) | "institution"


@dataclass(frozen=True)
class ProjectTemplate:
    name: str
    code: str
    weight: float
    unit: str = "main"  # "main" | "institution"


@dataclass(frozen=True)
class DepartmentType:
    id: str
    name: str
    slug: str
    field: str
    size_wan: Range
    project_share: Range
    main_basic_share: Range
    admin_code: str
    n_institutions: tuple[int, int]
    institutions: tuple[UnitTemplate, ...]
    n_projects: tuple[int, int]
    projects: tuple[ProjectTemplate, ...]
    vehicles: tuple[int, int]
    has_overseas: bool
    duties: tuple[str, ...]


@dataclass(frozen=True)
class AmountSettings:
    personnel_ratio: Range
    retiree_share: Range
    wage_growth: Range
    retiree_growth: Range
    public_growth: Range
    project_growth_mean: float
    project_growth_sd: float
    project_growth_clip: float
    project_jitter: Range
    reception_wan: Range
    vehicle_operation_per_vehicle_wan: Range
    overseas_wan: Range
    vehicle_purchase_probability: float
    vehicle_purchase_wan: Range
    sangong_growth: Range
    union_fee_rate: float
    welfare_fee_rate: float
    fixed_public_max_share: float
    procurement_services_share: Range
    procurement_goods_share: Range
    procurement_works_probability: float
    procurement_works_share: Range
    social_rates: Mapping[str, Range]
    wage_split: Mapping[str, Mapping[str, float]]
    retiree_split: Mapping[str, Mapping[str, float]]
    retiree_rest: Mapping[str, str]
    public_items: Mapping[str, float]


@dataclass(frozen=True)
class OutlierSettings:
    sangong_factor: Range
    sangong_min_share: Range
    personnel_ratio_low: Range
    project_share_high: Range
    project_share_low: Range
    project_share_flip: float
    jump_factor: Range


@dataclass(frozen=True)
class InconsistencySettings:
    cell_delta_share: Range
    min_cell_delta_wan: float
    percent_shift_points: Range
    previous_shift: Range
    cross_table_share: Range
    sangong_delta_wan: Range


@dataclass(frozen=True)
class PerformanceTemplates:
    quantity: tuple[str, ...]
    quality: tuple[str, ...]
    timeliness: tuple[str, ...]
    benefit: tuple[str, ...]
    satisfaction: tuple[str, ...]
    basis: tuple[str, ...]
    count_range: tuple[int, int]


# The knobs of a varied filing whose values the layout interprets (configs/sample.toml [presentation]);
# the lists in the config say which are drawn, these say which exist.
KNOWN_KNOB_VALUES: Mapping[str, tuple] = {
    "scope": ("部门", "单位", "预算单位"),
    "cover": ("name_year", "region_year_org", "one_line"),
    "cover_name": ("plain", "spaced", "split"),
    "money_unit": ("template", "元"),
    "grid": ("ruled", "ruled_rect", "unruled", "horizontal", "three_line"),
    "caption": (
        "one_line",
        "one_line_date",
        "separate_lines",
        "unit_under_title",
        "in_header",
        "unit_below_table",
        "unit_in_headers",
        "document_unit",
    ),
    "title_year": ("none", "prefix", "prefix_du", "own_line"),
    "total_row": ("first", "last"),
    "codes": ("column", "split", "in_name"),
    "code_words": ("short", "long"),
    "separators": (True, False),
    "zero": ("blank", "0", "0.00", "-"),
    "digits": ("ascii", "fullwidth"),
    "orientation": ("portrait", "landscape", "mixed"),
    "repeat_header": (True, False),
    "page_breaks": ("none", "some"),
    "share_pages": (True, False),
}
NUMBER_PLACES = ("above", "above-left", "title")  # where a table number prints: "above:表 {n}", "title:{n}."


@dataclass(frozen=True)
class PresentationSettings:
    """The value lists each presentation knob of `budgetml sample --vary` is drawn from (uniformly, per filing)."""

    choices: Mapping[str, tuple]  # knob → its values: the KNOWN_KNOB_VALUES knobs and the printed vocabularies
    public_edition_probability: float
    smaller_fonts_pt: tuple[float, ...]

    def values(self, knob: str) -> tuple:
        return self.choices[knob]


@dataclass(frozen=True)
class SampleConfig:
    inconsistency_share: float
    outlier_share: float
    history_years: int
    outliers_in_last_year_only: bool
    amounts: AmountSettings
    outliers: OutlierSettings
    inconsistencies: InconsistencySettings
    performance: PerformanceTemplates
    classes: tuple[tuple[str, str], ...]  # (类 code, name) in the Wuhan 表1 order
    function_names: Mapping[str, str]
    economic_names: Mapping[str, str]
    layouts: Mapping[str, LayoutVariant]
    districts: tuple[District, ...]
    department_order: tuple[str, ...]
    department_types: Mapping[str, DepartmentType]
    presentation: PresentationSettings

    def class_name(self, code: str) -> str:
        return dict(self.classes)[code]

    def function_name(self, code: str) -> str:
        """Name of a 类 (3 digits), 款 (5) or 项 (7) function code."""
        return self.class_name(code) if len(code) == 3 else self.function_names[code]


def _pair(values: Sequence) -> tuple:
    return (values[0], values[1])


def load_sample_config(path: Path = SAMPLE_CONFIG_PATH) -> SampleConfig:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    amounts = dict(raw["amounts"])
    for key, value in amounts.items():
        if isinstance(value, list):
            amounts[key] = _pair(value)
    amounts["social_rates"] = {k: _pair(v) for k, v in amounts["social_rates"].items()}
    types = {}
    for t in raw["department_type"]:
        types[t["id"]] = DepartmentType(
            id=t["id"],
            name=t["name"],
            slug=t["slug"],
            field=t["field"],
            size_wan=_pair(t["size_wan"]),
            project_share=_pair(t["project_share"]),
            main_basic_share=_pair(t["main_basic_share"]),
            admin_code=t["admin_code"],
            n_institutions=_pair(t["n_institutions"]),
            institutions=tuple(UnitTemplate(**u) for u in t["institutions"]),
            n_projects=_pair(t["n_projects"]),
            projects=tuple(ProjectTemplate(**p) for p in t["projects"]),
            vehicles=_pair(t["vehicles"]),
            has_overseas=t["has_overseas"],
            duties=tuple(t["duties"]),
        )
    layouts = {v["id"]: LayoutVariant(**{**v, "ruled_tables": tuple(v.get("ruled_tables", ()))}) for v in raw["layout"]}
    perf = raw["performance"]
    config = SampleConfig(
        inconsistency_share=raw["corpus"]["inconsistency_share"],
        outlier_share=raw["corpus"]["outlier_share"],
        history_years=raw["corpus"]["history_years"],
        outliers_in_last_year_only=raw["corpus"]["outliers_in_last_year_only"],
        amounts=AmountSettings(**amounts),
        outliers=OutlierSettings(**{k: _pair(v) if isinstance(v, list) else v for k, v in raw["outliers"].items()}),
        inconsistencies=InconsistencySettings(
            **{k: _pair(v) if isinstance(v, list) else v for k, v in raw["inconsistencies"].items()}
        ),
        performance=PerformanceTemplates(
            **{k: tuple(v) for k, v in perf.items() if k != "count_range"}, count_range=_pair(perf["count_range"])
        ),
        classes=tuple((c["code"], c["name"]) for c in raw["class"]),
        function_names=raw["function_names"],
        economic_names=raw["economic_names"],
        layouts=layouts,
        districts=tuple(District(**{**d, "streets": tuple(d["streets"])}) for d in raw["district"]),
        department_order=tuple(raw["departments"]["order"]),
        department_types=types,
        presentation=_presentation_settings(raw["presentation"]),
    )
    _check_config(config)
    return config


def _presentation_settings(raw: Mapping) -> PresentationSettings:
    scalars = ("public_edition_probability", "smaller_fonts_pt")
    return PresentationSettings(
        choices={k: tuple(v) for k, v in raw.items() if k not in scalars},
        public_edition_probability=raw["public_edition_probability"],
        smaller_fonts_pt=tuple(raw["smaller_fonts_pt"]),
    )


def _presentation_problems(settings: PresentationSettings) -> list[str]:
    problems = []
    for knob, known in KNOWN_KNOB_VALUES.items():
        values = settings.choices.get(knob)
        if not values:
            problems.append(f"presentation.{knob}: no values")
        elif set(values) - set(known):
            problems.append(f"presentation.{knob}: unknown {sorted(map(str, set(values) - set(known)))}")
    for number in settings.choices.get("number", ()):
        if number != "none" and number.split(":", 1)[0] not in NUMBER_PLACES:
            problems.append(
                f"presentation.number: {number!r} is not none or PLACE:FORMAT with PLACE in {NUMBER_PLACES}"
            )
    for knob in (
        "org_label",
        "unit_form",
        "header_unit_form",
        "document_unit_form",
        "document_unit_mixed_form",
        "date",
    ):
        if not settings.choices.get(knob):
            problems.append(f"presentation.{knob}: no values")
    return problems


def _check_config(config: SampleConfig) -> None:
    """Every code a department type uses must have a printed name; every district a known layout."""
    problems = []
    for t in config.department_types.values():
        codes = {t.admin_code, *(u.code for u in t.institutions), *(p.code for p in t.projects)}
        for code in codes:
            for part in (code[:5], code):
                if part not in config.function_names:
                    problems.append(f"{t.id}: no name for function code {part}")
            if code[:3] not in dict(config.classes):
                problems.append(f"{t.id}: unknown 类 {code[:3]}")
    for d in config.districts:
        if d.layout not in config.layouts:
            problems.append(f"district {d.slug}: unknown layout {d.layout}")
    for type_id in config.department_order:
        if type_id not in config.department_types:
            problems.append(f"departments.order: unknown type {type_id}")
    problems += _presentation_problems(config.presentation)
    if problems:
        raise ValueError("configs/sample.toml: " + "; ".join(problems))

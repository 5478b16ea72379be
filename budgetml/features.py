"""The features stage (features.parquet): per filing the shares, ratios, year-over-year changes and indicator counts that make departments comparable.

Every feature is declared once in budgetml/feature_declarations.py (name, formula, unit, description,
Chinese label); this module computes the values from the parse and checks datasets (a 决算's execution
rates from budget_execution.parquet). A department's
previous filing is the one budgetml/identity.py links it to; its peer type comes from its name
(configs/department_types.toml).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from budgetml.catalog import load_catalog
from budgetml.datasets import rows_to_table, write_parts
from budgetml.departments import DepartmentType, load_department_types, type_of
from budgetml.feature_declarations import CHANGE_OF, EXECUTION_OF, FEATURES
from budgetml.form_cells import COLUMNS as FORM_CELL_COLUMNS
from budgetml.form_cells import FormCell, form_rows
from budgetml.identity import FilingRef, previous_filings
from budgetml.layout import dataset_files, dataset_path
from budgetml.normalise import UNIT_TO_YUAN, YUAN_PER_WAN, squash
from budgetml.schema import BUDGET_EXECUTION, CHECKS, CLAIMS, FILINGS, FORM_CELLS, LINE_ITEMS, Dataset
from budgetml.schema import FEATURES as FEATURES_DATASET


def template_has_performance(tables_found: Iterable[str], doc_kind: str | None) -> bool:
    """Whether the template of its kind the filing matches best requires performance forms (False without a template)."""
    catalog = load_catalog()
    template = catalog.best_template(tables_found, doc_kind)
    return template is not None and any(t in template.tables for t in catalog.form_table_ids)


# ---------------------------------------------------------------- performance indicators


INDICATOR_CATEGORIES = ("数量", "质量", "时效", "成本", "效益", "满意度")
_CATEGORY_FEATURE = dict(
    zip(
        INDICATOR_CATEGORIES,
        (
            "quantity_indicator_pct",
            "quality_indicator_pct",
            "timeliness_indicator_pct",
            "cost_indicator_pct",
            "benefit_indicator_pct",
            "satisfaction_indicator_pct",
        ),
    )
)
# 一级 and 二级 indicator headings as printed; 产出指标 only opens 数量/质量/时效/成本.
_CATEGORY = (
    (re.compile(r"^产出指标$"), None),
    (re.compile(r"^数量指标$"), "数量"),
    (re.compile(r"^质量指标$"), "质量"),
    (re.compile(r"^时效指标$"), "时效"),
    (re.compile(r"成本指标$"), "成本"),
    (re.compile(r"效益指标$|^可持续影响指标$"), "效益"),
    (re.compile(r"满意度指标$"), "满意度"),
)
# Printed as the 二级 heading by some forms (the seed) and as the indicator's own name by others.
_AMBIGUOUS_HEADING = re.compile(r"^服务对象满意度$")
# Cells of an indicator block that are neither an indicator's name nor its value.
_NOT_INDICATOR = re.compile(
    r"^$|^[-/—－]+$|标准$|依据$|^(长期|年度)(绩效)?(目标|指标)(表)?\d*[:：]?$|^目标名称$|^(一级|二级|三级)?指标$|指标值|^前年$|^上年$|当年实现|^[一二三]级$"
)
_HEADER = re.compile(r"^三级指标$")


@dataclass(frozen=True)
class Indicator:
    """One indicator row of a performance form (三级指标 and its current-year target)."""

    table_id: str
    table_title: str
    category: str | None  # 数量 质量 时效 成本 效益 满意度; None when no heading was printed before it
    name: str
    target: str  # the last value printed on its row: the current year's target

    @property
    def is_qualitative(self) -> bool:
        """提升, 达成, 良好 … rather than a number (≥95%, ≤48小时, 12份, 0)."""
        return not re.search(r"\d", self.target)


def _heading(text: str) -> tuple[bool, str | None]:
    for pattern, category in _CATEGORY:
        if pattern.search(text):
            return True, category
    return False, None


def form_to_indicators(cells: Sequence[FormCell]) -> list[Indicator]:
    """The indicator rows of one performance form: after a header row naming 三级指标, each row with a name and a value.

    The printed grids shift columns between pages and rows (merged heading cells), so cells are read by
    what they say, not by column: headings set the category of the rows that follow, bases (计划标准)
    and header words are skipped, the first remaining cell is the name and the last one the target. A
    row with a name only is a wrapped continuation of the row above.
    """
    found: list[Indicator] = []
    in_block, category = False, None
    for row in form_rows(cells):
        texts = [c.text_squashed for c in row]
        if any(_HEADER.match(t) for t in texts):
            in_block, category = True, None
            continue
        if not in_block:
            continue
        rest, ambiguous = [], []
        for text in texts:
            is_heading, heading = _heading(text)
            if is_heading:
                category = heading
            elif _AMBIGUOUS_HEADING.match(text):
                category = "满意度"
                ambiguous.append(text)
            elif not _NOT_INDICATOR.search(text):
                rest.append(text)
        if len(rest) == 1 and ambiguous:  # 服务对象满意度 | ≥90%: it was the name
            rest.insert(0, ambiguous[-1])
        if len(rest) >= 2:
            found.append(Indicator(row[0].table_id, row[0].table_title, category, rest[0], rest[-1]))
    return found


@dataclass(frozen=True)
class IndicatorCounts:
    """The performance forms and indicators of one filing, counted."""

    n_forms: int
    n_project_forms: int
    n_indicators: int
    n_project_indicators: int
    by_category: dict[str, int]
    n_qualitative: int


def count_indicators(cells: Sequence[FormCell]) -> IndicatorCounts:
    """Indicators of all performance forms of one filing (one form per table_id and title)."""
    by_form: dict[tuple[str, str], list[FormCell]] = {}
    form_tables = load_catalog().form_table_ids
    for cell in cells:
        if cell.table_id in form_tables:
            by_form.setdefault((cell.table_id, cell.table_title), []).append(cell)
    indicators = [i for form in by_form.values() for i in form_to_indicators(form)]
    by_category = {c: sum(1 for i in indicators if i.category == c) for c in INDICATOR_CATEGORIES}
    return IndicatorCounts(
        n_forms=len(by_form),
        n_project_forms=sum(1 for table_id, _ in by_form if table_id == "performance_project"),
        n_indicators=len(indicators),
        n_project_indicators=sum(1 for i in indicators if i.table_id == "performance_project"),
        by_category=by_category,
        n_qualitative=sum(1 for i in indicators if i.is_qualitative),
    )


# ---------------------------------------------------------------- previous-year figures stated in the narrative


# Claim subjects (squashed) that state a headline figure; the first claim with a previous-year figure wins.
_NARRATIVE_SUBJECTS = {
    "total_expenditure": re.compile(r"^(部门)?(收支总预算|支出总预算|预算支出|支出预算)$"),
    "basic_expenditure": re.compile(r"^(一般公共预算)?基本支出(预算)?$"),
    "project_expenditure": re.compile(r"^(一般公共预算)?项目支出(预算)?$"),
    "personnel_expenditure": re.compile(r"^人员经费(支出)?$"),
    "sangong_total": re.compile(r"^(一般公共预算(财政拨款)?)?[“\"]?三公[”\"]?经费(支出|预算)*$"),
}


def narrative_previous(claims: Iterable[dict], year: int | None) -> dict[str, float]:
    """Previous-year headline figures (万元) the narrative states: amount − delta, or the stated prev_amount.

    Only comparisons with the year before count (a 2026 budget compared with 2026 is a finding of
    year.consistent, not a previous figure).
    """
    found: dict[str, float] = {}
    for claim in claims:
        subject = squash(claim["subject"])
        headline = next((h for h, pattern in _NARRATIVE_SUBJECTS.items() if pattern.search(subject)), None)
        if headline is None or headline in found:
            continue
        if year is None or claim["compare_year"] != year - 1:
            continue
        if claim["delta"] is not None:
            previous = claim["amount"] - claim["delta"]
        elif claim["prev_amount"] is not None:
            previous = claim["prev_amount"]
        else:
            continue
        found[headline] = float(previous * UNIT_TO_YUAN[claim["unit"]] / YUAN_PER_WAN)
    return found


# ---------------------------------------------------------------- projects and units


_NOT_PROJECT = re.compile(r"^(合计|总计|小计)$|本级$|支出项目$|^(其中|[一二三四五六七八九十]+、)")
UNIT_TABLES = ("general_budget_by_unit", "income_summary")  # the tables whose 6-digit codes are units, in preference


def count_projects(items: pl.DataFrame, departments: pl.DataFrame) -> pl.DataFrame:
    """filing_id → n_projects: the project rows of its 项目支出表 (total column; one per row and label), not the total,
    not a unit (a label of UNIT_TABLES with a unit code) or the department itself, not a category row.

    items: line_items rows (filing_id, table_id, row_index, row_label, row_label_squashed, code, column_name);
    departments: filing_id → department_squashed (null when the filing names none).
    """
    name = pl.col("row_label_squashed")
    units = items.filter(pl.col("table_id").is_in(UNIT_TABLES) & (pl.col("code").str.len_chars() >= 6))
    projects = items.filter((pl.col("table_id") == "projects") & (pl.col("column_name") == "total"))
    return (
        projects.unique(["filing_id", "row_index", "row_label"])
        .join(units.select("filing_id", name).unique(), on=["filing_id", "row_label_squashed"], how="anti")
        .join(departments, on="filing_id", how="left")
        .filter(
            (name != "")
            & ~name.str.contains(_NOT_PROJECT.pattern)
            & (pl.col("department_squashed").is_null() | (name != pl.col("department_squashed")))
        )
        .group_by("filing_id")
        .agg(pl.len().cast(pl.Int64).alias("n_projects"))
    )


def count_units(items: pl.DataFrame) -> pl.DataFrame:
    """filing_id → n_units: the distinct 6-digit unit codes of its 分单位 table, else of its 收入总表 (none: absent)."""
    coded = items.filter(pl.col("table_id").is_in(UNIT_TABLES) & (pl.col("code").str.len_chars() == 6))
    per_table = coded.group_by("filing_id", "table_id").agg(pl.col("code").n_unique().alias("n_units"))
    preference = pl.col("table_id").replace_strict(UNIT_TABLES, range(len(UNIT_TABLES)), return_dtype=pl.Int32)
    return per_table.sort("filing_id", preference).unique("filing_id", keep="first").select("filing_id", "n_units")


# ---------------------------------------------------------------- the features of one filing


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or not whole or math.isnan(part) or math.isnan(whole):
        return None
    return 100.0 * part / whole


def _change_pct(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or not previous:
        return None
    return 100.0 * (current - previous) / abs(previous)


@dataclass(frozen=True)
class FilingInputs:
    """What the features of one filing are computed from (read from the datasets by load_inputs)."""

    filing: dict  # the filings.parquet row
    sangong: dict[str, float]  # column → 万元 (first row of the sangong table)
    n_units: int | None  # count_units (None: no unit codes printed)
    n_projects: int | None  # count_projects; None: no 项目支出表
    indicators: IndicatorCounts  # of its performance forms (count_indicators)
    claims: tuple[dict, ...]
    failed_checks: dict[str, int] | None  # severity → count; None: checks not run
    execution_rates: dict[str, float | None] = field(default_factory=dict)  # 决算: budget_execution item → rate %


def filing_features(
    inputs: FilingInputs, previous: dict | None, counts: IndicatorCounts, expects_performance: bool
) -> dict:
    """The feature values of one filing.

    previous: the same department's filing of the year before, if any; counts: its performance
    indicators; expects_performance: whether a filing without performance forms left them out (0)
    rather than follows a template that has none (unknown).
    """
    f = inputs.filing
    total, basic, project = f["total_expenditure_wan"], f["basic_expenditure_wan"], f["project_expenditure_wan"]
    personnel, public, sangong = f["personnel_expenditure_wan"], f["public_expenditure_wan"], f["sangong_total_wan"]
    vehicle = inputs.sangong.get("vehicle_total")
    if vehicle is None and ("vehicle_purchase" in inputs.sangong or "vehicle_operation" in inputs.sangong):
        vehicle = inputs.sangong.get("vehicle_purchase", 0.0) + inputs.sangong.get("vehicle_operation", 0.0)
    sangong_base = sangong if sangong is not None else inputs.sangong.get("sangong_total")
    values: dict = {
        **execution_features(inputs),
        "sangong_share_pct": _pct(sangong, total),
        "sangong_public_pct": _pct(sangong, public),
        "overseas_sangong_pct": _pct(inputs.sangong.get("overseas"), sangong_base),
        "vehicle_sangong_pct": _pct(vehicle, sangong_base),
        "reception_sangong_pct": _pct(inputs.sangong.get("reception"), sangong_base),
        "personnel_share_of_basic_pct": _pct(personnel, basic),
        "personnel_share_pct": _pct(personnel, total),
        "public_share_pct": _pct(public, total),
        "project_share_pct": _pct(project, total),
        "size_log10_wan": math.log10(total) if total and total > 0 else None,
    }
    # Year over year: the previous filing's figure, else the one the narrative states.
    stated = narrative_previous(inputs.claims, f["year"])
    sources = set()
    for headline, feature in CHANGE_OF.items():
        prior = previous.get(f"{headline}_wan") if previous is not None else None
        source = "previous_filing"
        if prior is None:
            prior, source = stated.get(headline), "narrative"
        values[feature] = _change_pct(f[f"{headline}_wan"], prior)
        if values[feature] is not None:
            sources.add(source)
    yoy_basis = None if not sources else sources.pop() if len(sources) == 1 else "mixed"
    # Performance forms: counted where they are expected (see expects_performance_forms).
    expects = expects_performance or counts.n_forms > 0
    n = counts.n_indicators
    values.update(
        {
            "n_performance_tables": counts.n_forms if expects else None,
            "n_indicators": n if expects else None,
            "indicators_per_project": counts.n_project_indicators / counts.n_project_forms
            if counts.n_project_forms
            else None,
            **{feature: (_pct(counts.by_category[c], n) if n else None) for c, feature in _CATEGORY_FEATURE.items()},
            "qualitative_target_pct": _pct(counts.n_qualitative, n) if n else None,
        }
    )
    if inputs.n_projects is not None:
        n_projects = inputs.n_projects
    else:
        n_projects = counts.n_project_forms if counts.n_project_forms else None
    values.update(
        {
            "n_units": inputs.n_units,
            "n_projects": n_projects,
            "n_failed_errors": inputs.failed_checks.get("error", 0) if inputs.failed_checks is not None else None,
            "n_failed_warnings": inputs.failed_checks.get("warning", 0) if inputs.failed_checks is not None else None,
        }
    )
    return {"yoy_basis": yoy_basis, **values}


def execution_features(inputs: FilingInputs) -> dict[str, float | None]:
    """决算 / 年初预算 of total, basic, project and 三公 spending, and the carry-over share (决算 only; null for a budget)."""
    rates = inputs.execution_rates
    values = {
        feature: next((rates[item] for item in items if rates.get(item) is not None), None)
        for feature, items in EXECUTION_OF.items()
    }
    f = inputs.filing
    values["carryover_share_pct"] = _pct(f["carryover_end_wan"], f["income_grand_total_wan"])
    return values


# ---------------------------------------------------------------- reading the datasets


# Filings whose features are computed together: their rows are read and held at once, never more.
CHUNK_FILINGS = 5_000
# The line items the features read: 三公, units and projects.
ITEM_TABLES = ("sangong", *UNIT_TABLES, "projects")
ITEM_COLUMNS = [
    "filing_id",
    "table_id",
    "row_index",
    "row_label",
    "row_label_squashed",
    "code",
    "column_name",
    "amount_wan",
]


def _scan(out_dir: Path, dataset: Dataset, columns: list[str]) -> pl.LazyFrame | None:
    """The columns of a dataset, read lazily from its file or year partitions; None when absent."""
    files = dataset_files(out_dir, dataset)
    return pl.scan_parquet(files, hive_partitioning=False, glob=False).select(columns) if files else None


def _read(out_dir: Path, dataset: Dataset, columns: list[str], where: pl.Expr) -> pl.DataFrame | None:
    """The rows of a dataset `where` holds (filtered while read: the file is never loaded whole); None when absent."""
    frame = _scan(out_dir, dataset, columns)
    return frame.filter(where).collect(engine="streaming") if frame is not None else None


def _group(frame: pl.DataFrame | None, key: str = "filing_id") -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    if frame is not None:
        for row in frame.iter_rows(named=True):
            grouped.setdefault(row[key], []).append(row)
    return grouped


def usable_filings(out_dir: Path) -> pl.DataFrame:
    """The ok/partial filings of out_dir (filings.parquet rows, in its order)."""
    return pl.read_parquet(dataset_path(Path(out_dir), FILINGS), glob=False).filter(pl.col("status") != "failed")


def load_inputs(out_dir: Path, filings: pl.DataFrame | None = None) -> list[FilingInputs]:
    """The inputs of the given ok/partial filings (default: every one in out_dir), aggregated from line_items,
    form_cells, claims and checks: only these filings' rows are read."""
    out_dir = Path(out_dir)
    filings = usable_filings(out_dir) if filings is None else filings
    ids = filings["filing_id"]
    # Rows are read by filing_id range first: the datasets are in filing_id order, so the reader skips the rest.
    mine = pl.col("filing_id").is_between(pl.lit(ids.min()), pl.lit(ids.max())) & pl.col("filing_id").is_in(
        ids.implode()
    )
    items = _read(out_dir, LINE_ITEMS, ITEM_COLUMNS, mine & pl.col("table_id").is_in(ITEM_TABLES))
    forms = load_catalog().form_table_ids
    cells = _read(out_dir, FORM_CELLS, ["filing_id", *FORM_CELL_COLUMNS], mine & pl.col("table_id").is_in(forms))
    claims = _read(
        out_dir,
        CLAIMS,
        ["filing_id", "claim_index", "subject", "amount", "unit", "compare_year", "delta", "prev_amount"],
        mine
        & pl.col("compare_year").is_not_null()
        & (pl.col("delta").is_not_null() | pl.col("prev_amount").is_not_null()),
    )
    failed = _read(out_dir, CHECKS, ["filing_id", "severity", "is_passed"], mine & pl.col("is_passed").not_())
    departments = pl.DataFrame(
        {
            "filing_id": ids,
            "department_squashed": [squash(d) if d else None for d in filings["department"].to_list()],
        },
        schema={"filing_id": pl.String, "department_squashed": pl.String},
    )
    n_units: dict[str, int] = {}
    n_projects: dict[str, int] = {}
    sangong: dict[str, dict[str, float]] = {}
    if items is not None:
        n_units = dict(count_units(items).iter_rows())
        n_projects = dict(count_projects(items, departments).iter_rows())
        first = items.filter(pl.col("table_id") == "sangong").filter(
            pl.col("row_index") == pl.col("row_index").min().over("filing_id")
        )
        for filing_id, column, amount in first.select("filing_id", "column_name", "amount_wan").iter_rows():
            sangong.setdefault(filing_id, {})[column] = amount
    indicators = {}
    for (filing_id,), frame in (cells.partition_by("filing_id", as_dict=True) if cells is not None else {}).items():
        columns = [frame[c].to_list() for c in FORM_CELL_COLUMNS]
        indicators[filing_id] = count_indicators(
            [FormCell(*values[:-1], tuple(values[-1])) for values in zip(*columns)]
        )
    executed = _read(
        out_dir,
        BUDGET_EXECUTION,
        ["filing_id", "item", "execution_rate_pct"],
        mine & (pl.col("item") != "function"),
    )
    rates_by: dict[str, dict[str, float | None]] = {}
    for filing_id, item, rate in executed.iter_rows() if executed is not None else ():
        rates_by.setdefault(filing_id, {})[item] = rate
    claims_by = _group(claims.sort("filing_id", "claim_index") if claims is not None else None)
    failed_by: dict[str, dict[str, int]] = {}
    if failed is not None:
        for filing_id, severity, n in failed.group_by("filing_id", "severity").len().iter_rows():
            failed_by.setdefault(filing_id, {})[severity] = n
    has_checks = dataset_files(out_dir, CHECKS) != []
    return [
        FilingInputs(
            filing=f,
            sangong=sangong.get(f["filing_id"], {}),
            n_units=n_units.get(f["filing_id"]),
            n_projects=n_projects.get(f["filing_id"], 0) if "projects" in (f["tables_found"] or ()) else None,
            indicators=indicators.get(f["filing_id"]) or count_indicators(()),
            claims=tuple(claims_by.get(f["filing_id"], [])),
            failed_checks=failed_by.get(f["filing_id"], {}) if has_checks else None,
            execution_rates=rates_by.get(f["filing_id"], {}),
        )
        for f in filings.iter_rows(named=True)
    ]


def form_counts(out_dir: Path) -> dict[str, int]:
    """filing_id → the number of performance forms it prints (one per table_id and title), for the filings that print any."""
    forms = _scan(Path(out_dir), FORM_CELLS, ["filing_id", "table_id", "table_title"])
    if forms is None:
        return {}
    printed = forms.filter(pl.col("table_id").is_in(load_catalog().form_table_ids)).unique()
    return dict(printed.group_by("filing_id").len().collect(engine="streaming").iter_rows())


# A district where at least half of the filings print performance forms expects them from every department.
PERFORMANCE_PRACTICE_SHARE = 0.5


def expects_performance_forms(filings: Sequence[Mapping], n_forms: Mapping[str, int]) -> dict[str, bool]:
    """filing_id → whether its missing performance forms are an omission (counted as 0) or not expected (null).

    Expected when its template requires them (the Wuhan/MoF template), or when most filings of its
    district and kind print them: the real Shanghai filing has none and its template none, but a district
    whose departments all publish 绩效目标表 expects them from the one that does not. n_forms: filing_id → the
    forms it prints (form_counts; absent: none).
    """
    printing: dict[tuple[str, str | None], list[bool]] = {}
    for f in filings:
        printing.setdefault(practice_key(f), []).append(n_forms.get(f["filing_id"], 0) > 0)
    practice = {key: sum(flags) >= PERFORMANCE_PRACTICE_SHARE * len(flags) for key, flags in printing.items()}
    return {
        f["filing_id"]: template_has_performance(f["tables_found"] or (), f["doc_kind"]) or practice[practice_key(f)]
        for f in filings
    }


def practice_key(filing: Mapping) -> tuple[str, str | None]:
    """Whose practice a filing is judged by: its district's filings of the same kind (a 决算 prints no forms)."""
    return squash(filing["region"] or ""), filing["doc_kind"]


# What the features of a filing read of its previous filing: its id and headline figures.
PREVIOUS_COLUMNS = ("filing_id", *(f"{headline}_wan" for headline in CHANGE_OF))
# What the features of a filing read of the other filings (peers_of).
PEER_COLUMNS = (
    "filing_id", "status", "region", "department", "year", "doc_kind", "tables_found", *PREVIOUS_COLUMNS[1:]
)  # fmt: skip


@dataclass(frozen=True)
class Peers:
    """What the features of a filing read of the other filings."""

    previous: Mapping[str, dict]  # filing_id → its previous filing's PREVIOUS_COLUMNS (identity.previous_filings)
    expects: Mapping[str, bool]  # filing_id → expects_performance_forms


def peers_of(filings: Sequence[Mapping], n_forms: Mapping[str, int]) -> Peers:
    """The previous filings and the performance-form practice of `filings` (rows with PEER_COLUMNS at least)."""
    by_id = {f["filing_id"]: {c: f[c] for c in PREVIOUS_COLUMNS} for f in filings}
    links = previous_filings(FilingRef.of(f) for f in filings)
    return Peers({fid: by_id[prev] for fid, prev in links.items()}, expects_performance_forms(filings, n_forms))


def features_rows(
    inputs: Sequence[FilingInputs], types: Sequence[DepartmentType] | None = None, peers: Peers | None = None
) -> list[dict]:
    """One features.parquet row per filing; peers: of all filings (default: of these inputs alone)."""
    types = load_department_types() if types is None else types
    counts = {i.filing["filing_id"]: i.indicators for i in inputs}
    if peers is None:
        peers = peers_of([i.filing for i in inputs], {fid: c.n_forms for fid, c in counts.items()})
    rows = []
    for i in inputs:
        f = i.filing
        prev = peers.previous.get(f["filing_id"])
        values = filing_features(i, prev, counts[f["filing_id"]], peers.expects[f["filing_id"]])
        rows.append(
            {
                "filing_id": f["filing_id"],
                "region": f["region"],
                "department": f["department"],
                "department_type": type_of(f["region"], f["department"], types),
                "doc_kind": f["doc_kind"] or "budget",
                "year": f["year"],
                "prev_filing_id": prev["filing_id"] if prev is not None else None,
                **values,
            }
        )
    for row in rows:
        for feature in FEATURES:
            value = row[feature.name]
            if value is not None and feature.is_integer:
                row[feature.name] = int(value)
    return rows


def build_features(out_dir: Path) -> Path:
    """Compute features.parquet from the datasets in out_dir (parse and check stages); returns its path.

    The filings are read and computed CHUNK_FILINGS at a time and written part by part: memory holds the
    filings table and one chunk's rows, whatever the number of filings.
    """
    out = Path(out_dir)
    filings = usable_filings(out)
    peers = peers_of(filings.select(PEER_COLUMNS).to_dicts(), form_counts(out))
    types = load_department_types()
    chunks = (filings.slice(start, CHUNK_FILINGS) for start in range(0, filings.height, CHUNK_FILINGS))
    parts = (rows_to_table(FEATURES_DATASET, features_rows(load_inputs(out, chunk), types, peers)) for chunk in chunks)
    return write_parts(FEATURES_DATASET, parts, out)

"""Every dataset column declared once, as data: type, unit, description. Used to write, check and document.

The declarations are budgetml/schema.toml, read here into frozen records; the columns built by one rule (the
headline figures, the figures of an execution item, the two code dictionaries) are built here, and the features
dataset's columns come from budgetml/feature_declarations.py (vocabulary, like this module).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from budgetml.feature_declarations import FEATURES as FEATURE_DECLARATIONS
from budgetml.feature_declarations import YOY_BASES

SCHEMA_PATH = Path(__file__).with_name("schema.toml")

# Bump when a published column is renamed, retyped, added or removed: budgetml/migrations.py brings the
# datasets of an older output folder up to this version (without reparsing), and every file says its
# version in its metadata (`budgetml.schema_version`; files without it are version 1).
SCHEMA_VERSION = 4

# Money in yuan, exactly: 24 digits with 4 decimals holds any budget printed to 0.01 of 万元 or 元.
YUAN = pa.decimal128(24, 4)
BBOX = pa.list_(pa.float64(), 4)

# Units (docs/conventions.md, Naming): a column's name ends with its unit's suffix.
NO_UNIT = "none"  # text, identifiers, categories, flags, positions: not a quantity
PER_ROW_UNIT = "see unit"  # a figure in the unit its row's `unit` column names (as printed)


@dataclass(frozen=True)
class Column:
    """One declared column: name, Arrow type, description, unit, nullability, allowed values, an example."""

    name: str
    dtype: pa.DataType
    description: str
    unit: str | None = None  # None: not a quantity (NO_UNIT in the file's metadata)
    nullable: bool = True
    values: tuple[str, ...] | None = None  # the allowed values of a categorical column
    example: str | None = None  # a typical value, as text

    def field_metadata(self) -> dict[str, str]:
        """What the Parquet field carries about itself: description, unit, allowed values and an example."""
        meta = {"description": self.description, "unit": self.unit or NO_UNIT}
        if self.values is not None:
            meta["values"] = json.dumps(list(self.values), ensure_ascii=False)
        if self.example is not None:
            meta["example"] = self.example
        return meta


@dataclass(frozen=True)
class ForeignKey:
    """Columns of a dataset that name a row of another (or the same) dataset: they must resolve when both exist."""

    columns: tuple[str, ...]
    dataset: str
    dataset_columns: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """One declared dataset: its name, description, key, columns, the rows of others it refers to, its partitioning."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    partition_by: str | None = None  # the column a large dataset is partitioned by (datasets.write_table)

    @property
    def file_name(self) -> str:
        """The Parquet file's name."""
        return f"{self.name}.parquet"

    def arrow_schema(self) -> pa.Schema:
        """The declaration as an Arrow schema (what is written and read), each field carrying its metadata."""
        fields = [pa.field(c.name, c.dtype, nullable=c.nullable, metadata=c.field_metadata()) for c in self.columns]
        return pa.schema(fields, metadata=self.schema_metadata())

    def schema_metadata(self) -> dict[str, str]:
        """The file-level metadata that comes from the declaration (a write adds the run's: see datasets.write_table)."""
        return {
            "budgetml.dataset": self.name,
            "budgetml.description": self.description,
            "budgetml.primary_key": json.dumps(list(self.key)),
            "budgetml.schema_version": str(SCHEMA_VERSION),
        }

    def column(self, name: str) -> Column:
        """The declared column `name`."""
        return next(c for c in self.columns if c.name == name)


def cell_id(filing_id: str, table_index: int, row_index: int, column_index: int) -> str:
    """The cell_id of a printed cell (line_items, form_cells): its filing, table, row and column joined by ':'."""
    return f"{filing_id}:{table_index}:{row_index}:{column_index}"


# The Arrow types a declaration names (schema.toml `type`).
PERCENT = pa.decimal128(12, 4)
NAME_BY_YEAR = pa.struct([("year", pa.int16()), ("name", pa.string()), ("n_filings", pa.int32())])
DEVIATION = pa.struct(
    [("feature", pa.string()), ("value", pa.float64()), ("peer_median", pa.float64()), ("robust_z", pa.float64())]
)
STAGE_DURATION = pa.struct([("stage", pa.string()), ("duration_s", pa.float64())])
TYPES = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "yuan": YUAN,
    "percent": PERCENT,
    "bbox": BBOX,
    "timestamp": pa.timestamp("us", tz="UTC"),
    "list<string>": pa.list_(pa.string()),
    "list<int32>": pa.list_(pa.int32()),
    "list<bbox>": pa.list_(BBOX),
    "list<list<string>>": pa.list_(pa.list_(pa.string())),
    "list<name_by_year>": pa.list_(NAME_BY_YEAR),
    "list<deviation>": pa.list_(DEVIATION),
    "list<stage_duration>": pa.list_(STAGE_DURATION),
}

# The allowed values a declaration names (schema.toml `values`), for the modules that test or offer them.
QUALITIES = ("clean", "has_warnings", "has_errors", "partial", "failed")
STATUSES = ("ok", "partial", "failed")
CLAIM_SCOPES = ("department", "fiscal_grant", "general_budget", "gov_fund", "state_capital", "sangong")
REVIEW_STATUSES = ("confirmed", "dismissed", "needs-info")
VALUE_SETS = {
    "qualities": QUALITIES,
    "statuses": STATUSES,
    "claim_scopes": CLAIM_SCOPES,
    "review_statuses": REVIEW_STATUSES,
    "yoy_bases": YOY_BASES,
    "units": ("元", "万元", "亿元"),
}

_HEADLINE_NOTE = "Read from the tables (see configs/catalog.toml [[headline]]); null when the filing lacks the table."

# The headline figures of a filing (configs/catalog.toml [[headline]] names), each published twice in filings:
# `<name>_yuan` exactly and `<name>_wan` as a float for convenience.
HEADLINE_FIGURES = (
    (
        "total_income",
        "收入总计 / 合计 of the income tables; in a 决算, 本年收入合计 (this year's income, carry-overs apart)",
    ),
    ("total_expenditure", "支出合计 of the expenditure summary; in a 决算, 本年支出合计 (this year's spending)"),
    ("basic_expenditure", "基本支出 total"),
    ("project_expenditure", "项目支出 total"),
    ("personnel_expenditure", "人员经费 total of basic spending"),
    ("public_expenditure", "公用经费 total of basic spending"),
    ("sangong_total", "“三公”经费 total: budgeted in a 预算, actually spent (决算数) in a 决算"),
    # Figures only a 决算 prints (null for a budget).
    (
        "income_grand_total",
        "决算 only: 收入总计 of 收入支出决算总表 (本年收入合计 + 使用非财政拨款结余 + 年初结转和结余)",
    ),
    ("carryover_begin", "决算 only: 年初结转和结余 of 收入支出决算总表"),
    ("carryover_end", "决算 only: 年末结转和结余 of 收入支出决算总表"),
    ("fiscal_grant_total", "决算 only: 总计 of 财政拨款收入支出决算总表 (本年财政拨款收入 + 年初财政拨款结转和结余)"),
    ("general_budget_expenditure", "决算 only: 合计 of 一般公共预算财政拨款支出决算表"),
)


def _headline_columns(name: str, what: str) -> tuple[Column, Column]:
    return (
        Column(f"{name}_yuan", YUAN, f"{what}, exactly. {_HEADLINE_NOTE}", unit="元", example="33756700.0000"),
        Column(
            f"{name}_wan",
            pa.float64(),
            f"{what} in 万元 as a float, for convenience ({name}_yuan / 10,000; sum the _yuan column for exact totals).",
            unit="万元",
            example="3375.67",
        ),
    )


def _figure_columns(prefix: str, what: str) -> tuple[Column, ...]:
    """One figure of an execution item: exact in 元, in 万元 for convenience, and where it is printed."""
    return (
        Column(f"{prefix}_yuan", YUAN, f"{what}, exactly, in 元; null when not printed.", unit="元"),
        Column(f"{prefix}_wan", pa.float64(), f"{what} in 万元 as float, for convenience.", unit="万元"),
        Column(f"{prefix}_page", pa.int32(), f"Page {what} is printed on."),
        Column(
            f"{prefix}_bbox",
            BBOX,
            f"Box of {what} on its page ([x0, top, x1, bottom], PDF points); null for a narrative sentence.",
            unit="pt",
        ),
    )


def _feature_columns() -> tuple[Column, ...]:
    """One column per declared feature (budgetml/feature_declarations.py): its label, description and formula."""
    return tuple(
        Column(
            f.name,
            pa.int32() if f.is_integer else pa.float64(),
            f"{f.label}. {f.description} Formula: `{f.formula}`. {f.scale.describe() if f.is_scored else 'Enters the review priority, not the peer comparison.'}",
            unit=f.unit,
        )
        for f in FEATURE_DECLARATIONS
    )


# The groups of columns schema.toml places with `use`, besides its [shared] columns.
BUILT_COLUMNS = {
    "headline_figures": tuple(column for name, what in HEADLINE_FIGURES for column in _headline_columns(name, what)),
    "budget_figures": _figure_columns("budget", "the figure of the department's published 预算"),
    "printed_budget_figures": _figure_columns(
        "printed_budget", "the 年初预算 the 决算 prints (三公 table 预算数, or its narrative)"
    ),
    "final_figures": _figure_columns("final", "the 决算数 (what was spent)"),
    "features": _feature_columns(),
}


def _column(declared: dict) -> Column:
    """One column of schema.toml as a record."""
    values = declared.get("values")
    return Column(
        declared["name"],
        TYPES[declared["type"]],
        declared["description"],
        unit=declared.get("unit"),
        nullable=declared.get("nullable", True),
        values=VALUE_SETS[values] if isinstance(values, str) else None if values is None else tuple(values),
        example=declared.get("example"),
    )


def _foreign_key(declared: dict) -> ForeignKey:
    columns = tuple(declared["columns"])
    return ForeignKey(columns, declared["dataset"], tuple(declared.get("dataset_columns", columns)))


def _columns(entries: list[dict], groups: dict[str, tuple[Column, ...]]) -> tuple[Column, ...]:
    """A dataset's columns in order: each entry declared in place, or the columns of the group it `use`s."""
    return tuple(
        column for entry in entries for column in (groups[entry["use"]] if "use" in entry else (_column(entry),))
    )


def load_declarations(path: Path = SCHEMA_PATH) -> dict[str, Dataset]:
    """The datasets schema.toml declares, by name, in its order."""
    declared = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = {**{key: (_column(c),) for key, c in declared["shared"].items()}, **BUILT_COLUMNS}
    return {
        d["name"]: Dataset(
            name=d["name"],
            description=d["description"],
            key=tuple(d["key"]),
            columns=_columns(d["column"], groups),
            foreign_keys=tuple(_foreign_key(fk) for fk in d.get("foreign_keys", ())),
            partition_by=d.get("partition_by"),
        )
        for d in declared["dataset"]
    }


_DECLARED = load_declarations()
FILINGS = _DECLARED["filings"]
LINE_ITEMS = _DECLARED["line_items"]
NARRATIVE = _DECLARED["narrative"]
FORM_CELLS = _DECLARED["form_cells"]
TABLES = _DECLARED["tables"]
INPUTS = _DECLARED["inputs"]
RUNS = _DECLARED["runs"]
CLAIMS = _DECLARED["claims"]
CHECKS = _DECLARED["checks"]
BUDGET_EXECUTION = _DECLARED["budget_execution"]
FEATURES = _DECLARED["features"]
ANOMALIES = _DECLARED["anomalies"]
DEPARTMENTS = _DECLARED["departments"]
REGIONS = _DECLARED["regions"]

LEVELS = ("类", "款", "项")


def _code_dictionary(name: str, classification: str, digits: str) -> Dataset:
    code_key = ForeignKey(("parent_code",), name, ("code",))
    return Dataset(
        name=name,
        description=f"Every {classification} code printed in the line items of this run, with its level "
        f"({digits}), its parent and the names printed next to it, counted per year; built from line_items at "
        "each run (the tables configs/catalog.toml marks with this code_system). A parent never printed has "
        "a row of its own, without a name.",
        key=("code",),
        foreign_keys=(code_key,),
        columns=(
            Column("code", pa.string(), "The code as one digit string.", nullable=False, example="2010101"),
            Column("level", pa.string(), f"Level by length: {digits}.", nullable=False, values=LEVELS, example="项"),
            Column(
                "parent_code",
                pa.string(),
                "The code one level up (the code without its last two digits); null for a 类.",
                example="20101",
            ),
            Column(
                "name",
                pa.string(),
                "The name printed next to it most often (ties: the latest year, then the name); null for a parent never printed.",
                example="行政运行",
            ),
            Column(
                "names",
                pa.list_(NAME_BY_YEAR),
                "Every name printed next to the code (whitespace removed), by year, with the number of filings printing it.",
                nullable=False,
            ),
            Column("n_filings", pa.int32(), "Filings printing the code.", unit="count", nullable=False),
            Column("first_year", pa.int16(), "Earliest year it is printed in.", unit="year"),
            Column("last_year", pa.int16(), "Latest year it is printed in.", unit="year"),
            Column(
                "is_printed",
                pa.bool_(),
                "False for a parent code no filing prints (kept so that every parent_code resolves).",
                nullable=False,
            ),
        ),
    )


FUNCTION_CODES = _code_dictionary("function_codes", "expenditure function (支出功能分类)", "类 3 digits, 款 5, 项 7")
ECONOMIC_CODES = _code_dictionary("economic_codes", "expenditure economic (支出经济分类)", "类 3 digits, 款 5")

DATASETS = (
    FILINGS,
    LINE_ITEMS,
    NARRATIVE,
    FORM_CELLS,
    TABLES,
    DEPARTMENTS,
    REGIONS,
    FUNCTION_CODES,
    ECONOMIC_CODES,
    CLAIMS,
    CHECKS,
    BUDGET_EXECUTION,
    INPUTS,
    RUNS,
    FEATURES,
    ANOMALIES,
)

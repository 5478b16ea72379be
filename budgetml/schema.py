"""Every dataset column declared once, as data: type, unit, description. Used to write, check and document.

The features dataset's columns come from budgetml/feature_declarations.py (vocabulary, like this module).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyarrow as pa

from budgetml.feature_declarations import FEATURES as FEATURE_DECLARATIONS
from budgetml.feature_declarations import YOY_BASES

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


OF_FILING = ForeignKey(("filing_id",), "filings", ("filing_id",))
OF_TABLE = ForeignKey(("filing_id", "table_index"), "tables", ("filing_id", "table_index"))
OF_REGION = ForeignKey(("region_code",), "regions", ("region_code",))

FILING_ID = Column(
    "filing_id",
    pa.string(),
    "SHA-256 (hex) of the file's bytes: a changed file is a new filing, a renamed one is not.",
    nullable=False,
    example="217da8433b706c8b9f63a6faf586d6cd7ee7d60cd6ffa0428f97c9d7104437c1",
)
PAGE = Column("page", pa.int32(), "1-based page number in the PDF.", nullable=False, example="7")
TABLE_INDEX = Column(
    "table_index",
    pa.int32(),
    "0-based position of the table in the filing (tables continued over pages count once); the same numbering in line_items, form_cells and tables.",
    nullable=False,
    example="3",
)
TABLE_ID = Column(
    "table_id",
    pa.string(),
    "Canonical table id from the catalog, identified by content (title, header words, body labels); "
    "null when no catalog table matches clearly (the printed title is kept in table_title).",
    example="expenditure_summary",
)
TABLE_TITLE = Column(
    "table_title", pa.string(), "The table's title as printed.", nullable=False, example="2025年部门支出总表"
)
CELL_BBOX = Column(
    "bbox",
    BBOX,
    "Cell box on the page: [x0, top, x1, bottom], PDF points from the top-left corner.",
    unit="pt",
    nullable=False,
    example="[379.73, 315.6, 462.16, 333.6]",
)

CELL_ID = Column(
    "cell_id",
    pa.string(),
    "Stable key of the printed cell: filing_id, table_index, row_index and column_index joined by ':' (the same for "
    "reruns of the same parser version). checks.cell_ids cite it; line_items and form_cells never share one.",
    nullable=False,
    example="217da8433b706c8b9f63a6faf586d6cd7ee7d60cd6ffa0428f97c9d7104437c1:4:12:1",
)


def cell_id(filing_id: str, table_index: int, row_index: int, column_index: int) -> str:
    """The cell_id of a printed cell (line_items, form_cells): its filing, table, row and column joined by ':'."""
    return f"{filing_id}:{table_index}:{row_index}:{column_index}"


YEAR_OF_FILING = Column(
    "year",
    pa.int16(),
    "Budget year of the filing (filings.year), repeated here so the dataset can be partitioned by year "
    "(year=YYYY/ folders when a run holds many filings; see docs/datasets.md).",
    unit="year",
    example="2025",
)

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


QUALITIES = ("clean", "has_warnings", "has_errors", "partial", "failed")
STATUSES = ("ok", "partial", "failed")

FILINGS = Dataset(
    name="filings",
    description="One row per input file: parse status, quality, filing metadata, stable department and region keys, and headline figures.",
    key=("filing_id",),
    foreign_keys=(ForeignKey(("department_id",), "departments", ("department_id",)), OF_REGION),
    columns=(
        FILING_ID,
        Column(
            "source_path",
            pa.string(),
            "Path of the file as given to the parser.",
            nullable=False,
            example="data/sample/wuchang/2025/wuchang-tongjiju-2025.pdf",
        ),
        Column(
            "status",
            pa.string(),
            "ok: parsed fully; partial: some tables could not be converted (see error); failed: nothing usable.",
            nullable=False,
            values=STATUSES,
            example="ok",
        ),
        Column("error", pa.string(), "A clear message (Chinese, for reviewers) when status is not ok."),
        Column(
            "quality",
            pa.string(),
            "What a researcher may rely on: clean (parsed fully, no failed check of severity error or warning), "
            "has_warnings (failed warnings only), has_errors (at least one failed check of severity error), partial "
            "(status partial: some tables not read), failed (status failed); null when the checks have not run. "
            "Filter `quality = 'clean'` for figures that agree with themselves.",
            values=QUALITIES,
            example="clean",
        ),
        Column(
            "n_error_findings",
            pa.int32(),
            "Failed checks of severity error (checks.parquet: is_passed false); null when the checks have not run or the filing failed.",
            unit="count",
        ),
        Column(
            "doc_kind",
            pa.string(),
            "budget (预算) or final_account (决算), from the cover or titles.",
            values=("budget", "final_account"),
        ),
        Column("scope", pa.string(), "department (部门, consolidated) or unit (单位).", values=("department", "unit")),
        Column("region", pa.string(), "District as printed, e.g. 上海市普陀区, 武昌区.", example="武昌区"),
        Column(
            "region_code",
            pa.string(),
            "6-digit administrative division code (GB/T 2260) of the district (configs/regions.toml; regions.parquet); "
            "null when the printed district is not in that file.",
            example="420106",
        ),
        Column(
            "department",
            pa.string(),
            "Department name as printed on the cover or in 编制部门.",
            example="武昌区经济信息化和科技创新局（武昌区数据局）",
        ),
        Column(
            "department_id",
            pa.string(),
            "Stable key of the department across years, documents and renames (budgetml/identity.py: district and "
            "normalised name, former names mapped by configs/department_aliases.toml); departments.parquet describes it. "
            "Null when the filing names no department.",
            example="dept-5d0f2c1a9b7e3f40",
        ),
        Column(
            "parent_department",
            pa.string(),
            "For a unit budget (scope unit): the department the unit belongs to, when the cover prints it "
            "(预算主管部门：…); department is then the unit.",
        ),
        Column("year", pa.int16(), "Budget year of the filing (the year in its titles).", unit="year", example="2025"),
        Column("n_pages", pa.int32(), "Number of pages read.", unit="count", example="49"),
        Column("tables_found", pa.list_(pa.string()), "Canonical ids of the tables found, in document order."),
        *(column for name, what in HEADLINE_FIGURES for column in _headline_columns(name, what)),
        Column(
            "parser_version",
            pa.string(),
            "Version of the parser and its extraction engine that produced the rows (e.g. 4-pdfium); a new version"
            " or the other engine reparses everything.",
            nullable=False,
        ),
    ),
)

LINE_ITEMS = Dataset(
    name="line_items",
    description="One row per numeric cell of every table, traceable to its page and position.",
    key=("cell_id",),
    foreign_keys=(OF_FILING, OF_TABLE),
    partition_by="year",
    columns=(
        CELL_ID,
        FILING_ID,
        TABLE_INDEX,
        TABLE_ID,
        TABLE_TITLE,
        PAGE,
        Column(
            "row_index",
            pa.int32(),
            "0-based body row within the table (header rows excluded; stitched across pages).",
            nullable=False,
            example="12",
        ),
        Column(
            "row_label",
            pa.string(),
            "The row's label as printed (wrapped lines joined), e.g. 行政运行, 合计.",
            nullable=False,
            example="行政运行",
        ),
        Column(
            "row_label_squashed",
            pa.string(),
            "row_label as labels are matched (budgetml.normalise.squash: full-width forms folded, every space removed),"
            " computed once at parse time: 收 入 总 计 gives 收入总计.",
            nullable=False,
            example="收入总计",
        ),
        Column(
            "code",
            pa.string(),
            "Classification code as one digit string (204 06 01 and 2040601 both give 2040601); null when the row has none.",
            example="2010101",
        ),
        Column(
            "column_index", pa.int32(), "0-based column of the cell in the table grid.", nullable=False, example="1"
        ),
        Column(
            "column_name",
            pa.string(),
            "Canonical column name from the catalog (total, basic, personnel, …), else the printed header path.",
            nullable=False,
            example="total",
        ),
        Column(
            "column_header",
            pa.string(),
            "The printed header path above the cell, levels joined with '/'.",
            nullable=False,
            example="合计",
        ),
        Column(
            "amount_yuan",
            YUAN,
            "The exact amount in 元 (printed value × the unit of the table's own 单位 line).",
            unit="元",
            nullable=False,
            example="33756700.0000",
        ),
        Column(
            "amount_wan",
            pa.float64(),
            "The amount in 万元 as float, for convenience (sum amount_yuan for exact totals).",
            unit="万元",
            nullable=False,
            example="3375.67",
        ),
        Column(
            "unit",
            pa.string(),
            "The unit printed on the table's 单位 line.",
            nullable=False,
            values=("元", "万元", "亿元"),
        ),
        Column(
            "decimals",
            pa.int8(),
            "Decimal places printed in the cell: the precision rounding tolerances derive from.",
            nullable=False,
            example="2",
        ),
        Column("raw", pa.string(), "The cell text exactly as printed.", nullable=False, example="3,375.67"),
        CELL_BBOX,
        YEAR_OF_FILING,
    ),
)

NARRATIVE = Dataset(
    name="narrative",
    description="The narrative text (情况说明, 编制说明, 名词解释 …) per section and page.",
    key=("filing_id", "section_index"),
    foreign_keys=(OF_FILING,),
    columns=(
        FILING_ID,
        Column("section_index", pa.int32(), "0-based order of the chunk in the filing.", nullable=False),
        Column(
            "section", pa.string(), "The section heading as printed (empty before the first heading).", nullable=False
        ),
        PAGE,
        Column(
            "text",
            pa.string(),
            "The section's text on that page; wrapped lines joined, paragraphs separated by newlines.",
            nullable=False,
        ),
    ),
)

FORM_CELLS = Dataset(
    name="form_cells",
    description="Every cell of the form-like tables (performance targets 绩效目标表): label/value boxes kept as printed, for the checks and indicator features to read.",
    key=("cell_id",),
    foreign_keys=(OF_FILING, OF_TABLE),
    partition_by="year",
    columns=(
        CELL_ID,
        FILING_ID,
        TABLE_INDEX,
        Column(
            "table_id", pa.string(), "Canonical table id (performance_overall, performance_project).", nullable=False
        ),
        Column(
            "table_title",
            pa.string(),
            "The table's title as printed, e.g. 项目支出绩效目标表(网络建设运转维护经费).",
            nullable=False,
        ),
        Column(
            "unit",
            pa.string(),
            "The unit printed on the table's 单位 line; null when the form prints none.",
            values=("元", "万元", "亿元"),
        ),
        PAGE,
        Column(
            "row_index",
            pa.int32(),
            "0-based row of the cell within the table (all rows, header included, stitched across pages).",
            nullable=False,
        ),
        Column("column_index", pa.int32(), "0-based first column of the cell in the table grid.", nullable=False),
        Column("colspan", pa.int32(), "Number of grid columns the cell spans.", nullable=False),
        Column("text", pa.string(), "The cell text as printed (wrapped lines joined).", nullable=False),
        CELL_BBOX,
        YEAR_OF_FILING,
    ),
)

TABLES = Dataset(
    name="tables",
    description="One row per table found in a filing (continued pages stitched): what was printed around it.",
    key=("filing_id", "table_index"),
    foreign_keys=(OF_FILING,),
    columns=(
        FILING_ID,
        TABLE_INDEX,
        TABLE_ID,
        Column(
            "confidence",
            pa.float64(),
            "Match score (0–1) of the best catalog table, accepted or not (configs/catalog.toml [identify]).",
            unit="score",
            nullable=False,
        ),
        Column("candidate_id", pa.string(), "The best-scoring catalog table, even when not accepted as table_id."),
        Column("runner_up_id", pa.string(), "The second-best catalog table, when its score came close to the best."),
        Column("runner_up_confidence", pa.float64(), "Match score (0–1) of runner_up_id.", unit="score"),
        TABLE_TITLE,
        Column(
            "unit",
            pa.string(),
            "The table's unit (单位：…); null when none was found. A column may print its own (line_items.unit).",
            values=("元", "万元", "亿元"),
        ),
        Column(
            "unit_source",
            pa.string(),
            "Where the table's unit was printed: caption (around the title or in the first row), footer (below "
            "the table), document (a statement such as 以下表格金额单位均为万元).",
            values=("caption", "footer", "document"),
        ),
        Column("pages", pa.list_(pa.int32()), "1-based pages the table is printed on.", nullable=False),
        Column("n_rows", pa.int32(), "Number of body rows (header rows excluded).", nullable=False, unit="count"),
        Column(
            "n_amounts",
            pa.int32(),
            "Number of line items (numeric cells) the table produced.",
            nullable=False,
            unit="count",
        ),
        Column(
            "department_printed",
            pa.string(),
            "The organisation named on the table's caption (编制部门：…, 预算单位：…), spaces removed, when printed.",
        ),
        Column(
            "department_label",
            pa.string(),
            "The caption label department_printed was printed under: 编制部门, 编制单位, 预算单位, 部门, 单位名称 …",
        ),
        Column(
            "notes",
            pa.list_(pa.string()),
            "Notes printed with the table (注：…/备注：…), e.g. the explanation of an empty table.",
            nullable=False,
        ),
    ),
)

INPUTS = Dataset(
    name="inputs",
    description="One row per input file of the latest nightly run: its content hash, what changed since the run before, and how its rows were obtained. Written last by each run; the next run compares against it.",
    key=("source_path",),
    foreign_keys=(OF_FILING,),
    columns=(
        Column("source_path", pa.string(), "Absolute path of the input file.", nullable=False),
        FILING_ID,
        Column(
            "size_bytes",
            pa.int64(),
            "Size of the input file in bytes when it was last seen.",
            unit="byte",
            nullable=False,
        ),
        Column(
            "change",
            pa.string(),
            "Against the previous run: new (path not seen before), changed (same path, other content) or unchanged.",
            nullable=False,
            values=("new", "changed", "unchanged"),
        ),
        Column(
            "parse_outcome",
            pa.string(),
            "parsed: parsed in this run; reused: rows taken from the cache (same content and parser version); duplicate: same content as another input path, whose filing it shares.",
            nullable=False,
            values=("parsed", "reused", "duplicate"),
        ),
        Column("status", pa.string(), "The filing's status in filings.parquet.", nullable=False, values=STATUSES),
        Column(
            "failure_kind",
            pa.string(),
            "Why the file failed when the parser did not decide it: timeout (超时), memory (内存超限), crash (worker died), changed (modified while being read), unreadable.",
            values=("timeout", "memory", "crash", "changed", "unreadable"),
        ),
        Column(
            "parse_s", pa.float64(), "Wall-clock parse time in this run; null when not parsed in this run.", unit="s"
        ),
        Column("n_pages", pa.int32(), "Pages read when parsed in this run.", unit="count"),
        Column(
            "peak_rss_mb",
            pa.float64(),
            "Peak resident memory of the worker process that parsed the file (its maximum so far); null when not parsed in this run or the worker died.",
            unit="MB",
        ),
        Column(
            "parser_version", pa.string(), "Parser version (with its engine) in force for this run.", nullable=False
        ),
    ),
)

RUNS = Dataset(
    name="runs",
    description="One row per completed nightly run (appended): what changed, what was parsed or failed, and how long each stage took.",
    key=("run_id",),
    columns=(
        Column(
            "run_id", pa.string(), "The Prefect flow run id (a random UUID when run outside Prefect).", nullable=False
        ),
        Column("started_at", pa.timestamp("us", tz="UTC"), "When the run started.", nullable=False),
        Column("duration_s", pa.float64(), "Wall-clock time of the whole run.", unit="s", nullable=False),
        Column(
            "inputs",
            pa.list_(pa.string()),
            "Folders, files or glob patterns read (the command line's --input, else configs/sources.toml).",
            nullable=False,
        ),
        Column(
            "executor",
            pa.string(),
            "Where parsing ran: local worker processes, or the Dask scheduler's address.",
            nullable=False,
        ),
        Column(
            "n_workers",
            pa.int32(),
            "Parallel parse workers (local processes or Dask batches in flight).",
            unit="count",
            nullable=False,
        ),
        Column(
            "prefect_api_url",
            pa.string(),
            "The running Prefect server the run reported to (`make serve`'s, or PREFECT_API_URL's); null when the run "
            "started Prefect's temporary server.",
            example="http://127.0.0.1:4200/api",
        ),
        Column(
            "parser_version", pa.string(), "Parser version (with its engine) in force for this run.", nullable=False
        ),
        Column("n_files", pa.int32(), "Input files found.", nullable=False, unit="count"),
        Column("n_new", pa.int32(), "Files at a path the previous run did not have.", nullable=False, unit="count"),
        Column(
            "n_changed", pa.int32(), "Files whose content changed since the previous run.", nullable=False, unit="count"
        ),
        Column(
            "n_unchanged",
            pa.int32(),
            "Files with the same content as in the previous run.",
            nullable=False,
            unit="count",
        ),
        Column(
            "n_removed",
            pa.int32(),
            "Files of the previous run that are gone (their rows were dropped).",
            nullable=False,
            unit="count",
        ),
        Column(
            "n_duplicate",
            pa.int32(),
            "Files whose content is identical to another input file.",
            nullable=False,
            unit="count",
        ),
        Column(
            "n_parsed",
            pa.int32(),
            "Files parsed in this run (the others came from the cache).",
            nullable=False,
            unit="count",
        ),
        Column(
            "n_reused",
            pa.int32(),
            "Files whose rows were reused from the cache without parsing.",
            nullable=False,
            unit="count",
        ),
        Column("n_failed", pa.int32(), "Input files whose filing has status failed.", nullable=False, unit="count"),
        Column("n_pages_parsed", pa.int32(), "Pages parsed in this run.", nullable=False, unit="count"),
        Column(
            "stage_durations",
            pa.list_(pa.struct([("stage", pa.string()), ("duration_s", pa.float64())])),
            "Wall-clock time of each stage in order (discover, parse, write, then checks, features, scoring, report as they run), "
            "in seconds (duration_s).",
            nullable=False,
        ),
        Column(
            "n_findings",
            pa.int32(),
            "Failed consistency checks after this run; null when the checks stage did not run.",
            unit="count",
        ),
        Column(
            "n_findings_new",
            pa.int32(),
            "Of those, findings not present after the previous run; null when the checks stage did not run.",
            unit="count",
        ),
        Column(
            "n_flags",
            pa.int32(),
            "Filings flagged for review after this run; null when the scoring stage did not run.",
            unit="count",
        ),
        Column(
            "n_flags_new",
            pa.int32(),
            "Of those, flags not present after the previous run; null when the scoring stage did not run.",
            unit="count",
        ),
        Column(
            "report_path", pa.string(), "The HTML report written by this run; null when the report stage did not run."
        ),
        Column(
            "unknown_regions",
            pa.list_(pa.string()),
            "Districts printed by this run's filings that configs/regions.toml does not know (their region_code is null).",
        ),
    ),
)

PERCENT = pa.decimal128(12, 4)

CLAIM_SCOPES = ("department", "fiscal_grant", "general_budget", "gov_fund", "state_capital", "sangong")

CLAIMS = Dataset(
    name="claims",
    description="Amount statements parsed from the narrative (情况说明): what is stated, its change, percentage and share.",
    key=("filing_id", "claim_index"),
    foreign_keys=(OF_FILING,),
    columns=(
        FILING_ID,
        Column("claim_index", pa.int32(), "0-based order of the claim in the filing's narrative.", nullable=False),
        PAGE,
        Column("section", pa.string(), "The narrative section heading the claim is under.", nullable=False),
        Column(
            "heading_path",
            pa.string(),
            "The headings the claim sits under, outermost first, joined by ' / ' (五、一般公共预算支出安排情况 / "
            "（二）一般公共预算拨款结构情况); a lead-in paragraph (财政拨款支出主要内容如下：) counts as one.",
            nullable=False,
        ),
        Column(
            "claim_scope",
            pa.string(),
            "The scope (口径) the subject or, failing that, the innermost heading names: department (部门预算), "
            "fiscal_grant (财政拨款), general_budget (一般公共预算), gov_fund (政府性基金), state_capital "
            "(国有资本经营预算), sangong (三公); null when none does (the rules then try every scope).",
            values=CLAIM_SCOPES,
        ),
        Column("sentence", pa.string(), "The sentence as printed.", nullable=False),
        Column(
            "subject",
            pa.string(),
            "What the amount is of, as printed without year and filler (e.g. 部门收支总预算, 行政运行, 公务接待费).",
            nullable=False,
        ),
        Column(
            "code",
            pa.string(),
            "Function code when printed with the subject (Shanghai: 公共安全支出（204类）司法（06款）行政运行（01项） → 2040601).",
        ),
        Column(
            "item_names",
            pa.list_(pa.string()),
            "The (类, 款, 项) names when printed with the subject (Wuhan style).",
            nullable=False,
        ),
        Column(
            "amount",
            YUAN,
            "The stated amount, exactly as printed, in `unit`.",
            unit=PER_ROW_UNIT,
            nullable=False,
            example="1255.03",
        ),
        Column(
            "amount_yuan",
            YUAN,
            "The stated amount in 元 (amount × the unit).",
            unit="元",
            nullable=False,
            example="12550300.0000",
        ),
        Column(
            "unit", pa.string(), "The unit printed after the amount.", nullable=False, values=("元", "万元", "亿元")
        ),
        Column("compare_year", pa.int16(), "The year the amount is compared with (比2024年…).", unit="year"),
        Column("compare_basis", pa.string(), "What it is compared with: 预算, 预算执行数, 决算 …"),
        Column("delta", YUAN, "The stated change in `unit`, signed (减少 → negative); 0 for 持平.", unit=PER_ROW_UNIT),
        Column("delta_yuan", YUAN, "The stated change in 元 (delta × the unit).", unit="元"),
        Column("change_pct", PERCENT, "The stated change in percent, signed (下降 → negative).", unit="%"),
        Column("share_pct", PERCENT, "The stated share (占比 Z%).", unit="%"),
        Column(
            "prev_amount",
            YUAN,
            "The previous-year figure stated in the same paragraph (2025年当年预算执行数为…), in `unit`.",
            unit=PER_ROW_UNIT,
        ),
        Column("prev_amount_yuan", YUAN, "prev_amount in 元 (prev_amount × the unit).", unit="元"),
        Column(
            "initial_budget",
            YUAN,
            "决算 only: the 年初预算 stated with the amount (年初预算为A万元，支出决算为B万元: amount is B, this is A), "
            "in `unit`.",
            unit=PER_ROW_UNIT,
        ),
        Column("initial_budget_yuan", YUAN, "initial_budget in 元 (initial_budget × the unit).", unit="元"),
        Column(
            "completion_pct",
            PERCENT,
            "决算 only: the stated completion of the 年初预算 (完成年初预算的C%), as printed.",
            unit="%",
        ),
        Column(
            "budget_relation",
            pa.string(),
            "决算 only: what the text says of the amount against its 年初预算 (决算数小于/大于预算数, 持平).",
            values=("less", "more", "equal"),
        ),
        Column(
            "share_of",
            pa.string(),
            "决算 only: what share_pct is a share of: the total the sentence names (本年支出合计), else the subject of "
            "the amount the sentence opens with.",
        ),
    ),
)

CHECKS = Dataset(
    name="checks",
    description="One row per rule finding: which rule, passed or not (or could not run), expected vs actual, and where to look.",
    key=("filing_id", "rule_id", "finding_index"),
    foreign_keys=(OF_FILING,),
    columns=(
        FILING_ID,
        Column(
            "rule_id",
            pa.string(),
            "Stable id of the rule (configs/rules.toml; docs/rules.md).",
            nullable=False,
            example="perf.composition",
        ),
        Column(
            "finding_index",
            pa.int32(),
            "0-based order of the finding among the filing's findings of this rule.",
            nullable=False,
        ),
        Column("severity", pa.string(), "The rule's severity.", nullable=False, values=("error", "warning", "info")),
        Column(
            "is_passed",
            pa.bool_(),
            "True: consistent; False: a finding for review; null: the rule could not run (message says why).",
            example="false",
        ),
        Column("subject", pa.string(), "What was compared (a row, a total, a claim).", nullable=False),
        Column(
            "expected",
            pa.float64(),
            "The value the other figures imply, in `unit`.",
            unit=PER_ROW_UNIT,
            example="2244.51",
        ),
        Column("actual", pa.float64(), "The value printed, in `unit`.", unit=PER_ROW_UNIT, example="2225.92"),
        Column("diff", pa.float64(), "actual − expected, in `unit`.", unit=PER_ROW_UNIT, example="-18.59"),
        Column(
            "tolerance",
            pa.float64(),
            "The largest difference rounding of the printed figures can explain, in `unit`.",
            unit=PER_ROW_UNIT,
        ),
        Column(
            "unit",
            pa.string(),
            "Unit of expected/actual/diff/tolerance: 元, 万元 or 亿元 (amounts: the _yuan columns hold them exactly), "
            "% (percentages), 年 (years); empty for rules that compare no figure.",
            nullable=False,
            values=("元", "万元", "亿元", "%", "年", ""),
        ),
        Column(
            "expected_yuan",
            YUAN,
            "expected in 元, exactly, when the rule compares amounts (unit 元, 万元 or 亿元); else null.",
            unit="元",
            example="22445100.0000",
        ),
        Column(
            "actual_yuan",
            YUAN,
            "actual in 元, exactly, when the rule compares amounts; else null.",
            unit="元",
            example="22259200.0000",
        ),
        Column(
            "diff_yuan",
            YUAN,
            "actual_yuan − expected_yuan, exactly; null unless both exist.",
            unit="元",
            example="-185900.0000",
        ),
        Column(
            "tolerance_yuan", YUAN, "tolerance in 元, exactly, when the rule compares amounts; else null.", unit="元"
        ),
        Column(
            "message",
            pa.string(),
            "One sentence in Chinese naming the numbers, for reviewers.",
            nullable=False,
            example="整体绩效目标表：支出构成合计（前年金额） 填列 2225.92 万元，各项 1803.43 + 109.08 + 332 = 2244.51 万元，相差 -18.59 万元",
        ),
        Column(
            "pages",
            pa.list_(pa.int32()),
            "Pages of the figures involved, in the order the message names them.",
            nullable=False,
        ),
        Column(
            "bboxes",
            pa.list_(BBOX),
            "Boxes of the figures involved (same order as pages); null where only the page is known (narrative).",
            nullable=False,
        ),
        Column(
            "cell_ids",
            pa.list_(pa.string()),
            "The cells of the figures involved (same order as pages): line_items.cell_id or form_cells.cell_id; "
            "null where the figure is not a table cell (a narrative sentence, a whole table).",
            nullable=False,
            example='["217da8433b706c8b9f63a6faf586d6cd7ee7d60cd6ffa0428f97c9d7104437c1:11:11:4", "217da8433b706c8b9f63a6faf586d6cd7ee7d60cd6ffa0428f97c9d7104437c1:11:8:5"]',
        ),
        Column(
            "finding_id",
            pa.string(),
            "The finding's id within its filing: rule_id:finding_index (caused_by_id refers to it).",
            nullable=False,
        ),
        Column(
            "caused_by_id",
            pa.string(),
            "For a failed finding that follows from an earlier one (it shares a printed figure with it: one wrong "
            "cell breaks a row sum, a column sum and a cross-table total): the finding_id of the first; null for "
            "the first and for findings that stand alone.",
        ),
        Column(
            "matched_scope",
            pa.string(),
            "For a narrative finding: the scope (口径) its figure was compared within (claims.claim_scope), or, when "
            "the claim's scope could not be decided, the scope whose figure it agreed with; null otherwise.",
            values=CLAIM_SCOPES,
        ),
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


BUDGET_EXECUTION = Dataset(
    name="budget_execution",
    description="One row per 决算 and execution item (a headline figure or a function code of the general-budget tables): "
    "the figure the department's own 预算 of the year published, the 年初预算 the 决算 prints, the 决算数 and the execution rate. "
    "The 预算 is linked by budgetml/identity.py (department key, configs/department_aliases.toml); written by the checks stage "
    "(budgetml/checks/execution.py).",
    key=("filing_id", "item", "code"),
    foreign_keys=(
        OF_FILING,
        ForeignKey(("budget_filing_id",), "filings", ("filing_id",)),
        ForeignKey(("department_id",), "departments", ("department_id",)),
    ),
    columns=(
        FILING_ID,
        Column(
            "budget_filing_id",
            pa.string(),
            "filing_id of the same department's 预算 of the same year; null when the dataset has none.",
        ),
        Column("region", pa.string(), "District as printed (filings.region)."),
        Column("department", pa.string(), "Department name as printed (filings.department)."),
        Column(
            "department_id",
            pa.string(),
            "Stable key of the department (filings.department_id): the 决算 and its 预算 share it.",
        ),
        Column("year", pa.int16(), "The year of the 决算 and of the linked 预算.", unit="year"),
        Column(
            "item",
            pa.string(),
            "What is compared: a headline figure, or function (one function code of 一般公共预算财政拨款支出).",
            nullable=False,
            values=(
                "total_expenditure",
                "basic_expenditure",
                "project_expenditure",
                "general_budget_expenditure",
                "sangong_total",
                "overseas",
                "vehicle_total",
                "reception",
                "function",
            ),
        ),
        Column("code", pa.string(), "The function code (类 3, 款 5, 项 7 digits) for item function; null otherwise."),
        Column("item_name", pa.string(), "The item in Chinese (支出合计, 行政运行 …).", nullable=False),
        *_figure_columns("budget", "the figure of the department's published 预算"),
        *_figure_columns("printed_budget", "the 年初预算 the 决算 prints (三公 table 预算数, or its narrative)"),
        *_figure_columns("final", "the 决算数 (what was spent)"),
        Column(
            "execution_rate_pct",
            pa.float64(),
            "100 × final / (printed_budget, else budget); null without both or with a zero budget.",
            unit="%",
        ),
        Column(
            "rate_basis",
            pa.string(),
            "What the rate divides by: printed (the 决算's own 年初预算) or published (the 预算 filing).",
            values=("printed", "published"),
        ),
        Column(
            "is_printed_budget_consistent",
            pa.bool_(),
            "Whether the 年初预算 the 决算 prints equals the published 预算 within rounding (rule final.initial_budget_matches); "
            "null without both.",
        ),
    ),
)

REVIEW_STATUSES = ("confirmed", "dismissed", "needs-info")

FEATURES = Dataset(
    name="features",
    description="One row per ok/partial filing: the figures that make departments comparable (shares, ratios, year-over-year change, performance indicators, size, failed checks). Each feature is declared in budgetml/feature_declarations.py and computed by budgetml/features.py.",
    key=("filing_id",),
    foreign_keys=(OF_FILING,),
    columns=(
        FILING_ID,
        Column("region", pa.string(), "District as printed (filings.region)."),
        Column("department", pa.string(), "Department name as printed (filings.department)."),
        Column(
            "department_type",
            pa.string(),
            "Peer type from the department's normalised name (configs/department_types.toml); 其他 when no keyword matches.",
            nullable=False,
        ),
        Column(
            "doc_kind",
            pa.string(),
            "budget or final_account (filings.doc_kind; budget when not known): a filing is compared with peers of its kind.",
            nullable=False,
            values=("budget", "final_account"),
        ),
        Column("year", pa.int16(), "Budget year of the filing (filings.year)."),
        Column(
            "prev_filing_id",
            pa.string(),
            "The same department's filing of the previous year in the dataset (normalised name within region, not the file name); null when absent.",
        ),
        Column(
            "yoy_basis",
            pa.string(),
            "Where the year-over-year changes' previous figures came from: the previous filing, the narrative's stated figures, or both; null when no change could be computed.",
            values=YOY_BASES,
        ),
        *(
            Column(
                f.name,
                pa.int32() if f.is_integer else pa.float64(),
                f"{f.label}. {f.description} Formula: `{f.formula}`. {f.scale.describe() if f.is_scored else 'Enters the review priority, not the peer comparison.'}",
                unit=f.unit,
            )
            for f in FEATURE_DECLARATIONS
        ),
    ),
)

DEVIATION = pa.struct(
    [("feature", pa.string()), ("value", pa.float64()), ("peer_median", pa.float64()), ("robust_z", pa.float64())]
)

ANOMALIES = Dataset(
    name="anomalies",
    description="One row per scored filing: how unusual it is among its peers (isolation forest), its failed checks, the combined review priority, whether it is flagged for review and why (budgetml/detect.py, configs/scoring.toml).",
    key=("filing_id",),
    foreign_keys=(ForeignKey(("filing_id",), "features", ("filing_id",)),),
    columns=(
        FILING_ID,
        Column("region", pa.string(), "District as printed (filings.region)."),
        Column("department", pa.string(), "Department name as printed (filings.department)."),
        Column("year", pa.int16(), "Budget year of the filing (filings.year)."),
        Column(
            "peer_group",
            pa.string(),
            "The filings it was compared with: the same year and department type (2025年 教育), else the type over all years (教育（2023–2025年）), else the whole year (2025年 全部), the first with enough filings (configs/scoring.toml [peer_groups]).",
            nullable=False,
        ),
        Column(
            "n_peer_group",
            pa.int32(),
            "Number of filings in the peer group, this one included.",
            unit="count",
            nullable=False,
        ),
        Column(
            "score",
            pa.float64(),
            "Isolation-forest outlier score in (0, 1] over the peer-scaled features: higher is more anomalous (about 0.5 is ordinary).",
            unit="score",
            nullable=False,
        ),
        Column(
            "n_errors",
            pa.int32(),
            "Failed consistency checks of severity error (features.n_failed_errors; 0 when checks did not run).",
            nullable=False,
            unit="count",
        ),
        Column(
            "n_warnings",
            pa.int32(),
            "Failed consistency checks of severity warning (features.n_failed_warnings; 0 when checks did not run).",
            nullable=False,
            unit="count",
        ),
        Column(
            "priority",
            pa.float64(),
            "Review priority: score plus the configured weights of failed checks (configs/scoring.toml [priority]).",
            unit="score",
            nullable=False,
        ),
        Column(
            "rank", pa.int32(), "1-based rank by priority (ties by filing_id): 1 is reviewed first.", nullable=False
        ),
        Column(
            "is_flagged",
            pa.bool_(),
            "Within the review budget (configs/scoring.toml [review_budget]), counting filings in rank order and skipping those dismissed for this exact file.",
            nullable=False,
        ),
        Column(
            "is_new_flag",
            pa.bool_(),
            "Flagged now but not flagged by the previous scoring of this output folder (all flags are new on the first run).",
            nullable=False,
        ),
        Column(
            "review_status",
            pa.string(),
            "The latest filing-level review decision for this exact file when it was scored; null when none.",
            values=REVIEW_STATUSES,
        ),
        Column(
            "reasons",
            pa.list_(pa.string()),
            "Why it stands out, in Chinese naming the numbers (三公经费占支出合计比例 0.9%，为同类部门中位数 0.1% 的 9 倍): one reason per topic (三公经费, 人员和公用经费, 项目支出, 支出总量, 绩效目标), most deviating first, then failed checks.",
            nullable=False,
        ),
        Column(
            "reason_features",
            pa.list_(pa.list_(pa.string())),
            "Per reason (same order), the features it names (features.parquet column names), the topic's headline feature first.",
            nullable=False,
        ),
        Column(
            "deviations",
            pa.list_(DEVIATION),
            "The features that set it apart most: value, peer-group median and robust z-score ((value − median) / (MAD / 0.6745), the larger of the peer group's and the year's pooled MAD, with the feature's floor), largest |z| first.",
            nullable=False,
        ),
    ),
)

NAME_BY_YEAR = pa.struct([("year", pa.int16()), ("name", pa.string()), ("n_filings", pa.int32())])

DEPARTMENTS = Dataset(
    name="departments",
    description="One row per department identity (filings.department_id): stable across years, documents and renames; "
    "its current name, its names as printed by year, district and peer type. Built from filings at each run.",
    key=("department_id",),
    foreign_keys=(OF_REGION,),
    columns=(
        Column(
            "department_id",
            pa.string(),
            "Stable key of the department (budgetml/identity.py; filings.department_id).",
            nullable=False,
            example="dept-5d0f2c1a9b7e3f40",
        ),
        Column(
            "name",
            pa.string(),
            "The department's name in its latest year, as printed (the ok filing before a partial one, then the smallest filing_id).",
            nullable=False,
            example="武昌区经济信息化和科技创新局（武昌区数据局）",
        ),
        Column("region", pa.string(), "District as printed in that filing.", example="武昌区"),
        Column(
            "region_code", pa.string(), "6-digit GB/T 2260 code of the district; null when unknown.", example="420106"
        ),
        Column(
            "department_type",
            pa.string(),
            "Peer type from the department's normalised current name (configs/department_types.toml); 其他 when no keyword matches.",
            nullable=False,
            example="教育",
        ),
        Column("first_year", pa.int16(), "Earliest budget year among its filings.", unit="year"),
        Column("last_year", pa.int16(), "Latest budget year among its filings.", unit="year"),
        Column(
            "n_filings", pa.int32(), "Filings of the department (failed ones included).", unit="count", nullable=False
        ),
        Column(
            "names",
            pa.list_(NAME_BY_YEAR),
            "Every name printed for it, by year, with the number of filings printing it (a renamed department "
            "shows its former names; configs/department_aliases.toml).",
            nullable=False,
        ),
    ),
)

REGIONS = Dataset(
    name="regions",
    description="One row per district the project knows (configs/regions.toml), with its administrative division code (GB/T 2260) and how the filings print it.",
    key=("region_code",),
    columns=(
        Column(
            "region_code",
            pa.string(),
            "6-digit administrative division code (GB/T 2260).",
            nullable=False,
            example="420106",
        ),
        Column("name", pa.string(), "Full name, city included.", nullable=False, example="武汉市武昌区"),
        Column("province", pa.string(), "Province-level division.", nullable=False, example="湖北省"),
        Column("city", pa.string(), "The city the district belongs to.", nullable=False, example="武汉市"),
        Column(
            "printed_names",
            pa.list_(pa.string()),
            "The district as this run's filings print it (filings.region), most filings first.",
            nullable=False,
        ),
        Column("n_filings", pa.int32(), "Filings of this run in the district.", unit="count", nullable=False),
        Column(
            "n_departments", pa.int32(), "Departments (department_id) in the district.", unit="count", nullable=False
        ),
    ),
)

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

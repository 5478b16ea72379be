"""Every dataset column declared once, as data: type, unit, description. Used to write, check and document.

The features dataset's columns come from budgetml/feature_declarations.py (vocabulary, like this module).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from budgetml.feature_declarations import FEATURES as FEATURE_DECLARATIONS
from budgetml.feature_declarations import YOY_BASES

# Money in yuan, exactly: 24 digits with 4 decimals holds any budget printed to 0.01 of 万元 or 元.
YUAN = pa.decimal128(24, 4)
BBOX = pa.list_(pa.float64(), 4)


@dataclass(frozen=True)
class Column:
    """One declared column: name, Arrow type, description, unit, nullability, allowed values."""

    name: str
    dtype: pa.DataType
    description: str
    unit: str | None = None
    nullable: bool = True
    values: tuple[str, ...] | None = None  # the allowed values of a categorical column


@dataclass(frozen=True)
class Dataset:
    """One declared dataset: its name, description, key and columns."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def file_name(self) -> str:
        """The Parquet file's name."""
        return f"{self.name}.parquet"

    def arrow_schema(self) -> pa.Schema:
        """The declaration as an Arrow schema (what is written and read)."""
        return pa.schema([pa.field(c.name, c.dtype, nullable=c.nullable) for c in self.columns])


FILING_ID = Column(
    "filing_id",
    pa.string(),
    "SHA-256 (hex) of the file's bytes: a changed file is a new filing, a renamed one is not.",
    nullable=False,
)
PAGE = Column("page", pa.int32(), "1-based page number in the PDF.", nullable=False)
TABLE_INDEX = Column(
    "table_index",
    pa.int32(),
    "0-based position of the table in the filing (tables continued over pages count once); the same numbering in line_items, form_cells and tables.",
    nullable=False,
)
TABLE_ID = Column(
    "table_id",
    pa.string(),
    "Canonical table id from the catalog, identified by content (title, header words, body labels); "
    "null when no catalog table matches clearly (the printed title is kept in table_title).",
)
TABLE_TITLE = Column("table_title", pa.string(), "The table's title as printed.", nullable=False)
CELL_BBOX = Column(
    "bbox",
    BBOX,
    "Cell box on the page: [x0, top, x1, bottom], PDF points from the top-left corner.",
    unit="pt",
    nullable=False,
)

_HEADLINE_NOTE = "Read from the tables (see configs/catalog.toml [[headline]]); null when the filing lacks the table."

FILINGS = Dataset(
    name="filings",
    description="One row per input file: parse status, filing metadata and headline figures.",
    key=("filing_id",),
    columns=(
        FILING_ID,
        Column("source_path", pa.string(), "Path of the file as given to the parser.", nullable=False),
        Column(
            "status",
            pa.string(),
            "ok: parsed fully; partial: some tables could not be converted (see error); failed: nothing usable.",
            nullable=False,
            values=("ok", "partial", "failed"),
        ),
        Column("error", pa.string(), "A clear message (Chinese, for reviewers) when status is not ok."),
        Column(
            "doc_kind",
            pa.string(),
            "budget (预算) or final_account (决算), from the cover or titles.",
            values=("budget", "final_account"),
        ),
        Column("scope", pa.string(), "department (部门, consolidated) or unit (单位).", values=("department", "unit")),
        Column("region", pa.string(), "District as printed, e.g. 上海市普陀区, 武昌区."),
        Column("department", pa.string(), "Department name as printed on the cover or in 编制部门."),
        Column(
            "parent_department",
            pa.string(),
            "For a unit budget (scope unit): the department the unit belongs to, when the cover prints it "
            "(预算主管部门：…); department is then the unit.",
        ),
        Column("year", pa.int16(), "Budget year of the filing (the year in its titles)."),
        Column("n_pages", pa.int32(), "Number of pages read."),
        Column("tables_found", pa.list_(pa.string()), "Canonical ids of the tables found, in document order."),
        Column(
            "total_income",
            pa.float64(),
            f"收入总计 / 合计 of the income tables; in a 决算, 本年收入合计 (this year's income, carry-overs apart). {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "total_expenditure",
            pa.float64(),
            f"支出合计 of the expenditure summary; in a 决算, 本年支出合计 (this year's spending). {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column("basic_expenditure", pa.float64(), f"基本支出 total. {_HEADLINE_NOTE}", unit="万元"),
        Column("project_expenditure", pa.float64(), f"项目支出 total. {_HEADLINE_NOTE}", unit="万元"),
        Column(
            "personnel_expenditure", pa.float64(), f"人员经费 total of basic spending. {_HEADLINE_NOTE}", unit="万元"
        ),
        Column("public_expenditure", pa.float64(), f"公用经费 total of basic spending. {_HEADLINE_NOTE}", unit="万元"),
        Column(
            "sangong_total",
            pa.float64(),
            f"“三公”经费 total: budgeted in a 预算, actually spent (决算数) in a 决算. {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "income_grand_total_wan",
            pa.float64(),
            f"决算 only: 收入总计 of 收入支出决算总表 (本年收入合计 + 使用非财政拨款结余 + 年初结转和结余). {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "carryover_begin_wan",
            pa.float64(),
            f"决算 only: 年初结转和结余 of 收入支出决算总表. {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "carryover_end_wan",
            pa.float64(),
            f"决算 only: 年末结转和结余 of 收入支出决算总表. {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "fiscal_grant_total_wan",
            pa.float64(),
            f"决算 only: 总计 of 财政拨款收入支出决算总表 (本年财政拨款收入 + 年初财政拨款结转和结余). {_HEADLINE_NOTE}",
            unit="万元",
        ),
        Column(
            "general_budget_expenditure_wan",
            pa.float64(),
            f"决算 only: 合计 of 一般公共预算财政拨款支出决算表. {_HEADLINE_NOTE}",
            unit="万元",
        ),
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
    key=("filing_id", "table_index", "row_index", "column_index"),
    columns=(
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
        ),
        Column(
            "row_label",
            pa.string(),
            "The row's label as printed (wrapped lines joined), e.g. 行政运行, 合计.",
            nullable=False,
        ),
        Column(
            "code",
            pa.string(),
            "Classification code as one digit string (204 06 01 and 2040601 both give 2040601); null when the row has none.",
        ),
        Column("column_index", pa.int32(), "0-based column of the cell in the table grid.", nullable=False),
        Column(
            "column",
            pa.string(),
            "Canonical column name from the catalog (total, basic, personnel, …), else the printed header path.",
            nullable=False,
        ),
        Column(
            "column_header",
            pa.string(),
            "The printed header path above the cell, levels joined with '/'.",
            nullable=False,
        ),
        Column(
            "value_wan",
            pa.float64(),
            "The amount in 万元 as float, for convenience (sum amount_yuan for exact totals).",
            unit="万元",
            nullable=False,
        ),
        Column(
            "amount_yuan",
            YUAN,
            "The exact amount in 元 (printed value × the unit of the table's own 单位 line).",
            unit="元",
            nullable=False,
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
        ),
        Column("raw", pa.string(), "The cell text exactly as printed.", nullable=False),
        CELL_BBOX,
    ),
)

NARRATIVE = Dataset(
    name="narrative",
    description="The narrative text (情况说明, 编制说明, 名词解释 …) per section and page.",
    key=("filing_id", "section_index"),
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
    key=("filing_id", "table_index", "row_index", "column_index"),
    columns=(
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
    ),
)

TABLES = Dataset(
    name="tables",
    description="One row per table found in a filing (continued pages stitched): what was printed around it.",
    key=("filing_id", "table_index"),
    columns=(
        FILING_ID,
        TABLE_INDEX,
        TABLE_ID,
        Column(
            "confidence",
            pa.float64(),
            "Match score (0–1) of the best catalog table, accepted or not (configs/catalog.toml [identify]).",
            nullable=False,
        ),
        Column("candidate_id", pa.string(), "The best-scoring catalog table, even when not accepted as table_id."),
        Column("runner_up_id", pa.string(), "The second-best catalog table, when its score came close to the best."),
        Column("runner_up_confidence", pa.float64(), "Match score of runner_up_id."),
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
        Column("n_rows", pa.int32(), "Number of body rows (header rows excluded).", nullable=False),
        Column("n_amounts", pa.int32(), "Number of line items (numeric cells) the table produced.", nullable=False),
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

_STATUS_VALUES = ("ok", "partial", "failed")

INPUTS = Dataset(
    name="inputs",
    description="One row per input file of the latest nightly run: its content hash, what changed since the run before, and how its rows were obtained. Written last by each run; the next run compares against it.",
    key=("source_path",),
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
        Column("status", pa.string(), "The filing's status in filings.parquet.", nullable=False, values=_STATUS_VALUES),
        Column(
            "failure_kind",
            pa.string(),
            "Why the file failed when the parser did not decide it: timeout (超时), memory (内存超限), crash (worker died), changed (modified while being read), unreadable.",
            values=("timeout", "memory", "crash", "changed", "unreadable"),
        ),
        Column(
            "parse_s", pa.float64(), "Wall-clock parse time in this run; null when not parsed in this run.", unit="s"
        ),
        Column("n_pages", pa.int32(), "Pages read when parsed in this run."),
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
            "workers", pa.int32(), "Parallel parse workers (local processes or Dask batches in flight).", nullable=False
        ),
        Column(
            "parser_version", pa.string(), "Parser version (with its engine) in force for this run.", nullable=False
        ),
        Column("n_files", pa.int32(), "Input files found.", nullable=False),
        Column("n_new", pa.int32(), "Files at a path the previous run did not have.", nullable=False),
        Column("n_changed", pa.int32(), "Files whose content changed since the previous run.", nullable=False),
        Column("n_unchanged", pa.int32(), "Files with the same content as in the previous run.", nullable=False),
        Column(
            "n_removed",
            pa.int32(),
            "Files of the previous run that are gone (their rows were dropped).",
            nullable=False,
        ),
        Column("n_duplicate", pa.int32(), "Files whose content is identical to another input file.", nullable=False),
        Column("n_parsed", pa.int32(), "Files parsed in this run (the others came from the cache).", nullable=False),
        Column("n_reused", pa.int32(), "Files whose rows were reused from the cache without parsing.", nullable=False),
        Column("n_failed", pa.int32(), "Input files whose filing has status failed.", nullable=False),
        Column("n_pages_parsed", pa.int32(), "Pages parsed in this run.", nullable=False),
        Column(
            "stage_durations",
            pa.list_(pa.struct([("stage", pa.string()), ("duration_s", pa.float64())])),
            "Wall-clock time of each stage in order (discover, parse, write, then checks, features, scoring, report as they run).",
            unit="s",
            nullable=False,
        ),
        Column(
            "n_findings",
            pa.int32(),
            "Failed consistency checks after this run; null when the checks stage did not run.",
        ),
        Column(
            "n_findings_new",
            pa.int32(),
            "Of those, findings not present after the previous run; null when the checks stage did not run.",
        ),
        Column(
            "n_flags", pa.int32(), "Filings flagged for review after this run; null when the scoring stage did not run."
        ),
        Column(
            "n_flags_new",
            pa.int32(),
            "Of those, flags not present after the previous run; null when the scoring stage did not run.",
        ),
        Column(
            "report_path", pa.string(), "The HTML report written by this run; null when the report stage did not run."
        ),
    ),
)

PERCENT = pa.decimal128(12, 4)

CLAIM_SCOPES = ("department", "fiscal_grant", "general_budget", "gov_fund", "state_capital", "sangong")

CLAIMS = Dataset(
    name="claims",
    description="Amount statements parsed from the narrative (情况说明): what is stated, its change, percentage and share.",
    key=("filing_id", "claim_index"),
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
        Column("amount", YUAN, "The stated amount, exactly as printed, in `unit`.", nullable=False),
        Column(
            "unit", pa.string(), "The unit printed after the amount.", nullable=False, values=("元", "万元", "亿元")
        ),
        Column("compare_year", pa.int16(), "The year the amount is compared with (比2024年…)."),
        Column("compare_basis", pa.string(), "What it is compared with: 预算, 预算执行数, 决算 …"),
        Column("delta", YUAN, "The stated change in `unit`, signed (减少 → negative); 0 for 持平."),
        Column("percent", PERCENT, "The stated change in percent, signed (下降 → negative).", unit="%"),
        Column("share_pct", PERCENT, "The stated share (占比 Z%).", unit="%"),
        Column(
            "prev_amount",
            YUAN,
            "The previous-year figure stated in the same paragraph (2025年当年预算执行数为…), in `unit`.",
        ),
        Column(
            "initial_budget_amount",
            YUAN,
            "决算 only: the 年初预算 stated with the amount (年初预算为A万元，支出决算为B万元: amount is B, this is A), in `unit`.",
        ),
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
            "决算 only: what share_pct is a share of: the total the sentence names (本年支出合计), else the subject of the amount the sentence opens with.",
        ),
    ),
)

CHECKS = Dataset(
    name="checks",
    description="One row per rule finding: which rule, passed or not (or could not run), expected vs actual, and where to look.",
    key=("filing_id", "rule_id", "finding_index"),
    columns=(
        FILING_ID,
        Column("rule_id", pa.string(), "Stable id of the rule (configs/rules.toml; docs/rules.md).", nullable=False),
        Column(
            "finding_index",
            pa.int32(),
            "0-based order of the finding among the filing's findings of this rule.",
            nullable=False,
        ),
        Column("severity", pa.string(), "The rule's severity.", nullable=False, values=("error", "warning", "info")),
        Column(
            "passed",
            pa.bool_(),
            "True: consistent; False: a finding for review; null: the rule could not run (message says why).",
        ),
        Column("subject", pa.string(), "What was compared (a row, a total, a claim).", nullable=False),
        Column("expected", pa.float64(), "The value the other figures imply, in `unit`."),
        Column("actual", pa.float64(), "The value printed, in `unit`."),
        Column("diff", pa.float64(), "actual − expected, in `unit`."),
        Column(
            "tolerance", pa.float64(), "The largest difference rounding of the printed figures can explain, in `unit`."
        ),
        Column(
            "unit",
            pa.string(),
            "Unit of expected/actual/diff/tolerance: 万元, 元, %, 年 (empty for text rules).",
            nullable=False,
        ),
        Column("message", pa.string(), "One sentence in Chinese naming the numbers, for reviewers.", nullable=False),
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
    columns=(
        FILING_ID,
        Column(
            "budget_filing_id",
            pa.string(),
            "filing_id of the same department's 预算 of the same year; null when the dataset has none.",
        ),
        Column("region", pa.string(), "District as printed (filings.region)."),
        Column("department", pa.string(), "Department name as printed (filings.department)."),
        Column("year", pa.int16(), "The year of the 决算 and of the linked 预算."),
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
            "peer_group_size", pa.int32(), "Number of filings in the peer group, this one included.", nullable=False
        ),
        Column(
            "score",
            pa.float64(),
            "Isolation-forest outlier score in (0, 1] over the peer-scaled features: higher is more anomalous (about 0.5 is ordinary).",
            nullable=False,
        ),
        Column(
            "n_errors",
            pa.int32(),
            "Failed consistency checks of severity error (features.n_failed_errors; 0 when checks did not run).",
            nullable=False,
        ),
        Column(
            "n_warnings",
            pa.int32(),
            "Failed consistency checks of severity warning (features.n_failed_warnings; 0 when checks did not run).",
            nullable=False,
        ),
        Column(
            "priority",
            pa.float64(),
            "Review priority: score plus the configured weights of failed checks (configs/scoring.toml [priority]).",
            nullable=False,
        ),
        Column(
            "rank", pa.int32(), "1-based rank by priority (ties by filing_id): 1 is reviewed first.", nullable=False
        ),
        Column(
            "flagged",
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
            "The features that set it apart most: value, peer-group median and robust z-score ((value − median) / (IQR / 1.349), with the feature's floor), largest |z| first.",
            nullable=False,
        ),
    ),
)

DATASETS = (
    FILINGS,
    LINE_ITEMS,
    NARRATIVE,
    FORM_CELLS,
    TABLES,
    CLAIMS,
    CHECKS,
    BUDGET_EXECUTION,
    INPUTS,
    RUNS,
    FEATURES,
    ANOMALIES,
)

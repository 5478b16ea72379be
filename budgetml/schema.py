"""Every dataset column declared once, as data: type, unit, description. Used to write, check and document."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Money in yuan, exactly: 24 digits with 4 decimals holds any budget printed to 0.01 of 万元 or 元.
YUAN = pa.decimal128(24, 4)
BBOX = pa.list_(pa.float64(), 4)


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pa.DataType
    description: str
    unit: str | None = None
    nullable: bool = True
    values: tuple[str, ...] | None = None  # the allowed values of a categorical column


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.dtype, nullable=c.nullable) for c in self.columns])


FILING_ID = Column("filing_id", pa.string(), "SHA-256 (hex) of the file's bytes: a changed file is a new filing, a renamed one is not.", nullable=False)
PAGE = Column("page", pa.int32(), "1-based page number in the PDF.", nullable=False)

_HEADLINE_NOTE = "Read from the tables (see configs/catalog.toml [[headline]]); null when the filing lacks the table."

FILINGS = Dataset(
    name="filings",
    description="One row per input file: parse status, filing metadata and headline figures.",
    key=("filing_id",),
    columns=(
        FILING_ID,
        Column("source_path", pa.string(), "Path of the file as given to the parser.", nullable=False),
        Column("status", pa.string(), "ok: parsed fully; partial: some tables could not be converted (see error); failed: nothing usable.", nullable=False, values=("ok", "partial", "failed")),
        Column("error", pa.string(), "A clear message (Chinese, for reviewers) when status is not ok."),
        Column("doc_kind", pa.string(), "budget (预算) or final_account (决算), from the cover or titles.", values=("budget", "final_account")),
        Column("scope", pa.string(), "department (部门, consolidated) or unit (单位).", values=("department", "unit")),
        Column("region", pa.string(), "District as printed, e.g. 上海市普陀区, 武昌区."),
        Column("department", pa.string(), "Department name as printed on the cover or in 编制部门."),
        Column("year", pa.int16(), "Budget year of the filing (the year in its titles)."),
        Column("n_pages", pa.int32(), "Number of pages read."),
        Column("tables_found", pa.list_(pa.string()), "Canonical ids of the tables found, in document order."),
        Column("total_income", pa.float64(), f"收入总计 / 合计 of the income tables. {_HEADLINE_NOTE}", unit="万元"),
        Column("total_expenditure", pa.float64(), f"支出合计 of the expenditure summary. {_HEADLINE_NOTE}", unit="万元"),
        Column("basic_expenditure", pa.float64(), f"基本支出 total. {_HEADLINE_NOTE}", unit="万元"),
        Column("project_expenditure", pa.float64(), f"项目支出 total. {_HEADLINE_NOTE}", unit="万元"),
        Column("personnel_expenditure", pa.float64(), f"人员经费 total of basic spending. {_HEADLINE_NOTE}", unit="万元"),
        Column("public_expenditure", pa.float64(), f"公用经费 total of basic spending. {_HEADLINE_NOTE}", unit="万元"),
        Column("sangong_total", pa.float64(), f"“三公”经费 total. {_HEADLINE_NOTE}", unit="万元"),
        Column("parser_version", pa.string(), "Version of the parser that produced the rows; a new version reparses everything.", nullable=False),
    ),
)

LINE_ITEMS = Dataset(
    name="line_items",
    description="One row per numeric cell of every table, traceable to its page and position.",
    key=("filing_id", "table_index", "row_index", "column_index"),
    columns=(
        FILING_ID,
        Column("table_index", pa.int32(), "0-based position of the table in the filing (tables continued over pages count once).", nullable=False),
        Column("table_id", pa.string(), "Canonical table id from the catalog; null when the printed title is unknown."),
        Column("table_title", pa.string(), "The table's title as printed.", nullable=False),
        PAGE,
        Column("row_index", pa.int32(), "0-based body row within the table (header rows excluded; stitched across pages).", nullable=False),
        Column("row_label", pa.string(), "The row's label as printed (wrapped lines joined), e.g. 行政运行, 合计.", nullable=False),
        Column("code", pa.string(), "Classification code as one digit string (204 06 01 and 2040601 both give 2040601); null when the row has none."),
        Column("column_index", pa.int32(), "0-based column of the cell in the table grid.", nullable=False),
        Column("column", pa.string(), "Canonical column name from the catalog (total, basic, personnel, …), else the printed header path.", nullable=False),
        Column("column_header", pa.string(), "The printed header path above the cell, levels joined with '/'.", nullable=False),
        Column("value_wan", pa.float64(), "The amount in 万元 as float, for convenience (sum amount_yuan for exact totals).", unit="万元", nullable=False),
        Column("amount_yuan", YUAN, "The exact amount in 元 (printed value × the unit of the table's own 单位 line).", unit="元", nullable=False),
        Column("unit", pa.string(), "The unit printed on the table's 单位 line.", nullable=False, values=("元", "万元", "亿元")),
        Column("decimals", pa.int8(), "Decimal places printed in the cell: the precision rounding tolerances derive from.", nullable=False),
        Column("raw", pa.string(), "The cell text exactly as printed.", nullable=False),
        Column("bbox", BBOX, "Cell box on the page: [x0, top, x1, bottom], PDF points from the top-left corner.", unit="pt", nullable=False),
    ),
)

NARRATIVE = Dataset(
    name="narrative",
    description="The narrative text (情况说明, 编制说明, 名词解释 …) per section and page.",
    key=("filing_id", "section_index"),
    columns=(
        FILING_ID,
        Column("section_index", pa.int32(), "0-based order of the chunk in the filing.", nullable=False),
        Column("section", pa.string(), "The section heading as printed (empty before the first heading).", nullable=False),
        PAGE,
        Column("text", pa.string(), "The section's text on that page; wrapped lines joined, paragraphs separated by newlines.", nullable=False),
    ),
)

FORM_CELLS = Dataset(
    name="form_cells",
    description="Every cell of the form-like tables (performance targets 绩效目标表): label/value boxes kept as printed, for the checks and indicator features to read.",
    key=("filing_id", "table_index", "row_index", "column_index"),
    columns=(
        FILING_ID,
        Column("table_index", pa.int32(), "0-based position of the table in the filing (same numbering as line_items).", nullable=False),
        Column("table_id", pa.string(), "Canonical table id (performance_overall, performance_project).", nullable=False),
        Column("table_title", pa.string(), "The table's title as printed, e.g. 项目支出绩效目标表(网络建设运转维护经费).", nullable=False),
        Column("unit", pa.string(), "The unit printed on the table's 单位 line; null when the form prints none.", values=("元", "万元", "亿元")),
        PAGE,
        Column("row_index", pa.int32(), "0-based row of the cell within the table (all rows, header included, stitched across pages).", nullable=False),
        Column("column_index", pa.int32(), "0-based first column of the cell in the table grid.", nullable=False),
        Column("colspan", pa.int32(), "Number of grid columns the cell spans.", nullable=False),
        Column("text", pa.string(), "The cell text as printed (wrapped lines joined).", nullable=False),
        Column("bbox", BBOX, "Cell box on the page: [x0, top, x1, bottom], PDF points from the top-left corner.", unit="pt", nullable=False),
    ),
)

TABLES = Dataset(
    name="tables",
    description="One row per table found in a filing (continued pages stitched): what was printed around it.",
    key=("filing_id", "table_index"),
    columns=(
        FILING_ID,
        Column("table_index", pa.int32(), "0-based position of the table in the filing (same numbering as line_items).", nullable=False),
        Column("table_id", pa.string(), "Canonical table id from the catalog; null when the printed title is unknown."),
        Column("table_title", pa.string(), "The table's title as printed.", nullable=False),
        Column("unit", pa.string(), "The unit printed on the table's 单位 line; null when none was printed.", values=("元", "万元", "亿元")),
        Column("pages", pa.list_(pa.int32()), "1-based pages the table is printed on.", nullable=False),
        Column("n_rows", pa.int32(), "Number of body rows (header rows excluded).", nullable=False),
        Column("n_amounts", pa.int32(), "Number of line items (numeric cells) the table produced.", nullable=False),
        Column("department_printed", pa.string(), "The department named on the table's 编制部门/编制单位 line, when printed."),
        Column("notes", pa.list_(pa.string()), "Notes printed with the table (注：…/备注：…), e.g. the explanation of an empty table.", nullable=False),
    ),
)

DATASETS = (FILINGS, LINE_ITEMS, NARRATIVE, FORM_CELLS, TABLES)

"""Parse one disclosure PDF into filing, line-item and narrative rows; parse a batch into the datasets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from budgetml.captions import is_caption_line
from budgetml.catalog import Catalog, load_catalog
from budgetml.datasets import rows_to_table, write_table
from budgetml.extract import DEFAULT_ENGINE, ExtractError, pdf_to_pages
from budgetml.identity import department_id
from budgetml.items import (
    LineItem,
    Table,
    grids_to_tables,
    headline_figures,
    lines_to_empty_tables,
    table_to_items,
    with_document_unit,
)
from budgetml.metadata import FilingMeta, NarrativeSection, cover_to_meta, lines_to_sections
from budgetml.normalise import YUAN_PER_WAN, UnitError, document_unit, squash
from budgetml.quality import quality_of
from budgetml.records import Grid, TextLine
from budgetml.regions import region_code
from budgetml.schema import FILINGS, FORM_CELLS, HEADLINE_FIGURES, LINE_ITEMS, NARRATIVE, TABLES, YUAN, cell_id
from budgetml.tables import page_to_grids

# Bump when parsing output changes: cached rows of an older version are parsed again. Rows and caches carry
# it together with the extraction engine (parser_version), so rows of one engine never stand in for the other's.
PARSER_VERSION = "8"
PARSE_DATASETS = (FILINGS, LINE_ITEMS, NARRATIVE, FORM_CELLS, TABLES)  # what the parse stage writes


@dataclass(frozen=True)
class ParsedFiling:
    """One file read: its status, metadata, tables, line items, narrative and headline figures."""

    filing_id: str
    source_path: str
    status: str
    error: str | None
    n_pages: int = 0
    meta: FilingMeta = FilingMeta(None, None, None, None, None)
    tables: tuple[Table, ...] = ()
    items: tuple[tuple[int, LineItem], ...] = ()  # (table_index, item)
    narrative: tuple[NarrativeSection, ...] = ()
    headlines: dict[str, Decimal | None] = field(default_factory=dict)
    engine: str = DEFAULT_ENGINE  # the extraction engine that read the file (budgetml.extract.ENGINES)


def parser_version(engine: str = DEFAULT_ENGINE) -> str:
    """The version stamped on rows and caches: the parser's own and the extraction engine's ("7-pdfium")."""
    return f"{PARSER_VERSION}-{engine}"


def file_id(data: bytes) -> str:
    """The filing_id of a file's bytes: their SHA-256 in hex."""
    return hashlib.sha256(data).hexdigest()


def parse_file(path: Path, catalog: Catalog | None = None, engine: str = DEFAULT_ENGINE) -> ParsedFiling:
    """Parse one file with the given extraction engine. Never raises for bad input: a file that cannot be parsed
    is a failed filing."""
    catalog = catalog or load_catalog()
    try:
        data = path.read_bytes()
    except OSError as exc:
        unreadable = "unreadable-" + file_id(str(path).encode())
        return ParsedFiling(unreadable, str(path), "failed", f"无法读取文件：{exc}", engine=engine)
    filing_id = file_id(data)
    try:
        return parse_bytes(data, filing_id, str(path), catalog, engine)
    except ExtractError as exc:
        return ParsedFiling(filing_id, str(path), "failed", str(exc), engine=engine)
    except MemoryError:
        raise  # the isolating worker (budgetml.isolation) reports 内存超限 for the file
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop a batch
        error = f"解析程序内部错误（请报告）：{type(exc).__name__}: {exc}"
        return ParsedFiling(filing_id, str(path), "failed", error, engine=engine)


def parse_bytes(
    data: bytes, filing_id: str, source_path: str, catalog: Catalog, engine: str = DEFAULT_ENGINE
) -> ParsedFiling:
    """A PDF's bytes through the steps: pages → grids → tables → line items, cover → metadata, text → narrative."""
    grids: list[Grid] = []
    trailing: dict[int, list[TextLine]] = {}  # text after the last grid of a page (notes such as 注：…)
    text_pages: dict[int, list[TextLine]] = {}  # pages without any table: cover and narrative
    n_pages = n_chars = 0
    for page in pdf_to_pages(data, engine=engine):
        n_pages += 1
        n_chars += len(page.chars)
        # A table continued without its header keeps the columns of the page before's last grid.
        page_grids, lines = page_to_grids(page, carried=grids[-1] if grids else None)
        grids += page_grids
        if page_grids:
            trailing[page.number] = lines
        else:
            text_pages[page.number] = lines
    if n_chars == 0:
        return ParsedFiling(
            filing_id,
            source_path,
            "failed",
            f"PDF 共 {n_pages} 页，但没有可提取的文字（可能是扫描件或图片，需要 OCR）",
            n_pages,
            engine=engine,
        )

    for page in sorted(text_pages):
        if page - 1 in trailing:  # a caption line a table pushed onto the next page closes that table
            overflow = leading_captions(text_pages[page])
            trailing[page - 1] = trailing[page - 1] + overflow
            text_pages[page] = text_pages[page][len(overflow) :]
    tables = grids_to_tables(grids, trailing, catalog)
    for page, lines in sorted({**text_pages, **trailing}.items()):
        empty = [table for _, table in lines_to_empty_tables(page, lines, catalog)]
        if empty:
            text_pages.pop(page, None)  # a table page (header lines, notes), not narrative
            position = next((k for k, t in enumerate(tables) if t.pages[0] > page), len(tables))
            tables[position:position] = empty
    tables = with_document_unit(tables, document_units(text_pages, grids, trailing))
    errors: list[str] = []
    items: list[tuple[int, LineItem]] = []
    for index, table in enumerate(tables):
        try:
            table_items = table_to_items(table, catalog)
        except UnitError as exc:
            errors.append(f"第 {table.pages[0]} 页「{table.title or '无标题表格'}」：{exc}")
            continue
        for item in table_items:
            if fits_yuan(item.amount_yuan):
                items.append((index, item))
            else:  # a failed cell, not a crash of the batch: the filing becomes partial and says which cell
                errors.append(
                    f"第 {item.page} 页「{table.title or '无标题表格'}」的金额 {item.raw[:40]} 超出可记录的范围"
                    f"（最多 {YUAN.precision - YUAN.scale} 位整数、{YUAN.scale} 位小数的元），该单元格未记录"
                )

    cover = [line.text for line in text_pages.get(1, [])]
    meta = cover_to_meta(cover, [t.title for t in tables])
    narrative = lines_to_sections([(p, lines) for p, lines in sorted(text_pages.items()) if p != 1])
    known = [t for t in tables if t.table_id]
    if not known:
        return ParsedFiling(
            filing_id,
            source_path,
            "failed",
            NO_KNOWN_TABLES,
            n_pages,
            meta,
            tuple(tables),
            (),
            tuple(narrative),
            engine=engine,
        )
    headlines = headline_figures([item for _, item in items], catalog)
    status = "partial" if errors else "ok"
    return ParsedFiling(
        filing_id,
        source_path,
        status,
        "；".join(errors) or None,
        n_pages,
        meta,
        tuple(tables),
        tuple(items),
        tuple(narrative),
        headlines,
        engine,
    )


def leading_captions(lines: list[TextLine]) -> list[TextLine]:
    """The caption and note lines a page starts with (`单位：元` printed below a table that filled the page before)."""
    count = 0
    while count < len(lines) and is_caption_line(lines[count].text):
        count += 1
    return lines[:count]


def fits_yuan(amount: Decimal) -> bool:
    """Whether an amount in 元 fits line_items.amount_yuan (decimal(24,4)) exactly: 20 integer digits, 4 decimals."""
    if not amount.is_finite():
        return False
    _, digits, exponent = amount.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0 and exponent < 0:  # 1.500000 has one decimal, not six
        digits.pop()
        exponent += 1
    return -exponent <= YUAN.scale and len(digits) + exponent <= YUAN.precision - YUAN.scale


# Why a filing with no identified table is not read further.
NO_KNOWN_TABLES = "未识别到任何部门预算或决算表格（这不是部门预算、决算公开文件，或是未知的模板）"


def document_units(
    text_pages: dict[int, list[TextLine]], grids: list[Grid], trailing: dict[int, list[TextLine]]
) -> list[tuple[int, str]]:
    """(page, unit) of every sentence stating the unit of the tables after it ("以下表格金额单位均为万元")."""
    lines: dict[int, list[str]] = {}
    for page, page_lines in {**text_pages, **trailing}.items():
        lines.setdefault(page, []).extend(line.text for line in page_lines)
    for grid in grids:
        lines.setdefault(grid.page, []).extend(line.text for line in grid.above)
    found = []
    for page in sorted(lines):
        unit = document_unit("".join(lines[page]))
        if unit:
            found.append((page, unit))
    return found


def filing_row(parsed: ParsedFiling) -> dict:
    """The filings.parquet row of a parsed file (keys and quality as the parse knows them: see `with_keys`)."""
    headlines = {}
    for name, _ in HEADLINE_FIGURES:
        value = parsed.headlines.get(name)
        headlines[f"{name}_yuan"] = value
        headlines[f"{name}_wan"] = float(value / YUAN_PER_WAN) if value is not None else None
    return {
        "filing_id": parsed.filing_id,
        "source_path": parsed.source_path,
        "status": parsed.status,
        "error": parsed.error,
        "quality": quality_of(parsed.status, None, None),
        "n_error_findings": None,
        "doc_kind": parsed.meta.doc_kind,
        "scope": parsed.meta.scope,
        "region": parsed.meta.region,
        "region_code": region_code(parsed.meta.region),
        "department": parsed.meta.department,
        "department_id": department_id(parsed.meta.region, parsed.meta.department),
        "parent_department": parsed.meta.parent_department,
        "year": parsed.meta.year,
        "n_pages": parsed.n_pages,
        "tables_found": list(dict.fromkeys(t.table_id for t in parsed.tables if t.table_id)),
        **headlines,
        "parser_version": parser_version(parsed.engine),
    }


def with_keys(filings: pa.Table) -> pa.Table:
    """filings with department_id, region_code and the parse's quality derived again from the printed names and
    status: rows from the cache or the last generation follow the current configs/regions.toml and
    department_aliases.toml, and a quality the checks had set is reset until they run again."""
    rows = filings.select(["region", "department", "status"]).to_pylist()
    derived = {
        "region_code": [region_code(r["region"]) for r in rows],
        "department_id": [department_id(r["region"], r["department"]) for r in rows],
        "quality": [quality_of(r["status"], None, None) for r in rows],
        "n_error_findings": [None] * len(rows),
    }
    declared = FILINGS.arrow_schema()
    for name, values in derived.items():
        index = filings.schema.get_field_index(name)
        filings = filings.set_column(index, declared.field(name), pa.array(values, declared.field(name).type))
    return filings


def item_rows(parsed: ParsedFiling) -> list[dict]:
    """The line_items.parquet rows of a parsed file."""
    return [
        {
            "cell_id": cell_id(parsed.filing_id, table_index, item.row_index, item.column_index),
            "filing_id": parsed.filing_id,
            "table_index": table_index,
            "table_id": item.table_id,
            "table_title": item.table_title,
            "page": item.page,
            "row_index": item.row_index,
            "row_label": item.row_label,
            "row_label_squashed": squash(item.row_label),
            "code": item.code,
            "column_index": item.column_index,
            "column_name": item.column,
            "column_header": item.column_header,
            "amount_wan": item.value_wan,
            "amount_yuan": item.amount_yuan,
            "unit": item.unit,
            "decimals": item.decimals,
            "raw": item.raw,
            "bbox": list(item.bbox),
            "year": parsed.meta.year,
        }
        for table_index, item in parsed.items
    ]


def form_cell_rows(parsed: ParsedFiling) -> list[dict]:
    """Every non-empty cell of the filing's forms, rows numbered across the form's pages and parts."""
    rows = []
    for table_index, table in enumerate(parsed.tables):
        if not load_catalog().is_form(table.table_id):
            continue
        cells = [(0, c) for c in table.header] + [(k, c) for k, row in enumerate(table.rows) for c in row.cells]
        n_header = max((c.row + c.rowspan for c in table.header), default=0)
        page_of = {id(c): row.page for row in table.rows for c in row.cells}
        for body_index, cell in cells:
            if not cell.text:
                continue
            in_header = id(cell) not in page_of
            row_index = cell.row if in_header else n_header + body_index
            rows.append(
                {
                    "cell_id": cell_id(parsed.filing_id, table_index, row_index, cell.col),
                    "filing_id": parsed.filing_id,
                    "table_index": table_index,
                    "table_id": table.table_id,
                    "table_title": table.title,
                    "unit": table.unit,
                    "page": table.pages[0] if in_header else page_of[id(cell)],
                    "row_index": row_index,
                    "column_index": cell.col,
                    "colspan": cell.colspan,
                    "text": cell.text,
                    "bbox": list(cell.bbox),
                    "year": parsed.meta.year,
                }
            )
    return rows


def table_rows(parsed: ParsedFiling) -> list[dict]:
    """The tables.parquet rows of a parsed file."""
    counts: dict[int, int] = {}
    for table_index, _ in parsed.items:
        counts[table_index] = counts.get(table_index, 0) + 1
    return [
        {
            "filing_id": parsed.filing_id,
            "table_index": k,
            "table_id": t.table_id,
            "confidence": t.identification.confidence,
            "candidate_id": t.identification.candidate_id,
            "runner_up_id": t.identification.runner_up_id,
            "runner_up_confidence": t.identification.runner_up_confidence,
            "table_title": t.title,
            "unit": t.unit,
            "unit_source": t.unit_source,
            "pages": list(t.pages),
            "n_rows": len(t.rows),
            "n_amounts": counts.get(k, 0),
            "department_printed": t.department_printed,
            "department_label": t.department_label,
            "notes": list(t.notes),
        }
        for k, t in enumerate(parsed.tables)
    ]


def narrative_rows(parsed: ParsedFiling) -> list[dict]:
    """The narrative.parquet rows of a parsed file."""
    return [
        {"filing_id": parsed.filing_id, "section_index": k, "section": s.section, "page": s.page, "text": s.text}
        for k, s in enumerate(parsed.narrative)
    ]


def parsed_to_tables(results: Iterable[ParsedFiling]) -> dict[str, pa.Table]:
    """The three datasets for a batch of parsed files, in a stable order (by filing id)."""
    ordered = sorted(results, key=lambda r: (r.filing_id, r.source_path))
    return {
        FILINGS.name: rows_to_table(FILINGS, [filing_row(r) for r in ordered]),
        LINE_ITEMS.name: rows_to_table(LINE_ITEMS, [row for r in ordered for row in item_rows(r)]),
        NARRATIVE.name: rows_to_table(NARRATIVE, [row for r in ordered for row in narrative_rows(r)]),
        FORM_CELLS.name: rows_to_table(FORM_CELLS, [row for r in ordered for row in form_cell_rows(r)]),
        TABLES.name: rows_to_table(TABLES, [row for r in ordered for row in table_rows(r)]),
    }


def parse_to_datasets(
    paths: list[Path],
    out_dir: Path,
    on_file: Callable[[ParsedFiling], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> dict[str, Path]:
    """Parse every file in this process and write the parse datasets into out_dir/data/ (tests and benchmarks;
    `budgetml parse` and the nightly run parse in isolated, limited workers instead).

    Byte-identical files are one filing (filing_id is the key): the first by path is kept.
    """
    catalog = load_catalog()
    results: dict[str, ParsedFiling] = {}
    for path in sorted(paths):
        parsed = parse_file(path, catalog, engine)
        results.setdefault(parsed.filing_id, parsed)
        if on_file:
            on_file(parsed)
    tables = parsed_to_tables(results.values())
    written = {}
    for dataset in PARSE_DATASETS:
        written[dataset.name] = write_table(dataset, tables[dataset.name], out_dir)
    return written

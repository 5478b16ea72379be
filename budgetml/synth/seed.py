"""Build the document model of the real seed filing (武昌区经济信息化和科技创新局 2025 budget) from its text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from budgetml.synth.render import BodySpan, Disclosure, HeaderCell, Section, TableSpec, render_pdf
from budgetml.synth.table_headers import WUHAN_LAYOUTS, TableLayout

SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "seed" / "wuchang-jingxinju-2025-budget.txt"
FIXTURE_NAME = "wuchang-jingxinju-2025-budget.pdf"


@dataclass(frozen=True)
class SeedTable:
    """The truth for one rendered table: its body rows exactly as printed in the fixture."""

    label: str  # "表3", "表5-1", "表12-4"
    title: str  # "部门支出总表"
    unit: str  # "万元"; "" where the filing prints none (表12-1)
    header: tuple[HeaderCell, ...]  # the printed header grid; () for the forms 表11 and 表12-x
    rows: tuple[tuple[str, ...], ...]


def seed_disclosure(path: Path = SEED_PATH) -> Disclosure:
    """The seed filing as a document model: cover, contents, 概况, tables 表1–表12-4, 情况说明, 名词解释."""
    outline = _split_outline(Path(path).read_text(encoding="utf-8").splitlines())
    parts: list[Section | TableSpec] = [_contents_section(outline.contents)]
    parts += _part_sections(outline.overview)
    parts += _tables_part(outline.tables)
    parts += _part_sections(outline.explanation)
    parts += _part_sections(outline.glossary)
    return Disclosure(cover_lines=_cover_lines(outline.cover), parts=tuple(parts))


def seed_tables(path: Path = SEED_PATH) -> dict[str, SeedTable]:
    """Each table of the seed filing keyed by label without spaces ("表1", "表5-1"), as rendered."""
    tables: dict[str, SeedTable] = {}
    for part in seed_disclosure(path).parts:
        if isinstance(part, TableSpec):
            key = _label_key(part.label or "")
            tables[key] = SeedTable(label=key, title=part.title, unit=part.unit, header=part.header, rows=part.rows)
    return tables


def write_fixture(out_dir: Path, seed_path: Path = SEED_PATH) -> Path:
    """Render the seed filing to `out_dir`/wuchang-jingxinju-2025-budget.pdf and return that path."""
    out = Path(out_dir) / FIXTURE_NAME
    render_pdf(seed_disclosure(seed_path), out)
    return out


# The header grid of every other table is data in budgetml/synth/table_headers.py (WUHAN_LAYOUTS).
# 表11 and 表12-x are forms (performance targets): transcribed row by row with no header grid; each
# filled cell is merged with the empty cells to its right, which is how the printed forms look.
_FORMS = frozenset({"表11", "表12-1", "表12-2", "表12-3", "表12-4"})


# --- splitting the text into parts -------------------------------------------------------------

_TABLE_LABEL = re.compile(r"表 ?\d+(?:-\d+)?")
# "表 3.部门支出总表": the original's bookmark heading; it sometimes lands mid-table (表12-1, 12-3, 12-4).
_TABLE_CAPTION = re.compile(r"表 ?\d+(?:-\d+)?[.．]")


@dataclass(frozen=True)
class _Outline:
    cover: tuple[str, ...]
    contents: tuple[str, ...]
    overview: tuple[str, ...]  # 第一部分 概况
    tables: tuple[str, ...]  # 第二部分 预算表
    explanation: tuple[str, ...]  # 第三部分 情况说明
    glossary: tuple[str, ...]  # 第四部分 名词解释


def _split_outline(lines: Sequence[str]) -> _Outline:
    """Cut the text at 目录 and at the four part titles that follow the table of contents."""
    stripped = [_strip_markdown(line) for line in lines]
    contents_at = _first_index(stripped, lambda s: s.replace(" ", "") == "目录", 0, "目 录")
    # The contents list the part titles too, so the body starts at the second 第一部分.
    listed_at = _first_index(stripped, lambda s: s.startswith("第一部分"), contents_at + 1, "第一部分")
    starts = [_first_index(stripped, lambda s: s.startswith("第一部分"), listed_at + 1, "第一部分")]
    for name in ("第二部分", "第三部分", "第四部分"):
        starts.append(_first_index(stripped, lambda s, n=name: s.startswith(n), starts[-1] + 1, name))
    bounds = [*starts, len(lines)]
    overview, tables, explanation, glossary = (tuple(lines[a:b]) for a, b in zip(bounds, bounds[1:]))
    return _Outline(
        cover=tuple(lines[:contents_at]),
        contents=tuple(lines[contents_at : starts[0]]),
        overview=overview,
        tables=tables,
        explanation=explanation,
        glossary=glossary,
    )


def _first_index(lines: Sequence[str], match: Callable[[str], bool], start: int, what: str) -> int:
    for i in range(start, len(lines)):
        if match(lines[i]):
            return i
    raise ValueError(f"seed text: no {what} line after line {start + 1}")


def _strip_markdown(line: str) -> str:
    """Drop the converter's markdown: bold markers and list bullets."""
    text = line.replace("**", "").strip()
    return text[2:].strip() if text.startswith("- ") else text


def _cover_lines(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(s for s in (_strip_markdown(line) for line in lines) if s)


# --- narrative ---------------------------------------------------------------------------------

_NUMERAL = "一二三四五六七八九十"
_HEADING = re.compile(rf"[{_NUMERAL}]+、[^，。：:；;,]{{1,30}}")  # 一、收支预算总体安排情况
_SUBHEADING = re.compile(rf"（[{_NUMERAL}]+）[^，。：:；;,]{{1,30}}")  # （一）机关运行经费情况
# Starts of items that are never the continuation of the line before.
_ITEM_START = re.compile(rf"第[{_NUMERAL}]+部分|[{_NUMERAL}]+、|[（(][{_NUMERAL}\d]+[）)]|\d+[.、．]")
_SENTENCE_END = tuple("。；：！？;:!?")


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Join the text's lines into paragraphs, mending lines the extraction broke mid-sentence."""
    paragraphs: list[str] = []
    for line in (s for s in (_strip_markdown(raw) for raw in lines) if s):
        if paragraphs and _continues(paragraphs[-1], line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def _continues(previous: str, line: str) -> bool:
    """A line continues the previous one when that one stopped mid-sentence and this one starts no item."""
    if previous.endswith(_SENTENCE_END) or _HEADING.fullmatch(previous) or _SUBHEADING.fullmatch(previous):
        return False
    return not _ITEM_START.match(line)


def _contents_section(lines: Sequence[str]) -> Section:
    heading, *entries = _paragraphs(lines)
    return Section(heading, tuple(entries), new_page=True, heading_style="title")


def _part_sections(lines: Sequence[str]) -> list[Section]:
    """A part title on a new page, then one Section per 一、… heading; text before any heading stays with the title."""
    title, *body = _paragraphs(lines)
    sections: list[Section] = []
    heading, collected = title, []
    for paragraph in body:
        if _HEADING.fullmatch(paragraph):
            sections.append(_section(heading, collected, is_title=not sections))
            heading, collected = paragraph, []
        else:
            collected.append(paragraph)
    sections.append(_section(heading, collected, is_title=not sections))
    return sections


def _section(heading: str, paragraphs: Sequence[str], is_title: bool) -> Section:
    if is_title:
        return Section(heading, tuple(paragraphs), new_page=True, heading_style="title")
    return Section(heading, tuple(paragraphs))


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TextRow:
    cells: tuple[str, ...]
    after_blank: bool  # a blank line preceded it: inside a table, that is where the original page ended
    is_grid_row: bool  # a tab row (False for a form's one-cell caption such as 项目采购)


@dataclass(frozen=True)
class _TableText:
    label: str
    title: str
    unit: str
    unit_prefix: str
    org_line: str | None
    note: str | None
    rows: tuple[_TextRow, ...]


def _tables_part(lines: Sequence[str]) -> list[Section | TableSpec]:
    """The 第二部分 title page, then one TableSpec per 表 label, in the order printed."""
    first_table = _first_index(
        lines, lambda s: bool(_TABLE_LABEL.fullmatch(s.strip()) or _TABLE_CAPTION.match(s.strip())), 0, "表"
    )
    title = _paragraphs(lines[:first_table])
    parts: list[Section | TableSpec] = [Section(" ".join(title), (), new_page=True, heading_style="title")]
    regions = list(_table_regions(lines[first_table:]))
    labels = [_label_key(region[0]) for region in regions]
    if sorted(labels) != sorted([*WUHAN_LAYOUTS, *_FORMS]):
        raise ValueError(f"seed text: tables {labels} do not match the known layouts")
    for region in regions:
        text = _read_table_text(region)
        key = _label_key(text.label)
        parts.append(_form_spec(text) if key in _FORMS else _grid_spec(text, WUHAN_LAYOUTS[key]))
    return parts


def _table_regions(lines: Sequence[str]) -> Iterable[list[str]]:
    """Each region runs from a standalone label line ("表 3") to the next one."""
    starts = [i for i, line in enumerate(lines) if _TABLE_LABEL.fullmatch(line.strip())]
    for a, b in zip(starts, [*starts[1:], len(lines)]):
        yield list(lines[a:b])


def _label_key(label: str) -> str:
    return label.replace(" ", "")


_UNIT_LINE = re.compile(r"(单位[:：])\s*(.*)")
_UNIT_IN_CELL = re.compile(r"(单位[:：])\s*(亿元|万元|元)")
_DATE_LINE = re.compile(r"(填报|申报)日期[:：]")


def _read_table_text(region: Sequence[str]) -> _TableText:
    """Sort a table's lines into title, unit, date, note and rows."""
    label, *lines = region
    title: str | None = None
    unit, unit_prefix, org_line, note = None, "单位：", None, None
    rows: list[_TextRow] = []
    blank_before = unit_pending = False
    for line in lines:
        stripped = line.strip()
        if _TABLE_CAPTION.match(stripped):
            continue
        if not stripped:
            blank_before = True
            continue
        after_blank, blank_before = blank_before, False
        cells = tuple(cell.strip() for cell in line.split("\t"))
        if title is None:
            title = "".join(cell for cell in cells if cell)  # 表12-3's title sits in a tab row
        elif unit_pending:
            unit, unit_pending = stripped, False  # 表10 prints "单位：" and "万元" on two lines
        elif "\t" in line:
            if not all(set(cell) <= {"-"} for cell in cells):  # markdown table rule "------"
                rows.append(_TextRow(cells, after_blank, is_grid_row=True))
        elif match := _UNIT_LINE.fullmatch(stripped):
            unit_prefix, unit = match.group(1), match.group(2)
            unit_pending = not unit
        elif _DATE_LINE.match(stripped):
            org_line = stripped
        elif stripped.startswith("备注"):
            note = stripped
        else:
            rows.append(_TextRow((stripped,), after_blank, is_grid_row=False))
    if title is None:
        raise ValueError(f"seed text: {label.strip()} has no title")
    if unit is None:
        # 表12-3's unit line was swallowed into a cell of its first rows ("单位:万元 良好").
        found = next((m for row in rows for cell in row.cells if (m := _UNIT_IN_CELL.search(cell))), None)
        unit_prefix, unit = (found.group(1), found.group(2)) if found else ("单位：", "")
    return _TableText(label.strip(), title, unit, unit_prefix, org_line, note, tuple(rows))


def _grid_spec(text: _TableText, layout: TableLayout) -> TableSpec:
    """A table with a header grid: the text's header rows are replaced by the layout's, checked against them."""
    n_cols = len(layout.col_widths)
    n_header = max(cell.row + cell.rowspan for cell in layout.header)
    if any(not row.is_grid_row for row in text.rows):
        raise ValueError(f"seed text: {text.label} has a line that is neither a row nor a title line")
    _check_header_text(text, layout, text.rows[:n_header])
    body = text.rows[n_header:]
    return TableSpec(
        title=text.title,
        unit=text.unit,
        unit_prefix=text.unit_prefix,
        header=layout.header,
        rows=tuple(_fit_cells(row.cells, n_cols, text.label) for row in body),
        col_widths=layout.col_widths,
        col_aligns=layout.col_aligns,
        label=text.label,
        org_line=text.org_line,
        note=text.note,
        landscape=layout.landscape,
        # The original continues its tables on the next page without repeating the header.
        repeat_header=False,
        break_before=_page_breaks(body),
    )


def _check_header_text(text: _TableText, layout: TableLayout, header_rows: Sequence[_TextRow]) -> None:
    """Every header word the text kept must be one of the layout's header cells."""
    known = {_squeeze(cell.text) for cell in layout.header}
    for row in header_rows:
        for cell in row.cells:
            if cell and _squeeze(cell) not in known:
                raise ValueError(f"seed text: {text.label} header cell {cell!r} is not in its layout")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fit_cells(cells: Sequence[str], n_cols: int, label: str) -> tuple[str, ...]:
    """Pad a text row to the table's width; only empty trailing cells (trailing tabs) may be dropped."""
    if any(cells[n_cols:]):
        raise ValueError(f"seed text: {label} row {list(cells)} is wider than {n_cols} columns")
    cleaned = [_clean_cell(cell) for cell in cells[:n_cols]]
    return tuple(cleaned + [""] * (n_cols - len(cleaned)))


def _page_breaks(rows: Sequence[_TextRow]) -> tuple[int, ...]:
    """A blank line between two rows of a table is where the original page ended."""
    return tuple(i for i in range(1, len(rows)) if rows[i].after_blank)


def _form_spec(text: _TableText) -> TableSpec:
    """A form (表11, 表12-x) as a best-effort grid: its text rows, each filled cell merged rightwards.

    The original's page breaks are not kept here: they fell mid-form on its portrait pages and
    would leave near-empty pages on ours. Amounts are centred, as forms print them.
    """
    n_cols = max(len(row.cells) for row in text.rows)
    rows = tuple(_fit_cells(row.cells, n_cols, text.label) for row in text.rows)
    return TableSpec(
        title=text.title,
        unit=text.unit,
        unit_prefix=text.unit_prefix,
        header=(),
        rows=rows,
        col_widths=(1.0,) * n_cols,
        label=text.label,
        org_line=text.org_line,
        note=text.note,
        landscape=True,
        numeric_align="center",
        body_spans=tuple(_rightward_spans(rows)),
    )


def _rightward_spans(rows: Sequence[Sequence[str]]) -> Iterable[BodySpan]:
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if not cell:
                continue
            empties = 0
            while c + 1 + empties < len(row) and not row[c + 1 + empties]:
                empties += 1
            if empties:
                yield BodySpan(r, c, colspan=1 + empties)


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_WRAP_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_PARAGRAPH_TAG = re.compile(r"<p>(.*?)</p>", re.S)


def _clean_cell(cell: str) -> str:
    """A cell as printed: HTML paragraphs become line breaks, the extraction's wrap spaces go."""
    paragraphs = _PARAGRAPH_TAG.findall(cell)
    if paragraphs:
        return "\n".join(_unwrap(p.strip()) for p in paragraphs)
    return _unwrap(cell.strip())


def _unwrap(text: str) -> str:
    """Drop spaces the extraction put where a narrow cell wrapped ("武昌区经济信 息化…").

    Letter-spaced labels ("收 入 总 计", "前 年") are printed that way and keep their spaces.
    """
    words = text.split(" ")
    if len(words) > 1 and all(len(word) == 1 for word in words):
        return text
    return _WRAP_SPACE.sub("", text)

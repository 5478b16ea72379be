"""Grid reconstruction on small hand-made pages: merged headers, wrapped cells, unruled tables."""

from __future__ import annotations

from budgetml.records import Char, Edge, Page
from budgetml.tables import grid_rows, page_to_grids

SIZE = 10.0


def text_chars(text: str, x: float, top: float, size: float = SIZE) -> list[Char]:
    """Characters of `text` set at (x, top); ASCII glyphs half width, CJK full width."""
    chars = []
    for ch in text:
        width = size / 2 if ch.isascii() else size
        if ch != " ":
            chars.append(Char(ch, x, top, x + width, top + size, size))
        x += width
    return chars


def ruled_page(xs, ys, missing=(), cells=()) -> Page:
    """A page with a full grid over xs × ys, minus the border segments in `missing`, and text in cells."""
    edges = []
    for i, y in enumerate(ys):
        for j in range(len(xs) - 1):
            if ("h", i, j) not in missing:
                edges.append(Edge(xs[j], y - 0.5, xs[j + 1], y + 0.5))
    for j, x in enumerate(xs):
        for i in range(len(ys) - 1):
            if ("v", i, j) not in missing:
                edges.append(Edge(x - 0.5, ys[i], x + 0.5, ys[i + 1]))
    chars = [c for text, x, top in cells for c in text_chars(text, x, top)]
    return Page(1, 600, 800, tuple(chars), tuple(edges))


def test_merged_header_cell_spans_columns():
    xs = [50, 150, 250, 350, 450]
    ys = [100, 120, 140, 160]
    # Row 0: "基本支出" merged over columns 1–2 (no vertical border at x=250 in row 0).
    page = ruled_page(
        xs,
        ys,
        missing={("v", 0, 2)},
        cells=[
            ("科目", 55, 105),
            ("基本支出", 160, 105),
            ("项目支出", 355, 105),
            ("人员经费", 155, 125),
            ("公用经费", 255, 125),
            ("合计", 55, 145),
            ("1.00", 200, 145),
            ("2.00", 300, 145),
            ("3.00", 400, 145),
        ],
    )
    grids, _ = page_to_grids(page)
    assert len(grids) == 1
    grid = grids[0]
    merged = [c for c in grid.cells if c.text == "基本支出"]
    assert merged and merged[0].colspan == 2 and merged[0].col == 1
    assert grid_rows(grid)[2] == ["合计", "1.00", "2.00", "3.00"]


def test_wrapped_cell_lines_are_joined():
    xs = [50, 110, 200]
    ys = [100, 140]
    # A department name wrapped over three lines inside one cell.
    page = ruled_page(
        xs, ys, cells=[("武昌区经", 52, 101), ("济信息化", 52, 113), ("科技局", 52, 125), ("836.62", 150, 113)]
    )
    grids, _ = page_to_grids(page)
    assert grid_rows(grids[0]) == [["武昌区经济信息化科技局", "836.62"]]


def test_text_outside_grid_is_above_it():
    xs = [50, 150, 250]
    ys = [100, 120, 140]
    page = ruled_page(xs, ys, cells=[("项目", 55, 105), ("金额", 155, 105), ("合计", 55, 125), ("9.00", 200, 125)])
    title = text_chars("部门支出总表", 100, 60)
    unit = text_chars("单位：万元", 200, 80)
    page = Page(1, 600, 800, page.chars + tuple(title) + tuple(unit), page.edges)
    grids, trailing = page_to_grids(page)
    assert [line.text for line in grids[0].above] == ["部门支出总表", "单位：万元"]
    assert trailing == []


def test_unruled_table_columns_from_whitespace():
    rows = [
        ("科目名称", 50, "合计", 250, "基本支出", 350),
        ("行政运行", 50, "532.85", 250, "532.85", 350),
        ("一般行政管理事务", 50, "50.00", 250, "0.00", 350),
        ("合计", 50, "582.85", 250, "532.85", 350),
    ]
    chars = []
    for k, (a, ax, b, bx, c, cx) in enumerate(rows):
        top = 100 + 16 * k
        chars += text_chars(a, ax, top) + text_chars(b, bx, top) + text_chars(c, cx, top)
    grids, _ = page_to_grids(Page(1, 600, 800, tuple(chars), ()))
    assert len(grids) == 1 and not grids[0].is_ruled
    assert grid_rows(grids[0]) == [
        ["科目名称", "合计", "基本支出"],
        ["行政运行", "532.85", "532.85"],
        ["一般行政管理事务", "50.00", "0.00"],
        ["合计", "582.85", "532.85"],
    ]


def test_unruled_wrapped_label_attaches_to_its_row():
    chars = []
    chars += text_chars("项目", 50, 100) + text_chars("金额", 250, 100)
    chars += text_chars("机关事业单位基本", 50, 116) + text_chars("100.80", 250, 122)
    chars += text_chars("养老保险缴费支出", 50, 128)
    chars += text_chars("合计", 50, 146) + text_chars("100.80", 250, 146)
    grids, _ = page_to_grids(Page(1, 600, 800, tuple(chars), ()))
    assert grid_rows(grids[0]) == [["项目", "金额"], ["机关事业单位基本养老保险缴费支出", "100.80"], ["合计", "100.80"]]


def unruled_lines(lines: list[tuple[float, list[tuple[str, float]]]]) -> Page:
    """A page of text lines, each (top, [(text, x), ...]), no rules."""
    chars = [c for top, parts in lines for text, x in parts for c in text_chars(text, x, top)]
    return Page(1, 600, 800, tuple(chars), ())


def test_unruled_caption_line_just_above_the_table_is_not_a_header():
    # "部门：…   金额单位：万元" set as tight above the header as the header rows are to each other.
    page = unruled_lines(
        [
            (80, [("部门收支总表", 200)]),
            (100, [("部门：武昌区统计局", 50), ("金额单位：万元", 400)]),
            (112, [("项目", 50), ("预算数", 250), ("项目", 320), ("预算数", 450)]),
            (128, [("一般公共预算", 50), ("1801.99", 250), ("国防支出", 320), ("1801.99", 450)]),
            (144, [("收入总计", 50), ("1801.99", 250), ("支出总计", 320), ("1801.99", 450)]),
            (160, [("注：本表反映部门收支。", 50)]),
        ]
    )
    grids, trailing = page_to_grids(page)
    assert len(grids) == 1
    assert grid_rows(grids[0])[0] == ["项目", "预算数", "项目", "预算数"]
    assert [line.text for line in grids[0].above] == ["部门收支总表", "部门：武昌区统计局  金额单位：万元"]
    assert [line.text for line in trailing] == ["注：本表反映部门收支。"]


def test_unruled_table_does_not_run_into_a_unit_line_below_it():
    page = unruled_lines(
        [
            (100, [("科目名称", 50), ("合计", 250), ("基本支出", 350)]),
            (116, [("行政运行", 50), ("532.85", 250), ("532.85", 350)]),
            (132, [("合计", 50), ("532.85", 250), ("532.85", 350)]),
            (148, [("单位：万元", 250)]),  # printed under the table, in a column's position
        ]
    )
    grids, trailing = page_to_grids(page)
    assert grids[0].n_rows == 3
    assert [line.text for line in trailing] == ["单位：万元"]


def test_a_paragraph_with_numbers_is_not_an_unruled_table():
    # Narrative lines whose numbers stand apart from the words (as in the real 决算 PDFs): their
    # pieces overlap line to line, so they make one column, and one column is prose, not a table.
    page = unruled_lines(
        [
            (100, [("年初预算为", 50), ("10210.34", 110), ("万元，支出决算为", 160)]),
            (116, [("出决算为", 50), ("9746.50", 100), ("万元", 145)]),
        ]
    )
    grids, trailing = page_to_grids(page)
    assert grids == [] and len(trailing) == 2

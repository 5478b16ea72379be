"""The fixture PDF rendered from the real seed text round-trips: every number of 表1–表7 and 表10."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgetml.normalise import is_amount
from budgetml.synth.seed import seed_tables
from tests.conftest import SEED_TEXT

TABLE_IDS = {
    "表1": "income_expenditure_summary",
    "表2": "income_summary",
    "表3": "expenditure_summary",
    "表4": "fiscal_grant_summary",
    "表5-1": "general_budget_by_function",
    "表5-2": "general_budget_by_unit",
    "表6": "basic_expenditure_by_economic",
    "表7": "sangong",
    "表10": "projects",
}
# Tables whose first column prints classification or unit codes, which are not amounts.
CODE_FIRST_COLUMN = {"表2", "表3", "表5-1", "表5-2", "表6"}


def seed_amount_rows(label: str) -> list[tuple[str, ...]]:
    """The printed amounts of each body row of a seed table, left to right (rows without any skipped)."""
    rows = []
    for row in seed_tables(SEED_TEXT)[label].rows:
        cells = row[1:] if label in CODE_FIRST_COLUMN else row
        amounts = tuple(c.strip() for c in cells if is_amount(c))
        if amounts:
            rows.append(amounts)
    return rows


def parsed_amount_rows(parsed, table_id: str) -> list[tuple[str, ...]]:
    by_row: dict[int, list] = {}
    for _, item in parsed.items:
        if item.table_id == table_id:
            by_row.setdefault(item.row_index, []).append(item)
    return [tuple(i.raw for i in sorted(by_row[r], key=lambda i: i.column_index)) for r in sorted(by_row)]


@pytest.mark.parametrize("label", sorted(TABLE_IDS))
def test_every_number_of_the_table_round_trips(seed_parsed, label):
    expected = seed_amount_rows(label)
    assert expected, f"seed table {label} has no numbers"
    assert parsed_amount_rows(seed_parsed, TABLE_IDS[label]) == expected


def render_variant(tmp_path, variant: str):
    """The seed disclosure with every table drawn another way real filings use."""
    import dataclasses

    from budgetml.parse import parse_file
    from budgetml.synth.render import TableSpec, render_pdf
    from budgetml.synth.seed import seed_disclosure

    def change(spec: TableSpec) -> TableSpec:
        if variant == "rect":  # ruling drawn as thin filled rectangles (as the Shanghai PDF does)
            return dataclasses.replace(spec, rule_style="rect")
        if variant == "no_separators":  # 3375.67 instead of 3,375.67
            return dataclasses.replace(spec, rows=tuple(tuple(c.replace(",", "") for c in row) for row in spec.rows))
        return dataclasses.replace(spec, ruled=False)  # no ruling lines at all

    doc = seed_disclosure(SEED_TEXT)
    doc = dataclasses.replace(doc, parts=tuple(change(p) if isinstance(p, TableSpec) else p for p in doc.parts))
    path = tmp_path / f"seed-{variant}.pdf"
    render_pdf(doc, path)
    return parse_file(path)


@pytest.fixture(scope="module", params=["rect", "no_separators", "unruled"])
def variant_parsed(request, tmp_path_factory):
    return request.param, render_variant(tmp_path_factory.mktemp(request.param), request.param)


# Unruled 表10: its 项目单位 text column sits so close to the right-aligned 合计 column that the
# whitespace between them does not separate the columns; the known limit of unruled parsing.
UNRULED_LIMITS = {"表10"}


@pytest.mark.parametrize("label", sorted(TABLE_IDS))
def test_layout_variants_round_trip(variant_parsed, label):
    variant, parsed = variant_parsed
    expected = seed_amount_rows(label)
    if variant == "no_separators":
        expected = [tuple(v.replace(",", "") for v in row) for row in expected]
    got = parsed_amount_rows(parsed, TABLE_IDS[label])
    if variant == "unruled" and label in UNRULED_LIMITS:
        assert got != expected  # still a limit: this test fails once it is fixed, to update the note
        return
    assert got == expected


def test_layout_variants_headlines(variant_parsed):
    from budgetml.parse import filing_row

    _, parsed = variant_parsed
    row = filing_row(parsed)
    assert parsed.status == "ok", parsed.error
    assert (
        row["total_expenditure_wan"],
        row["personnel_expenditure_wan"],
        row["public_expenditure_wan"],
        row["sangong_total_wan"],
    ) == (3375.67, 2133.39, 192.86, 4.28)


def test_amounts_are_exact_yuan(seed_parsed):
    for _, item in seed_parsed.items:
        if item.table_id in TABLE_IDS.values():
            assert item.unit == "万元"
            assert item.amount_yuan == Decimal(item.raw.replace(",", "")) * 10000


def test_headline_figures(seed_parsed):
    from budgetml.parse import filing_row

    assert seed_parsed.status == "ok", seed_parsed.error
    row = filing_row(seed_parsed)
    expected = {
        "total_expenditure": 3375.67,
        "basic_expenditure": 2326.25,
        "project_expenditure": 1049.42,
        "personnel_expenditure": 2133.39,
        "public_expenditure": 192.86,
        "sangong_total": 4.28,
        "total_income": 3375.67,
    }
    assert {k: row[f"{k}_wan"] for k in expected} == expected
    assert {k: row[f"{k}_yuan"] for k in expected} == {k: Decimal(str(v)) * 10000 for k, v in expected.items()}
    assert seed_parsed.headlines["total_expenditure"] == Decimal("33756700.00")


def test_codes_and_labels(seed_parsed):
    items = [i for _, i in seed_parsed.items if i.table_id == "expenditure_summary" and i.column == "total"]
    by_code = {i.code: (i.row_label, i.raw) for i in items if i.code}
    assert by_code["2060101"] == ("行政运行", "532.85")
    assert by_code["2080505"] == ("机关事业单位基本养老保险缴费支出", "100.80")
    assert by_code["206"] == ("科学技术支出", "1,967.52")


def test_all_tables_identified(seed_parsed):
    from budgetml.parse import filing_row

    found = filing_row(seed_parsed)["tables_found"]
    for table_id in [*TABLE_IDS.values(), "gov_fund", "state_capital", "performance_overall", "performance_project"]:
        assert table_id in found


def test_metadata(seed_parsed):
    meta = seed_parsed.meta
    assert meta.year == 2025 and meta.doc_kind == "budget" and meta.scope == "department"
    assert meta.region == "武昌区"
    assert meta.department.startswith("武昌区经济信息化和科技创新局")


def test_narrative_sections(seed_parsed):
    sections = {s.section for s in seed_parsed.narrative}
    for heading in [
        "五、一般公共预算支出安排情况",
        "七、一般公共预算“三公”经费支出安排情况",
        "十一、其他重要事项的情况说明",
    ]:
        assert heading in sections
    text = "".join(s.text for s in seed_parsed.narrative if s.section == "五、一般公共预算支出安排情况").replace(
        " ", ""
    )
    assert "事业单位离退休（项）2025年预算数42.74万元，比2024预算减少4.2万元，下降10%" in text
    pages = {s.page for s in seed_parsed.narrative if s.section == "五、一般公共预算支出安排情况"}
    assert len(pages) >= 1 and min(pages) > 20

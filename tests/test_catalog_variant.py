"""A third template variant is a catalog change: a catalog file with one more variant parses a filing printed in it.

The variant (a made-up district's wording) titles its expenditure table 经费安排一览表 and heads its
columns 支出总额 / 基本支出经费 / 项目支出经费, none of which the shipped catalog knows. The test adds
the variant as TOML to a copy of configs/catalog.toml — no Python changes — renders a filing printed
that way and parses it with the extended catalog.
"""

from __future__ import annotations

from pathlib import Path

from budgetml.catalog import CATALOG_PATH, load_catalog
from budgetml.parse import filing_row, parse_file
from budgetml.synth.render import Disclosure, TableSpec, render_pdf
from budgetml.synth.render import HeaderCell as H

# What a district's variant adds: another entry for a known table id (its titles and column headers)
# and the template its filings follow.
VARIANT = """
[[table]]
id = "expenditure_summary"
name = "支出总表"
titles = ["经费安排一览表"]
header_words = ["科目编码", "支出总额", "基本支出经费", "项目支出经费"]
body_words = ["合计"]
columns = [
  { name = "total", patterns = ['支出总额$'] },
  { name = "basic", patterns = ['基本支出经费$'] },
  { name = "project", patterns = ['项目支出经费$'] },
]

[[template]]
name = "某市模板"
doc_kind = "budget"
tables = ["expenditure_summary"]
"""

EXPENDITURE = TableSpec(
    "经费安排一览表",
    "万元",
    (
        H("功能分类科目", 0, 0, colspan=2),
        H("科目编码", 1, 0),
        H("科目名称", 1, 1),
        H("支出总额", 0, 2, rowspan=2),
        H("基本支出经费", 0, 3, rowspan=2),
        H("项目支出经费", 0, 4, rowspan=2),
    ),
    (
        ("", "合计", "1,250.00", "850.00", "400.00"),
        ("205", "教育支出", "1,250.00", "850.00", "400.00"),
        ("20501", "教育管理事务", "1,250.00", "850.00", "400.00"),
    ),
    (1.2, 3.0, 1.3, 1.3, 1.3),
    label="表 3",
)


def variant_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(CATALOG_PATH.read_text(encoding="utf-8") + VARIANT, encoding="utf-8")
    return path


def test_a_catalog_with_one_more_variant_parses_a_filing_printed_in_it(tmp_path):
    pdf = tmp_path / "variant.pdf"
    render_pdf(Disclosure(("某市某区教育局", "2025年部门预算"), (EXPENDITURE,)), pdf)

    shipped = parse_file(pdf)  # the shipped catalog knows neither the title nor the headers
    assert [t.table_id for t in shipped.tables] == [None]

    catalog = load_catalog(variant_catalog(tmp_path))
    parsed = parse_file(pdf, catalog)
    assert parsed.status == "ok", parsed.error
    assert [t.table_id for t in parsed.tables] == ["expenditure_summary"]
    cells = {(i.code, i.column): i.value_wan for _, i in parsed.items}
    assert cells[("20501", "total")] == 1250.0
    assert (cells[("205", "basic")], cells[("205", "project")]) == (850.0, 400.0)
    row = filing_row(parsed)
    assert (row["total_expenditure_wan"], row["basic_expenditure_wan"], row["project_expenditure_wan"]) == (
        1250.0,
        850.0,
        400.0,
    )
    assert catalog.best_template(row["tables_found"], row["doc_kind"]).name == "某市模板"

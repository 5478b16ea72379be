"""The two real Shanghai 部门决算 PDFs (2024 final accounts): read, kept, and never judged as budgets.

决算 tables are not in the catalog yet (issue 11), so no table may take a budget table's id and the
filing must raise no finding. The identification design takes them as pure catalog data: the same
files with the nine 决算 titles added as catalog entries identify every table.
"""

from __future__ import annotations

import pytest

from budgetml.catalog import CATALOG_PATH, load_catalog
from budgetml.layout import dataset_path
from tests.conftest import SHARED

FINAL_ACCOUNTS = {
    "sh-putuo-caizhengju-2024-final-account.pdf": "上海市普陀区财政局",
    "sh-putuo-ghzyj-2024-final-account.pdf": "上海市普陀区规划和自然资源局",
}
TITLES = (
    "收入支出决算总表",
    "收入决算表",
    "支出决算表",
    "财政拨款收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "一般公共预算财政拨款基本支出决算表",
    "财政拨款“三公”经费支出决算表",
    "政府性基金预算财政拨款收入支出决算表",
    "国有资本经营预算财政拨款收入支出决算表",
)


def pdf_path(name: str):
    path = SHARED / "real" / name
    if not path.exists():
        pytest.skip(f"real PDF not available at {path}")
    return path


@pytest.fixture(scope="module", params=sorted(FINAL_ACCOUNTS))
def final_account(request):
    from budgetml.parse import parse_file

    path = pdf_path(request.param)
    return path, FINAL_ACCOUNTS[request.param], parse_file(path)


def test_metadata(final_account):
    _, department, parsed = final_account
    meta = parsed.meta
    assert (meta.region, meta.department, meta.year, meta.doc_kind, meta.scope) == (
        "上海市普陀区",
        department,
        2024,
        "final_account",
        "department",
    )


def test_every_table_kept_with_its_title_and_unit_but_no_budget_id(final_account):
    _, _, parsed = final_account
    titled = [t for t in parsed.tables if t.title]
    assert [t.title for t in titled] == list(TITLES)
    assert all(t.unit == "万元" and t.unit_source == "caption" for t in titled)
    assert all(t.table_id is None and t.identification.candidate_id is None for t in parsed.tables)


def test_not_judged_as_a_budget(final_account, tmp_path):
    """决算 filings are kept as failed with a clear reason: no headline figures, and no finding at all."""
    import polars as pl

    from budgetml.checks.rulebook import check_output
    from budgetml.parse import parse_to_datasets

    path, _, parsed = final_account
    assert parsed.status == "failed" and "部门决算" in parsed.error
    assert all(v is None for v in parsed.headlines.values())
    parse_to_datasets([path], tmp_path)
    checks = pl.read_parquet(check_output(tmp_path)["checks"])
    assert checks.height == 0, checks["message"].to_list()
    tables = pl.read_parquet(dataset_path(tmp_path, "tables"))
    assert tables.filter(pl.col("table_title") != "")["table_title"].to_list() == list(TITLES)


def test_final_account_tables_identified_from_catalog_data_alone(final_account, tmp_path):
    from budgetml.parse import parse_file

    path, _, _ = final_account
    entries = "".join(
        f'\n[[table]]\nid = "final_{k}"\nname = "{title}"\ndoc_kind = "final_account"\ntitles = ["{title}"]\n'
        "columns = []\n"
        for k, title in enumerate(TITLES)
    )
    catalog_path = tmp_path / "catalog.toml"
    catalog_path.write_text(CATALOG_PATH.read_text(encoding="utf-8") + entries, encoding="utf-8")
    parsed = parse_file(path, load_catalog(catalog_path))
    assert [t.table_id for t in parsed.tables if t.title] == [f"final_{k}" for k in range(len(TITLES))]
    assert all(t.identification.confidence == 1.0 for t in parsed.tables if t.title)

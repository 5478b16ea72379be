"""One department across years: keys, renamed departments, and the one previous-filing rule."""

from __future__ import annotations

import itertools

import pytest

from budgetml.checks.shards import load_filings
from budgetml.features import features_rows, load_inputs
from budgetml.identity import AliasError, FilingRef, department_id, department_key, load_aliases, previous_filings
from tests.budgetdata import fid, filing, write_output

ALIASES = {("420106", "武昌区经济和信息化局"): "武昌区经济信息化和科技创新局"}  # keyed by the district's code


def ref(filing_id: str, year: int, department: str = "武昌区教育局", status: str = "ok") -> FilingRef:
    return FilingRef(filing_id, status, "武昌区", department, year)


def test_key_ignores_spacing_width_and_a_second_name():
    assert department_key("武昌区", "武昌区经济信息化和科技创新局（武昌区数据局）") == department_key(
        " 武昌区", "武昌区经济信息化 和科技创新局(武昌区数据局)"
    )


def test_a_district_is_keyed_by_its_code_however_it_is_printed():
    assert (
        department_key("武昌区", "武昌区教育局")
        == department_key("武汉市 武昌区", "武昌区教育局")
        == (
            "420106",
            "武昌区教育局",
        )
    )
    assert department_id("武昌区", "武昌区教育局") == department_id("武汉市武昌区", "武昌区教育局")
    assert department_id("上海市普陀区", "武昌区教育局") != department_id("武昌区", "武昌区教育局")
    assert department_key("某县", "某县教育局") == ("某县", "某县教育局")  # unknown district: its folded name
    assert department_id("武昌区", None) is None


def test_a_former_name_is_the_current_department():
    assert department_key("武昌区", "武昌区经济和信息化局", ALIASES) == ("420106", "武昌区经济信息化和科技创新局")
    assert department_id("武昌区", "武昌区经济和信息化局") == department_id("武昌区", "武昌区经济信息化和科技创新局")
    assert department_key("江岸区", "武昌区经济和信息化局", ALIASES)[1] == "武昌区经济和信息化局"  # another district


def test_the_shipped_alias_links_the_seed_department_to_its_former_name():
    old = ref("a" * 64, 2024, "武昌区经济和信息化局")
    new = ref("b" * 64, 2025, "武昌区经济信息化和科技创新局（武昌区数据局）")
    assert previous_filings([old, new]) == {new.filing_id: old.filing_id}
    assert previous_filings([old, new], aliases={}) == {}


def test_the_previous_filing_is_ok_before_partial_then_the_smallest_id_whatever_the_order():
    this_year = ref("9" * 64, 2025)
    candidates = [ref("3" * 64, 2024, status="partial"), ref("5" * 64, 2024), ref("4" * 64, 2024)]
    for order in itertools.permutations([this_year, *candidates]):
        assert previous_filings(order)[this_year.filing_id] == "4" * 64


def test_failed_filings_are_neither_linked_nor_linked_to():
    failed = ref("1" * 64, 2024, status="failed")
    assert previous_filings([failed, ref("2" * 64, 2025)]) == {}
    assert previous_filings([ref("1" * 64, 2024), ref("2" * 64, 2025, status="failed")]) == {}


def test_alias_file_errors_name_the_entry(tmp_path):
    path = tmp_path / "aliases.toml"
    path.write_text('[[alias]]\nregion = "武昌区"\nformer = "甲局"\n', encoding="utf-8")
    with pytest.raises(AliasError, match="缺少"):
        load_aliases(path)
    path.write_text(
        '[[alias]]\nregion = "武昌区"\nformer = "甲局"\ncurrent = "乙局"\n'
        '[[alias]]\nregion = "武昌区"\nformer = "乙局"\ncurrent = "丙局"\n',
        encoding="utf-8",
    )
    with pytest.raises(AliasError, match="乙局"):
        load_aliases(path)


def test_checks_and_features_compare_with_the_same_previous_filing(tmp_path):
    """Two versions of last year's file: both stages take the same one, whatever order filings.parquet lists them in."""
    versions = sorted([fid("教育局-2024-v1"), fid("教育局-2024-v2")])
    current = fid("教育局-2025")
    rows = [filing(versions[0], "武昌区教育局", 2024), filing(versions[1], "武昌区教育局", 2024)]
    out = write_output(tmp_path, [*rows, filing(current, "武昌区教育局", 2025)])  # the larger id listed last
    [checked] = [f for f in load_filings(out) if f.filing_id == current]
    [featured] = [r for r in features_rows(load_inputs(out)) if r["filing_id"] == current]
    assert checked.previous.filing_id == featured["prev_filing_id"] == versions[0]

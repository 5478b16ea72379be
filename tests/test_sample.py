"""The sample corpus generator: exact identities, labelled injections, determinism, and a parse round trip."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from budgetml.synth.config import _check_config, load_sample_config
from budgetml.synth.corpus import build_printed, generate_corpus
from budgetml.synth.inconsistencies import inject_inconsistency
from budgetml.synth.render import Section, TableSpec
from budgetml.synth.sample import (
    INCONSISTENCY_KINDS,
    OUTLIER_KINDS,
    YUAN_PER_WAN,
    apply_outlier,
    build_departments,
    derive_numbers,
    select_districts,
    simulate,
    to_wan,
)
from budgetml.synth.sample_render import FINAL_ONLY_HEADLINES, PrintedFiling, pct_value, to_disclosure

CONFIG = load_sample_config()
SEED = 11
YEARS = (2024, 2025)
STYLE_DISTRICT = {"wuhan": "wuchang", "shanghai": "putuo", "wuhan_unruled": "jianghan", "shanghai_rect": "jingan"}
ALL_TYPES = sorted(CONFIG.department_types)


def make_series(district: str, type_id: str, seed: int = SEED, years=YEARS):
    """Profile, drivers and the clean numbers of every simulated year of one department."""
    (profile,) = build_departments(CONFIG, select_districts(CONFIG, [district]), [type_id], seed)
    drivers, all_years = simulate(CONFIG, profile, years, seed)
    series = [derive_numbers(CONFIG, profile, y, d) for y, d in zip(all_years, drivers)]
    return profile, drivers, series


def wan(amount: Decimal) -> Decimal:
    return (amount / YUAN_PER_WAN).quantize(Decimal("0.01"))


# --- the identities of a clean filing, on the generator's own printed tables and facts ---------------------


def identity_problems(printed: PrintedFiling) -> list[str]:
    """Every accounting identity of the template, on the amounts a correct reader gets from the printed cells."""
    problems: list[str] = []
    t = printed.tables

    def same(a, b, what: str) -> None:
        if a != b:
            problems.append(f"{what}: {a} != {b}")

    def hierarchy(table_id: str, levels=((3, 5), (5, 7))) -> None:
        table = t[table_id]
        coded = [r for r in table.rows if r.code]
        for col in table.columns:
            for parent_len, child_len in levels:
                for row in (r for r in coded if len(r.code) == parent_len):
                    children = [r for r in coded if len(r.code) == child_len and r.code.startswith(row.code)]
                    if children:
                        same(
                            table.value(row.key, col),
                            sum(table.value(c.key, col) for c in children),
                            f"{table_id} {row.code} {col} = Σ children",
                        )
            top = [r for r in coded if len(r.code) == 3]
            same(table.value("total", col), sum(table.value(r.key, col) for r in top), f"{table_id} 合计 {col} = Σ 类")

    def row_identities(table_id: str) -> None:
        table = t[table_id]
        for row in table.rows:
            v = {c: table.value(row.key, c) for c in table.columns}
            if "project" in v:
                same(v["total"], v["basic"] + v["project"], f"{table_id} {row.key} 基本+项目=合计")
            if "personnel" in v and "basic" in v:
                same(v["basic"], v["personnel"] + v["public"], f"{table_id} {row.key} 人员+公用=基本")
            if "personnel" in v and "basic" not in v:
                same(v["total"], v["personnel"] + v["public"], f"{table_id} {row.key} 人员+公用=合计")

    es = t["expenditure_summary"]
    total, basic, project = (es.value("total", c) for c in ("total", "basic", "project"))
    hierarchy("expenditure_summary")
    hierarchy("general_budget_by_function")
    hierarchy("income_summary") if printed.style == "shanghai" else None
    hierarchy("basic_expenditure_by_economic", levels=((3, 5),))
    for table_id in (
        "expenditure_summary",
        "general_budget_by_function",
        "basic_expenditure_by_economic",
        "general_budget_by_unit",
    ):
        if table_id in t:
            row_identities(table_id)
    # table-to-table: the same rows and totals everywhere
    function = t["general_budget_by_function"]
    for row in (r for r in es.rows if r.code):
        for col in ("total", "basic", "project"):
            same(function.value(row.key, col), es.value(row.key, col), f"一般公共预算表 {row.code} {col} = 支出总表")
    economic = t["basic_expenditure_by_economic"]
    same(economic.value("total", "total"), basic, "基本支出表合计 = 支出总表基本支出")
    same(
        economic.value("total", "personnel"),
        function.value("total", "personnel")
        if "personnel" in function.columns
        else economic.value("total", "personnel"),
        "人员经费",
    )
    same(t["income_summary"].value("total", "total"), total, "收入总表合计 = 支出合计")
    for table_id in ("income_expenditure_summary", "fiscal_grant_summary"):
        two = t[table_id]
        same(two.value("income_total", "income"), total, f"{table_id} 收入总计")
        same(two.value("expenditure_total", "expenditure"), total, f"{table_id} 支出总计")
        classes = [r for r in two.rows if r.side == "right" and len(r.key) == 3]
        same(sum((two.value(r.key, "expenditure") or 0) for r in classes), total, f"{table_id} Σ 类 = 支出总计")
        for row in classes:
            if (two.value(row.key, "expenditure") or 0) or row.key in {r.code for r in es.rows}:
                same(
                    two.value(row.key, "expenditure") or 0,
                    es.value(row.key, "total"),
                    f"{table_id} {row.key} = 支出总表",
                )
    if printed.style == "wuhan":
        by_unit = t["general_budget_by_unit"]
        units = [r for r in by_unit.rows if r.code and len(r.code) > 3]
        for col in by_unit.columns:
            same(
                by_unit.value(printed.profile.dept_code, col),
                sum(by_unit.value(r.key, col) for r in units),
                f"分单位 部门 = Σ 单位 {col}",
            )
            same(by_unit.value("total", col), function.value("total", col), f"分单位合计 = 分功能合计 {col}")
        income = t["income_summary"]
        same(
            income.value(printed.profile.dept_code, "total"),
            sum(income.value(r.key, "total") for r in income.rows if r.code and len(r.code) > 3),
            "收入总表 部门 = Σ 单位",
        )
        projects = t["projects"]
        listed = [r for r in projects.rows if r.texts]
        same(projects.value("total", "total"), project, "项目支出表合计 = 项目支出")
        same(sum(projects.value(r.key, "total") for r in listed), project, "项目支出表 Σ 项目 = 项目支出")
    s = t["sangong"]
    v = {c: s.value("total", c) for c in s.columns}
    same(v["sangong_total"], v["overseas"] + v["vehicle_total"] + v["reception"], "三公 = 出国 + 车 + 接待")
    same(v["vehicle_total"], v["vehicle_purchase"] + v["vehicle_operation"], "车 = 购置 + 运行")
    if "admin_operation" in v:
        same(v["admin_operation"], wan(printed.numbers.admin_operation) * YUAN_PER_WAN, "机关运行经费 (万元, rounded)")
    # narrative facts that print a table amount: equal at the narrative's precision (万元, 2 decimals)
    for fact in printed.facts.values():
        if fact.source and fact.kind in ("amount", "yoy"):
            table, key, col = fact.source
            same(wan(fact.value), wan(t[table].value(key, col)), f"narrative {fact.key} = {table} {key}")
    for key, part in (("basic.share", basic), ("project.share", project)):
        if key in printed.facts:
            same(printed.facts[key].value, pct_value(part, total, printed.style), key)
    problems += narrative_percent_problems(printed)
    return problems


YOY_WUHAN = re.compile(r"([\d,.]+)万元，比(\d{4})年预算(增加|减少)([\d,.]+)万元，(增长|下降)([\d.]+)%")
YOY_SHANGHAI = re.compile(
    r"(\d{4})年预算数为([\d.]+)万元，(\d{4})年预算安排([\d.]+)万元，比\d{4}年预算(增加|减少)([\d.]+)%"
)


def narrative_percent_problems(printed: PrintedFiling) -> list[str]:
    """Every printed percentage agrees with the amounts printed next to it, within their rounding."""
    problems = []
    doc, _ = to_disclosure(printed)
    text = "\n".join(p for part in doc.parts if isinstance(part, Section) for p in part.paragraphs)
    for m in YOY_WUHAN.finditer(text):
        current, delta, pct = (Decimal(m[i].replace(",", "")) for i in (1, 4, 6))
        previous = current - delta if m[3] == "增加" else current + delta
        if abs(delta / previous * 100 - pct) > Decimal("0.05"):
            problems.append(f"percent {m[0]}")
    for m in YOY_SHANGHAI.finditer(text):
        previous, current, pct = Decimal(m[2]), Decimal(m[4]), Decimal(m[6])
        # both amounts are rounded to 0.01 万元 (±0.005): allow what that moves the ratio, plus the percent's own rounding
        slack = Decimal("0.005") + 100 * Decimal("0.005") * (1 / previous + current / previous**2)
        if abs(abs(current - previous) / previous * 100 - pct) > slack:
            problems.append(f"percent {m[0]}")
    return problems


@pytest.mark.parametrize("district", ["wuchang", "putuo"])
@pytest.mark.parametrize("type_id", ALL_TYPES)
def test_clean_filings_satisfy_every_identity(district, type_id):
    _, _, series = make_series(district, type_id)
    for k in range(2, len(series)):
        printed = build_printed(CONFIG, series[: k + 1])
        assert identity_problems(printed) == [], (district, type_id, series[k].year)


@pytest.mark.parametrize("district", ["wuchang", "putuo"])
def test_stated_previous_year_figures_equal_the_previous_filing(district):
    for type_id in ("justice", "education", "street"):
        _, _, series = make_series(district, type_id, years=(2023, 2024, 2025))
        for k in range(3, len(series)):
            printed, previous = build_printed(CONFIG, series[: k + 1]), build_printed(CONFIG, series[:k])
            before = previous.tables["expenditure_summary"]
            stated = {
                key: f
                for key, f in printed.facts.items()
                if f.kind == "yoy" and f.source and f.source[0] == "expenditure_summary"
            }
            assert stated
            for fact in stated.values():
                _, row, column = fact.source
                assert fact.previous == before.value(row, column), fact.key
            if printed.style == "wuhan":
                overall = next(
                    p for p in printed.parts if isinstance(p, TableSpec) and p.title == "部门整体支出绩效目标表"
                )
                total_row = next(r for r in overall.rows if r[2] == "合计" and r[1] == "")
                assert Decimal(total_row[-1]) == wan(previous.numbers.total.total)


def test_amount_shapes_are_realistic():
    """Personnel 70–95 % of basic, 三公 a few 万元, year-on-year mostly within ±30 %, sizes over two orders of magnitude."""
    totals, changes, sangong = [], [], []
    for type_id in ALL_TYPES:
        for district in ("wuchang", "putuo"):
            _, _, series = make_series(district, type_id, years=(2023, 2024, 2025))
            for before, n in zip(series, series[1:]):
                assert Decimal("0.70") <= n.total.personnel / n.total.basic <= Decimal("0.95"), type_id
                assert 0 < n.sangong.total < n.total.public and n.sangong.total / n.total.total < Decimal("0.03"), (
                    type_id
                )
                changes.append(abs(n.total.total / before.total.total - 1))
                totals.append(n.total.total)
                sangong.append(n.sangong.total)
    assert max(totals) / min(totals) > 100
    assert sorted(sangong)[len(sangong) // 2] <= 10 * YUAN_PER_WAN  # a few 万元 in a typical filing
    assert sum(c <= Decimal("0.3") for c in changes) / len(changes) >= 0.9


# --- injections: exactly the labelled difference -----------------------------------------------------------


def table_cells(printed: PrintedFiling) -> dict:
    return {
        (tid, row.key): (row, {c: table.value(row.key, c) for c in row.cells})
        for tid, table in printed.tables.items()
        for row in table.rows
    }


def document_diff(a: PrintedFiling, b: PrintedFiling) -> tuple[list, list]:
    """Printed table cells and narrative paragraphs that differ between two filings' documents."""
    doc_a, _ = to_disclosure(a)
    doc_b, _ = to_disclosure(b)
    cells, paragraphs = [], []
    for i, (pa, pb) in enumerate(zip(doc_a.parts, doc_b.parts, strict=True)):
        if isinstance(pa, TableSpec):
            cells += [
                (i, r, c, x, y)
                for r, (ra, rb) in enumerate(zip(pa.rows, pb.rows, strict=True))
                for c, (x, y) in enumerate(zip(ra, rb))
                if x != y
            ]
            assert (pa.title, pa.unit) == (pb.title, pb.unit)
        else:
            paragraphs += [(i, k) for k, (x, y) in enumerate(zip(pa.paragraphs, pb.paragraphs, strict=True)) if x != y]
    return cells, paragraphs


@pytest.mark.parametrize("layout", ["wuhan", "shanghai"])
@pytest.mark.parametrize("kind", INCONSISTENCY_KINDS)
def test_each_inconsistency_changes_exactly_what_its_label_says(kind, layout):
    _, _, series = make_series(STYLE_DISTRICT[layout], "justice")
    clean, previous = build_printed(CONFIG, series), build_printed(CONFIG, series[:-1])
    injected, injection = inject_inconsistency(CONFIG, clean, previous, kind, random.Random(5))
    assert (injection.kind, injection.category) == (kind, "inconsistency") and injection.changes
    cells, paragraphs = document_diff(clean, injected)
    before, after = table_cells(clean), table_cells(injected)
    changed = {key: (before[key], after[key]) for key in before if before[key][1] != after[key][1]}
    if injection.changes[0].table and not injection.changes[0].fact:
        # A table injection: the labelled cells and nothing else, in the data and on paper.
        assert paragraphs == []
        found = {
            (tid, row.code or row.label or None, col, to_wan(old[col]), to_wan(new[col]))
            for (tid, _), ((row, old), (_, new)) in changed.items()
            for col in old
            if old[col] != new[col]
        }
        if kind == "unit_error_x10000":
            # every printed number ×10000 (机关运行经费 is rounded to 0.01 万元 before it is scaled)
            assert {f[0] for f in found} == {"sangong"} and all(abs(f[4] - f[3] * 10000) <= 50 for f in found)
            assert len(cells) == len(found)
            found = {f for f in found if f[2] == "sangong_total"}
        else:
            assert len(cells) == len(injection.changes)
        labelled = {(c.table, c.code or c.row, c.column, c.expected, c.printed) for c in injection.changes}
        assert found == labelled
        assert all(c.expected != c.printed for c in injection.changes)
    else:
        # A narrative injection: one fact, one printed paragraph, no table cell.
        assert changed == {} and cells == []
        (change,) = injection.changes
        facts_before, facts_after = clean.facts, injected.facts
        assert [k for k in facts_before if facts_before[k] != facts_after[k]] == [change.fact]
        assert len(paragraphs) == 1
        assert change.section == clean.section_of(change.fact) and change.expected != change.printed
        text = _paragraph(injected, paragraphs[0])
        if change.unit == "%":
            assert f"{Decimal(str(change.printed)).normalize():f}%" in text
        elif kind == "prev_year_mismatch":
            code = change.fact.split(".")[1]
            assert change.expected == to_wan(previous.tables["expenditure_summary"].value(code, "total"))
            assert _stated_previous(text, layout) == Decimal(str(change.printed))
        else:
            assert _wan_texts(text) & {Decimal(str(change.printed))} and Decimal(
                str(change.expected)
            ) not in _wan_texts(text)


def _paragraph(printed: PrintedFiling, where: tuple[int, int]) -> str:
    doc, _ = to_disclosure(printed)
    return doc.parts[where[0]].paragraphs[where[1]]


def _wan_texts(text: str) -> set[Decimal]:
    return {Decimal(m.replace(",", "")) for m in re.findall(r"([\d,.]+)万元", text)}


def _stated_previous(text: str, layout: str) -> Decimal:
    if layout == "shanghai":
        return Decimal(YOY_SHANGHAI.search(text)[2])
    m = YOY_WUHAN.search(text)
    current, delta = Decimal(m[1].replace(",", "")), Decimal(m[4].replace(",", ""))
    return current - delta if m[3] == "增加" else current + delta


@pytest.mark.parametrize("district", ["wuchang", "putuo"])
@pytest.mark.parametrize("kind", OUTLIER_KINDS)
def test_each_outlier_stays_consistent_and_extreme(kind, district):
    profile, drivers, series = make_series(district, "civil_affairs" if kind == "extreme_project_share" else "audit")
    numbers, injection = apply_outlier(
        CONFIG, profile, series[-1].year, drivers[-1], series[-2], kind, random.Random(3)
    )
    printed = build_printed(CONFIG, [*series[:-1], numbers])
    assert identity_problems(printed) == []
    (change,) = injection.changes
    assert (injection.kind, injection.category) == (kind, "outlier") and change.expected != change.printed
    total = numbers.total
    if kind == "extreme_sangong_share":
        assert numbers.sangong.total / total.total >= Decimal("0.015") and change.printed >= 10 * change.expected
    elif kind == "extreme_personnel_ratio":
        assert total.personnel / total.basic < Decimal("0.55") and change.printed < 55
    elif kind == "extreme_project_share":
        assert total.project / total.total < Decimal("0.02")  # 民政局 normally spends 50–80 % on projects
    elif kind == "jump_300pct":
        assert total.total / series[-2].total.total - 1 >= Decimal("2.9") and change.printed >= 290
    else:
        assert not any(isinstance(p, TableSpec) for p in printed.parts)
        assert "未编报" in "".join(
            str(x) for p in printed.parts if hasattr(p, "paragraphs") for para in p.paragraphs for x in para
        )


# --- the corpus: labels, determinism, parse round trip ---------------------------------------------------

SMALL = dict(districts=["wuchang", "putuo", "jianghan"], departments=["statistics"], years=[2024, 2025], seed=3)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_corpus(out, **SMALL, inconsistency_share=0.2, outlier_share=0.2)
    return out


def test_same_seed_same_bytes(small_corpus, tmp_path):
    generate_corpus(tmp_path, **SMALL, inconsistency_share=0.2, outlier_share=0.2)
    first = sorted(p.relative_to(small_corpus) for p in small_corpus.rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(first) == 10  # six budgets, three 决算 (every year but the last) and labels.json
    for rel in first:
        assert (small_corpus / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
    other = tmp_path / "other"
    generate_corpus(other, **{**SMALL, "seed": 4})
    assert (other / "labels.json").read_text() != (small_corpus / "labels.json").read_text()


def test_labels_describe_every_file(small_corpus):
    labels = json.loads((small_corpus / "labels.json").read_text(encoding="utf-8"))
    filings = labels["filings"]
    assert {f["layout"] for f in filings} == {"wuhan", "shanghai", "wuhan_unruled"}
    for f in filings:
        assert hashlib.sha256((small_corpus / f["path"]).read_bytes()).hexdigest() == f["filing_id"]
        assert set(f["headline_wan"]) == {
            "total_income",
            "total_expenditure",
            "basic_expenditure",
            "project_expenditure",
            "personnel_expenditure",
            "public_expenditure",
            "sangong_total",
            *FINAL_ONLY_HEADLINES,  # None in a budget: only a 决算 prints them
        }
        if f["doc_kind"] == "budget":
            assert all(f["headline_wan"][name] is None for name in FINAL_ONLY_HEADLINES)
        else:
            assert all(f["headline_wan"][name] is not None for name in FINAL_ONLY_HEADLINES)
        assert f["expenditure_items_wan"] and f["category"] in ("clean", "inconsistency", "outlier")
        for injection in f["injections"]:
            if injection["category"] == "outlier":
                assert f["year"] == 2025  # outliers only in the last year: no later filing shows a reversal
            if injection["kind"] in ("prev_year_mismatch", "jump_300pct"):
                assert f["previous_path"] is not None
    categories = [f["category"] for f in filings if f["doc_kind"] == "budget"]
    assert categories.count("inconsistency") == round(0.2 * 6) and categories.count("outlier") == round(0.2 * 6)
    assert [f["year"] for f in filings if f["doc_kind"] == "final_account"] == [2024] * 3


def test_small_corpus_parses_ok_with_the_labelled_figures(small_corpus):
    from budgetml.parse import filing_row, parse_file

    labels = json.loads((small_corpus / "labels.json").read_text(encoding="utf-8"))["filings"]
    for f in labels:
        parsed = parse_file(small_corpus / f["path"])
        assert parsed.status == "ok", (f["path"], parsed.error)
        row = filing_row(parsed)
        assert parsed.filing_id == f["filing_id"]
        assert (row["region"], row["department"], row["year"]) == (f["region"], f["department"], f["year"])
        for name, expected in f["headline_wan"].items():
            assert row[f"{name}_wan"] == pytest.approx(expected, abs=1e-9), (f["path"], name)
        table = {"budget": "expenditure_summary", "final_account": "final_expenditure"}[f["doc_kind"]]
        assert row["doc_kind"] == f["doc_kind"]
        items = {i.code: i.value_wan for _, i in parsed.items if i.table_id == table and i.column == "total" and i.code}
        assert items == pytest.approx(f["expenditure_items_wan"], abs=1e-9), f["path"]


def test_config_names_every_code_it_uses():
    broken = dataclasses.replace(CONFIG.department_types["audit"], admin_code="2019999")
    with pytest.raises(ValueError, match="2019999"):
        _check_config(dataclasses.replace(CONFIG, department_types={**CONFIG.department_types, "audit": broken}))


def test_bad_arguments_are_refused_in_chinese(tmp_path):
    with pytest.raises(ValueError, match="年度须连续"):
        generate_corpus(tmp_path, districts=1, departments=1, years=[2023, 2025])
    with pytest.raises(ValueError, match="未知的区"):
        generate_corpus(tmp_path, districts=["nowhere"], departments=1)


def test_cli_sample_takes_years_after_one_flag(tmp_path):
    from typer.testing import CliRunner

    from budgetml.cli import app

    result = CliRunner().invoke(
        app,
        [
            "sample",
            "--out",
            str(tmp_path),
            "--districts",
            "1",
            "--departments",
            "1",
            "--years",
            "2024",
            "2025",
            "--seed",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    labels = json.loads((tmp_path / "labels.json").read_text(encoding="utf-8"))
    assert labels["years"] == [2024, 2025] and len(labels["filings"]) == 3  # two budgets and the 2024 决算
    refused = CliRunner().invoke(
        app, ["sample", "--out", str(tmp_path), "--districts", "1", "--departments", "1", "--years", "2023", "2025"]
    )
    assert refused.exit_code == 2 and "年度须连续" in refused.output


def test_a_rerun_removes_only_the_pdfs_it_wrote_before(tmp_path):
    generate_corpus(tmp_path, districts=["putuo"], departments=["statistics"], years=[2024, 2025])
    keep = tmp_path / "notes.pdf"
    keep.write_bytes(b"%PDF- not ours")
    generate_corpus(tmp_path, districts=["putuo"], departments=["statistics"], years=[2025])
    assert sorted(p.name for p in tmp_path.rglob("*.pdf")) == [
        "notes.pdf",
        "putuo-tongjiju-2025.pdf",
    ]  # no 决算 of 2025 yet

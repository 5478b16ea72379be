"""The presentation fuzzer (`budgetml sample --vary`): knobs drawn and recorded, truth unchanged, amounts printed exactly."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from budgetml.synth.config import KNOWN_KNOB_VALUES, load_sample_config
from budgetml.synth.corpus import build_printed, filing_label, generate_corpus
from budgetml.synth.presentation import Presentation, TableDraw, draw_presentation, print_in_unit
from budgetml.synth.render import TableSpec
from budgetml.synth.sample import YUAN_PER_WAN
from budgetml.synth.sample_render import PrintedFiling
from budgetml.synth.varied_layout import varied_disclosure, write_varied_pdf
from tests.test_sample import identity_problems, make_series

CONFIG = load_sample_config()
SETTINGS = CONFIG.presentation
CODED = {
    "expenditure_summary",
    "general_budget_by_function",
    "basic_expenditure_by_economic",
    "general_budget_by_unit",
    "gov_fund",
    "state_capital",
}
AMOUNT = re.compile(r"-?\d[\d,]*\.\d\d")


def printed_filing(district: str, type_id: str, years=(2024, 2025)) -> PrintedFiling:
    _, _, series = make_series(district, type_id, years=years)
    return build_printed(CONFIG, series)


def drawn(printed: PrintedFiling, seed: int) -> tuple[PrintedFiling, Presentation]:
    presentation = draw_presentation(SETTINGS, printed, random.Random(seed))
    return print_in_unit(printed, presentation), presentation


# --- the corpus: knobs recorded, truth kept, deterministic -------------------------------------------------

SMALL = dict(districts=["wuchang", "putuo"], departments=["statistics", "street"], years=[2024, 2025], seed=8)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> tuple[Path, Path]:
    plain, varied = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("varied")
    # A varied corpus prints budgets only: the plain one to compare with leaves its 决算 out too.
    generate_corpus(plain, **SMALL, inconsistency_share=0.25, outlier_share=0.25, final_accounts=False)
    generate_corpus(varied, **SMALL, inconsistency_share=0.25, outlier_share=0.25, vary=True)
    return plain, varied


def labels_of(folder: Path) -> dict:
    return json.loads((folder / "labels.json").read_text(encoding="utf-8"))


def test_vary_changes_the_print_not_the_truth(corpora):
    plain, varied = (labels_of(c) for c in corpora)
    assert "vary" not in plain and varied["vary"] is True
    assert len(plain["filings"]) == len(varied["filings"]) == 8
    for a, b in zip(plain["filings"], varied["filings"], strict=True):
        assert a["path"] == b["path"] and a["filing_id"] != b["filing_id"]
        assert "presentation" not in a and "tables" not in a
        assert [i["kind"] for i in a["injections"]] == [i["kind"] for i in b["injections"]]
        blank = b["presentation"]["zero"] == "blank"
        assert b["expenditure_items_wan"] == {c: v for c, v in a["expenditure_items_wan"].items() if not blank or v}
        for name, value in a["headline_wan"].items():
            assert b["headline_wan"][name] == (None if blank and value == 0 else value), (b["path"], name)
        if b["presentation"]["money_unit"] == "元":
            assert set(b["headline_units"].values()) <= {"元", "万元"} and "元" in b["headline_units"].values()
        else:
            assert a["headline_units"] == b["headline_units"]


def test_labels_record_every_knob_and_what_each_table_printed_with(corpora):
    _, varied = corpora
    for f in labels_of(varied)["filings"]:
        knobs = f["presentation"]
        assert set(KNOWN_KNOB_VALUES) <= set(knobs)
        for knob, known in KNOWN_KNOB_VALUES.items():
            assert knobs[knob] in known, knob
        assert set(knobs["tables"]) == {t for t in f["tables"] if not t.startswith("performance_")}
        for table in knobs["tables"].values():
            assert set(table) == {"caption", "unit", "digits", "landscape", "font_pt", "breaks", "new_page"}
        pdf = varied / f["path"]
        with pdfplumber.open(pdf) as opened:
            text = "".join(page.extract_text() or "" for page in opened.pages)
        if knobs["public_edition"]:
            assert "（公开版）" in text
        if knobs["digits"] == "fullwidth":
            assert re.search("[０-９]", text)
        else:
            assert not re.search("[０-９]", text)


def test_same_seed_same_bytes(corpora, tmp_path):
    _, varied = corpora
    generate_corpus(tmp_path, **SMALL, inconsistency_share=0.25, outlier_share=0.25, vary=True)
    assert (tmp_path / "labels.json").read_bytes() == (varied / "labels.json").read_bytes()
    for f in labels_of(varied)["filings"]:
        assert (tmp_path / f["path"]).read_bytes() == (varied / f["path"]).read_bytes()


def test_every_knob_value_is_drawn():
    filings = [printed_filing("wuchang", "justice"), printed_filing("putuo", "justice")]
    seen: dict[str, set] = {}
    for seed in range(400):
        presentation = draw_presentation(SETTINGS, filings[seed % 2], random.Random(seed))
        for knob, value in presentation.knobs().items():
            seen.setdefault(knob, set()).add(value)
    for knob, values in SETTINGS.choices.items():
        assert set(values) <= seen[knob], knob
    assert seen["public_edition"] == {True, False}


# --- what is printed: every amount exactly once, every code, the identities ------------------------------


def amount_texts(spec: TableSpec) -> Counter:
    """Every printed amount of a table (zeros included, blanks not), as a Decimal."""
    found = Counter()
    for row in spec.rows:
        for cell in row:
            text = unicodedata.normalize("NFKC", cell).replace(",", "")
            if AMOUNT.fullmatch(text) or text in ("0", "-"):
                found[Decimal(0) if text == "-" else Decimal(text)] += 1
    return found


def printed_codes(spec: TableSpec) -> set[str]:
    """The codes a reader assembles from a row: leading code cells (one or split over 类/款/项) or a name's prefix."""
    codes = set()
    for row in spec.rows:
        cells = [unicodedata.normalize("NFKC", c) for c in row]
        digits = [c for c in cells[:3] if c.isdigit()]
        if digits and cells[0].isdigit():
            codes.add("".join(digits))
        elif m := re.match(r"(\d{3,7}) ", cells[0]):
            codes.add(m[1])
    return codes


@pytest.mark.parametrize("district", ["wuchang", "putuo"])
def test_every_amount_and_code_prints_exactly_in_every_presentation(district):
    for seed, type_id in enumerate(["justice", "education", "street", "health", "civil_affairs"] * 6):
        printed, presentation = drawn(printed_filing(district, type_id), seed)
        assert identity_problems(printed) == [], (type_id, seed)
        document = varied_disclosure(printed, presentation, SETTINGS)
        specs = {p.title: p for p in document.disclosure.parts if isinstance(p, TableSpec)}
        for table in printed.tables.values():
            spec = specs[table.title]
            expected = Counter(
                table.printed_number(amount)
                for row in table.rows
                for amount in row.cells.values()
                if amount is not None and not (presentation.zero == "blank" and table.printed_number(amount) == 0)
            )
            assert amount_texts(spec) == expected, (type_id, seed, table.table_id)
            for row in table.rows:
                for column, amount in row.cells.items():
                    if amount is not None:  # printed number × the unit it prints under = what a reader gets
                        unit = Decimal(1) if table.unit == "元" else YUAN_PER_WAN
                        assert table.printed_number(amount) * unit == table.value(row.key, column)
            if table.table_id in CODED and table.rows:
                assert printed_codes(spec) == {r.code for r in table.rows if r.code}, (seed, table.table_id)
            choice = document.tables[table.table_id]
            assert (spec.landscape, spec.font_pt, spec.break_before) == (
                choice.landscape,
                choice.font_pt,
                choice.breaks,
            )


def test_wuhan_tables_print_in_exact_yuan_when_drawn():
    printed = printed_filing("wuchang", "education")
    presentation = replace(draw_presentation(SETTINGS, printed, random.Random(1)), money_unit="元")
    in_yuan = print_in_unit(printed, presentation, keep=frozenset({"sangong"}))
    assert {t.unit for t in in_yuan.tables.values()} == {"元", "万元"} and in_yuan.tables["sangong"].unit == "万元"
    assert in_yuan.headline_figures() == printed.headline_figures()
    assert in_yuan.expenditure_items() == printed.expenditure_items()
    assert identity_problems(in_yuan) == []
    shanghai = printed_filing("putuo", "education")
    assert draw_presentation(SETTINGS, shanghai, random.Random(1)).money_unit == "template"  # 元 already, exact


# --- on paper --------------------------------------------------------------------------------------------


def knobs(printed: PrintedFiling, **values) -> Presentation:
    presentation = draw_presentation(SETTINGS, printed, random.Random(0))
    tables = {t: TableDraw(False, (), True) for t in presentation.tables}
    return replace(presentation, **{"tables": tables, **values})


def pdf_text(printed: PrintedFiling, presentation: Presentation, path: Path) -> list[str]:
    write_varied_pdf(printed, presentation, SETTINGS, path)
    with pdfplumber.open(path) as opened:
        return [page.extract_text() or "" for page in opened.pages]


def test_captions_cover_and_titles_print_as_drawn(tmp_path):
    printed = printed_filing("putuo", "justice")
    presentation = knobs(
        printed,
        scope="预算单位",
        cover="region_year_org",
        cover_name="spaced",
        caption="unit_in_headers",
        header_unit_form="（{unit}）",
        org_label="单位名称：",
        number="above-left:附表1-{n}",
        title_year="prefix_du",
        public_edition=True,
        digits="ascii",
    )
    pages = pdf_text(printed, presentation, tmp_path / "a.pdf")
    assert pages[0].splitlines()[:2] == ["上海市普陀区2025年区级单位预算", "预算单位：上 海 市 普 陀 区 司 法 局"]
    text = "\n".join(pages)
    assert "附表1-3\n2025年度预算单位支出预算总表（公开版）\n单位名称：上海市普陀区司法局" in text
    assert "合计（元）" in text and "单位：元" not in text
    presentation = replace(
        presentation, caption="document_unit", document_unit_mixed_form="除另有标注外，以下表格金额单位均为{unit}。"
    )
    text = "\n".join(pdf_text(printed, presentation, tmp_path / "b.pdf"))
    assert text.count("除另有标注外，以下表格金额单位均为元。") == 1
    assert "单位：万元" in text  # 普陀's 三公 table is the exception and says so itself


def test_grids_print_the_rules_drawn(tmp_path):
    printed = printed_filing("wuchang", "statistics")
    rules = {}
    for grid in ("ruled", "horizontal", "three_line", "unruled"):
        presentation = knobs(printed, grid=grid, caption="one_line", scope="部门", title_year="none", share_pages=False)
        write_varied_pdf(printed, presentation, SETTINGS, tmp_path / f"{grid}.pdf")
        with pdfplumber.open(tmp_path / f"{grid}.pdf") as opened:
            page = next(p for p in opened.pages if "部门支出总表" in (p.extract_text() or ""))
            rules[grid] = (
                {round(line["top"]) for line in page.lines if line["top"] == line["bottom"]},
                sum(line["x0"] == line["x1"] for line in page.lines),
            )
    horizontal, vertical = rules["ruled"]
    assert vertical > 0 and len(horizontal) > 5
    assert rules["horizontal"] == (horizontal, 0)
    assert len(rules["three_line"][0]) == 3 and rules["three_line"][1] == 0
    assert rules["unruled"] == (set(), 0)


def test_native_knobs_through_the_varied_layout_are_read_exactly(tmp_path):
    """The varied layout with each template's own presentation: today's parser reads it exactly (labels are right)."""
    from budgetml.parse import parse_file

    native = {
        "wuhan": dict(
            scope="部门",
            cover="name_year",
            org_label="",
            title_year="none",
            number="above:表 {n}",
            total_row="first",
            codes="column",
        ),
        "shanghai": dict(
            scope="部门",
            cover="region_year_org",
            org_label="编制部门：",
            title_year="prefix",
            number="none",
            total_row="last",
            codes="split",
            code_words="long",
        ),
    }
    common = dict(
        cover_name="plain",
        grid="ruled",
        caption="one_line",
        unit_form="单位：{unit}",
        date="",
        public_edition=False,
        separators=True,
        zero="0.00",
        digits="ascii",
        repeat_header=True,
    )
    for district, type_id, unit in (
        ("wuchang", "justice", "template"),
        ("wuchang", "education", "元"),
        ("putuo", "justice", "template"),
    ):
        printed = printed_filing(district, type_id)
        presentation = knobs(printed, **common, **native[printed.style], money_unit=unit)
        printed = print_in_unit(printed, presentation)
        path = tmp_path / f"{district}-{type_id}.pdf"
        write_varied_pdf(printed, presentation, SETTINGS, path)
        label = filing_label(printed, path.name, path, None, ())
        parsed = parse_file(path)
        assert parsed.status == "ok", parsed.error
        read = {k: None if v is None else float(v / YUAN_PER_WAN) for k, v in parsed.headlines.items()}
        assert read == label.headline_wan
        items = {
            it.code: it.value_wan
            for _, it in parsed.items
            if it.table_id == "expenditure_summary" and it.column == "total"
        }
        assert {c: v for c, v in items.items() if c} == pytest.approx(label.expenditure_items_wan, abs=1e-9), path.name

"""The two extraction engines give identical datasets (bboxes within 1 pt) on every document we have; the
engine travels with the settings to the isolated workers and into the parser version; bombs fail fast."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest
from pdfminer.fontmetrics import FONT_METRICS
from typer.testing import CliRunner

from budgetml import generations, incremental
from budgetml.catalog import load_catalog
from budgetml.cli import app
from budgetml.datasets import read_table
from budgetml.equivalence import BBOX_TOLERANCE_PT, compare_engines, row_difference
from budgetml.extract import ENGINES, ExtractError, pdf_to_pages
from budgetml.extract.guards import refuse_bombs
from budgetml.extract.pdfium_engine import AFM_DESCENTS
from budgetml.isolation import parse_isolated
from budgetml.parse import PARSER_VERSION, parse_file, parsed_to_tables
from budgetml.records import Char
from budgetml.schema import FILINGS, INPUTS
from budgetml.settings import ParseLimits, SettingsError, load_settings, with_engine
from tests import badpdfs, enginepdfs, flowdata
from tests.conftest import SHARED

REAL_PDFS = sorted((SHARED / "real").glob("*.pdf"))
runner = CliRunner()


def assert_same_datasets(paths: list[Path]) -> None:
    """Every parse dataset equal row by row between the engines, bboxes within BBOX_TOLERANCE_PT."""
    compared = list(compare_engines(paths, catalog=load_catalog()))
    assert len(compared) == len(paths)
    for comparison in compared:
        assert comparison.differences == (), [d.detail for d in comparison.differences[:5]]
        assert comparison.statuses[0] == comparison.statuses[1]
        assert comparison.max_bbox_shift_pt <= BBOX_TOLERANCE_PT


def test_seed_fixture_parses_identically(seed_fixture_pdf):
    assert_same_datasets([seed_fixture_pdf])


@pytest.mark.parametrize("name", [p.name for p in REAL_PDFS] or ["(none)"])
def test_real_pdfs_parse_identically(name):
    if not REAL_PDFS:
        pytest.skip(f"no real PDFs in {SHARED / 'real'}")
    assert_same_datasets([SHARED / "real" / name])


def test_generated_sample_corpus_parses_identically(tmp_path):
    """Three districts (the three layouts), two departments, two years: clean, inconsistent and outlier filings, and
    the 2024 决算 of each department."""
    result = runner.invoke(
        app,
        ["sample", "--out", str(tmp_path), "--districts", "3", "--departments", "2", "--years", "2024", "2025"],
    )
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.rglob("*.pdf"))
    assert len(pdfs) == 18  # 12 budgets, 6 决算
    assert_same_datasets(pdfs)


def test_fuzzed_presentations_parse_identically(tmp_path):
    """The presentation fuzzer (`budgetml sample --vary`): grids and 三线表, caption arrangements, full-width
    digits, landscape pages, page breaks, covers — drawn at random per filing, the same for both engines."""
    args = ["sample", "--out", str(tmp_path), "--districts", "3", "--departments", "2", "--years", "2025"]
    result = runner.invoke(app, [*args, "--vary", "--seed", "2027"])
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.rglob("*.pdf"))
    assert len(pdfs) == 6
    assert_same_datasets(pdfs)


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory):
    """A budget filing, and the same pages as form XObjects on pages turned by /Rotate (and forms in forms)."""
    folder = tmp_path_factory.mktemp("wrapped")
    source = flowdata.budget_pdf(folder / "source.pdf")
    files = {
        f"rotate{r}": enginepdfs.wrapped_pdf(source, folder / f"rotate{r}.pdf", rotate=r) for r in (0, 90, 180, 270)
    }
    scaled = enginepdfs.wrapped_pdf(source, folder / "scaled.pdf", scale=0.8)
    files["nested"] = enginepdfs.wrapped_pdf(scaled, folder / "nested.pdf", rotate=90, scale=1.1)
    return source, files


def test_forms_and_rotated_pages_parse_identically_and_as_the_source_reads(wrapped):
    source, files = wrapped
    assert_same_datasets(list(files.values()))
    expected = parsed_to_tables([parse_file(source, engine="pdfminer")])
    for name in ("rotate90", "rotate180", "rotate270"):
        for engine in ENGINES:
            tables = parsed_to_tables([parse_file(files[name], engine=engine)])
            for dataset in ("line_items", "tables", "narrative"):
                got, want = tables[dataset].to_pylist(), expected[dataset].to_pylist()
                assert len(got) == len(want) > 0, (name, engine, dataset)
                for a, b in zip(got, want):
                    for key in ("filing_id", "cell_id"):  # another file: other ids, the same cells
                        a.pop(key, None), b.pop(key, None)
                    detail, _ = row_difference(a, b)  # the turned page reads exactly as the source page
                    assert not detail, (name, engine, dataset, detail)


def page_chars(path: Path, engine: str) -> list[Char]:
    pages = pdf_to_pages(path.read_bytes(), engine=engine)
    return sorted((c for page in pages for c in page.chars), key=lambda c: (c.text, c.top, c.x0))


def assert_same_chars(first: list[Char], second: list[Char]) -> None:
    """Same characters, same upright flags, boxes and sizes within a hundredth of a point (pdfium's floats)."""
    assert [(c.text, c.upright) for c in first] == [(c.text, c.upright) for c in second]
    for a, b in zip(first, second):
        assert max(abs(x - y) for x, y in zip(a[1:6], b[1:6])) < 0.01, (a, b)


def test_text_state_turned_text_and_standard_fonts_give_the_same_characters(tmp_path):
    path = enginepdfs.text_state_pdf(tmp_path / "state.pdf")
    pdfminer, pdfium = (page_chars(path, engine) for engine in ("pdfminer", "pdfium"))
    assert_same_chars(pdfminer, pdfium)
    assert {c.text for c in pdfium if not c.upright} == set("竖排的文字")  # a quarter turn is not upright; 30° is


def test_characters_outside_the_bmp_are_one_character_each(tmp_path):
    path = enginepdfs.non_bmp_pdf(tmp_path / "ext-b.pdf")
    pdfminer, pdfium = (page_chars(path, engine) for engine in ("pdfminer", "pdfium"))
    assert_same_chars(pdfminer, pdfium)
    assert sorted(c.text for c in pdfium) == sorted("𠀀𪚥中𠀀中中𪚥𠀀")


def test_afm_descents_are_pdfminers():
    """pdfminer boxes the standard fonts with its own AFM metrics; the pdfium engine must use the same ones."""
    assert set(AFM_DESCENTS) == set(FONT_METRICS)
    for name, (descriptor, _) in FONT_METRICS.items():
        assert AFM_DESCENTS[name] * 1000 == (descriptor.get("Descent") or 0), name


def test_pdfium_drops_text_drawn_twice_on_the_same_spot(tmp_path):
    """A known difference: pdfium's text page skips a text object repeated at (nearly) the same place (fake
    bold); pdfminer keeps both copies. Files that do this show up in `budgetml verify-engines`."""
    path = tmp_path / "twice.pdf"
    c = badpdfs._canvas(str(path))
    c.setFont(badpdfs.FONT, 12)
    c.drawString(72, 700, "合计 12.50")
    c.drawString(72, 700, "合计 12.50")
    c.showPage()
    c.save()
    texts = {engine: "".join(c.text for c in page_chars(path, engine)) for engine in ENGINES}
    assert sorted(texts["pdfium"] * 2) == sorted(texts["pdfminer"])


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    prose = badpdfs.prose_pdf(folder / "prose.pdf", pages=3)
    return {
        "empty": (badpdfs.empty_file(folder / "empty.pdf"), "空文件"),
        "random": (badpdfs.random_bytes(folder / "random.pdf"), "不是 PDF"),
        "truncated": (badpdfs.truncated(folder / "truncated.pdf", prose, keep=0.4), "不完整"),
        "nearly_whole": (badpdfs.truncated(folder / "nearly.pdf", prose, keep=0.98), "不完整"),
        "encrypted": (badpdfs.encrypted(folder / "encrypted.pdf"), "加密"),
        "image": (badpdfs.image_only(folder / "scan.pdf"), "没有可提取的文字"),
        "not_budget": (prose, "未识别到任何部门预算或决算表格"),
        "bomb": (flowdata.bomb_pdf(folder / "bomb.pdf"), "疑似解压炸弹"),
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_files_fail_with_the_same_chinese_messages(bad_files, engine):
    for kind, (path, expected) in bad_files.items():
        parsed = parse_file(path, engine=engine)
        assert parsed.status == "failed", (engine, kind)
        assert expected in parsed.error, (engine, kind, parsed.error)
        assert "Traceback" not in parsed.error


def test_a_bomb_is_refused_without_inflating_it(tmp_path):
    """The check counts inflated bytes and drops them: a 512 MB stream costs no memory, and the limit is exact."""
    data = flowdata.bomb_pdf(tmp_path / "bomb.pdf", decompressed_mb=64).read_bytes()
    refuse_bombs(data, limit_mb=64)  # exactly at the limit: accepted
    with pytest.raises(ExtractError, match="超过 63 MB"):
        refuse_bombs(data, limit_mb=63)
    for engine in ENGINES:
        with pytest.raises(ExtractError, match="疑似解压炸弹"):
            list(pdf_to_pages(data, engine=engine, inflate_limit_mb=16))


@pytest.mark.parametrize("engine", ENGINES)
def test_max_pages_stops_reading(seed_fixture_pdf, engine):
    pages = list(pdf_to_pages(seed_fixture_pdf.read_bytes(), max_pages=3, engine=engine))
    assert [p.number for p in pages] == [1, 2, 3]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown extraction engine"):
        list(pdf_to_pages(b"%PDF-1.4\n%%EOF", engine="pdfbox"))
    with pytest.raises(SettingsError, match="未知的解析引擎"):
        with_engine(load_settings(), "pdfbox")


def test_config_names_its_engine_with_a_reason():
    assert load_settings().limits.engine in ENGINES
    text = (Path(__file__).resolve().parent.parent / "configs" / "nightly.toml").read_text(encoding="utf-8")
    assert "engine = " in text and "# Extraction engine" in text


def test_engine_reaches_the_workers_and_the_parser_version(tmp_path):
    """Each engine's rows carry its own parser version, parsed in the isolated workers with that engine."""
    good = flowdata.budget_pdf(tmp_path / "in" / "good.pdf")
    files = incremental.hash_inputs([good])
    for engine in ENGINES:
        (outcome,) = parse_isolated(files, ParseLimits(60, 2048, engine), workers=1)
        assert outcome.status == "ok"
        assert outcome.parser_version == f"{PARSER_VERSION}-{engine}"
        assert outcome.tables["filings"]["parser_version"].to_pylist() == [f"{PARSER_VERSION}-{engine}"]


def test_caches_of_the_two_engines_never_mix(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    flowdata.budget_corpus(folder, 2)

    def run(engine: str) -> incremental.RunPlan:
        """The parse stage as the flow wires it (see tests/test_incremental.run_once), with one engine."""
        limits = ParseLimits(60, 2048, engine)
        plan = incremental.plan_run(sorted(folder.glob("*.pdf")), out, limits)
        outcomes = parse_isolated(
            list(plan.to_parse), limits, workers=1, on_outcome=lambda o: incremental.store_outcome(out, o, limits)
        )
        staged = generations.begin(out)
        inputs, _ = incremental.stage_parse_datasets(plan, outcomes, out, staged)
        generations.publish(out, staged)
        incremental.prune_cache(out, set(inputs["filing_id"].to_pylist()), limits.parser_version)
        return plan

    assert len(run("pdfminer").to_parse) == 2
    switched = run("pdfium")
    assert len(switched.to_parse) == 2 and not switched.published  # nothing of pdfminer's is reused
    assert incremental.cache_root(out, f"{PARSER_VERSION}-pdfium").exists()
    assert not incremental.cache_root(out, f"{PARSER_VERSION}-pdfminer").exists()  # pruned with its version
    assert run("pdfium").is_unchanged
    inputs = read_table(INPUTS, out)
    assert pc.unique(inputs["parser_version"]).to_pylist() == [f"{PARSER_VERSION}-pdfium"]


def test_verify_engines_command_lists_files_and_differences(seed_fixture_pdf, tmp_path):
    result = runner.invoke(app, ["verify-engines", str(seed_fixture_pdf)])
    assert result.exit_code == 0, result.output
    assert "same:" in result.output and "1 files: 1 same, 0 differ" in result.output
    twice = tmp_path / "twice.pdf"
    c = badpdfs._canvas(str(twice))
    c.setFont(badpdfs.FONT, 12)
    c.drawString(72, 700, "会议纪要")
    c.showPage()
    c.setFont(badpdfs.FONT, 12)
    for _ in range(2):  # the narrative page: pdfminer reads every character twice, pdfium once
        c.drawString(72, 700, "本次会议讨论了年度工作计划。")
    c.showPage()
    c.save()
    result = runner.invoke(app, ["verify-engines", str(tmp_path)])
    assert result.exit_code == 1
    assert "narrative row 0: text:" in result.output and "0 same, 1 differ" in result.output


def test_row_difference_tolerates_only_small_bbox_moves():
    row = {"text": "合计", "bbox": [10.0, 20.0, 30.0, 40.0]}
    assert row_difference(row, {**row, "bbox": [10.9, 20.0, 30.0, 40.0]})[0] == ""
    assert "bbox moved 1.10 pt" in row_difference(row, {**row, "bbox": [11.1, 20.0, 30.0, 40.0]})[0]
    assert "text" in row_difference(row, {**row, "text": "小计"})[0]


def test_run_command_refuses_an_unknown_engine_before_starting(seed_fixture_pdf, tmp_path):
    args = ["run", "--input", str(seed_fixture_pdf), "--output", str(tmp_path), "--engine", "pdfbox"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "未知的解析引擎" in result.output


@pytest.mark.parametrize("engine", ENGINES)
def test_parse_command_takes_the_engine(seed_fixture_pdf, tmp_path, engine):
    result = runner.invoke(app, ["parse", str(seed_fixture_pdf), "--output", str(tmp_path), "--engine", engine])
    assert result.exit_code == 0, result.output
    filings = read_table(FILINGS, tmp_path)
    assert filings["parser_version"].to_pylist() == [f"{PARSER_VERSION}-{engine}"]
    bad = runner.invoke(app, ["parse", str(seed_fixture_pdf), "--output", str(tmp_path), "--engine", "pdfbox"])
    assert bad.exit_code == 2 and "未知的解析引擎" in bad.output

"""Text from PDFs, paths, errors and reviewers is printed as plain text: never markup, never a control sequence."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from budgetml.cli import app
from budgetml.terminal import plain
from tests import badpdfs, flowdata

HOSTILE = "[/b][bold]红\x1b[31m字\n伪造的日志行"


def test_plain_escapes_control_characters_and_keeps_brackets():
    assert plain(HOSTILE) == "[/b][bold]红\\x1b[31m字\\n伪造的日志行"
    assert plain("上海市普陀区司法局 [2026]") == "上海市普陀区司法局 [2026]"


def test_parse_prints_an_error_quoting_a_pdf_dictionary(tmp_path):
    """pdfminer's message for a bare dictionary key contains `[/'Type', …`: it used to crash the command.
    (pdfium reads that file without complaint, so the pdfminer engine is asked for.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    badpdfs.odd_key_pdf(folder / "odd.pdf")
    result = CliRunner().invoke(app, ["parse", str(folder), "--output", str(tmp_path / "out"), "--engine", "pdfminer"])
    assert result.exit_code == 0, result.output
    assert "[/'Type'" in result.output and "失败 1" in result.output
    assert "Traceback" not in result.output


def test_parse_prints_a_hostile_file_name_on_one_line(tmp_path):
    folder = tmp_path / "in" / "odd["  # with the file's name below: ".../odd[/b]x…", a closing tag to rich
    folder.mkdir(parents=True)
    badpdfs.odd_key_pdf(folder / "b]x\x1b[31m\n伪造.pdf")
    shutil.copy(flowdata.budget_pdf(tmp_path / "good.pdf"), folder / "[bold]good.pdf")
    result = CliRunner().invoke(app, ["parse", str(tmp_path / "in"), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "odd[/b]x\\x1b[31m\\n伪造.pdf" in result.output
    assert "\x1b[31m" not in result.output and "\n伪造" not in result.output
    assert "成功 1" in result.output


def test_review_prints_a_reviewer_name_with_brackets(tmp_path):
    from tests.test_review import outlier_output, rerun

    out, store = tmp_path / "out", tmp_path / "decisions.sqlite"
    _, target = outlier_output(out)
    rerun(out, store)
    args = [
        "review",
        target,
        "--status",
        "dismissed",
        "--note",
        HOSTILE,
        "--by",
        "[/b]",
        "--output",
        str(out),
        "--store",
        str(store),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "复核人 [/b]" in result.output


def test_every_command_prints_a_hostile_output_folder_and_file_name_as_plain_text(tmp_path):
    """Paths, errors, findings and reasons pass through parse, check, features, score, report, review and evaluate."""
    # Brackets in the folder too: every dataset is read as a path, never as a glob pattern.
    out = tmp_path / "out[1]\x1b\n伪造的日志行"
    folder = tmp_path / "in"
    folder.mkdir()
    badpdfs.odd_key_pdf(folder / f"odd{HOSTILE.replace('/', '')}.pdf")  # no / in a file name
    shutil.copy(flowdata.budget_pdf(tmp_path / "good.pdf"), folder / "[bold]good.pdf")
    labels = tmp_path / "labels.json"
    labels.write_text('{"filings": []}', encoding="utf-8")
    store = str(tmp_path / "decisions.sqlite")
    commands = [
        ["parse", str(folder), "--output", str(out)],
        ["check", str(out)],
        ["features", str(out)],
        ["score", str(out), "--store", store],
        ["report", str(out), "--store", store],
        ["review", "--list", "--output", str(out), "--store", store],
        ["review", "0" * 12, "--status", "dismissed", "--output", str(out), "--store", store],  # an error naming out
        ["evaluate", "--labels", str(labels), "--output", str(out)],
    ]
    for args in commands:
        result = CliRunner().invoke(app, args)
        assert result.exit_code in (0, 2), (args, result.output)
        assert "\x1b" not in result.output and "\n伪造的日志行" not in result.output, (args, result.output)
        assert "Traceback" not in result.output, (args, result.output)
    assert plain(out) in CliRunner().invoke(app, ["check", str(out)]).output
    listed = CliRunner().invoke(app, ["review", "--list", "--output", str(out), "--store", store]).output
    assert "复核队列" in listed  # the queue was read through the bracketed folder
    assert list((out / "reports").glob("report-*.html"))

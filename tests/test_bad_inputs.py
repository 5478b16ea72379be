"""Bad input becomes a failed filing with a clear error; the batch goes on."""

from __future__ import annotations

import polars as pl
import pytest

from budgetml.parse import parse_file, parse_to_datasets
from tests import badpdfs, flowdata
from tests.conftest import PUTUO_PDF


@pytest.fixture()
def bad_dir(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    prose = badpdfs.prose_pdf(folder / "prose.pdf", pages=3)
    files = {
        "empty": badpdfs.empty_file(folder / "empty.pdf"),
        "random": badpdfs.random_bytes(folder / "random.pdf"),
        "truncated": badpdfs.truncated(folder / "truncated.pdf", prose, keep=0.4),
        "encrypted": badpdfs.encrypted(folder / "encrypted.pdf"),
        "image": badpdfs.image_only(folder / "image only 扫描件.pdf"),
        "not_budget": prose,
    }
    return folder, files


EXPECTED_ERROR = {
    "empty": "空文件",
    "random": "不是 PDF",
    "truncated": "不完整",
    "encrypted": "加密",
    "image": "没有可提取的文字",
    "not_budget": "未识别到任何部门预算或决算表格",
}


def test_each_bad_file_fails_clearly(bad_dir):
    _, files = bad_dir
    for kind, path in files.items():
        parsed = parse_file(path)
        assert parsed.status == "failed", kind
        assert parsed.error and EXPECTED_ERROR[kind] in parsed.error, (kind, parsed.error)
        assert len(parsed.filing_id) == 64


def test_batch_goes_on_and_writes_every_file(bad_dir, tmp_path):
    folder, files = bad_dir
    paths = sorted(files.values())
    if PUTUO_PDF.exists():
        paths.append(PUTUO_PDF)
    written = parse_to_datasets(paths, tmp_path / "out")
    filings = pl.read_parquet(written["filings"])
    assert filings.height == len(paths)
    failed = filings.filter(pl.col("status") == "failed")
    assert failed.height == len(files)
    assert failed["error"].null_count() == 0
    if PUTUO_PDF.exists():
        assert filings.filter(pl.col("status") == "ok").height == 1


def test_an_amount_too_large_for_the_decimal_type_is_a_failed_cell_not_a_crash(tmp_path):
    """≥ 21 integer digits in 元 overflowed decimal(24,4): `parse` crashed the batch, `run` recorded a traceback."""
    from budgetml.parse import fits_yuan, parsed_to_tables

    parsed = parse_file(flowdata.huge_amount_pdf(tmp_path / "huge.pdf"))
    assert parsed.status == "partial", parsed.error
    assert "超出可记录的范围" in parsed.error and "123,456,789,012,345,678,901,234.00" in parsed.error
    assert all(fits_yuan(item.amount_yuan) for _, item in parsed.items) and len(parsed.items) > 50
    assert parsed_to_tables([parsed])["line_items"].num_rows == len(parsed.items)


def test_fits_yuan_is_the_declared_decimal_type():
    from decimal import Decimal

    from budgetml.parse import fits_yuan

    assert fits_yuan(Decimal("99999999999999999999.9999")) and fits_yuan(Decimal("-1.5000000"))
    assert fits_yuan(Decimal("1E+19")) and not fits_yuan(Decimal("1E+20"))
    assert not fits_yuan(Decimal("100000000000000000000")) and not fits_yuan(Decimal("0.00001"))
    assert not fits_yuan(Decimal("NaN")) and not fits_yuan(Decimal("Infinity"))


def test_budgetml_parse_has_the_runs_limits_and_one_filing_per_content(tmp_path):
    """`parse` used to run in-process without limits (a self-referencing /Contents looped forever) and kept copies twice."""
    from typer.testing import CliRunner

    from budgetml.cli import app
    from budgetml.layout import dataset_path

    folder = tmp_path / "in"
    folder.mkdir()
    long_pdf = flowdata.stalling_pdf(folder / "long.pdf")
    # Below the decompression limit (budgetml.extract.guards.INFLATE_LIMIT_MB): the memory limit has to stop it.
    bomb = flowdata.bomb_pdf(folder / "bomb.pdf", decompressed_mb=200)
    good = flowdata.budget_pdf(folder / "good.pdf")
    (folder / "copy of good.pdf").write_bytes(good.read_bytes())
    args = ["parse", str(folder), "--output", str(tmp_path / "out"), "--time-limit", "5", "--memory-limit", "300"]
    result = CliRunner().invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 0, result.output
    filings = pl.read_parquet(dataset_path(tmp_path / "out", "filings"))
    assert filings.height == 3  # the copy is the same filing
    errors = dict(zip(filings["source_path"], filings["error"]))
    assert errors[str(long_pdf)].startswith("超时") and errors[str(bomb)].startswith("内存超限")
    assert errors[str(folder / "copy of good.pdf")] is None  # the first by path stands for both
    inputs = pl.read_parquet(dataset_path(tmp_path / "out", "inputs"))
    assert sorted(inputs["parse_outcome"]) == ["duplicate", "parsed", "parsed", "parsed"]
    assert "其中 1 个与其他文件内容相同" in result.output
    again = CliRunner().invoke(app, args)  # the limit failures are cached for these limits
    assert again.exit_code == 0 and "本次解析 0 个，复用缓存 3 个" in again.output

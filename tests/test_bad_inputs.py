"""Bad input becomes a failed filing with a clear error; the batch goes on."""

from __future__ import annotations

import polars as pl
import pytest

from budgetml.parse import parse_file, parse_to_datasets
from tests import badpdfs
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
    "not_budget": "未识别到任何部门预算表格",
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

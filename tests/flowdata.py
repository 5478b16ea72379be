"""Inputs for the nightly-flow tests: small real budget filings (distinct per department) and bad files."""

from __future__ import annotations

import functools
import zlib
from dataclasses import replace
from pathlib import Path

from budgetml.synth.render import Disclosure, TableSpec, render_pdf
from budgetml.synth.seed import seed_disclosure
from tests import badpdfs


@functools.cache
def _seed() -> Disclosure:
    return seed_disclosure()


def budget_pdf(path: Path, department: str = "测试局") -> Path:
    """A small budget filing (cover, 表1–表4; 8 pages, ~0.4 s to parse) for 武昌区{department}, 2025."""
    seed = _seed()
    # parts[4] is the 第二部分 title page; 4 tables follow it.
    render_pdf(replace(seed, cover_lines=(f"武昌区{department}", "2025 年部门预算"), parts=seed.parts[4:9]), path)
    return path


def huge_amount_pdf(path: Path, printed: str = "123,456,789,012,345,678,901,234.00") -> Path:
    """A small budget filing whose first amount (in 万元) has far more digits than decimal(24,4) holds in 元."""
    seed = _seed()
    parts = list(seed.parts[4:9])
    first = next(k for k, part in enumerate(parts) if isinstance(part, TableSpec))
    rows = list(parts[first].rows)
    rows[0] = (rows[0][0], printed, *rows[0][2:])
    parts[first] = replace(parts[first], rows=tuple(rows))
    render_pdf(replace(seed, cover_lines=("武昌区巨额局", "2025 年部门预算"), parts=tuple(parts)), path)
    return path


def budget_corpus(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [budget_pdf(folder / f"dept-{k:02d}.pdf", f"测试{k:02d}局") for k in range(n)]


def bomb_pdf(path: Path, decompressed_mb: int = 512) -> Path:
    """A one-page PDF whose content stream inflates from ~2 MB to `decompressed_mb` MB (a decompression bomb)."""
    compressor = zlib.compressobj(1)
    chunk = bytes(1 << 20)
    stream = b"".join(compressor.compress(chunk) for _ in range(decompressed_mb)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


# Worker processes stall on files with this in their name (budgetml.isolation.STALL_MARKER_ENV, set in
# tests/conftest.py): a parse that cannot finish within any time limit, on any machine.
STALL_MARKER = "__stalls__"


def stalling_pdf(path: Path) -> Path:
    """A small real PDF whose parse a worker never finishes (its name carries STALL_MARKER)."""
    return badpdfs.prose_pdf(path.with_name(f"{path.stem}{STALL_MARKER}{path.suffix}"), pages=2)


def bad_inputs(folder: Path) -> dict[str, Path]:
    """The isolation set: every kind of bad file plus two good ones (one with spaces and Chinese in its name)."""
    folder.mkdir(parents=True, exist_ok=True)
    prose = badpdfs.prose_pdf(folder / "会议纪要.pdf", pages=3)
    return {
        "empty": badpdfs.empty_file(folder / "empty.pdf"),
        "random": badpdfs.random_bytes(folder / "random.pdf"),
        "truncated": badpdfs.truncated(folder / "truncated.pdf", prose, keep=0.4),
        "encrypted": badpdfs.encrypted(folder / "encrypted.pdf"),
        "image": badpdfs.image_only(folder / "scan.pdf"),
        "not_budget": prose,
        "very_long": stalling_pdf(folder / "long.pdf"),
        "bomb": bomb_pdf(folder / "bomb.pdf"),
        "good_spaces": budget_pdf(folder / "武昌区 测试局 2025 年 预算.pdf", "测试局"),
        "good": budget_pdf(folder / "good.pdf", "另一局"),
    }


# Limits for bad_inputs. The stalling file never finishes (timeout on any machine); the bomb needs 512 MB
# (above the decompression limit, and above the memory limit should that check ever miss it); a good file
# needs < 1 s here, so the time limit leaves a machine 20 times slower its margin.
TEST_TIME_LIMIT_S = 20.0
TEST_MEMORY_LIMIT_MB = 300  # on top of the loaded worker: a small filing adds < 50 MB, the bomb needs 512 MB

EXPECTED_ERRORS = {
    "empty": "空文件",
    "random": "不是 PDF",
    "truncated": "不完整",
    "encrypted": "加密",
    "image": "没有可提取的文字",
    "not_budget": "未识别到任何部门预算或决算表格",
    "very_long": "超时",
    # The decompression check (budgetml.extract.guards.INFLATE_LIMIT_MB) refuses the bomb before it is
    # inflated: the parser's own verdict, in well under a second, not the worker's memory limit.
    "bomb": "疑似解压炸弹",
}

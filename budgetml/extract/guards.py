"""What every engine refuses before a PDF library sees the bytes, and the error all engines raise."""

from __future__ import annotations

import re
import zlib

# The largest stream a PDF may inflate to. The largest in the real filings is 4.4 MB (an embedded font)
# and a 600-dpi A4 colour scan is ~100 MB; a Flate bomb (tests/flowdata.bomb_pdf: 2 MB → 512 MB) must
# stop here, in a second, instead of at the worker's memory limit (2 GB by default, 300 MB in the tests),
# where pdfium aborts the process and pdfminer takes minutes.
INFLATE_LIMIT_MB = 256

# A complete PDF ends with %%EOF within its last 1024 bytes (the rule Acrobat applies; uploaders may add a
# little junk after it). Without it the file was cut off: pdfium would rebuild what is left and read only
# the pages before the cut, so both engines refuse it with the same message.
EOF_WINDOW_BYTES = 1024

_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_INPUT_CHUNK = 1 << 16  # compressed bytes fed per step: a Flate stream that errors ends the scan within a chunk
_OUTPUT_CHUNK = 1 << 22  # inflated bytes produced per step, counted and dropped


class ExtractError(Exception):
    """The file cannot be read as a PDF; the message is shown to reviewers as is."""


def check_header(data: bytes) -> None:
    """Empty files, files that are not PDFs at all and cut-off files get a plain answer, whatever the engine."""
    if not data:
        raise ExtractError("空文件（0 字节），不是 PDF")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError("不是 PDF 文件（缺少 %PDF 文件头）")
    if b"%%EOF" not in data[-EOF_WINDOW_BYTES:]:
        raise ExtractError("PDF 文件不完整（可能下载或复制时被截断）：文件末尾没有 %%EOF 标记")


def refuse_bombs(data: bytes, limit_mb: int = INFLATE_LIMIT_MB) -> None:
    """Raise ExtractError when any Flate stream of the file inflates beyond `limit_mb` MB.

    Every stream of a PDF sits at the top level of the file (object streams hold no streams), so
    scanning the raw bytes finds them all. Each is inflated in chunks that are counted and dropped:
    memory stays at a few MB whatever the stream holds. Streams that are not Flate data (images,
    uncompressed or encrypted streams) fail zlib's header check at once and are skipped: an encrypted
    file's streams can only be measured after decryption, where the worker's memory limit remains the guard.
    """
    limit = limit_mb * 2**20
    match = _STREAM_START.search(data)
    while match:
        if inflated_size(data, match.end(), limit) > limit:
            raise ExtractError(
                f"解压后的数据流超过 {limit_mb} MB（文件第 {match.end()} 字节处的数据流），疑似解压炸弹，已停止解析该文件"
            )
        end = data.find(b"endstream", match.end())
        match = _STREAM_START.search(data, end if end >= 0 else len(data))


def inflated_size(data: bytes, start: int, limit: int) -> int:
    """How many bytes the Flate data from `start` inflates to, counted up to just past `limit`.

    Data that is not Flate counts what it inflated to before zlib gave up (0 for a wrong header).
    """
    inflater = zlib.decompressobj()
    view = memoryview(data)
    total = 0
    for offset in range(start, len(data), _INPUT_CHUNK):
        pending: bytes | memoryview = view[offset : offset + _INPUT_CHUNK]
        try:
            while pending and total <= limit and not inflater.eof:
                total += len(inflater.decompress(pending, _OUTPUT_CHUNK))
                pending = inflater.unconsumed_tail
        except zlib.error:
            return total
        if inflater.eof or total > limit:
            break
    return total

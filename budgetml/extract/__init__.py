"""Read a PDF into our own page records (characters and ruling edges), with one of two engines.

This package is the only place that imports a PDF library. `pdfium_engine` (pypdfium2) and
`pdfminer_engine` (pdfminer.six, the reference) turn the same bytes into the same `records.Page`s;
`guards` refuses what is not a PDF, or is a decompression bomb, before either engine sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

from budgetml.extract import pdfium_engine, pdfminer_engine
from budgetml.extract.guards import INFLATE_LIMIT_MB, ExtractError, check_header, refuse_bombs
from budgetml.extract.pdfminer_engine import interpret_only
from budgetml.records import Page

ENGINES = ("pdfium", "pdfminer")
# pdfium gives the same datasets as pdfminer (tests/test_engines.py, `budgetml verify-engines`) several
# times faster (docs/benchmarks.md); pdfminer stays fully supported as the reference.
DEFAULT_ENGINE = "pdfium"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "INFLATE_LIMIT_MB", "ExtractError", "interpret_only", "pdf_to_pages"]


def pdf_to_pages(
    data: bytes, max_pages: int = 0, engine: str = DEFAULT_ENGINE, inflate_limit_mb: int = INFLATE_LIMIT_MB
) -> Iterator[Page]:
    """Yield every page of the PDF in `data` as a Page (top-down coordinates, points).

    `max_pages` > 0 stops reading after that many pages. Raises ExtractError (a Chinese message for
    reviewers) when the file cannot be read, whichever engine reads it.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown extraction engine {engine!r}; choose one of {', '.join(ENGINES)}")
    check_header(data)
    refuse_bombs(data, inflate_limit_mb)
    reader = pdfium_engine if engine == "pdfium" else pdfminer_engine
    yield from reader.document_to_pages(data, max_pages)

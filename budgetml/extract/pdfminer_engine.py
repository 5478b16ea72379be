"""The pdfminer.six engine: the reference reading of a PDF (characters from its layout objects, edges from its paths)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTLine, LTPage, LTRect
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.psparser import PSEOF, PSException

from budgetml.extract.guards import ExtractError
from budgetml.extract.paths import subpath_to_edges
from budgetml.records import Char, Edge, Page

# What pdfminer raises for a damaged file (beyond its own PSException family).
_DAMAGE = (PDFSyntaxError, PSException, ValueError, KeyError, TypeError)


def document_to_pages(data: bytes, max_pages: int = 0) -> Iterator[Page]:
    """Yield every page of the PDF in `data` (already checked by guards) as a Page; max_pages > 0 stops early."""
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractError(f"PDF 已加密，需要打开密码才能读取（{type(exc).__name__}）") from exc
    except PSEOF as exc:
        raise ExtractError("PDF 文件不完整（可能下载或复制时被截断）：意外的文件结尾") from exc
    except _DAMAGE as exc:
        raise ExtractError(f"PDF 结构损坏，无法解析：{type(exc).__name__}: {exc}") from exc

    resources = PDFResourceManager(caching=True)
    aggregator = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, aggregator)
    # Government filings often set the "no copying" permission flag on public documents;
    # reading the published numbers for oversight is the point, so the flag is not enforced.
    pages = PDFPage.create_pages(document)
    number = 0
    while True:
        try:
            pdf_page = next(pages)
        except StopIteration:
            return
        except _DAMAGE as exc:
            raise ExtractError(f"PDF 页面树损坏（第 {number + 1} 页）：{type(exc).__name__}: {exc}") from exc
        number += 1
        if max_pages and number > max_pages:
            return
        try:
            interpreter.process_page(pdf_page)
        except (*_DAMAGE, IndexError) as exc:
            raise ExtractError(f"第 {number} 页内容流损坏：{type(exc).__name__}: {exc}") from exc
        yield layout_to_page(aggregator.get_result(), number)


def layout_to_page(layout: LTPage, number: int) -> Page:
    """Turn one pdfminer page layout (origin at its bottom-left corner) into a Page record."""
    height = layout.bbox[3]
    chars: list[Char] = []
    edges: list[Edge] = []
    for item in walk(layout):
        if isinstance(item, LTChar):
            text = item.get_text()
            if text.strip():
                chars.append(Char(text, item.x0, height - item.y1, item.x1, height - item.y0, item.size, item.upright))
        elif isinstance(item, LTCurve):
            kind = "rect" if isinstance(item, LTRect) else "line" if isinstance(item, LTLine) else "curve"
            edges.extend(subpath_to_edges(kind, item.pts, height))
    return Page(number=number, width=layout.bbox[2], height=height, chars=tuple(chars), edges=tuple(edges))


def walk(container: LTContainer) -> Iterator[object]:
    """Every leaf object of a layout, descending into figures (form XObjects)."""
    for item in container:
        if isinstance(item, LTContainer) and not isinstance(item, LTCurve):
            yield from walk(item)
        else:
            yield item


def interpret_only(data: bytes) -> int:
    """Bare pdfminer interpretation of every page, results discarded: the benchmark's baseline.

    Returns the number of pages interpreted.
    """
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    resources = PDFResourceManager(caching=True)
    aggregator = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, aggregator)
    count = 0
    for pdf_page in PDFPage.create_pages(document):
        interpreter.process_page(pdf_page)
        aggregator.get_result()
        count += 1
    return count

"""Read a PDF into our own page records (characters and ruling edges); the only module that imports pdfminer."""

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

from budgetml.records import Char, Edge, Page

# A path segment thinner than this (PDF points) is a ruling line, not a filled box.
RULE_MAX_THICKNESS_PT = 2.0


class ExtractError(Exception):
    """The file cannot be read as a PDF; the message is shown to reviewers as is."""


def pdf_to_pages(data: bytes, max_pages: int = 0) -> Iterator[Page]:
    """Yield every page of the PDF in `data` as a Page (top-down coordinates, points).

    `max_pages` > 0 stops reading after that many pages.
    """
    if not data:
        raise ExtractError("空文件（0 字节），不是 PDF")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError("不是 PDF 文件（缺少 %PDF 文件头）")
    try:
        parser = PDFParser(io.BytesIO(data))
        document = PDFDocument(parser)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractError(f"PDF 已加密，需要打开密码才能读取（{type(exc).__name__}）") from exc
    except PSEOF as exc:
        raise ExtractError("PDF 文件不完整（可能下载或复制时被截断）：意外的文件结尾") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
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
        except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
            raise ExtractError(f"PDF 页面树损坏（第 {number + 1} 页）：{type(exc).__name__}: {exc}") from exc
        number += 1
        if max_pages and number > max_pages:
            return
        try:
            interpreter.process_page(pdf_page)
        except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ExtractError(f"第 {number} 页内容流损坏：{type(exc).__name__}: {exc}") from exc
        yield layout_to_page(aggregator.get_result(), number)


def layout_to_page(layout: LTPage, number: int) -> Page:
    """Turn one pdfminer page layout into a Page record."""
    x0, y0, x1, y1 = layout.bbox
    height = y1 - y0
    chars: list[Char] = []
    edges: list[Edge] = []
    for item in walk(layout):
        if isinstance(item, LTChar):
            text = item.get_text()
            if text.strip():
                chars.append(
                    Char(text, item.x0 - x0, y1 - item.y1, item.x1 - x0, y1 - item.y0, item.size, item.upright)
                )
        elif isinstance(item, LTCurve):
            edges.extend(curve_to_edges(item, x0, y1))
    return Page(number=number, width=x1 - x0, height=height, chars=tuple(chars), edges=tuple(edges))


def walk(container: LTContainer) -> Iterator[object]:
    """Every leaf object of a layout, descending into figures (form XObjects)."""
    for item in container:
        if isinstance(item, LTContainer) and not isinstance(item, LTCurve):
            yield from walk(item)
        else:
            yield item


def curve_to_edges(curve: LTCurve, page_x0: float, page_y1: float) -> list[Edge]:
    """Axis-aligned ruling edges drawn by a line, a thin rectangle or the sides of a box."""
    left, bottom, right, top = curve.x0 - page_x0, page_y1 - curve.y1, curve.x1 - page_x0, page_y1 - curve.y0
    width, height = right - left, top - bottom
    if isinstance(curve, (LTRect, LTLine)) and (width <= RULE_MAX_THICKNESS_PT or height <= RULE_MAX_THICKNESS_PT):
        return [Edge(left, bottom, right, top)]
    if isinstance(curve, LTRect):
        return [
            Edge(left, bottom, right, bottom),
            Edge(left, top, right, top),
            Edge(left, bottom, left, top),
            Edge(right, bottom, right, top),
        ]
    # A general path: keep its axis-aligned straight segments (tables drawn as one polyline).
    found = []
    points = [(x - page_x0, page_y1 - y) for x, y in curve.pts]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ax - bx) < 0.5 or abs(ay - by) < 0.5:
            found.append(Edge(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return found


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

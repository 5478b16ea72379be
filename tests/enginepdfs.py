"""PDFs that exercise what the extraction engines must read alike: form XObjects, /Rotate, text state, non-BMP text."""

from __future__ import annotations

from pathlib import Path

import pypdfium2

from tests import badpdfs

# Where a page's content goes on a page turned by /Rotate so that it reads upright again, as (a, b, c, d) and
# whether the page is landscape in its own coordinates; e and f follow from the page size (see wrapped_pdf).
_TURNED = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


def wrapped_pdf(source: Path, target: Path, rotate: int = 0, scale: float = 1.0) -> Path:
    """Every page of `source` drawn as one form XObject, scaled, on a page turned by `rotate` degrees.

    The form is placed so that the turned page shows the content upright: a viewer (and pdfminer) sees the
    source page again, scaled. Wrapping a wrapped file nests forms.
    """
    src, out = pypdfium2.PdfDocument(str(source)), pypdfium2.PdfDocument.new()
    try:
        for index in range(len(src)):
            width, height = src[index].get_size()
            w, h = width * scale, height * scale
            a, b, c, d = _TURNED[rotate]
            page_w, page_h = (h, w) if rotate in (90, 270) else (w, h)
            # x_user = a·x + c·y + e, y_user = b·x + d·y + f maps the content box [0, w] × [0, h] onto the page.
            e = {0: 0, 90: page_w, 180: page_w, 270: 0}[rotate]
            f = {0: 0, 90: 0, 180: page_h, 270: page_h}[rotate]
            form = src.page_as_xobject(index, out).as_pageobject()
            form.transform(
                pypdfium2.PdfMatrix(scale, 0, 0, scale, 0, 0).multiply(pypdfium2.PdfMatrix(a, b, c, d, e, f))
            )
            page = out.new_page(page_w, page_h)
            page.insert_obj(form)
            page.gen_content()
            page.set_rotation(rotate)
        out.save(str(target))
    finally:
        src.close()
        out.close()
    return target


def text_state_pdf(path: Path) -> Path:
    """Horizontal scaling, rise and character spacing; turned and skewed text; standard (AFM) fonts."""
    c = badpdfs._canvas(str(path))
    text = c.beginText(72, 700)
    text.setFont(badpdfs.FONT, 12)
    text.setHorizScale(80)
    text.textLine("水平缩放的文字 123.45")
    text.setHorizScale(100)
    text.setRise(4)
    text.textLine("上标文字 67.8")
    text.setRise(0)
    text.setCharSpace(2)
    text.textLine("字间距 9.01")
    c.drawText(text)
    for move, label in (((300, 400, 30), "转了三十度的文字"), ((300, 200, -90), "竖排的文字")):
        c.saveState()
        c.translate(move[0], move[1])
        c.rotate(move[2])
        c.setFont(badpdfs.FONT, 12)
        c.drawString(0, 0, label)
        c.restoreState()
    c.saveState()
    c.translate(300, 300)
    c.skew(10, 0)
    c.setFont(badpdfs.FONT, 12)
    c.drawString(0, 0, "倾斜变换")
    c.restoreState()
    for y, font in ((100, "Helvetica"), (80, "Times-Roman"), (60, "Courier-Bold")):
        c.setFont(font, 11)
        c.drawString(72, y, f"{font} 1,234.50 (fi) office")
    c.showPage()
    c.save()
    return path


def non_bmp_pdf(path: Path) -> Path:
    """Characters outside the BMP (𠀀 U+20000, 𪚥 U+2A6A5) from a ToUnicode map, beside a BMP one (中)."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Test def\n"
        b"1 begincodespacerange <00> <FF> endcodespacerange\n"
        b"3 beginbfchar <41> <D840DC00> <42> <D869DEA5> <43> <4E2D> endbfchar\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    content = b"BT /F1 12 Tf 72 700 Td (ABCA) Tj 0 -20 Td (CCBA) Tj ET"
    return badpdfs.minimal_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
            b" /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /TrueType /BaseFont /TestSans /FirstChar 65 /LastChar 67"
            b" /Widths [600 700 800] /FontDescriptor 7 0 R /ToUnicode 6 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
            b"<< /Type /FontDescriptor /FontName /TestSans /Flags 32 /FontBBox [-100 -200 1000 900]"
            b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
        ],
    )

"""Generators of bad inputs for the isolation tests: each returns the file it wrote."""

from __future__ import annotations

import io
import random
from pathlib import Path

from reportlab.lib import pdfencrypt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def _canvas(target, **kwargs) -> canvas.Canvas:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(target, invariant=1, **kwargs)


def prose_pdf(path: Path, pages: int = 1, text: str = "会议纪要：本次会议讨论了年度工作计划。") -> Path:
    c = _canvas(str(path))
    for k in range(pages):
        c.setFont(FONT, 12)
        c.drawString(72, 760, f"{text}（第 {k + 1} 页）")
        c.showPage()
    c.save()
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def random_bytes(path: Path, seed: int = 7) -> Path:
    path.write_bytes(random.Random(seed).randbytes(4096))
    return path


def truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def encrypted(path: Path) -> Path:
    c = _canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret-user", "secret-owner"))
    c.setFont(FONT, 12)
    c.drawString(72, 760, "部门收支总表")
    c.save()
    return path


def image_only(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 280), outline="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    from reportlab.lib.utils import ImageReader

    c = _canvas(str(path))
    c.drawImage(ImageReader(buffer), 72, 400, 400, 300)
    c.save()
    return path


def minimal_pdf(path: Path, objects: list[bytes]) -> Path:
    """A PDF made of these object bodies (object 1 is the catalog), with a correct xref table."""
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


def odd_key_pdf(path: Path) -> Path:
    """A catalog dictionary with a bare `/Odd` key: pdfminer's error quotes it as `[/'Type', …`."""
    return minimal_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R /Odd >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
    )

"""Render PDF pages to PNG images (pypdfium2), for the evidence crops of the review desk and the report.

Run as its own process (`python -m budgetml.extract.page_images`, a JSON list of jobs on stdin): budgetml/evidence.py
starts it with a memory and a time limit, so a hostile PDF that crashes or stalls the rasteriser costs one
evidence image, never the review desk. The child checks the file's bytes against the filing_id (SHA-256)
before rendering: an image is always of the exact file the findings were computed from.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pypdfium2 as pdfium

from budgetml.extract.guards import ExtractError, check_header, refuse_bombs

POINTS_PER_INCH = 72


def render_pages(data: bytes, pages: dict[int, Path], dpi: float) -> dict[int, str | None]:
    """Render each page number (1-based) of the PDF in `data` to its PNG path; page → None, or why it failed (Chinese).

    Coordinates match the parse datasets: the MediaBox (not the CropBox) turned by the page's /Rotate, so a
    cell at (x0, top) points lies at (x0, top) × dpi / 72 pixels.
    """
    check_header(data)
    refuse_bombs(data)
    document = pdfium.PdfDocument(data)
    results: dict[int, str | None] = {}
    try:
        for number, target in pages.items():
            if not 1 <= number <= len(document):
                results[number] = f"文件没有第 {number} 页"
                continue
            page = document[number - 1]
            try:
                page.set_cropbox(*page.get_mediabox())
                image = page.render(scale=dpi / POINTS_PER_INCH).to_pil()
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                image.save(tmp, format="PNG", optimize=False)
                os.replace(tmp, target)
                results[number] = None
            finally:
                page.close()
    finally:
        document.close()
    return results


def run_job(job: dict) -> dict:
    """One job from the parent: {"source", "sha256", "dpi", "pages": {page: png path}} → {"pages": {page: error}}."""
    try:
        data = Path(job["source"]).read_bytes()
    except OSError as exc:
        return {"error": f"无法读取原文件：{exc.strerror or exc}"}
    if hashlib.sha256(data).hexdigest() != job["sha256"]:
        return {"error": "原文件内容已改变（与检查时的文件编号不符），请重新运行 budgetml run"}
    try:
        done = render_pages(data, {int(p): Path(t) for p, t in job["pages"].items()}, float(job["dpi"]))
    except (ExtractError, pdfium.PdfiumError) as exc:
        return {"error": f"无法渲染页面：{exc}"}
    return {"pages": {str(p): e for p, e in done.items()}}


if __name__ == "__main__":
    sys.stdout.write(json.dumps([run_job(job) for job in json.loads(sys.stdin.read())], ensure_ascii=False))

"""Evidence images: a filing's PDF page rendered once, cached under OUT/evidence by file hash and page, and crops of
it with the cited cells boxed in red, for the review desk and the static report.

    OUT/evidence/<filing_id>/page-<n>.png                  the page at EVIDENCE_DPI (what the PDF prints, nothing drawn)
    OUT/evidence/<filing_id>/page-<n>-<boxes>.png          a crop: the cited rows across the page, cells boxed in red
    OUT/evidence/<filing_id>/page-<n>-<boxes>-page.png     the whole page with the same boxes

A filing_id is the SHA-256 of the file's bytes, so a cached image never goes stale: a changed file is a new
filing with its own folder. Pages are rendered by budgetml.extract.page_images in a child process with a
time and a memory limit (the PDFs are not trusted), which checks the file's hash before it renders.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from budgetml.layout import evidence_dir

# 110 dpi: a 10.5 pt table figure is 16 px high, readable without zooming, and an A4 page is a ~150 KB PNG.
EVIDENCE_DPI = 110
POINTS_PER_INCH = 72
# A crop spans the page's width (the row labels are on the left) and this much above and below the cited
# cells: the neighbouring rows, and the column headers when the cell is near them.
CROP_MARGIN_PT = 30
BOX_COLOUR = (220, 0, 0)
BOX_WIDTH_PX = 3
BOX_PAD_PX = 2  # the box's inner edge lies this far outside the cell (and its ruling): the figure stays readable
# A page of a disclosure renders in well under a second; a minute is a stalled rasteriser, and the address
# space the child may map is pdfium's working memory for a large scanned page with room to spare.
RENDER_TIME_LIMIT_S = 60
RENDER_MEMORY_LIMIT_MB = 4096
_FILING_ID = re.compile(r"[0-9a-f]{64}")

Box = Sequence[float]  # [x0, top, x1, bottom] in PDF points from the page's top-left corner


class EvidenceUnavailable(Exception):
    """No image can be made (the file moved or changed, the page cannot be rendered); the message is for reviewers."""


@dataclass(frozen=True)
class Crop:
    """An evidence crop as written: its PNG, where it lies on the page, and the red boxes in its own pixels."""

    path: Path
    page: int
    top_pt: float  # the crop's top edge on the page (its left edge is the page's)
    scale: float  # pixels per point
    boxes_px: tuple[tuple[int, int, int, int], ...]  # (x0, y0, x1, y1) of each red box within the crop
    page_path: Path  # the whole page with the same boxes


def filing_folder(out_dir: Path, filing_id: str) -> Path:
    """OUT/evidence/<filing_id>/; refuses anything that is not a SHA-256 (no path can be smuggled in)."""
    if not _FILING_ID.fullmatch(filing_id):
        raise EvidenceUnavailable("文件编号无效")
    return evidence_dir(out_dir) / filing_id


def page_path(out_dir: Path, filing_id: str, page: int) -> Path:
    return filing_folder(out_dir, filing_id) / f"page-{int(page)}.png"


def render_pages(out_dir: Path, filing_id: str, source_path: str, pages: Iterable[int]) -> dict[int, Path | str]:
    """Each page's cached image, rendering the missing ones in a child process; page → path, or why not (Chinese)."""
    found = render_batch(out_dir, [(filing_id, source_path, list(pages))])
    return {page: result for (_, page), result in found.items()}


def render_batch(out_dir: Path, wanted: Sequence[tuple[str, str, Sequence[int]]]) -> dict[tuple[str, int], Path | str]:
    """(filing_id, page) → its cached image or why not, for (filing_id, source_path, pages) of many files: the missing
    pages of every file are rendered in one child process (the report renders its inline crops at once)."""
    found: dict[tuple[str, int], Path | str] = {}
    jobs = []
    for filing_id, source_path, pages in wanted:
        missing = {}
        for page in pages:
            path = page_path(out_dir, filing_id, page)
            found[(filing_id, int(page))] = path
            if not path.exists():
                missing[str(int(page))] = str(path)
        if missing:
            filing_folder(out_dir, filing_id).mkdir(parents=True, exist_ok=True)
            jobs.append({"source": source_path, "sha256": filing_id, "dpi": EVIDENCE_DPI, "pages": missing})
    if not jobs:
        return found
    answers = _run_renderer(jobs)
    for job, answer in zip(jobs, answers):
        for page in job["pages"]:
            error = answer.get("error") or answer.get("pages", {}).get(page)
            if error:
                found[(job["sha256"], int(page))] = error
    return found


def _limit_memory() -> None:
    limit = RENDER_MEMORY_LIMIT_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run_renderer(jobs: list[dict]) -> list[dict]:
    """Each job's answer from one child process; every job gets the same error when the child fails as a whole."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "budgetml.extract.page_images"],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            timeout=RENDER_TIME_LIMIT_S,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [{"error": f"渲染超时（超过 {RENDER_TIME_LIMIT_S} 秒）"}] * len(jobs)
    if done.returncode != 0:
        return [{"error": f"渲染进程异常退出（退出码 {done.returncode}）"}] * len(jobs)
    try:
        answers = json.loads(done.stdout)
    except json.JSONDecodeError:
        answers = None
    if not isinstance(answers, list) or len(answers) != len(jobs):
        return [{"error": "渲染进程输出无法读取"}] * len(jobs)
    return answers


def _digest(boxes: Sequence[Box]) -> str:
    """Names a crop by its boxes and how they are drawn: a change of the drawing makes new files, never stale ones."""
    drawing = [EVIDENCE_DPI, CROP_MARGIN_PT, BOX_COLOUR, BOX_WIDTH_PX, BOX_PAD_PX]
    text = json.dumps([drawing, [[round(float(v), 1) for v in box] for box in boxes]])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _box_px(box: Box, scale: float, top_pt: float) -> tuple[int, int, int, int]:
    """The red box's outer edge in pixels: Pillow draws an outline of width w inward from it."""
    x0, top, x1, bottom = (float(v) for v in box)
    out = BOX_PAD_PX + BOX_WIDTH_PX
    return (
        round(x0 * scale) - out,
        round((top - top_pt) * scale) - out,
        round(x1 * scale) + out,
        round((bottom - top_pt) * scale) + out,
    )


def _draw_boxes(image: Image.Image, boxes_px: Iterable[tuple[int, int, int, int]]) -> None:
    draw = ImageDraw.Draw(image)
    for box in boxes_px:
        draw.rectangle(box, outline=BOX_COLOUR, width=BOX_WIDTH_PX)


def _save(image: Image.Image, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    image.save(tmp, format="PNG")
    os.replace(tmp, target)


def crop(out_dir: Path, filing_id: str, source_path: str, page: int, boxes: Sequence[Box]) -> Crop:
    """The crop of `page` around `boxes` with each boxed in red, and the whole page so boxed; made once, then cached."""
    boxes = [b for b in boxes if b is not None and len(b) == 4]
    if not boxes:
        raise EvidenceUnavailable("该问题没有单元格位置（如情况说明中的文字），请查看原文页面")
    scale = EVIDENCE_DPI / POINTS_PER_INCH
    top_pt = max(0.0, min(float(b[1]) for b in boxes) - CROP_MARGIN_PT)
    bottom_pt = max(float(b[3]) for b in boxes) + CROP_MARGIN_PT
    stem = f"page-{int(page)}-{_digest(boxes)}"
    folder = filing_folder(out_dir, filing_id)
    crop_path, whole_path = folder / f"{stem}.png", folder / f"{stem}-page.png"
    boxes_px = tuple(_box_px(b, scale, top_pt) for b in boxes)
    if not (crop_path.exists() and whole_path.exists()):
        rendered = render_pages(out_dir, filing_id, source_path, [page])[int(page)]
        if isinstance(rendered, str):
            raise EvidenceUnavailable(rendered)
        with Image.open(rendered) as opened:
            whole = opened.convert("RGB")
        _draw_boxes(whole, (_box_px(b, scale, 0.0) for b in boxes))
        _save(whole, whole_path)
        bottom_px = min(whole.height, round(bottom_pt * scale))
        part = whole.crop((0, round(top_pt * scale), whole.width, max(bottom_px, round(top_pt * scale) + 1)))
        _save(part, crop_path)
    return Crop(crop_path, int(page), top_pt, scale, boxes_px, whole_path)


def boxes_by_page(pages: Sequence[int], bboxes: Sequence[Box | None] | None) -> dict[int, list[Box]]:
    """A finding's cells grouped by page, in the order the finding names them (checks.pages / checks.bboxes)."""
    found: dict[int, list[Box]] = {}
    for i, page in enumerate(pages):
        box = bboxes[i] if bboxes is not None and i < len(bboxes) else None
        found.setdefault(int(page), [])
        if box is not None:
            found[int(page)].append(box)
    return found

"""The pdfium engine (pypdfium2): the same Page records as the pdfminer engine, several times faster.

Characters come from pdfium's text page. Their boxes are rebuilt the way pdfminer builds them, from
the glyph origin, the character's matrix, the font size, the advance width and the font's descent:
pdfium's own "loose" box also covers the glyph's ink, which would move box edges by up to ~0.6 pt.
Edges come from the path objects of the page and of its form XObjects (their matrices composed), each
subpath read as pdfminer reads it. A page's /Rotate turns coordinates exactly as pdfminer turns them.

Where the two libraries read a file differently (`budgetml verify-engines` lists such files):
- pdfium's text page skips a text object repeated at (nearly) the same place, as printers do for fake
  bold; pdfminer keeps both copies, so its lines read every character twice.
- pdfium prefers a marked-content /ActualText over the glyphs' own text; pdfminer ignores /ActualText.
- pdfium repairs damaged files that pdfminer refuses, and skips broken content that pdfminer stops at.
- A page without its own MediaBox but with a CropBox is framed by the CropBox here (pdfium does not
  expose the inherited MediaBox); pdfminer frames it by the MediaBox.
- Vertical writing (Identity-V fonts) is boxed as horizontal text; pdfminer uses the vertical metrics.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

import pypdfium2  # noqa: F401 - importing the package initialises the pdfium library
import pypdfium2.raw as pdfium

from budgetml.extract.guards import ExtractError
from budgetml.extract.paths import Point, subpath_to_edges
from budgetml.records import Char, Edge, Page

Matrix = tuple[float, float, float, float, float, float]  # (a, b, c, d, e, f): x' = a·x + c·y + e, y' = b·x + d·y + f
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
DEFAULT_MEDIA_BOX = (0.0, 0.0, 612.0, 792.0)  # US Letter, what both libraries assume when a page has none

_LOAD_ERRORS = {
    pdfium.FPDF_ERR_PASSWORD: "PDF 已加密，需要打开密码才能读取（FPDF_ERR_PASSWORD）",
    pdfium.FPDF_ERR_SECURITY: "PDF 已加密，需要打开密码才能读取（FPDF_ERR_SECURITY：不支持的加密方式）",
    pdfium.FPDF_ERR_FORMAT: "PDF 结构损坏，无法解析：FPDF_ERR_FORMAT（文件结构无法识别或已损坏）",
}


def _plain(function, restype, *argtypes):
    """The C function behind a pypdfium2 binding, re-declared with plain handles (ints): the per-character
    calls then skip pypdfium2's pointer types, and a text object's handle can key a cache."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_VOID, _INT, _DOUBLE_P = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double)
_get_unicode = _plain(pdfium.FPDFText_GetUnicode, ctypes.c_uint, _VOID, _INT)
_get_text_object = _plain(pdfium.FPDFText_GetTextObject, _VOID, _VOID, _INT)
_get_char_origin = _plain(pdfium.FPDFText_GetCharOrigin, _INT, _VOID, _INT, _DOUBLE_P, _DOUBLE_P)
_get_char_matrix = _plain(pdfium.FPDFText_GetMatrix, _INT, _VOID, _INT, ctypes.POINTER(pdfium.FS_MATRIX))
_get_text_object_font = _plain(pdfium.FPDFTextObj_GetFont, _VOID, _VOID)
_get_text_object_size = _plain(pdfium.FPDFTextObj_GetFontSize, _INT, _VOID, ctypes.POINTER(ctypes.c_float))
_get_glyph_width = _plain(
    pdfium.FPDFFont_GetGlyphWidth, _INT, _VOID, ctypes.c_uint, ctypes.c_float, ctypes.POINTER(ctypes.c_float)
)
_get_font_descent = _plain(pdfium.FPDFFont_GetDescent, _INT, _VOID, ctypes.c_float, ctypes.POINTER(ctypes.c_float))
_count_page_objects = _plain(pdfium.FPDFPage_CountObjects, _INT, _VOID)
_get_page_object = _plain(pdfium.FPDFPage_GetObject, _VOID, _VOID, _INT)
_count_form_objects = _plain(pdfium.FPDFFormObj_CountObjects, _INT, _VOID)
_get_form_object = _plain(pdfium.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_get_object_type = _plain(pdfium.FPDFPageObj_GetType, _INT, _VOID)
_get_object_matrix = _plain(pdfium.FPDFPageObj_GetMatrix, _INT, _VOID, ctypes.POINTER(pdfium.FS_MATRIX))
_count_segments = _plain(pdfium.FPDFPath_CountSegments, _INT, _VOID)
_get_segment = _plain(pdfium.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_get_point = _plain(
    pdfium.FPDFPathSegment_GetPoint, _INT, _VOID, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)
)
_get_segment_type = _plain(pdfium.FPDFPathSegment_GetType, _INT, _VOID)
_is_closing = _plain(pdfium.FPDFPathSegment_GetClose, _INT, _VOID)
_get_base_font_name = _plain(pdfium.FPDFFont_GetBaseFontName, ctypes.c_size_t, _VOID, ctypes.c_char_p, ctypes.c_size_t)
_get_loose_box = _plain(pdfium.FPDFText_GetLooseCharBox, _INT, _VOID, _INT, ctypes.POINTER(pdfium.FS_RECTF))
_get_tight_box = _plain(pdfium.FPDFText_GetCharBox, _INT, _VOID, _INT, _DOUBLE_P, _DOUBLE_P, _DOUBLE_P, _DOUBLE_P)


def document_to_pages(data: bytes, max_pages: int = 0) -> Iterator[Page]:
    """Yield every page of the PDF in `data` (already checked by guards) as a Page; max_pages > 0 stops early."""
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)  # `data` outlives the document: it is our argument
    if not document:
        code = pdfium.FPDF_GetLastError()
        raise ExtractError(_LOAD_ERRORS.get(code, f"PDF 结构损坏，无法解析：pdfium 错误码 {code}"))
    try:
        count = pdfium.FPDF_GetPageCount(document)
        for index in range(min(count, max_pages) if max_pages else count):
            page = pdfium.FPDF_LoadPage(document, index)
            if not page:
                raise ExtractError(f"PDF 页面树损坏（第 {index + 1} 页）：pdfium 无法载入该页")
            try:
                yield read_page(page, index + 1)
            finally:
                pdfium.FPDF_ClosePage(page)
    finally:
        pdfium.FPDF_CloseDocument(document)


def read_page(page, number: int) -> Page:
    """One loaded pdfium page as a Page: top-down coordinates after the page's rotation, as pdfminer gives them."""
    box = media_box(page)
    ctm = rotation_matrix(pdfium.FPDFPage_GetRotation(page), box)
    x0, y0, x1, y1 = box
    corners = [apply(ctm, x, y) for x, y in ((x0, y0), (x1, y1))]
    width, height = abs(corners[0][0] - corners[1][0]), abs(corners[0][1] - corners[1][1])
    edges, has_forms = page_edges(page, ctm, height)
    chars = page_chars(page, ctm, height, has_forms)
    return Page(number=number, width=width, height=height, chars=tuple(chars), edges=tuple(edges))


def media_box(page) -> tuple[float, float, float, float]:
    """The page's MediaBox (pdfminer's page frame; the CropBox plays no part), inherited when the page has none."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if pdfium.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        return left.value, bottom.value, right.value, top.value
    # Not on the page itself: pdfium's page box is the inherited MediaBox (cut to a CropBox, when there is one).
    box = pdfium.FS_RECTF()
    if pdfium.FPDF_GetPageBoundingBox(page, box):
        return box.left, box.bottom, box.right, box.top
    return DEFAULT_MEDIA_BOX


def rotation_matrix(quarter_turns: int, box: tuple[float, float, float, float]) -> Matrix:
    """pdfminer's page matrix: turns the page by its /Rotate and moves the MediaBox's corner to the origin."""
    x0, y0, x1, y1 = box
    if quarter_turns == 1:
        return (0.0, -1.0, 1.0, 0.0, -y0, x1)
    if quarter_turns == 2:
        return (-1.0, 0.0, 0.0, -1.0, x1, y1)
    if quarter_turns == 3:
        return (0.0, 1.0, -1.0, 0.0, y1, -x0)
    return (1.0, 0.0, 0.0, 1.0, -x0, -y0)


def apply(m: Matrix, x: float, y: float) -> Point:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def compose(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying `first`, then `then` (PDF's row-vector order: first × then)."""
    a, b, c, d, e, f = first
    p, q, r, s, t, u = then
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


# --- characters ----------------------------------------------------------------------------------

# pdfminer takes the metrics of the standard fonts from its own copy of Adobe's AFM files whenever a simple
# font's /BaseFont names one exactly, whatever the PDF's font descriptor says: the descent (per unit of font
# size) it then uses. (pdfium measures these fonts' substitutes instead; the boxes would sit ~0.3 pt lower.)
AFM_DESCENTS = {
    **dict.fromkeys(("Courier", "Courier-Bold", "Courier-BoldOblique", "Courier-Oblique"), -0.194),
    **dict.fromkeys(("CourierNew", "CourierNew,Bold", "CourierNew,BoldItalic", "CourierNew,Italic"), -0.194),
    **dict.fromkeys(("Helvetica", "Helvetica-Bold", "Helvetica-BoldOblique", "Helvetica-Oblique"), -0.207),
    **dict.fromkeys(("Arial", "Arial,Bold", "Arial,BoldItalic", "Arial,Italic"), -0.207),
    **dict.fromkeys(("Times-Roman", "Times-Bold", "Times-BoldItalic", "Times-Italic"), -0.217),
    **dict.fromkeys(
        ("TimesNewRoman", "TimesNewRoman,Bold", "TimesNewRoman,BoldItalic", "TimesNewRoman,Italic"), -0.217
    ),
    **dict.fromkeys(("Symbol", "ZapfDingbats"), 0.0),
}
# A loose box edge this far beyond the glyph's ink is the advance edge itself (see _Advances).
INK_MARGIN_PT = 0.01


def page_chars(page, ctm: Matrix, height: float, has_forms: bool) -> list[Char]:
    """Every printed (non-blank) character of the page, boxed as pdfminer boxes an LTChar.

    `has_forms`: the page draws form XObjects, where one text object may be drawn twice with different
    matrices, so each character's matrix is read rather than its text object's first one.
    """
    text_page = pdfium.FPDFText_LoadPage(page)
    if not text_page:
        return []
    count = pdfium.FPDFText_CountChars(text_page)
    try:
        return _text_page_chars(ctypes.cast(text_page, ctypes.c_void_p).value, count, ctm, height, has_forms)
    finally:
        pdfium.FPDFText_ClosePage(text_page)


def _text_page_chars(text_page: int, count: int, ctm: Matrix, height: float, has_forms: bool) -> list[Char]:
    """The loop over pdfium's characters; per text object (a run of characters) the font, size and matrix."""
    chars: list[Char] = []
    descents: dict[int, float] = {}  # font → descent per unit of font size
    advances = _Advances(text_page)
    origin_x, origin_y, matrix, size_value = ctypes.c_double(), ctypes.c_double(), pdfium.FS_MATRIX(), ctypes.c_float()
    x_ref, y_ref, matrix_ref, size_ref = (ctypes.byref(v) for v in (origin_x, origin_y, matrix, size_value))
    ca, cb, cc, cd, ce, cf = ctm
    is_plain_page = (ca, cb, cc, cd) == (1.0, 0.0, 0.0, 1.0)  # no /Rotate: only the MediaBox corner moves
    run = 0
    font_advances: dict[int, float] = {}
    font = 0
    size = x_scale = low = high = low_text = high_text = 0.0
    matrix_now: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
    top_offset = bottom_offset = char_size = 0.0
    is_straight = upright = True
    skip = False
    get_unicode, get_text_object, get_char_origin = _get_unicode, _get_text_object, _get_char_origin
    for position in range(count):
        if skip:  # the second half of a character outside the BMP
            skip = False
            continue
        code = get_unicode(text_page, position)
        if 0xD800 <= code < 0xDC00 and position + 1 < count:  # pdfium gives it as two UTF-16 units
            low_half = get_unicode(text_page, position + 1)
            if 0xDC00 <= low_half < 0xE000:
                code, skip = 0x10000 + ((code - 0xD800) << 10) + (low_half - 0xDC00), True
        text = chr(code) if code <= 0x10FFFF else "\ufffd"
        if text.isspace():  # spaces, and the line breaks pdfium generates between lines
            continue
        obj = get_text_object(text_page, position)
        if not obj:
            continue
        if obj != run or has_forms:
            if obj != run:
                run = obj
                _get_text_object_size(obj, size_ref)
                size, font = size_value.value, _get_text_object_font(obj) or 0
                if font not in descents:
                    descents[font] = _descent(font)
                font_advances = advances.of(font)
            _get_char_matrix(text_page, position, matrix_ref)
            a, b, c, d = matrix_now = matrix.a, matrix.b, matrix.c, matrix.d
            ra, rb, rc, rd = a * ca + b * cc, a * cb + b * cd, c * ca + d * cc, c * cb + d * cd  # turned with the page
            upright = ra * rd > 0 and rb * rc <= 0  # pdfminer's test
            is_straight = b == 0 and c == 0 and is_plain_page
            # The box in text space: the advance wide, the font size tall, its bottom on the font's descent line.
            low_text, high_text = descents[font] * size, (descents[font] + 1) * size
            x_scale, low, high = a * size, d * low_text, d * high_text
            # Straight text: the box's top and bottom, measured down from the page's top, less the origin's height.
            top_offset, bottom_offset, char_size = (
                height - cf - max(low, high),
                height - cf - min(low, high),
                abs(high - low),
            )
        get_char_origin(text_page, position, x_ref, y_ref)
        ox, oy = origin_x.value, origin_y.value
        advance = font_advances.get(code)
        if advance is None:
            advance = advances.measure(position, font, code, matrix_now, ox, size)
        if is_straight:  # text set straight on an unturned page (the usual case): two corners give the box
            x0 = ox + ce
            x1 = x0 + x_scale * advance
            if x0 > x1:
                x0, x1 = x1, x0
            chars.append(Char(text, x0, top_offset - oy, x1, bottom_offset - oy, char_size, upright))
        else:
            x0, y0, x1, y1 = _turned_box(ox, oy, matrix_now, (advance * size, low_text, high_text), ctm)
            chars.append(Char(text, x0, height - y1, x1, height - y0, y1 - y0, upright))
    return chars


def _turned_box(
    ox: float, oy: float, matrix: tuple[float, float, float, float], box: tuple[float, float, float], ctm: Matrix
) -> tuple[float, float, float, float]:
    """The page box of a character box (width, bottom, top in text space) through its matrix and the page's
    rotation, as pdfminer's apply_matrix_rect takes it: the bounds of the four turned corners."""
    a, b, c, d = matrix
    ca, cb, cc, cd, ce, cf = ctm
    width, bottom, top = box
    xs, ys = [], []
    for tx, ty in ((0.0, bottom), (width, bottom), (0.0, top), (width, top)):
        ux, uy = ox + a * tx + c * ty, oy + b * tx + d * ty
        xs.append(ca * ux + cc * uy + ce)
        ys.append(cb * ux + cd * uy + cf)
    return min(xs), min(ys), max(xs), max(ys)


def _descent(font: int) -> float:
    """The font's descent per unit of font size, as pdfminer takes it (AFM_DESCENTS, else the font's own)."""
    if not font:
        return 0.0
    name = ctypes.create_string_buffer(_get_base_font_name(font, None, 0))
    _get_base_font_name(font, name, len(name))
    if name.value.decode("latin-1") in AFM_DESCENTS:
        return AFM_DESCENTS[name.value.decode("latin-1")]
    descent = ctypes.c_float()
    _get_font_descent(font, 1.0, ctypes.byref(descent))
    return descent.value


class _Advances:
    """Advance widths (per unit of font size) of one text page's characters, measured once per font and code point.

    pdfium's loose box spans the advance from the origin, widened to the glyph's ink: where the ink ends
    short of the loose box's far edge, that edge is the advance edge, exact for the font's own character
    code. Otherwise (ink reaching past the advance, turned text) pdfium's width of the code point is used,
    which maps the code point back to a character code of the font.
    """

    def __init__(self, text_page: int) -> None:
        self.text_page = text_page
        self.by_font: dict[int, dict[int, float]] = {}
        self._loose, self._left, self._right, self._other = pdfium.FS_RECTF(), *(ctypes.c_double() for _ in range(3))
        self._width = ctypes.c_float()
        self._loose_ref = ctypes.byref(self._loose)
        self._tight_refs = tuple(ctypes.byref(v) for v in (self._left, self._right, self._other, self._other))
        self._width_ref = ctypes.byref(self._width)

    def of(self, font: int) -> dict[int, float]:
        """The font's measured advances (code point → width), filled in by measure()."""
        return self.by_font.setdefault(font, {})

    def measure(self, index: int, font: int, code: int, matrix: tuple, origin_x: float, size: float) -> float:
        a, b, c, _ = matrix
        is_measurable = b == 0 and c == 0 and a and size  # text set straight: the box's edges are the advance's
        if (
            is_measurable
            and _get_loose_box(self.text_page, index, self._loose_ref)
            and _get_tight_box(self.text_page, index, *self._tight_refs)
        ):
            if a > 0 and self._loose.right > self._right.value + INK_MARGIN_PT:
                return self._keep(font, code, (self._loose.right - origin_x) / (a * size))
            if a < 0 and self._loose.left < self._left.value - INK_MARGIN_PT:
                return self._keep(font, code, (self._loose.left - origin_x) / (a * size))
        if font and _get_glyph_width(font, code, 1.0, self._width_ref):
            return self._keep(font, code, self._width.value)
        return self._keep(font, code, 0.0)

    def _keep(self, font: int, code: int, advance: float) -> float:
        self.by_font[font][code] = advance
        return advance


# --- ruling edges --------------------------------------------------------------------------------


def page_edges(page, ctm: Matrix, height: float) -> tuple[list[Edge], bool]:
    """The edges of every painted path on the page in drawing order, descending into form XObjects; and
    whether the page draws any form XObject."""
    edges: list[Edge] = []
    handle = ctypes.cast(page, ctypes.c_void_p).value
    has_forms = False
    for index in range(_count_page_objects(handle)):
        has_forms |= _object_edges(_get_page_object(handle, index), ctm, height, edges)
    return edges, has_forms


def _object_edges(obj: int, outer: Matrix, height: float, edges: list[Edge]) -> bool:
    """Add the edges a path or form object draws; True when it is a form."""
    kind = _get_object_type(obj)
    if kind not in (pdfium.FPDF_PAGEOBJ_PATH, pdfium.FPDF_PAGEOBJ_FORM):
        return False
    own = pdfium.FS_MATRIX()
    if not _get_object_matrix(obj, ctypes.byref(own)):
        return False
    matrix = compose((own.a, own.b, own.c, own.d, own.e, own.f), outer)
    if kind == pdfium.FPDF_PAGEOBJ_FORM:
        for index in range(_count_form_objects(obj)):
            _object_edges(_get_form_object(obj, index), matrix, height, edges)
        return True
    for shape, points in path_subpaths(obj, matrix):
        kind_name, kept = classify_subpath(shape, points)
        if kind_name:
            edges.extend(subpath_to_edges(kind_name, kept, height))
    return False


_MOVETO, _LINETO, _BEZIERTO = pdfium.FPDF_SEGMENT_MOVETO, pdfium.FPDF_SEGMENT_LINETO, pdfium.FPDF_SEGMENT_BEZIERTO


def path_subpaths(path: int, matrix: Matrix) -> list[tuple[str, list[Point]]]:
    """The path's subpaths as pdfminer spells them: operators (m, l, c, h) and one point per operator.

    A Bézier curve keeps only its end point (pdfminer drops the control points); a closed subpath
    ends with "h" at its start point. A path that does not begin with a move is dropped, as pdfminer drops it.
    """
    subpaths: list[tuple[str, list[Point]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    ma, mb, mc, md, me, mf = matrix
    shape, points, bezier_points = "", [], 0
    get_segment, get_segment_type, get_point, is_closing = _get_segment, _get_segment_type, _get_point, _is_closing
    for index in range(_count_segments(path)):
        segment = get_segment(path, index)
        kind = get_segment_type(segment)
        if kind == _BEZIERTO:
            bezier_points += 1
            if bezier_points % 3:
                continue  # a control point
        elif kind != _MOVETO and kind != _LINETO:
            continue
        get_point(segment, x_ref, y_ref)
        px, py = x.value, y.value
        point = (ma * px + mc * py + me, mb * px + md * py + mf)
        if kind == _MOVETO:
            if shape:
                subpaths.append((shape, points))
            shape, points = "m", [point]
            continue
        shape += "c" if kind == _BEZIERTO else "l"
        points.append(point)
        if is_closing(segment):
            shape += "h"
            points.append(points[0])
    if shape:
        subpaths.append((shape, points))
    if subpaths and not subpaths[0][0].startswith("m"):
        return []
    return subpaths


def classify_subpath(shape: str, points: list[Point]) -> tuple[str | None, list[Point]]:
    """pdfminer's reading of one subpath: ("line" | "rect" | "curve", its points), or (None, []) when it draws nothing."""
    if len(shape) < 2:
        return None, []  # a lone move
    if len(shape) > 3 and shape.endswith("lh") and points[-2] == points[0]:  # a redundant line back to the start
        shape, points = shape[:-2] + "h", points[:-1]
    if shape in ("mlh", "ml"):
        return "line", points[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = points
        is_closed = points[0] == points[4]
        is_square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if is_closed and is_square:
            return "rect", points
    return "curve", points

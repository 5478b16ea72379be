"""Normalise printed values: full-width forms, exact decimal amounts, units and classification codes."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# Yuan per printed unit. A unit not listed here is an error, never a guess.
UNIT_TO_YUAN: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
YUAN_PER_WAN = Decimal(10_000)

_UNIT = re.compile(r"单位\s*[:：]\s*(?:人民币)?(亿元|万元|元)")
_UNIT_ANY = re.compile(r"单位\s*[:：]\s*(\S{0,4})")
# A unit carried by a column header: "预算数（万元）", "合计(元)", "金额（单位：万元）".
_HEADER_UNIT = re.compile(
    r"^(?P<text>.*?)[(（]\s*(?:(?:金额)?单位\s*[:：]\s*)?(?:人民币)?(?P<unit>亿元|万元|元)\s*[)）]$"
)
# A unit stated once for the document: "以下表格金额单位均为万元", "本部分各表金额单位：万元".
_DOCUMENT_UNIT = re.compile(
    r"(?:以下|下列|本部分|各|所有|全部|本报告|本文)[^。；;]{0,8}?表[格中]?[^。；;]{0,6}?(?:金额)?单位"
    r"\s*(?:均|统一|都|一律)?\s*(?:为|是|[:：])\s*(?:人民币)?(亿元|万元|元)"
)
_AMOUNT = re.compile(r"^(?P<neg>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_CODE = re.compile(r"^\d{3,}$")  # 类/款/项 function codes, economic codes, unit codes (328001)


class UnitError(ValueError):
    """A table's unit line is missing or names a unit we do not know."""


def fold(text: str) -> str:
    """Fold full-width digits, letters and punctuation to their ASCII forms (NFKC), keep CJK as is.

    Curly quotes stay: titles such as “三公” are matched with them.
    """
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """Folded text with all whitespace removed, for matching printed labels ("收 入 总 计")."""
    return re.sub(r"\s+", "", fold(text))


def parse_amount(raw: str) -> Decimal | None:
    """The exact amount printed in a cell, or None for a blank cell.

    Accepts thousands separators or none, full-width digits, and negatives as "-12.00" or "(12.00)".
    Raises ValueError for text that is not a plain number ("61.2%", "≤78.4万元").
    """
    text = squash(raw)
    if text in ("", "-", "—", "/"):
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    match = _AMOUNT.match(text)
    if not match:
        raise ValueError(f"not an amount: {raw!r}")
    value = Decimal(match["int"].replace(",", "") + ("." + match["frac"] if match["frac"] else ""))
    if match["neg"]:
        negative = not negative
    return -value if negative else value


def is_amount(raw: str) -> bool:
    """True when the cell prints a number (blank cells are not amounts)."""
    try:
        return parse_amount(raw) is not None
    except ValueError:
        return False


def decimals_printed(raw: str) -> int:
    """How many decimal places the cell prints ("3,375.67" → 2): the precision tolerances derive from."""
    text = squash(raw).strip("()")
    return len(text.split(".", 1)[1]) if "." in text else 0


def find_unit(text: str) -> str | None:
    """The unit named by a `单位：万元` line, None when the text has no unit line.

    Raises UnitError when a unit line names something unknown (e.g. "单位：千元").
    """
    folded = squash(text)
    match = _UNIT.search(folded)
    if match:
        return match[1]
    other = _UNIT_ANY.search(folded)
    if other and other[1]:
        raise UnitError(f"未知金额单位：{other[0]}")
    return None


def header_unit(text: str) -> tuple[str, str | None]:
    """(header text without its unit, unit) for a header that names its unit ("预算数（万元）", "（万元）")."""
    folded = squash(text)
    match = _HEADER_UNIT.match(folded)
    if match:
        return match["text"], match["unit"]
    return folded, None


def document_unit(text: str) -> str | None:
    """The unit a sentence states for the document's tables ("以下表格金额单位均为万元"), None when none."""
    match = _DOCUMENT_UNIT.search(squash(text))
    return match[1] if match else None


def to_yuan(amount: Decimal, unit: str) -> Decimal:
    """The amount in yuan, exactly."""
    if unit not in UNIT_TO_YUAN:
        raise UnitError(f"未知金额单位：{unit}")
    return amount * UNIT_TO_YUAN[unit]


def normalise_code(parts: list[str]) -> str | None:
    """One digit string from a code printed in one cell ("2060101") or split over 类/款/项 ("204","06","01")."""
    digits = "".join(squash(p) for p in parts if p.strip())
    return digits if _CODE.match(digits) else None


# A code printed in the name cell: 类/款/项 (3, 5 or 7 digits, maybe spaced) or a unit code (6 to 9 digits),
# then the name after a space, or right after the code when the name starts with a Chinese character or a
# bracket (a space narrower than the gap that prints one is no space at all in the text).
_CODE_IN_NAME = re.compile(r"^(\d{3}(?:\s?\d{2}){0,2}|\d{6,9})(?:\s+(\D.*)|([\u4e00-\u9fff(（].*))$")


def split_code_label(text: str) -> tuple[str | None, str]:
    """Split "2060101 行政运行" or "2060101行政运行" (code and name in one cell) into its parts; other text is
    all label."""
    match = _CODE_IN_NAME.match(fold(text).strip())
    if match:
        return normalise_code([match[1]]), (match[2] or match[3]).strip()
    return None, text

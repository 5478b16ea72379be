"""Read the caption band around a table: title, organisation, unit, date and notes, in any arrangement.

Filings print these on separate lines, on one line left and right (`部门：…    金额单位：万元`),
inside the table's first row, or below the table. A caption line is recognised by its labels
(`编制部门：`, `预算单位：`, `单位：`, `填报日期：` …), never by where it sits, so the same
words are read wherever they are printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from budgetml.normalise import UnitError, find_unit, fold, squash

# Labels that start a caption field, longest first so "编制单位" is not read as "单位".
ORGANISATION_LABELS = ("预算主管部门", "主管部门", "编制部门", "部门名称", "编制单位", "预算单位", "单位名称", "部门")
UNIT_LABELS = ("金额单位", "单位")
DATE_LABELS = ("填报日期", "申报日期", "编制日期", "日期")
_LABEL = re.compile(
    "(" + "|".join(sorted(ORGANISATION_LABELS + UNIT_LABELS + DATE_LABELS, key=len, reverse=True)) + r")\s*[:：]"
)
_NOTE = re.compile(r"^(注|备注|说明)\s*\d*\s*[:：]")
_WIDE_GAP = re.compile(r"\s{2,}")
_NAME_EDGES = re.compile(r"^[\s:：]+|[\s:：,，。;；]+$")


@dataclass(frozen=True)
class CaptionFields:
    """What one caption line (or header cell) says; `rest` is any other text on it (a title)."""

    rest: str
    organisation: str | None = None
    organisation_label: str | None = None
    unit: str | None = None
    unit_error: str | None = None
    has_date: bool = False


def is_note(text: str) -> bool:
    return bool(_NOTE.match(squash(text)))


def line_fields(text: str) -> CaptionFields | None:
    """The caption fields printed on a line, None when it carries no caption label.

    A label's value runs to the next label or to a wide gap. "单位：" names the unit when a unit
    follows and the organisation otherwise ("单位：上海市普陀区司法局").
    """
    folded = fold(text).strip()
    matches = list(_LABEL.finditer(folded))
    if not matches:
        return None
    organisation = organisation_label = unit = unit_error = None
    has_date = False
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(folded)
        value = _WIDE_GAP.split(folded[match.end() : end].strip(), maxsplit=1)[0]
        label = match[1]
        if label in DATE_LABELS:
            has_date = True
            continue
        if label in UNIT_LABELS:
            try:
                found = find_unit(f"单位：{value}")
            except UnitError as exc:
                found, error = None, str(exc)
            else:
                error = None
            if found or label == "金额单位" or not value:
                unit = unit or found
                unit_error = unit_error or (error if not found else None)
                continue
        name = organisation_name(value)
        if name and organisation is None:
            organisation, organisation_label = name, label
    rest = _NAME_EDGES.sub("", folded[: matches[0].start()])
    return CaptionFields(rest, organisation, organisation_label, unit, unit_error, has_date)


def organisation_name(value: str) -> str | None:
    """An organisation's name as printed, spaces removed ("上 海 市 普 陀 区" is spaced for show).

    Brackets are dropped from the ends only when unbalanced: "…科技创新局(武昌区数据局)" keeps its own.
    """
    name = _NAME_EDGES.sub("", squash(value))
    if name.startswith("(") and name.endswith(")") and name.count("(") == 1:
        name = name[1:-1]
    elif name.endswith(")") and name.count(")") > name.count("("):
        name = name[:-1]
    elif name.startswith("(") and name.count("(") > name.count(")"):
        name = name[1:]
    return name or None


def is_caption_line(text: str) -> bool:
    """A line that belongs around a table, never inside it: a caption label or a note."""
    return line_fields(text) is not None or is_note(text)


@dataclass(frozen=True)
class Caption:
    """The caption of one table, merged from the lines around it."""

    title: str | None = None
    organisation: str | None = None
    organisation_label: str | None = None
    unit: str | None = None
    unit_error: str | None = None
    notes: tuple[str, ...] = ()


def merge_fields(caption: Caption, fields: CaptionFields) -> Caption:
    """Add one line's fields to a caption; what the caption already has is kept."""
    unit = caption.unit or fields.unit
    return Caption(
        caption.title,
        caption.organisation or fields.organisation,
        caption.organisation_label if caption.organisation else fields.organisation_label,
        unit,
        None if unit else caption.unit_error or fields.unit_error,
        caption.notes,
    )


def lines_to_caption(texts: list[str], title: str | None = None) -> Caption:
    """The caption read from a table's caption lines (title given, or none)."""
    caption = Caption(title)
    notes = []
    for text in texts:
        if is_note(text):
            notes.append(text.strip())
            continue
        fields = line_fields(text)
        if fields:
            caption = merge_fields(caption, fields)
    return Caption(
        caption.title,
        caption.organisation,
        caption.organisation_label,
        caption.unit,
        caption.unit_error,
        tuple(notes),
    )

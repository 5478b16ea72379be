"""Filing metadata from the cover and titles, and the narrative text split into sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from budgetml.normalise import fold, squash
from budgetml.records import TextLine

# Cover labels naming the filing's organisation, and which level they name.
_UNIT_LABELS = ("预算单位", "单位名称")
_DEPARTMENT_LABELS = ("预算主管部门", "主管部门", "部门名称", "编制部门", "编制单位")
_COVER_LABEL = re.compile(
    "(" + "|".join(sorted(_UNIT_LABELS + _DEPARTMENT_LABELS, key=len, reverse=True)) + r")\s*[:：]\s*(.*)$"
)
_COVER_TITLE = re.compile(
    r"^(?P<name>.*?)(?P<year>20\d{2})年(?:度)?(?P<level>区级|市级|县级)?(?P<scope>部门|单位)?(?P<kind>预算|决算)"
)
_REGION = re.compile(r"^((?:[^省市区县]{2,7}(?:省|自治区))?(?:[^省市区县]{1,7}市)?[^省市区县]{1,7}(?:区|县))")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、)")
_ENUMERATED = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[一二三四五六七八九十]+、)")
_LEADERS = re.compile(r"[…．.]{6,}")
_PAGE_NUMBER = re.compile(r"^[-－—\s]*\d+[-－—\s]*$")
# A cover line this short, with no label or year, after "主管部门：…" is the rest of a wrapped name.
COVER_WRAP_MAX_CHARS = 8
# A line set this much larger than the body text is a heading.
HEADING_SIZE_RATIO = 1.1


@dataclass(frozen=True)
class FilingMeta:
    region: str | None
    department: str | None  # the organisation whose budget this is: the unit of a 单位预算
    year: int | None
    doc_kind: str | None  # "budget" (预算) | "final_account" (决算)
    scope: str | None  # "department" (部门) | "unit" (单位)
    parent_department: str | None = None  # a 单位预算's department (主管部门), when the cover prints it


@dataclass(frozen=True)
class NarrativeSection:
    section: str
    page: int
    text: str


def cover_to_meta(cover: list[str], titles: list[str]) -> FilingMeta:
    """Read region, department, year, kind and scope from the cover lines and table titles.

    The cover prints the organisation under a label (`预算单位：X`, `预算主管部门：X`) or in its
    title (`X2026年单位预算`, `X 2024 年度部门决算`); names may be spaced out or broken over lines.
    A 单位预算's department is the unit; the 主管部门 printed with it is its parent.
    """
    lines = [fold(line).strip() for line in cover if line.strip()]
    labelled = cover_labels(lines)
    joined = "".join(squash(line) for line in lines)
    title = _COVER_TITLE.search(joined)
    year = int(title["year"]) if title else year_from_titles(titles)
    kind = {"预算": "budget", "决算": "final_account"}[title["kind"]] if title else kind_from_titles(titles)
    scope = {"部门": "department", "单位": "unit", None: None}[title["scope"]] if title else None
    unit = next((name for label, name in labelled if label in _UNIT_LABELS), None)
    department = next((name for label, name in labelled if label in _DEPARTMENT_LABELS), None)
    if scope is None:
        scope = "unit" if unit else scope_from_titles(titles)
    title_name = title["name"] if title and title["name"] else None
    parent = None
    if scope == "unit":
        parent = department if unit and department and department != unit else None
        department = unit or title_name or department
    else:
        department = department or unit or title_name
    return FilingMeta(region_of(department, joined), department, year, kind, scope, parent)


def cover_labels(lines: list[str]) -> list[tuple[str, str]]:
    """(label, name) of every labelled organisation on the cover; a name wrapped onto the next line is joined.

    A wide gap ends the name (a date printed on the same line); single spaces are letter spacing.
    """
    found = []
    for k, line in enumerate(lines):
        match = _COVER_LABEL.search(line)
        name = squash(re.split(r"\s{2,}", match[2].strip())[0]) if match else ""
        if not name:
            continue
        following = squash(lines[k + 1]) if k + 1 < len(lines) else ""
        continues = len(following) <= COVER_WRAP_MAX_CHARS or is_region_only(name)
        if following and continues and not re.search(r"[:：]|\d{4}|预算|决算", following):
            name += following  # a long name wrapped onto the next cover line, or broken after its district
        found.append((match[1], name))
    return found


def is_region_only(name: str) -> bool:
    """A name that is a district and nothing more ("洪山区"): a cover line breaking the department's name after it."""
    match = _REGION.match(name)
    return bool(match) and match[1] == name


def kind_from_titles(titles: list[str]) -> str | None:
    if any("决算" in t for t in titles):
        return "final_account"
    return "budget" if any("预算" in t for t in titles) else None


def scope_from_titles(titles: list[str]) -> str | None:
    """单位 when the titles say 预算单位/单位 before the table's name, 部门 when they say 部门."""
    for title in titles:
        folded = re.sub(r"^.*?\d{4}年度?", "", squash(title))
        if folded.startswith(("预算单位", "单位")):
            return "unit"
        if folded.startswith("部门"):
            return "department"
    return None


def year_from_titles(titles: list[str]) -> int | None:
    for title in titles:
        match = re.search(r"(20\d{2})\s*年", fold(title))
        if match:
            return int(match[1])
    return None


def region_of(department: str | None, cover: str) -> str | None:
    """The district ("上海市普陀区", "武昌区") that prefixes the department name or the cover title."""
    for text in (department or "", squash(cover)):
        match = _REGION.match(text)
        if match:
            return match[1]
    return None


_SENTENCE_INSIDE = re.compile(r"[。；][^。；\s]")


def is_heading(line: TextLine, body_size: float) -> bool:
    """A section heading: set larger than the body text, or a short numbered title ("五、…情况") that is no sentence."""
    text = line.text.strip()
    # A line set larger that goes on after a sentence's end is body text in a larger font
    # (普陀财政局 2024 决算, p. 22: "在职人员基本医疗保险费。年初预算为62.29万元，…"), no heading.
    if line.size > body_size * HEADING_SIZE_RATIO and len(text) <= 40 and not _SENTENCE_INSIDE.search(text):
        return True
    return bool(_HEADING.match(text)) and len(text) <= 30 and not re.search(r"[:：。；]", text)


def lines_to_sections(pages: list[tuple[int, list[TextLine]]]) -> list[NarrativeSection]:
    """Narrative text split at headings, one row per section and page.

    Wrapped lines are joined without a separator (Chinese text has no spaces); an enumerated
    line ("（一）", "1、") starts a new paragraph and stays in its section's text.
    """
    sizes = sorted(line.size for _, lines in pages for line in lines)
    body_size = sizes[len(sizes) // 2] if sizes else 0.0
    sections: list[NarrativeSection] = []
    heading = ""
    buffer: list[str] = []
    current_page = 0

    def flush() -> None:
        text = "".join(buffer).strip()
        if text:
            sections.append(NarrativeSection(heading, current_page, text))
        buffer.clear()

    for page, lines in pages:
        if page != current_page:
            flush()
            current_page = page
        for line in lines:
            text = line.text.strip()
            if not text or _LEADERS.search(text) or _PAGE_NUMBER.match(text):
                continue
            if is_heading(line, body_size):
                flush()
                heading = text
                continue
            if buffer and _ENUMERATED.match(text):
                buffer.append("\n")
            buffer.append(text)
    flush()
    return sections

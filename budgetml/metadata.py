"""Filing metadata from the cover and titles, and the narrative text split into sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from budgetml.normalise import fold, squash
from budgetml.records import TextLine

_DEPT_LABEL = re.compile(r"(?:预算主管部门|主管部门|编制部门|编制单位|部门名称)[:：]\s*(\S+)")
_COVER_TITLE = re.compile(
    r"^(?P<name>.*?)(?P<year>20\d{2})\s*年(?:度)?\s*(?P<level>区级|市级|县级)?\s*(?P<scope>部门|单位)?\s*(?P<kind>预算|决算)"
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
    department: str | None
    year: int | None
    doc_kind: str | None  # "budget" (预算) | "final_account" (决算)
    scope: str | None  # "department" (部门) | "unit" (单位)


@dataclass(frozen=True)
class NarrativeSection:
    section: str
    page: int
    text: str


def cover_to_meta(cover: list[str], titles: list[str]) -> FilingMeta:
    """Read region, department, year, kind and scope from the cover lines and table titles."""
    text = [fold(line).strip() for line in cover if line.strip()]
    department = None
    lines = text + titles
    for k, line in enumerate(lines):
        match = _DEPT_LABEL.search(line)
        if match:
            department = match[1].strip()
            following = lines[k + 1] if k + 1 < len(text) else ""
            if following and len(following) <= COVER_WRAP_MAX_CHARS and not re.search(r"[:：]|\d{4}", following):
                department += following  # a long name wrapped onto the next cover line
            break
    year = kind = scope = None
    joined = "".join(text)
    title_match = _COVER_TITLE.search(re.sub(r"\s+", "", joined))
    if title_match:
        year = int(title_match["year"])
        kind = {"预算": "budget", "决算": "final_account"}[title_match["kind"]]
        scope = {"部门": "department", "单位": "unit", None: None}[title_match["scope"]]
        name = title_match["name"].strip()
        if department is None and name:
            department = name
    if year is None:
        year = year_from_titles(titles)
    if kind is None:
        kind = (
            "final_account"
            if any("决算" in t for t in titles)
            else ("budget" if any("预算" in t for t in titles) else None)
        )
    if scope is None and any("部门" in squash(t) for t in titles):
        scope = "department"
    return FilingMeta(region_of(department, joined), department, year, kind, scope)


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


def is_heading(line: TextLine, body_size: float) -> bool:
    """A section heading: set larger than the body text, or a short numbered title ("五、…情况") that is no sentence."""
    text = line.text.strip()
    if line.size > body_size * HEADING_SIZE_RATIO and len(text) <= 40:
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

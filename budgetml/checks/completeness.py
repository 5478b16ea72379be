"""Rules on what a filing publishes and how it names itself: required tables, empty-table notes, years, names, template residue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from budgetml.catalog import load_catalog
from budgetml.checks.inputs import FilingData
from budgetml.checks.registry import Evidence, Finding, cannot_run, message, rule
from budgetml.normalise import squash

CATALOG = load_catalog()
# Placeholders a template leaves when nobody fills them in.
_RESIDUE = re.compile(r"XX|ＸＸ|××|某某|xx局")
# The printed text around a residue a finding quotes, each side.
RESIDUE_CONTEXT = 15
# How much of a narrative sentence a finding quotes.
SENTENCE_QUOTED = 80
# Tables a filing may print empty, with a note saying why (无政府性基金预算 …), budget and 决算.
MAY_BE_EMPTY = ("gov_fund", "state_capital", "final_gov_fund", "final_state_capital")
# Caption labels that name the department, not the unit: in a unit budget (单位预算) they name its parent.
DEPARTMENT_LABELS = ("编制部门", "主管部门", "预算主管部门", "部门名称", "部门")
_TITLE_YEAR = re.compile(r"^\s*(20\d{2})\s*年")


@rule("completeness.required_tables")
def required_tables(f: FilingData) -> Iterator[Finding]:
    """Every table the filing's template requires (the template of its document kind it matches best) is printed; an
    empty table printed with its note is present."""
    found = {t.table_id for t in f.tables if t.table_id}
    template = CATALOG.best_template(found, f.doc_kind)
    if template is None:
        yield cannot_run(
            "completeness.required_tables", message("no_template", "completeness.required_tables", kind=f.doc_kind)
        )
        return
    for table_id in template.tables:
        present = table_id in found
        name = CATALOG.table_name(table_id)
        yield Finding(
            "completeness.required_tables",
            present,
            name,
            message(
                "present" if present else "missing", "completeness.required_tables", template=template.name, table=name
            ),
        )


@rule("completeness.empty_table_note")
def empty_table_note(f: FilingData) -> Iterator[Finding]:
    """A fund table without amounts prints a note explaining why it is empty."""
    for table in f.tables:
        if table.table_id not in MAY_BE_EMPTY:
            continue
        if any(a.yuan for a in f.amounts if a.table_index == table.table_index):
            continue
        name = CATALOG.table_name(table.table_id)
        has_note = bool(table.notes)
        text = (
            message("noted", "completeness.empty_table_note", table=name, note=table.notes[0])
            if has_note
            else message("no_note", "completeness.empty_table_note", table=name)
        )
        yield Finding(
            "completeness.empty_table_note",
            has_note,
            name,
            text,
            evidence=tuple(Evidence(p, None) for p in table.pages[:1]),
        )


@rule("year.consistent")
def year_consistent(f: FilingData) -> Iterator[Finding]:
    """Table titles name the budget year; the narrative compares with the year before."""
    if f.year is None:
        yield cannot_run("year.consistent", message("no_year", "year.consistent"))
        return
    for table in f.tables:
        match = _TITLE_YEAR.match(table.table_title)
        if match and int(match[1]) != f.year:
            yield Finding(
                "year.consistent",
                False,
                table.table_title,
                message("title_year", "year.consistent", printed=match[1], year=f.year, title=table.table_title),
                Decimal(f.year),
                Decimal(match[1]),
                Decimal(0),
                "年",
                (Evidence(table.pages[0], None),),
            )
    for claim in f.claims:
        if claim.compare_year is None or claim.compare_year == f.year - 1:
            continue
        yield Finding(
            "year.consistent",
            False,
            claim.subject,
            message(
                "narrative_year",
                "year.consistent",
                year=f.year,
                compared=claim.compare_year,
                expected=f.year - 1,
                sentence=claim.sentence[:SENTENCE_QUOTED],
            ),
            Decimal(f.year - 1),
            Decimal(claim.compare_year),
            Decimal(0),
            "年",
            (Evidence(claim.page, None),),
        )


@rule("name.consistent")
def name_consistent(f: FilingData) -> Iterator[Finding]:
    """The organisation each amount table names in its caption is the filing's: like compared with like.

    A unit budget's captions may name the unit (预算单位：, 编制单位：, 单位名称：) or the department it belongs
    to (编制部门：, 主管部门：, 部门：): the first is compared with the unit on the cover, the second with the
    parent department the cover prints, and is 无法检查 when the cover prints none.
    """
    for table in f.tables:
        if not table.department_printed or not table.table_id or table.table_id in CATALOG.form_table_ids:
            continue  # only identified amount tables: a form or an unknown table names what it likes
        printed = squash(table.department_printed)
        if printed == squash(f.department or ""):
            continue
        label = table.department_label or "编制部门"
        expected, whose = f.department, "cover"
        if f.scope == "unit" and label in DEPARTMENT_LABELS:
            expected, whose = f.parent_department, "parent"
            if expected is None:
                yield cannot_run(
                    "name.consistent",
                    message("no_parent", "name.consistent", title=table.table_title, label=label, printed=printed),
                    table.table_title,
                )
                continue
            if printed == squash(expected):
                continue
        yield Finding(
            "name.consistent",
            False,
            table.table_title,
            message(
                "differs" if whose == "cover" else "differs_parent",
                "name.consistent",
                title=table.table_title,
                label=label,
                printed=table.department_printed,
                cover=expected,
            ),
            evidence=(Evidence(table.pages[0], None),),
        )


@rule("template.residue")
def template_residue(f: FilingData) -> Iterator[Finding]:
    """No template placeholder (XX, 某某) is left in titles, row labels or the narrative."""
    texts = [(t.table_title, t.pages[0]) for t in f.tables] + [(a.row_label, a.page) for a in f.amounts]
    texts += [(text, page) for _, page, text in f.narrative]
    for text, page in texts:
        match = _RESIDUE.search(text)
        if match:
            start = max(match.start() - RESIDUE_CONTEXT, 0)
            yield Finding(
                "template.residue",
                False,
                match[0],
                message(
                    "residue",
                    "template.residue",
                    page=page,
                    text=match[0],
                    context=text[start : match.end() + RESIDUE_CONTEXT],
                ),
                evidence=(Evidence(page, None),),
            )

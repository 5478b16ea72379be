"""Load the template catalog (configs/catalog.toml): every printed word and template fact the stages share.

Printed titles and headers map to canonical table and column ids; the catalog also names them in
Chinese for findings and reports, lists the tables each template requires, and says which tables
are forms. Stages ask the catalog instead of keeping their own copies of these words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from budgetml.normalise import squash

CATALOG_PATH = Path(__file__).resolve().parent.parent / "configs" / "catalog.toml"


@dataclass(frozen=True)
class ColumnEntry:
    name: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class TableEntry:
    id: str
    name: str  # the Chinese name reviewers read ("支出总表")
    titles: tuple[str, ...]  # printed titles of the known layouts, as printed
    columns: tuple[ColumnEntry, ...]
    header_words: tuple[str, ...] = ()  # words printed in the header
    body_words: tuple[str, ...] = ()  # row labels printed in the body
    doc_kind: str = "budget"  # "budget" (预算) | "final_account" (决算)
    is_form: bool = False  # label/value form (performance targets): kept, but no line items
    ordered: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()  # unnamed repeated headers named by order
    code_system: str | None = None  # "function" | "economic": the classification its code column prints


@dataclass(frozen=True)
class HeadlineSource:
    table: str
    row: re.Pattern[str] | None  # None: the first body row
    column: str


@dataclass(frozen=True)
class Headline:
    """A headline figure of a filing (configs/catalog.toml [[headline]]): its name, label and where it is read."""

    name: str
    label: str  # Chinese label ("支出合计")
    sources: tuple[HeadlineSource, ...]


@dataclass(frozen=True)
class Template:
    """A known template of one document kind and the tables a filing of it must publish."""

    name: str
    doc_kind: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class IdentifySettings:
    """How sure a content match must be (configs/catalog.toml [identify]; reasons there)."""

    title_weight: float
    header_weight: float
    body_weight: float
    accept_confidence: float
    min_margin: float
    close_margin: float
    title_only_accept: float
    scope_words: tuple[str, ...]
    qualifiers: tuple[str, ...]


@dataclass(frozen=True)
class DocKind:
    doc_kind: str
    words: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one loaded catalog, cached lookups
class Catalog:
    tables: tuple[TableEntry, ...]
    headlines: tuple[Headline, ...]
    code_headers: tuple[re.Pattern[str], ...]
    column_labels: dict[str, str]
    templates: tuple[Template, ...]
    identify: IdentifySettings
    kinds: tuple[DocKind, ...]

    @property
    def table_ids(self) -> tuple[str, ...]:
        """Every canonical table id, in catalog order."""
        return tuple(t.id for t in self.tables)

    @property
    def form_table_ids(self) -> tuple[str, ...]:
        """Tables kept as printed cells (performance target forms), not line items."""
        return tuple(t.id for t in self.tables if t.is_form)

    @property
    def headline_labels(self) -> dict[str, str]:
        """Headline figure name → its Chinese label, in catalog order."""
        return {h.name: h.label for h in self.headlines}

    def headline_names(self, doc_kind: str) -> tuple[str, ...]:
        """The headline figures a filing of `doc_kind` prints (read from one of its tables), in catalog order."""
        kinds = {t.id: t.doc_kind for t in self.tables}
        return tuple(h.name for h in self.headlines if any(kinds[s.table] == doc_kind for s in h.sources))

    def code_tables(self, system: str) -> tuple[str, ...]:
        """The tables whose code column prints the `system` classification (function 功能分类, economic 经济分类)."""
        return tuple(t.id for t in self.tables if t.code_system == system)

    def table_name(self, table_id: str | None) -> str:
        """The Chinese name of a canonical table; empty for an unknown table."""
        return next((t.name for t in self.tables if t.id == table_id), "")

    def column_label(self, column: str) -> str:
        """The Chinese label of a canonical column name; the name itself when it has none."""
        return self.column_labels.get(column, column)

    def best_template(self, tables_found: Iterable[str], doc_kind: str | None = None) -> Template | None:
        """The template whose required tables the filing matches best (overlap over union), among those of
        `doc_kind` when given (a 决算 filing is never held to a budget template); None when there is none."""
        found = set(tables_found)
        templates = [t for t in self.templates if doc_kind is None or t.doc_kind == doc_kind]
        if not templates:
            return None
        return max(templates, key=lambda t: len(found & set(t.tables)) / len(set(t.tables) | found))

    def column_name(self, table_id: str | None, header_path: str) -> str | None:
        """The canonical name of a column from its header path ("基本支出/人员经费"), None when unknown."""
        path = squash(header_path)
        for table in self.tables:
            if table.id != table_id:
                continue
            for column in table.columns:
                if any(p.search(path) for p in column.patterns):
                    return column.name
        return None

    def column_names(self, table_id: str | None, header_paths: tuple[str, ...]) -> list[str | None]:
        """Canonical names of a table's columns: by header path, else by order for repeated headers."""
        names = [self.column_name(table_id, p) or self.column_name(table_id, p.replace("/", "")) for p in header_paths]
        for table in self.tables:
            if table.id != table_id:
                continue
            for pattern, ordered in table.ordered:
                unnamed = [j for j, p in enumerate(header_paths) if names[j] is None and pattern.search(squash(p))]
                if len(unnamed) == len(ordered):
                    for j, name in zip(unnamed, ordered):
                        names[j] = name
        return names

    def is_form(self, table_id: str | None) -> bool:
        """Whether the table is a form kept as printed cells."""
        return any(t.id == table_id and t.is_form for t in self.tables)

    def is_code_header(self, header_path: str) -> bool:
        """Whether a printed header names the classification-code column."""
        path = squash(header_path)
        return any(p.search(path) for p in self.code_headers)


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """The catalog file read into records (cached per path)."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    tables = tuple(
        TableEntry(
            id=t["id"],
            name=t["name"],
            titles=tuple(t["titles"]),
            columns=tuple(ColumnEntry(c["name"], tuple(re.compile(p) for p in c["patterns"])) for c in t["columns"]),
            header_words=tuple(t.get("header_words", ())),
            body_words=tuple(t.get("body_words", ())),
            doc_kind=t.get("doc_kind", "budget"),
            is_form=t.get("is_form", False),
            ordered=tuple((re.compile(o["pattern"]), tuple(o["names"])) for o in t.get("ordered", [])),
            code_system=t.get("code_system"),
        )
        for t in raw["table"]
    )
    headlines = tuple(
        Headline(
            name=h["name"],
            label=h["label"],
            sources=tuple(
                HeadlineSource(s["table"], re.compile(s["row"]) if s["row"] else None, s["column"])
                for s in h["sources"]
            ),
        )
        for h in raw["headline"]
    )
    templates = tuple(Template(t["name"], t["doc_kind"], tuple(t["tables"])) for t in raw["template"])
    return Catalog(
        tables,
        headlines,
        tuple(re.compile(p) for p in raw["codes"]["header_patterns"]),
        dict(raw["column_labels"]),
        templates,
        IdentifySettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw["identify"].items()}),
        tuple(DocKind(k["doc_kind"], tuple(k["words"])) for k in raw["kind"]),
    )

"""Identify a table by its content: folded title, header words and body labels scored against the catalog.

Titles are printed in many ways (`2026年预算单位财务收支预算总表`, `表3 部门支出总表`,
`附表1-1 …（公开版）`), so no title pattern is anchored: the folded title is compared with the
catalog's known titles by their character pairs, and the header and body words add evidence.
A match that is weak, or too close to the runner-up, is no match: the table stays unknown with
its printed title, because a wrong table id turns into wrong findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from budgetml.catalog import Catalog, TableEntry
from budgetml.normalise import squash

# 表号 in front of a title: "表3", "表 3.", "附表1-1", "3.", "三、".
_TABLE_NUMBER = re.compile(
    r"^(?:附?表\d{1,3}(?:-\d{1,3})*[.、．:：]?|\d{1,3}(?:-\d{1,3})*[.、．]|[一二三四五六七八九十]+、)"
)
# A year and everything printed before it ("上海市普陀区司法局2026年", "2024年度").
_YEAR = re.compile(r"^.*?\d{4}年度?")
_PUNCTUATION = re.compile(r"[\"'“”‘’「」『』《》()\[\]【】〔〕{}<>.,，。:：;；、·•\-—_/\\|]")
_TRAILING_QUALIFIER = re.compile(r"[(（][^()（）]*[)）]$")
_ENDS_AS_TITLE = re.compile(r"表$")


@dataclass(frozen=True)
class Identification:
    """The best catalog table for a printed table, how sure, and the runner-up when it came close."""

    table_id: str | None  # the accepted id; None when unknown (weak or ambiguous)
    confidence: float  # score of the best candidate, 0–1, accepted or not
    candidate_id: str | None  # the best-scoring catalog table, even when not accepted
    runner_up_id: str | None = None  # the second best, when within close_margin of the best
    runner_up_confidence: float | None = None


UNKNOWN = Identification(None, 0.0, None)


def fold_title(printed: str, catalog: Catalog, drop_qualifier: bool = False) -> str:
    """A title reduced to the words that name the table: no year, 表号, scope words, qualifiers or punctuation.

    `drop_qualifier` also drops a trailing parenthetical ("（计划管理经费）").
    """
    title = squash(printed)
    title = _YEAR.sub("", title)  # first: "附表1-12026年…" has its 表号 run into the year
    title = _TABLE_NUMBER.sub("", title)
    for qualifier in catalog.identify.qualifiers:
        title = title.replace(squash(qualifier), "")
    if drop_qualifier:
        title = _TRAILING_QUALIFIER.sub("", title)
    title = _PUNCTUATION.sub("", title)
    changed = True
    while changed:
        changed = False
        for word in catalog.identify.scope_words:
            if title.startswith(word) and len(title) > len(word):
                title, changed = title[len(word) :], True
    return title


def doc_kind_of(title: str, catalog: Catalog) -> str | None:
    """The document kind a title names (决算 before 预算, see catalog.toml [[kind]]), None when it names none."""
    for kind in catalog.kinds:
        if any(word in title for word in kind.words):
            return kind.doc_kind
    return None


def looks_like_title(text: str) -> bool:
    """A line printed as a table title: it ends with 表, possibly followed by a parenthetical qualifier."""
    folded = squash(text)
    return bool(_ENDS_AS_TITLE.search(_TRAILING_QUALIFIER.sub("", folded))) and not re.fullmatch(
        r"附?表\d+(?:-\d+)*", folded
    )


def pairs(text: str) -> frozenset[str]:
    """Character pairs of a text (single characters for a one-character text)."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) if len(text) > 1 else frozenset(text)


def pair_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two pair sets: 1 for the same words, 0 for nothing in common."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@lru_cache(maxsize=16)
def _known_titles(catalog: Catalog) -> tuple[tuple[TableEntry, tuple[frozenset[str], ...]], ...]:
    return tuple((t, tuple(pairs(fold_title(title, catalog)) for title in t.titles)) for t in catalog.tables)


def title_scores(printed: str, catalog: Catalog) -> dict[str, float]:
    """How well a printed title matches each catalog table's known titles (0–1), kinds respected.

    A trailing parenthetical qualifier ("项目支出绩效目标表（计划管理经费）") may name the project rather
    than the table, so the title is also compared without it, at a small discount.
    """
    folded = fold_title(printed, catalog)
    if not folded:
        return {}
    kind = doc_kind_of(folded, catalog)
    full = pairs(folded)
    bare_text = fold_title(printed, catalog, drop_qualifier=True)
    bare = pairs(bare_text) if bare_text and bare_text != folded else None
    scores = {}
    for table, known in _known_titles(catalog):
        if kind is not None and kind != table.doc_kind:
            continue
        score = max(pair_similarity(full, k) for k in known)
        if bare is not None:
            score = max(score, QUALIFIER_DISCOUNT * max(pair_similarity(bare, k) for k in known))
        scores[table.id] = score
    return scores


# A title matched only after dropping its trailing qualifier is a little less certain.
QUALIFIER_DISCOUNT = 0.95


def word_share(words: tuple[str, ...], text: str) -> float:
    """The share of `words` printed in `text` (both squashed)."""
    return sum(1 for w in words if squash(w) in text) / len(words)


def identify(printed_title: str | None, header: str, body: str, catalog: Catalog) -> Identification:
    """Score every catalog table against a printed table and accept the best only when it is clear.

    `header` is the header text (column paths joined), `body` the body's row labels joined; either
    may be empty when the table prints none (an empty table, a form). Weights of the evidence a
    table lacks are left out, so a title alone can identify a table only by matching well.
    """
    settings = catalog.identify
    titles = title_scores(printed_title or "", catalog) if printed_title else {}
    header, body = squash(header), squash(body)
    folded_kind = doc_kind_of(fold_title(printed_title or "", catalog), catalog)
    scored: list[tuple[float, str]] = []
    for table in catalog.tables:
        if folded_kind is not None and folded_kind != table.doc_kind:
            continue
        evidence = [(settings.title_weight, titles.get(table.id, 0.0))] if printed_title else []
        if header and table.header_words:
            evidence.append((settings.header_weight, word_share(table.header_words, header)))
        if body and table.body_words:
            evidence.append((settings.body_weight, word_share(table.body_words, body)))
        if not evidence:
            continue
        weight = sum(w for w, _ in evidence)
        scored.append((sum(w * s for w, s in evidence) / weight, table.id))
    if not scored:
        return UNKNOWN
    scored.sort(reverse=True)
    best, best_id = scored[0]
    second, second_id = scored[1] if len(scored) > 1 else (0.0, None)
    accept = settings.accept_confidence if header or body else settings.title_only_accept
    # Without a printed title, header words alone name a table too often wrongly (every function
    # table prints 合计/基本支出/项目支出): the best candidate is recorded, not accepted.
    accepted = bool(printed_title) and best >= accept and best - second >= settings.min_margin
    close = second_id is not None and best - second <= settings.close_margin
    return Identification(
        best_id if accepted else None,
        round(best, 3),
        best_id,
        second_id if close else None,
        round(second, 3) if close else None,
    )


def best_title_score(printed: str, catalog: Catalog) -> float:
    """How much a line reads like a known title (the best title score over the catalog)."""
    return max(title_scores(printed, catalog).values(), default=0.0)

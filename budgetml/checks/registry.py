"""The rule registry (configs/rules.toml): rules with stable ids, their message templates, and the finding a rule yields.

A rule is declared once in configs/rules.toml (id, title, description, severity, tables, tolerance, the
document kinds it reads and the Chinese sentences its findings say) and implemented once, by a function registered under the same
id with `@rule`. The function yields findings and never raises on bad data: what it cannot check it
reports with `cannot_run`, passed None and the reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

RULES_PATH = Path(__file__).resolve().parent.parent.parent / "configs" / "rules.toml"
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    """One rule as declared in configs/rules.toml."""

    rule_id: str
    title: str
    description: str
    severity: str
    tables: tuple[str, ...]
    tolerance: str
    messages: Mapping[str, str]  # key → Chinese template, filled with str.format
    doc_kinds: tuple[str, ...] = ("budget",)  # the document kinds the rule reads (budget 预算, final_account 决算)

    def applies_to(self, doc_kind: str | None) -> bool:
        """Whether the rule runs on a filing of this kind (a filing whose kind is not known is read as a budget)."""
        return (doc_kind or "budget") in self.doc_kinds


def load_rules(path: Path = RULES_PATH) -> tuple[Rule, ...]:
    """Every rule declared in the registry file, in its order."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(
        Rule(
            r["id"],
            r["title"],
            r["description"],
            r["severity"],
            tuple(r["tables"]),
            r["tolerance"],
            MappingProxyType(dict(r.get("messages", {}))),
            tuple(r.get("doc_kinds", ("budget",))),
        )
        for r in raw["rule"]
    )


def load_shared_messages(path: Path = RULES_PATH) -> Mapping[str, str]:
    """The templates of the comparisons many rules make (the registry's [messages] table)."""
    return MappingProxyType(dict(tomllib.loads(Path(path).read_text(encoding="utf-8"))["messages"]))


_RULES = {r.rule_id: r for r in load_rules()}
_SHARED = load_shared_messages()


def message(key: str, rule_id: str | None = None, **values: object) -> str:
    """A finding's sentence: the rule's own template `key` (configs/rules.toml [rule.messages]), else the shared one."""
    own = _RULES[rule_id].messages if rule_id is not None else {}
    template = own[key] if key in own else _SHARED[key]
    return template.format(**values)


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Evidence:
    """Where a reviewer looks: a page, and the figure's box and cell when it is a table cell (a narrative sentence is not)."""

    page: int
    bbox: tuple[float, float, float, float] | None
    cell_id: str | None = None  # line_items.cell_id or form_cells.cell_id


@dataclass(frozen=True)
class Finding:
    """One result of one rule on one filing: a row of checks.parquet."""

    rule_id: str
    passed: bool | None  # None: the rule could not run (see message)
    subject: str
    message: str
    expected: Decimal | None = None
    actual: Decimal | None = None
    tolerance: Decimal | None = None
    unit: str = ""  # unit of expected/actual/tolerance: 元, 万元, 亿元, %, 年
    evidence: tuple[Evidence, ...] = ()
    scope: str | None = None  # the scope (口径) a narrative figure was found to agree with, or compared within


def cannot_run(rule_id: str, reason: str, subject: str = "") -> Finding:
    """The finding of a rule that could not read its inputs with confidence: passed None (无法检查) and why."""
    return Finding(rule_id, None, subject, message("cannot_run", reason=reason))


# ---------------------------------------------------------------- implementations

RuleFn = Callable[..., Iterable[Finding]]  # called with one budgetml.checks.inputs.FilingData
IMPLEMENTATIONS: dict[str, RuleFn] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as the implementation of the declared rule `rule_id`."""
    if rule_id not in _RULES:
        raise KeyError(f"{rule_id} is not declared in {RULES_PATH.name}")

    def register(fn: RuleFn) -> RuleFn:
        IMPLEMENTATIONS[rule_id] = fn
        return fn

    return register

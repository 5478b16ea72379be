"""Failed checks as reviewers read them: the rule's Chinese title and explanation (configs/rules.toml), and the
findings of a filing grouped by cause, each consequence folded under the first printed error it follows from.

checks.parquet links a consequence to its cause by caused_by_id (one wrong cell breaks a row sum, a column sum
and a cross-table total: three findings, one problem). The review desk and the static report both show a
filing's findings through `group_by_cause`; `failed_checks` is the one place that reads them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from budgetml.layout import dataset_path
from budgetml.schema import CHECKS

RULES_PATH = Path(__file__).resolve().parent.parent / "configs" / "rules.toml"
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SCOPE_LABELS = {
    "department": "部门全部收支",
    "fiscal_grant": "财政拨款",
    "general_budget": "一般公共预算",
    "gov_fund": "政府性基金",
    "state_capital": "国有资本经营",
    "sangong": "“三公”经费",
}
# The checks columns a finding is read from.
FINDING_COLUMNS = (
    "filing_id",
    "finding_id",
    "rule_id",
    "severity",
    "subject",
    "message",
    "expected",
    "actual",
    "diff",
    "unit",
    "pages",
    "bboxes",
    "caused_by_id",
    "matched_scope",
)
PASSED = "is_passed"  # checks' verdict column (true, false, or null for 无法检查)


@dataclass(frozen=True)
class RuleText:
    """A rule as reviewers read it."""

    title: str
    explanation: str


@cache
def rule_texts(path: Path = RULES_PATH) -> dict[str, RuleText]:
    """rule_id → its Chinese title and explanation, from configs/rules.toml."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return {r["id"]: RuleText(r["title"], r.get("explanation", "")) for r in raw["rule"]}


@dataclass(frozen=True)
class Finding:
    """One failed check of a filing."""

    filing_id: str
    finding_id: str
    rule_id: str
    severity: str
    subject: str
    message: str
    expected: float | None
    actual: float | None
    diff: float | None
    unit: str
    pages: tuple[int, ...]
    bboxes: tuple[tuple[float, ...] | None, ...]
    caused_by_id: str | None
    matched_scope: str | None

    @property
    def severity_label(self) -> str:
        """The severity in Chinese."""
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def title(self) -> str:
        """The rule's Chinese title (its id when the rulebook has no such rule)."""
        text = rule_texts().get(self.rule_id)
        return text.title if text else self.rule_id

    @property
    def explanation(self) -> str:
        """What the rule checks, in Chinese."""
        text = rule_texts().get(self.rule_id)
        return text.explanation if text else ""

    @property
    def scope_label(self) -> str | None:
        """The scope (口径) a narrative figure was compared within, in Chinese."""
        return SCOPE_LABELS.get(self.matched_scope) if self.matched_scope else None

    @property
    def first_pages(self) -> tuple[int, ...]:
        """The pages it names, each once, in the order named."""
        return tuple(dict.fromkeys(self.pages))


@dataclass(frozen=True)
class Cause:
    """A printed error and the findings that follow from it."""

    first: Finding
    consequences: tuple[Finding, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return (self.first, *self.consequences)


def finding_from_row(row: dict) -> Finding:
    """A Finding from a checks row (FINDING_COLUMNS)."""
    return Finding(
        row["filing_id"],
        row["finding_id"],
        row["rule_id"],
        row["severity"],
        row["subject"],
        row["message"],
        row["expected"],
        row["actual"],
        row["diff"],
        row["unit"],
        tuple(row["pages"] or ()),
        tuple(tuple(b) if b is not None else None for b in (row["bboxes"] or ())),
        row["caused_by_id"],
        row["matched_scope"],
    )


def group_by_cause(findings: Iterable[Finding]) -> list[Cause]:
    """The findings as causes, most severe first (then in the checks' order); a consequence whose cause is not among
    the failed findings stands alone."""
    findings = list(findings)
    ids = {f.finding_id for f in findings}
    under: dict[str, list[Finding]] = {}
    roots = []
    for f in findings:
        if f.caused_by_id and f.caused_by_id in ids and f.caused_by_id != f.finding_id:
            under.setdefault(f.caused_by_id, []).append(f)
        else:
            roots.append(f)
    roots.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 3))
    return [Cause(r, tuple(under.get(r.finding_id, ()))) for r in roots]


def failed_checks(out_dir: Path, filing_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """The failed findings (FINDING_COLUMNS) of out_dir's checks.parquet, of the given filings or all; empty without it."""
    path = dataset_path(out_dir, CHECKS)
    if not path.exists():
        return pl.from_arrow(CHECKS.arrow_schema().empty_table()).select(FINDING_COLUMNS)
    scan = pl.scan_parquet(path).filter(pl.col(PASSED).not_())
    if filing_ids is not None:
        scan = scan.filter(pl.col("filing_id").is_in(list(filing_ids)))
    return scan.select(FINDING_COLUMNS).collect()


def findings_by_filing(frame: pl.DataFrame) -> dict[str, list[Finding]]:
    """filing_id → its Findings, in the frame's order."""
    found: dict[str, list[Finding]] = {}
    for row in frame.iter_rows(named=True):
        found.setdefault(row["filing_id"], []).append(finding_from_row(row))
    return found

"""Failed checks as reviewers read them: the rule's Chinese title and explanation (configs/rules.toml), and the
findings of a filing grouped by cause, each consequence folded under the first printed error it follows from.

checks.parquet links a consequence to its cause by caused_by_id (one wrong cell breaks a row sum, a column sum
and a cross-table total: three findings, one problem). The review desk and the static report both show a
filing's findings through `group_by_cause`; `failed_checks` is the one place that reads them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
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
# The checks columns a finding is read from. Its list columns (pages, and the cell boxes: about 100 and 400 MB
# decoded for every row of checks.parquet at 10,000 filings, of which ~0.2 % are failed) are read afterwards, only
# for the failed rows, in slices of the file around them (`_list_columns`).
PAGES = "pages"
BOXES = "bboxes"
# Failed rows closer than this are read in one slice, and a slice spans at most MAX_SLICE_ROWS rows: a few dozen
# slices at 10,000 filings, each decoded alone (a slice of 131,072 rows decodes to a few MB).
SLICE_GAP_ROWS = 20_000
MAX_SLICE_ROWS = 131_072

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
    """A Finding from a checks row (FINDING_COLUMNS; without bboxes, no boxes)."""
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
        tuple(tuple(b) if b is not None else None for b in (row.get(BOXES) or ())),
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


def _slices(rows: Sequence[int]) -> list[tuple[int, int]]:
    """(first, last) row of each slice that covers the sorted `rows`."""
    slices: list[list[int]] = []
    for row in rows:
        if slices and row - slices[-1][1] <= SLICE_GAP_ROWS and row - slices[-1][0] < MAX_SLICE_ROWS:
            slices[-1][1] = row
        else:
            slices.append([row, row])
    return [(first, last) for first, last in slices]


def _list_columns(path: Path, rows: Sequence[int], columns: Sequence[str]) -> pl.DataFrame:
    """`columns` of the given rows of the file (with `row`), read slice by slice so memory follows the slice."""
    wanted = pl.Series("row", sorted(set(rows)), dtype=pl.UInt32)
    parts = [
        pl.scan_parquet(path, glob=False)
        .slice(first, last - first + 1)
        .with_row_index("row", offset=first)
        .filter(pl.col("row").is_in(wanted.implode()))
        .select("row", *columns)
        .collect()
        for first, last in _slices(wanted.to_list())
    ]
    return (
        pl.concat(parts)
        if parts
        else pl.scan_parquet(path, glob=False).with_row_index("row").select("row", *columns).head(0).collect()
    )


def failed_checks(out_dir: Path, filing_ids: Sequence[str] | None = None, with_boxes: bool = True) -> pl.DataFrame:
    """The failed findings (FINDING_COLUMNS, and their row in the file as `row`) of out_dir's checks.parquet, of the
    given filings or all; empty without it. with_boxes=False leaves out the cell boxes (see `with_boxes_read`)."""
    columns = [c for c in FINDING_COLUMNS if with_boxes or c != BOXES]
    path = dataset_path(out_dir, CHECKS)
    if not path.exists():
        return pl.from_arrow(CHECKS.arrow_schema().empty_table()).select(columns).with_columns(row=pl.lit(0, pl.UInt32))
    lists = [c for c in columns if c in (PAGES, BOXES)]
    scan = pl.scan_parquet(path, glob=False).with_row_index("row").filter(pl.col(PASSED).not_())
    if filing_ids is not None:
        scan = scan.filter(pl.col("filing_id").is_in(pl.Series(list(filing_ids), dtype=pl.String).implode()))
    scalars = scan.select(*(c for c in columns if c not in lists), "row").collect()
    found = scalars.join(_list_columns(path, scalars["row"].to_list(), lists), on="row", how="left")
    return found.select(*columns, "row").sort("row")


def check_counts(out_dir: Path, failed: pl.DataFrame) -> dict[str, int]:
    """Failed checks per severity (from `failed`, every failed finding of out_dir) and the checks that could not run
    (not_run): only the verdict column of checks.parquet is read again."""
    counts = {s: 0 for s in SEVERITY_LABELS} | dict(failed.group_by("severity").len().iter_rows())
    path = dataset_path(out_dir, CHECKS)
    not_run = (
        pl.scan_parquet(path, glob=False).select(pl.col(PASSED).null_count()).collect().item() if path.exists() else 0
    )
    return {**counts, "not_run": int(not_run)}


def with_boxes_read(out_dir: Path, findings: Sequence[Finding], rows: Mapping[tuple[str, str], int]) -> list[Finding]:
    """The findings with their cell boxes, read from the rows of checks.parquet they are in ((filing_id, finding_id) →
    row, from failed_checks): only slices of the file around those rows are decoded."""
    wanted = [rows[(f.filing_id, f.finding_id)] for f in findings if (f.filing_id, f.finding_id) in rows]
    if not wanted:
        return list(findings)
    read = _list_columns(dataset_path(out_dir, CHECKS), wanted, [BOXES])
    by_row = {row: tuple(tuple(b) if b is not None else None for b in (found or ())) for row, found in read.iter_rows()}
    return [replace(f, bboxes=by_row.get(rows.get((f.filing_id, f.finding_id), -1), f.bboxes)) for f in findings]


def findings_by_filing(frame: pl.DataFrame) -> dict[str, list[Finding]]:
    """filing_id → its Findings, in the frame's order."""
    found: dict[str, list[Finding]] = {}
    for row in frame.iter_rows(named=True):
        found.setdefault(row["filing_id"], []).append(finding_from_row(row))
    return found


def finding_rows(frame: pl.DataFrame) -> dict[tuple[str, str], int]:
    """(filing_id, finding_id) → its row in checks.parquet, from a failed_checks frame."""
    return {(f, i): r for f, i, r in frame.select("filing_id", "finding_id", "row").iter_rows()}

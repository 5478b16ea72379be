"""The review store: reviewers' decisions on flagged filings and findings, in a local SQLite file that survives reruns.

A decision is about one file's content (its filing_id) and optionally one rule (`--rule`) or one finding
(its checks.finding_id, from the review desk); without either it is about the filing as a whole. Decisions
are appended, never updated or deleted (SQLite triggers refuse both): the latest one per (filing_id,
rule_id, finding_id) is in force, the earlier ones are its history of who decided what when. Each decision also records the
department (normalised name within region) and year, so when a department republishes a changed
file (a new filing_id, flagged afresh) the report can say that an older version was already reviewed.

The store is data below the stages, like the datasets: the scoring reads which flags were dismissed,
the report shows the decisions, and the reviewer's commands (budgetml/review.py) append to it.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from budgetml.identity import department_key
from budgetml.schema import REVIEW_STATUSES

PROJECT_DIR = Path(__file__).resolve().parent.parent
REVIEW_CONFIG_PATH = PROJECT_DIR / "configs" / "review.toml"
SCHEMA_VERSION = 2
STATUS_LABELS = {"confirmed": "已确认", "dismissed": "已排除", "needs-info": "需补充材料"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
    filing_id TEXT NOT NULL,
    rule_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'dismissed', 'needs-info')),
    note TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    region TEXT,
    department TEXT,
    department_key TEXT NOT NULL,
    year INTEGER,
    source_path TEXT
);
CREATE INDEX IF NOT EXISTS decisions_filing ON decisions (filing_id, rule_id);
CREATE INDEX IF NOT EXISTS decisions_department ON decisions (department_key, year);
"""
# Version 2: a decision may be about one finding (checks.finding_id), and the history is append-only.
_SCHEMA_2 = """
ALTER TABLE decisions ADD COLUMN finding_id TEXT;
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
"""


class ReviewError(ValueError):
    """A decision cannot be recorded (unknown filing, bad status, a store of a newer schema); the message is for reviewers."""


@dataclass(frozen=True)
class Decision:
    """One reviewer's decision as stored."""

    decision_id: int
    filing_id: str
    rule_id: str | None  # None: the filing as a whole
    status: str  # confirmed | dismissed | needs-info
    note: str
    decided_by: str
    decided_at: datetime  # UTC
    region: str | None
    department: str | None
    department_key: str
    year: int | None
    source_path: str | None
    finding_id: str | None = None  # one finding (checks.finding_id) of the rule; None: the rule or the filing

    @property
    def status_label(self) -> str:
        """The decision in Chinese."""
        return STATUS_LABELS[self.status]


def default_store_path(config: Path = REVIEW_CONFIG_PATH) -> Path:
    """The store configs/review.toml names (relative to the project folder unless absolute)."""
    path = Path(tomllib.loads(config.read_text(encoding="utf-8"))["path"])
    return path if path.is_absolute() else PROJECT_DIR / path


def key_text(region: str | None, department: str | None) -> str:
    """The department key as stored: normalised region and name joined by '|'."""
    return "|".join(department_key(region, department))


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        connection.close()
        raise ReviewError(
            f"复核记录库 {path} 的结构版本为 {version}，高于本程序支持的 {SCHEMA_VERSION}，请升级 budgetml"
        )
    # WAL: the nightly report reads while a reviewer writes, without either waiting on the other.
    connection.execute("PRAGMA journal_mode=WAL")
    if version < SCHEMA_VERSION:
        with connection:
            if version < 1:
                connection.executescript(_SCHEMA)
            connection.executescript(_SCHEMA_2)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return connection


def _to_decision(row: sqlite3.Row) -> Decision:
    return Decision(
        row["decision_id"],
        row["filing_id"],
        row["rule_id"],
        row["status"],
        row["note"],
        row["decided_by"],
        datetime.fromisoformat(row["decided_at"]),
        row["region"],
        row["department"],
        row["department_key"],
        row["year"],
        row["source_path"],
        row["finding_id"],
    )


def record(
    store: Path,
    filing: dict,
    status: str,
    note: str,
    by: str,
    rule_id: str | None = None,
    at: datetime | None = None,
    finding_id: str | None = None,
) -> Decision:
    """Append one decision about `filing` (a filings.parquet row), one of its rules or one finding; returns it as stored."""
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"复核结论须为 {'、'.join(REVIEW_STATUSES)} 之一，收到 {status!r}")
    if not by.strip():
        raise ReviewError("请写明复核人")
    if finding_id is not None and (rule_id is None or not finding_id.startswith(f"{rule_id}:")):
        raise ReviewError(f"问题编号 {finding_id!r} 不属于规则 {rule_id}")
    at = (at or datetime.now(UTC)).astimezone(UTC)
    values = (
        filing["filing_id"],
        rule_id,
        status,
        note,
        by.strip(),
        at.isoformat(timespec="seconds"),
        filing.get("region"),
        filing.get("department"),
        key_text(filing.get("region"), filing.get("department")),
        filing.get("year"),
        filing.get("source_path"),
        finding_id,
    )
    with closing(_connect(Path(store))) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO decisions (filing_id, rule_id, status, note, decided_by, decided_at, region, department,"
            " department_key, year, source_path, finding_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        row = connection.execute("SELECT * FROM decisions WHERE decision_id = ?", (cursor.lastrowid,)).fetchone()
    return _to_decision(row)


def all_decisions(store: Path) -> list[Decision]:
    """Every decision in the store, oldest first; none when the store does not exist (it is not created by reading)."""
    store = Path(store)
    if not store.exists():
        return []
    with closing(_connect(store)) as connection:
        rows = connection.execute("SELECT * FROM decisions ORDER BY decided_at, decision_id").fetchall()
    return [_to_decision(r) for r in rows]


def latest(decisions: Iterable[Decision]) -> dict[tuple[str, str | None, str | None], Decision]:
    """The decision in force per (filing_id, rule_id, finding_id): the latest one."""
    found: dict[tuple[str, str | None, str | None], Decision] = {}
    for d in sorted(decisions, key=lambda d: (d.decided_at, d.decision_id)):
        found[(d.filing_id, d.rule_id, d.finding_id)] = d
    return found


def filing_statuses(store: Path) -> dict[str, str]:
    """filing_id → the status of its latest filing-level decision (the one that decides its flag and queue status)."""
    return latest_filing_statuses(all_decisions(store))


def latest_filing_statuses(decisions: Iterable[Decision]) -> dict[str, str]:
    """filing_id → the status of its latest filing-level decision among `decisions`."""
    return {fid: d.status for (fid, rule_id, finding_id), d in latest(decisions).items() if rule_id is None}


@dataclass(frozen=True)
class ReviewState:
    """What the report shows about one filing's review."""

    current: Decision | None  # latest filing-level decision for this exact file
    rules: dict[str, Decision]  # rule_id → latest decision on that rule's findings for this file
    findings: dict[str, Decision]  # finding_id → latest decision on that one finding for this file
    history: tuple[Decision, ...]  # every decision on this file, oldest first
    older_versions: tuple[Decision, ...]  # filing-level decisions on other files of the same department and year


def review_states(decisions: Sequence[Decision], filings: Iterable[dict]) -> dict[str, ReviewState]:
    """ReviewState per filing (filings.parquet rows), matching older versions by department and year."""
    by_filing: dict[str, list[Decision]] = {}
    filing_level: dict[tuple[str, int | None], dict[str, Decision]] = {}
    for d in sorted(decisions, key=lambda d: (d.decided_at, d.decision_id)):
        by_filing.setdefault(d.filing_id, []).append(d)
        if d.rule_id is None:
            # Keyed by today's identity rule over the names the decision recorded (a new alias, a district
            # given its code): the key stored with a decision is the rule of the day it was recorded.
            filing_level.setdefault((key_text(d.region, d.department), d.year), {})[d.filing_id] = d
    states = {}
    for f in filings:
        fid, key = f["filing_id"], key_text(f.get("region"), f.get("department"))
        own = by_filing.get(fid, [])
        in_force = {(d.rule_id, d.finding_id): d for d in own}
        older = filing_level.get((key, f.get("year")), {})
        states[fid] = ReviewState(
            current=in_force.get((None, None)),
            rules={rule: d for (rule, finding), d in in_force.items() if rule is not None and finding is None},
            findings={finding: d for (_, finding), d in in_force.items() if finding is not None},
            history=tuple(own),
            older_versions=tuple(d for other, d in older.items() if other != fid),
        )
    return states

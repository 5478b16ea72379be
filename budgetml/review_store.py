"""The review store: reviewers' decisions on flagged filings and findings, in a local SQLite file that survives reruns.

A decision is about one file's content (its filing_id) and optionally one rule (`--rule`); without a
rule it is about the filing's flag as a whole. Decisions are appended, never updated: the latest one
per (filing_id, rule_id) is in force, the earlier ones are its history. Each decision also records the
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
SCHEMA_VERSION = 1
STATUS_LABELS = {"confirmed": "已确认问题", "dismissed": "已排除", "needs-info": "待补充信息"}

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


class ReviewError(ValueError):
    """A decision cannot be recorded (unknown filing, bad status, a store of a newer schema); the message is for reviewers."""


@dataclass(frozen=True)
class Decision:
    """One reviewer's decision as stored."""

    decision_id: int
    filing_id: str
    rule_id: str | None  # None: the filing's flag as a whole
    status: str  # confirmed | dismissed | needs-info
    note: str
    decided_by: str
    decided_at: datetime  # UTC
    region: str | None
    department: str | None
    department_key: str
    year: int | None
    source_path: str | None

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
            connection.executescript(_SCHEMA)
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
    )


def record(
    store: Path,
    filing: dict,
    status: str,
    note: str,
    by: str,
    rule_id: str | None = None,
    at: datetime | None = None,
) -> Decision:
    """Append one decision about `filing` (a filings.parquet row) to the store; returns it as stored."""
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"复核结论须为 {'、'.join(REVIEW_STATUSES)} 之一，收到 {status!r}")
    if not by.strip():
        raise ReviewError("请用 --by 写明复核人")
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
    )
    with closing(_connect(Path(store))) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO decisions (filing_id, rule_id, status, note, decided_by, decided_at, region, department,"
            " department_key, year, source_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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


def latest(decisions: Iterable[Decision]) -> dict[tuple[str, str | None], Decision]:
    """The decision in force per (filing_id, rule_id): the latest one."""
    found: dict[tuple[str, str | None], Decision] = {}
    for d in sorted(decisions, key=lambda d: (d.decided_at, d.decision_id)):
        found[(d.filing_id, d.rule_id)] = d
    return found


def filing_statuses(store: Path) -> dict[str, str]:
    """filing_id → the status of its latest filing-level decision (the one that decides its flag)."""
    return {filing_id: d.status for (filing_id, rule_id), d in latest(all_decisions(store)).items() if rule_id is None}


@dataclass(frozen=True)
class ReviewState:
    """What the report shows about one filing's review."""

    current: Decision | None  # latest filing-level decision for this exact file
    rules: dict[str, Decision]  # rule_id → latest decision on that rule's findings for this file
    history: tuple[Decision, ...]  # every decision on this file, oldest first
    older_versions: tuple[Decision, ...]  # filing-level decisions on other files of the same department and year


def review_states(decisions: Sequence[Decision], filings: Iterable[dict]) -> dict[str, ReviewState]:
    """ReviewState per filing (filings.parquet rows), matching older versions by department and year."""
    in_force = latest(decisions)
    # Keys from the names each decision recorded, by today's identity rule (a district given its code, a new
    # alias): the key stored with a decision is the rule of the day it was recorded.
    key_of = {d.decision_id: key_text(d.region, d.department) for d in decisions}
    states = {}
    for f in filings:
        fid, key = f["filing_id"], key_text(f.get("region"), f.get("department"))
        older = {}
        for d in decisions:
            if d.filing_id != fid and d.rule_id is None and key_of[d.decision_id] == key and d.year == f.get("year"):
                older[d.filing_id] = d  # the latest per older file
        states[fid] = ReviewState(
            current=in_force.get((fid, None)),
            rules={rule: d for (filing_id, rule), d in in_force.items() if filing_id == fid and rule is not None},
            history=tuple(d for d in decisions if d.filing_id == fid),
            older_versions=tuple(older.values()),
        )
    return states

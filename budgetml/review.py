"""Reviewers' decisions on flagged filings and findings, kept in a local SQLite store that survives reruns.

A decision is about one file's content (its filing_id) and optionally one rule (`--rule`); without a
rule it is about the filing's flag as a whole. Decisions are appended, never updated: the latest one
per (filing_id, rule_id) is in force, the earlier ones are its history. Each decision also records the
department (normalised name within region) and year, so when a department republishes a changed
file (a new filing_id, flagged afresh) the report can say that an older version was already reviewed.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from budgetml.features import department_key
from budgetml.layout import dataset_path
from budgetml.schema import REVIEW_STATUSES

PROJECT_DIR = Path(__file__).resolve().parent.parent
REVIEW_CONFIG_PATH = PROJECT_DIR / "configs" / "review.toml"
SCHEMA_VERSION = 1
STATUS_LABELS = {"confirmed": "已确认问题", "dismissed": "已排除", "needs-info": "待补充信息"}
# The shortest filing_id prefix accepted on the command line: 8 hex digits leave a collision among
# 10,000 filings at about one in 800,000.
MIN_PREFIX = 8

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
        return STATUS_LABELS[self.status]


def default_store_path(config: Path = REVIEW_CONFIG_PATH) -> Path:
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
    states = {}
    for f in filings:
        fid, key = f["filing_id"], key_text(f.get("region"), f.get("department"))
        older = {}
        for d in decisions:
            if d.filing_id != fid and d.rule_id is None and d.department_key == key and d.year == f.get("year"):
                older[d.filing_id] = d  # the latest per older file
        states[fid] = ReviewState(
            current=in_force.get((fid, None)),
            rules={rule: d for (filing_id, rule), d in in_force.items() if filing_id == fid and rule is not None},
            history=tuple(d for d in decisions if d.filing_id == fid),
            older_versions=tuple(older.values()),
        )
    return states


def find_filing(out_dir: Path, filing_id: str) -> dict:
    """The filings.parquet row whose filing_id is `filing_id` or starts with it (at least 8 hex digits)."""
    path = dataset_path(out_dir, "filings")
    if not path.exists():
        raise ReviewError(f"{out_dir} 中没有 filings.parquet：请先运行 budgetml parse")
    prefix = filing_id.strip().lower()
    if len(prefix) < MIN_PREFIX:
        raise ReviewError(f"文件编号（filing_id）至少写前 {MIN_PREFIX} 位")
    matches = pl.read_parquet(path).filter(pl.col("filing_id").str.starts_with(prefix)).to_dicts()
    if not matches:
        raise ReviewError(f"{out_dir}/filings.parquet 中没有编号以 {prefix} 开头的文件")
    if len({m["filing_id"] for m in matches}) > 1:
        raise ReviewError(f"编号 {prefix} 对应多个文件，请多写几位：" + "、".join(m["filing_id"][:16] for m in matches))
    return matches[0]


def record_decision(
    out_dir: Path,
    filing_id: str,
    status: str,
    note: str,
    by: str,
    rule_id: str | None = None,
    store: Path | None = None,
) -> Decision:
    """Record a decision about a filing of out_dir (filing_id or a unique prefix of it)."""
    filing = find_filing(out_dir, filing_id)
    if rule_id is not None:
        checks_path = dataset_path(out_dir, "checks")
        if checks_path.exists():
            known = set(
                pl.read_parquet(checks_path, columns=["filing_id", "rule_id"]).filter(
                    pl.col("filing_id") == filing["filing_id"]
                )["rule_id"]
            )
            if rule_id not in known:
                raise ReviewError(f"该文件没有规则 {rule_id} 的检查结果（可用：{'、'.join(sorted(known)) or '无'}）")
    return record(store or default_store_path(), filing, status, note, by, rule_id)


@dataclass(frozen=True)
class QueueItem:
    rank: int
    filing_id: str
    region: str | None
    department: str | None
    year: int | None
    priority: float
    reasons: tuple[str, ...]
    older_versions: tuple[Decision, ...]


def review_queue(out_dir: Path, store: Path | None = None) -> list[QueueItem]:
    """Flagged filings of out_dir (anomalies.parquet) that have no filing-level decision yet, in rank order."""
    path = dataset_path(out_dir, "anomalies")
    if not path.exists():
        raise ReviewError(f"{out_dir} 中没有 anomalies.parquet：请先运行 budgetml score")
    flagged = pl.read_parquet(path).filter(pl.col("flagged")).sort("rank").to_dicts()
    decisions = all_decisions(store or default_store_path())
    states = review_states(decisions, flagged)
    return [
        QueueItem(
            a["rank"],
            a["filing_id"],
            a["region"],
            a["department"],
            a["year"],
            a["priority"],
            tuple(a["reasons"]),
            states[a["filing_id"]].older_versions,
        )
        for a in flagged
        if states[a["filing_id"]].current is None
    ]

"""Which filings are one department in different years: department keys and ids, renamed departments, the previous filing.

A department is known across years by its key: its district — the 6-digit code of configs/regions.toml
(budgetml/regions.py), so that 武昌区 and 武汉市武昌区 are one district, else the printed name
normalised — and the department's name as printed, normalised (full-width folded, spaces removed, a
second name in parentheses such as （武昌区数据局） dropped), a former name mapped to the current one
where configs/department_aliases.toml says the department was renamed. `department_id` is that key
as a short stable string (filings.department_id, departments.parquet). The checks (prev_year.matches),
the features (year-over-year change), the report (a department's years) and the review store (older
versions of a file) all use this one key and `previous_filings`, the one rule for which filing of last
year a filing is compared with.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from budgetml.normalise import squash
from budgetml.regions import region_code

ALIASES_PATH = Path(__file__).resolve().parent.parent / "configs" / "department_aliases.toml"
_SECOND_NAME = re.compile(r"[(（].*?[)）]")

DepartmentKey = tuple[str, str]  # (region code or normalised region, normalised current name)


class AliasError(ValueError):
    """configs/department_aliases.toml is malformed; the message names the entry."""


def name_key(name: str | None) -> str:
    """A department or district name as compared: folded, no spaces, no second name in parentheses."""
    return _SECOND_NAME.sub("", squash(name or ""))


@lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_PATH) -> Mapping[DepartmentKey, str]:
    """(region key, former name) → current name, all normalised (`region_key`, `name_key`); read-only."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    current_of: dict[DepartmentKey, str] = {}
    for entry in raw.get("alias", []):
        missing = {"region", "former", "current"} - set(entry)
        if missing:
            raise AliasError(f"{path}: 别名条目 {entry} 缺少 {sorted(missing)}")
        key = (region_key(entry["region"]), name_key(entry["former"]))
        if key in current_of:
            raise AliasError(f"{path}: {entry['region']} 的原名称“{entry['former']}”出现了两次")
        current_of[key] = name_key(entry["current"])
    for (region, _), current in current_of.items():
        if (region, current) in current_of:
            raise AliasError(f"{path}: “{current}”既是现名称又是原名称，请直接写最终名称")
    return MappingProxyType(current_of)


def region_key(region: str | None) -> str:
    """A printed district as compared: its code (configs/regions.toml) when known, else its folded name."""
    return region_code(region) or squash(region or "")


def department_key(
    region: str | None, department: str | None, aliases: Mapping[DepartmentKey, str] | None = None
) -> DepartmentKey:
    """A department across years: its normalised name within its district, former names mapped to the current one."""
    aliases = load_aliases() if aliases is None else aliases
    key = (region_key(region), name_key(department))
    return key[0], aliases.get(key, key[1])


def department_id(
    region: str | None, department: str | None, aliases: Mapping[DepartmentKey, str] | None = None
) -> str | None:
    """The department's stable id ("dept-" and 16 hex digits of the key's SHA-256); None when no department is named.

    Stable across years, documents and renames (the key maps a former name to the current one);
    it changes only when the key does: a new alias or a district newly given its code.
    """
    key = department_key(region, department, aliases)
    if not key[1]:
        return None
    return "dept-" + hashlib.sha256("|".join(key).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FilingRef:
    """What the previous-filing rule reads of a filing (a filings.parquet row)."""

    filing_id: str
    status: str  # ok | partial | failed
    region: str | None
    department: str | None
    year: int | None
    doc_kind: str | None = "budget"  # budget (预算) | final_account (决算); a filing is compared with its own kind

    @classmethod
    def of(cls, row: Mapping) -> FilingRef:
        """The reference of a filings.parquet row (a dict with at least these five columns, and doc_kind)."""
        return cls(row["filing_id"], row["status"], row["region"], row["department"], row["year"], row.get("doc_kind"))

    @property
    def kind(self) -> str:
        """The document kind compared on: a filing whose kind is not known counts as a budget (the default)."""
        return self.doc_kind or "budget"


def previous_filings(
    filings: Iterable[FilingRef], aliases: Mapping[DepartmentKey, str] | None = None
) -> dict[str, str]:
    """filing_id → filing_id of the same department's filing of the same kind of the year before, for every filing that has one.

    A 决算 is compared with last year's 决算, a 预算 with last year's 预算 (their narratives compare so).

    Failed filings are neither linked nor linked to. When a department has several filings for one year
    (two versions of a file, a corrected reprint), the one compared with is the ok one before a partial
    one, then the smallest filing_id. Why this rule: filing_id is the SHA-256 of the file's bytes, so the
    choice depends neither on the order in which files were found or reused nor on their names, and a
    fully parsed filing is the better comparison; "the last one read" changed with the input order.
    """
    filings = list(filings)
    chosen = _chosen_filings(filings, aliases)
    found = {}
    for f in filings:
        if f.status == "failed" or f.year is None:
            continue
        previous = chosen.get((department_key(f.region, f.department, aliases), f.kind, f.year - 1))
        if previous is not None:
            found[f.filing_id] = previous.filing_id
    return found


def budgets_of_final_accounts(
    filings: Iterable[FilingRef], aliases: Mapping[DepartmentKey, str] | None = None
) -> dict[str, str]:
    """filing_id of a 决算 → filing_id of the same department's 预算 of the same year, for every 决算 that has one.

    The same department key and the same choice among several versions as `previous_filings`: this is
    the link budget_execution.parquet and the 年初预算 check read a department's two documents through.
    """
    filings = list(filings)
    chosen = _chosen_filings(filings, aliases)
    found = {}
    for f in filings:
        if f.status == "failed" or f.year is None or f.kind != "final_account":
            continue
        budget = chosen.get((department_key(f.region, f.department, aliases), "budget", f.year))
        if budget is not None:
            found[f.filing_id] = budget.filing_id
    return found


def _chosen_filings(
    filings: Iterable[FilingRef], aliases: Mapping[DepartmentKey, str] | None
) -> dict[tuple[DepartmentKey, str, int], FilingRef]:
    """The one filing compared with per department, document kind and year: ok before partial, then the smallest id."""
    chosen: dict[tuple[DepartmentKey, str, int], FilingRef] = {}
    usable = [f for f in filings if f.status != "failed" and f.year is not None]
    for f in sorted(usable, key=lambda f: (f.status != "ok", f.filing_id)):
        chosen.setdefault((department_key(f.region, f.department, aliases), f.kind, f.year), f)
    return chosen

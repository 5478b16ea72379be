"""departments.parquet and regions.parquet, built from filings at each run; a department's peer type.

A department is a department_id (budgetml/identity.py): the same id across years, documents and
renames. Its row names it as its latest filing prints it and lists every name printed, by year. A
district is a code of configs/regions.toml (budgetml/regions.py); its row lists how the filings print it.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from budgetml.datasets import rows_to_table
from budgetml.identity import department_key
from budgetml.normalise import squash
from budgetml.regions import load_regions
from budgetml.schema import DEPARTMENTS, REGIONS

DEPARTMENT_TYPES_PATH = Path(__file__).resolve().parent.parent / "configs" / "department_types.toml"
OTHER_TYPE = "其他"
_STATUS_ORDER = {"ok": 0, "partial": 1, "failed": 2}


@dataclass(frozen=True)
class DepartmentType:
    """A peer type (configs/department_types.toml) and the name keywords that make a department one."""

    name: str
    keywords: tuple[str, ...]


def load_department_types(path: Path = DEPARTMENT_TYPES_PATH) -> tuple[DepartmentType, ...]:
    """The peer types in their order of precedence."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(DepartmentType(t["name"], tuple(squash(k) for k in t["keywords"])) for t in raw["type"])


def department_type(name: str, types: Sequence[DepartmentType]) -> str:
    """The first type one of whose keywords occurs in the normalised department name; 其他 when none does."""
    folded = squash(name)
    for t in types:
        if any(k in folded for k in t.keywords):
            return t.name
    return OTHER_TYPE


def type_of(region: str | None, department: str | None, types: Sequence[DepartmentType]) -> str:
    """The peer type of a filing's department, from its current name (former names mapped by the identity rule)."""
    _, name = department_key(region, department)
    return department_type(name, types) if name else OTHER_TYPE


def departments_table(filings: pa.Table, types: Sequence[DepartmentType] | None = None) -> pa.Table:
    """One row per department_id of filings.parquet (filings without a department are left out)."""
    types = load_department_types() if types is None else types
    by_id: dict[str, list[dict]] = {}
    columns = ["filing_id", "status", "region", "region_code", "department", "department_id", "year"]
    for f in filings.select(columns).to_pylist():
        if f["department_id"] is not None:
            by_id.setdefault(f["department_id"], []).append(f)
    rows = []
    for department_id, group in sorted(by_id.items()):
        latest = min(group, key=lambda f: (-(f["year"] or 0), _STATUS_ORDER[f["status"]], f["filing_id"]))
        years = [f["year"] for f in group if f["year"] is not None]
        names = Counter((f["year"], f["department"]) for f in group if f["department"])
        rows.append(
            {
                "department_id": department_id,
                "name": latest["department"],
                "region": latest["region"],
                "region_code": latest["region_code"],
                "department_type": type_of(latest["region"], latest["department"], types),
                "first_year": min(years, default=None),
                "last_year": max(years, default=None),
                "n_filings": len(group),
                "names": [
                    {"year": year, "name": name, "n_filings": n}
                    for (year, name), n in sorted(names.items(), key=lambda x: (x[0][0] is None, x[0][0] or 0, x[0][1]))
                ],
            }
        )
    return rows_to_table(DEPARTMENTS, rows)


def regions_table(filings: pa.Table) -> pa.Table:
    """One row per district of configs/regions.toml, with how this run's filings print it."""
    printed: dict[str, Counter] = {}
    departments: dict[str, set[str]] = {}
    for f in filings.select(["region", "region_code", "department_id"]).to_pylist():
        if f["region_code"] is not None:
            printed.setdefault(f["region_code"], Counter())[f["region"]] += 1
            if f["department_id"] is not None:
                departments.setdefault(f["region_code"], set()).add(f["department_id"])
    rows = [
        {
            "region_code": r.code,
            "name": r.name,
            "province": r.province,
            "city": r.city,
            "printed_names": [name for name, _ in sorted(printed.get(r.code, {}).items(), key=lambda x: (-x[1], x[0]))],
            "n_filings": sum(printed.get(r.code, {}).values()),
            "n_departments": len(departments.get(r.code, ())),
        }
        for r in sorted(load_regions().regions, key=lambda r: r.code)
    ]
    return rows_to_table(REGIONS, rows)


def unknown_regions(filings: pa.Table) -> list[str]:
    """Districts the filings print that configs/regions.toml does not know (region_code null), sorted."""
    rows = filings.select(["region", "region_code"]).to_pylist()
    return sorted({r["region"] for r in rows if r["region"] and r["region_code"] is None})

"""Districts and their administrative division codes (GB/T 2260) from configs/regions.toml.

A filing prints its district as it likes (上海市普陀区, 武昌区); `region_code` gives the 6-digit code of
the district it names, or None when configs/regions.toml has no entry for it (such districts are
listed as unknown in the run summary, never guessed). identity.py keys departments by this code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from budgetml.normalise import squash

REGIONS_PATH = Path(__file__).resolve().parent.parent / "configs" / "regions.toml"
_CODE = re.compile(r"^\d{6}$")


class RegionsError(ValueError):
    """configs/regions.toml is malformed; the message names the entry."""


@dataclass(frozen=True)
class Region:
    """One district of configs/regions.toml."""

    code: str  # 6 digits, GB/T 2260
    name: str  # full name, city included (上海市普陀区)
    province: str
    city: str
    printed: tuple[str, ...]  # other printed forms (武昌区)


@dataclass(frozen=True, eq=False)
class Regions:
    """The districts of configs/regions.toml and the printed names that lead to them."""

    regions: tuple[Region, ...]
    code_of: dict[str, str]  # squashed printed name → code

    def code(self, printed: str | None) -> str | None:
        """The code of the district a filing prints, None when no entry names it."""
        return self.code_of.get(squash(printed or "")) if printed else None


@lru_cache(maxsize=4)
def load_regions(path: Path = REGIONS_PATH) -> Regions:
    """configs/regions.toml read and checked: 6-digit codes, each code and printed name once."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    regions, code_of = [], {}
    for entry in raw.get("region", []):
        missing = {"code", "name", "province", "city"} - set(entry)
        if missing:
            raise RegionsError(f"{path}: 行政区划条目 {entry} 缺少 {sorted(missing)}")
        if not _CODE.match(entry["code"]):
            raise RegionsError(f"{path}: “{entry['name']}”的代码 {entry['code']} 不是 6 位数字")
        region = Region(entry["code"], entry["name"], entry["province"], entry["city"], tuple(entry.get("printed", ())))
        if any(r.code == region.code for r in regions):
            raise RegionsError(f"{path}: 代码 {region.code} 出现了两次")
        for name in (region.name, *region.printed):
            if code_of.setdefault(squash(name), region.code) != region.code:
                raise RegionsError(f"{path}: 名称“{name}”对应了两个代码")
        regions.append(region)
    return Regions(tuple(regions), code_of)


def region_code(printed: str | None) -> str | None:
    """The 6-digit code of a printed district (configs/regions.toml), None when unknown."""
    return load_regions().code(printed)

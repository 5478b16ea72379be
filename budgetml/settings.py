"""The nightly run's settings (configs/nightly.toml) and input sources (configs/sources.toml), as frozen records."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from budgetml.extract import DEFAULT_ENGINE, ENGINES
from budgetml.parse import parser_version

PROJECT_DIR = Path(__file__).resolve().parent.parent
NIGHTLY_PATH = PROJECT_DIR / "configs" / "nightly.toml"
SOURCES_PATH = PROJECT_DIR / "configs" / "sources.toml"


class SettingsError(ValueError):
    """A configuration file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class ParseLimits:
    """How the isolated parser workers read each file: per-file limits and the extraction engine (reasons in
    configs/nightly.toml)."""

    time_limit_s: float = 120.0
    memory_limit_mb: int = 2048
    engine: str = DEFAULT_ENGINE  # one of budgetml.extract.ENGINES

    @property
    def parser_version(self) -> str:
        """The version the rows and the parse cache carry: each engine has its own cache."""
        return parser_version(self.engine)

    @property
    def cache_tag(self) -> str:
        """Failures caused by a limit are only valid for these limits: raising one retries them."""
        return f"t{self.time_limit_s:g}-m{self.memory_limit_mb}"


@dataclass(frozen=True)
class NightlySettings:
    workers: int = 0  # 0 = one per available core
    limits: ParseLimits = ParseLimits()
    batch_files: int = 8
    dask_address: str = ""
    cron: str = "30 2 * * *"
    timezone: str = "Asia/Shanghai"
    deployment_name: str = "nightly"
    max_vanished_pct: float = 5.0  # more input files gone mid-run than this share: stop before publishing
    allowed_roots: tuple[str, ...] = ()  # folders outside the input roots that symbolic links may point into
    partition_over_filings: int = 2000  # more filings than this: line_items and form_cells partitioned by year

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else available_cores()


@dataclass(frozen=True)
class Source:
    region: str
    year: int
    paths: tuple[str, ...]  # folders or glob patterns, relative to the project folder


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_settings(path: Path = NIGHTLY_PATH) -> NightlySettings:
    raw = _read_toml(path)
    parse, dask, schedule, inputs, output = (
        _table(raw, name, path) for name in ("parse", "dask", "schedule", "inputs", "output")
    )
    limits = _build(
        ParseLimits,
        {k: parse.pop(k) for k in ("time_limit_s", "memory_limit_mb", "engine") if k in parse},
        path,
        "parse",
    )
    limits = ParseLimits(float(limits.time_limit_s), int(limits.memory_limit_mb), str(limits.engine))
    if limits.engine not in ENGINES:
        raise SettingsError(f"{path}: [parse] engine 必须是 {' 或 '.join(ENGINES)}，而不是 {limits.engine!r}")
    values = {**parse, "dask_address": dask.pop("address", ""), **schedule}
    if dask:
        raise SettingsError(f"{path}: [dask] 中有未知的键 {sorted(dask)}")
    if "allowed_roots" in inputs:
        inputs["allowed_roots"] = tuple(_resolve_root(str(p)) for p in inputs["allowed_roots"])
    if "max_vanished_pct" in inputs:
        inputs["max_vanished_pct"] = float(inputs["max_vanished_pct"])
    settings = _build(
        NightlySettings, {**values, **inputs, **output, "limits": limits}, path, "parse/schedule/inputs/output"
    )
    if settings.workers < 0 or settings.batch_files < 1 or limits.time_limit_s <= 0 or limits.memory_limit_mb < 256:
        raise SettingsError(f"{path}: workers ≥ 0、batch_files ≥ 1、time_limit_s > 0、memory_limit_mb ≥ 256")
    if not isinstance(settings.partition_over_filings, int) or settings.partition_over_filings < 0:
        raise SettingsError(f"{path}: [output] partition_over_filings 应为不小于 0 的整数")
    if not 0 <= settings.max_vanished_pct <= 100:
        raise SettingsError(f"{path}: [inputs] max_vanished_pct 应在 0 到 100 之间")
    return settings


def with_engine(settings: NightlySettings, engine: str) -> NightlySettings:
    """The settings with another extraction engine (a command-line or flow-parameter override)."""
    if engine not in ENGINES:
        raise SettingsError(f"未知的解析引擎 {engine!r}：可选 {'、'.join(ENGINES)}")
    return replace(settings, limits=replace(settings.limits, engine=engine))


def load_sources(path: Path = SOURCES_PATH) -> tuple[Source, ...]:
    raw = _read_toml(path)
    entries = raw.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise SettingsError(f"{path}: 至少需要一个 [[source]]")
    sources = []
    for k, entry in enumerate(entries):
        try:
            sources.append(
                Source(
                    region=str(entry["region"]), year=int(entry["year"]), paths=tuple(str(p) for p in entry["paths"])
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(f"{path}: 第 {k + 1} 个 [[source]] 需要 region、year 和 paths（{exc}）") from exc
    return tuple(sources)


def input_patterns(inputs: list[str] | None) -> tuple[list[str], Path]:
    """The patterns to read and the folder they are relative to: the command line's, else configs/sources.toml's."""
    if inputs:
        return list(inputs), Path.cwd()
    return source_patterns(load_sources()), PROJECT_DIR


def source_patterns(sources: tuple[Source, ...]) -> list[str]:
    return [p for source in sources for p in source.paths]


def _resolve_root(path: str) -> str:
    """An allowed root as written in the config: relative to the project folder."""
    return str((PROJECT_DIR / path).resolve())


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"无法读取配置文件 {path}：{exc}") from exc


def _table(raw: dict, name: str, path: Path) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: [{name}] 必须是一个表")
    return dict(value)


def _build(cls, values: dict, path: Path, where: str):
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"{path}: [{where}] 中有未知的键 {sorted(unknown)}")
    return cls(**values)

"""Where things live in an output folder: datasets in data/, reports, evidence images, internal state in .state/.

    OUT/data/<name>.parquet       the published datasets (a link to the current generation, see generations.py)
    OUT/data/<name>/year=YYYY/    a large dataset partitioned by year (line_items, form_cells past a number of filings)
    OUT/data/datapackage.json     the Frictionless Data Package describing them (datapackage.py)
    OUT/reports/report-*.html     the reviewer's reports
    OUT/evidence/                 evidence images
    OUT/.state/lock               one run at a time (lock.py)
    OUT/.state/cache/             parsed rows per file (incremental.py)
    OUT/.state/generations/       the current and the previous generation of the datasets
    OUT/.state/staging/           the generation a run is building (removed when the run publishes or restarts)

Every stage finds a dataset through `dataset_path`; `migrate_flat_layout` moves an output folder written
before this layout (datasets, .cache, .lock beside each other) into it without reparsing anything.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from budgetml.schema import Dataset

DATA_DIR = "data"
REPORTS_DIR = "reports"
EVIDENCE_DIR = "evidence"
STATE_DIR = ".state"
# Folders a run writes besides the datasets; a staged run's files in them are moved into OUT when it publishes.
SIDE_DIRS = (REPORTS_DIR, EVIDENCE_DIR)


def data_dir(out_dir: Path) -> Path:
    return Path(out_dir) / DATA_DIR


def dataset_path(out_dir: Path, dataset: Dataset | str) -> Path:
    """OUT/data/<name>.parquet, or the folder OUT/data/<name>/ when the dataset is stored partitioned by year: the one
    place that says where a dataset of an output folder is. Both read as one dataset (polars, DuckDB, pyarrow)."""
    folder = partitioned_path(out_dir, dataset)
    return folder if folder.is_dir() else file_path(out_dir, dataset)


def file_path(out_dir: Path, dataset: Dataset | str) -> Path:
    """OUT/data/<name>.parquet, the dataset as one file."""
    name = dataset if isinstance(dataset, str) else dataset.name
    return data_dir(out_dir) / f"{name}.parquet"


def partitioned_path(out_dir: Path, dataset: Dataset | str) -> Path:
    """OUT/data/<name>/, the dataset as Hive partitions (year=YYYY/part-0.parquet)."""
    name = dataset if isinstance(dataset, str) else dataset.name
    return data_dir(out_dir) / name


PARTITION_FILE = "part-0.parquet"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # how Hive, polars and DuckDB name the partition of null years


def dataset_files(out_dir: Path, dataset: Dataset | str) -> list[Path]:
    """The Parquet files holding a dataset: its one file, or its partitions in year order (empty when absent)."""
    path = dataset_path(out_dir, dataset)
    if path.is_dir():
        return sorted(path.glob(f"*=*/{PARTITION_FILE}"), key=_partition_order)
    return [path] if path.exists() else []


def _partition_order(path: Path) -> tuple[bool, str]:
    return path.parent.name.endswith(NULL_PARTITION), path.parent.name


def datapackage_path(out_dir: Path) -> Path:
    """OUT/data/datapackage.json, the descriptor of the datasets beside it."""
    return data_dir(out_dir) / "datapackage.json"


def reports_dir(out_dir: Path) -> Path:
    return Path(out_dir) / REPORTS_DIR


def evidence_dir(out_dir: Path) -> Path:
    return Path(out_dir) / EVIDENCE_DIR


def state_dir(out_dir: Path) -> Path:
    return Path(out_dir) / STATE_DIR


def lock_path(out_dir: Path) -> Path:
    return state_dir(out_dir) / "lock"


def cache_dir(out_dir: Path) -> Path:
    return state_dir(out_dir) / "cache"


def generations_dir(out_dir: Path) -> Path:
    return state_dir(out_dir) / "generations"


def staging_dir(out_dir: Path) -> Path:
    return state_dir(out_dir) / "staging"


def generation_name(now: datetime | None = None) -> str:
    """Sortable by time: the newest generation is the last name."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{os.getpid()}"


def point_data_at(out_dir: Path, generation: Path) -> None:
    """Make OUT/data the given generation in one rename of a symbolic link: readers see the old set or the new one.

    A plain data/ folder (made by hand, or by a standalone command before any run) is first kept as a
    generation of its own, so nothing written there is lost.
    """
    out = Path(out_dir)
    link = data_dir(out)
    if link.is_dir() and not link.is_symlink():
        generations_dir(out).mkdir(parents=True, exist_ok=True)
        os.rename(link, generations_dir(out) / f"{generation_name()}-adopted")
    tmp = out / f".{DATA_DIR}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(generation, out), tmp)
    os.replace(tmp, link)
    _fsync_dir(out)


def current_generation(out_dir: Path) -> Path | None:
    """The generation folder OUT/data points to (None when data/ is absent or a plain folder)."""
    link = data_dir(out_dir)
    if not link.is_symlink():
        return None
    return (Path(out_dir) / os.readlink(link)).resolve()


# --- the flat layout of earlier versions ---------------------------------------------------------------

_FLAT_CACHE, _FLAT_LOCK, _FLAT_MARKER, _FLAT_STAGING = ".cache", ".lock", ".publishing", ".staging"
_INVENTORY = "inputs.parquet"  # what the next run compares its inputs with (incremental.py)


class FlatLayoutInUse(RuntimeError):
    """A run of an earlier version holds the old lock of the output folder."""


def has_flat_layout(out_dir: Path) -> bool:
    out = Path(out_dir)
    return out.is_dir() and (any(out.glob("*.parquet")) or (out / _FLAT_CACHE).is_dir() or (out / _FLAT_LOCK).exists())


def migrate_flat_layout(out_dir: Path) -> list[str]:
    """Move a folder of the flat layout into data/ and .state/ (the caller holds the new lock); returns what moved.

    The datasets become the current generation and the parse cache keeps its entries, so the next run
    reuses every parsed file. A publish that an earlier version left half done (its `.publishing`
    marker) may have mixed old and new datasets: its inventory is dropped, and the next run rebuilds
    every dataset from the cache instead of trusting them.
    """
    out = Path(out_dir)
    if not has_flat_layout(out):
        return []
    moved: list[str] = []
    old_lock = out / _FLAT_LOCK
    if old_lock.exists():
        with open(old_lock, "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FlatLayoutInUse(f"输出目录 {out} 正被旧版本的运行占用；请等它结束后再运行") from None
            old_lock.unlink()
        moved.append(_FLAT_LOCK)
    flat = sorted(p for p in out.glob("*.parquet") if p.is_file() and not p.is_symlink())
    if flat and not data_dir(out).exists():
        generation = generations_dir(out) / f"{generation_name()}-migrated"
        generation.mkdir(parents=True)
        interrupted = (out / _FLAT_MARKER).exists()
        for path in flat:
            if interrupted and path.name == _INVENTORY:
                path.unlink()
                continue
            os.rename(path, generation / path.name)
            moved.append(path.name)
        point_data_at(out, generation)
    cache = out / _FLAT_CACHE
    if cache.is_dir() and not cache_dir(out).exists():
        cache_dir(out).parent.mkdir(parents=True, exist_ok=True)
        os.rename(cache, cache_dir(out))
        moved.append(_FLAT_CACHE)
    (out / _FLAT_MARKER).unlink(missing_ok=True)
    shutil.rmtree(out / _FLAT_STAGING, ignore_errors=True)
    for leftover in out.glob(".*.tmp"):  # temporary files of a write the old version was killed in
        if leftover.is_file():
            leftover.unlink()
    return moved


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

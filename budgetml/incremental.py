"""Incremental runs: decide which files need parsing, cache each file's rows by (content hash, parser version), build the parse datasets.

The cache lives in OUT/.state/cache/parse-v{parser version}/ (e.g. parse-v5-pdfium: each extraction engine
has its own), one folder per filing holding that filing's rows of every parse dataset as small Parquet
files (never pickles: a new version reads nothing of an old one, it parses again). An entry is written as
soon as its file is parsed, so a run killed half-way loses no finished work. The parse datasets are rebuilt
from the cache into the run's staged generation (generations.py) together with the input inventory
(inputs.parquet), which is what the next run compares against once this run has published.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budgetml.code_dictionary import code_dictionary
from budgetml.datasets import read_table, replace_file, rows_to_table, write_table
from budgetml.departments import departments_table, regions_table
from budgetml.isolation import LIMIT_FAILURES, InputFile, ParseOutcome
from budgetml.layout import cache_dir, dataset_path, partitioned_path
from budgetml.parse import ParsedFiling, parsed_to_tables, parser_version, with_keys
from budgetml.quality import CHECKED_COLUMNS
from budgetml.schema import (
    DATASETS,
    DEPARTMENTS,
    ECONOMIC_CODES,
    FILINGS,
    FUNCTION_CODES,
    INPUTS,
    LINE_ITEMS,
    REGIONS,
    Dataset,
)
from budgetml.settings import ParseLimits
from budgetml.terminal import plain


class InputsVanished(RuntimeError):
    """Too many input files disappeared during the run: nothing is published (the message says how many)."""


class CacheError(RuntimeError):
    """A cache entry could not be read; it has been removed so that the next run parses the file again."""


@dataclass(frozen=True)
class RunPlan:
    """What this run has to do, decided from the inputs, the cache and the previous run's inventory."""

    files: tuple[InputFile, ...]  # every input file, sorted by path
    change: dict[str, str]  # source_path → new | changed | unchanged (against the previous run)
    removed: tuple[str, ...]  # source paths of the previous run that are gone
    to_parse: tuple[InputFile, ...]  # one file per filing that has no cache entry
    reused: dict[str, str]  # filing_id → cache entry name, for the filings taken from the cache
    is_unchanged: bool  # same files as the last complete run and nothing to parse: the datasets stay
    parser_version: str  # of this run (with its engine): the cache it reads and the version its inventory records
    published: frozenset[str] = frozenset()  # reused filings whose rows are read from the published datasets


@cache  # asked once per input file when planning: building the empty tables costs ~8 ms a time
def parse_datasets() -> tuple[Dataset, ...]:
    """The datasets the parser produces per filing (whatever parse.parsed_to_tables returns), filings last."""
    names = parsed_to_tables([ParsedFiling("0" * 64, "", "failed", "")]).keys()
    found = [d for d in DATASETS if d.name in names and d.name != FILINGS.name]
    return (*found, FILINGS)


def cache_root(out_dir: Path, version: str | None = None) -> Path:
    """The cache of one parser version with its engine (default: the default engine's)."""
    return cache_dir(out_dir) / f"parse-v{version or parser_version()}"


def hash_inputs(paths: Sequence[Path]) -> list[InputFile]:
    """Content hash of every file (the filing id). An unreadable file gets the parser's own unreadable id."""
    files = []
    for path in sorted(paths):
        try:
            digest, size = _hash_regular_file(path)
        except OSError:
            digest, size = "unreadable-" + hashlib.sha256(str(path).encode()).hexdigest(), 0
        files.append(InputFile(str(path), digest, size))
    return files


def _hash_regular_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a regular file. Opened without blocking and without following a final link, so a
    file swapped for a FIFO or a link after discovery is refused instead of hanging or leaking the run."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"不是普通文件：{path}")
        return hashlib.file_digest(handle, "sha256").hexdigest(), info.st_size


def plan_run(paths: Sequence[Path], out_dir: Path, limits: ParseLimits) -> RunPlan:
    files = hash_inputs(paths)
    previous = _previous_inventory(out_dir)
    before = dict(zip(previous["source_path"].to_pylist(), previous["filing_id"].to_pylist())) if previous else {}
    change = {f.source_path: _change(before.get(f.source_path), f.filing_id) for f in files}
    removed = tuple(sorted(set(before) - set(change)))
    to_parse, reused = [], {}
    for file in unique_filings(files):
        entry = None if file.filing_id.startswith("unreadable-") else find_entry(out_dir, file.filing_id, limits)
        if entry:
            reused[file.filing_id] = entry
        else:
            to_parse.append(file)
    # The published generation holds exactly its inventory's filings (a run publishes all its datasets
    # at once): with this parser version, reading reused rows from it is one read per dataset instead
    # of one per filing and dataset from the cache.
    is_consistent = (
        previous is not None
        and set(previous["parser_version"].to_pylist()) <= {limits.parser_version}
        and all(dataset_path(out_dir, d).exists() for d in parse_datasets())
    )
    published = frozenset(set(reused) & set(previous["filing_id"].to_pylist())) if is_consistent else frozenset()
    is_unchanged = is_consistent and not to_parse and not removed and all(c == "unchanged" for c in change.values())
    return RunPlan(
        tuple(files), change, removed, tuple(to_parse), reused, is_unchanged, limits.parser_version, published
    )


def _previous_inventory(out_dir: Path) -> pa.Table | None:
    """The last completed run's inputs.parquet; None when absent or of an older declaration (then every file counts as new)."""
    try:
        return read_table(INPUTS, out_dir)
    except (OSError, ValueError, pa.ArrowException):
        return None


def unique_filings(files: Sequence[InputFile]) -> list[InputFile]:
    """One file per filing id, the first by path: identical copies are one filing (filing_id is the key)."""
    seen: dict[str, InputFile] = {}
    for file in files:
        seen.setdefault(file.filing_id, file)
    return list(seen.values())


def _change(before: str | None, now: str) -> str:
    if before is None:
        return "new"
    return "unchanged" if before == now else "changed"


# --- the per-file cache ------------------------------------------------------------------------


def entry_name(outcome: ParseOutcome, limits: ParseLimits) -> str | None:
    """Where an outcome is cached, or None when it must not be.

    The parser's own verdict depends only on the bytes and the parser version. A timeout, a memory
    failure or a crash also depends on the limits: it is cached under them, so raising a limit
    retries the file while an unchanged configuration does not pay the time limit every night.
    A file that was unreadable or changed while being parsed is never cached.
    """
    if outcome.failure_kind is None:
        return outcome.filing_id
    if outcome.failure_kind in LIMIT_FAILURES:
        return f"{outcome.filing_id}@{outcome.failure_kind}-{limits.cache_tag}"
    return None


def _entry_failure_kind(name: str) -> str | None:
    """`<id>@timeout-t120-m2048` → timeout; a plain `<id>` entry holds the parser's own verdict."""
    return name.partition("@")[2].partition("-")[0] or None


def find_entry(out_dir: Path, filing_id: str, limits: ParseLimits) -> str | None:
    root = cache_root(out_dir, limits.parser_version)
    names = [filing_id, *(f"{filing_id}@{kind}-{limits.cache_tag}" for kind in LIMIT_FAILURES)]
    expected = [d.file_name for d in parse_datasets()]
    for name in names:
        if all((root / name / file_name).exists() for file_name in expected):
            return name
    return None


def store_outcome(out_dir: Path, outcome: ParseOutcome, limits: ParseLimits) -> str | None:
    """Write one parsed file's rows to the cache (filings last: its presence marks a complete entry)."""
    name = entry_name(outcome, limits)
    if name is None:
        return None
    folder = cache_root(out_dir, limits.parser_version) / name
    folder.mkdir(parents=True, exist_ok=True)
    for dataset in parse_datasets():
        replace_file(outcome.tables[dataset.name], folder / dataset.file_name, durable=False)
    return name


def read_entry(out_dir: Path, name: str, version: str | None = None) -> dict[str, pa.Table]:
    folder = cache_root(out_dir, version) / name
    try:
        return {d.name: pq.read_table(folder / d.file_name, schema=d.arrow_schema()) for d in parse_datasets()}
    except (OSError, pa.ArrowException) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise CacheError(f"缓存条目 {folder} 已损坏（{exc}），已删除；请重新运行，该文件将被重新解析") from exc


# --- assembling and publishing -----------------------------------------------------------------


def assemble(plan: RunPlan, outcomes: Sequence[ParseOutcome], out_dir: Path) -> dict[str, pa.Table]:
    """Every parse dataset for the current inputs, ordered by filing id: rows of the files parsed now, of
    reused files from the published datasets (or, after an interrupted run, from the cache).

    A reused filing's source_path is the file's current path (a renamed file is the same filing).
    """
    parsed = {o.filing_id: o.tables for o in outcomes}
    files = unique_filings(plan.files)
    parts: dict[str, list[pa.Table]] = {d.name: [] for d in parse_datasets()}
    if plan.published:
        keep = pa.array(sorted(plan.published), pa.string())
        for dataset in parse_datasets():
            table = read_table(dataset, out_dir)
            parts[dataset.name].append(table.filter(pc.is_in(table["filing_id"], value_set=keep)))
    for file in files:
        if file.filing_id in plan.published:
            continue
        tables = parsed.get(file.filing_id) or read_entry(out_dir, plan.reused[file.filing_id], plan.parser_version)
        for name in parts:
            parts[name].append(tables[name])
    tables = {}
    for dataset in parse_datasets():
        table = pa.concat_tables(parts[dataset.name]) if parts[dataset.name] else dataset.arrow_schema().empty_table()
        tables[dataset.name] = table.take(
            pc.sort_indices(table["filing_id"])
        )  # stable: rows keep their order per filing
    filings = tables[FILINGS.name]
    path_of = {f.filing_id: f.source_path for f in files}
    index = filings.schema.get_field_index("source_path")
    paths = pa.array([path_of[i] for i in filings["filing_id"].to_pylist()], pa.string())
    tables[FILINGS.name] = with_keys(filings.set_column(index, filings.schema.field(index), paths))
    return tables


def inventory(plan: RunPlan, outcomes: Sequence[ParseOutcome], filings: pa.Table | None, out_dir: Path) -> pa.Table:
    """The inputs dataset: one row per input file of this run."""
    parsed = {o.filing_id: o for o in outcomes}
    status: dict[str, str] = {}
    if filings is not None:
        status = dict(zip(filings["filing_id"].to_pylist(), filings["status"].to_pylist()))
    elif plan.is_unchanged:  # datasets untouched: the statuses are those already published
        published = read_table(FILINGS, out_dir)
        status = dict(zip(published["filing_id"].to_pylist(), published["status"].to_pylist()))
    first = {f.filing_id: f.source_path for f in unique_filings(plan.files)}
    rows = []
    for file in plan.files:
        outcome = parsed.get(file.filing_id)
        is_first = first[file.filing_id] == file.source_path
        entry = plan.reused.get(file.filing_id, "")
        rows.append(
            {
                "source_path": file.source_path,
                "filing_id": file.filing_id,
                "size_bytes": file.size_bytes,
                "change": plan.change[file.source_path],
                "parse_outcome": ("parsed" if outcome else "reused") if is_first else "duplicate",
                "status": outcome.status if outcome else status.get(file.filing_id, "failed"),
                "failure_kind": outcome.failure_kind if outcome else _entry_failure_kind(entry),
                "parse_s": outcome.seconds if outcome and is_first else None,
                "n_pages": outcome.n_pages if outcome and is_first else None,
                "peak_rss_mb": outcome.peak_rss_mb if outcome and is_first else None,
                "parser_version": plan.parser_version,
            }
        )
    return rows_to_table(INPUTS, rows)


def stage_parse_datasets(
    plan: RunPlan,
    outcomes: Sequence[ParseOutcome],
    out_dir: Path,
    staged: Path,
    partition_over: int | None = None,
    keep_checked: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """Build the parse datasets of this run's inputs (from the cache, the published datasets and fresh results)
    and the datasets derived from them (departments, regions, code dictionaries) into the staged folder;
    returns (inputs, filings). line_items and form_cells are partitioned by year past `partition_over` filings.

    keep_checked: the staged folder carries the checks' outputs of the last run (the later stages follow), so when
    nothing of filings changes but the quality the checks set, filings is kept as it is (the checks run again, or are
    skipped with the findings that quality was counted from: budgetml/fingerprints.py). Otherwise that quality is reset.
    """
    partitioned = partition_over is not None and len(unique_filings(plan.files)) > partition_over
    is_laid_out = partitioned_path(staged, LINE_ITEMS).is_dir() == partitioned
    tables = None if plan.is_unchanged and is_laid_out else assemble(plan, outcomes, out_dir)
    if tables is None:  # the parse datasets stay; their keys follow the current configs all the same
        published = read_table(FILINGS, staged)
        filings = with_keys(published)
        ignored = [c for c in CHECKED_COLUMNS if keep_checked]
        if filings.drop_columns(ignored).equals(published.drop_columns(ignored)):
            filings, tables = published, {}
        else:
            tables = {FILINGS.name: filings}
    else:
        filings = tables[FILINGS.name]
    inputs = inventory(plan, outcomes, filings, out_dir)
    write_parse_datasets(staged, tables, inputs, partitioned)
    write_derived_datasets(staged, filings, tables.get(LINE_ITEMS.name))
    return inputs, filings


def write_derived_datasets(staged: Path, filings: pa.Table, line_items: pa.Table | None) -> dict[str, Path]:
    """departments and regions from filings (rewritten when they change); the code dictionaries from line_items
    (kept when line_items did not change and they exist)."""
    written = {}
    for dataset, table in ((DEPARTMENTS, departments_table(filings)), (REGIONS, regions_table(filings))):
        current = read_table(dataset, staged)
        if current is None or not current.equals(table):
            written[dataset.name] = write_table(dataset, table, staged)
    codes = (FUNCTION_CODES, ECONOMIC_CODES)
    if line_items is None and all(dataset_path(staged, d).exists() for d in codes):
        return written
    if line_items is None:
        line_items = read_table(LINE_ITEMS, staged)
    for dataset, system in zip(codes, ("function", "economic")):
        written[dataset.name] = write_table(dataset, code_dictionary(line_items, system), staged)
    return written


def vanished(plan: RunPlan, outcomes: Sequence[ParseOutcome]) -> list[str]:
    """Input files that were readable when the run planned and are gone or unreadable now."""
    gone = {
        o.source_path for o in outcomes if o.failure_kind == "unreadable" and not o.filing_id.startswith("unreadable-")
    }
    gone |= {f.source_path for f in plan.files if not f.filing_id.startswith("unreadable-") and not _exists(f)}
    return sorted(gone)


def check_vanished(plan: RunPlan, outcomes: Sequence[ParseOutcome], max_vanished_pct: float) -> list[str]:
    """Stop the run before it publishes when more than `max_vanished_pct` % of its inputs vanished mid-run.

    A share that disappears (an unmounted network folder, a folder moved away) must not be published
    as hundreds of failed filings and scored as a partial corpus; a few removed files are ordinary.
    """
    gone = vanished(plan, outcomes)
    if gone and len(gone) * 100 > max_vanished_pct * len(plan.files):
        examples = "、".join(plain(path) for path in gone[:3])
        raise InputsVanished(
            f"本次运行期间有 {len(gone)} / {len(plan.files)} 个输入文件消失或变得不可读（上限 {max_vanished_pct:g}%），"
            f"可能是共享目录被卸载或移走；未发布任何数据集，保留上次的结果。例如：{examples}"
        )
    return gone


def _exists(file: InputFile) -> bool:
    try:
        os.stat(file.source_path)
    except OSError:
        return False
    return True


def write_parse_datasets(
    staged: Path, tables: dict[str, pa.Table], inputs: pa.Table, partitioned: bool = False
) -> dict[str, Path]:
    """Write the parse datasets and the inventory into a staged output folder (generations.begin), filings first
    (the others' file metadata counts its filings); the datasets declared partitionable partitioned by year
    when `partitioned`."""
    by_name = {d.name: d for d in DATASETS}
    order = sorted(tables, key=lambda name: name != FILINGS.name)
    written = {
        name: write_table(by_name[name], tables[name], staged, partitioned and by_name[name].partition_by is not None)
        for name in order
    }
    written[INPUTS.name] = write_table(INPUTS, inputs, staged)
    return written


def prune_cache(out_dir: Path, keep: set[str], version: str | None = None) -> None:
    """Drop entries of other parser versions (and engines) than `version` (default: the default engine's) and of
    filings no longer among the inputs."""
    base, current = cache_dir(out_dir), cache_root(out_dir, version)
    if not base.exists():
        return
    for version_dir in base.iterdir():
        if version_dir != current:
            shutil.rmtree(version_dir, ignore_errors=True)
    if current.exists():
        for entry in current.iterdir():
            if entry.name.split("@")[0] not in keep:
                shutil.rmtree(entry, ignore_errors=True)

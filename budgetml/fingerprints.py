"""What each later stage read, fingerprinted and recorded beside its outputs: an unchanged stage is not run again.

A later stage (checks, features, scoring, report) is a function of what it reads: the datasets upstream of it, the
configs/*.toml files it opens, the review store (scoring: the filing-level statuses; the report: every decision),
and the code that computes it. `reads` gathers all of that as digests; its fingerprint is one hash of them. After a
stage has run, the flow writes `record` into the staged generation's data/.stages/<stage>.json (through a temporary
file and a rename): the fingerprint and a digest of every file the stage wrote. The record is published with those
outputs in the generation's one rename (budgetml/generations.py) and carried into the next run's staging folder.

`current_record` says whether the next run may skip the stage: the record exists, its fingerprint equals the one
computed now, and every output it lists is still there with the same bytes. Anything else (a changed, added or
removed PDF, which changes the parse datasets; a config edit; a new review decision; another version of the code,
of Python or of any installed package; a deleted or rewritten output) runs the stage again. Digests are of the
files' bytes, so doubt always falls on the side of running.

The datasets a stage reads are every dataset of the generation except inputs and runs (which describe runs, not
filings) and except those this stage and the ones after it write; a stage that writes columns of a dataset it also
reads (checks: filings.quality, filings.n_error_findings) reads that dataset's other columns, so its own earlier
output does not count as a change of its input. Which configs a stage opens is declared here and tested
(tests/test_flow.py runs each stage under an audit hook and compares).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from budgetml.datasets import replacing
from budgetml.generations import STAGE_RECORDS
from budgetml.layout import data_dir, dataset_files
from budgetml.quality import CHECKED_COLUMNS
from budgetml.review_store import all_decisions, default_store_path, latest_filing_statuses
from budgetml.schema import DATASETS, FILINGS, INPUTS, RUNS, SCHEMA_VERSION
from budgetml.settings import PROJECT_DIR

CONFIGS_DIR = PROJECT_DIR / "configs"
CODE_DIRS = (PROJECT_DIR / "budgetml", PROJECT_DIR / "flows")


@dataclass(frozen=True)
class StageReads:
    """What one later stage reads besides its upstream datasets, and what it writes."""

    stage: str
    writes: tuple[str, ...]  # datasets whose files it writes
    configs: tuple[str, ...]  # the configs/*.toml files it opens
    review: str | None = None  # "statuses": latest filing-level decisions; "decisions": every decision
    own_columns: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # read without these


# In the order the flow runs them. The configs are those each stage opens (tested); the report writes no dataset.
LATER_STAGES = (
    StageReads(
        "checks",
        ("claims", "checks", "budget_execution", FILINGS.name),
        ("catalog.toml", "department_aliases.toml", "regions.toml", "rules.toml"),
        own_columns={FILINGS.name: CHECKED_COLUMNS},
    ),
    StageReads(
        "features", ("features",), ("catalog.toml", "department_aliases.toml", "department_types.toml", "regions.toml")
    ),
    StageReads("scoring", ("anomalies",), ("review.toml", "scoring.toml"), review="statuses"),
    StageReads(
        "report",
        (),
        ("catalog.toml", "department_aliases.toml", "regions.toml", "review.toml", "rules.toml"),
        "decisions",
    ),
)
_BY_STAGE = {s.stage: s for s in LATER_STAGES}


@dataclass(frozen=True)
class Record:
    """A stage's record as read back: its fingerprint and the digest of each file it wrote (paths relative to OUT)."""

    fingerprint: str
    outputs: dict[str, str]


def upstream_datasets(stage: str) -> tuple[str, ...]:
    """The datasets `stage` reads: all but inputs and runs and those it or a later stage writes (except its own
    columns' datasets, read without those columns)."""
    names = [s.stage for s in LATER_STAGES]
    later = {d for s in LATER_STAGES[names.index(stage) :] for d in s.writes}
    own = set(_BY_STAGE[stage].own_columns)
    return tuple(
        d.name for d in DATASETS if d.name not in (INPUTS.name, RUNS.name) and (d.name not in later or d.name in own)
    )


def reads(stage: str, staged: Path, parser_version: str, extra: Mapping[str, object] | None = None) -> dict:
    """Digests of everything `stage` reads from the staged output folder, the configs, the review store and the code;
    `extra` adds what the flow hands it (the report: the run's failures beyond filings.parquet, the output folder)."""
    spec = _BY_STAGE[stage]
    return {
        "stage": stage,
        "datasets": {
            name: _dataset_digest(staged, name, spec.own_columns.get(name, ())) for name in upstream_datasets(stage)
        },
        "configs": {name: _file_digest(CONFIGS_DIR / name) for name in spec.configs},
        "review": _review_digest(spec.review) if spec.review else None,
        "code": code_digest(),
        "versions": {"parser": parser_version, "schema": SCHEMA_VERSION, "python": sys.version},
        "extra": dict(extra or {}),
    }


def fingerprint(stage_reads: dict) -> str:
    return hashlib.sha256(json.dumps(stage_reads, sort_keys=True, default=str).encode()).hexdigest()


def current_record(staged: Path, out: Path, stage_reads: dict) -> Record | None:
    """The stage's record when the stage may be skipped: same fingerprint, and every output present and unchanged
    (a dataset in the staged folder, the report in OUT); None when it must run."""
    record = read_record(staged, stage_reads["stage"])
    if record is None or record.fingerprint != fingerprint(stage_reads):
        return None
    for relative, digest in record.outputs.items():
        where = staged if relative.startswith(data_dir(Path()).name + "/") else out
        if _file_digest(where / relative) != digest:
            return None
    return record


def read_record(staged: Path, stage: str) -> Record | None:
    try:
        raw = json.loads(_record_path(staged, stage).read_text(encoding="utf-8"))
        return Record(str(raw["fingerprint"]), {str(k): str(v) for k, v in raw["outputs"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or unreadable: the stage runs


def write_record(staged: Path, stage_reads: dict, outputs: Mapping[str, Path] | None = None) -> Path:
    """Record that the stage ran on `stage_reads`: with the digests of the datasets it writes in the staged folder and
    of `outputs` (name → a file it wrote elsewhere in the staged folder, recorded by its path relative to it)."""
    stage = stage_reads["stage"]
    files = [f for name in _BY_STAGE[stage].writes for f in dataset_files(staged, name)] + list(
        (outputs or {}).values()
    )
    record = {
        "fingerprint": fingerprint(stage_reads),
        "outputs": {str(Path(f).relative_to(staged)): _file_digest(Path(f)) for f in files},
        "reads": stage_reads,
    }
    target = _record_path(staged, stage)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Never written in place (datasets.replacing renames a temporary file): the file may be a hard link into the
    # published generation.
    with replacing(target) as handle:
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8"))
    return target


@functools.cache
def code_digest() -> str:
    """Computed once per process (every later stage asks; the code running is the code loaded then). Every file of budgetml/ and flows/ (templates included) and every installed distribution's name and version:
    another version of the code or of a library runs the stages again."""
    digest = hashlib.sha256()
    for root in CODE_DIRS:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    for folder in sorted({p for p in sys.path if p and os.path.isdir(p)}):
        digest.update("\n".join(sorted(n for n in os.listdir(folder) if n.endswith(".dist-info"))).encode())
    return digest.hexdigest()


def _record_path(staged: Path, stage: str) -> Path:
    return data_dir(staged) / STAGE_RECORDS / f"{stage}.json"


def _dataset_digest(out: Path, name: str, without: tuple[str, ...] = ()) -> str | None:
    """The bytes of a dataset's files (None when absent); with `without`, its rows and other columns instead."""
    files = dataset_files(out, name)
    if not files:
        return None
    if without:
        table = pa.concat_tables(pq.read_table(f) for f in files)
        table = table.drop_columns([c for c in without if c in table.column_names]).replace_schema_metadata(None)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.combine_chunks())
        return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(data_dir(out))).encode() + b"\0" + bytes.fromhex(_file_digest(path)))
    return digest.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _review_digest(kind: str) -> str:
    """The review store's decisions as the stage reads them (the store configs/review.toml names)."""
    decisions = all_decisions(default_store_path())
    if kind == "statuses":
        content = sorted(latest_filing_statuses(decisions).items())
    else:
        content = [dataclasses.astuple(d) for d in decisions]
    return hashlib.sha256(json.dumps(content, default=str, ensure_ascii=False).encode()).hexdigest()

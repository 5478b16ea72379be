"""One run's datasets published together: built in a staging folder, then made current in one rename.

A run stages an output-shaped folder (OUT/.state/staging/<generation>/ with data/, reports/, evidence/)
whose data/ starts as hard links to the current datasets: the stages read and rewrite it there (every
write is a new file renamed into place, so the links never change the published files), and a stage
that compares with "the last run" finds the last *completed* run's datasets. Publishing moves the
reports and evidence into OUT, renames the staged data/ to OUT/.state/generations/<generation>/ and
switches the OUT/data link to it. The later stages' records (data/.stages/, budgetml/fingerprints.py) go with
the datasets they describe. A run killed at any point before that switch leaves the previous
generation in place, whole; the next run removes the leftover staging folder and starts again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path

from budgetml.layout import (
    DATA_DIR,
    SIDE_DIRS,
    current_generation,
    data_dir,
    generation_name,
    generations_dir,
    point_data_at,
    staging_dir,
)

STAGE_RECORDS = ".stages"  # budgetml/fingerprints.py's records, in data/ (hidden: no reader takes it for a dataset)
KEEP_PREVIOUS = 1  # generations kept besides the current one: a reader still going through the old set finishes it


def begin(out_dir: Path, carry: Collection[str] | None = None) -> Path:
    """A fresh staging output folder whose data/ holds the current datasets (those named in `carry`, or all)."""
    out = Path(out_dir)
    shutil.rmtree(staging_dir(out), ignore_errors=True)  # an interrupted run's generation: never published
    staged = staging_dir(out) / generation_name()
    (staged / DATA_DIR).mkdir(parents=True)
    current = data_dir(out)
    if current.is_dir():
        for path in sorted(current.glob("*.parquet")):
            if carry is None or path.stem in carry:
                _link_or_copy(path, staged / DATA_DIR / path.name)
        for folder in sorted(p for p in current.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if carry is None or folder.name in carry:  # a dataset partitioned by year: its files, linked
                for path in sorted(folder.glob("*/*.parquet")):
                    target = staged / DATA_DIR / path.relative_to(current)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _link_or_copy(path, target)
        records = current / STAGE_RECORDS
        if carry is None and records.is_dir():  # what the later stages read (fingerprints.py): with their outputs
            (staged / DATA_DIR / STAGE_RECORDS).mkdir()
            for path in sorted(records.glob("*.json")):
                _link_or_copy(path, staged / DATA_DIR / STAGE_RECORDS / path.name)
    return staged


def publish(out_dir: Path, staged: Path) -> Path:
    """Make the staged folder's datasets the current generation (with its reports and evidence); returns it."""
    out = Path(out_dir)
    for side in SIDE_DIRS:  # first: a published generation's report (named in runs.parquet) always exists
        _move_tree(staged / side, out / side)
    generation = generations_dir(out) / staged.name
    generation.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staged / DATA_DIR, generation)
    point_data_at(out, generation)
    shutil.rmtree(staged, ignore_errors=True)
    prune(out)
    return generation


def published_path(out_dir: Path, staged: Path, path: Path) -> Path:
    """Where a file written into the staged folder (a report, an evidence image) is once published."""
    return Path(out_dir) / Path(path).relative_to(staged)


def prune(out_dir: Path, keep_previous: int = KEEP_PREVIOUS) -> None:
    """Remove generations older than the current one and the `keep_previous` before it."""
    current = current_generation(out_dir)
    folder = generations_dir(out_dir)
    if current is None or not folder.is_dir():
        return
    others = sorted((p for p in folder.iterdir() if p.resolve() != current), key=lambda p: p.name)
    for old in others[: max(0, len(others) - keep_previous)]:
        shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: a copy carries the same rows
        shutil.copy2(source, target)


def _move_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)

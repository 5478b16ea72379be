"""Compare the parse datasets the extraction engines give for the same files: equal rows, bboxes within a tolerance."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from budgetml.catalog import Catalog, load_catalog
from budgetml.parse import parse_file, parsed_to_tables

# Engines place a character's box from the same font metrics in different arithmetic (pdfium works in
# 32-bit floats); a box edge that moves by more than a point is a real difference, not rounding.
BBOX_TOLERANCE_PT = 1.0
# Columns that differ between engines by design: the version stamp names the engine.
ENGINE_COLUMNS = ("parser_version",)
REFERENCE_FIRST = ("pdfminer", "pdfium")  # the reference engine, then the one checked against it


@dataclass(frozen=True)
class Difference:
    source_path: str
    dataset: str
    row: int  # index of the row in the file's rows of that dataset; -1 for a difference in the row count
    detail: str


@dataclass(frozen=True)
class FileComparison:
    source_path: str
    statuses: tuple[str, ...]  # each engine's status for the file, in the order of the engines compared
    n_rows: int  # rows compared, all datasets
    max_bbox_shift_pt: float
    differences: tuple[Difference, ...]


def compare_engines(
    paths: Iterable[Path], engines: tuple[str, str] = REFERENCE_FIRST, catalog: Catalog | None = None
) -> Iterator[FileComparison]:
    """Parse each file with both engines and compare every parse dataset row by row."""
    catalog = catalog or load_catalog()
    for path in paths:
        yield compare_file(path, engines, catalog)


def compare_file(path: Path, engines: tuple[str, str], catalog: Catalog) -> FileComparison:
    first, second = (parse_file(path, catalog, engine) for engine in engines)
    tables = [parsed_to_tables([parsed]) for parsed in (first, second)]
    differences: list[Difference] = []
    n_rows, shift = 0, 0.0
    for name in tables[0]:
        rows = [
            table[name].drop_columns([c for c in ENGINE_COLUMNS if c in table[name].column_names]) for table in tables
        ]
        left, right = rows[0].to_pylist(), rows[1].to_pylist()
        n_rows += len(left)
        if len(left) != len(right):
            differences.append(Difference(str(path), name, -1, f"{len(left)} rows vs {len(right)} rows"))
        for index, (a, b) in enumerate(zip(left, right)):
            detail, moved = row_difference(a, b)
            shift = max(shift, moved)
            if detail:
                differences.append(Difference(str(path), name, index, detail))
    return FileComparison(str(path), (first.status, second.status), n_rows, shift, tuple(differences))


def row_difference(a: dict, b: dict) -> tuple[str, float]:
    """What differs between two rows (empty when nothing beyond the tolerance does), and the largest bbox shift."""
    problems, shift = [], 0.0
    for column, value in a.items():
        other = b.get(column)
        if column == "bbox" and value is not None and other is not None:
            moved = max(abs(x - y) for x, y in zip(value, other))
            shift = max(shift, moved)
            if moved > BBOX_TOLERANCE_PT:
                problems.append(f"bbox moved {moved:.2f} pt: {_short(value)} vs {_short(other)}")
        elif value != other:
            problems.append(f"{column}: {_short(value)!s} vs {_short(other)!s}")
    return "; ".join(problems), shift


def _short(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], float):
        return "[" + ", ".join(f"{x:.2f}" for x in value) + "]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."

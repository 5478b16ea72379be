"""Small frozen records passed between stages: page geometry and reconstructed tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

BBox = tuple[float, float, float, float]  # (x0, top, x1, bottom) in PDF points, origin at the page's top-left


class Char(NamedTuple):
    """One printed character with its box.

    A named tuple rather than a frozen dataclass: equally immutable, and a page makes hundreds of them, which a
    frozen dataclass's __init__ (one object.__setattr__ per field) makes about three times as costly.
    """

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    upright: bool = True


class Edge(NamedTuple):
    """An axis-aligned ruling segment (a line or a thin filled rectangle); a named tuple, as Char is."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def is_horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(frozen=True)
class Page:
    """One page: its characters and ruling edges, top-down coordinates."""

    number: int  # 1-based
    width: float
    height: float
    chars: tuple[Char, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True, slots=True)
class TextLine:
    """Characters on one baseline, in reading order."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


@dataclass(frozen=True)
class Cell:
    """One grid cell of a reconstructed table (merged cells span several rows/columns)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    bbox: BBox


@dataclass(frozen=True)
class Grid:
    """A table region found on one page, before any domain knowledge is applied."""

    page: int
    bbox: BBox
    n_rows: int
    n_cols: int
    col_edges: tuple[float, ...]  # n_cols + 1 x positions
    cells: tuple[Cell, ...]
    is_ruled: bool
    above: tuple[TextLine, ...]  # text lines between the previous grid (or page top) and this grid
    n_header_rows: int | None = None  # header rows when the reconstruction knows them; None: read from the cells

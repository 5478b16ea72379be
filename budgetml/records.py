"""Small frozen records passed between stages: page geometry and reconstructed tables."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import NamedTuple

BBox = tuple[float, float, float, float]  # (x0, top, x1, bottom) in PDF points, origin at the page's top-left


class TextLine(NamedTuple):
    """Printed text on one baseline, in reading order, with its box and its largest font size.

    Its fields are the ones every piece of printed text carries: a character (Char) and a whole printed line
    (tables.PrintedLine) are declared from them, so the three never disagree on names or order.
    """

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


class Char(namedtuple("Char", (*TextLine._fields, "upright"), defaults=(True,))):
    """One printed character: TextLine's fields (text, x0, top, x1, bottom, size) and whether it stands upright.

    A named tuple rather than a frozen dataclass: equally immutable, and a page makes hundreds of them, which a
    frozen dataclass's __init__ (one object.__setattr__ per field) makes about three times as costly.
    """

    __slots__ = ()


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

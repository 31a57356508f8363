"""A URL parameter that holds the cells a student edited in small matrices, e.g. ``x005_q12-0.3``.

Each edited cell is one segment: the matrix's letter, its row and column (one digit each), then the
new value, shortest text that reads back as the same float32. Segments are joined by ``_``, so the
value uses only characters that URLs never escape. An untouched matrix writes nothing; the URL says
only what differs from the numbers the seed gives, so a link stays short.

``x005_x12-0.3_q011.5`` = X[0, 0] = 5, X[1, 2] = -0.3, W_Q[0, 1] = 1.5.

Like every :class:`ui.state.Param`, the URL value is untrusted: unreadable segments are dropped,
values are clamped to ``±limit``, and the page drops cells that lie outside its current matrices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ui.state import Param

Cell = tuple[str, int, int, float]  # (matrix letter, row, column, value)
_SEGMENT = re.compile(r"([a-z])([0-9])([0-9])(-?[0-9]{1,20}(?:\.[0-9]{1,60})?)")


def number_text(value: float) -> str:
    """The shortest positional text that reads back as the same float32 (no exponent: ``1e-05`` -> ``0.00001``)."""
    return np.format_float_positional(np.float32(value), trim="-")


def canonical(cells: Iterable[Cell]) -> tuple[Cell, ...]:
    """Cells sorted by (matrix, row, column), one per cell (the last one given wins)."""
    latest = {(m, int(i), int(j)): float(v) for m, i, j, v in cells}
    return tuple((m, i, j, v) for (m, i, j), v in sorted(latest.items()))


@dataclass(frozen=True)
class CellEditsParam(Param):
    """Edited cells of the matrices named by one letter each in ``matrices`` (value: a tuple of :data:`Cell`)."""

    matrices: tuple[str, ...] = ("x",)
    size: int = 8  # rows and columns 0 .. size-1, written as one digit
    limit: float = 100.0  # |value| is clamped to this

    def parse(self, raw: str) -> tuple[tuple[Cell, ...], str | None]:
        parts = raw.split("_") if raw else []
        cells = [cell for part in parts if (cell := self._cell(part)) is not None]
        dropped = len(parts) - len(cells)
        notice = f"{dropped} of the link's {len(parts)} edited cells could not be read and were left out" \
            if dropped else None
        return canonical(cells), notice

    def _cell(self, part: str) -> Cell | None:
        found = _SEGMENT.fullmatch(part)
        if not found or found[1] not in self.matrices:
            return None
        return self._valid((found[1], int(found[2]), int(found[3]), float(found[4])))

    def _valid(self, cell: Any) -> Cell | None:
        """The cell with its value clamped, or None if it names no cell of these matrices."""
        try:
            m, i, j, v = cell
            i, j, v = int(i), int(j), float(v)
        except (TypeError, ValueError, OverflowError):
            return None
        if m not in self.matrices or not (0 <= i < self.size and 0 <= j < self.size) or not np.isfinite(v):
            return None
        return (m, i, j, float(np.float32(min(max(v, -self.limit), self.limit))))

    def clean(self, value: Any) -> tuple[Cell, ...]:
        try:
            cells = [c for cell in value if (c := self._valid(cell)) is not None]
        except TypeError:
            return tuple(self.default)
        return canonical(cells)

    def dump(self, value: Iterable[Cell]) -> str:
        return "_".join(f"{m}{i}{j}{number_text(v)}" for m, i, j, v in canonical(value))


def cells_of(letter: str, matrix: np.ndarray, base: np.ndarray) -> tuple[Cell, ...]:
    """The cells where ``matrix`` differs from ``base`` (same shape), as :data:`Cell` of matrix ``letter``."""
    matrix = np.asarray(matrix, dtype=np.float32)
    changed = np.argwhere(matrix != np.asarray(base, dtype=np.float32))
    return tuple((letter, int(i), int(j), float(matrix[i, j])) for i, j in changed)


def with_cells(base: np.ndarray, letter: str, cells: Iterable[Cell]) -> np.ndarray:
    """A float32 copy of ``base`` with the cells of matrix ``letter`` that lie inside it applied."""
    out = np.array(base, dtype=np.float32)
    rows, cols = out.shape
    for m, i, j, v in cells:
        if m == letter and 0 <= i < rows and 0 <= j < cols:
            out[i, j] = v
    return out

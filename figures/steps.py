"""Figures of the step-by-step page: each matrix of self-attention as an annotated heatmap.

Arrays in, ``go.Figure`` out; the numbers are computed by :mod:`attention`, never here. Titles carry
the matrix's shape, so that the student can check that (T, d_model) x (d_model, d_k) -> (T, d_k).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .matrix import matrix_heatmap
from .style import DEFAULT_SCALE, DIVERGING, PALETTE


def shape_text(values: np.ndarray) -> str:
    """``"(3, 4)"``: the shape as it appears in titles."""
    return "(" + ", ".join(str(n) for n in np.shape(values)) + ")"


def _height(n_rows: int) -> int:
    return 150 + 34 * n_rows


def _upright(fig: go.Figure) -> go.Figure:
    """Word labels of the columns upright rather than slanted: they then stand apart down to ~17 px per
    column (8 words on a phone) instead of ~23 px."""
    if fig.layout.xaxis.tickangle:
        fig.update_xaxes(tickangle=-90)
    return fig


def signed_matrix(
    values: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str], title: str
) -> go.Figure:
    """A matrix of signed numbers (X, Q, K, V, output): blue below zero, red above, values in cells.

    The title gets the shape appended, e.g. ``"Q = X·W_Q   (3, 3)"``.
    """
    return matrix_heatmap(
        values, row_labels, col_labels, title=f"{title}   {shape_text(values)}", scale=DIVERGING,
        hover="{row}, {col}: {value}", x_title="dimension", square=False, height=_height(len(row_labels)),
    )


def shared_limit(*matrices: np.ndarray) -> float:
    """The largest |finite value| over all ``matrices``: one colour range ±limit for all of them."""
    finite = [np.abs(m[np.isfinite(m)]) for m in (np.asarray(m, dtype=float) for m in matrices)]
    return max((float(f.max()) for f in finite if f.size), default=0.0) or 1.0


def scores_figure(scores: np.ndarray, labels: Sequence[str], title: str, *, zlim: float | None = None) -> go.Figure:
    """Query-by-key scores; masked entries (-inf) are drawn as masked cells whose hover says so.

    ``zlim``: colour range ±zlim (pass :func:`shared_limit` of several score matrices so that equal
    colours mean equal numbers across them); default: fitted to this matrix, centred on 0.
    """
    scores = np.asarray(scores, dtype=float)
    fig = matrix_heatmap(
        scores, labels, labels, title=f"{title}   {shape_text(scores)}",
        scale=DIVERGING, x_title="key (attended to)", y_title="query (attending)",
        zmin=None if zlim is None else -zlim, zmax=zlim,
        square=False, height=_height(len(labels)), masked=~np.isfinite(scores),
        mask_label="masked: score −∞, may not attend",
    )
    return _upright(fig)


def weights_figure(
    weights: np.ndarray, labels: Sequence[str], *, picked: tuple[int, int] | None = None, title: str,
    masked: np.ndarray | None = None,
) -> go.Figure:
    """Attention weights on a fixed 0..1 scale, clickable, with the picked (query, key) cell outlined;
    ``masked`` (True = may not attend) cells drawn as masked, not as a weight of 0."""
    fig = matrix_heatmap(
        weights, labels, labels, title=f"{title}   {shape_text(weights)}", scale=DEFAULT_SCALE, zmin=0, zmax=1,
        x_title="key (attended to)", y_title="query (attending)", clickable=True, square=False,
        height=_height(len(labels)), masked=masked,
    )
    if picked is not None:
        i, j = picked
        fig.add_shape(
            type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
            line=dict(color=PALETTE[1], width=4), fillcolor="rgba(0,0,0,0)",
        )
    return _upright(fig)

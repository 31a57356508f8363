"""Annotated matrix heatmaps: attention weights, Q/K/V, scores. Arrays in, ``go.Figure`` out.

Rows and columns are placed by position (0..n-1) with the tokens as tick text, so that a word
that occurs twice ("the ... the") keeps two rows instead of being merged by a categorical axis.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import DEFAULT_SCALE, DIVERGING, base_layout, colorscale

MAX_ANNOTATED_CELLS = 400  # beyond ~20 x 20 the numbers in cells become unreadable


def plot_text(text: str) -> str:
    """Escape text for plotly, which renders a few HTML tags (<b>, <br>, <a>) in labels.

    ``&lt;img&gt;`` shows as the literal characters ``<img>``: a token is always shown as text.
    """
    return html.escape(str(text), quote=False)


def matrix_heatmap(
    values: np.ndarray,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    *,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    scale: str = DEFAULT_SCALE,
    zmin: float | None = None,
    zmax: float | None = None,
    show_values: bool | None = None,
    value_format: str = ".2f",
    hover: str = "\"{row}\" → \"{col}\": {value}",
    clickable: bool = False,
    square: bool = True,
    height: int | None = None,
) -> go.Figure:
    """A heatmap of a 2-D array with the row i at the top, optionally with values in the cells.

    Parameters
    ----------
    values : (rows, cols) array
    row_labels, col_labels : labels (tokens), escaped for display; default 0..n-1
    title, x_title, y_title : figure and axis titles
    scale : name of a colour scale from :data:`figures.style.SCALES`
    zmin, zmax : colour range; ``None`` lets plotly fit it to the data
    show_values : write the values in the cells; ``None`` = only when there are few cells
    value_format : d3 format of the numbers in cells and hover
    hover : hover template with ``{row}``, ``{col}`` and ``{value}`` placeholders
    clickable : overlay invisible scatter markers on the cells; Streamlit's ``on_select``
        reports no points for heatmap traces, but it does for these (``customdata`` = [row, col])
    square : equal cell sides
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"matrix_heatmap needs a 2-D array, got shape {values.shape}")
    n_rows, n_cols = values.shape
    rows = [plot_text(r) for r in (row_labels if row_labels is not None else range(n_rows))]
    cols = [plot_text(c) for c in (col_labels if col_labels is not None else range(n_cols))]
    if len(rows) != n_rows or len(cols) != n_cols:
        raise ValueError(f"{len(rows)} row / {len(cols)} column labels for a {values.shape} matrix")
    if show_values is None:
        show_values = values.size <= MAX_ANNOTATED_CELLS

    hover_text = np.empty(values.shape, dtype=object)
    for i in range(n_rows):
        for j in range(n_cols):
            hover_text[i, j] = hover.format(
                row=rows[i], col=cols[j], value=format(values[i, j], value_format)
            )

    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=np.arange(n_cols),
            y=np.arange(n_rows),
            zmin=zmin,
            zmax=zmax,
            zmid=0 if scale == DIVERGING and zmin is None and zmax is None else None,
            colorscale=colorscale(scale),
            text=hover_text,
            hovertemplate="%{text}<extra></extra>",
            texttemplate=f"%{{z:{value_format}}}" if show_values else None,
            xgap=1,
            ygap=1,
            colorbar=dict(thickness=12, len=0.9),
        )
    )
    if clickable:
        ii, jj = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
        fig.add_trace(
            go.Scatter(
                x=jj.ravel(),
                y=ii.ravel(),
                mode="markers",
                marker=dict(size=max(4, min(40, 400 // max(n_rows, n_cols))), opacity=0),
                customdata=np.stack([ii.ravel(), jj.ravel()], axis=1),
                text=hover_text.ravel(),
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
                name="cells",
            )
        )
    tick_font = 12 if max(n_rows, n_cols) <= 24 else 9
    fig.update_xaxes(
        title=x_title, tickvals=list(range(n_cols)), ticktext=cols, side="top", range=[-0.5, n_cols - 0.5],
        tickangle=-45 if n_cols > 6 else 0, tickfont_size=tick_font, showgrid=False, zeroline=False,
    )
    fig.update_yaxes(
        title=y_title, tickvals=list(range(n_rows)), ticktext=rows, range=[n_rows - 0.5, -0.5],
        tickfont_size=tick_font, showgrid=False, zeroline=False,
    )
    if square:
        fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
        fig.update_xaxes(constrain="domain")
    if height is None:
        height = int(min(900, max(260, 150 + 34 * n_rows)))
    base_layout(fig, title=title, height=height)
    fig.update_layout(margin_t=130 if title else 90, title_y=0.99, title_yanchor="top")  # x labels sit on top
    return fig

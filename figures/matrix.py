"""Annotated matrix heatmaps: attention weights, Q/K/V, scores. Arrays in, ``go.Figure`` out.

Rows and columns are placed by position (0..n-1) with the tokens as tick text, so that a word
that occurs twice ("the ... the") keeps two rows instead of being merged by a categorical axis.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .spec import figure_from_spec, without_none
from .style import DEFAULT_SCALE, DIVERGING, MASK_COLOUR, MASK_LABEL, MASK_MARK, colorscale, layout_defaults

MAX_ANNOTATED_CELLS = 400  # beyond ~20 x 20 the numbers in cells become unreadable
MAX_TICKS = 40  # more word labels than this on one axis overlap into a grey band
TITLE_PX_PER_CHAR = 7  # about the width of one character of a 14 px axis title


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
    masked: np.ndarray | None = None,
    mask_label: str = MASK_LABEL,
    title_width: int | None = None,
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
    height : figure height in px; default grows with the rows, and leaves room for the y-axis title
    masked : bool array, broadcastable to ``values``, True where a query may NOT attend: those cells are
        drawn as masked (a grey cell with a cross, ``mask_label`` in the hover and the legend), never as a value
    title_width : break the title into lines of at most this many characters (a phone shows about 40)
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"matrix_heatmap needs a 2-D array, got shape {values.shape}")
    n_rows, n_cols = values.shape
    masked = None if masked is None else np.broadcast_to(np.asarray(masked, dtype=bool), values.shape)
    if masked is not None and not masked.any():
        masked = None
    if masked is not None:
        values = np.where(masked, np.nan, values)  # no colour, no number: the mask trace draws these cells
    rows = [plot_text(r) for r in (row_labels if row_labels is not None else range(n_rows))]
    cols = [plot_text(c) for c in (col_labels if col_labels is not None else range(n_cols))]
    if len(rows) != n_rows or len(cols) != n_cols:
        raise ValueError(f"{len(rows)} row / {len(cols)} column labels for a {values.shape} matrix")
    if show_values is None:
        show_values = values.size <= MAX_ANNOTATED_CELLS

    hover_text = np.empty(values.shape, dtype=object)
    for i in range(n_rows):
        for j in range(n_cols):
            value = mask_label if masked is not None and masked[i, j] else format(values[i, j], value_format)
            hover_text[i, j] = hover.format(row=rows[i], col=cols[j], value=value)

    heatmap = without_none(dict(
        type="heatmap",
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
        hoverongaps=False,
        colorbar=dict(thickness=12, len=0.9),
    ))
    data: list = [heatmap]
    if masked is not None:
        # A clickable map's overlay already names both words on hover: the grey layer then sends no text per cell.
        hover = mask_label if clickable else hover_text
        data += mask_traces(masked, hover, marks=show_values, label=mask_label)
    if clickable:
        ii, jj = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
        data.append(dict(
            type="scatter",
            x=jj.ravel(),
            y=ii.ravel(),
            mode="markers",
            marker=dict(size=max(4, min(40, 400 // max(n_rows, n_cols))), opacity=0),
            customdata=np.stack([ii.ravel(), jj.ravel()], axis=1),
            text=hover_text.ravel(),
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name="cells",
        ))
    tick_font = 12 if max(n_rows, n_cols) <= 24 else 11  # never below 11 px: crowded labels are hidden instead
    col_ticks, row_ticks = _tick_positions(n_cols), _tick_positions(n_rows)
    xaxis = dict(
        title=dict(text=x_title), tickvals=col_ticks, ticktext=[cols[j] for j in col_ticks], side="top",
        range=[-0.5, n_cols - 0.5],
        tickangle=-45 if n_cols > 6 else 0, tickfont=dict(size=tick_font), showgrid=False, zeroline=False,
    )
    y_title = axis_title_lines(y_title)
    yaxis = dict(
        title=dict(text=y_title), tickvals=row_ticks, ticktext=[rows[i] for i in row_ticks],
        range=[n_rows - 0.5, -0.5], tickfont=dict(size=tick_font), showgrid=False, zeroline=False,
    )
    if square:
        yaxis.update(scaleanchor="x", scaleratio=1, constrain="domain")
        xaxis.update(constrain="domain")
    if title_width:
        title = wrap(title, title_width)
    margin_top = (130 + 22 * title.count("<br>")) if title else 90  # the x labels sit on top
    if height is None:
        height = int(min(900, max(260, 150 + 34 * n_rows)))
    # The y-axis title runs along the plot's height: a short map must still be tall enough to hold it.
    longest = max((len(line) for line in y_title.split("<br>")), default=0)
    height = max(height, margin_top + 40 + TITLE_PX_PER_CHAR * longest)
    layout = dict(layout_defaults(title=title, height=height), xaxis=xaxis, yaxis=yaxis)
    layout["margin"]["t"] = margin_top
    layout["title"].update(yref="container", y=1, yanchor="top", pad=dict(t=10))  # grows down
    if masked is not None:
        layout["margin"]["b"] = 40
        layout.update(showlegend=True,
                      legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom"))
    # Built as one spec and constructed once without validation (figures.spec): several times cheaper
    # than setting each property on a go.Figure, and the same figure (tests/test_matrix_figure.py).
    fig = figure_from_spec(dict(data=data, layout=layout))
    return fig


def wrap(text: str, width: int) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters, joined by ``<br>`` (plotly titles
    do not wrap by themselves, and a phone cuts a long one off)."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _tick_positions(n: int, most: int = MAX_TICKS) -> list[int]:
    """Every position up to ``most`` labels; beyond, every k-th (the hover still names every cell)."""
    return list(range(0, n, math.ceil(n / most) if n > most else 1))


def axis_title_lines(title: str) -> str:
    """``"Query: the word that is looking"`` on two lines (at the colon), so it fits beside a short map."""
    head, sep, tail = str(title).partition(": ")
    return f"{head}:<br>{tail}" if sep and tail else str(title)


def mask_traces(masked: np.ndarray, hover: np.ndarray | str, *, marks: bool, xaxis: str = "x",
                yaxis: str = "y", x=None, y=None, legend: bool = True, label: str = MASK_LABEL) -> list:
    """The masked cells of a heatmap as their own grey layer (a cross in each cell when ``marks``), plus a
    legend entry naming them.

    ``hover`` is a (rows, cols) array of hover texts, or one hover template for every cell. The layer is
    placed on the cell positions ``x``/``y`` (default 0..n-1) of the axes ``xaxis``/``yaxis``.
    """
    n_rows, n_cols = masked.shape
    per_cell = not isinstance(hover, str)
    traces = [go.Heatmap(
        z=np.where(masked, 1.0, np.nan).astype(np.float32), x=np.arange(n_cols) if x is None else x,
        y=np.arange(n_rows) if y is None else y, xaxis=xaxis, yaxis=yaxis, zmin=0, zmax=1,
        colorscale=[[0, MASK_COLOUR], [1, MASK_COLOUR]], showscale=False, hoverongaps=False,
        hovertext=hover if per_cell else None,
        hovertemplate=("%{hovertext}" if per_cell else hover) + "<extra></extra>",
        xgap=1, ygap=1, name="masked",
        # a template would be written into the gaps too: the cross goes only where the mask is
        text=np.where(masked, MASK_MARK, "") if marks else None, texttemplate="%{text}" if marks else None,
        textfont=dict(color="#444444"),
    )]
    if legend:  # an empty scatter: a legend entry "✕ masked" with the masked cells' colour
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", xaxis=xaxis, yaxis=yaxis, name=f"{MASK_MARK} {label}",
            marker=dict(symbol="square", size=14, color=MASK_COLOUR, line=dict(color="#444444", width=1)),
            showlegend=True, hoverinfo="skip",
        ))
    return traces

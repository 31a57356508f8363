"""From what chart width on a figure's dense text fits: heatmap cell values, x tick labels, and the y tick
labels of square heatmaps (whose rows get as tall as their columns are wide).

Pure estimates from the figure spec (no browser, no streamlit), used by :mod:`ui.responsive` to hide text
that would overprint on a narrow screen. They err on the safe side (text is hidden a little early rather
than drawn over its neighbours); the phone-width browser tests measure the result.
"""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

CELL_FONT = 12  # px: the font of heatmap cell values once fixed (plotly would shrink it to fit the cell)
CHAR = 0.5  # glyph width in font sizes: Source Sans (the app font) measures 0.38-0.45 for labels and numbers
CELL_PAD = 6  # px of cell left around a value
COLORBAR = 60  # px: bar, its tick labels and the gap before it
AXIS_TITLE = 24  # px: a y axis title, rotated


def _label_px(labels, font: float) -> float:
    """Width of the longest label, ``<br>`` lines counted separately and HTML entities as one character."""
    texts = [re.sub(r"&[a-z]+;|&#\d+;", "x", line) for lab in labels for line in str(lab).split("<br>")]
    return max((len(t) for t in texts), default=0) * CHAR * font


def _side_px(fig: go.Figure, trace) -> float:
    """Width taken beside the plot area: margins, y tick labels and title, colour bar."""
    layout = fig.layout
    margin = sum(80 if m is None else m for m in (layout.margin.l, layout.margin.r))  # plotly's default: 80
    yaxis = layout[f"yaxis{(trace.yaxis or 'y')[1:]}"]
    labels = yaxis.ticktext if yaxis.ticktext is not None else (trace.y if trace.y is not None else [])
    tick_font = (yaxis.tickfont.size if yaxis.tickfont and yaxis.tickfont.size else None) or 12
    side = margin + (_label_px(labels, tick_font) + 6 if yaxis.showticklabels is not False else 0)
    if yaxis.title and yaxis.title.text:
        side += AXIS_TITLE
    beside = not (trace.colorbar and trace.colorbar.orientation == "h")  # a horizontal bar sits below
    if trace.type == "heatmap" and trace.showscale is not False and beside:
        side += COLORBAR
    return side


def _domain(fig: go.Figure, trace) -> float:
    xaxis = fig.layout[f"xaxis{(trace.xaxis or 'x')[1:]}"]
    return (xaxis.domain[1] - xaxis.domain[0]) if xaxis.domain else 1.0


def _value_chars(trace) -> int:
    """Characters of the longest value the heatmap writes in a cell."""
    template = trace.texttemplate or ""
    z = np.asarray(trace.z, dtype=float)
    found = re.search(r"%\{z:([^}]*)\}", template)
    if found:
        finite = z[np.isfinite(z)]
        return max((len(format(v, found.group(1))) for v in finite.ravel()), default=1)
    if "%{text}" in template and trace.text is not None:
        return max((len(str(t)) for t in np.asarray(trace.text, dtype=object).ravel()), default=1)
    return max(len(template.replace("%{z}", "0.00")), 1)


def values_fit_from(fig: go.Figure, font: float = CELL_FONT) -> int:
    """The narrowest chart width (px) at which every heatmap's cell values fit their cells at ``font`` px;
    0 when no heatmap writes values."""
    need = 0.0
    for trace in fig.data:
        if trace.type != "heatmap" or not trace.texttemplate or trace.z is None:
            continue
        n_cols = np.shape(trace.z)[1]
        cell = _value_chars(trace) * CHAR * font + CELL_PAD
        need = max(need, n_cols * cell / _domain(fig, trace) + _side_px(fig, trace))
    return int(math.ceil(need))


def x_labels_fit_from(fig: go.Figure) -> int:
    """The narrowest chart width (px) at which the x tick labels of every heatmap stand apart (0: none).

    Slanted labels need the spacing of a line of text across their slant; flat ones their own width.
    """
    need = 0.0
    for trace in fig.data:
        if trace.type != "heatmap" or trace.z is None:
            continue
        xaxis = fig.layout[f"xaxis{(trace.xaxis or 'x')[1:]}"]
        if xaxis.showticklabels is False:
            continue
        labels = xaxis.ticktext if xaxis.ticktext is not None else (trace.x if trace.x is not None else [])
        font = (xaxis.tickfont.size if xaxis.tickfont and xaxis.tickfont.size else None) or 12
        angle = abs(xaxis.tickangle or 0) if xaxis.tickangle != "auto" else 0
        width, line = _label_px(labels, font), 1.15 * font  # a line of glyphs: ~0.9 of the font size, and air
        if angle:  # apart across their slant, or short enough to stand side by side
            a = math.radians(angle)
            spacing = min(line / math.sin(a), width * math.cos(a) + line * math.sin(a)) + 2
        else:
            spacing = width + 8
        need = max(need, len(labels) * spacing / _domain(fig, trace) + _side_px(fig, trace))
    return int(math.ceil(need))


HIDDEN = 100_000  # px: "from this width on" for text that fits at no width (the chart's height is too small)


def y_labels_fit_from(fig: go.Figure) -> int:
    """The narrowest chart width (px) at which the y tick labels of every *square* heatmap stand apart (0: none).

    A square heatmap (y axis anchored to its x axis) draws its rows as tall as its columns are wide, so a
    narrow chart squeezes the rows too; it is also no taller than the figure's plot area allows.
    """
    need = 0.0
    for trace in fig.data:
        if trace.type != "heatmap" or trace.z is None:
            continue
        yaxis = fig.layout[f"yaxis{(trace.yaxis or 'y')[1:]}"]
        if not yaxis.scaleanchor or yaxis.showticklabels is False:
            continue
        n_rows, n_cols = np.shape(trace.z)
        ticks = sorted(yaxis.tickvals) if yaxis.tickvals is not None else list(range(n_rows))
        step = min((b - a for a, b in zip(ticks, ticks[1:])), default=n_rows)  # rows between two labels
        font = (yaxis.tickfont.size if yaxis.tickfont and yaxis.tickfont.size else None) or 12
        spacing = 1.15 * font + 1  # px between the baselines of two labels
        layout = fig.layout
        plot_h = (layout.height or 450) - sum(80 if m is None else m for m in (layout.margin.t, layout.margin.b))
        if plot_h / n_rows * step < spacing:
            need = max(need, HIDDEN)
            continue
        cell = spacing / step  # px per row (and per column) from which the labels fit
        xaxis = fig.layout[f"xaxis{(trace.xaxis or 'x')[1:]}"]
        domain = (xaxis.domain[1] - xaxis.domain[0]) if xaxis.domain else 1.0
        need = max(need, n_cols * cell / domain + _side_px(fig, trace))
    return int(math.ceil(need))


def fixed_cell_font(fig: go.Figure, font: float = CELL_FONT) -> go.Figure:
    """Give heatmap cell values a fixed size (plotly shrinks them to fit the cell, down to unreadable)."""
    for trace in fig.data:
        if trace.type == "heatmap" and trace.texttemplate and not (trace.textfont and trace.textfont.size):
            trace.textfont = dict(size=font)
    return fig

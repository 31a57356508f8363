"""Figures of the Heatmap page: one attention map, a grid of heads, and one query's row as bars."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .matrix import mask_traces, matrix_heatmap, plot_text, wrap
from .spec import figure_from_spec, without_none
from .style import (
    DEFAULT_SCALE,
    MASK_COLOUR,
    MASK_LABEL,
    MASK_MARK,
    PALETTE,
    base_layout,
    colorscale,
    layout_defaults,
)

QUERY_AXIS = "Query: the word that is looking"
KEY_AXIS = "Key: the word being looked at"
GRID_TITLE = "Every head side by side (rows: queries, columns: keys)"
TITLE_WIDTH = 40  # characters per title line: what a phone (390 px) shows
TITLE_AT_TOP = dict(yref="container", y=1, yanchor="top", pad_t=10)  # a title of several lines grows downwards
MOSAIC_CELLS = 32  # the overview draws each map with at most 32 x 32 cells: longer texts are pooled


def attention_heatmap(
    weights: np.ndarray,
    tokens: Sequence[str],
    *,
    title: str = "Attention weights",
    scale: str = DEFAULT_SCALE,
    auto_range: bool = False,
    show_values: bool | None = None,
    clickable: bool = True,
    key_tokens: Sequence[str] | None = None,
    picked: tuple[int, int] | None = None,
    masked: np.ndarray | None = None,
) -> go.Figure:
    """(T, S) weights, queries on rows and keys on columns; colour range fixed to 0..1 unless auto.

    ``picked`` = (row, col) outlines the cell whose arithmetic the page spells out. ``masked`` (T, S),
    True where a query may not attend, draws those cells as masked (see :func:`figures.matrix.matrix_heatmap`).
    """
    fig = matrix_heatmap(
        weights,
        tokens,
        key_tokens if key_tokens is not None else tokens,
        title=title,
        x_title=KEY_AXIS,
        y_title=QUERY_AXIS,
        scale=scale,
        zmin=None if auto_range else 0.0,
        zmax=None if auto_range else 1.0,
        show_values=show_values,
        clickable=clickable,
        masked=masked,
        title_width=TITLE_WIDTH,
    )
    # Upright key labels stand apart in ~16 px columns: a 12-word sentence keeps them on a phone (slanted ones
    # would give way there); a phone's spare height goes below the square map, not between it and its title.
    if len(key_tokens if key_tokens is not None else tokens) > 6:
        fig.update_xaxes(tickangle=-90)
    fig.update_yaxes(constraintoward="top")
    if picked is not None:
        i, j = picked
        fig.add_shape(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=dict(color=PALETTE[1], width=3), fillcolor="rgba(0,0,0,0)")
    return fig


def distinct_labels(tokens: Sequence[str], *, escaped: bool = False) -> list[str]:
    """Escaped tokens made distinct by invisible zero-width spaces, for categorical axes.

    A categorical axis merges equal labels; "the ... the" must stay two rows, and the hover should still
    read just "the" (no index), so the k-th repeat of a word gets k zero-width spaces appended.
    ``escaped``: the tokens are already escaped for plotly.
    """
    seen: dict[str, int] = {}
    out = []
    for token in tokens:
        label = token if escaped else plot_text(token)
        out.append(label + "\u200b" * seen.get(label, 0))
        seen[label] = seen.get(label, 0) + 1
    return out


def head_grid(
    weights: np.ndarray,
    tokens: Sequence[str],
    *,
    scale: str = DEFAULT_SCALE,
    auto_range: bool = False,
    titles: Sequence[str] | None = None,
    columns: int | None = None,
    title: str = GRID_TITLE,
    masked: np.ndarray | None = None,
) -> go.Figure:
    """Small multiples: one heatmap per map ``(H, T, T)``, each titled, sharing one colour range.

    Row i of each map is query i (at the top), column j key j. The range is fixed to 0..1 unless
    ``auto_range``. ``masked`` (T, T), True where a query may not attend, draws those cells as masked in
    every map. Built as one figure spec (no per-cell hover strings, no ``make_subplots``): 8 heads of 64
    words stay fast.
    """
    h = weights.shape[0]
    masked = None if masked is None or not np.any(masked) else np.broadcast_to(np.asarray(masked, bool),
                                                                                weights.shape[1:])
    if masked is not None:
        weights = np.where(masked, np.nan, weights)
    titles = list(titles) if titles is not None else [f"Head {i + 1}" for i in range(h)]
    cols = columns or min(h, 3)
    rows = math.ceil(h / cols)
    gap_x, gap_y = 0.04, 0.1 / rows
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    labels = distinct_labels(tokens)
    zmin, zmax = (float(np.nanmin(weights)), float(np.nanmax(weights))) if auto_range else (0.0, 1.0)
    show_words = len(tokens) <= 16
    axis = dict(showgrid=False, zeroline=False, ticks="", tickfont_size=11, type="category")  # 11 px: readable
    gap = 1 if len(tokens) <= 32 else 0  # cell borders would hide the colour of 64 x 64 cells
    traces, annotations = [], []
    layout: dict = {}
    for i in range(h):
        row, col = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        x0, y1 = col * (width + gap_x), 1 - row * (height + gap_y)
        traces.append(go.Heatmap(
            z=weights[i], x=labels, y=labels, xaxis=f"x{n}", yaxis=f"y{n}", zmin=zmin, zmax=zmax,
            colorscale=colorscale(scale), showscale=i == 0, colorbar=dict(thickness=10, len=0.8),
            hovertemplate=f'{plot_text(titles[i])}: "%{{y}}" → "%{{x}}": %{{z:.2f}}<extra></extra>', xgap=gap, ygap=gap,
            hoverongaps=False,
        ))
        if masked is not None:
            hover = f'{plot_text(titles[i])}: "%{{y}}" → "%{{x}}": {MASK_LABEL}'
            traces += mask_traces(masked, hover, marks=False, xaxis=f"x{n}", yaxis=f"y{n}", x=labels, y=labels,
                                  legend=i == 0)
        # Word labels on the outer edges only (left column, lowest map of each column): inner labels would
        # run into the neighbouring maps.
        layout[f"xaxis{n}"] = dict(axis, domain=[x0, x0 + width], anchor=f"y{n}", tickangle=-60,
                                   showticklabels=show_words and i + cols >= h)
        layout[f"yaxis{n}"] = dict(axis, domain=[y1 - height, y1], anchor=f"x{n}", autorange="reversed",
                                   showticklabels=show_words and col == 0)
        annotations.append(dict(text=plot_text(titles[i]), x=x0 + width / 2, y=y1, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", showarrow=False))
    first_of_last_row = "" if (rows - 1) * cols == 0 else str((rows - 1) * cols + 1)
    layout[f"xaxis{first_of_last_row}"]["title"] = KEY_AXIS.split(":")[0]
    layout[f"yaxis{first_of_last_row}"]["title"] = QUERY_AXIS.split(":")[0]
    fig = go.Figure(traces, layout=dict(layout, annotations=annotations))
    title = wrap(title, TITLE_WIDTH)
    base_layout(fig, title=title, height=60 + 260 * rows + (40 if masked is not None else 0))
    fig.update_layout(margin_t=60 + 22 * title.count("<br>"), title=TITLE_AT_TOP)
    if masked is not None:
        fig.update_layout(showlegend=True, margin_b=50,
                          legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom"))
    return fig


def row_bars(
    weights_row: np.ndarray,
    tokens: Sequence[str],
    query: str,
    *,
    highlight: int | None = None,
    title: str | None = None,
    masked: np.ndarray | None = None,
) -> go.Figure:
    """One query's weights over the keys as bars (they sum to 1); the ``highlight`` key in a second colour.

    ``masked`` (S,), True for keys the query may not attend to: those bars read "masked" instead of a
    number. ``title`` replaces the default 'Where "query" looks (weights sum to 1)'.
    """
    labels = [f"{i}: {plot_text(t)}" for i, t in enumerate(tokens)]
    masked = np.zeros(len(tokens), bool) if masked is None else np.asarray(masked, bool)
    colours = [MASK_COLOUR if masked[i] else PALETTE[1] if i == highlight else PALETTE[0] for i in range(len(tokens))]
    numbers = [MASK_MARK if m else f"{w:.2f}" for w, m in zip(weights_row, masked)]
    bars = without_none(dict(
        type="bar",
        x=labels,
        y=np.where(masked, 0.0, weights_row),
        marker=dict(color=colours),
        text=numbers if len(tokens) <= 24 else None,
        textposition="outside",
        customdata=[MASK_LABEL if m else f"{w:.3f}" for w, m in zip(weights_row, masked)],
        hovertemplate=f'"{plot_text(query)}" → %{{x}}: %{{customdata}}<extra></extra>',
    ))
    title = wrap(f'Where "{plot_text(query)}" looks (weights sum to 1)' if title is None else plot_text(title),
                 TITLE_WIDTH)
    layout = dict(
        layout_defaults(title=title, height=340 + 22 * title.count("<br>")),
        yaxis=dict(title=dict(text="attention weight"), range=[0, max(1.0, float(np.max(weights_row)) * 1.15)]),
        # flat labels only while they fit side by side in a phone's half (~300 px at 7 px a character)
        xaxis=dict(title=dict(text=KEY_AXIS),
                   tickangle=-45 if len(tokens) * max(map(len, labels), default=0) > 40 else 0),
    )
    layout["margin"]["t"] = 60 + 22 * title.count("<br>")
    layout["title"].update(yref="container", y=1, yanchor="top", pad=dict(t=10))  # TITLE_AT_TOP
    return figure_from_spec(dict(data=[bars], layout=layout))  # one spec, not validated per property (figures.spec)


def layer_heads(
    weights: np.ndarray, tokens: Sequence[str], layer: int, *, scale: str = DEFAULT_SCALE, columns: int = 4,
    pooled_from: int | None = None,
) -> go.Figure:
    """The heads of one layer ``(H, m, m)`` as a grid of small maps (``columns`` a row), one shared range 0..1,
    each tappable: an invisible marker at the centre of each map carries ``customdata`` = [layer, head]
    (0-based, as the encoder indexes them), so a click can open that head. Layers and heads are shown
    numbered from 1. Four maps a row stay about 65 px wide on a phone: a map per layer, not 72 stamps.
    ``pooled_from`` = n says the maps are :func:`attention.pretrained_findings.pool_attention` of n tokens,
    and ``tokens`` then name the groups.
    """
    n_heads, m = weights.shape[0], weights.shape[1]
    what = "pooled weight" if pooled_from else "weight"
    title = f"Layer {layer + 1}: its {n_heads} heads (rows: queries, columns: keys)"
    if pooled_from:
        title += f", {pooled_from} tokens pooled into {m} groups"
    fig = head_grid(weights, tokens, scale=scale, columns=columns, title=title,
                    titles=[f"Head {h + 1}" for h in range(n_heads)])
    labels = distinct_labels(tokens)
    for h, trace in enumerate(fig.data[:n_heads]):
        trace.hovertemplate = f'Layer {layer + 1}, head {h + 1}: "%{{y}}" → "%{{x}}": {what} %{{z:.2f}}<extra></extra>'
    for h in range(n_heads):
        n = "" if h == 0 else str(h + 1)
        fig.add_trace(go.Scatter(
            x=[labels[m // 2]], y=[labels[m // 2]], xaxis=f"x{n}", yaxis=f"y{n}", mode="markers",
            marker=dict(size=40, opacity=0), customdata=[[layer, h]], showlegend=False, name="heads",
            text=[f"Layer {layer + 1}, head {h + 1}: click to open"], hovertemplate="%{text}<extra></extra>"))
    # The width goes to the maps (about 70 px each on a phone): no word labels or axis titles beside them (the
    # hover names both words), and the colour bar below.
    fig.update_xaxes(showticklabels=False, title=None).update_yaxes(showticklabels=False, title=None)
    fig.data[0].colorbar = dict(orientation="h", y=-0.02, yanchor="top", len=1, thickness=10)
    rows = math.ceil(n_heads / columns)
    title_lines = fig.layout.title.text.count("<br>")
    return fig.update_layout(height=120 + 22 * title_lines + 170 * rows, margin_b=50)

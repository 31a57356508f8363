"""Figures of "one word, two meanings": how alike one word's vectors are across sentences, layer by layer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .matrix import matrix_heatmap, plot_text, wrap
from .style import PALETTE, base_layout


def layer_names(n_layers: int) -> list[str]:
    """``["embeddings", "layer 1", ..., "layer L"]``: where each of the L + 1 vectors is taken."""
    return ["embeddings"] + [f"layer {i}" for i in range(1, n_layers + 1)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def sense_lines(same_mean, same_min, same_max, cross_mean, cross_min, cross_max, senses: Sequence[str]) -> go.Figure:
    """Mean cosine of same-sense and of cross-sense pairs after each layer, each with its min-max band."""
    x = layer_names(len(same_mean) - 1)
    fig = go.Figure()
    for name, mean, lo, hi, colour in (
        (f"same sense ({senses[0]}–{senses[0]}, {senses[1]}–{senses[1]})", same_mean, same_min, same_max,
         PALETTE[0]),
        (f"different senses ({senses[0]}–{senses[1]})", cross_mean, cross_min, cross_max, PALETTE[5]),
    ):
        fig.add_trace(go.Scatter(x=x + x[::-1], y=list(hi) + list(lo)[::-1], fill="toself", mode="lines",
                                 line=dict(width=0), fillcolor=_rgba(colour, 0.18), hoverinfo="skip",
                                 name=f"{name}: lowest to highest pair", showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", line=dict(color=colour, width=3), name=name,
                                 customdata=np.stack([lo, hi], axis=1),
                                 hovertemplate="%{x}: mean %{y:.3f} (pairs from %{customdata[0]:.3f} to "
                                               "%{customdata[1]:.3f})<extra></extra>"))
    fig.update_yaxes(title="cosine similarity of the two vectors")
    fig.update_xaxes(title="vector taken after")
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.3, yanchor="top"))
    title = wrap("Pairs of sentences: mean cosine (line) and the range of all pairs (band)", 40)  # a phone's width
    base_layout(fig, title=title, height=440)
    return fig.update_layout(margin_t=60 + 22 * title.count("<br>"),
                             title=dict(yref="container", y=1, yanchor="top", pad_t=10))


def sense_matrix(cosines: np.ndarray, labels: Sequence[str], title: str) -> go.Figure:
    """The N x N cosines of one layer, sentences as rows and columns (grouped by sense).

    ``labels`` are short names (``"F1"``): whole sentences as tick labels leave a phone no room for the cells,
    so the page lists the sentences next to the chart.
    """
    fig = matrix_heatmap(cosines, labels, labels, title=plot_text(title), scale="blues", value_format=".2f",
                         hover="{row} · {col}: cosine {value}", square=True, title_width=40)
    fig.update_xaxes(tickangle=-90)
    return fig

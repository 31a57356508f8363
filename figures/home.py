"""Figures of the home page's library demo."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .matrix import plot_text
from .style import PALETTE, base_layout


def library_figure(
    titles: Sequence[str], weights: np.ndarray, topics: Sequence[str], answer: np.ndarray
) -> go.Figure:
    """Top: how much of each book you read (the attention weights).
    Bottom: what the blended answer is made of (weights · values).

    The panels are stacked, not side by side, so that each keeps the chart's full width on a phone.
    """
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.55, 0.45],
        vertical_spacing=0.2,
        subplot_titles=("Weight of each book (sums to 1)", "Your blended answer"),
    )
    fig.add_trace(
        go.Bar(
            x=weights,
            y=[plot_text(t) for t in titles],
            orientation="h",
            marker_color=PALETTE[0],
            text=[f"{w:.0%}" for w in weights],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: weight %{x:.3f}<extra></extra>",
            name="weight",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=[plot_text(t) for t in topics],
            y=answer,
            marker_color=PALETTE[1],
            text=[f"{a:.2f}" for a in answer],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
            name="answer",
        ),
        row=2,
        col=1,
    )
    fig.update_xaxes(range=[0, 1.15], tickvals=[0, 0.25, 0.5, 0.75, 1], title="weight", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(range=[0, 1.2], tickvals=[0, 0.5, 1], title="amount", row=2, col=1)
    fig.update_layout(showlegend=False)
    return base_layout(fig, title="Query → weights → answer", height=520)


def pronoun_figure(first, second, adjectives: Sequence[str]) -> go.Figure:
    """The row of "it" in one head for two sentences that differ in one word: grouped horizontal bars, one
    row per token (readable at any width, however many tokens).

    ``first``/``second`` are :class:`attention.coreference.Reading` of equally long sentences; the token
    that differs is labelled with both words ("tired / wide").
    """
    if len(first.tokens) != len(second.tokens):
        raise ValueError("the two sentences must have the same number of tokens")
    labels = [a if a == b else f"{a} / {b}" for a, b in zip(first.tokens, second.tokens, strict=True)]
    y = [f"{i}: {plot_text(t)}" for i, t in enumerate(labels)]
    fig = go.Figure()
    for reading, adjective, colour in ((first, adjectives[0], PALETTE[0]), (second, adjectives[1], PALETTE[1])):
        fig.add_trace(go.Bar(
            y=y, x=np.asarray(reading.row, dtype=float), orientation="h", marker_color=colour,
            name=f"…too {adjective}: it = the {reading.referent}",
            hovertemplate="%{y}: weight %{x:.3f}<extra>too " + adjective + "</extra>",
        ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="attention weight", range=[0, 1], side="top")  # the legend has the bottom to itself
    fig.update_layout(barmode="group", bargap=0.25, legend=dict(orientation="h", y=-0.02, yanchor="top"))
    base_layout(fig, title="Where “it” looks", height=180 + 26 * len(y))
    return fig.update_layout(margin_t=100)

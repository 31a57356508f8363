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
    """Left: how much of each book you read (the attention weights).
    Right: what the blended answer is made of (weights · values)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.2,
        subplot_titles=("Attention weight of each book (sums to 1)", "Your blended answer"),
    )
    fig.add_trace(
        go.Bar(
            x=weights,
            y=[plot_text(t) for t in titles],
            orientation="h",
            marker_color=PALETTE[0],
            text=[f"{w:.0%}" for w in weights],
            textposition="auto",
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
            textposition="auto",
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
            name="answer",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(range=[0, 1], title="weight", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(range=[0, 1], title="amount in the answer", row=1, col=2)
    fig.update_xaxes(title="topic", row=1, col=2)
    fig.update_layout(showlegend=False)
    return base_layout(fig, title="Query → keys → weights → blended values", height=360)


def pronoun_figure(first, second, adjectives: Sequence[str], head: str) -> go.Figure:
    """The row of "it" in one head for two sentences that differ in one word (grouped bars per token).

    ``first``/``second`` are :class:`attention.coreference.Reading` of equally long sentences; the token
    that differs is labelled with both words ("tired / wide").
    """
    if len(first.tokens) != len(second.tokens):
        raise ValueError("the two sentences must have the same number of tokens")
    labels = [a if a == b else f"{a} / {b}" for a, b in zip(first.tokens, second.tokens, strict=True)]
    x = [f"{i}: {plot_text(t)}" for i, t in enumerate(labels)]
    fig = go.Figure()
    for reading, adjective, colour in ((first, adjectives[0], PALETTE[0]), (second, adjectives[1], PALETTE[1])):
        fig.add_trace(go.Bar(
            x=x, y=np.asarray(reading.row, dtype=float), name=f"…too {adjective}: it = the {reading.referent}",
            marker_color=colour, hovertemplate="%{x}: weight %{y:.3f}<extra>too " + adjective + "</extra>",
        ))
    fig.update_xaxes(title="token the row of “it” attends to", tickangle=-45)
    fig.update_yaxes(title="attention weight", range=[0, 1])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.55))
    return base_layout(fig, title=f"Where “it” looks in {head} of all-MiniLM-L6-v2", height=420)

"""Figures of the Translation page: cross-attention with its gold alignment, accuracy by length, loss curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .matrix import matrix_heatmap, plot_text
from .style import PALETTE, base_layout

SOURCE_AXIS = "English word read"
TARGET_AXIS = "German word written"
COLOURS = {"attention": PALETTE[0], "bottleneck": PALETTE[1]}
NAMES = {"attention": "Attention model", "bottleneck": "Bottleneck model"}
GOLD = PALETTE[2]  # outlines of the gold alignment
PICKED = PALETTE[5]  # the picked target word's row
LOSS_TICKS = [10.0 ** e for e in range(1, -6, -1)]  # 10 … 0.00001, written out (plotly would write "100µ")


def cross_attention_heatmap(
    weights: np.ndarray,
    source: Sequence[str],
    target: Sequence[str],
    *,
    gold: Sequence[tuple[int, int]] | None = None,
    picked: int | None = None,
    title: str = "Cross-attention: where each word looked",
    clickable: bool = True,
) -> go.Figure:
    """(T, S) weights, German words on rows and English on columns; colour range fixed to 0..1.

    ``gold`` (target, source) pairs are outlined: where the outlines leave the diagonal, word order
    differs and alignment lines cross. ``picked`` frames one row.
    """
    fig = matrix_heatmap(
        weights, target, source, title=title, x_title=SOURCE_AXIS, y_title=TARGET_AXIS, zmin=0.0, zmax=1.0,
        hover='writing "{row}", read "{col}": {value}', clickable=clickable,
        show_values=weights.size <= 144, square=False, height=int(170 + 24 * len(target)),
    )
    outlines = [dict(type="rect", x0=s - 0.5, x1=s + 0.5, y0=t - 0.5, y1=t + 0.5, name="gold",
                     line=dict(color=GOLD, width=2.5), fillcolor="rgba(0,0,0,0)") for t, s in gold or ()]
    if picked is not None and 0 <= picked < len(target):
        outlines.append(dict(type="rect", x0=-0.5, x1=len(source) - 0.5, y0=picked - 0.5, y1=picked + 0.5,
                             name="picked", line=dict(color=PICKED, width=3, dash="dot"), fillcolor="rgba(0,0,0,0)"))
    fig.update_layout(shapes=outlines)  # one update: add_shape re-validates every shape each time
    # a legend entry for each kind of outline drawn (empty traces carry the names)
    drawn = [("gold alignment", GOLD, "solid")] if gold else []
    drawn += [("picked word", PICKED, "dot")] if picked is not None else []
    for name, colour, dash in drawn:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=name, line=dict(color=colour, dash=dash),
                                 hoverinfo="skip", showlegend=True))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.02, x=0, xanchor="left"))
    return fig


def read_bars(row: np.ndarray, source: Sequence[str], word: str, *, gold: int | None = None) -> go.Figure:
    """One German word's cross-attention over the English words, as bars; its gold source word in green."""
    labels = [f"{j}: {plot_text(w)}" for j, w in enumerate(source)]
    fig = go.Figure(go.Bar(
        x=labels, y=row, marker_color=[GOLD if j == gold else PALETTE[0] for j in range(len(source))],
        text=[f"{w:.2f}" for w in row] if len(source) <= 16 else None, textposition="outside",
        hovertemplate=f'writing "{plot_text(word)}", read %{{x}}: %{{y:.3f}}<extra></extra>',
    ))
    fig.update_layout(yaxis=dict(title="weight", range=[0, 1.15]),
                      xaxis=dict(title=SOURCE_AXIS, tickangle=-45 if len(source) > 6 else 0))
    return base_layout(fig, title=f'Writing "{plot_text(word)}", it read…', height=320)


def accuracy_by_length(
    lengths: np.ndarray, series: dict[str, tuple[np.ndarray, np.ndarray]], sentences: np.ndarray
) -> go.Figure:
    """Exact match (solid) and words right (dashed), in %, per sentence length, for each model.

    ``series[kind] = (exact %, words right %)`` per length; ``sentences`` is how many were tested per length.
    """
    fig = go.Figure()
    for kind, (exact, words) in series.items():
        for values, label, dash in ((exact, "exact match", "solid"), (words, "words right", "dash")):
            fig.add_trace(go.Scatter(
                x=lengths, y=values, mode="lines+markers", name=f"{NAMES[kind]}: {label}",
                line=dict(color=COLOURS[kind], dash=dash, width=2.5 if dash == "solid" else 1.5),
                marker=dict(size=6 if dash == "solid" else 4), customdata=sentences,
                hovertemplate=f"{NAMES[kind]}, %{{x}} words: {label} %{{y:.1f}}% "
                              f"(of %{{customdata}} held-out sentences)<extra></extra>",
            ))
    fig.update_layout(
        xaxis=dict(title="sentence length (English words)", dtick=2),
        yaxis=dict(title="% of held-out sentences / words", range=[-3, 103]),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, xanchor="left"),
        hovermode="closest",
    )
    return base_layout(fig, title="Exact match and words right, by length", height=430)


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Moving average over ``window`` steps (shorter at the start)."""
    cum = np.cumsum(np.insert(np.asarray(values, float), 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(0, idx - window)
    return (cum[idx] - cum[lo]) / (idx - lo)


def loss_curves(
    losses: dict[str, np.ndarray],
    heldout_steps: np.ndarray,
    heldout: dict[str, np.ndarray],
    *,
    step: int | None = None,
    window: int = 50,
    points: int = 300,
) -> go.Figure:
    """Training loss (moving average) and held-out loss at the checkpoints, log scale; a line at ``step``."""
    fig = go.Figure()
    for kind, loss in losses.items():
        smoothed = smooth(loss, window)
        keep = np.unique(np.linspace(0, len(loss) - 1, points).astype(int))
        fig.add_trace(go.Scatter(
            x=keep + 1, y=smoothed[keep], mode="lines", name=f"{NAMES[kind]}: training loss",
            line=dict(color=COLOURS[kind], width=2),
            hovertemplate=f"{NAMES[kind]}, step %{{x}}: training loss %{{y:.4f}} (mean of {window} steps)<extra></extra>",
        ))
        fig.add_trace(go.Scatter(  # step 0 (before training) is drawn at 1: a log axis has no 0
            x=np.maximum(heldout_steps, 1), y=heldout[kind], mode="markers", name=f"{NAMES[kind]}: held-out loss",
            marker=dict(color=COLOURS[kind], symbol="circle-open", size=8, line=dict(width=2)),
            customdata=heldout_steps,
            hovertemplate=f"{NAMES[kind]}, step %{{customdata}}: held-out loss %{{y:.4f}}<extra></extra>",
        ))
    if step is not None:
        fig.add_vline(x=max(step, 1), line=dict(color=PALETTE[5], width=2, dash="dot"))
    fig.update_layout(
        xaxis=dict(title="training step (batches of 64 sentences)", type="log"),
        yaxis=dict(title="cross-entropy per word (log scale)", type="log", tickvals=LOSS_TICKS,
                   ticktext=[f"{v:g}" for v in LOSS_TICKS]),
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0, xanchor="left"),
    )
    return base_layout(fig, title="Loss while learning (lower is better)", height=400)

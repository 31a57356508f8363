"""Figures of the Academic page: the pipeline diagram and the plots of its experiments.

Arrays in, ``go.Figure`` out; no attention arithmetic here (the numbers come from
:mod:`attention.experiments`), only histograms and reference curves of known formulas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .heatmap import head_grid
from .matrix import matrix_heatmap, plot_text
from .style import DIVERGING, PALETTE, base_layout

UNSCALED, SCALED = "unscaled", "scaled"
COLOURS = {UNSCALED: PALETTE[5], SCALED: PALETTE[0]}  # vermillion vs blue: colour-blind safe
NAMES = {UNSCALED: "unscaled: q·k", SCALED: "scaled: q·k / √d_k"}
ARROW = "#888888"  # mid grey: visible on light and dark themes
LOG_TICKS = [1, 4, 16, 64, 256, 1024]  # d_k ticks on log axes


# ---- the pipeline diagram ------------------------------------------------------------------------------

# (label, shape, x, y, colour index); coordinates in an abstract 0..10 x 0..10 canvas, flowing downwards so
# that the boxes keep a readable size on a phone (a left-to-right chain of six boxes does not fit 358 px)
_NODES = {
    "q": ("Q", "n × d_k", 2.7, 9.2, 0),
    "k": ("K", "n × d_k", 5.7, 9.2, 0),
    "qk": ("QKᵀ", "n × n", 4.2, 7.4, 4),
    "scale": ("÷ √d_k", "n × n", 4.2, 5.6, 4),
    "softmax": ("softmax", "n × n", 4.2, 3.8, 2),
    "mix": ("× V", "n × d_v", 4.2, 2.0, 1),
    "v": ("V", "n × d_v", 1.2, 2.0, 1),
    "out": ("output", "n × d_v", 4.2, 0.2, 3),
}
_EDGES = [("q", "qk"), ("k", "qk"), ("qk", "scale"), ("scale", "softmax"), ("softmax", "mix"), ("v", "mix"),
          ("mix", "out")]
_STEPS = [  # (y, text): the three steps beside the boxes they span
    (7.4, "① similarity<br>O(n²d)"),
    (5.6, "② scaling"),
    (2.9, "③ weighted sum<br>rows sum to 1<br>O(n²d), O(n²) memory"),
]
_NOTE_X = 8.1
_HALF_W, _HALF_H = 1.2, 0.55


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def pipeline_diagram() -> go.Figure:
    """Q, K → QKᵀ → ÷√d_k → softmax → × V → output, top to bottom, with each intermediate's shape."""
    shapes, notes = [], []  # built as plain dicts and set at once: add_shape/add_annotation are slow
    for label, shape, x, y, c in _NODES.values():
        half_w = 0.9 if label in ("Q", "K", "V") else _HALF_W
        shapes.append(dict(
            type="rect", x0=x - half_w, x1=x + half_w, y0=y - _HALF_H, y1=y + _HALF_H,
            line=dict(color=PALETTE[c], width=2), fillcolor=_rgba(PALETTE[c], 0.18), layer="below",
        ))
        notes.append(dict(x=x, y=y + 0.18, text=f"<b>{label}</b>", showarrow=False, font=dict(size=15)))
        notes.append(dict(x=x, y=y - 0.27, text=shape, showarrow=False, font=dict(size=11)))
    for a, b in _EDGES:
        _, _, x0, y0, _ = _NODES[a]
        _, _, x1, y1, _ = _NODES[b]
        if y0 == y1:  # V into × V, from the left
            start, end = (x0 + 0.9, y0), (x1 - _HALF_W, y1)
        else:  # downwards: bottom of one box to the top of the next (Q and K slant towards Q Kᵀ)
            start, end = (x0, y0 - _HALF_H), (x1 + 0.35 * float(np.sign(x0 - x1)), y1 + _HALF_H)
        notes.append(dict(
            x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x", ayref="y",
            text="", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.8, arrowcolor=ARROW,
        ))
    for y, text in _STEPS:
        notes.append(dict(x=_NOTE_X, y=y, text=text, showarrow=False, font=dict(size=11)))
    fig = go.Figure(layout=dict(shapes=shapes, annotations=notes))
    fig.update_xaxes(visible=False, range=[0, 10], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.5, 9.9], fixedrange=True)
    fig.update_layout(showlegend=False, dragmode=False)
    return base_layout(fig, title="Attention, step by step", height=470)


# ---- why divide by √d_k --------------------------------------------------------------------------------


def log_ticks(values: Sequence[float]) -> dict:
    """Axis settings that label a log axis at ``values`` only: no minor ticks, labels or grid lines
    (plotly adds "2" and "5" between decades when the axis is short)."""
    return dict(tickvals=list(values), ticktext=[f"{v:g}" for v in values], minor=dict(ticks="", showgrid=False))


def _normal_pdf(x: np.ndarray, var: float) -> np.ndarray:
    return np.exp(-(x**2) / (2 * var)) / np.sqrt(2 * np.pi * var)


def dot_product_histograms(unscaled: np.ndarray, scaled: np.ndarray, d_k: int, *, bins: int = 41) -> go.Figure:
    """Two histograms on one shared x axis: q·k (spreads like √d_k) above, q·k/√d_k (stays ~N(0, 1)) below.

    The dashed curves are the normal densities with the theoretical variances d_k and 1.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=(f"Unscaled: variance {np.var(unscaled):.3g} (theory {d_k})",
                                        f"Scaled: variance {np.var(scaled):.3g} (theory 1)"))
    reach = max(float(np.abs(unscaled).max()), float(np.abs(scaled).max()), 4.0)
    grid = np.linspace(-reach, reach, 301)
    for row, (key, samples, var) in enumerate(((UNSCALED, unscaled, float(d_k)), (SCALED, scaled, 1.0)), start=1):
        density, edges = np.histogram(samples, bins=bins, density=True)
        centres = (edges[:-1] + edges[1:]) / 2
        fig.add_trace(
            go.Bar(x=centres, y=density, width=np.diff(edges), name=NAMES[key], marker_color=COLOURS[key],
                   opacity=0.75, hovertemplate="q·k ≈ %{x:.3g}: density %{y:.3g}<extra></extra>"),
            row=row, col=1,
        )
        fig.add_trace(
            go.Scatter(x=grid, y=_normal_pdf(grid, var), mode="lines", line=dict(color=ARROW, dash="dash"),
                       name=f"normal density, variance {var:g}", hoverinfo="skip"),
            row=row, col=1,
        )
    fig.update_xaxes(range=[-reach, reach])
    fig.update_xaxes(title="value of the score", row=2, col=1)
    fig.update_yaxes(title="density")
    fig.update_layout(showlegend=False, bargap=0)
    return base_layout(fig, title=f"Scores at d_k = {d_k} ({len(unscaled):,} pairs)", height=520)


def variance_figure(d_values: Sequence[int], var_unscaled: Sequence[float], var_scaled: Sequence[float],
                    *, chosen: int | None = None, chosen_var: Mapping[str, float] | None = None) -> go.Figure:
    """Measured variance of q·k against d_k (log-log), unscaled and scaled, with the theory d_k and 1."""
    d = np.asarray(d_values, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=d, y=d, mode="lines", line=dict(color=ARROW, dash="dash"),
                             name="theory: d_k", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=d, y=np.ones_like(d), mode="lines", line=dict(color=ARROW, dash="dot"),
                             name="theory: 1", hoverinfo="skip"))
    for key, var in ((UNSCALED, var_unscaled), (SCALED, var_scaled)):
        fig.add_trace(go.Scatter(
            x=d, y=np.asarray(var, dtype=float), mode="lines+markers", name=NAMES[key],
            line=dict(color=COLOURS[key]), marker=dict(size=8),
            hovertemplate="d_k = %{x}: variance %{y:.3g}<extra>" + NAMES[key] + "</extra>",
        ))
    if chosen is not None and chosen_var:
        fig.add_trace(go.Scatter(
            x=[chosen, chosen], y=[chosen_var[UNSCALED], chosen_var[SCALED]], mode="markers",
            marker=dict(symbol="star", size=16, color=[COLOURS[UNSCALED], COLOURS[SCALED]],
                        line=dict(width=1, color=ARROW)),
            name=f"your d_k = {chosen}", hovertemplate="d_k = %{x}: variance %{y:.3g}<extra></extra>",
        ))
    fig.update_xaxes(type="log", title="d_k (log scale)", **log_ticks(LOG_TICKS))
    values = [v for v in (*var_unscaled, *var_scaled, *d) if v > 0]
    decades = [10.0**e for e in range(int(np.floor(np.log10(min(values)))), int(np.ceil(np.log10(max(values)))) + 1)]
    fig.update_yaxes(type="log", title="variance of the score (log scale)", **log_ticks(decades))
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return base_layout(fig, title="Variance of the score vs d_k", height=440)


_PANELS = (  # (statistic, subplot title, y axis title: short, and no <sub> at 11 px)
    ("max_weight", "largest weight in a row", "largest weight"),
    ("entropy", "entropy of a row (nats)", "entropy"),
    ("grad_norm", "softmax gradient ‖∂w/∂s‖<sub>F</sub>", "gradient size"),
)


def _uniform_and_onehot(stat: str, n_keys: int) -> tuple[float, float]:
    """Value of ``stat`` for a uniform row (all weights 1/S) and for a one-hot row."""
    return {
        "max_weight": (1 / n_keys, 1.0),
        "entropy": (float(np.log(n_keys)), 0.0),
        "grad_norm": (float(np.sqrt(n_keys - 1) / n_keys), 0.0),
    }[stat]


def saturation_figure(d_values: Sequence[int], means: Mapping[str, Mapping[str, Sequence[float]]], n_keys: int,
                      *, chosen: int | None = None,
                      chosen_means: Mapping[str, Mapping[str, float]] | None = None) -> go.Figure:
    """Three panels against d_k (log x): mean largest weight, mean entropy and mean softmax-gradient
    size of a row, unscaled versus scaled. ``means[stat][variant]`` has one number per d_k.

    Dotted lines: the value for a uniform row; dashed: for a one-hot (saturated) row.
    """
    d = np.asarray(d_values, dtype=float)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[title for _, title, _ in _PANELS])
    for row, (stat, _, y_title) in enumerate(_PANELS, start=1):
        uniform, onehot = _uniform_and_onehot(stat, n_keys)
        for level, dash, label in ((uniform, "dot", "uniform row"), (onehot, "dash", "one-hot row")):
            fig.add_trace(go.Scatter(x=[d[0], d[-1]], y=[level, level], mode="lines", hoverinfo="skip",
                                     line=dict(color=ARROW, dash=dash, width=1), name=label,
                                     legendgroup=label, showlegend=row == 1), row=row, col=1)
        for key in (UNSCALED, SCALED):
            fig.add_trace(go.Scatter(
                x=d, y=np.asarray(means[stat][key], dtype=float), mode="lines+markers", name=NAMES[key],
                legendgroup=key, showlegend=row == 1, line=dict(color=COLOURS[key]),
                hovertemplate="d_k = %{x}: %{y:.3f}<extra>" + NAMES[key] + "</extra>",
            ), row=row, col=1)
            if chosen is not None and chosen_means:
                fig.add_trace(go.Scatter(
                    x=[chosen], y=[chosen_means[stat][key]], mode="markers", showlegend=False,
                    marker=dict(symbol="star", size=14, color=COLOURS[key], line=dict(width=1, color=ARROW)),
                    hovertemplate=f"your d_k = {chosen}: %{{y:.3f}}<extra>{NAMES[key]}</extra>",
                ), row=row, col=1)
        fig.update_yaxes(title_text=y_title, row=row, col=1, title_font_size=12)
    fig.update_xaxes(type="log", **log_ticks(LOG_TICKS))
    fig.update_xaxes(title="d_k (log scale)", row=3, col=1)
    fig.update_layout(legend=dict(orientation="h", y=-0.12))
    return base_layout(fig, title=f"Softmax rows against d_k (S = {n_keys} keys)", height=760)


def example_row_figure(example: Mapping[str, np.ndarray], d_k: int) -> go.Figure:
    """One row's weights over its S keys, unscaled beside scaled (same q and k)."""
    fig = go.Figure()
    for key in (UNSCALED, SCALED):
        w = np.asarray(example[key], dtype=float)
        fig.add_trace(go.Bar(x=np.arange(1, w.size + 1), y=w, name=f"{NAMES[key]} (largest {w.max():.2f})",
                             marker_color=COLOURS[key],
                             hovertemplate="key %{x}: weight %{y:.3f}<extra>" + NAMES[key] + "</extra>"))
    fig.update_xaxes(title="key j", dtick=1 if len(example[SCALED]) <= 32 else None)
    fig.update_yaxes(title="attention weight", range=[0, 1.05])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.3))
    return base_layout(fig, title=f"One row at d_k = {d_k}", height=360)


# ---- masks and caveats ---------------------------------------------------------------------------------


def mask_figure(mask: np.ndarray, tokens: Sequence[str], *, title: str = "The mask M") -> go.Figure:
    """The additive mask M of a boolean ``(T, S)`` mask: 0 where allowed, −∞ where forbidden."""
    mask = np.asarray(mask, dtype=bool)
    labels = [plot_text(t) for t in tokens]
    t, s = mask.shape
    fig = go.Figure(go.Heatmap(
        z=mask.astype(int), x=np.arange(s), y=np.arange(t), zmin=0, zmax=1,
        colorscale=[[0, PALETTE[5]], [0.5, PALETTE[5]], [0.5, PALETTE[4]], [1, PALETTE[4]]],
        showscale=False, xgap=1, ygap=1,
        text=np.where(mask, "0", "−∞"), texttemplate="%{text}",
        customdata=np.array([[f'"{labels[i]}" → "{labels[j]}": {"allowed" if mask[i, j] else "masked"}'
                              for j in range(s)] for i in range(t)], dtype=object),
        hovertemplate="%{customdata}<extra></extra>",
    ))
    # Every column keeps its label ("[PAD]" twice included): plotly hides labels that reach past the figure's
    # edge unless told otherwise. Upright labels stand apart down to ~13 px per column (a phone, 20 columns).
    fig.update_xaxes(title="key", tickvals=list(range(s)), ticktext=labels, side="top", tickangle=-90,
                     showgrid=False, zeroline=False, ticklabeloverflow="allow")
    fig.update_yaxes(title="query", tickvals=list(range(t)), ticktext=labels, autorange="reversed",
                     showgrid=False, zeroline=False)
    base_layout(fig, title=title, height=int(min(560, 170 + 22 * t)))
    fig.update_xaxes(tickfont_size=11, automargin=True)  # the top margin grows with the labels, if shown
    fig.update_layout(margin_r=10 + 5 * len(labels[-1]) if labels else 10)
    return fig


def same_output_figure(w: np.ndarray, w_alt: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """Two weight vectors over the same keys (that give the same output), as grouped bars."""
    names = [plot_text(lab) for lab in labels]
    fig = go.Figure()
    for values, name, colour in ((w, "weights from softmax(q·k/√d_k)", PALETTE[0]),
                                 (w_alt, "different weights, same output", PALETTE[1])):
        fig.add_trace(go.Bar(x=names, y=np.asarray(values, dtype=float), name=name, marker_color=colour,
                             text=[f"{v:.2f}" for v in values], textposition="outside",
                             hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    top = float(max(np.max(w), np.max(w_alt)))
    fig.update_yaxes(title="attention weight", range=[0, min(1.1, top * 1.25 + 0.05)])
    fig.update_xaxes(tickangle=-45)  # the keys are the tick labels: an axis title would collide with the legend
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.45))
    return base_layout(fig, title="Two attention rows, one output", height=380)


def heads_figure(weights: np.ndarray, tokens: Sequence[str]) -> go.Figure:
    """The ``(H, T, T)`` weights of a few heads (H ≤ 4), two maps a row, with a short title and labels that
    stay readable (11 px); on a narrow screen the word labels give way (see ``ui.responsive``)."""
    fig = head_grid(weights, tokens, columns=min(weights.shape[0], 2))
    fig.update_traces(colorbar=BELOW, selector=dict(type="heatmap"))
    fig.update_xaxes(tickfont_size=11, tickangle=-90)
    fig.update_yaxes(tickfont_size=11)
    return base_layout(fig, title="Each head's weights", height=fig.layout.height)


BELOW = dict(orientation="h", y=-0.04, yanchor="top", len=1, thickness=10)  # a colour bar under the plot


def sentence_matrix(values: np.ndarray, labels: Sequence[str], title: str, *, weights: bool) -> go.Figure:
    """A T × T matrix of the page's sentence: weights on 0..1 (blues) or scores centred on 0 (diverging).

    Cells fill the width and the colour bar lies below, so that a phone's width goes to the cells; upright
    word labels stay apart down to ~15 px per column.
    """
    # No x axis title: on a phone the word labels give way, and plotly would still leave the title where they
    # were, over the chart's title. The page says that the columns are the keys.
    fig = matrix_heatmap(values, labels, labels, title=title, y_title="query",
                         scale="blues" if weights else DIVERGING, value_format=".2f", square=False,
                         zmin=0.0 if weights else None, zmax=1.0 if weights else None)
    fig.update_traces(colorbar=BELOW, selector=dict(type="heatmap"))
    return fig.update_xaxes(tickangle=-90, automargin=True).update_layout(margin_t=90)

"""Figures of the Complexity page: cost models, live measurements, the H100 reference, online softmax."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import PALETTE, base_layout

COLOURS = {"naive": PALETTE[5], "tiled": PALETTE[0], "rnn": PALETTE[2], "sdpa_flash": PALETTE[0],
           "sdpa_mem_efficient": PALETTE[2], "sdpa_cudnn": PALETTE[3], "model": "#888888"}
NAMES = {"naive": "naive (n × n matrix)", "tiled": "tiled (online softmax)", "rnn": "RNN (n sequential steps)",
         "sdpa_flash": "FlashAttention-2", "sdpa_mem_efficient": "memory-efficient", "sdpa_cudnn": "cuDNN"}
MIB = 2**20


def _loglog(fig: go.Figure, rows: int = 1, cols: int = 2) -> None:
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            fig.update_xaxes(type="log", title="sequence length n", row=r, col=c)
            fig.update_yaxes(type="log", row=r, col=c)


def theory_figure(ns: Sequence[int], d: int, heads: int, block: int) -> go.Figure:
    """The cost model before any measurement: compute 4n²dH for both, memory n²H (naive) vs ~n (tiled)."""
    ns = np.asarray(ns, float)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Compute: 4·n²·d·H FLOPs (same for both)",
                                                        "Extra memory: n²·H floats vs one tile per block"))
    fig.add_trace(go.Scatter(x=ns, y=4 * ns**2 * d * heads, name="FLOPs, naive = tiled", mode="lines",
                             line=dict(color=COLOURS["model"]), hovertemplate="n=%{x}: %{y:.3s} FLOPs<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=ns, y=heads * ns**2 * 4 / MIB, name=NAMES["naive"], mode="lines",
                             line=dict(color=COLOURS["naive"]), hovertemplate="n=%{x}: %{y:.3g} MiB<extra></extra>"),
                  row=1, col=2)
    tile = heads * (np.minimum(ns, block) ** 2 * 4 + 2 * ns * d * 4) / MIB
    fig.add_trace(go.Scatter(x=ns, y=tile, name=NAMES["tiled"], mode="lines", line=dict(color=COLOURS["tiled"]),
                             hovertemplate="n=%{x}: %{y:.3g} MiB<extra></extra>"), row=1, col=2)
    _loglog(fig)
    fig.update_yaxes(title="FLOPs", row=1, col=1)
    fig.update_yaxes(title="MiB", row=1, col=2)
    return base_layout(fig, title=f"What theory predicts (d = {d}, H = {heads}, float32)", height=380)


def _rows(rows, method: str, attr: str):
    pts = [(r.n, getattr(r, attr)) for r in rows if r.method == method and r.status == "ok"]
    return np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)


def measured_figure(rows, slopes: dict[str, float]) -> go.Figure:
    """Measured runtime and peak memory vs n, log-log, with O(n²d) and O(n²) model curves through naive."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Runtime", "Peak extra memory (tracemalloc)"))
    for method in ("naive", "tiled"):
        n, t = _rows(rows, method, "median_s")
        lo = np.array([r.low_s for r in rows if r.method == method and r.status == "ok"])
        hi = np.array([r.high_s for r in rows if r.method == method and r.status == "ok"])
        if n.size:
            fig.add_trace(go.Scatter(
                x=n, y=t * 1e3, mode="lines+markers", name=f"{NAMES[method]}: time slope {slopes.get(method + '_time', np.nan):.2f}",
                line=dict(color=COLOURS[method]), error_y=dict(type="data", symmetric=False, array=(hi - t) * 1e3,
                                                              arrayminus=(t - lo) * 1e3),
                hovertemplate="n=%{x}: %{y:.3g} ms<extra></extra>"), row=1, col=1)
        n, m = _rows(rows, method, "peak_bytes")
        if n.size:
            fig.add_trace(go.Scatter(
                x=n, y=m / MIB, mode="lines+markers", name=f"{NAMES[method]}: memory slope {slopes.get(method + '_mem', np.nan):.2f}",
                line=dict(color=COLOURS[method], dash="dot"), hovertemplate="n=%{x}: %{y:.3g} MiB<extra></extra>"),
                row=1, col=2)
    n, t = _rows(rows, "naive", "median_s")
    if n.size:
        c = t[-1] / n[-1] ** 2  # anchor the model at the largest measured n
        fig.add_trace(go.Scatter(x=n, y=c * n**2 * 1e3, mode="lines", name="model: ∝ n²·d",
                                 line=dict(color=COLOURS["model"], dash="dash")), row=1, col=1)
        fig.add_trace(go.Scatter(x=n, y=n**2 * rows[0].heads * 4 / MIB, mode="lines", name="model: n²·H floats",
                                 line=dict(color=COLOURS["model"], dash="dash")), row=1, col=2)
    _loglog(fig)
    fig.update_yaxes(title="milliseconds", row=1, col=1)
    fig.update_yaxes(title="MiB", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return base_layout(fig, title="Measured on this server, just now", height=460)


def d_figure(d_values, times_s, n: int) -> go.Figure:
    """Runtime against head dimension d at fixed n: linear, as O(n²d) says."""
    d_values, times_s = np.asarray(d_values, float), np.asarray(times_s, float)
    fig = go.Figure(go.Scatter(x=d_values, y=times_s * 1e3, mode="lines+markers", name="naive attention",
                               line=dict(color=COLOURS["naive"]), hovertemplate="d=%{x}: %{y:.3g} ms<extra></extra>"))
    if d_values.size >= 2:
        slope, intercept = np.polyfit(d_values, times_s * 1e3, 1)
        fig.add_trace(go.Scatter(x=d_values, y=slope * d_values + intercept, mode="lines", name="straight-line fit",
                                 line=dict(color=COLOURS["model"], dash="dash")))
    fig.update_xaxes(title="head dimension d", rangemode="tozero")
    fig.update_yaxes(title="milliseconds", rangemode="tozero")
    return base_layout(fig, title=f"Runtime vs d at n = {n} (linear axes)", height=340)


def gflops_figure(rows, matmul_rate: float) -> go.Figure:
    """Achieved GFLOP/s of each method against this machine's plain matrix-multiply rate."""
    fig = go.Figure()
    for method in ("naive", "tiled"):
        n = [r.n for r in rows if r.method == method and r.status == "ok"]
        g = [r.gflops for r in rows if r.method == method and r.status == "ok"]
        fig.add_trace(go.Scatter(x=n, y=g, mode="lines+markers", name=NAMES[method], line=dict(color=COLOURS[method]),
                                 hovertemplate="n=%{x}: %{y:.3g} GFLOP/s<extra></extra>"))
    fig.add_hline(y=matmul_rate, line_dash="dash", line_color=COLOURS["model"],
                  annotation_text=f"matrix multiply alone: {matmul_rate:.0f} GFLOP/s")
    fig.update_xaxes(type="log", title="sequence length n")
    fig.update_yaxes(title="GFLOP/s", rangemode="tozero")
    return base_layout(fig, title="How close attention gets to the machine's matmul speed", height=360)


def rnn_figure(rows) -> go.Figure:
    """Attention vs an RNN: measured time, and the number of sequential steps (n vs 1)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Measured time", "Sequential steps (cannot run in parallel)"))
    for method in ("naive", "rnn"):
        n, t = _rows(rows, method, "median_s")
        fig.add_trace(go.Scatter(x=n, y=t * 1e3, mode="lines+markers", name=NAMES[method],
                                 line=dict(color=COLOURS[method]), hovertemplate="n=%{x}: %{y:.3g} ms<extra></extra>"),
                      row=1, col=1)
    n = np.array(sorted({r.n for r in rows}), float)
    fig.add_trace(go.Scatter(x=n, y=n, mode="lines+markers", name="RNN: n steps", line=dict(color=COLOURS["rnn"]),
                             showlegend=False), row=1, col=2)
    fig.add_trace(go.Scatter(x=n, y=np.ones_like(n), mode="lines+markers", name="attention: 1 step",
                             line=dict(color=COLOURS["naive"]), showlegend=False), row=1, col=2)
    _loglog(fig)
    fig.update_yaxes(title="milliseconds", row=1, col=1)
    fig.update_yaxes(title="steps", row=1, col=2)
    return base_layout(fig, title="Attention vs a recurrent network over the same n", height=380)


def gpu_figure(data, causal: bool) -> go.Figure:
    """H100 reference: time and memory vs n per kernel, out-of-memory points marked."""
    data = data[data["causal"] == causal]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Time per call", "Peak extra GPU memory"))
    for variant, group in data.groupby("variant", sort=False):
        ok = group[group["status"] == "ok"]
        colour = COLOURS.get(variant, PALETTE[4])
        fig.add_trace(go.Scatter(x=ok["n"], y=ok["median_s"] * 1e3, mode="lines+markers", name=NAMES.get(variant, variant),
                                 line=dict(color=colour), legendgroup=variant,
                                 hovertemplate="n=%{x}: %{y:.3g} ms<extra>" + variant + "</extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=ok["n"], y=ok["peak_extra_bytes"] / 2**30, mode="lines+markers", showlegend=False,
                                 line=dict(color=colour), legendgroup=variant,
                                 hovertemplate="n=%{x}: %{y:.3g} GB<extra>" + variant + "</extra>"), row=1, col=2)
        oom = group[group["status"] != "ok"]
        if len(oom):
            top = 80.0  # the H100's 80 GB
            fig.add_trace(go.Scatter(x=oom["n"], y=[top] * len(oom), mode="markers+text", name="out of memory",
                                     marker=dict(symbol="x", size=14, color=colour), text=["OOM"] * len(oom),
                                     textposition="top center", legendgroup=variant,
                                     hovertemplate="n=%{x}: " + variant + " ran out of memory<extra></extra>"),
                          row=1, col=2)
    n_all = sorted(data["n"].unique())
    fig.add_trace(go.Scatter(x=[n_all[0], n_all[-1]], y=[80, 80], mode="lines+text", name="80 GB: all the H100 has",
                             line=dict(color=COLOURS["model"], dash="dot"), text=["80 GB: all the H100 has", ""],
                             textposition="bottom right", hoverinfo="skip"), row=1, col=2)
    _loglog(fig)
    fig.update_yaxes(title="milliseconds", row=1, col=1)
    fig.update_yaxes(title="GB", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    kind = "causal" if causal else "non-causal"
    return base_layout(fig, title=f"At GPU scale: one H100, 16 heads, d = 64, bfloat16, {kind}", height=460)


def online_softmax_figure(scores: np.ndarray, block: int, step: int, maxes, sums) -> go.Figure:
    """One query's scores over the keys, the blocks seen so far highlighted, with the running max."""
    s = np.asarray(scores, float)
    seen = min(len(s), (step + 1) * block)
    colours = [COLOURS["tiled"] if j < seen else "#cccccc" for j in range(len(s))]
    fig = go.Figure(go.Bar(x=list(range(len(s))), y=s, marker_color=colours, name="score q·k",
                           text=[f"{v:.2f}" for v in s], textposition="outside",
                           hovertemplate="key %{x}: score %{y:.3f}<extra></extra>"))
    fig.add_hline(y=float(maxes[step]), line_dash="dash", line_color=COLOURS["naive"],
                  annotation_text=f"running max m = {float(maxes[step]):.3f}")
    for b in range(1, int(np.ceil(len(s) / block))):
        fig.add_vline(x=b * block - 0.5, line_color="#999999", line_width=1)
    fig.update_xaxes(title="key position (grey: blocks not read yet)")
    fig.update_yaxes(title="scaled score")
    return base_layout(fig, title=f"After block {step + 1}: running max {float(maxes[step]):.3f}, "
                       f"running sum {float(sums[step]):.3f}", height=340)

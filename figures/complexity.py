"""Figures of the Complexity page: cost model, live measurements, attention vs RNN, H100 reference, online softmax.

Measurements come in as a table (a pandas DataFrame, one row per measured job) with the columns of
:data:`MEASUREMENT_COLUMNS`; every figure has a title and axis labels, no fixed width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .matrix import wrap
from .style import PALETTE
from .style import base_layout as _base_layout

MIB = 2**20
GB = 1e9
H100_GB = 80.0
COLOURS = {
    "naive": PALETTE[5],
    "tiled": PALETTE[0],
    "rnn": PALETTE[2],
    "sdpa_flash": PALETTE[0],
    "sdpa_mem_efficient": PALETTE[2],
    "sdpa_cudnn": PALETTE[3],
    "model": "#8c8c8c",
    "limit": PALETTE[1],
}
NAMES = {
    "naive": "naive (whole n × n matrix)",
    "tiled": "tiled (online softmax)",
    "rnn": "RNN (n steps in a row)",
    "sdpa_flash": "FlashAttention-2",
    "sdpa_mem_efficient": "memory-efficient",
    "sdpa_cudnn": "cuDNN",
}
# method, n, d, heads, status ("ok" or why not), note, times in ms, peak and estimate in MiB, GFLOP/s
MEASUREMENT_COLUMNS = ["method", "n", "d", "heads", "status", "note", "calls", "median_ms", "fastest_ms",
                       "slowest_ms", "peak_mib", "estimate_mib", "gflops"]
TITLE_WIDTH = 34  # characters per title line: a phone's section (about 324 px) shows this many
MAX_N_TICKS = 6  # more powers of two than this on an n axis: label every other one


def base_layout(fig: go.Figure, *, title: str, height: int) -> go.Figure:
    """:func:`figures.style.base_layout` with the title broken into lines a phone shows whole (plotly cuts a
    long title off); the plot moves down by a line for each extra line."""
    title = wrap(title.replace(" = ", "\0=\0"), TITLE_WIDTH).replace("\0", " ")  # never "m =" | "2.0"
    _base_layout(fig, title=title, height=height + 22 * title.count("<br>"))
    return fig.update_layout(margin_t=60 + 22 * title.count("<br>"),
                             title=dict(yref="container", y=1, yanchor="top", pad_t=10))


def _values(fig: go.Figure, axis: str) -> np.ndarray:
    """Every finite positive x or y value of the figure's traces (what a log axis has to show)."""
    parts = [np.asarray(getattr(t, axis), float) for t in fig.data if getattr(t, axis, None) is not None]
    v = np.concatenate(parts) if parts else np.array([])
    return v[np.isfinite(v) & (v > 0)]


def _n_ticks(values: np.ndarray) -> dict:
    """Tick labels of an n axis: its powers of two, written out in full (every other one if many)."""
    nearest = 2.0 ** np.round(np.log2(values)) if values.size else values
    if values.size == 0 or not np.allclose(nearest, values):
        return dict(dtick=1)  # not all powers of two: one tick per decade
    powers = np.unique(nearest.astype(int))
    if len(powers) > MAX_N_TICKS:
        powers = powers[::2] if len(powers) % 2 else powers[1::2]  # keep the largest n labelled
    return dict(tickmode="array", tickvals=powers.tolist(), ticktext=[f"{int(p):,}" for p in powers])


def _decade_ticks(values: np.ndarray) -> dict:
    """Ticks of a log value axis: powers of ten only (or 1-2-5 within a short range), no crowded minor labels;
    large counts as powers of ten (10⁹, not "1B", which reads like bytes)."""
    ticks = dict(exponentformat="power") if values.size and values.max() >= 1e5 else {}
    if values.size and np.log10(values.max() / values.min()) < 1.5:  # 1, 2, 5 of each decade, written in full:
        low, high = np.floor(np.log10(values.min() / 2)), np.ceil(np.log10(values.max() * 2))  # plotly's own "D2"
        marks = [m * 10.0**e for e in np.arange(low, high + 1) for m in (1, 2, 5)]  # labels are 9 px on a phone
        marks = [v for v in marks if values.min() / 2.5 <= v <= values.max() * 2.5]
        return dict(ticks, tickmode="array", tickvals=marks, ticktext=[f"{v:g}" for v in marks])
    return dict(ticks, dtick=1)


def _loglog(fig: go.Figure, x_title: str, y_title: str) -> go.Figure:
    """Log-log axes with tidy ticks (call after the traces are added) and the legend below."""
    fig.update_xaxes(type="log", title=x_title, **_n_ticks(_values(fig, "x")))
    fig.update_yaxes(type="log", title=y_title, **_decade_ticks(_values(fig, "y")))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig


def _limit_line(fig: go.Figure, x: np.ndarray, y: float, name: str) -> None:
    """A horizontal limit drawn as a legend entry (shape annotations misplace on log axes)."""
    fig.add_trace(go.Scatter(x=[float(np.min(x)), float(np.max(x))], y=[y, y], mode="lines", name=name,
                             line=dict(color=COLOURS["limit"], dash="dash"), hoverinfo="name"))


def _slope(value: float) -> str:
    return f"slope {value:.2f}" if np.isfinite(value) else "slope —"


def _ok(table: pd.DataFrame, method: str) -> pd.DataFrame:
    rows = table[(table["method"] == method) & (table["status"] == "ok")]
    return rows.sort_values("n")


def theory_figures(ns: Sequence[int], d: int, heads: int, naive_bytes: Sequence[float],
                   tiled_bytes: Sequence[float], budget_bytes: float) -> tuple[go.Figure, go.Figure]:
    """The cost model before any measurement: (FLOPs vs n, memory vs n), log-log.

    ``naive_bytes`` and ``tiled_bytes`` are each method's memory per call at each n, from the
    cost model (:func:`attention.measure.call_bytes`).
    """
    n = np.asarray(ns, float)
    flops = go.Figure(go.Scatter(
        x=n, y=4 * n**2 * d * heads, mode="lines+markers", name="naive and tiled: 4·n²·d·H",
        line=dict(color=COLOURS["model"]), hovertemplate="n = %{x:,}: %{y:.3s} FLOPs<extra></extra>"))
    flops.add_trace(go.Scatter(x=n, y=4 * n * d * d, mode="lines", name="RNN: 4·n·d² (n steps in a row)",
                               line=dict(color=COLOURS["rnn"], dash="dot"),
                               hovertemplate="n = %{x:,}: %{y:.3s} FLOPs<extra>RNN</extra>"))
    _loglog(flops, "sequence length n", "floating-point operations")
    base_layout(flops, title=f"Compute: doubling n quadruples it (d = {d}, H = {heads})", height=400)

    memory = go.Figure(go.Scatter(
        x=n, y=np.asarray(naive_bytes, float) / MIB, mode="lines+markers", name="naive: the H × n × n weights",
        line=dict(color=COLOURS["naive"]), hovertemplate="n = %{x:,}: %{y:,.3g} MiB<extra>naive</extra>"))
    memory.add_trace(go.Scatter(
        x=n, y=np.asarray(tiled_bytes, float) / MIB, mode="lines+markers", name="tiled: a fixed tile + the n × d output",
        line=dict(color=COLOURS["tiled"]), hovertemplate="n = %{x:,}: %{y:,.3g} MiB<extra>tiled</extra>"))
    _limit_line(memory, n, budget_bytes / MIB, f"this server's budget per measurement: {budget_bytes / MIB:,.0f} MiB")
    _loglog(memory, "sequence length n", "extra memory (MiB, float32)")
    base_layout(memory, title="Memory: n² for naive, about n for tiled", height=400)
    return flops, memory


def runtime_figure(table: pd.DataFrame, slopes: dict[str, float]) -> go.Figure:
    """Measured median runtime vs n, log-log, fastest-slowest bars, the O(n²·d) model through naive."""
    fig = go.Figure()
    for method in ("naive", "tiled"):
        rows = _ok(table, method)
        if rows.empty:
            continue
        med = rows["median_ms"].to_numpy()
        fig.add_trace(go.Scatter(
            x=rows["n"], y=med, mode="lines+markers", name=f"{NAMES[method]}: {_slope(slopes.get(method, np.nan))}",
            line=dict(color=COLOURS[method]),
            error_y=dict(type="data", symmetric=False, array=rows["slowest_ms"].to_numpy() - med,
                         arrayminus=med - rows["fastest_ms"].to_numpy(), thickness=1),
            hovertemplate="n = %{x:,}: %{y:.3g} ms (median)<extra>" + method + "</extra>"))
    naive = _ok(table, "naive")
    if not naive.empty:
        n = naive["n"].to_numpy(float)
        anchor = naive["median_ms"].to_numpy()[-1] / n[-1] ** 2  # through the largest measured point
        fig.add_trace(go.Scatter(x=n, y=anchor * n**2, mode="lines", name="model: time ∝ n²·d (slope 2)",
                                 line=dict(color=COLOURS["model"], dash="dash"), hoverinfo="skip"))
    _loglog(fig, "sequence length n", "milliseconds per call (median)")
    return base_layout(fig, title="Runtime against n (log-log)", height=430)


def memory_figure(table: pd.DataFrame, slopes: dict[str, float], model_n: Sequence[int],
                  naive_model_bytes: Sequence[float], tiled_model_bytes: Sequence[float]) -> go.Figure:
    """Measured peak memory vs n, log-log, the cost model of each method, and sizes refused by the budget."""
    fig = go.Figure()
    for method in ("naive", "tiled"):
        rows = _ok(table, method)
        if not rows.empty:
            fig.add_trace(go.Scatter(
                x=rows["n"], y=rows["peak_mib"], mode="lines+markers",
                name=f"{NAMES[method]}: {_slope(slopes.get(method, np.nan))}", line=dict(color=COLOURS[method]),
                hovertemplate="n = %{x:,}: %{y:,.3g} MiB (peak)<extra>" + method + "</extra>"))
    n = np.asarray(model_n, float)
    if n.size:
        for method, model, label in (("naive", naive_model_bytes, "model: the n × n weights (slope 2)"),
                                     ("tiled", tiled_model_bytes, "model: a fixed tile + the n × d output")):
            fig.add_trace(go.Scatter(x=n, y=np.asarray(model, float) / MIB, mode="lines", name=label,
                                     line=dict(color=COLOURS[method], dash="dash", width=1), opacity=0.7,
                                     hovertemplate="n = %{x:,}: model %{y:,.3g} MiB<extra></extra>"))
    refused = table[(table["status"] == "over memory budget") & table["method"].isin(["naive", "tiled"])]
    if not refused.empty:
        fig.add_trace(go.Scatter(
            x=refused["n"], y=refused["estimate_mib"], mode="markers", name="refused: estimated need over the budget",
            marker=dict(symbol="x-open", size=12, color=COLOURS["limit"]),
            hovertemplate="n = %{x:,}: would need ≈ %{y:,.0f} MiB, not run<extra></extra>"))
    _loglog(fig, "sequence length n", "peak extra memory (MiB)")
    return base_layout(fig, title="Peak memory against n (log-log, tracemalloc)", height=430)


def d_figure(table: pd.DataFrame, fit: tuple[float, float]) -> go.Figure:
    """Runtime against head dimension d at one n, linear axes, with the straight-line fit."""
    rows = table[table["status"] == "ok"].sort_values("d")
    fig = go.Figure(go.Scatter(
        x=rows["d"], y=rows["median_ms"], mode="lines+markers", name="naive attention, measured",
        line=dict(color=COLOURS["naive"]), hovertemplate="d = %{x}: %{y:.3g} ms<extra></extra>"))
    slope, intercept = fit
    if np.isfinite(slope) and not rows.empty:
        d = np.array([0, rows["d"].max()], float)
        fig.add_trace(go.Scatter(x=d, y=intercept + slope * d, mode="lines",
                                 name=f"straight line: {intercept:.3g} ms + {slope:.3g} ms per unit of d",
                                 line=dict(color=COLOURS["model"], dash="dash"), hoverinfo="skip"))
    n = int(rows["n"].iloc[0]) if not rows.empty else 0
    fig.update_xaxes(title="head dimension d", rangemode="tozero")
    fig.update_yaxes(title="milliseconds per call", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return base_layout(fig, title=f"Runtime against d at n = {n:,} (linear axes)", height=400)


def gflops_figure(table: pd.DataFrame, matmul_gflops: float) -> go.Figure:
    """Achieved GFLOP/s of naive and tiled attention against this machine's plain matmul rate."""
    fig = go.Figure()
    for method in ("naive", "tiled"):
        rows = _ok(table, method)
        fig.add_trace(go.Scatter(
            x=rows["n"], y=rows["gflops"], mode="lines+markers", name=NAMES[method], line=dict(color=COLOURS[method]),
            hovertemplate="n = %{x:,}: %{y:.3g} GFLOP/s<extra>" + method + "</extra>"))
    n = _ok(table, "naive")["n"].tolist() + _ok(table, "tiled")["n"].tolist()
    if n and np.isfinite(matmul_gflops):  # a legend entry, not an annotation that could sit on the curves
        fig.add_trace(go.Scatter(x=[min(n), max(n)], y=[matmul_gflops] * 2, mode="lines",
                                 name=f"a plain matrix product: {matmul_gflops:.0f} GFLOP/s",
                                 line=dict(color=COLOURS["model"], dash="dash"), hoverinfo="name"))
    fig.update_xaxes(type="log", title="sequence length n", **_n_ticks(_values(fig, "x")))
    fig.update_yaxes(title="GFLOP/s (4·n²·d·H / time)", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return base_layout(fig, title="Speed reached vs a plain matrix product", height=400)


def rnn_time_figure(table: pd.DataFrame) -> go.Figure:
    """Measured time of attention (naive, tiled) and of the RNN over the same n, log-log."""
    fig = go.Figure()
    for method in ("naive", "tiled", "rnn"):
        rows = _ok(table, method)
        fig.add_trace(go.Scatter(
            x=rows["n"], y=rows["median_ms"], mode="lines+markers", name=NAMES[method],
            line=dict(color=COLOURS[method], dash="dot" if method == "rnn" else "solid"),
            hovertemplate="n = %{x:,}: %{y:.3g} ms<extra>" + method + "</extra>"))
    _loglog(fig, "sequence length n", "milliseconds per call (median)")
    return base_layout(fig, title="Measured here: attention vs an RNN", height=400)


def steps_figure(ns: Sequence[int]) -> go.Figure:
    """Steps that must run one after another: n for an RNN, 1 for attention (log-log)."""
    n = np.asarray(ns, float)
    fig = go.Figure(go.Scatter(x=n, y=n, mode="lines+markers", name="RNN: step t needs step t − 1",
                               line=dict(color=COLOURS["rnn"], dash="dot"),
                               hovertemplate="n = %{x:,}: %{y:,} steps in a row<extra>RNN</extra>"))
    fig.add_trace(go.Scatter(x=n, y=np.ones_like(n), mode="lines+markers", name="attention: all pairs at once",
                             line=dict(color=COLOURS["naive"]),
                             hovertemplate="n = %{x:,}: 1 step<extra>attention</extra>"))
    _loglog(fig, "sequence length n", "sequential steps")
    return base_layout(fig, title="Steps that cannot run in parallel", height=400)


def _failure_marks(fig: go.Figure, failed: list[tuple[str, int, str]]) -> None:
    """Each kernel's first failure as a dotted vertical line at its n, spanning the chart's measured
    values and named in the legend: a place on the n axis, no invented measurement (and no label
    that could cover the data)."""
    y = _values(fig, "y")
    for name, n, colour in failed:
        fig.add_trace(go.Scatter(
            x=[n, n], y=[float(y.min()), float(y.max())], mode="lines", name=f"✗ {name}: out of memory at n = {n:,}",
            line=dict(color=colour, dash="dot", width=2),
            hovertemplate=f"n = {n:,}: {name} ran out of memory; nothing measured<extra></extra>"))


def gpu_figures(data: pd.DataFrame, causal: bool) -> tuple[go.Figure, go.Figure]:
    """H100 reference: (time vs n, memory vs n) per kernel, log-log; only what was measured is drawn.

    A kernel that ran out of memory gets a dotted vertical line at the first n where it failed;
    sizes not tried after that (``skipped_after_oom``) are not drawn at all.
    """
    data = data[data["causal"] == causal]
    kind = "causal" if causal else "non-causal"
    time_fig, mem_fig = go.Figure(), go.Figure()
    failed = []
    for variant, group in data.groupby("variant", sort=False):
        group = group.sort_values("n")
        ok = group[group["status"] == "ok"]
        colour, name = COLOURS.get(variant, PALETTE[4]), NAMES.get(variant, variant)
        time_fig.add_trace(go.Scatter(
            x=ok["n"], y=ok["median_s"] * 1e3, mode="lines+markers", name=name, line=dict(color=colour),
            hovertemplate="n = %{x:,}: %{y:.3g} ms<extra>" + name + "</extra>"))
        mem_fig.add_trace(go.Scatter(
            x=ok["n"], y=ok["peak_extra_bytes"] / GB, mode="lines+markers", name=name, line=dict(color=colour),
            hovertemplate="n = %{x:,}: %{y:.3g} GB<extra>" + name + "</extra>"))
        oom = group[group["status"] == "out_of_memory"]
        if len(oom):
            failed.append((name, int(oom["n"].min()), colour))
    _limit_line(mem_fig, data[data["status"] == "ok"]["n"].to_numpy(float), H100_GB,
                "80 GB: the memory the card is named for (H100 80GB)")
    for fig in (time_fig, mem_fig):
        _failure_marks(fig, failed)
    _loglog(time_fig, "sequence length n", "milliseconds per call")
    _loglog(mem_fig, "sequence length n", "peak extra GPU memory (GB)")
    base_layout(time_fig, title=f"H100 time ({kind}), 16 heads, d = 64", height=440)
    base_layout(mem_fig, title=f"H100 memory ({kind}): naive hits the wall", height=440)
    return time_fig, mem_fig


def online_softmax_figure(scores: Sequence[float], block: int, blocks_read: int, row_max: float,
                          row_sum: float) -> go.Figure:
    """One query's scores over the keys: the block just read, the blocks read before, the keys not read
    yet (one legend entry each), and the running max drawn across.

    The running max is a legend entry (not an annotation, which would sit on the tallest bar's label),
    dotted lines separate the blocks, and the y range leaves room for the value labels.
    """
    s = np.asarray(scores, float)
    seen = min(len(s), blocks_read * block)
    fig = go.Figure()
    for name, keys, colour in (("just read", range(max(0, seen - block), seen), PALETTE[1]),
                               ("read before", range(0, max(0, seen - block)), COLOURS["tiled"]),
                               ("not read yet", range(seen, len(s)), "#c8c8c8")):
        keys = list(keys)
        fig.add_trace(go.Bar(
            x=keys, y=s[keys], marker_color=colour, name=f"score q·kⱼ/√d, {name}",
            text=[f"{s[j]:.2f}" for j in keys] if name != "not read yet" else None, textposition="outside",
            cliponaxis=False, hovertemplate="k%{x}: score %{y:.3f} (" + name + ")<extra></extra>"))
    fig.add_trace(go.Scatter(x=[-0.5, len(s) - 0.5], y=[row_max, row_max], mode="lines",
                             name=f"running max m = {row_max:.3f}", line=dict(color=PALETTE[3], dash="dash", width=2),
                             hoverinfo="name"))
    for edge in range(block, len(s), block):
        fig.add_vline(x=edge - 0.5, line=dict(color="#8c8c8c", dash="dot", width=1))
    pad = 0.18 * max(float(np.ptp(s)), 1.0)  # room for the labels above and below the bars
    fig.update_xaxes(title=f"keys, in blocks of {block}", tickmode="array", tickvals=list(range(len(s))),
                     ticktext=[f"k{j}" for j in range(len(s))], range=[-0.5, len(s) - 0.5])
    fig.update_yaxes(title="scaled score", range=[min(0.0, float(s.min())) - pad, max(0.0, float(s.max())) + pad])
    fig.update_layout(barmode="overlay", legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    return base_layout(fig, title=f"After block {blocks_read}: m = {row_max:.3f}, ℓ = {row_sum:.3f}", height=420)

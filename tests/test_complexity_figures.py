"""Figure builders of the Complexity page: arrays and tables in, titled plotly figures out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figures.complexity import (
    MEASUREMENT_COLUMNS,
    NAMES,
    d_figure,
    gflops_figure,
    gpu_figures,
    memory_figure,
    online_softmax_figure,
    rnn_time_figure,
    runtime_figure,
    steps_figure,
    theory_figures,
)
from ui.complexity_results import gpu_reference


def measurements() -> pd.DataFrame:
    """A synthetic results table: naive ∝ n² in time and memory, tiled ∝ n² in time and ∝ n in memory."""
    rows = []
    for n in (256, 512, 1024, 2048):
        for method, ms, mib in (("naive", 1e-6 * n**2, 4 * n**2 / 2**20), ("tiled", 1.2e-6 * n**2, 2 + n / 1024),
                                ("rnn", 0.01 * n, 0.001 * n)):
            rows.append([method, n, 64, 1, "ok", "", 7, ms, 0.9 * ms, 1.2 * ms, mib, 2 * mib,
                         4 * n * n * 64 / ms / 1e6])
    rows.append(["naive", 16384, 64, 1, "over memory budget", "would need about 1,305 MiB", 0, np.nan, np.nan, np.nan,
                 np.nan, 1305.0, np.nan])
    return pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS)


def traces(fig, name_part: str):
    return [t for t in fig.data if name_part in (t.name or "")]


def assert_titled_and_fluid(fig):
    assert fig.layout.title.text and fig.layout.width is None
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_theory_figures_are_log_log_with_the_budget():
    ns = [64, 128, 256]
    flops, memory = theory_figures(ns, 64, 2, [1e3, 4e3, 16e3], [2e3, 3e3, 4e3], 512 * 2**20)
    for fig in (flops, memory):
        assert_titled_and_fluid(fig)
        assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(flops.data[0].y, 4 * np.array(ns, float) ** 2 * 64 * 2)
    budget = traces(memory, "budget")[0]
    assert list(budget.y) == [512, 512] and "512 MiB" in budget.name


def test_runtime_and_memory_figures_show_slopes_models_and_refusals():
    table = measurements()
    runtime = runtime_figure(table, {"naive": 2.0, "tiled": 1.98})
    ns = [256, 512, 1024, 2048]
    memory = memory_figure(table, {"naive": 2.0, "tiled": float("nan")}, ns, [4 * n * n for n in ns],
                           [1e5 + 256 * n for n in ns])
    assert_titled_and_fluid(runtime)
    assert_titled_and_fluid(memory)
    assert traces(runtime, "slope 2.00") and traces(runtime, "slope 1.98") and traces(memory, "slope —")
    np.testing.assert_allclose(traces(memory, "model: a fixed tile")[0].y, (1e5 + 256 * np.array(ns)) / 2**20)
    model = traces(runtime, "model")[0]
    assert model.y[-1] == pytest.approx(1e-6 * 2048**2)  # anchored at the largest naive point
    naive = traces(runtime, "naive")[0]
    np.testing.assert_allclose(naive.error_y.array, 0.2 * np.asarray(naive.y))
    refused = traces(memory, "refused")[0]
    assert list(refused.x) == [16384] and list(refused.y) == [1305.0]
    assert not traces(runtime, "rnn")  # the RNN has its own chart


def test_d_gflops_rnn_and_steps_figures():
    table = measurements()
    d_table = pd.DataFrame({"method": "naive", "n": 1024, "d": [16, 32, 64], "status": "ok",
                            "median_ms": [3.0, 5.0, 9.0]})
    fig = d_figure(d_table, (0.125, 1.0))
    assert_titled_and_fluid(fig)
    assert "n = 1,024" in fig.layout.title.text and list(traces(fig, "straight line")[0].y) == [1.0, 9.0]
    fig = gflops_figure(table, 55.0)
    assert_titled_and_fluid(fig)
    assert list(traces(fig, "a plain matrix product: 55 GFLOP/s")[0].y) == [55.0, 55.0]
    assert not fig.layout.annotations  # a legend entry, not a label that can sit on the curves
    fig = rnn_time_figure(table)
    assert {t.name for t in fig.data} >= {"RNN (n steps in a row)", "naive (whole n × n matrix)"}
    fig = steps_figure([64, 128])
    assert list(fig.data[0].y) == [64, 128] and list(fig.data[1].y) == [1, 1]


@pytest.mark.parametrize("causal, oom_at, never_tried", [(False, 65536, [131072]), (True, 32768, [65536, 131072])])
def test_gpu_figures_draw_only_what_was_measured(causal, oom_at, never_tried):
    data = gpu_reference()
    time_fig, mem_fig = gpu_figures(data, causal)
    assert_titled_and_fluid(time_fig)
    assert_titled_and_fluid(mem_fig)
    rows = data[data["causal"] == causal]
    measured = {(v, n) for v, n in rows[rows["status"] == "ok"][["variant", "n"]].itertuples(index=False)}
    for fig in (time_fig, mem_fig):
        kernels = 0
        for trace in fig.data:  # every kernel's points are measurements: no invented y, nothing never tried
            variant = next((v for v, name in NAMES.items() if name == trace.name), None)
            if variant:
                kernels += 1
                assert {(variant, int(n)) for n in trace.x} <= measured
        assert kernels == 4
        naive = traces(fig, "naive (whole")[0]
        assert oom_at not in list(naive.x) and not set(never_tried) & set(naive.x)
        # the failure: a vertical line at the n where it happened, across the chart's own values, named in
        # the legend (no annotation that could cover the data)
        (line,) = traces(fig, "out of memory")
        assert line.name == f"✗ naive (whole n × n matrix): out of memory at n = {oom_at:,}"
        assert list(line.x) == [oom_at, oom_at] and line.line.dash == "dot"
        values = np.concatenate([np.asarray(t.y, float) for t in fig.data if t is not line])
        assert list(line.y) == [values.min(), values.max()]
        assert not fig.layout.annotations and not any(f"{n:,}" in t.name for t in fig.data for n in never_tried)
    assert list(traces(mem_fig, "80 GB")[0].y) == [80.0, 80.0]
    flash = traces(mem_fig, "FlashAttention-2")[0]
    assert flash.x[-1] == 131072 and flash.y[-1] == pytest.approx(0.2768, abs=1e-3)


def test_gpu_figures_units_follow_the_csv():
    """Seconds in the CSV become milliseconds on the time chart, bytes become GB on the memory chart."""
    data = gpu_reference()
    time_fig, mem_fig = gpu_figures(data, False)
    naive = data[(data["variant"] == "naive") & (data["status"] == "ok") & ~data["causal"]].sort_values("n")
    np.testing.assert_allclose(traces(time_fig, "naive")[0].y, naive["median_s"] * 1e3)
    np.testing.assert_allclose(traces(mem_fig, "naive")[0].y, naive["peak_extra_bytes"] / 1e9)
    assert "milliseconds" in time_fig.layout.yaxis.title.text and "(GB)" in mem_fig.layout.yaxis.title.text
    assert traces(mem_fig, "naive")[0].y[-1] == pytest.approx(68.79, abs=0.01)  # the README's 68.8 GB at n = 32,768


def log_axes(fig):
    return [ax for ax in (fig.layout.xaxis, fig.layout.yaxis) if ax.type == "log"]


def test_log_axes_have_tidy_ticks():
    """No crowded 2-3-4-5… labels between decades: n axes show powers of two, value axes decades."""
    ns = [2**p for p in range(6, 15)]
    flops, memory = theory_figures(ns, 64, 1, [4.0 * n * n for n in ns], [1e5 + 256 * n for n in ns], 2**29)
    table = measurements()
    figures = [flops, memory, runtime_figure(table, {}), rnn_time_figure(table), steps_figure(ns),
               *gpu_figures(gpu_reference(), False)]
    for fig in figures:
        x, y = fig.layout.xaxis, fig.layout.yaxis
        assert x.type == "log" and y.type == "log"
        assert x.tickmode == "array" and len(x.tickvals) <= 6 and all(v & (v - 1) == 0 for v in x.tickvals)
        assert list(x.ticktext) == [f"{v:,}" for v in x.tickvals]
        assert y.dtick == 1 or list(y.ticktext) == [f"{v:g}" for v in y.tickvals]
    assert list(flops.layout.xaxis.tickvals) == [64, 256, 1024, 4096, 16384] and flops.layout.yaxis.dtick == 1
    tiled = table[table["method"] == "tiled"]
    short = runtime_figure(tiled.assign(median_ms=[1.0, 1.2, 1.5, 2.0], fastest_ms=0.9, slowest_ms=2.1), {})
    # under 1.5 decades: 1, 2, 5 of each decade, as full-size labels (plotly's "D2" writes 2 and 5 at 9 px)
    assert list(short.layout.yaxis.ticktext) == ["0.5", "1", "2", "5"]
    assert gflops_figure(table, 50.0).layout.xaxis.tickvals[-1] == 2048


def test_online_softmax_figure_colours_what_was_read():
    scores = np.array([0.5, -1.0, 2.0, 0.1, 0.3, -0.2])
    fig = online_softmax_figure(scores, block=2, blocks_read=2, row_max=2.0, row_sum=1.5)
    assert_titled_and_fluid(fig)
    just, before, unread = (traces(fig, name)[0] for name in ("just read", "read before", "not read yet"))
    assert list(just.x) == [2, 3] and list(before.x) == [0, 1] and list(unread.x) == [4, 5]
    np.testing.assert_allclose(just.y, [2.0, 0.1])
    assert len({just.marker.color, before.marker.color, unread.marker.color}) == 3
    assert list(just.text) == ["2.00", "0.10"] and unread.text is None  # unread scores are not told yet
    assert "m = 2.000" in fig.layout.title.text and "ℓ = 1.500" in fig.layout.title.text
    assert list(fig.layout.xaxis.ticktext) == ["k0", "k1", "k2", "k3", "k4", "k5"]


def test_online_softmax_figure_labels_do_not_overlap():
    """The running max is a legend entry (an annotation sat on the tallest bar's label), the blocks are
    separated, and the y range leaves room for the labels above and below the bars."""
    scores = np.array([0.5, -1.0, 2.0, 0.1, 0.3, -0.2])
    fig = online_softmax_figure(scores, block=2, blocks_read=3, row_max=2.0, row_sum=1.5)
    assert not fig.layout.annotations
    running = traces(fig, "running max m = 2.000")[0]
    assert list(running.y) == [2.0, 2.0] and list(running.x) == [-0.5, 5.5]
    assert sorted(s.x0 for s in fig.layout.shapes) == [1.5, 3.5]
    low, high = fig.layout.yaxis.range
    assert low < -1.0 - 0.3 and high > 2.0 + 0.3 and all(t.cliponaxis is False for t in fig.data if t.type == "bar")
    assert fig.layout.barmode == "overlay"

"""Figure builders of the Complexity page: arrays and tables in, titled plotly figures out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figures.complexity import (
    MEASUREMENT_COLUMNS,
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
from ui.complexity_run import gpu_reference


def measurements() -> pd.DataFrame:
    """A synthetic results table: naive ∝ n² in time and memory, tiled ∝ n² in time and ∝ n in memory."""
    rows = []
    for n in (256, 512, 1024, 2048):
        for method, ms, mib in (("naive", 1e-6 * n**2, 4 * n**2 / 2**20), ("tiled", 1.2e-6 * n**2, 2 + n / 1024),
                                ("rnn", 0.01 * n, 0.001 * n)):
            rows.append([method, n, 64, 1, "ok", "", ms, 0.9 * ms, 1.2 * ms, mib, 2 * mib, 4 * n * n * 64 / ms / 1e6])
    rows.append(["naive", 16384, 64, 1, "over memory budget", "would need about 1,305 MiB", np.nan, np.nan, np.nan,
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
    assert fig.layout.shapes[0].y0 == 55.0
    fig = rnn_time_figure(table)
    assert {t.name for t in fig.data} >= {"RNN (n steps in a row)", "naive (whole n × n matrix)"}
    fig = steps_figure([64, 128])
    assert list(fig.data[0].y) == [64, 128] and list(fig.data[1].y) == [1, 1]


@pytest.mark.parametrize("causal, oom_at", [(False, [65536, 131072]), (True, [32768, 65536, 131072])])
def test_gpu_figures_mark_out_of_memory(causal, oom_at):
    time_fig, mem_fig = gpu_figures(gpu_reference(), causal)
    assert_titled_and_fluid(time_fig)
    assert_titled_and_fluid(mem_fig)
    oom = traces(mem_fig, "out of memory")[0]
    assert list(oom.x) == oom_at
    assert list(oom.y) == [80.0] * len(oom_at) and set(oom.text) <= {"out of memory", "not tried"}
    assert list(traces(mem_fig, "80 GB")[0].y) == [80.0, 80.0]
    flash = traces(mem_fig, "FlashAttention-2")[0]
    assert flash.x[-1] == 131072 and flash.y[-1] == pytest.approx(0.2768, abs=1e-3)


def test_online_softmax_figure_colours_what_was_read():
    scores = np.array([0.5, -1.0, 2.0, 0.1, 0.3, -0.2])
    fig = online_softmax_figure(scores, block=2, blocks_read=2, row_max=2.0, row_sum=1.5)
    assert_titled_and_fluid(fig)
    colours = list(fig.data[0].marker.color)
    assert colours[2] == colours[3] != colours[0]  # the block just read stands out
    assert colours[4] == colours[5] != colours[0]  # not read yet
    assert list(fig.data[0].text)[4:] == ["", ""]
    assert "m = 2.000" in fig.layout.title.text and "ℓ = 1.500" in fig.layout.title.text

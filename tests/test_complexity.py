"""Complexity page: tiled attention vs naive, measurement helpers, figures, the page under AppTest."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import attention as A
from attention.measure import (
    attention_flops,
    estimate_peak_bytes,
    fit_slope,
    matmul_gflops,
    peak_memory,
    score_matrix_bytes,
    sweep,
    time_call,
)
from attention.rnn import init_rnn, rnn_forward
from attention.tiled import tiled_attention
from figures.complexity import gpu_figure, measured_figure, theory_figure
from ui.complexity_run import gpu_reference, memory_budget_bytes, time_budget_s

from .conftest import app_page, chart_specs

PAGE = "pages/4_📈_Complexity.py"


@pytest.mark.parametrize("n", [1, 2, 5, 64, 100, 257])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block", [1, 7, 64])
def test_tiled_equals_naive(n, causal, block):
    rng = np.random.default_rng(n + block)
    q, k, v = (rng.standard_normal((2, n, 16)).astype(np.float32) for _ in range(3))
    mask = A.causal_mask(n) if causal else None
    expected, _ = A.scaled_dot_product_attention(q, k, v, mask)
    out = tiled_attention(q, k, v, causal=causal, block_q=block, block_k=block)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_tiled_rectangular_causal_scale_and_trace():
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((5, 8)), rng.standard_normal((9, 8)), rng.standard_normal((9, 3))
    expected, _ = A.scaled_dot_product_attention(q, k, v, A.causal_mask(5, 9), scale=0.3)
    np.testing.assert_allclose(tiled_attention(q, k, v, causal=True, scale=0.3, block_q=2, block_k=4), expected,
                               atol=1e-12)
    trace: list = []
    tiled_attention(q[:1], k, v, block_q=1, block_k=3, trace=trace)
    scores = A.attention_scores(q[:1], k)[0]
    assert len(trace) == 3
    assert trace[-1]["row_max"][0, 0] == pytest.approx(scores.max())
    assert trace[-1]["row_sum"][0, 0] == pytest.approx(np.exp(scores - scores.max()).sum())
    assert trace[0]["row_max"][0, 0] == pytest.approx(scores[:3].max())


def test_measurement_helpers_are_sane():
    timing = time_call(lambda: sum(range(1000)), repeats=5)
    assert 0 < timing.low <= timing.median <= timing.high and len(timing.runs) == 5
    assert peak_memory(lambda: np.ones(1_000_000)) >= 8_000_000
    assert attention_flops(1024, 64, 2) == 4 * 1024**2 * 64 * 2
    assert score_matrix_bytes(1024, 2) == 2 * 1024 * 1024 * 4
    assert fit_slope([1, 2, 4, 8], [3, 12, 48, 192]) == pytest.approx(2)
    assert math.isnan(fit_slope([1], [1]))
    assert matmul_gflops(128, repeats=2) > 0.1
    hs = rnn_forward(np.ones((6, 4), np.float32), init_rnn(4, rng=np.random.default_rng(0)))
    assert hs.shape == (6, 4) and np.all(np.abs(hs) < 1)


def test_tiled_peak_is_far_below_naive():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2048, 32)).astype(np.float32) for _ in range(3))
    naive = peak_memory(lambda: A.scaled_dot_product_attention(q, k, v))
    tiled = peak_memory(lambda: tiled_attention(q, k, v, block_q=256, block_k=256))
    assert naive >= 2048 * 2048 * 4  # the 16 MiB weight matrix
    assert tiled < naive / 5


def test_sweep_refuses_oversized_runs_and_bounds_time():
    rows = sweep([64, 16384], 64, 8, ("naive", "tiled"), rng=np.random.default_rng(0), budget_bytes=64 * 2**20,
                 time_budget_s=5, repeats=1)
    by = {(r.method, r.n): r for r in rows}
    assert by[("naive", 64)].status == "ok"
    assert by[("naive", 16384)].status.startswith("skipped: needs ~") and "MB" in by[("naive", 16384)].status
    assert estimate_peak_bytes("naive", 16384, 64, 8) > 64 * 2**20
    rows = sweep([64, 128], 16, 1, rng=np.random.default_rng(0), budget_bytes=2**30, time_budget_s=0.0)
    assert all(r.status.startswith("not measured") for r in rows)


def test_budgets_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", "64")
    monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", "nan")
    assert memory_budget_bytes() == 64 * 2**20 and time_budget_s() == 10.0
    monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", "lots")
    assert memory_budget_bytes() == 512 * 2**20


def test_figures():
    fig = theory_figure([64, 128, 256], 64, 2, 512)
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 3
    data = gpu_reference()
    assert set(data["variant"]) == {"naive", "sdpa_flash", "sdpa_mem_efficient", "sdpa_cudnn"}
    gpu = gpu_figure(data, causal=False)
    oom = [t for t in gpu.data if t.name == "out of memory"]
    assert oom and list(oom[0].x) == [65536, 131072]
    rows = sweep([64, 128], 16, 1, rng=np.random.default_rng(0), budget_bytes=2**30, time_budget_s=10, repeats=1)
    measured = measured_figure(rows, {"naive_time": 2.0})
    assert any("slope 2.00" in (t.name or "") for t in measured.data)


def test_page_first_load_shows_charts_before_any_run():
    at = app_page(PAGE).run()
    assert not at.exception
    titles = [s["layout"]["title"]["text"] for s in chart_specs(at)]
    assert any("theory" in t for t in titles) and any("H100" in t for t in titles)


def test_page_small_run_fills_the_table():
    at = app_page(PAGE, {"n_min": "64", "n_max": "256", "d": "16"}).run()
    at.button[0].click().run(timeout=120)
    assert not at.exception
    table = next(df.value for df in at.dataframe if "median ms" in df.value.columns)
    assert isinstance(table, pd.DataFrame)
    assert set(table["method"]) == {"naive", "tiled", "rnn"} and set(table["n"]) == {64, 128, 256}
    assert (table["status"] == "ok").all()
    assert any("Measured on this server" in s["layout"]["title"]["text"] for s in chart_specs(at))


def test_page_oversized_request_is_refused_with_a_message():
    at = app_page(PAGE, {"n_min": "8192", "n_max": "16384", "heads": "8"}).run()
    assert not at.exception
    assert any("would need at least" in w.value for w in at.warning)


def test_page_clamps_and_snaps_url_values():
    at = app_page(PAGE, {"n_min": "3", "n_max": "999999", "d": "100", "heads": "99", "step": "-4"}).run()
    assert not at.exception
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert (params["n_min"], params["n_max"]) == ("64", "16384") and params["d"] == "128" and params["heads"] == "8" and params["step"] == "1"

"""Measurement helpers: timing, peak memory, cost model, fits, the guarded run, the RNN, the budgets."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pandas as pd
import pytest

import attention.measure as measure_module
from attention.measure import (
    GPU_REFERENCE_CSV,
    Job,
    Result,
    Timing,
    attention_flops,
    call_bytes,
    estimate_peak_bytes,
    fit_line,
    fit_slope,
    matmul_gflops,
    peak_memory,
    rnn_flops,
    run_jobs,
    score_matrix_bytes,
    time_call,
)
from attention.rnn import init_rnn, rnn_forward
from ui.complexity_run import (
    Settings,
    measure,
    memory_budget_bytes,
    plan,
    refused_sizes,
    results_table,
    time_budget_s,
    timings_were_noisy,
    unsteady_jobs,
)

LOOSE = 5.0  # seconds: an upper bound only a broken helper (or a stalled machine) could exceed


def test_time_call_reports_median_and_spread():
    calls = []
    timing = time_call(lambda: calls.append(sum(range(2000))), repeats=5, warmup=2)
    assert len(calls) == 7 and len(timing.runs) == 5
    assert 0 < timing.low <= timing.median <= timing.high
    assert timing.median == pytest.approx(float(np.median(timing.runs)))
    assert timing.spread >= 0


def test_time_call_measures_a_known_sleep_in_seconds():
    timing = time_call(lambda: time.sleep(0.05), repeats=3, warmup=0)
    assert len(timing.runs) == 3
    assert 0.05 <= timing.low <= timing.median <= timing.high < 0.05 + LOOSE  # seconds, not ms or ns
    assert all(r >= 0.05 for r in timing.runs)


def test_time_call_stops_repeating_when_out_of_time():
    timing = time_call(lambda: sum(range(10_000)), repeats=1000, warmup=0, max_seconds=0.0)
    assert len(timing.runs) == 1


def test_peak_memory_sees_numpy_allocations():
    assert peak_memory(lambda: np.ones(1_000_000)) >= 8_000_000
    assert peak_memory(lambda: None) < 100_000


def test_cost_model():
    assert attention_flops(1024, 64, 2) == 4 * 1024**2 * 64 * 2
    assert attention_flops(1024, 64, causal=True) == 2 * 1024**2 * 64
    assert rnn_flops(100, 8) == 4 * 100 * 64
    assert score_matrix_bytes(1024, 2) == 2 * 1024 * 1024 * 4
    assert call_bytes("naive", 4096, 64) > score_matrix_bytes(4096)
    # tiled memory is linear in n once n exceeds the tile: doubling n roughly doubles it, never quadruples
    assert call_bytes("tiled", 16384, 64) < 2.1 * call_bytes("tiled", 8192, 64)
    with pytest.raises(ValueError, match="unknown method"):
        estimate_peak_bytes("magic", 10, 10)


@pytest.mark.parametrize("method, n", [("naive", 512), ("tiled", 512), ("tiled", 2048), ("rnn", 1000)])
def test_estimate_covers_the_measured_peak(method, n):
    result = run_jobs([Job(method, n, 32, 2)], rng=np.random.default_rng(0), memory_budget=2**30,
                      time_budget=30, repeats=1)[0]
    assert result.ok
    inputs = 3 * 2 * n * 32 * 4 if method != "rnn" else n * 32 * 4
    assert result.peak_bytes + inputs <= result.estimate_bytes


def test_fits():
    assert fit_slope([1, 2, 4, 8], [3, 12, 48, 192]) == pytest.approx(2)
    assert fit_slope([10, 100], [5, 50]) == pytest.approx(1)
    assert math.isnan(fit_slope([1], [1])) and math.isnan(fit_slope([2, 2], [1, 3]))
    assert fit_line([0, 1, 2], [1, 3, 5]) == pytest.approx((2, 1))
    assert math.isnan(fit_line([1], [1])[0])


def test_matmul_rate_is_flops_over_seconds(monkeypatch):
    monkeypatch.setattr(measure_module, "time_call", lambda fn, **kw: Timing(0.5, 0.4, 0.6, (0.4, 0.5, 0.6)))
    assert matmul_gflops(128, repeats=2) == pytest.approx(2 * 128**3 / 0.5 / 1e9)


def test_run_refuses_oversized_jobs_with_what_they_need():
    jobs = [Job("naive", 64, 16), Job("naive", 16384, 64, 8), Job("tiled", 16384, 64, 8)]
    results = run_jobs(jobs, rng=np.random.default_rng(0), memory_budget=64 * 2**20, time_budget=30, repeats=1)
    small, big_naive, big_tiled = results
    assert small.ok and small.timing.median > 0 and small.peak_bytes > 0 and small.gflops > 0
    assert big_naive.status == "over memory budget" and big_naive.timing is None
    assert re.fullmatch(r"would need about 10,\d{3} MiB; the budget is 64 MiB", big_naive.note)  # 8 GiB of weights
    assert big_tiled.status == "over memory budget"  # inputs alone: 3 x 8 x 16384 x 64 floats = 96 MiB


def test_run_stops_at_the_time_budget_and_says_so():
    jobs = [Job("naive", 64, 16), Job("tiled", 64, 16)]
    results = run_jobs(jobs, rng=np.random.default_rng(0), memory_budget=2**30, time_budget=0.0)
    assert [r.status for r in results] == ["out of time", "out of time"]
    assert "of the 0 s budget left" in results[0].note
    # a job predicted to overrun what is left is skipped, not started
    jobs = [Job("naive", 256, 64), Job("naive", 16384, 64)]
    results = run_jobs(jobs, rng=np.random.default_rng(0), memory_budget=2**31, time_budget=0.5, repeats=1)
    assert results[0].ok and results[1].status == "out of time" and "needed" in results[1].note


def test_progress_is_reported():
    seen = []
    run_jobs([Job("rnn", 32, 8), Job("naive", 32, 8)], rng=np.random.default_rng(0), memory_budget=2**30,
             time_budget=10, repeats=1, progress=lambda f, text: seen.append((f, text)))
    assert [f for f, _ in seen] == [0.0, 0.5, 1.0] and "rnn, n = 32" in seen[0][1]


def test_rnn_matches_a_loop_reference():
    rng = np.random.default_rng(0)
    p = init_rnn(4, rng=rng)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    h = np.zeros(4)
    for t in range(6):  # h_t = tanh(x_t W_x + h_{t-1} W_h + b), one step at a time
        h = np.tanh(x[t].astype(float) @ p.w_x + h @ p.w_h + p.b)
        np.testing.assert_allclose(rnn_forward(x, p)[t], h, atol=1e-5)
    assert rnn_forward(x, p).dtype == np.float32


def test_plan_orders_cheapest_first_and_sweeps_d():
    jobs = plan([64, 128], 32, 2, [16, 32, 64])
    assert {(j.method, j.n, j.d) for j in jobs} >= {("naive", 64, 32), ("tiled", 128, 32), ("rnn", 128, 32),
                                                    ("naive", 128, 16), ("naive", 128, 64)}
    assert [j.n for j in jobs] == sorted(j.n for j in jobs)  # smallest first
    same_n = [j.flops for j in jobs if j.n == 128 and j.method == "naive"]
    assert same_n == sorted(same_n)
    assert len(jobs) == len(set(jobs))


def test_refused_sizes_before_running():
    refused = refused_sizes([1024, 8192, 16384], 64, 1, 512 * 2**20)
    assert [n for n, _ in refused["naive"]] == [16384] and refused["naive"][0][1] > 2**30  # the 1 GiB matrix
    assert refused["tiled"] == []


def test_run_and_table_carry_milliseconds_end_to_end(monkeypatch):
    """A job that sleeps 20 ms per call: the Result holds seconds, the table milliseconds."""
    monkeypatch.setattr(measure_module, "_call", lambda job, rng: lambda: time.sleep(0.02))
    results = run_jobs([Job("naive", 64, 16)], rng=np.random.default_rng(0), memory_budget=2**30,
                       time_budget=30, repeats=3)
    (result,) = results
    assert result.ok and 0.02 <= result.timing.median < 0.02 + LOOSE
    row = results_table(results).iloc[0]
    assert 20 <= row["fastest_ms"] <= row["median_ms"] <= row["slowest_ms"] < 20 + 1e3 * LOOSE
    assert row["median_ms"] == pytest.approx(result.timing.median * 1e3) and row["calls"] == 3
    assert row["gflops"] == pytest.approx(4 * 64 * 64 * 16 / result.timing.median / 1e9)


def test_results_table_columns():
    results = run_jobs([Job("naive", 32, 8), Job("naive", 99999, 8)], rng=np.random.default_rng(0),
                       memory_budget=2**24, time_budget=10, repeats=1)
    table = results_table(results)
    assert list(table.columns) == ["method", "n", "d", "heads", "status", "note", "calls", "median_ms", "fastest_ms",
                                   "slowest_ms", "peak_mib", "estimate_mib", "gflops"]
    assert table["status"].tolist() == ["ok", "over memory budget"] and np.isnan(table["median_ms"][1])


def test_budgets_from_the_environment(monkeypatch):
    monkeypatch.delenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", raising=False)
    monkeypatch.delenv("ATTENTION_EXPLORER_TIME_BUDGET_S", raising=False)
    assert memory_budget_bytes() == 512 * 2**20 and time_budget_s() == 10.0
    monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", "64")
    monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", "2.5")
    assert memory_budget_bytes() == 64 * 2**20 and time_budget_s() == 2.5
    for bad in ("lots", "nan", "inf", ""):
        monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", bad)
        monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", bad)
        assert memory_budget_bytes() == 512 * 2**20 and time_budget_s() == 10.0
    monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", "-5")
    assert time_budget_s() == 0.5  # clamped


def test_gpu_reference_ships_with_the_package():
    assert GPU_REFERENCE_CSV.is_file() and GPU_REFERENCE_CSV.parent.name == "data"
    assert "shared" not in GPU_REFERENCE_CSV.parts
    data = pd.read_csv(GPU_REFERENCE_CSV)
    assert set(data["variant"]) == {"naive", "sdpa_flash", "sdpa_mem_efficient", "sdpa_cudnn"}
    assert data["n"].max() == 131072


def timed(*runs_ms: float, method: str = "naive", n: int = 1024) -> Result:
    runs = tuple(r / 1e3 for r in runs_ms)
    return Result(Job(method, n, 64), "ok", timing=Timing(float(np.median(runs)), min(runs), max(runs), runs),
                  peak_bytes=2**20, estimate_bytes=2**21)


def test_noise_detector_stays_quiet_for_steady_timings_with_the_odd_hiccup():
    """A quiet server: calls within a few percent, and one slow call in some jobs (the garbage
    collector, a page fault). The old detector (slowest > 2 x fastest in over 30% of jobs) fired here."""
    steady = [timed(10.0, 10.2, 9.9, 10.1, 30.0, 10.0, 10.3, n=n) for n in (256, 512, 1024)]
    steady += [timed(4.0, 4.1, 4.05, n=n, method="tiled") for n in (256, 512, 1024)]
    steady += [timed(2.0, 2.1, 6.5, n=n, method="rnn") for n in (256, 512, 1024)]
    table = results_table(steady)
    assert unsteady_jobs(table) == (0, 9)
    assert not timings_were_noisy(table)


def test_noise_detector_fires_when_timings_really_vary():
    rng = np.random.default_rng(0)
    noisy = [timed(*rng.uniform(5, 15, size=7), n=n) for n in (256, 512, 1024, 2048)]  # half the calls 2x slower
    noisy += [timed(4.0, 4.1, 4.05, n=n, method="tiled") for n in (256, 512, 1024, 2048)]
    table = results_table(noisy)
    unsteady, judged = unsteady_jobs(table)
    assert judged == 8 and unsteady >= 3
    assert timings_were_noisy(table)
    # one unsteady job among many is not a busy server; calls under 1 ms or fewer than 3 calls are not judged
    assert not timings_were_noisy(results_table([noisy[0]] + [timed(4.0, 4.1, 4.05, n=n) for n in range(1, 9)]))
    assert unsteady_jobs(results_table([timed(0.1, 0.5, 0.9), timed(10, 30)])) == (0, 0)


def test_measure_reports_progress_and_live_news():
    seen = []
    settings = Settings((64, 128), 16, 1, (16, 32), memory_budget=2**30, time_budget=30.0)
    results = measure(settings, lambda fraction, text, news=None: seen.append((fraction, text, news)))
    fractions = [f for f, _, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    news = [n for _, _, n in seen if n]
    assert len(news) == len(results["table"]) + 1  # every measured job, plus d = 32 at n = 128
    assert re.fullmatch(r"naive at n = 64, d = 16: [\d.e+-]+ ms", news[0])
    assert results["settings"] == {"ns": [64, 128], "d": 16, "heads": 1} and results["time_budget"] == 30.0
    assert list(results["table"]["method"]) == ["naive", "tiled", "rnn"] * 2

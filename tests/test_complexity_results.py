"""What the Complexity page says about its numbers: units in the table, CSV and charts, and every sentence
that live data could contradict, computed from that data (synthetic tables pin each branch)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from attention.measure import Job, Result, Timing
from figures.complexity import memory_figure, runtime_figure
from ui.complexity_results import (
    d_text,
    gflops_text,
    gpu_reference,
    gpu_story,
    noise_text,
    rnn_verdict,
    shown_table,
    slopes_text,
)
from ui.complexity_run import results_table, slopes

from .conftest import app_page

PAGE = "pages/4_📈_Complexity.py"


def result(method: str, n: int, seconds: float, peak_mib: float, d: int = 64) -> Result:
    runs = (0.9 * seconds, seconds, 1.1 * seconds)
    return Result(Job(method, n, d), "ok", timing=Timing(seconds, runs[0], runs[2], runs),
                  peak_bytes=int(peak_mib * 2**20), estimate_bytes=int(2 * peak_mib * 2**20))


def table_of(times: dict[str, list[float]], ns=(256, 512, 1024)) -> pd.DataFrame:
    """A results table from seconds per call, per method, at each n (peak memory: naive ∝ n², tiled ∝ n)."""
    peaks = {"naive": lambda n: 4 * n * n / 2**20, "tiled": lambda n: 1 + n / 1024, "rnn": lambda n: n / 2**12}
    return results_table([result(m, n, t, peaks[m](n)) for m, ts in times.items() for n, t in zip(ns, ts)])


def test_table_csv_and_charts_carry_milliseconds_and_mib():
    """A call of 50 ms and a peak of 3 MiB read 50 and 3 everywhere a student looks."""
    results = [result("naive", 512, 0.05, 3.0), result("tiled", 512, 0.08, 1.5)]
    table = results_table(results)
    d_table = results_table([result("naive", 512, 0.05, 3.0, d=d) for d in (16, 64)])
    shown = shown_table({"table": table, "d_table": d_table})
    naive = shown[(shown["series"] == "against n") & (shown["method"] == "naive")].iloc[0]
    assert naive["median (ms)"] == pytest.approx(50) and naive["fastest (ms)"] == pytest.approx(45)
    assert naive["peak memory (MiB)"] == pytest.approx(3) and naive["timed calls"] == 3
    csv = pd.read_csv(io.StringIO(shown.to_csv(index=False)))
    assert csv.loc[0, "median (ms)"] == pytest.approx(50) and csv.loc[1, "median (ms)"] == pytest.approx(80)
    runtime = runtime_figure(table, slopes(table, "median_ms"))
    assert runtime.data[0].y[0] == pytest.approx(50) and "milliseconds" in runtime.layout.yaxis.title.text
    memory = memory_figure(table, slopes(table, "peak_mib"), [], [], [])
    assert memory.data[0].y[0] == pytest.approx(3) and "(MiB)" in memory.layout.yaxis.title.text


def test_slopes_text_reports_this_runs_slopes_and_which_method_was_faster():
    slower = table_of({"naive": [1e-3, 4e-3, 16e-3], "tiled": [1.2e-3, 4.8e-3, 19.2e-3]})
    text = slopes_text(slower, slopes(slower, "median_ms"), slopes(slower, "peak_mib"))
    assert "in this run they are 2.00 (naive) and 2.00 (tiled)" in text
    assert "naive holds the whole weight matrix (expect 2; measured 2.00)" in text
    assert "At n = 1,024, the largest size both ran, tiled took 1.20× naive's time" in text
    faster = table_of({"naive": [1e-3, 4e-3, 16e-3], "tiled": [0.5e-3, 2e-3, 8e-3]})
    text = slopes_text(faster, slopes(faster, "median_ms"), slopes(faster, "peak_mib"))
    assert "tiled took 0.50× naive's time, so it was the faster one" in text and "runs a bit slower" not in text
    one = table_of({"naive": [1e-3], "tiled": [1e-3]}, ns=(256,))
    text = slopes_text(one, slopes(one, "median_ms"), slopes(one, "peak_mib"))
    assert "not fitted (fewer than two sizes measured)" in text and "about the same time" in text


def test_d_text_follows_the_measured_line():
    straight = pd.DataFrame({"method": "naive", "n": 1024, "d": [16, 32, 64, 128], "status": "ok",
                             "median_ms": [3.0, 4.0, 6.0, 10.0]})
    text = d_text(straight, (1 / 16, 2.0))
    assert "the best straight line is 2 ms + 0.0625 ms per unit of d" in text
    assert "stray from it by at most 0%." in text and "Its value at d = 0, 2 ms" in text
    bent = straight.assign(median_ms=[1.0, 6.0, 2.0, 9.0])
    text = d_text(bent, (0.07, -0.5))
    assert "more than a straight line allows" in text and "reaches zero at d ≈ 7, not below d = 0" in text
    assert "did not grow with d at all" in d_text(bent, (-0.01, 5.0))
    assert "Too few values of d" in d_text(straight.iloc[:1], (float("nan"), float("nan")))


def test_gflops_text_compares_with_this_machines_matmul():
    table = table_of({"naive": [1e-3, 4e-3, 16e-3], "tiled": [2e-3, 8e-3, 32e-3]})
    best = table["gflops"].max()
    text = gflops_text(table, 2 * best)
    assert f"attention's best was {best:.0f} GFLOP/s (naive at n = 256), 50% of it." in text
    assert "more than the reference product" in gflops_text(table, best / 2)


def test_noise_text_counts_the_unsteady_cases():
    table = results_table([Result(Job("naive", 512, 64), "ok", timing=Timing(0.02, 0.01, 0.03, (0.01, 0.02, 0.03))),
                           result("tiled", 512, 0.02, 1.0)])
    assert "in 1 of 2 cases the typical (median) call took more than 1.5× the fastest one" in noise_text(table)


def test_rnn_verdict_names_the_faster_one():
    table = table_of({"naive": [1e-3, 4e-3, 16e-3], "rnn": [2e-3, 4.5e-3, 9e-3]})
    verdict = rnn_verdict(table)
    assert "at n = 256, naive attention took 1 ms and the RNN 2 ms (attention was faster)" in verdict
    assert "at n = 1,024, naive attention took 16 ms and the RNN 9 ms (the RNN was faster)" in verdict


def test_gpu_story_says_which_two_matrices_and_reads_every_number_from_the_csv():
    data = gpu_reference()
    plain = gpu_story(data[~data["causal"]], causal=False)
    assert "peak at n = 32,768 is **68.8 GB**: 2.00 times the 34.4 GB of one 16 × n × n bfloat16 matrix" in plain
    assert "two such matrices are alive at once" in plain
    assert "the scores q·kᵀ and their copy divided by √d, then the scaled scores and the softmax weights" in plain
    assert "At n = 65,536 one such matrix alone would be 137 GB, more than the card's 80 GB" in plain
    assert "FlashAttention-2 needs **277 MB at n = 131,072**, about the size of its own output (268 MB)" in plain
    assert "at n = 32,768 it is 5.6× faster than naive" in plain
    causal = gpu_story(data[data["causal"]], causal=True)
    assert "peak at n = 16,384 is **17.4 GB**: 2.00 times the 8.6 GB" in causal
    assert "plus the n × n boolean causal mask (0.27 GB)" in causal
    # causal fails at 32,768 although two matrices and the mask would fit: the text must not invent a reason
    assert "At n = 32,768 the call ran out of memory, although by the same count it would need about 69.8 GB" in causal
    assert "more than the card's" not in causal


def test_refusal_warning_names_only_the_sizes_tiled_still_runs(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", "64")
    monkeypatch.delenv("ATTENTION_EXPLORER_TIME_BUDGET_S", raising=False)
    at = app_page(PAGE, {"n_min": "2048", "n_max": "8192", "d": "64", "heads": "8"}).run()
    naive = next(w.value for w in at.warning if "**naive**" in w.value)
    tiled = next(w.value for w in at.warning if "**tiled**" in w.value)
    assert "The tiled method still runs n = 2,048, n = 4,096." in naive
    assert "n = 8,192" in tiled and "n = 8,192 (" in naive
    assert np.all(["still runs n = 8,192" not in w.value for w in at.warning])


def test_a_run_that_measured_nothing_says_so_instead_of_crashing():
    """Under heavy load the time bound can stop a run before its first case: the summary must not count calls
    of cases that never ran (it used to raise "cannot convert float NaN to integer")."""
    from streamlit.testing.v1 import AppTest

    def page():
        import time

        from attention.measure import Job, Result
        from ui.complexity_results import render_measurements
        from ui.complexity_run import results_table

        late = [Result(Job(m, 64, 16), "out of time") for m in ("naive", "tiled", "rnn")]
        render_measurements({
            "table": results_table(late), "d_table": results_table([]), "matmul_gflops": 1.0, "seconds": 0.6,
            "finished_at": time.time(), "time_budget": 0.5, "memory_budget": 2**29,
            "settings": {"ns": [64], "d": 16, "heads": 1}, "one_thread": True,
        })

    at = AppTest.from_function(page).run(timeout=60)
    assert not at.exception
    assert any("Nothing was measured in this run" in c.value for c in at.caption)

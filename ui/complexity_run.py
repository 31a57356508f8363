"""The Complexity page's live measurement, guarded for a shared server.

- memory: each job's peak is estimated before it runs; jobs over the budget are refused with what
  they would have needed (``ATTENTION_EXPLORER_MEMORY_BUDGET_MB``, default 512);
- time: a whole run stops after about ``ATTENTION_EXPLORER_TIME_BUDGET_S`` seconds (default 10)
  and reports what it measured by then;
- one measurement at a time per server process: a second student waits, and is told so;
- nothing is cached: each run's numbers live in that student's session only.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time

import numpy as np
import pandas as pd
import streamlit as st

from attention.measure import (
    GPU_REFERENCE_CSV,
    Job,
    Result,
    estimate_peak_bytes,
    fit_line,
    fit_slope,
    matmul_gflops,
    run_jobs,
)

try:  # optional: pins numpy's BLAS to one thread while measuring
    from threadpoolctl import threadpool_limits
except ImportError:  # without it, numpy keeps its default number of BLAS threads
    threadpool_limits = None

MEMORY_ENV = "ATTENTION_EXPLORER_MEMORY_BUDGET_MB"
TIME_ENV = "ATTENTION_EXPLORER_TIME_BUDGET_S"
RESULTS_KEY = "complexity.results"  # session_state: this student's last run (never shared)
D_SWEEP_N = 1024  # n of the runtime-vs-d measurement (or the largest n chosen, if smaller)

# One measurement per server process: two runs side by side would slow each other down (and
# tracemalloc counts every thread's allocations). Module state: shared by all sessions.
MEASUREMENT_LOCK = threading.Lock()


def _env_number(name: str, default: float, lo: float, hi: float) -> float:
    """A number from the environment, clamped to [lo, hi]; the default if unset or unreadable."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(value, lo), hi) if math.isfinite(value) else default


def memory_budget_bytes() -> int:
    """The most memory one measurement may use (default 512 MiB; the deployer's env var)."""
    return int(_env_number(MEMORY_ENV, 512, 8, 1_000_000) * 2**20)


def time_budget_s() -> float:
    """The longest one measurement run may take (default 10 s; the deployer's env var)."""
    return _env_number(TIME_ENV, 10.0, 0.5, 600.0)


def one_blas_thread():
    """Run numpy's matrix products on one thread: steady timings on a shared server, fair to other users.

    With several BLAS threads on a busy machine, each small product waits for a free core and the
    same call can take 20x longer from one try to the next.
    """
    return threadpool_limits(1, user_api="blas") if threadpool_limits else contextlib.nullcontext()


def plan(ns: list[int], d: int, heads: int, d_values: list[int]) -> list[Job]:
    """The jobs of one run, smallest n first (so a time-bound run still covers the small sizes).

    naive, tiled and the RNN at every n; naive at one n for every d (runtime against d).
    """
    jobs = [Job(m, n, d, heads) for n in ns for m in ("naive", "tiled", "rnn")]
    n_d = min(max(ns), D_SWEEP_N)
    jobs += [Job("naive", n_d, dv, heads) for dv in d_values if Job("naive", n_d, dv, heads) not in jobs]
    order = {"naive": 0, "tiled": 1, "rnn": 2}
    return sorted(jobs, key=lambda j: (j.n, j.d, order[j.method]))


def refused_sizes(ns: list[int], d: int, heads: int, budget: int) -> dict[str, list[tuple[int, int]]]:
    """Per method, the (n, bytes needed) that the memory budget will refuse."""
    return {m: [(n, need) for n in ns if (need := estimate_peak_bytes(m, n, d, heads)) > budget]
            for m in ("naive", "tiled")}


def results_table(results: list[Result]) -> pd.DataFrame:
    """One row per job, with the columns of :data:`figures.complexity.MEASUREMENT_COLUMNS`."""
    def ms(r: Result, attr: str) -> float:
        return getattr(r.timing, attr) * 1e3 if r.timing else np.nan

    return pd.DataFrame(
        {
            "method": [r.job.method for r in results],
            "n": [r.job.n for r in results],
            "d": [r.job.d for r in results],
            "heads": [r.job.heads for r in results],
            "status": [r.status for r in results],
            "note": [r.note for r in results],
            "median_ms": [ms(r, "median") for r in results],
            "fastest_ms": [ms(r, "low") for r in results],
            "slowest_ms": [ms(r, "high") for r in results],
            "peak_mib": [r.peak_bytes / 2**20 if r.peak_bytes is not None else np.nan for r in results],
            "estimate_mib": [r.estimate_bytes / 2**20 for r in results],
            "gflops": [r.gflops for r in results],
        }
    )


SLOPE_POINTS = 3  # slopes are fitted over the largest sizes measured: growth shows at large n


def slopes(table: pd.DataFrame, column: str) -> dict[str, float]:
    """Log-log slope of ``column`` against n for each method, over its ``SLOPE_POINTS`` largest n."""
    out = {}
    for method in ("naive", "tiled", "rnn"):
        rows = table[(table["method"] == method) & (table["status"] == "ok")].sort_values("n").tail(SLOPE_POINTS)
        out[method] = fit_slope(rows["n"], rows[column])
    return out


def d_fit(d_table: pd.DataFrame) -> tuple[float, float]:
    rows = d_table[d_table["status"] == "ok"]
    return fit_line(rows["d"], rows["median_ms"])


def run_measurement(ns: list[int], d: int, heads: int, d_values: list[int]) -> dict | None:
    """Run the measurement with a progress bar (waiting for the lock if busy); None if it never started."""
    budget, seconds = memory_budget_bytes(), time_budget_s()
    if not MEASUREMENT_LOCK.acquire(blocking=False):
        waiting = st.info("⏳ Another measurement is running on this server right now. Yours starts as soon "
                          f"as it ends (at most about {seconds:.0f} s): one at a time keeps the timings honest.")
        got_it = MEASUREMENT_LOCK.acquire(timeout=2 * seconds + 1)  # a run may overshoot its bound by one call
        waiting.empty()
        if not got_it:
            st.warning("The server is still busy with another measurement. Press **Run measurement** again "
                       "in a moment.", icon="⏳")
            return None
    try:
        bar = st.progress(0.0, text="Measuring this machine's matrix-multiply speed")
        started = time.perf_counter()
        jobs = plan(ns, d, heads, d_values)
        main = [j for j in jobs if j.d == d and j.n in ns]
        with one_blas_thread():
            rate = matmul_gflops()
            left = max(0.0, seconds - (time.perf_counter() - started))
            results = run_jobs(jobs, rng=np.random.default_rng(), memory_budget=budget, time_budget=left,
                               progress=lambda f, text: bar.progress(min(1.0, f), text=f"Measuring {text}"))
        bar.empty()
    except MemoryError:  # the estimate guards the budget, but the server may be short for other reasons
        st.error("The server ran out of memory during the measurement. Try shorter sequences or fewer heads.",
                 icon="🧮")
        return None
    finally:
        MEASUREMENT_LOCK.release()
    in_main = [r for r in results if r.job in main]
    in_d = [r for r in results if r.job.n == min(max(ns), D_SWEEP_N) and r.job.method == "naive"]
    return {
        "table": results_table(sorted(in_main, key=lambda r: (r.job.n, r.job.method))),
        "d_table": results_table(sorted(in_d, key=lambda r: r.job.d)),
        "matmul_gflops": rate,
        "seconds": time.perf_counter() - started,
        "time_budget": seconds,
        "memory_budget": budget,
        "settings": {"ns": list(ns), "d": d, "heads": heads},
        "one_thread": threadpool_limits is not None,
    }


@st.cache_data(max_entries=1)
def gpu_reference() -> pd.DataFrame:
    """The H100 measurements shipped with the app (static data; provenance in attention/data/README.md)."""
    return pd.read_csv(GPU_REFERENCE_CSV)

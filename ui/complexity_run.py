"""What one live measurement of the Complexity page does, guarded for a shared server.

- memory: each job's peak is estimated before it runs; jobs over the budget are refused with what
  they would have needed (``ATTENTION_EXPLORER_MEMORY_BUDGET_MB``, default 512);
- time: a whole run stops after about ``ATTENTION_EXPLORER_TIME_BUDGET_S`` seconds (default 10)
  and reports what it measured by then;
- one measurement at a time per server: :mod:`ui.complexity_live` queues the requests, and
  :mod:`ui.complexity_process` runs :func:`measure` in a process of its own (this module imports
  no streamlit, so that process starts light);
- nothing is cached: a run's numbers go to the students who asked for it while it was queued or
  running, never to a later run.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attention.measure import (
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
D_SWEEP_N = 1024  # n of the runtime-vs-d measurement (or the largest n chosen, if smaller)
METHODS = ("naive", "tiled", "rnn")


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
    """One row per job, with the columns of :data:`figures.complexity.MEASUREMENT_COLUMNS`.

    Times: :class:`attention.measure.Timing` holds seconds; the table holds milliseconds.
    """
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
            "calls": [len(r.timing.runs) if r.timing else 0 for r in results],
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
    for method in METHODS:
        rows = table[(table["method"] == method) & (table["status"] == "ok")].sort_values("n").tail(SLOPE_POINTS)
        out[method] = fit_slope(rows["n"], rows[column])
    return out


def d_fit(d_table: pd.DataFrame) -> tuple[float, float]:
    rows = d_table[d_table["status"] == "ok"]
    return fit_line(rows["d"], rows["median_ms"])


# A job is unsteady when its typical (median) call took UNSTEADY_RATIO times its fastest: half its
# calls were that much slower than the machine can do. One slow call (the garbage collector, a page
# fault) moves the slowest call, not the median, so a quiet server does not trip it.
UNSTEADY_RATIO = 1.5
UNSTEADY_SHARE = 1 / 3  # ... and the run was noisy when at least this share of its jobs were unsteady
STEADY_MIN_MS = 1.0  # shorter calls are left out: their relative jitter says little about load


def unsteady_jobs(table: pd.DataFrame) -> tuple[int, int]:
    """(unsteady, judged): jobs whose median call took over 1.5x their fastest, among the jobs judged
    (measured with at least 3 timed calls of at least 1 ms)."""
    ok = table[(table["status"] == "ok") & (table["calls"] >= 3) & (table["median_ms"] >= STEADY_MIN_MS)]
    return int((ok["median_ms"] > UNSTEADY_RATIO * ok["fastest_ms"]).sum()), len(ok)


def timings_were_noisy(table: pd.DataFrame) -> bool:
    """True when timings really varied: at least 2 jobs, and a third of those judged, were unsteady."""
    unsteady, judged = unsteady_jobs(table)
    return unsteady >= 2 and unsteady >= UNSTEADY_SHARE * judged


@dataclass(frozen=True)
class Settings:
    """What a student asked to measure, with the server's budgets at the time: the queue's key
    (two students with equal settings share one live run)."""

    ns: tuple[int, ...]
    d: int
    heads: int
    d_values: tuple[int, ...]
    memory_budget: int
    time_budget: float

    @classmethod
    def from_page(cls, ns, d: int, heads: int, d_values) -> Settings:
        return cls(tuple(int(n) for n in ns), int(d), int(heads), tuple(int(v) for v in d_values),
                   memory_budget_bytes(), time_budget_s())

    def describe(self) -> str:
        sizes = f"n = {self.ns[0]:,}" if len(self.ns) == 1 else f"n = {self.ns[0]:,} to {self.ns[-1]:,}"
        return f"{sizes}, d = {self.d}, {self.heads} head{'s' if self.heads > 1 else ''}"


def _news(result: Result) -> str | None:
    """One line for the live view: what a finished job measured."""
    if not result.ok:
        return None
    job = result.job
    return f"{job.method} at n = {job.n:,}, d = {job.d}: {result.timing.median * 1e3:.3g} ms"


def measure(settings: Settings, report: Callable[..., None]) -> dict:
    """Run one measurement (in the queue's worker thread): the results for the page.

    ``report(fraction, text, news=None)`` is called before each job and after each measured one.
    """
    started = time.perf_counter()
    jobs = plan(list(settings.ns), settings.d, settings.heads, list(settings.d_values))
    main = [j for j in jobs if j.d == settings.d and j.n in settings.ns]
    n_d = min(max(settings.ns), D_SWEEP_N)
    done: list[Result] = []

    def after(result: Result) -> None:
        done.append(result)
        report(len(done) / len(jobs), f"{len(done)} of {len(jobs)} cases done", _news(result))

    def before(fraction: float, text: str) -> None:
        report(fraction, "Finishing" if fraction >= 1 else f"Measuring {text}")

    report(0.0, "Measuring this machine's matrix-multiply speed")
    with one_blas_thread():
        rate = matmul_gflops()
        left = max(0.0, settings.time_budget - (time.perf_counter() - started))
        results = run_jobs(jobs, rng=np.random.default_rng(), memory_budget=settings.memory_budget, time_budget=left,
                           progress=before, on_result=after)
    in_main = [r for r in results if r.job in main]
    in_d = [r for r in results if r.job.n == n_d and r.job.method == "naive"]
    return {
        "table": results_table(sorted(in_main, key=lambda r: (r.job.n, METHODS.index(r.job.method)))),
        "d_table": results_table(sorted(in_d, key=lambda r: r.job.d)),
        "matmul_gflops": rate,
        "seconds": time.perf_counter() - started,
        "finished_at": time.time(),
        "time_budget": settings.time_budget,
        "memory_budget": settings.memory_budget,
        "settings": {"ns": list(settings.ns), "d": settings.d, "heads": settings.heads},
        "one_thread": threadpool_limits is not None,
    }

"""Measuring attention: time and peak memory of a call, a cost model, and a guarded sweep over n.

Shapes: n sequence length (T = S = n), d head dim, H heads. Nothing here is cached: a timing is a
fact about this machine at this moment.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core import scaled_dot_product_attention
from .rnn import init_rnn, rnn_forward
from .tiled import tiled_attention

__all__ = [
    "Timing",
    "time_call",
    "peak_memory",
    "attention_flops",
    "score_matrix_bytes",
    "estimate_peak_bytes",
    "matmul_gflops",
    "fit_slope",
    "SweepRow",
    "sweep",
    "METHODS",
]

BLOCK = 512  # tile size used by the measured tiled attention (block_q = block_k)


@dataclass(frozen=True)
class Timing:
    """Seconds of ``repeats`` timed calls after ``warmup`` untimed ones."""

    median: float
    low: float  # fastest run
    high: float  # slowest run
    runs: tuple[float, ...]


def time_call(fn: Callable[[], object], *, repeats: int = 5, warmup: int = 1, max_seconds: float | None = None) -> Timing:
    """Median wall time of ``fn()``; stops repeating early once ``max_seconds`` have been spent."""
    for _ in range(warmup):
        fn()
    runs: list[float] = []
    spent_start = time.perf_counter()
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
        if max_seconds is not None and time.perf_counter() - spent_start > max_seconds:
            break
    return Timing(float(np.median(runs)), min(runs), max(runs), tuple(runs))


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated during ``fn()`` (tracemalloc sees numpy's array allocations)."""
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        fn()
        return max(0, tracemalloc.get_traced_memory()[1] - base)
    finally:
        if not already:
            tracemalloc.stop()


#   FLOPs = 4 n² d H: Q Kᵀ is 2 n² d (a multiply and an add per term), weights · V another 2 n² d
def attention_flops(n: int, d: int, heads: int = 1, causal: bool = False) -> float:
    """Floating-point operations of one attention call (the two matrix products), halved if causal."""
    return 4.0 * n * n * d * heads * (0.5 if causal else 1.0)


def score_matrix_bytes(n: int, heads: int = 1, itemsize: int = 4) -> int:
    """Bytes of the (H, n, n) score/weight matrix that naive attention materialises."""
    return heads * n * n * itemsize


def estimate_peak_bytes(method: str, n: int, d: int, heads: int = 1, itemsize: int = 4) -> int:
    """A conservative estimate of a call's peak extra memory, checked before running it."""
    io = 2 * heads * n * d * itemsize  # scaled copy of q, and the output
    if method == "naive":
        return int(1.25 * score_matrix_bytes(n, heads, itemsize)) + io
    if method == "tiled":
        return 2 * heads * min(n, BLOCK) ** 2 * itemsize + 2 * io
    if method == "rnn":
        return 2 * n * d * itemsize
    raise ValueError(f"unknown method {method!r}")


def matmul_gflops(n: int = 512, repeats: int = 5) -> float:
    """This machine's float32 matrix-multiply rate (GFLOP/s) on an n x n product: the ceiling."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    timing = time_call(lambda: a @ a, repeats=repeats, warmup=1)
    return 2.0 * n**3 / timing.median / 1e9


def fit_slope(x, y) -> float:
    """Slope of log(y) against log(x) (least squares): 2 means y grows like x²."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = (x > 0) & (y > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


@dataclass(frozen=True)
class SweepRow:
    method: str
    n: int
    d: int
    heads: int
    status: str  # "ok", or why it was not measured
    median_s: float = math.nan
    low_s: float = math.nan
    high_s: float = math.nan
    peak_bytes: float = math.nan
    estimate_bytes: int = 0

    @property
    def gflops(self) -> float:
        if self.method == "rnn" or not self.median_s > 0:
            return math.nan
        return attention_flops(self.n, self.d, self.heads) / self.median_s / 1e9


def _naive(q, k, v):
    return scaled_dot_product_attention(q, k, v)


def _tiled(q, k, v):
    return tiled_attention(q, k, v, block_q=BLOCK, block_k=BLOCK)


METHODS = {"naive": _naive, "tiled": _tiled}


def sweep(
    ns,
    d: int,
    heads: int,
    methods=("naive", "tiled"),
    *,
    rng: np.random.Generator,
    budget_bytes: int,
    time_budget_s: float,
    repeats: int = 3,
    progress: Callable[[float, str], None] | None = None,
) -> list[SweepRow]:
    """Time and memory of each method at each n, skipping what would exceed the budgets.

    A size whose estimated peak exceeds ``budget_bytes`` is skipped (its row says what it would have
    needed); once ``time_budget_s`` is spent, the remaining sizes are reported as not measured.
    Method ``"rnn"`` runs a minimal recurrent network over the same n (n sequential steps).
    """
    jobs = [(n, m) for n in ns for m in methods]
    rows: list[SweepRow] = []
    start = time.perf_counter()
    for index, (n, method) in enumerate(jobs):
        if progress:
            progress(index / len(jobs), f"{method}, n = {n}")
        need = estimate_peak_bytes(method, n, d, heads)
        if need > budget_bytes:
            rows.append(SweepRow(method, n, d, heads, f"skipped: needs ~{need / 2**20:.0f} MB, budget "
                                 f"{budget_bytes / 2**20:.0f} MB", estimate_bytes=need))
            continue
        left = time_budget_s - (time.perf_counter() - start)
        if left <= 0:
            rows.append(SweepRow(method, n, d, heads, "not measured: time budget used up", estimate_bytes=need))
            continue
        if method == "rnn":
            params = init_rnn(d, rng=rng)
            x = rng.standard_normal((n, d)).astype(np.float32)
            call = lambda x=x, params=params: rnn_forward(x, params)  # noqa: E731
        else:
            q, k, v = (rng.standard_normal((heads, n, d)).astype(np.float32) for _ in range(3))
            call = lambda q=q, k=k, v=v, f=METHODS[method]: f(q, k, v)  # noqa: E731
        peak = peak_memory(call)
        timing = time_call(call, repeats=repeats, warmup=0, max_seconds=max(left, 0.0))
        rows.append(SweepRow(method, n, d, heads, "ok", timing.median, timing.low, timing.high, peak, need))
    if progress:
        progress(1.0, "done")
    return rows

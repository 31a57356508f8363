"""Measuring attention: wall time and peak memory of a call, a cost model, and a guarded run.

Shape legend: n sequence length (T = S = n), d head dimension, H heads. Nothing here caches a
result: a timing is a fact about this machine at this moment, under its current load.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import scaled_dot_product_attention
from .rnn import init_rnn, rnn_forward
from .tiled import tiled_attention

__all__ = [
    "BLOCK_Q",
    "BLOCK_K",
    "GPU_REFERENCE_CSV",
    "Timing",
    "time_call",
    "peak_memory",
    "attention_flops",
    "rnn_flops",
    "score_matrix_bytes",
    "call_bytes",
    "estimate_peak_bytes",
    "MATMUL_SIZE",
    "matmul_gflops",
    "fit_slope",
    "fit_line",
    "Job",
    "Result",
    "run_jobs",
]

# Tile of the measured tiled attention, B_r query rows x B_c keys: GPU-sized (FlashAttention's tiles
# are of this order), so that the fixed tile is small next to the O(n) output and the memory
# growth shows at modest n. (tiled_attention's own default, 256 x 512, is faster in numpy.)
BLOCK_Q, BLOCK_K = 64, 256
ITEMSIZE = 4  # float32
GPU_REFERENCE_CSV = Path(__file__).resolve().parent / "data" / "gpu_attention_h100.csv"  # see data/README.md


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of the timed calls (after the untimed warm-up calls)."""

    median: float
    low: float  # fastest call
    high: float  # slowest call
    runs: tuple[float, ...]

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: how noisy the measurement was (0 = perfectly steady)."""
        return (self.high - self.low) / self.median if self.median > 0 else math.nan


def time_call(
    fn: Callable[[], object], *, repeats: int = 5, warmup: int = 1, max_seconds: float | None = None
) -> Timing:
    """Median wall time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls.

    The median resists the odd slow call (another process, the garbage collector). With
    ``max_seconds``, repeating stops early once that much time has gone (at least one call is timed).
    """
    for _ in range(warmup):
        fn()
    runs: list[float] = []
    started = time.perf_counter()
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
        if max_seconds is not None and time.perf_counter() - started >= max_seconds:
            break
    return Timing(float(np.median(runs)), min(runs), max(runs), tuple(runs))


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while ``fn()`` runs, above what was allocated before (returned arrays count).

    Uses :mod:`tracemalloc`, which sees numpy's array buffers. It counts every thread of the
    process, so run one measurement at a time.
    """
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return max(0, tracemalloc.get_traced_memory()[1] - before)
    finally:
        if started_here:
            tracemalloc.stop()


#   FLOPs = 4·n²·d·H: Q Kᵀ is n²·d multiply-adds (2 FLOPs each), weights · V another n²·d
def attention_flops(n: int, d: int, heads: int = 1, *, causal: bool = False) -> float:
    """Floating-point operations of one attention call's two matrix products (halved if causal)."""
    return 4.0 * n * n * d * heads * (0.5 if causal else 1.0)


#   FLOPs = 4·n·d²: per step, x_t W_x and h W_h are d² multiply-adds each
def rnn_flops(n: int, d: int) -> float:
    """Floating-point operations of :func:`attention.rnn.rnn_forward` over n steps (the products)."""
    return 4.0 * n * d * d


def score_matrix_bytes(n: int, heads: int = 1, itemsize: int = ITEMSIZE) -> int:
    """Bytes of the (H, n, n) weight matrix that naive attention materialises."""
    return heads * n * n * itemsize


def call_bytes(method: str, n: int, d: int, heads: int = 1, itemsize: int = ITEMSIZE) -> int:
    """Cost model of the memory one call allocates (its peak, output included), inputs excluded.

    naive: the (H, n, n) weights, the scaled queries and the output; tiled: the output, one
    (B_r, B_c) tile, and per query block the scaled Q_i, the running O_i and the product P·V_j;
    rnn: the input projections and the hidden states. ``method``: "naive", "tiled" or "rnn".
    """
    vectors = heads * n * d * itemsize  # one (H, n, d) array
    if method == "naive":
        return score_matrix_bytes(n, heads, itemsize) + 2 * vectors + 5 * heads * n * itemsize + 2**15  # + row stats
    if method == "tiled":
        rows, cols = min(n, BLOCK_Q), min(n, BLOCK_K)
        return vectors + heads * rows * (cols + 3 * d) * itemsize + 2**15  # + small temporaries
    if method == "rnn":
        return 2 * n * d * itemsize + d * itemsize
    raise ValueError(f"unknown method {method!r}; expected 'naive', 'tiled' or 'rnn'")


def estimate_peak_bytes(method: str, n: int, d: int, heads: int = 1, itemsize: int = ITEMSIZE) -> int:
    """Memory one measurement needs, estimated before it runs: its random inputs plus the call.

    Rounded up (25% and 1 MiB of slack), since it decides whether a size may run at all.
    """
    inputs = (n * d + 2 * d * d) * itemsize if method == "rnn" else 3 * heads * n * d * itemsize
    return int(1.25 * (inputs + call_bytes(method, n, d, heads, itemsize))) + 2**20


MATMUL_SIZE = 768  # side of the reference product of matmul_gflops


def matmul_gflops(size: int = MATMUL_SIZE, repeats: int = 3) -> float:
    """This machine's float32 matrix-multiply rate in GFLOP/s (a (size, size) product): its ceiling."""
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    timing = time_call(lambda: a @ a, repeats=repeats, warmup=1)
    return 2.0 * size**3 / timing.median / 1e9


def fit_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log(y) against log(x): 2 means y grows like x² (NaN with < 2 points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if len(np.unique(x[ok])) < 2:
        return math.nan
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


def fit_line(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of y against x on linear axes (NaNs with < 2 points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if len(np.unique(x[ok])) < 2:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x[ok], y[ok], 1)
    return float(slope), float(intercept)


@dataclass(frozen=True)
class Job:
    """One thing to measure: ``method`` ("naive", "tiled" or "rnn") at sequence length n."""

    method: str
    n: int
    d: int
    heads: int = 1

    @property
    def flops(self) -> float:
        if self.method == "rnn":
            return rnn_flops(self.n, self.d)
        return attention_flops(self.n, self.d, self.heads)


@dataclass(frozen=True)
class Result:
    """What happened to one :class:`Job`: measured (``status == "ok"``) or why not."""

    job: Job
    status: str  # "ok", "over memory budget", "out of time"
    note: str = ""  # for a skipped job: what it would have needed
    timing: Timing | None = None
    peak_bytes: int | None = None
    estimate_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def gflops(self) -> float:
        """Achieved rate: the cost model's FLOPs over the median time."""
        return self.job.flops / self.timing.median / 1e9 if self.timing and self.timing.median > 0 else math.nan


def _call(job: Job, rng: np.random.Generator) -> Callable[[], object]:
    """A zero-argument call running ``job`` on fresh random float32 inputs."""
    if job.method == "rnn":
        params = init_rnn(job.d, rng=rng)
        x = rng.standard_normal((job.n, job.d), dtype=np.float32)
        return lambda: rnn_forward(x, params)
    q, k, v = (rng.standard_normal((job.heads, job.n, job.d), dtype=np.float32) for _ in range(3))
    if job.method == "naive":
        return lambda: scaled_dot_product_attention(q, k, v)
    if job.method == "tiled":
        return lambda: tiled_attention(q, k, v, block_q=BLOCK_Q, block_k=BLOCK_K)
    raise ValueError(f"unknown method {job.method!r}")


def _predicted_seconds(job: Job, done: list[Result]) -> float:
    """A call's time from the same method's largest measured job, scaled by the FLOP count (0 if none)."""
    same = [r for r in done if r.ok and r.job.method == job.method]
    if not same:
        return 0.0
    ref = max(same, key=lambda r: r.job.flops)
    return ref.timing.median * job.flops / ref.job.flops


def _add(results: list[Result], result: Result, on_result: Callable[[Result], None] | None) -> None:
    results.append(result)
    if on_result:
        on_result(result)


def run_jobs(
    jobs: Sequence[Job],
    *,
    rng: np.random.Generator,
    memory_budget: int,
    time_budget: float,
    repeats: int = 3,
    progress: Callable[[float, str], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Measure each job (peak memory in one traced call, then timed calls), within budgets.

    Each job is timed ``repeats`` times (7 times if a call takes under 20 ms) after its traced call.

    Guards, checked before each job runs:

    - memory: a job whose :func:`estimate_peak_bytes` exceeds ``memory_budget`` is skipped, and
      its result says how much it would have needed;
    - time: a job that cannot finish in what is left of ``time_budget`` seconds (predicted from
      the same method's earlier jobs and the cost model) is skipped, as is everything once the
      budget is spent; what was measured so far is returned.

    ``progress(fraction, text)`` is called before each job, ``on_result(result)`` after it (measured
    or skipped): either may raise to stop the run.
    """
    results: list[Result] = []
    start = time.perf_counter()
    for index, job in enumerate(jobs):
        if progress:
            progress(index / len(jobs), f"{job.method}, n = {job.n:,}, d = {job.d}, {job.heads} head(s)")
        need = estimate_peak_bytes(job.method, job.n, job.d, job.heads)
        if need > memory_budget:
            note = f"would need about {need / 2**20:,.0f} MiB; the budget is {memory_budget / 2**20:,.0f} MiB"
            _add(results, Result(job, "over memory budget", note, estimate_bytes=need), on_result)
            continue
        left = time_budget - (time.perf_counter() - start)
        predicted = 2 * _predicted_seconds(job, results)  # the traced call and at least one timed call
        if left <= 0 or predicted > left:
            note = f"about {predicted:.1f} s needed, {max(left, 0):.1f} s of the {time_budget:g} s budget left"
            _add(results, Result(job, "out of time", note, estimate_bytes=need), on_result)
            continue
        call = _call(job, rng)
        t0 = time.perf_counter()
        peak = peak_memory(call)  # also the warm-up call
        quick = time.perf_counter() - t0 < 0.02  # fast calls are cheap to repeat, and noisier
        left = time_budget - (time.perf_counter() - start)
        timing = time_call(call, repeats=max(repeats, 7) if quick else repeats, warmup=0, max_seconds=max(left, 0.0))
        _add(results, Result(job, "ok", timing=timing, peak_bytes=peak, estimate_bytes=need), on_result)
    if progress:
        progress(1.0, "done")
    return results

"""Benchmark the numpy attention (naive and tiled) against PyTorch's fused CPU attention, one thread each.

    python3 benchmarks/bench_attention.py                   # ours only: memory, and times without a reference
    /opt/torchenv/bin/python benchmarks/bench_attention.py  # ours vs torch.nn.functional.scaled_dot_product_attention

Prints median time ratios (ours / torch) and peak-memory ratios (tiled / naive, measured with
tracemalloc), each with its target from issue 6. Times are medians of calls that alternate
between ours and torch's, so that a burst of load from another process hits both alike.
On a machine where OPENBLAS_CORETYPE is set (see README), numbers differ with and without it.
Exits 1 if a target is missed. torch is never a requirement of the app.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"  # before numpy (and torch) load their thread pools

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attention.core import scaled_dot_product_attention  # noqa: E402
from attention.measure import peak_memory  # noqa: E402
from attention.tiled import tiled_attention  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
except ImportError:  # ours only
    torch = None

D = 64


def inputs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(1, 1, n, d) float32 q, k, v: batch 1, one head, the 4-D layout torch's fused kernel takes."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((1, 1, n, D), dtype=np.float32) for _ in range(3))


def paired_medians(ours, theirs, repeats: int, warmup: int = 2) -> tuple[float, float]:
    """Median seconds of ``ours()`` and ``theirs()``, timed alternately."""
    for _ in range(warmup):
        ours()
        if theirs:
            theirs()
    a, b = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        if theirs:
            t = time.perf_counter()
            theirs()
            b.append(time.perf_counter() - t)
    return statistics.median(a), (statistics.median(b) if b else float("nan"))


def time_row(name: str, fn, n: int, target: float | None, repeats: int) -> dict:
    q, k, v = inputs(n)
    ours = lambda: fn(q, k, v)  # noqa: E731
    theirs = None
    if torch is not None:
        tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
        np.testing.assert_allclose(np.asarray(fn(q, k, v)), F.scaled_dot_product_attention(tq, tk, tv).numpy(),
                                   atol=1e-4)
        theirs = lambda: F.scaled_dot_product_attention(tq, tk, tv)  # noqa: E731
    t_ours, t_torch = paired_medians(ours, theirs, repeats)
    ratio = t_ours / t_torch if theirs else float("nan")
    return {"what": f"time, {name}, n={n}", "ours": f"{t_ours * 1e3:.1f} ms",
            "reference": f"{t_torch * 1e3:.1f} ms (torch)" if theirs else "(no torch)",
            "ratio": ratio, "target": target}


def memory_row(n: int, target: float | None) -> dict:
    q, k, v = inputs(n)
    naive = peak_memory(lambda: scaled_dot_product_attention(q, k, v))
    tiled = peak_memory(lambda: tiled_attention(q, k, v))
    ok_abs = "" if n < 16384 else f" (< 16 MiB: {'yes' if tiled < 16 * 2**20 else 'NO'})"
    return {"what": f"peak memory, tiled vs naive, n={n}", "ours": f"{tiled / 2**20:.1f} MiB{ok_abs}",
            "reference": f"{naive / 2**20:.0f} MiB (naive)", "ratio": tiled / naive, "target": target,
            "absolute_ok": n < 16384 or tiled < 16 * 2**20}


def blas() -> str:
    """numpy's BLAS, its threads and kernel (threadpoolctl, when installed), and OPENBLAS_CORETYPE."""
    coretype = f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        lib = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        return f"{lib.get('name', '?')} {lib.get('version', '')}, {coretype}"
    pools = [p for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]
    return ", ".join(f"{p['internal_api']} {p['version']} kernel {p.get('architecture', '?')}, "
                     f"{p['num_threads']} thread(s)" for p in pools) + f", {coretype}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed calls per method and size")
    parser.add_argument("--quick", action="store_true", help="skip n=16384 (the 1 GiB naive call)")
    args = parser.parse_args()

    tiled = lambda q, k, v: tiled_attention(q, k, v)  # noqa: E731
    naive = lambda q, k, v: scaled_dot_product_attention(q, k, v)[0]  # noqa: E731  (weights are computed too)
    rows = [
        time_row("scaled_dot_product_attention (+ weights)", naive, 1024, None, args.repeats),
        time_row("scaled_dot_product_attention (+ weights)", naive, 2048, 1.6, args.repeats),
        time_row("tiled_attention", tiled, 2048, None, args.repeats),
        time_row("tiled_attention", tiled, 4096, 1.3, max(3, args.repeats // 2)),
        memory_row(4096, None),
    ]
    if not args.quick:
        rows.append(memory_row(16384, 0.01))

    print(f"numpy {np.__version__} ({blas()}); torch {torch.__version__ if torch else 'not installed'}; "
          f"1 thread each; d = {D}, float32, median of {args.repeats} calls ({max(3, args.repeats // 2)} at n=4096), alternating with torch")
    print()
    print(f"| {'measurement':<56} | {'ours':<24} | {'reference':<20} | ratio | target |")
    print(f"|{'-' * 58}|{'-' * 26}|{'-' * 22}|-------|--------|")
    failed = False
    for r in rows:
        unmeasured = r["ratio"] != r["ratio"]  # NaN: no torch to compare with
        met = r["target"] is None or unmeasured or r["ratio"] <= r["target"]
        met = met and r.get("absolute_ok", True)
        failed |= not met
        target = "" if r["target"] is None else f"≤ {r['target']:g} " + ("?" if unmeasured else "✓" if met else "✗")
        print(f"| {r['what']:<56} | {r['ours']:<24} | {r['reference']:<20} | {'  —  ' if unmeasured else format(r['ratio'], '5.3f')} | {target:<6} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

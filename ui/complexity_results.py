"""The Complexity page's sections that show numbers: live results, attention vs RNN, the H100 reference.

Every sentence that live data could contradict is computed from that data (the ``*_text`` functions,
unit-tested with synthetic tables) or worded as an expectation.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import streamlit as st

from attention.measure import BLOCK_K, BLOCK_Q, GPU_REFERENCE_CSV, MATMUL_SIZE, call_bytes
from figures.complexity import (
    d_figure,
    gflops_figure,
    gpu_figures,
    memory_figure,
    rnn_time_figure,
    runtime_figure,
    steps_figure,
)
from ui.charts import cached_figure
from ui.complexity_run import (
    SLOPE_POINTS,
    UNSTEADY_RATIO,
    d_fit,
    refused_sizes,
    slopes,
    timings_were_noisy,
    unsteady_jobs,
)

DISPLAY = {  # table column -> heading shown to students and in the CSV
    "method": "method", "n": "n", "d": "d", "heads": "heads", "status": "status", "note": "note",
    "calls": "timed calls", "median_ms": "median (ms)", "fastest_ms": "fastest (ms)", "slowest_ms": "slowest (ms)",
    "peak_mib": "peak memory (MiB)", "estimate_mib": "estimated beforehand (MiB)", "gflops": "GFLOP/s",
}
H100_HEADS, H100_HEAD_DIM, BF16_BYTES = 16, 64, 2  # the shape of every H100 measurement (attention/data/README.md)
H100_NAMED_BYTES = 80e9  # "H100 80GB": the memory the card is named for


@st.cache_data(max_entries=1)
def gpu_reference() -> pd.DataFrame:
    """The H100 measurements shipped with the app (static data; provenance in attention/data/README.md)."""
    return pd.read_csv(GPU_REFERENCE_CSV)


def fmt(x: float) -> str:
    """A slope for display: two decimals, or a dash when there were too few sizes to fit one."""
    return f"{x:.2f}" if math.isfinite(x) else "—"


def render_refusals(ns: list[int], d: int, heads: int, budget: int) -> None:
    """Before any run: the sizes the memory budget will refuse, per method, with what they would need."""
    refused = refused_sizes(ns, d, heads, budget)
    tiled_refused = {n for n, _ in refused["tiled"]}
    for method, sizes in refused.items():
        if not sizes:
            continue
        need = ", ".join(f"n = {n:,} (≈ {b / 2**20:,.0f} MiB)" for n, b in sizes)
        text = (f"The **{method}** method would need more than this server's memory budget of {budget / 2**20:,.0f} "
                f"MiB per measurement at {need}: those sizes will be skipped.")
        tiled_runs = [n for n, _ in sizes if n not in tiled_refused]
        if method == "naive" and tiled_runs:
            text += " The tiled method still runs " + ", ".join(f"n = {n:,}" for n in tiled_runs) + "."
        st.warning(text, icon="🧮")


def finished_at(results: dict) -> str:
    """When a run ended, as server-local clock time."""
    return time.strftime("%H:%M:%S", time.localtime(results["finished_at"]))


def _status_summary(results: dict) -> None:
    table = pd.concat([results["table"], results["d_table"]])
    refused = table[table["status"] == "over memory budget"].drop_duplicates(["method", "n", "d"])
    late = table[table["status"] == "out of time"].drop_duplicates(["method", "n", "d"])
    done = table[table["status"] == "ok"].drop_duplicates(["method", "n", "d"])
    threads = "one CPU thread" if results["one_thread"] else "numpy's default CPU threads"
    calls = done["calls"]
    calls_text = ("" if calls.empty else f"{int(calls.min())}" if calls.min() == calls.max()
                  else f"{int(calls.min())} to {int(calls.max())}")  # nothing measured: no calls to count
    st.caption(f"Measured {len(done)} cases on this server at {finished_at(results)} (server time), in "
               f"{results['seconds']:.1f} s: d = {results['settings']['d']}, {results['settings']['heads']} head(s), "
               f"float32, {threads}. Each point is the median of {calls_text} timed calls, after one untimed call "
               "that measured the memory; bars show the fastest and slowest call." if len(done) else
               f"Nothing was measured in this run ({finished_at(results)}, server time).")
    st.caption(_sharing_text(results))
    if len(refused):
        items = "; ".join(f"{r.method} at n = {r.n:,}: {r.note}" for r in refused.itertuples())
        st.warning(f"Not run, over the server's memory budget: {items}.", icon="🧮")
    if len(late):
        items = ", ".join(f"{r.method} n = {r.n:,}" + (f" d = {r.d}" if r.d != results["settings"]["d"] else "")
                          for r in late.itertuples())
        st.warning(f"The run reached its time limit of {results['time_budget']:g} s, so these were not measured: "
                   f"{items}. Everything else was.", icon="⏱️")
    if timings_were_noisy(table):
        st.info(noise_text(table), icon="🌪️")


def _sharing_text(results: dict) -> str:
    """Who this run's numbers went to (one live run can serve several students, never a later one)."""
    watchers = results.get("watchers", 1)
    if watchers <= 1:
        return "This run was measured for you alone: nothing is cached, so pressing Run again measures anew."
    first = " Another student asked first; you joined their run while it was queued or running." \
        if results.get("joined") else ""
    return (f"This one run served {watchers} students who asked for the same sizes while it was queued or "
            f"running.{first} It was measured live on this server and never cached: pressing Run again measures anew.")


def noise_text(table: pd.DataFrame) -> str:
    unsteady, judged = unsteady_jobs(table)
    return (f"The server was busy while you measured: in {unsteady} of {judged} cases the typical (median) call took "
            f"more than {UNSTEADY_RATIO:g}× the fastest one, so the curves may be bumpy. Run again in a quieter "
            "moment for cleaner slopes.")


def render_measurements(results: dict) -> None:
    """Runtime and memory vs n with slopes, runtime vs d, GFLOP/s, the table and its CSV."""
    table, heads = results["table"], results["settings"]["heads"]
    _status_summary(results)
    time_slopes, mem_slopes = slopes(table, "median_ms"), slopes(table, "peak_mib")
    left, right = st.columns(2)
    left.plotly_chart(runtime_figure(table, time_slopes), width="stretch", key="complexity_runtime")
    ns, d = results["settings"]["ns"], results["settings"]["d"]
    right.plotly_chart(memory_figure(table, mem_slopes, ns, [call_bytes("naive", n, d, heads) for n in ns],
                                     [call_bytes("tiled", n, d, heads) for n in ns]),
                       width="stretch", key="complexity_memory")
    cols = st.columns(4)
    cols[0].metric("naive: time slope", fmt(time_slopes["naive"]), help="log-log slope; 2 means time ∝ n²")
    cols[1].metric("tiled: time slope", fmt(time_slopes["tiled"]), help="the same arithmetic: expect about 2")
    cols[2].metric("naive: memory slope", fmt(mem_slopes["naive"]), help="expect about 2: the n × n matrix")
    cols[3].metric("tiled: memory slope", fmt(mem_slopes["tiled"]),
                   help="expect at most about 1: a fixed tile plus an output that grows like n")
    st.markdown(slopes_text(table, time_slopes, mem_slopes))
    left, right = st.columns(2)
    fit = d_fit(results["d_table"])
    left.plotly_chart(d_figure(results["d_table"], fit), width="stretch", key="complexity_d")
    right.plotly_chart(gflops_figure(table, results["matmul_gflops"]), width="stretch", key="complexity_gflops")
    st.markdown(d_text(results["d_table"], fit) + "\n\n" + gflops_text(table, results["matmul_gflops"]))
    shown = shown_table(results)
    with st.expander("📋 The numbers (table and CSV)", expanded=False):
        st.dataframe(shown, hide_index=True, width="stretch")
        st.download_button("⬇️ Download the measurements (CSV)", shown.to_csv(index=False).encode(),
                           "attention_measurements.csv", mime="text/csv", key="complexity_csv")


def shown_table(results: dict) -> pd.DataFrame:
    """The table students see and download: both series, headings with their units."""
    shown = pd.concat([results["table"].assign(series="against n"), results["d_table"].assign(series="against d")])
    return shown[["series", *DISPLAY]].rename(columns=DISPLAY)


def _measured(slope: float) -> str:
    return f"{slope:.2f}" if math.isfinite(slope) else "not fitted (fewer than two sizes measured)"


def _ok(table: pd.DataFrame, method: str) -> pd.Series:
    """Median ms per n of one method's measured jobs."""
    return table[(table["method"] == method) & (table["status"] == "ok")].set_index("n")["median_ms"]


def slopes_text(table: pd.DataFrame, time_slopes: dict, mem_slopes: dict) -> str:
    """What the slopes mean, what theory expects, and what this run measured."""
    text = (
        "A slope of 2 on log-log axes means *doubling n quadruples the cost* (the slopes are fitted over the "
        f"{SLOPE_POINTS} largest n measured, where growth shows; at small n fixed costs such as Python's own overhead "
        "flatten every curve). Both methods do the same arithmetic, so expect their **time** slopes to agree, near 2: "
        f"in this run they are {_measured(time_slopes['naive'])} (naive) and {_measured(time_slopes['tiled'])} "
        "(tiled). Their **memory** should part ways: naive holds the whole weight matrix (expect 2; measured "
        f"{_measured(mem_slopes['naive'])}); tiled holds one {BLOCK_Q} × {BLOCK_K} tile per head whatever n is, plus the "
        f"n × d output, so expect at most about 1, creeping up towards 1 as the output outgrows the tile (measured "
        f"{_measured(mem_slopes['tiled'])})."
    )
    naive, tiled = _ok(table, "naive"), _ok(table, "tiled")
    shared = sorted(set(naive.index) & set(tiled.index))
    if not shared:
        return text
    n = shared[-1]
    ratio = tiled[n] / naive[n]
    if ratio > 1.05:
        verdict = (f"tiled took {ratio:.2f}× naive's time: in numpy each tile costs Python bookkeeping and separate "
                   "passes for the max, the shift and the rescale, which a GPU kernel fuses into one. On a GPU the "
                   "same idea runs faster than naive (see the H100 section below).")
    elif ratio < 1 / 1.05:
        verdict = (f"tiled took {ratio:.2f}× naive's time, so it was the faster one: its small tile stays in the "
                   "CPU's cache, while naive writes the whole n × n matrix out to memory and reads it back.")
    else:
        verdict = f"both took about the same time (tiled {ratio:.2f}× naive)."
    return text + f" At n = {n:,}, the largest size both ran, " + verdict


def d_text(d_table: pd.DataFrame, fit: tuple[float, float]) -> str:
    """Runtime against d: the expectation, and how well this run's points follow a straight line."""
    slope, intercept = fit
    text = ("**Against d**, O(n²·d) predicts a straight line, but not through zero: the softmax's n² exponentials, "
            "maxima and sums cost the same whatever d is.")
    rows = d_table[d_table["status"] == "ok"]
    if not math.isfinite(slope) or rows.empty:
        return text + " Too few values of d were measured in this run to fit a line."
    d, ms = rows["d"].to_numpy(float), rows["median_ms"].to_numpy(float)
    stray = float(np.max(np.abs(ms - (intercept + slope * d)) / ms))
    n = int(rows["n"].iloc[0])
    text += (f" In this run, at n = {n:,}, the best straight line is {intercept:.3g} ms + {slope:.3g} ms per unit of "
             f"d, and the measured points stray from it by at most {stray:.0%}")
    text += ("." if stray <= 0.15 else ": more than a straight line allows; the speed of a matrix product also "
             "depends on its shape (and on the machine's load).")
    if slope <= 0:
        text += " In this run the time did not grow with d at all: other costs (or the machine's load) hid it."
    elif intercept > 0:
        text += f" Its value at d = 0, {intercept:.3g} ms, estimates the part that does not grow with d."
    else:
        text += (f" Here the fitted line reaches zero at d ≈ {-intercept / slope:.0f}, not below d = 0, so this run "
                 "does not show that part.")
    return text


def gflops_text(table: pd.DataFrame, matmul_gflops: float) -> str:
    """Attention's achieved rate against this machine's plain matrix product, from this run's numbers."""
    text = ("**GFLOP/s** counts only attention's two matrix products (4·n²·d·H); its exponentials, maxima and sums "
            "are work that the count leaves out, and reading and writing the n × n matrix costs memory traffic, so "
            "expect attention to reach less than a plain matrix product.")
    rows = table[(table["status"] == "ok") & table["method"].isin(["naive", "tiled"])]
    if rows.empty or not math.isfinite(matmul_gflops):
        return text
    best = rows.loc[rows["gflops"].idxmax()]
    share = best["gflops"] / matmul_gflops
    text += (f" In this run a plain {MATMUL_SIZE} × {MATMUL_SIZE} product ran at {matmul_gflops:.0f} GFLOP/s, and "
             f"attention's best was {best['gflops']:.0f} GFLOP/s ({best['method']} at n = {int(best['n']):,}), "
             f"{share:.0%} of it")
    return text + ("." if share <= 1 else ": more than the reference product, which is small, and a busy machine "
                   "can slow a single reference measurement.")


def render_rnn(results: dict | None, ns: list[int]) -> None:
    """Attention vs a recurrent network: sequential steps always, measured times after a run."""
    left, right = st.columns(2)
    left.plotly_chart(cached_figure(steps_figure, ns), width="stretch", key="complexity_steps")
    if results is None:
        right.info("Run a measurement above to time a small numpy RNN over the same lengths.", icon="▶️")
    else:
        right.plotly_chart(rnn_time_figure(results["table"]), width="stretch", key="complexity_rnn")
    st.markdown(
        "A recurrent network (RNN) reads a sequence one token at a time: step *t* needs the hidden state of "
        "step *t − 1*, so n tokens mean **n steps in a row**, each a small O(d²) product: O(n·d²) work in "
        "total. Attention compares all pairs in **one step** of large matrix products: O(n²·d) work."
    )
    st.markdown(
        "**What to expect on a CPU:** attention's work grows like n², the RNN's only like n, so for long enough "
        "sequences the RNN should finish first: a CPU has only a few cores for attention's big products to spread "
        "over. For short sequences the RNN's n steps, each with the fixed cost of one turn of a Python loop, can make "
        "it the slower one."
    )
    if results is not None:
        st.markdown(rnn_verdict(results["table"]))
    st.markdown(
        "**Why GPUs change the verdict:** a GPU runs tens of thousands of multiply-adds at once. Attention's "
        "single big step fills it; the RNN's n small steps cannot, since each must wait for the one before. "
        "So on GPUs a transformer can be trained significantly faster than recurrent models (Vaswani et al. 2017), "
        "and every word reaches every other in one hop instead of through n − 1 steps of memory: the reason "
        "transformers replaced RNNs."
    )


def rnn_verdict(table: pd.DataFrame) -> str:
    """One sentence on what this run measured: attention vs RNN at the smallest and largest shared n."""
    naive, rnn = _ok(table, "naive"), _ok(table, "rnn")
    shared = sorted(set(naive.index) & set(rnn.index))
    if not shared:
        return "*In this run, no length was measured for both attention and the RNN.*"
    parts = []
    for n in dict.fromkeys((shared[0], shared[-1])):
        faster = "attention" if naive[n] < rnn[n] else "the RNN"
        parts.append(f"at n = {n:,}, naive attention took {naive[n]:.3g} ms and the RNN {rnn[n]:.3g} ms ({faster} "
                     "was faster)")
    return "**In this run:** " + "; ".join(parts) + "."


def render_gpu(state) -> None:
    """The shipped H100 reference: time and memory per kernel, out-of-memory points, provenance."""
    data = gpu_reference()
    st.toggle("Causal attention (as in GPT)", key=state.key("gpu_causal"))
    causal = bool(state["gpu_causal"])
    time_fig, mem_fig = cached_figure(gpu_figures, data, causal)
    left, right = st.columns(2)
    left.plotly_chart(time_fig, width="stretch", key="complexity_gpu_time")
    right.plotly_chart(mem_fig, width="stretch", key="complexity_gpu_memory")
    st.markdown(gpu_story(data[data["causal"] == causal], causal))
    st.caption(
        "**Source:** measurements on one NVIDIA H100 80GB HBM3 (driver 580.159.04) with PyTorch 2.11.0+cu130; "
        "batch 1, 16 heads, head dimension 64, bfloat16; median of 10 timed calls (3 for n ≥ 32,768) after one "
        "warm-up, timed with CUDA events; memory is the peak allocated during the call above the q, k, v "
        "inputs. *naive* = softmax(q·kᵀ/√d)·v written out in PyTorch; the others are "
        "`torch.nn.functional.scaled_dot_product_attention` forced onto each fused backend. The file ships "
        "with the app (attention/data/gpu_attention_h100.csv, described in attention/data/README.md)."
    )
    with st.expander("📋 The H100 numbers"):
        st.dataframe(data[data["causal"] == causal], hide_index=True, width="stretch")


def gpu_story(data: pd.DataFrame, causal: bool) -> str:
    """What the H100 charts show, every number read from the data."""
    naive = data[data["variant"] == "naive"].sort_values("n")
    last = naive[naive["status"] == "ok"].iloc[-1]
    n, peak = int(last["n"]), float(last["peak_extra_bytes"])
    matrix = H100_HEADS * n * n * BF16_BYTES  # one (16, n, n) bf16 matrix
    mask = n * n if causal else 0  # the causal variant's (n, n) boolean mask, one byte per entry
    copies = (peak - mask) / matrix
    rest = peak - round(copies) * matrix - mask
    wall = int(naive[naive["status"] == "out_of_memory"]["n"].min())
    flash = data[(data["variant"] == "sdpa_flash") & (data["status"] == "ok")].sort_values("n")
    big = flash.iloc[-1]
    output = H100_HEADS * int(big["n"]) * H100_HEAD_DIM * BF16_BYTES
    speedup = float(last["median_s"]) / float(flash[flash["n"] == n]["median_s"].iloc[0])
    text = (
        f"The naive kernel's peak at n = {n:,} is **{peak / 1e9:.1f} GB**: {copies:.2f} times the "
        f"{matrix / 1e9:.1f} GB of one 16 × n × n bfloat16 matrix, so {_count(round(copies))} such matrices are alive "
        "at once: each step of softmax(q·kᵀ/√d)·v writes a new one while its input is still held (first the scores "
        "q·kᵀ and their copy divided by √d, then the scaled scores and the softmax weights)"
    )
    text += (f", plus the n × n boolean causal mask ({mask / 1e9:.2f} GB)." if causal else ".")
    if abs(rest) > 0.01 * peak:
        text += f" The remaining {rest / 1e9:.2f} GB are smaller buffers."
    one = H100_HEADS * wall * wall * BF16_BYTES
    if one > H100_NAMED_BYTES:
        text += (f" At n = {wall:,} one such matrix alone would be {one / 1e9:.0f} GB, more than the card's 80 GB: the "
                 "call ran out of memory")
    else:
        need = round(copies) * one + (wall * wall if causal else 0)
        text += (f" At n = {wall:,} the call ran out of memory, although by the same count it would need about "
                 f"{need / 1e9:.1f} GB of the card's 80 GB: what else held memory there is not in the data")
    text += (
        " (marked at that n on both charts; larger n were not tried). The fused "
        "kernels (FlashAttention-2, memory-efficient, cuDNN) compute the same result tile by tile in the chip's small, "
        f"fast on-chip memory: FlashAttention-2 needs **{big['peak_extra_bytes'] / 1e6:.0f} MB at n = "
        f"{int(big['n']):,}**, about the size of its own output ({output / 1e6:.0f} MB), and at n = {n:,} it is "
        f"{speedup:.1f}× faster than naive, because it never writes the big matrix out to GPU memory and reads it back "
        "(Dao et al. 2022)."
    )
    return text


def _count(k: int) -> str:
    return {1: "one", 2: "two", 3: "three", 4: "four"}.get(k, str(k))

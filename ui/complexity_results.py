"""The Complexity page's sections that show numbers: live results, attention vs RNN, the H100 reference."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from attention.measure import BLOCK_K, BLOCK_Q, call_bytes
from figures.complexity import (
    d_figure,
    gflops_figure,
    gpu_figures,
    memory_figure,
    rnn_time_figure,
    runtime_figure,
    steps_figure,
)
from ui.complexity_run import SLOPE_POINTS, d_fit, gpu_reference, slopes

DISPLAY = {  # table column -> heading shown to students and in the CSV
    "method": "method", "n": "n", "d": "d", "heads": "heads", "status": "status", "note": "note",
    "median_ms": "median (ms)", "fastest_ms": "fastest (ms)", "slowest_ms": "slowest (ms)",
    "peak_mib": "peak memory (MiB)", "estimate_mib": "estimated beforehand (MiB)", "gflops": "GFLOP/s",
}


def fmt(x: float) -> str:
    """A slope for display: two decimals, or a dash when there were too few sizes to fit one."""
    return f"{x:.2f}" if math.isfinite(x) else "—"


def _noisy(table: pd.DataFrame) -> bool:
    """True when many timings varied by more than 2x between calls: the server was busy."""
    ok = table[(table["status"] == "ok") & (table["median_ms"] > 1)]
    return len(ok) > 0 and float((ok["slowest_ms"] > 2 * ok["fastest_ms"]).mean()) > 0.3


def _status_summary(results: dict) -> None:
    table = pd.concat([results["table"], results["d_table"]])
    refused = table[table["status"] == "over memory budget"].drop_duplicates(["method", "n", "d"])
    late = table[table["status"] == "out of time"].drop_duplicates(["method", "n", "d"])
    done = table[table["status"] == "ok"].drop_duplicates(["method", "n", "d"])
    threads = "one CPU thread" if results["one_thread"] else "numpy's default CPU threads"
    st.caption(f"Measured {len(done)} cases in {results['seconds']:.1f} s on this server, just now "
               f"(d = {results['settings']['d']}, {results['settings']['heads']} head(s), float32, {threads}). Each "
               "point is the median of 3 to 7 calls after a warm-up; bars show the fastest and slowest.")
    if len(refused):
        items = "; ".join(f"{r.method} at n = {r.n:,}: {r.note}" for r in refused.itertuples())
        st.warning(f"Not run, over the server's memory budget: {items}.", icon="🧮")
    if len(late):
        items = ", ".join(f"{r.method} n = {r.n:,}" + (f" d = {r.d}" if r.d != results["settings"]["d"] else "")
                          for r in late.itertuples())
        st.warning(f"The run reached its time limit of {results['time_budget']:g} s, so these were not measured: "
                   f"{items}. Everything else was.", icon="⏱️")
    if _noisy(table):
        st.info("The server was busy while you measured (the same call often took twice as long from one try to "
                "the next), so the curves are bumpy. Run again in a quieter moment for cleaner slopes.", icon="🌪️")


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
    cols[1].metric("tiled: time slope", fmt(time_slopes["tiled"]), help="the same work: also ≈ 2")
    cols[2].metric("naive: memory slope", fmt(mem_slopes["naive"]), help="≈ 2: the n × n matrix")
    cols[3].metric("tiled: memory slope", fmt(mem_slopes["tiled"]),
                   help="at most 1: a fixed tile plus an output that grows like n")
    st.markdown(
        "A slope of 2 on log-log axes means *doubling n quadruples the cost* (the slopes are fitted over the "
        f"{SLOPE_POINTS} largest n, where growth shows; at small n fixed costs such as Python's own overhead "
        "flatten every curve). Both methods do the same arithmetic, so their **time** slopes agree, near 2. "
        "Their **memory** parts ways: naive holds the whole weight matrix, slope 2; tiled holds one "
        f"{BLOCK_Q} × {BLOCK_K} tile, whatever n is, plus the n × d output, so its slope stays at most 1 and "
        "creeps up towards 1 as the output outgrows the tile. In numpy each tile also costs a little Python "
        "bookkeeping, so tiled runs a bit slower here; on a GPU the same idea runs faster than naive (see "
        "the H100 section below)."
    )
    left, right = st.columns(2)
    fit = d_fit(results["d_table"])
    left.plotly_chart(d_figure(results["d_table"], fit), width="stretch", key="complexity_d")
    right.plotly_chart(gflops_figure(table, results["matmul_gflops"]), width="stretch", key="complexity_gflops")
    st.markdown(
        "**Against d** the time is a straight line, as O(n²·d) says, but not through zero: the softmax's "
        "n² exponentials cost the same whatever d is. **GFLOP/s** counts only the two matrix products "
        f"(4·n²·d·H). This machine multiplies matrices at about {results['matmul_gflops']:.0f} GFLOP/s; attention "
        "gets less, because its exponentials, maxima and sums are work that the FLOP count leaves out, and "
        "because reading and writing the n × n matrix costs memory traffic."
    )
    shown = pd.concat([table.assign(series="against n"), results["d_table"].assign(series="against d")])
    shown = shown[["series", *DISPLAY]].rename(columns=DISPLAY)
    with st.expander("📋 The numbers (table and CSV)", expanded=False):
        st.dataframe(shown, hide_index=True, width="stretch")
        st.download_button("⬇️ Download the measurements (CSV)", shown.to_csv(index=False).encode(),
                           "attention_measurements.csv", mime="text/csv", key="complexity_csv")


def render_rnn(results: dict | None, ns: list[int]) -> None:
    """Attention vs a recurrent network: sequential steps always, measured times after a run."""
    left, right = st.columns(2)
    left.plotly_chart(steps_figure(ns), width="stretch", key="complexity_steps")
    if results is None:
        right.info("Run a measurement above to time a small numpy RNN over the same lengths.", icon="▶️")
    else:
        right.plotly_chart(rnn_time_figure(results["table"]), width="stretch", key="complexity_rnn")
    st.markdown(
        "A recurrent network (RNN) reads a sequence one token at a time: step *t* needs the hidden state of "
        "step *t − 1*, so n tokens mean **n steps in a row**, each a small O(d²) product: O(n·d²) work in "
        "total. Attention compares all pairs in **one step** of large matrix products: O(n²·d) work."
    )
    if results is not None:
        st.markdown(_rnn_verdict(results["table"]))
    st.markdown(
        "**What a CPU shows:** attention's work grows like n², the RNN's only like n, so for long enough "
        "sequences the RNN finishes first here: a CPU has only a few cores for attention's big products to "
        "spread over. For short sequences the RNN's n steps, each with the fixed cost of one turn of a Python "
        "loop, can make it the slower one.\n\n"
        "**Why GPUs change the verdict:** a GPU runs tens of thousands of multiply-adds at once. Attention's "
        "single big step fills it; the RNN's n small steps cannot, since each must wait for the one before. "
        "So on GPUs attention trains far faster per token, and every word reaches every other in one hop "
        "instead of through n − 1 steps of memory: the reason transformers replaced RNNs."
    )


def _rnn_verdict(table: pd.DataFrame) -> str:
    """One sentence on what this run measured: attention vs RNN at the smallest and largest shared n."""
    naive, rnn = (table[(table["method"] == m) & (table["status"] == "ok")].set_index("n")["median_ms"]
                  for m in ("naive", "rnn"))
    shared = sorted(set(naive.index) & set(rnn.index))
    if not shared:
        return "*In your run, no length was measured for both attention and the RNN.*"
    parts = []
    for n in dict.fromkeys((shared[0], shared[-1])):
        faster = "attention" if naive[n] < rnn[n] else "the RNN"
        parts.append(f"at n = {n:,}, attention took {naive[n]:.3g} ms and the RNN {rnn[n]:.3g} ms ({faster} "
                     "was faster)")
    return "**In your run:** " + "; ".join(parts) + "."


def render_gpu(state) -> None:
    """The shipped H100 reference: time and memory per kernel, out-of-memory points, provenance."""
    data = gpu_reference()
    st.toggle("Causal attention (as in GPT)", key=state.key("gpu_causal"))
    causal = bool(state["gpu_causal"])
    time_fig, mem_fig = gpu_figures(data, causal)
    left, right = st.columns(2)
    left.plotly_chart(time_fig, width="stretch", key="complexity_gpu_time")
    right.plotly_chart(mem_fig, width="stretch", key="complexity_gpu_memory")
    st.markdown(_gpu_story(data[data["causal"] == causal], causal))
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


def _gpu_story(data: pd.DataFrame, causal: bool) -> str:
    """What the chart shows, with its numbers read from the data."""
    naive = data[data["variant"] == "naive"].sort_values("n")
    last = naive[naive["status"] == "ok"].iloc[-1]
    wall = naive[naive["status"] == "out_of_memory"]["n"].min()
    flash = data[(data["variant"] == "sdpa_flash") & (data["status"] == "ok")].sort_values("n").iloc[-1]
    speedup = naive.set_index("n")["median_s"][last["n"]] / data[
        (data["variant"] == "sdpa_flash") & (data["n"] == last["n"])]["median_s"].iloc[0]
    mask = " (a causal run also builds an n × n mask)" if causal else ""
    return (
        f"The naive kernel keeps the 16 × n × n score matrix in GPU memory{mask}: **{last['peak_extra_bytes'] / 1e9:.1f} "
        f"GB at n = {last['n']:,}**. At n = {wall:,} it asks for more than the card's 80 GB and fails (✗ on the "
        "80 GB line; larger sizes were not tried). The fused kernels (FlashAttention-2, memory-efficient, cuDNN) "
        "compute the same result tile by tile in the chip's small, fast on-chip memory: FlashAttention-2 needs "
        f"**{flash['peak_extra_bytes'] / 1e6:.0f} MB at n = {flash['n']:,}**, and at n = {last['n']:,} it is "
        f"{speedup:.1f}× faster than naive, because it never writes the big matrix out to GPU memory and reads "
        "it back."
    )

"""Complexity page exercises: the memory of the n × n weights, the FLOP count, tiled attention's memory,
what FlashAttention does and does not reduce, and the online softmax's rescale factor.

Numbers come from the page's cost model (:mod:`attention.measure`: ``score_matrix_bytes``, ``call_bytes``,
``attention_flops``) and from :func:`attention.tiled_attention` (its trace) against
:func:`attention.scaled_dot_product_attention`.
"""

from __future__ import annotations

import numpy as np

from attention import scaled_dot_product_attention, tiled_attention
from attention.measure import BLOCK_K, BLOCK_Q, attention_flops, call_bytes, rnn_flops, score_matrix_bytes
from attention.tiled import TileStep

from .common import Resources, build, md_table, shuffle_options
from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

MIB = 2**20
N_KEYS, BLOCK, D_K = 12, 3, 4  # the page's online-softmax example: one query, 12 keys in blocks of 3


def _mib(b: float) -> str:
    return f"{b / MIB:,.2f}".rstrip("0").rstrip(".") + " MiB"


def memory(rng: np.random.Generator, res: Resources) -> Exercise:
    n, heads = int(rng.choice([1024, 2048, 4096, 8192])), int(rng.choice([1, 2, 4, 8]))
    now, later = score_matrix_bytes(n, heads), score_matrix_bytes(2 * n, heads)  # bytes of the (H, n, n) weights
    answer = later / MIB
    slips = [(2 * now / MIB, "That doubles the memory, as if it grew like n. The matrix is n × n: twice the rows "
                             "and twice the columns."),
             (now / MIB, "That is the memory at n itself."),
             (score_matrix_bytes(2 * n) / MIB, f"That is one head; there are {heads}.")]
    return Exercise(
        id="complexity.memory",
        title="The n × n weights at 2n",
        kind=Kind.NUMBER,
        prompt=(f"Naive attention with **H = {heads}** head(s) stores an H × n × n matrix of float32 weights (4 bytes "
                f"each): at **n = {n:,}** that is **{now:,} bytes** ({_mib(now)}). How many **MiB** does it take at "
                f"**n = {2 * n:,}**? (1 MiB = 2²⁰ bytes.)"),
        answer=answer,
        tolerance=0.01 * answer,
        unit="MiB",
        digits=0,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(tex(rf"4 \times H \times (2n)^2 = 4 \times {heads} \times {2 * n:,}^2 = {later:,}\ \text{{bytes}} "
                      rf"= {later / MIB:,.0f}\ \text{{MiB}}".replace(",", "{,}")),
                  md(f"Twice the context, four times the memory: {_mib(now)} → {_mib(later)} "
                     "(`attention.measure.score_matrix_bytes`, the model the page's measurements are compared with).")),
        given={"n": n, "heads": heads},
    )


def flops(rng: np.random.Generator, res: Resources) -> Exercise:
    n, d, heads = int(rng.choice([1024, 2048, 4096, 8192])), int(rng.choice([32, 64, 128])), int(rng.choice([1, 2, 4, 8]))
    total = attention_flops(n, d, heads)
    answer = total / 1e9
    slips = [(total / 2e9, "That is half: count both products, Q·Kᵀ and weights·V, each n²·d multiply-adds of 2 "
                           "FLOPs (a multiply and an add)."),
             (total / 4e9, "That counts one product's multiply-adds only; each is 2 FLOPs and there are 2 products."),
             (heads * rnn_flops(n, d) / 1e9, "That is 4·n·d², the cost of an RNN over the sequence, not of "
                                             "attention."),
             (total / heads / 1e9, f"That is one head; there are {heads}.")]
    return Exercise(
        id="complexity.flops",
        title="How much arithmetic?",
        kind=Kind.NUMBER,
        prompt=(f"One attention call with **n = {n:,}** tokens, head dimension **d = {d}** and **H = {heads}** "
                "head(s) computes Q·Kᵀ and then weights·V. How many **GFLOP** (10⁹ floating-point operations) do "
                "those two matrix products take? Count a multiply-add as 2 FLOPs."),
        answer=answer,
        tolerance=0.02 * answer,
        unit="GFLOP",
        digits=3 if answer < 10 else 1,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(tex(rf"2\ \text{{products}} \times n^2 d \times 2\ \text{{FLOPs}} \times H = 4 \times {n}^2 \times "
                      rf"{d} \times {heads} = {total / 1e9:.4g} \times 10^9\ \text{{FLOP}} = {answer:.4g}\ \text{{GFLOP}}"),
                  md("Q·Kᵀ is n × n dot products of length d; weights·V is n rows of n weights times n × d values: "
                     "n²·d multiply-adds each (`attention.measure.attention_flops`). Doubling n quadruples it.")),
        given={"n": n, "d": d, "heads": heads},
    )


def tiled_growth(rng: np.random.Generator, res: Resources) -> Exercise:
    n, d, heads = int(rng.choice([1024, 2048, 4096])), int(rng.choice([32, 64, 128])), int(rng.choice([1, 2, 4, 8]))
    tiled = call_bytes("tiled", n, d, heads), call_bytes("tiled", 4 * n, d, heads)
    naive = call_bytes("naive", n, d, heads), call_bytes("naive", 4 * n, d, heads)
    r_tiled, r_naive = tiled[1] / tiled[0], naive[1] / naive[0]
    said = (f"Tiled: {_mib(tiled[0])} → {_mib(tiled[1])} (×{r_tiled:.1f}); naive: {_mib(naive[0])} → "
            f"{_mib(naive[1])} (×{r_naive:.1f}).")
    options = [
        Option("It stays the same: tiled attention's memory does not depend on n.",
               f"{said} The tile ({BLOCK_Q} × {BLOCK_K}) stays the same, but the output O is n × d and must be stored: "
               "that part grows with n."),
        Option("It grows like n, at most ×4: the n × d output grows, the tile does not.",
               f"{said} The fixed tile is why the factor is below 4 here; for large n it approaches 4."),
        Option("It grows like n², ×16, like naive attention's.",
               f"{said} Only naive attention stores the n × n weights; the tiled version keeps one tile at a time."),
        Option("It shrinks: a longer input is split into more tiles.",
               f"{said} More tiles are computed one after another, reusing the same tile of memory; nothing shrinks."),
    ]
    correct = 1 if 1.2 < r_tiled <= 4.0 else (2 if r_tiled > 8 else 0)
    options, answer = shuffle_options(rng, options, correct)
    return Exercise(
        id="complexity.tiled-growth",
        title="Does tiled attention's memory grow with n?",
        kind=Kind.PREDICT,
        prompt=(f"Tiled attention (FlashAttention's online softmax, tiles of {BLOCK_Q} queries × {BLOCK_K} keys), "
                f"d = {d}, H = {heads} head(s), needs about **{_mib(tiled[0])}** at **n = {n:,}**. Predict its memory at "
                f"**n = {4 * n:,}** (four times longer)."),
        answer=answer,
        options=options,
        solution=(md(md_table(["method", f"n = {n:,}", f"n = {4 * n:,}", "factor"],
                              [["naive", _mib(naive[0]), _mib(naive[1]), f"×{r_naive:.1f}"],
                               ["tiled", _mib(tiled[0]), _mib(tiled[1]), f"×{r_tiled:.1f}"]], align_right=(1, 2, 3))),
                  md("From the page's cost model (`attention.measure.call_bytes`): naive attention stores the n × n "
                     "weights (O(n²)); tiled attention stores the n × d output plus one tile and a few running "
                     "numbers per query (O(n)). The page's **Run measurement** draws this model beside the memory it "
                     "measures.")),
        chart=Chart(f"Memory of one call, d = {d}, H = {heads} (log scale)", ("naive", "tiled"),
                    ((f"n = {n:,}", (naive[0] / MIB, tiled[0] / MIB)), (f"n = {4 * n:,}", (naive[1] / MIB, tiled[1] / MIB))),
                    "MiB", log_y=True),
        given={"n": n, "d": d, "heads": heads},
    )


def flash(rng: np.random.Generator, res: Resources) -> Exercise:
    n, d = int(rng.choice([4096, 8192, 16384])), int(rng.choice([64, 128]))
    small = int(rng.choice([128, 256]))
    q, k, v = (rng.standard_normal((small, 16), dtype=np.float32) for _ in range(3))
    exact, _ = scaled_dot_product_attention(q, k, v)
    diff = float(np.abs(tiled_attention(q, k, v, block_q=BLOCK_Q, block_k=BLOCK_K) - exact).max())
    gflop = attention_flops(n, d) / 1e9
    naive, tiled = call_bytes("naive", n, d), call_bytes("tiled", n, d)
    options = [
        Option("It never stores the n × n weights, so its memory grows like n; it still does all n²·d multiply-adds "
               "and gives the same output.",
               f"At n = {n:,}, d = {d}: {_mib(naive)} (naive) against {_mib(tiled)} (tiled), and {gflop:,.1f} GFLOP "
               f"for both. Same output: on a random example (n = {small}) they differ by at most {diff:.1e}."),
        Option("It cuts the arithmetic from O(n²·d) to O(n·d).",
               f"Every query still meets every key: {gflop:,.1f} GFLOP at n = {n:,}, d = {d}, exactly as naive "
               "attention. On a GPU it is faster because it moves less data between slow and fast memory, not "
               "because it computes less."),
        Option("It approximates attention by skipping the small weights.",
               f"It is exact: on a random example (n = {small}) its output differs from ordinary attention by at most "
               f"{diff:.1e}, float32 rounding. Every weight is computed; the online softmax only rescales partial "
               "sums."),
        Option("It stores the weights in a smaller number format.",
               f"Here both work in float32. The saving comes from never holding the n × n matrix: {_mib(naive)} "
               f"against {_mib(tiled)} at n = {n:,}."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="complexity.flash",
        title="What FlashAttention reduces",
        kind=Kind.CHOICE,
        prompt=f"At **n = {n:,}**, d = {d}, what does tiled attention (FlashAttention) reduce, compared with naive attention?",
        answer=answer,
        options=options,
        solution=(md(md_table(["", "naive", "tiled"],
                              [["memory of one call", _mib(naive), _mib(tiled)],
                               ["arithmetic", f"{gflop:,.1f} GFLOP", f"{gflop:,.1f} GFLOP"],
                               ["output", "exact", f"exact (max difference {diff:.1e})"]], align_right=(1, 2))),),
        given={"n": n, "d": d},
    )


def rescale(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(500):
        q = rng.standard_normal((1, D_K), dtype=np.float32) * np.float32(1.5)  # (1, d): as on the page
        k = rng.standard_normal((N_KEYS, D_K), dtype=np.float32)
        v = rng.standard_normal((N_KEYS, 2), dtype=np.float32)
        trace: list[TileStep] = []
        tiled_attention(q, k, v, block_q=1, block_k=BLOCK, trace=trace)
        steps = [s for s in range(1, len(trace)) if 0.1 < float(trace[s].rescale[0]) < 0.9]
        if steps:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    s = int(rng.choice(steps))
    old, new = trace[s - 1], trace[s]
    m_old, m_new, block_max = float(old.row_max[0]), float(new.row_max[0]), float(new.block_max[0])
    answer = float(new.rescale[0])
    keys = f"k{new.keys[0]}–k{new.keys[1] - 1}"
    return Exercise(
        id="complexity.rescale",
        title="The online softmax's rescale",
        kind=Kind.NUMBER,
        prompt=(f"One query reads {N_KEYS} keys in blocks of {BLOCK}. After block {s}, the running max is "
                f"**m = {fmt(m_old)}** and the running sum is ℓ = {fmt(float(old.row_sum[0]))}. Block {s + 1} "
                f"(keys {keys}) has the largest score so far, **{fmt(block_max)}**. By what factor must ℓ (and the "
                "running output) be multiplied before adding the new block? Give at least 2 decimals."),
        answer=answer,
        tolerance=0.006,
        digits=3,
        mistakes=(Mistake(1 / answer, "That is e^(m_new − m_old), the inverse: the old terms were computed with the "
                                      "smaller max, so they shrink."),
                  Mistake(1.0, "The max has changed, so the old terms must be rescaled.")),
        solution=(tex(rf"e^{{m_\text{{old}} - m_\text{{new}}}} = e^{{{fmt(m_old)} - {fmt(m_new)}}} = "
                      rf"e^{{{fmt(m_old - m_new)}}} = {fmt(answer, 4)}".replace("−", "-")),
                  md(f"Every term summed so far was e^(score − {fmt(m_old)}); it should be e^(score − {fmt(m_new)}), "
                     f"which is the old one times e^({fmt(m_old)} − {fmt(m_new)}). `attention.tiled_attention`'s trace: "
                     f"ℓ goes from {fmt(float(old.row_sum[0]))} to {fmt(float(old.row_sum[0]))} × {fmt(answer, 4)} + "
                     f"the new block's terms = {fmt(float(new.row_sum[0]))}.")),
        given={"m_old": m_old, "m_new": m_new},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Complexity page's set for ``seed``."""
    return build(seed, (memory, flops, tiled_growth, flash, rescale), res)

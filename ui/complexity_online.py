"""The Complexity page's online-softmax step-through: one query reads its keys block by block.

Every number shown comes from :func:`attention.tiled_attention`'s trace, checked against
:func:`attention.row_arithmetic` (the one-pass softmax of the whole row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from attention import row_arithmetic, scaled_dot_product_attention
from attention.tiled import TileStep, tiled_attention
from figures.complexity import online_softmax_figure
from ui.charts import cached_figure
from ui.state import PageState

N_KEYS, BLOCK, D_K, D_V = 12, 3, 4, 2
STEPS = N_KEYS // BLOCK
# The first example: the running max rises at block 2, holds at block 3 and rises again at block 4,
# so a student sees both a rescale and a block that changes nothing (test_complexity_app checks it).
DEFAULT_SEED = 2


def example(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One query, 12 keys and values: small random float32 numbers, the same for the same seed."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((1, D_K), dtype=np.float32) * np.float32(1.5)  # a sharper query: varied scores
    return q, rng.standard_normal((N_KEYS, D_K), dtype=np.float32), rng.standard_normal((N_KEYS, D_V), dtype=np.float32)


def _vector(x: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(v):.3f}" for v in x) + "]"


def rises(trace: list[TileStep]) -> list[int]:
    """The blocks (numbered from 1) that raised the running max, so that the sums so far were rescaled."""
    return [i + 1 for i, t in enumerate(trace) if i > 0 and float(t.rescale[0]) < 1.0]


def rescale_text(trace: list[TileStep]) -> str:
    """What this example's blocks did to the running max, from its trace."""
    raised = rises(trace)
    if not raised:
        return ("In this example the first block already holds the row's largest score, so the max never rises and "
                "nothing is ever rescaled: press **New numbers** for an example where it does.")
    parts = [f"block {b} (m: {float(trace[b - 2].row_max[0]):.3f} → {float(trace[b - 1].row_max[0]):.3f}, "
             f"everything so far × {float(trace[b - 1].rescale[0]):.4f})" for b in raised]
    kept = [i + 1 for i in range(1, len(trace)) if i + 1 not in raised]
    text = f"Over the {len(trace)} blocks of this example, the running max rises at " + " and at ".join(parts) + "."
    if kept:
        text += (" " + ("Block " if len(kept) == 1 else "Blocks ") + ", ".join(map(str, kept))
                 + " bring" + ("s" if len(kept) == 1 else "") + " no larger score: rescale 1, nothing changes.")
    return text


def steps_table(trace: list[TileStep], upto: int) -> pd.DataFrame:
    """The running quantities after each of the first ``upto`` blocks."""
    rows = trace[:upto]
    return pd.DataFrame(
        {
            "block": [f"{i + 1}: keys k{t.keys[0]}–k{t.keys[1] - 1}" for i, t in enumerate(rows)],
            "block max m̃": [float(t.block_max[0]) for t in rows],
            "running max m": [float(t.row_max[0]) for t in rows],
            "rescale e^(m_old − m_new)": ["— (nothing yet)" if i == 0 else f"{float(t.rescale[0]):.4f}"
                                      for i, t in enumerate(rows)],
            "running sum ℓ": [float(t.row_sum[0]) for t in rows],
            "output so far O/ℓ": [_vector(t.output[0]) for t in rows],
        }
    )


def render(state: PageState) -> None:
    """The section: explanation, a 'blocks read' slider, the chart, the table and the final check."""
    st.markdown(
        "A softmax needs the largest score of the row (to keep `exp` from overflowing) and the sum of all the "
        "exponentials, which seems to require the whole row of n scores at once. The **online softmax** "
        "(Milakov & Gimelshein 2018), at the heart of FlashAttention, reads the keys **a block at a time** "
        "and keeps three running quantities per query: the max **m**, the sum **ℓ** of `exp(score − m)`, and "
        "the weighted sum **O** of the values (a vector). When a block brings a bigger score, m rises from "
        "m_old to m_new and everything accumulated so far is multiplied by **e^(m_old − m_new)**, which is "
        "exactly what it would have been had m_new been known from the start. After the last block, O/ℓ *is* "
        "the attention output."
    )
    st.caption(f"Below: one query, {N_KEYS} keys read in blocks of {BLOCK}, d = {D_K}. These are the real numbers "
               "recorded by `attention.tiled_attention` while it ran.")
    q, k, v = example(state["seed"])
    trace: list[TileStep] = []
    out = tiled_attention(q, k, v, block_q=1, block_k=BLOCK, trace=trace)
    row = row_arithmetic(q[0], k, v)  # the whole row in one pass, for the check
    reference, _ = scaled_dot_product_attention(q, k, v)

    left, right = st.columns([3, 1])
    left.slider("Blocks read so far", 1, STEPS, key=state.key("step"))
    right.button("🎲 New numbers", on_click=lambda: state.set("seed", (state["seed"] + 1) % 1000),
                 help="Another random query, keys and values", key="complexity_new_numbers")
    step = state["step"]
    now = trace[step - 1]
    st.plotly_chart(cached_figure(online_softmax_figure, row.scores, BLOCK, step, float(now.row_max[0]), float(now.row_sum[0])),
                    width="stretch", key="complexity_online")
    st.dataframe(steps_table(trace, step), hide_index=True, width="stretch")
    st.markdown(rescale_text(trace))
    if step < STEPS:
        st.caption("Move the slider to read the next block. A rescale below 1 means that block raised the max.")
    else:
        st.success(
            f"All {N_KEYS} keys read. Running max m = {float(now.row_max[0]):.4f}: the row's true max is "
            f"{row.row_max:.4f}. Running sum ℓ = {float(now.row_sum[0]):.4f}: one pass over the whole row gives "
            f"{row.total:.4f}. Output O/ℓ = {_vector(out[0])}; ordinary attention gives {_vector(reference[0])} "
            f"(largest difference {float(np.abs(out - reference).max()):.1e}). Never were all {N_KEYS} weights held "
            "at once.",
            icon="✅",
        )

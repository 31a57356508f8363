"""Academic, section 5: the cost of a layer, as Vaswani et al. (2017) Table 1 compares it, and measured memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from attention import experiments as E
from ui.layout import ROOT

COMPLEXITY_PAGE = "pages/4_📈_Complexity.py"
WEIGHT_SIZES = (128, 256, 512, 1024)  # the memory table's n; 1024² float32 = 4 MB

# Vaswani et al. (2017), Table 1: n = sequence length, d = representation dimension, k = kernel size of
# convolutions, r = size of the neighbourhood in restricted self-attention.
TABLE_1 = pd.DataFrame(
    {
        "Complexity per layer": ["O(n² · d)", "O(n · d²)", "O(k · n · d²)", "O(r · n · d)"],
        "Sequential operations": ["O(1)", "O(n)", "O(1)", "O(1)"],
        "Maximum path length": ["O(1)", "O(n)", "O(log_k(n))", "O(n / r)"],
    },
    index=pd.Index(["Self-attention", "Recurrent", "Convolutional", "Self-attention (restricted)"],
                   name="Layer type"),
)


@st.cache_data(max_entries=1, show_spinner=False)
def measured_weight_bytes() -> list[int]:
    return E.weights_nbytes(WEIGHT_SIZES, 64, rng=np.random.default_rng(0))


def render() -> None:
    st.markdown(
        "Vaswani et al. (2017), Table 1, compare layer types by three quantities: the **complexity per layer** "
        "(operations for a sequence of n positions with vectors of size d), the **sequential operations** "
        "(steps that must wait for one another, so cannot run in parallel) and the **maximum path length** "
        "(the most steps a signal must take from any position to any other):"
    )
    st.table(TABLE_1)
    st.markdown(
        "Attention trades compute for parallelism: its n² pairs are independent, so a GPU evaluates them in "
        "one matrix product, whereas an RNN must walk through the sequence one step at a time. Any two positions "
        "are one step apart, so information and gradients never have to cross n recurrent steps, the reason "
        "RNNs struggle with long-range dependencies (Bengio et al., 1994). Self-attention is faster than a "
        "recurrent layer when n is smaller than d, the usual case for sentences (Vaswani et al., 2017, §4)."
    )
    st.markdown(
        "Table 1 has no memory column. Memory is the price the table leaves out: a head keeps its n × n weight "
        "matrix (H of them for H heads), so doubling n quadruples it, while a recurrent layer keeps n hidden "
        "states of size d. Measured on the arrays `attention.scaled_dot_product_attention` returns (float32, "
        "d = 64):"
    )
    sizes = measured_weight_bytes()
    st.dataframe(
        pd.DataFrame({
            "n": WEIGHT_SIZES,
            "weights shape": [f"{n} × {n}" for n in WEIGHT_SIZES],
            "bytes (measured: weights.nbytes)": [f"{b:,}" for b in sizes],
            "= 4 n² (float32)": [f"{4 * n * n:,}" for n in WEIGHT_SIZES],
            "ratio to the row above": ["–"] + [f"×{b / a:.1f}" for a, b in zip(sizes, sizes[1:], strict=False)],
        }),
        hide_index=True,
        width="stretch",
    )
    if (ROOT / COMPLEXITY_PAGE).exists():
        st.page_link(COMPLEXITY_PAGE, label="Measure time and memory against n, and see how FlashAttention "
                     "avoids storing the n × n matrix, on the Complexity page", icon="📈")
    else:
        st.caption("The Complexity page measures time and memory against n, and shows how FlashAttention "
                   "(Dao et al., 2022) avoids storing the n × n matrix.")

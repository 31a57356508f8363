"""Step 4 of the step-by-step page: one weight spelled out, and the whole row of its query as tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from ui.arithmetic import (
    contribution_rows,
    dot_product_latex,
    score_latex,
    softmax_latex,
    summary_sentence,
    weighted_sum_latex,
)
from ui.heatmap_common import row_table
from ui.pickers import word_picker
from ui.state import PageState


def zoom(state: PageState, labels: Sequence[str], words: Sequence[str], q: np.ndarray, k: np.ndarray,
         v: np.ndarray, mask: np.ndarray | None, scale: float | None) -> int:
    """The picked cell's arithmetic (query row ``state["row"]``, key ``state["col"]``); returns the row.

    ``q``, ``k``, ``v``: (T, d_k); ``mask``: (T, T) or None; ``scale``: None = 1/√d_k.
    """
    d_k = q.shape[1]
    st.markdown("Pick a query word and a key word, or click a cell of the attention weights in Step 3.")
    z1, z2 = st.columns(2)
    i = word_picker(z1, "Query word (row)", labels, state, "row")
    j = word_picker(z2, "Key word (column)", labels, state, "col")
    ra = A.row_arithmetic(q[i], k, v, None if mask is None else mask[i], scale=scale)
    st.markdown(f"**The weight of {labels[i]} → {labels[j]} is {ra.weights[j]:.4f}.** It takes three moves.")
    st.markdown("1 · The dot product of the query vector with the key vector, term by term:")
    st.latex(dot_product_latex(ra, j, words[i], words[j], max_terms=8, per_line=4))
    st.markdown("2 · Scale it: multiply by 1/√d_k" if state["scaled"]
                else "2 · No scaling (the toggle is off): the score is the dot product itself")
    st.latex(score_latex(ra, j))
    st.markdown("3 · Softmax over the whole row: exponentiate after subtracting the row's largest score, then "
                "divide by the sum of the row's exponentials:")
    st.latex(softmax_latex(ra, j))
    st.markdown(f"**Then the output row of {labels[i]}** is the weighted sum of the rows of V:")
    st.latex(weighted_sum_latex(ra, words, words[i], per_line=4))
    tl, tr = st.columns(2)
    with tl:
        st.markdown(f"**The whole row of {labels[i]}**: every key's numbers")
        row_table(ra, words)
        st.caption(summary_sentence(ra))
    with tr:
        st.markdown("**Each key's share of the output**: weight × its row of V")
        v_index = [str(c) for c in range(d_k)]  # "weight × v[0]": entry 0 of the key's value vector
        st.dataframe(pd.DataFrame(contribution_rows(ra, words, v_index)), hide_index=True, width="stretch",
                     column_config={"weight": st.column_config.NumberColumn(format="%.4f")}
                     | {f"weight × v[{c}]": st.column_config.NumberColumn(format="%.3f") for c in v_index})
    return i

"""Pieces of the Heatmap page shared by its modes: the clickable heatmap, the detail panel, CSV export."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from attention import row_arithmetic
from figures.heatmap import row_bars
from ui.arithmetic import arithmetic_rows, dot_product_latex, score_latex, softmax_latex, summary_sentence
from ui.state import PageState

TEXT_MAX_CHARS = 3000  # the sentence box's limit; longer text (only possible from code) is refused unread
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def unique_labels(tokens: Sequence[str]) -> list[str]:
    """``"3: the"``-style labels: position + word, unique even when a word repeats."""
    return [f"{i}: {t}" for i, t in enumerate(tokens)]


def position(value: Any) -> int:
    """A row/column/head index read from session_state, whatever shape it arrived in.

    A selectbox whose labels contain words (``"7: it"``) sends its old label back after the sentence
    changes; Streamlit then hands that string over instead of the index. Read the index from it.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return max(int(value), 0)
    found = re.search(r"\d+", str(value))
    return int(found.group()) if found else 0


def normalise_positions(state: PageState, names: Sequence[str] = ("row", "col", "head")) -> None:
    """Turn each position parameter back into an int before any widget or mode reads it."""
    for name in names:
        value = state[name]
        if position(value) != value or isinstance(value, bool):
            state.set(name, position(value))


def clickable_chart(fig, key: str, on_cell: Callable[[int, int], None]) -> None:
    """Draw a figure from ``figures.matrix.matrix_heatmap(clickable=True)``; a click calls ``on_cell(row, col)``."""

    def clicked() -> None:
        event = st.session_state.get(key) or {}
        points = (event.get("selection") or {}).get("points") or []
        if points:
            on_cell(int(round(points[0]["y"])), int(round(points[0]["x"])))

    st.plotly_chart(
        fig, width="stretch", key=key, on_select=clicked, selection_mode="points", config=CHART_CONFIG
    )


def weights_csv(weights: np.ndarray, tokens: Sequence[str], key_tokens: Sequence[str] | None = None) -> str:
    """The (T, S) weights as CSV: one row per query, one column per key, labelled ``i: word``."""
    frame = pd.DataFrame(
        np.asarray(weights, dtype=float),
        index=pd.Index(unique_labels(tokens), name="query \\ key"),
        columns=unique_labels(key_tokens if key_tokens is not None else tokens),
    )
    return frame.to_csv(float_format="%.6f")


def detail_panel(
    tokens: Sequence[str],
    q: np.ndarray,
    k: np.ndarray,
    row: int,
    col: int,
    *,
    mask: np.ndarray | None = None,
    temperature: float = 1.0,
    head_label: str = "",
    key: str = "detail",
) -> np.ndarray:
    """One query's row: its bars, then the arithmetic of the picked cell and of the whole row.

    ``q`` (T, d_k) and ``k`` (S, d_k) are one head's queries and keys. Returns the row's weights.
    """
    ra = row_arithmetic(q[row], k, None, None if mask is None else mask[row], temperature=temperature)
    query, key_word = tokens[row], tokens[col]
    st.plotly_chart(row_bars(ra.weights, tokens, query, highlight=col), width="stretch", key=f"{key}_bars",
                    config=CHART_CONFIG)
    st.markdown(f"**How the weight of `{code_span(query)}` → `{code_span(key_word)}` is computed** {head_label}")
    st.markdown("1 · Dot product of the query vector with the key vector, term by term:")
    st.latex(dot_product_latex(ra, col, query, key_word, per_line=3))
    st.markdown("2 · Scale it (÷√d_k" + (", ÷ temperature" if temperature != 1 else "") + "):")
    st.latex(score_latex(ra, col))
    st.markdown("3 · Softmax over the whole row: exponentiate (after subtracting the row's largest score) "
                "and divide by the sum:")
    st.latex(softmax_latex(ra, col))
    st.markdown("**The whole row**: every key's dot product, score, exponential and weight.")
    st.dataframe(
        pd.DataFrame(arithmetic_rows(ra, tokens)),
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(format="%.4f")
                       for c in ("q·k", "score (scaled)", "exp(score − max)", "weight")},
    )
    st.caption(summary_sentence(ra))
    return ra.weights


def code_span(text: str) -> str:
    """Text for an inline code span: backticks replaced so the span cannot be closed early."""
    return str(text).replace("`", "ˋ")

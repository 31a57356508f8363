"""Pieces of the Heatmap page shared by its modes: the clickable heatmap, the detail panels, CSV export."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from attention import RowArithmetic, row_arithmetic
from figures.heatmap import row_bars
from ui.arithmetic import (
    arithmetic_rows,
    dot_product_latex,
    num,
    score_header,
    score_latex,
    softmax_latex,
    summary_sentence,
)
from ui.charts import cached_figure
from ui.pickers import normalise_positions, position  # noqa: F401  (re-exported: other pages import them here)

TEXT_MAX_CHARS = 3000  # the sentence box's limit; longer text (only possible from code) is refused unread
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
TERMS_PER_LINE = 4  # a dot product of d_k terms is written 4 terms a line (32 terms: 8 lines)
MAP_COLUMN = "in the map (words only)"


def unique_labels(tokens: Sequence[str]) -> list[str]:
    """``"3: the"``-style labels: position + word, unique even when a word repeats."""
    return [f"{i}: {t}" for i, t in enumerate(tokens)]


def clickable_chart(fig, key: str, on_cell: Callable[[int, int], None]) -> None:
    """Draw a figure from ``figures.matrix.matrix_heatmap(clickable=True)``; a click calls ``on_cell(row, col)``.

    Wrap it in ``ui.responsive.fit_box`` (same key) so that its numbers and crowded labels give way on a phone:
    a tap still reads a cell, and the page's detail panel spells out the picked one."""

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


def number_table(frame: pd.DataFrame, columns: Sequence[str], digits: int = 4) -> None:
    """``st.dataframe`` of ``frame`` with ``columns`` written to ``digits`` decimals.

    A missing number (a masked key's score, a hidden key's map weight) is shown as a dash, not as "None" or
    "-Infinity": such a column is sent as right-aligned text.
    """
    frame = frame.copy()
    config = {}
    for column in (c for c in columns if c in frame.columns):
        values = pd.to_numeric(frame[column])
        if values.isna().any():
            frame[column] = ["—" if pd.isna(v) else f"{v:.{digits}f}" for v in values]
            config[column] = st.column_config.TextColumn(alignment="right")
        else:
            config[column] = st.column_config.NumberColumn(format=f"%.{digits}f")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)


def row_table(ra: RowArithmetic, key_labels: Sequence[str], *, keep: np.ndarray | None = None,
              numbered: bool = True) -> pd.DataFrame:
    """The whole row as a table (see :func:`ui.arithmetic.arithmetic_rows`), drawn with 4 decimals.

    With ``keep`` (the positions the map shows when [CLS]/[SEP] are hidden), a last column gives each
    kept key's weight rescaled over the kept keys: the number in the map.
    """
    frame = pd.DataFrame(arithmetic_rows(ra, key_labels, numbered=numbered))
    if keep is not None:
        rescaled = np.full(len(key_labels), np.nan)
        kept = ra.weights[keep]
        rescaled[keep] = kept / kept.sum() if kept.sum() > 0 else 0.0
        frame[MAP_COLUMN] = rescaled
    number_table(frame, ("q·k", score_header(ra), "exp(score − max)", "weight", MAP_COLUMN))
    return frame


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
    keep: np.ndarray | None = None,
) -> RowArithmetic:
    """One query's row: its bars, then the arithmetic of the picked cell and of the whole row.

    ``q`` (T, d_k) and ``k`` (S, d_k) are one head's queries and keys; ``row``/``col`` index ``tokens``.
    ``keep`` (the positions shown when [CLS]/[SEP] are hidden) adds the last step the map takes: the weight
    rescaled over the kept keys; the bars then show that rescaled row, as the map does. Returns the arithmetic.
    """
    ra = row_arithmetic(q[row], k, None, None if mask is None else mask[row], temperature=temperature)
    query, key_word = tokens[row], tokens[col]
    if keep is None:
        shown = ra.weights[col]
        st.plotly_chart(cached_figure(row_bars, ra.weights, tokens, query, highlight=col, masked=~ra.allowed),
                        width="stretch", key=f"{key}_bars", config=CHART_CONFIG)
    else:
        kept = ra.weights[keep]
        words_total = float(kept.sum())
        rescaled = kept / words_total if words_total > 0 else np.zeros_like(kept)
        shown = float(rescaled[int(np.flatnonzero(keep == col)[0])])
        st.plotly_chart(
            cached_figure(row_bars, rescaled, [tokens[i] for i in keep], query, highlight=int(np.flatnonzero(keep == col)[0]),
                     title=f'Where "{query}" looks among the words ([CLS]/[SEP] hidden, rescaled to sum to 1)'),
            width="stretch", key=f"{key}_bars", config=CHART_CONFIG)
    where = f" of {head_label}" if head_label else ""
    st.markdown(f"**The weight of `{code_span(query)}` → `{code_span(key_word)}` is {shown:.4f}**: "
                + (f"the outlined cell{where}." if ra.allowed[col] else
                   f"the outlined cell{where} is masked, this query may not look at that key."))
    st.markdown("1 · Dot product of the query vector with the key vector, term by term:")
    st.latex(dot_product_latex(ra, col, query, key_word, per_line=TERMS_PER_LINE))
    st.markdown("2 · Scale it (" + ("÷√d_k" if ra.scale != 1 else "no scaling")
                + (", ÷ temperature" if temperature != 1 else "") + "):")
    st.latex(score_latex(ra, col))
    st.markdown("3 · Softmax over the whole row: exponentiate (after subtracting the row's largest score) "
                "and divide by the sum:")
    st.latex(softmax_latex(ra, col))
    if keep is not None:
        st.markdown("4 · The map hides [CLS] and [SEP]: it divides the weight by what this row gives to the "
                    "words (every key except [CLS] and [SEP]):")
        st.latex(rf"\text{{in the map}} = \frac{{{num(ra.weights[col], 4)}}}{{{num(words_total, 4)}}}"
                 rf" = {num(shown, 4)}")
    st.markdown("**The whole row**: every key's dot product, score, exponential and weight"
                + ("; the last column is the map's rescaled weight." if keep is not None else "."))
    if keep is None:
        row_table(ra, tokens)
    else:  # keys named as in the map and its pickers; [CLS]/[SEP] have no place there
        names = np.array([f"{t} (hidden in the map)" for t in tokens], dtype=object)
        names[keep] = unique_labels([tokens[i] for i in keep])
        row_table(ra, list(names), keep=keep, numbered=False)
    st.caption(summary_sentence(ra))
    return ra


def average_panel(
    tokens: Sequence[str],
    q: np.ndarray,
    k: np.ndarray,
    row: int,
    col: int,
    *,
    mask: np.ndarray | None = None,
    temperature: float = 1.0,
    key: str = "average",
) -> np.ndarray:
    """The picked cell of the *average* map: each head's own weight (its own softmax) and their mean.

    ``q``, ``k`` are (H, T, d_k). The average is not one softmax of any score, so there is no single
    q·k to spell out; this shows the H numbers it averages. Returns the mean row (what the map shows).
    """
    heads = [row_arithmetic(q[h, row], k[h], None, None if mask is None else mask[row], temperature=temperature)
             for h in range(q.shape[0])]
    weights = np.stack([ra.weights for ra in heads])  # (H, S)
    mean_row = weights.mean(axis=0)
    allowed = heads[0].allowed
    query, key_word = tokens[row], tokens[col]
    st.plotly_chart(cached_figure(row_bars, mean_row, tokens, query, highlight=col, masked=~allowed,
                             title=f'Where "{query}" looks, average of {len(heads)} heads (sums to 1)'),
                    width="stretch", key=f"{key}_bars", config=CHART_CONFIG)
    st.markdown(f"**The average weight of `{code_span(query)}` → `{code_span(key_word)}` is {mean_row[col]:.4f}** "
                "(the outlined cell): the mean of the weights the heads give this cell, each from its own softmax.")
    terms = [num(w, 4) for w in weights[:, col]]
    lines = [" + ".join(terms[c:c + TERMS_PER_LINE]) for c in range(0, len(terms), TERMS_PER_LINE)]
    body = r" \\ &\quad + ".join(lines)
    st.latex(rf"\begin{{aligned}} \bar w &= \tfrac{{1}}{{{len(heads)}}}\,\big( {body} \big) \\ "
             rf"&= {num(mean_row[col], 4)} \end{{aligned}}")
    header = score_header(heads[0])
    number_table(pd.DataFrame([{"head": f"Head {h + 1}", "q·k": float(ra.dots[col]),
                                header: float(ra.scores[col]) if ra.allowed[col] else None,
                                "weight in this head": float(ra.weights[col])} for h, ra in enumerate(heads)]),
                 ("q·k", header, "weight in this head"))
    st.caption("The average is not one softmax of any score: it is the mean of several softmaxes. Pick a head "
               "under *Show* to take its softmax apart step by step.")
    return mean_row


def code_span(text: str) -> str:
    """Text for an inline code span: backticks replaced so the span cannot be closed early."""
    return str(text).replace("`", "ˋ")

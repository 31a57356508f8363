"""Format the arithmetic of one attention row (an ``attention.RowArithmetic``) for display.

Pure functions (no streamlit): tables as lists of dicts, equations as LaTeX strings. Labels are user
text, so they are escaped for LaTeX here and never rendered as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attention import RowArithmetic

_LATEX_SPECIAL = {
    "\\": r"\backslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\hat{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\sim{}",
}


def latex_text(label: str, max_len: int = 24) -> str:
    r"""``\text{...}`` of a label with LaTeX's special characters escaped (long labels cut)."""
    label = str(label)
    if len(label) > max_len:
        label = label[: max_len - 1] + "…"
    return r"\text{" + "".join(_LATEX_SPECIAL.get(c, c) for c in label) + "}"


def num(x: float, digits: int = 3) -> str:
    """A number for an equation: fixed digits, a real minus sign, -inf shown as −∞."""
    if np.isneginf(x):
        return r"-\infty"
    return f"{x:.{digits}f}"


def dot_product_latex(ra: RowArithmetic, j: int, query: str, key: str, *, max_terms: int = 8) -> str:
    """``q_query · k_key = (a)(b) + ... = dot`` term by term (long vectors: first terms, then …)."""
    terms = [rf"({num(a)})({num(b)})" for a, b in zip(ra.query, ra.keys[j])]
    shown = terms[:max_terms] + ([r"\dots"] if len(terms) > max_terms else [])
    return (
        rf"q_{{{latex_text(query)}}} \cdot k_{{{latex_text(key)}}} = " + " + ".join(shown)
        + rf" = {num(ra.dots[j])}"
    )


def score_latex(ra: RowArithmetic, j: int) -> str:
    """``score = dot × scale ÷ temperature``."""
    if not ra.allowed[j]:
        return r"\text{score} = -\infty \quad (\text{masked: may not attend})"
    scale_part = rf"\times {num(ra.scale)}" if ra.scale != 1 else ""
    temp_part = rf"\div {num(ra.temperature, 2)}" if ra.temperature != 1 else ""
    return rf"\text{{score}} = {num(ra.dots[j])} {scale_part} {temp_part} = {num(ra.scores[j])}"


def softmax_latex(ra: RowArithmetic, j: int) -> str:
    """``weight = exp(score − max) / Σ exp(...)`` with the row's numbers."""
    if not ra.allowed[j]:
        return r"\text{weight} = 0"
    return (
        rf"\text{{weight}} = \frac{{e^{{{num(ra.scores[j])} - {num(ra.row_max)}}}}}{{\sum_j e^{{s_j - {num(ra.row_max)}}}}}"
        rf" = \frac{{{num(ra.exps[j], 4)}}}{{{num(ra.total, 4)}}} = {num(ra.weights[j], 4)}"
    )


def arithmetic_rows(ra: RowArithmetic, key_labels: Sequence[str]) -> list[dict]:
    """One row per key: the dot product, the scaled score, its exponential and the final weight."""
    rows = []
    for j, label in enumerate(key_labels):
        rows.append(
            {
                "key": f"{j}: {label}",
                "q·k": float(ra.dots[j]),
                "score (scaled)": float(ra.scores[j]) if ra.allowed[j] else float("-inf"),
                "exp(score − max)": float(ra.exps[j]),
                "weight": float(ra.weights[j]),
            }
        )
    return rows


def summary_sentence(ra: RowArithmetic) -> str:
    """A one-line recap in words (markdown-safe: numbers only)."""
    n_allowed = int(ra.allowed.sum())
    return (
        f"{n_allowed} key(s) allowed; scores multiplied by {ra.scale:.3f}"
        + (f" and divided by temperature {ra.temperature:g}" if ra.temperature != 1 else "")
        + f"; the largest score {ra.row_max:.3f} is subtracted before exp (it changes nothing but avoids overflow); "
        f"the exponentials add up to {ra.total:.4f}, and the weights to {float(ra.weights.sum()):.4f}."
    )

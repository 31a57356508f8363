"""Format the arithmetic of one attention row (an ``attention.RowArithmetic``) for display.

Pure functions (no streamlit): tables as lists of dicts, equations as LaTeX strings. Labels are user
text, so they are escaped for LaTeX here and never rendered as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attention import RowArithmetic

# KaTeX text mode: \hat, \sim and \backslash are math-only and would break the whole equation
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


def latex_text(label: str, max_len: int = 24) -> str:
    r"""``\text{...}`` of a label with LaTeX's special characters escaped (long labels cut)."""
    label = str(label)
    if len(label) > max_len:
        label = label[: max_len - 1] + "…"
    return r"\text{" + "".join(_LATEX_SPECIAL.get(c, c) for c in label) + "}"


def num(x: float, digits: int = 3) -> str:
    """A number for an equation (LaTeX): fixed digits; ±inf as ±∞, NaN as text (never ``nan``)."""
    x = float(x)
    if np.isnan(x):
        return r"\text{NaN}"
    if np.isinf(x):
        return r"-\infty" if x < 0 else r"\infty"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def dot_product_latex(
    ra: RowArithmetic, j: int, query: str, key: str, *, max_terms: int | None = None, per_line: int | None = None
) -> str:
    """``q_query · k_key = (a)(b) + ... = dot`` term by term: every term, unless ``max_terms`` cuts it (then …).

    ``per_line`` breaks the sum after that many terms (an ``aligned`` block), for narrow screens.
    """
    terms = [rf"({num(a)})({num(b)})" for a, b in zip(ra.query, ra.keys[j])]
    cut = max_terms is not None and len(terms) > max_terms
    shown = terms[:max_terms] + [r"\dots"] if cut else terms
    lhs = rf"q_{{{latex_text(query)}}} \cdot k_{{{latex_text(key)}}}"
    if per_line is None or len(shown) <= per_line:
        return lhs + " = " + " + ".join(shown) + rf" = {num(ra.dots[j])}"
    lines = [" + ".join(shown[c : c + per_line]) for c in range(0, len(shown), per_line)]
    body = r" \\ &\quad + ".join(lines)
    return rf"\begin{{aligned}} {lhs} &= {body} \\ &= {num(ra.dots[j])} \end{{aligned}}"


def score_latex(ra: RowArithmetic, j: int) -> str:
    """``score = dot × scale ÷ temperature``."""
    if not ra.allowed[j]:
        return r"\text{score} = -\infty \quad (\text{masked: may not attend})"
    scale_part = rf"\times {num(ra.scale)}" if ra.scale != 1 else ""
    temp_part = rf"\div {num(ra.temperature, 2)}" if ra.temperature != 1 else ""
    if not scale_part and not temp_part:
        return rf"\text{{score}} = {num(ra.scores[j])} \quad (\text{{no scaling: the dot product itself}})"
    return rf"\text{{score}} = {num(ra.dots[j])} {scale_part} {temp_part} = {num(ra.scores[j])}"


def minus(a: float, b: float, digits: int = 3) -> str:
    """``a - b`` for an equation, a negative ``b`` in parentheses: ``-1.494 - (-0.574)``, never ``- -0.574``."""
    right = num(b, digits)
    return f"{num(a, digits)} - " + (f"({right})" if right.startswith("-") else right)


def softmax_latex(ra: RowArithmetic, j: int) -> str:
    """``weight = exp(score − max) / Σ exp(...)`` with the row's numbers."""
    if not ra.allowed[j]:
        return r"\text{weight} = 0 \quad (\text{masked: } e^{-\infty} = 0)"
    m = num(ra.row_max)
    shift = f"({m})" if m.startswith("-") else m
    return (
        rf"\text{{weight}} = \frac{{e^{{{minus(ra.scores[j], ra.row_max)}}}}}{{\sum_j e^{{s_j - {shift}}}}}"
        rf" = \frac{{{num(ra.exps[j], 4)}}}{{{num(ra.total, 4)}}} = {num(ra.weights[j], 4)}"
    )


def score_header(ra: RowArithmetic) -> str:
    """The score column's header, saying what was done to q·k: ``score = q·k ÷ √d_k`` and so on."""
    d_k = ra.query.shape[0]
    steps = []
    if np.isclose(ra.scale, 1 / np.sqrt(d_k)) and ra.scale != 1:
        steps.append("÷ √d_k")
    elif ra.scale != 1:
        steps.append(f"× {ra.scale:.4g}")
    if ra.temperature != 1:
        steps.append("÷ temperature")
    return " ".join(["score = q·k", *steps])


def arithmetic_rows(ra: RowArithmetic, key_labels: Sequence[str], *, numbered: bool = True) -> list[dict]:
    """One row per key: the dot product, the score (header from :func:`score_header`), its exponential and
    the final weight. A masked key has no score (None, shown as a dash, never "-Infinity") and "masked" in its
    label. Labels are written ``"j: label"``, or as given when not ``numbered``.
    """
    header = score_header(ra)
    rows = []
    for j, label in enumerate(key_labels):
        rows.append(
            {
                "key": (f"{j}: {label}" if numbered else str(label)) + ("" if ra.allowed[j] else " (masked)"),
                "q·k": float(ra.dots[j]),
                header: float(ra.scores[j]) if ra.allowed[j] else None,
                "exp(score − max)": float(ra.exps[j]),
                "weight": float(ra.weights[j]),
            }
        )
    return rows


def summary_sentence(ra: RowArithmetic) -> str:
    """A one-line recap in words (markdown-safe: numbers only)."""
    n_allowed = int(ra.allowed.sum())
    n_masked = ra.allowed.size - n_allowed
    if ra.scale != 1:
        scaling = f"scores are q·k multiplied by {ra.scale:.3f}"
    else:
        scaling = "scores are the dot products themselves (no scaling)"
    return (
        f"{n_allowed} key(s) allowed" + (f", {n_masked} masked (weight 0)" if n_masked else "") + f"; {scaling}"
        + (f", divided by temperature {ra.temperature:g}" if ra.temperature != 1 else "")
        + f"; the largest score {ra.row_max:.3f} is subtracted before exp (it changes nothing but avoids overflow); "
        f"the exponentials add up to {ra.total:.4f}, and the weights to {float(ra.weights.sum()):.4f}."
    )


def vector_latex(values: Sequence[float], digits: int = 3, *, max_len: int = 8) -> str:
    """``[a,\\; b,\\; c]`` (long vectors: first entries, then …)."""
    shown = [num(x, digits) for x in list(values)[:max_len]] + ([r"\dots"] if len(values) > max_len else [])
    return r"\left[" + r",\; ".join(shown) + r"\right]"


def weighted_sum_latex(
    ra: RowArithmetic, key_labels: Sequence[str], query: str, *, max_terms: int = 8, per_line: int | None = None
) -> str:
    """``out_query = w_0 v_a + w_1 v_b + ... = [numbers]``: the output row as a weighted sum of V's rows.

    Masked keys (weight 0) are left out of the sum. Needs ``ra`` built with ``v``. ``per_line`` breaks
    the sum after that many terms and puts the resulting vector on its own line (an ``aligned`` block).
    """
    if ra.output is None:
        raise ValueError("weighted_sum_latex needs a RowArithmetic computed with v")
    terms = [
        rf"{num(ra.weights[j])}\,v_{{{latex_text(label)}}}"
        for j, label in enumerate(key_labels)
        if ra.allowed[j]
    ]
    if not terms:
        terms = [r"0 \quad (\text{every key is masked})"]
    shown = terms[:max_terms] + ([r"\dots"] if len(terms) > max_terms else [])
    lhs = rf"\text{{out}}_{{{latex_text(query)}}}"
    if per_line is None:
        return lhs + " = " + " + ".join(shown) + " = " + vector_latex(ra.output)
    lines = [" + ".join(shown[c : c + per_line]) for c in range(0, len(shown), per_line)]
    body = r" \\ &\quad + ".join(lines)
    return rf"\begin{{aligned}} {lhs} &= {body} \\ &= {vector_latex(ra.output)} \end{{aligned}}"


def contribution_rows(
    ra: RowArithmetic, key_labels: Sequence[str], dim_labels: Sequence[str] | None = None
) -> list[dict]:
    """One row per key: its weight and weight × v_key per dimension; a last row with the output (their sum).

    Rows are ``{"key": ..., "weight": ..., dim: ...}``; masked keys appear with weight 0.
    """
    if ra.contributions is None or ra.output is None:
        raise ValueError("contribution_rows needs a RowArithmetic computed with v")
    dims = list(dim_labels) if dim_labels is not None else [f"d{c}" for c in range(ra.output.shape[0])]
    rows = []
    for j, label in enumerate(key_labels):
        row = {"key": f"{j}: {label}", "weight": float(ra.weights[j])}
        row.update({f"weight × v[{d}]": float(c) for d, c in zip(dims, ra.contributions[j], strict=True)})
        rows.append(row)
    total = {"key": "sum = output row", "weight": float(ra.weights.sum())}
    total.update({f"weight × v[{d}]": float(o) for d, o in zip(dims, ra.output, strict=True)})
    rows.append(total)
    return rows

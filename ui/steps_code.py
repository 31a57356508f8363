"""The code panel of the step-by-step page: the source that ran, and a snippet that reproduces the screen.

Pure functions (no streamlit): strings in, strings out, so that a test can exec the snippet.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

import attention as A

EDITABLE = ("X", "W_Q", "W_K", "W_V")  # the page's editable matrices, in the order the rng draws them


@dataclass(frozen=True)
class Shown:
    """One function of the ``attention`` package shown on the page, beside its equation."""

    func: Callable
    equation: str  # LaTeX
    role: str  # what it did on this page (markdown)


# Equations are split over lines: they sit in a narrow column beside the source.
SHOWN = (
    Shown(A.project_qkv, r"\begin{aligned} Q &= X W_Q \\ K &= X W_K \\ V &= X W_V \end{aligned}",
          "Step 2: three matrix products turn the embeddings into queries, keys and values."),
    Shown(A.attention_scores,
          r"\begin{aligned} S &= \frac{QK^\top}{\sqrt{d_k}} \\ S_{ij} &= -\infty \text{ where masked} \end{aligned}",
          "Step 3: every query against every key, scaled; masked pairs become −∞."),
    Shown(A.softmax, r"\operatorname{softmax}(s)_j = \frac{e^{s_j - \max s}}{\sum_{j'} e^{s_{j'} - \max s}}",
          "Step 3: each row of scores becomes positive weights adding up to 1. Subtracting the row's "
          "largest score changes nothing mathematically and keeps exp() from overflowing."),
    Shown(A.scaled_dot_product_attention,
          r"\begin{aligned} &\text{Attention}(Q,K,V) \\ &= \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V"
          r" \end{aligned}",
          "Step 3: the whole equation at once; it returns the output **and** the weights."),
    Shown(A.causal_mask, r"M_{ij} = \begin{cases} \text{True} & j \le i \\ \text{False} & j > i \end{cases}",
          "Step 3: with the causal toggle on, word *i* may only look at words 0…*i*."),
    Shown(A.row_arithmetic,
          r"\begin{aligned} s_j &= q_i \cdot k_j \,/ \sqrt{d_k} \\ w_{ij} &= \frac{e^{s_j - m}}{\sum_{j'} e^{s_{j'} - m}}"
          r" \\ \text{out}_i &= \textstyle\sum_j w_{ij}\, v_j \end{aligned}",
          "Step 4: one query row, every intermediate number kept for the zoom (m = the row's largest score)."),
)


def source_of(func: Callable) -> str:
    """The source of a function exactly as it ran (``inspect``), so what is shown is what computed."""
    return inspect.getsource(func)


def array_literal(matrix: np.ndarray) -> str:
    """A float32 matrix as ``np.array([...], dtype=np.float32)`` that recreates it exactly.

    ``str(np.float32(v))`` is the shortest text that reads back as the same float32.
    """
    rows = ",\n    ".join(
        "[" + ", ".join(str(v) for v in row) + "]" for row in np.asarray(matrix, dtype=np.float32)
    )
    return f"np.array([\n    {rows},\n], dtype=np.float32)"


def reproduce_snippet(
    *,
    preset: str,
    seed: int,
    t: int,
    d_model: int,
    d_k: int,
    scaled: bool,
    causal: bool,
    row: int,
    edited: Mapping[str, np.ndarray] | None = None,
) -> str:
    """Python (numpy + ``attention`` only) that recomputes the page's numbers.

    The seed regenerates the page's random matrices; ``edited`` (name in :data:`EDITABLE` -> matrix)
    holds the matrices the student changed, written out as literals after the random draw.
    """
    edited = dict(edited or {})
    unknown = set(edited) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown matrices {sorted(unknown)}; editable ones are {EDITABLE}")
    overrides = "".join(f"{name} = {array_literal(edited[name])}\n" for name in EDITABLE if name in edited)
    if overrides:
        overrides = "\n# Your edits on the page replace those numbers:\n" + overrides
    scale = "None  # None = 1/sqrt(d_k)" if scaled else "1.0  # 1.0 = scaling switched off"
    mask = "A.causal_mask(len(words))  # (T, T), True = may attend" if causal else "None  # no mask"
    mask_row = f"mask[{row}]" if causal else "None"
    return f'''import numpy as np

import attention as A
from attention.presets import preset_embeddings, rounded_projections

# Step 1: the page's random numbers (the same seed always gives the same matrices)
rng = np.random.default_rng({int(seed)})
words, X = preset_embeddings({preset!r}, {int(t)}, {int(d_model)}, rng=rng)  # X: (T, d_model) = ({t}, {d_model})
W_Q, W_K, W_V = rounded_projections({int(d_model)}, {int(d_k)}, rng=rng)  # each (d_model, d_k) = ({d_model}, {d_k})
{overrides}
# Step 2: projections, as A.project_qkv computes them
Q, K, V = X @ W_Q, X @ W_K, X @ W_V  # (T, d_model) x (d_model, d_k) -> (T, d_k)

# Step 3: scaled dot-product attention
scale = {scale}
mask = {mask}
scores = A.attention_scores(Q, K, mask, scale=scale)  # (T, T), -inf where masked
output, weights = A.scaled_dot_product_attention(Q, K, V, mask, scale=scale)  # (T, d_k), (T, T)

# Step 4: the arithmetic of query row {row}
zoom = A.row_arithmetic(Q[{row}], K, V, {mask_row}, scale=scale)

np.set_printoptions(precision=3, suppress=True)
print("weights (rows sum to 1):", weights, sep="\\n")
print("output = weights @ V:", output, sep="\\n")
'''

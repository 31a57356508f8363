"""The arithmetic behind one row of attention weights, step by step, for pages to spell out.

For query i against keys j = 0..S-1 (legend of :mod:`attention.core`):

    products[j, :] = q_i * k_j                    term by term, (S, d_k)
    dots[j]        = sum(products[j, :]) = q_i·k_j
    scores[j]      = dots[j] * scale / temperature  (-inf where masked)
    exps[j]        = exp(scores[j] - max(scores))
    weights[j]     = exps[j] / sum(exps)           = the row of scaled_dot_product_attention
    output         = sum_j weights[j] * v_j
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import _as_float, scaled_dot_product_attention

__all__ = ["RowArithmetic", "row_arithmetic"]


@dataclass(frozen=True)
class RowArithmetic:
    """Every intermediate number of one query's attention row (see the module docstring)."""

    query: np.ndarray  # (d_k,) q_i
    keys: np.ndarray  # (S, d_k) k_j
    products: np.ndarray  # (S, d_k)
    dots: np.ndarray  # (S,)
    scale: float
    temperature: float
    allowed: np.ndarray  # (S,) bool, True = may attend
    scores: np.ndarray  # (S,), -inf where not allowed
    row_max: float
    exps: np.ndarray  # (S,)
    total: float
    weights: np.ndarray  # (S,)
    contributions: np.ndarray | None  # (S, d_v): weights[j] * v_j
    output: np.ndarray | None  # (d_v,)


def row_arithmetic(
    q_row: np.ndarray,
    k: np.ndarray,
    v: np.ndarray | None = None,
    mask_row: np.ndarray | None = None,
    *,
    scale: float | None = None,
    temperature: float = 1.0,
) -> RowArithmetic:
    """Spell out query ``q_row`` ``(d_k,)`` attending over keys ``k`` ``(S, d_k)``.

    ``weights`` and ``output`` are computed by :func:`attention.scaled_dot_product_attention`
    itself (on this one row), so the explanation shows exactly what the heatmaps show.
    """
    dtype, (q_row, k) = _as_float(q_row, k)
    if q_row.ndim != 1 or k.ndim != 2 or q_row.shape[0] != k.shape[1]:
        raise ValueError(f"row_arithmetic needs q_row (d_k,) and k (S, d_k); got {q_row.shape}, {k.shape}")
    s = k.shape[0]
    allowed = np.ones(s, bool) if mask_row is None else np.asarray(mask_row, bool).reshape(s)
    scale = float(1.0 / np.sqrt(q_row.shape[0])) if scale is None else float(scale)

    products = q_row[None, :] * k  # (S, d_k)
    dots = products.sum(axis=1)  # (S,)
    scores = np.where(allowed, dots * dtype.type(scale / temperature), -np.inf).astype(dtype)
    row_max = float(scores[allowed].max()) if allowed.any() else 0.0
    exps = np.where(allowed, np.exp(scores - dtype.type(row_max)), 0).astype(dtype)
    total = float(exps.sum())

    v_for_sdpa = np.zeros((s, 1), dtype) if v is None else v
    output, weights = scaled_dot_product_attention(
        q_row[None, :], k, v_for_sdpa, allowed[None, :], scale=scale, temperature=temperature
    )  # (1, d_v), (1, S)
    weights = weights[0]
    contributions = None if v is None else weights[:, None] * np.asarray(v, dtype)  # (S, d_v)
    return RowArithmetic(
        query=q_row,
        keys=k,
        products=products,
        dots=dots,
        scale=scale,
        temperature=float(temperature),
        allowed=allowed,
        scores=scores,
        row_max=row_max,
        exps=exps,
        total=total,
        weights=weights,
        contributions=contributions,
        output=None if v is None else output[0],
    )

"""Learned projections W_Q, W_K, W_V (and W_O), and multi-head attention built from them.

Shapes use the legend of :mod:`attention.core`: T queries, S keys, H heads, d dims
(``d_model`` for embeddings, ``d_k``/``d_v`` per head).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import scaled_dot_product_attention

__all__ = [
    "Projections",
    "init_projections",
    "project_qkv",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
]


@dataclass(frozen=True)
class Projections:
    """Weights of one attention layer.

    Attributes
    ----------
    w_q, w_k : (d_model, H*d_k)
    w_v : (d_model, H*d_v)
    w_o : (H*d_v, d_model)
    n_heads : H
    """

    w_q: np.ndarray
    w_k: np.ndarray
    w_v: np.ndarray
    w_o: np.ndarray
    n_heads: int = 1

    @property
    def d_k(self) -> int:
        return self.w_q.shape[1] // self.n_heads

    @property
    def d_v(self) -> int:
        return self.w_v.shape[1] // self.n_heads


def init_projections(
    d_model: int,
    d_k: int,
    d_v: int | None = None,
    *,
    n_heads: int = 1,
    rng: np.random.Generator,
    dtype: np.dtype = np.float32,
) -> Projections:
    """Random (untrained) projection matrices, Glorot-normal: std = sqrt(2 / (fan_in + fan_out)).

    Parameters
    ----------
    d_model : int
        Embedding size of the input X.
    d_k, d_v : int
        Per-head size of queries/keys and of values (``d_v`` defaults to ``d_k``).
    n_heads : int
        H, the number of heads; each weight holds all heads side by side.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same matrices.
    """
    d_v = d_k if d_v is None else d_v
    for name, value in (("d_model", d_model), ("d_k", d_k), ("d_v", d_v), ("n_heads", n_heads)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        std = np.sqrt(2.0 / (fan_in + fan_out))
        return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)

    return Projections(
        w_q=glorot(d_model, n_heads * d_k),
        w_k=glorot(d_model, n_heads * d_k),
        w_v=glorot(d_model, n_heads * d_v),
        w_o=glorot(n_heads * d_v, d_model),
        n_heads=n_heads,
    )


#   Q = X W_Q,  K = X W_K,  V = X W_V
def project_qkv(
    x: np.ndarray, p: Projections, x_kv: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project embeddings into queries, keys and values (all heads side by side).

    ``x`` is ``(..., T, d_model)``; ``x_kv`` (default ``x``: self-attention) is ``(..., S, d_model)``.
    Returns Q ``(..., T, H*d_k)``, K ``(..., S, H*d_k)``, V ``(..., S, H*d_v)``.
    """
    x = np.asarray(x)
    x_kv = x if x_kv is None else np.asarray(x_kv)
    if x.shape[-1] != p.w_q.shape[0] or x_kv.shape[-1] != p.w_k.shape[0]:
        raise ValueError(
            f"embeddings x{x.shape} / x_kv{x_kv.shape} do not match W_Q{p.w_q.shape} (d_model rows)"
        )
    q = x @ p.w_q  # (..., T, d_model) x (d_model, H*d_k) -> (..., T, H*d_k)
    k = x_kv @ p.w_k  # (..., S, d_model) x (d_model, H*d_k) -> (..., S, H*d_k)
    v = x_kv @ p.w_v  # (..., S, d_model) x (d_model, H*d_v) -> (..., S, H*d_v)
    return q, k, v


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """``(..., T, H*d)`` -> ``(..., H, T, d)``."""
    *batch, t, hd = x.shape
    if hd % n_heads:
        raise ValueError(f"last dim {hd} of {x.shape} is not divisible by H={n_heads}")
    return np.swapaxes(x.reshape(*batch, t, n_heads, hd // n_heads), -2, -3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """``(..., H, T, d)`` -> ``(..., T, H*d)``, the inverse of :func:`split_heads`."""
    *batch, h, t, d = x.shape
    return np.swapaxes(x, -2, -3).reshape(*batch, t, h * d)


#   MultiHead(X) = Concat(head_1, ..., head_H) W_O,  head_i = Attention(X W_Q^i, X W_K^i, X W_V^i)
def multi_head_attention(
    x: np.ndarray,
    p: Projections,
    mask: np.ndarray | None = None,
    *,
    x_kv: np.ndarray | None = None,
    scale: float | None = None,
    temperature: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention: H independent attentions on slices of Q, K, V, mixed by W_O.

    Parameters
    ----------
    x : array_like, shape (..., T, d_model)
    p : Projections
        From :func:`init_projections`; ``p.n_heads`` is H.
    mask : array_like of bool, optional
        Broadcastable to ``(..., H, T, S)``, True = may attend (a ``(T, S)`` mask applies to all heads).
    x_kv : array_like, shape (..., S, d_model), optional
        Source of keys and values for cross-attention; default ``x`` (self-attention).
    scale, temperature : float
        As in :func:`attention.scaled_dot_product_attention`.

    Returns
    -------
    output : numpy.ndarray, shape (..., T, d_model)
    weights : numpy.ndarray, shape (..., H, T, S)
        Each head's attention weights.
    """
    q, k, v = project_qkv(x, p, x_kv)
    q, k, v = (split_heads(a, p.n_heads) for a in (q, k, v))  # (..., H, T|S, d)
    heads, weights = scaled_dot_product_attention(
        q, k, v, mask, scale=scale, temperature=temperature
    )  # (..., H, T, d_v), (..., H, T, S)
    output = merge_heads(heads) @ p.w_o  # (..., T, H*d_v) x (H*d_v, d_model) -> (..., T, d_model)
    return output, weights

"""Backward pass of scaled dot-product attention: what training needs to learn W_Q, W_K and W_V.

Forward (:func:`attention.scaled_dot_product_attention`), shapes as in ``attention.core``::

    S = scale · Q Kᵀ           (..., T, S)   masked entries -inf
    W = softmax(S)             (..., T, S)   rows sum to 1
    out = W V                  (..., T, d_v)

Backward, given dout = ∂L/∂out::

    dV = Wᵀ dout                              (..., S, d_v)
    dW = dout Vᵀ                              (..., T, S)
    dS = W ⊙ (dW − rowsum(dW ⊙ W))            (..., T, S)   the softmax's Jacobian, row by row
    dQ = scale · dS K,   dK = scale · dSᵀ Q   (..., T, d_k), (..., S, d_k)

Masked entries have W = 0, so dS = 0 there: nothing flows through a key a query may not see.
"""

from __future__ import annotations

import numpy as np

from .core import scaled_dot_product_attention

__all__ = ["sdpa_backward", "softmax_backward", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, back to ``shape``."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


#   dS = W ⊙ (dW − Σ_j dW_j W_j)
def softmax_backward(weights: np.ndarray, dweights: np.ndarray) -> np.ndarray:
    """Gradient with respect to the scores of ``weights = softmax(scores, axis=-1)``."""
    return weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))  # (..., T, S)


def sdpa_backward(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    dout: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    scale: float | None = None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dq, dk, dv)`` of ``out`` from ``scaled_dot_product_attention(q, k, v, mask=mask, scale=scale)``.

    Parameters
    ----------
    q, k, v : arrays (..., T, d_k), (..., S, d_k), (..., S, d_v)
        The forward pass's inputs; leading batch dims broadcast as in the forward pass.
    dout : array (..., T, d_v)
        ∂L/∂out, the gradient of the loss with respect to the attention's output.
    mask, scale : as in the forward pass (mask True = may attend; scale defaults to 1/√d_k).
    weights : array (..., T, S), optional
        The forward pass's weights, if kept; otherwise they are recomputed.

    Returns
    -------
    dq, dk, dv : arrays with the shapes of q, k and v (gradients summed over broadcast dims).
    """
    q, k, v, dout = (np.asarray(a) for a in (q, k, v, dout))
    if weights is None:
        _, weights = scaled_dot_product_attention(q, k, v, mask, scale=scale)
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    dv = np.swapaxes(weights, -1, -2) @ dout  # (..., S, T) x (..., T, d_v) -> (..., S, d_v)
    dw = dout @ np.swapaxes(v, -1, -2)  # (..., T, d_v) x (..., d_v, S) -> (..., T, S)
    ds = softmax_backward(weights, dw) * scale  # (..., T, S), scale folded in once
    dq = ds @ k  # (..., T, S) x (..., S, d_k) -> (..., T, d_k)
    dk = np.swapaxes(ds, -1, -2) @ q  # (..., S, T) x (..., T, d_k) -> (..., S, d_k)
    return unbroadcast(dq, q.shape), unbroadcast(dk, k.shape), unbroadcast(dv, v.shape)

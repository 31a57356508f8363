"""Tiled attention with an online softmax: FlashAttention (Dao et al. 2022), Algorithm 1, in numpy.

The n x n score matrix is never built: keys and values are visited in blocks of ``block_k`` while each
block of ``block_q`` queries keeps a running row max ``m``, a running row sum ``l`` and an unnormalised
output ``O``. Peak extra memory is ``block_q * block_k`` scores instead of ``T * S``.

Shapes follow :mod:`attention.core`: T queries, S keys, d dims, ``...`` batch dims (e.g. heads).
"""

from __future__ import annotations

import numpy as np

from .core import _as_float, _check_shapes

__all__ = ["tiled_attention"]


def tiled_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool = False,
    scale: float | None = None,
    block_q: int = 512,
    block_k: int = 512,
    trace: list | None = None,
) -> np.ndarray:
    """softmax(q kᵀ · scale) v, computed block by block; returns the output only (no weights).

    Parameters
    ----------
    q : (..., T, d_k);  k : (..., S, d_k);  v : (..., S, d_v)
    causal : query i attends to keys 0..i (+ S - T when S > T, as :func:`attention.causal_mask`).
    scale : default 1/sqrt(d_k).
    block_q, block_k : tile sizes (FlashAttention's B_r and B_c).
    trace : if a list is given, one dict per key block of the first query block is appended with the
        running ``row_max`` and ``row_sum`` after that block (copies): the online softmax, observable.

    Returns
    -------
    numpy.ndarray, (..., T, d_v); equal to ``scaled_dot_product_attention(q, k, v, mask)[0]`` up to
    rounding (fully masked rows give zeros).
    """
    dtype, (q, k, v) = _as_float(q, k, v)
    _check_shapes(q, k, v)
    t, s = q.shape[-2], k.shape[-2]
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    q = q * dtype.type(scale)  # scale the (T, d) queries once, not every (B_r, B_c) tile
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    out = np.empty((*batch, t, v.shape[-1]), dtype)
    k_t = np.swapaxes(k, -1, -2)  # (..., d, S)
    offset = s - t  # causal diagonal: query i sees keys <= i + offset

    for q0 in range(0, t, block_q):  # line 7: for each block Q_i of B_r queries
        q1 = min(q0 + block_q, t)
        q_i = q[..., q0:q1, :]  # (..., B_r, d)
        m = np.full((*batch, q1 - q0, 1), -np.inf, dtype)  # line 2: m = -inf
        l_sum = np.zeros((*batch, q1 - q0, 1), dtype)  # line 2: l = 0
        o_i = np.zeros((*batch, q1 - q0, v.shape[-1]), dtype)  # line 2: O = 0
        k_end = min(s, q1 + offset) if causal else s  # later key blocks are fully masked: skip them
        for k0 in range(0, max(k_end, 0), block_k):  # line 5: for each block K_j, V_j of B_c keys
            k1 = min(k0 + block_k, s)
            s_ij = q_i @ k_t[..., :, k0:k1]  # line 9: S_ij = Q_i K_jᵀ, (..., B_r, B_c)
            if causal and k1 - 1 > q0 + offset:  # a block on the diagonal: mask the future
                future = np.arange(k0, k1)[None, :] > np.arange(q0, q1)[:, None] + offset
                s_ij[..., future] = -np.inf
            m_new = np.maximum(m, s_ij.max(axis=-1, keepdims=True))  # lines 10-11: m_new = max(m, rowmax(S_ij))
            m_safe = np.where(np.isfinite(m_new), m_new, 0)  # rows with nothing allowed yet
            s_ij -= m_safe
            np.exp(s_ij, out=s_ij)  # line 10: P_ij = exp(S_ij - m_new)
            correction = np.exp(np.where(np.isfinite(m), m - m_safe, -np.inf))  # exp(m_old - m_new)
            l_sum = correction * l_sum + s_ij.sum(axis=-1, keepdims=True)  # line 11: l_new
            o_i = correction * o_i + s_ij @ v[..., k0:k1, :]  # line 12, normalisation deferred (FA-2)
            m = m_new  # line 13
            if trace is not None and q0 == 0:
                trace.append({"keys": (k0, k1), "row_max": m.copy(), "row_sum": l_sum.copy()})
        l_sum[l_sum == 0] = 1  # fully masked rows: output 0, not NaN
        out[..., q0:q1, :] = o_i / l_sum  # line 12's diag(l)^-1, once per query block
    return out

"""Tiled attention with an online softmax: FlashAttention (Dao et al. 2022), Algorithm 1, in numpy.

Naive attention builds the whole ``(T, S)`` score matrix, so its memory grows like n². Here keys
and values are read in blocks of ``block_k`` columns while each block of ``block_q`` queries keeps
three small running quantities: the row maximum ``m``, the row sum ``ℓ`` of the exponentials, and
the unnormalised output ``O``. When a new block raises the maximum from ``m`` to ``m_new``, what
was summed so far is rescaled by ``exp(m - m_new)``: the end result is exactly the softmax of the
full row. Extra memory: one ``(block_q, block_k)`` tile instead of ``T·S`` scores.

The paper's Algorithm 1 loops over key blocks outside and query blocks inside, writing ``O``,
``ℓ`` and ``m`` back to slow memory after every tile. We swap the loops, as FlashAttention-2
does, so the running ``O``, ``ℓ``, ``m`` of one query block stay in fast memory (here: the CPU
cache) and the division by ``ℓ`` happens once at the end. The comments name the lines of
Algorithm 1 that each statement computes.

Shape legend: T queries, S keys, d dims (d_k for q and k, d_v for v), ``...`` batch dims (heads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import _as_float, _check_shapes

__all__ = ["TileStep", "tiled_attention"]


@dataclass(frozen=True)
class TileStep:
    """The online softmax after one tile: the running quantities of its query rows.

    Arrays have shape ``(..., B_r)`` (one value per query row of the tile) except ``output``,
    ``(..., B_r, d_v)``.
    """

    queries: tuple[int, int]  # query rows [start, stop) of the tile
    keys: tuple[int, int]  # key columns [start, stop) of the tile
    block_max: np.ndarray  # m̃: max of this tile's scores (-inf where all are masked)
    row_max: np.ndarray  # m_new: running max over every key read so far
    rescale: np.ndarray  # exp(m_old - m_new): factor applied to the old sum and output
    row_sum: np.ndarray  # ℓ: running sum of exp(score - m_new)
    output: np.ndarray  # O / ℓ: the attention output if the row ended here


#   O = softmax(Q Kᵀ · scale) V, one (B_r, B_c) tile at a time
def tiled_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool = False,
    scale: float | None = None,
    block_q: int = 256,
    block_k: int = 512,
    trace: list[TileStep] | None = None,
) -> np.ndarray:
    """Attention computed block by block with an online softmax; returns the output only.

    Parameters
    ----------
    q : array_like, shape (..., T, d_k)
    k : array_like, shape (..., S, d_k)
    v : array_like, shape (..., S, d_v)
    causal : bool, optional
        Query i attends to keys ``0 .. i + S - T`` (the mask of :func:`attention.causal_mask`).
        Tiles entirely above the diagonal are skipped, not computed and masked.
    scale : float, optional
        Multiplies the dot products; default ``1/sqrt(d_k)``.
    block_q, block_k : int, optional
        Tile size: query rows (the paper's B_r) and key columns (B_c) per tile.
    trace : list, optional
        If given, a :class:`TileStep` is appended after every tile: the online softmax made
        visible. Meant for small inputs (it copies the running quantities each time).

    Returns
    -------
    numpy.ndarray, shape (..., T, d_v)
        Equal to ``scaled_dot_product_attention(q, k, v, mask)[0]`` up to float rounding; a query
        that may attend to no key gets zeros. Float32 inputs give float32 output.

    Raises
    ------
    ValueError
        If the shapes of q, k and v do not fit together, or a block size is below 1.
    """
    dtype, (q, k, v) = _as_float(q, k, v)
    _check_shapes(q, k, v)
    if block_q < 1 or block_k < 1:
        raise ValueError(f"block sizes must be at least 1, got block_q={block_q}, block_k={block_k}")
    t, s, d_v = q.shape[-2], k.shape[-2], v.shape[-1]
    scale = dtype.type(1.0 / np.sqrt(q.shape[-1]) if scale is None else scale)  # q's dtype: no upcast
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    out = np.empty((*batch, t, d_v), dtype)  # (..., T, d_v): the only array that grows with T
    k_t = np.swapaxes(k, -1, -2)  # (..., d_k, S), a view
    offset = s - t  # causal: query i may see keys j <= i + offset
    ones = np.ones((block_k, 1), dtype)  # row sums as a matrix-vector product (faster than np.sum)
    tile = np.empty((*batch, min(block_q, t), min(block_k, s)), dtype)  # the one (B_r, B_c) scratch tile: "SRAM"

    # line 3: split Q into blocks of B_r rows, K and V into blocks of B_c rows (slices, no copies)
    for q0 in range(0, t, block_q):  # line 7: for each query block Q_i (outer loop, as in FlashAttention-2)
        q1 = min(q0 + block_q, t)
        q_i = q[..., q0:q1, :] * scale  # line 8: load Q_i; scaling B_r·d queries, not B_r·B_c scores
        m_i = np.full((*batch, q1 - q0, 1), -np.inf, dtype)  # line 2: m = -inf
        l_i = np.zeros((*batch, q1 - q0, 1), dtype)  # line 2: ℓ = 0
        o_i = np.zeros((*batch, q1 - q0, d_v), dtype)  # line 2: O = 0
        k_stop = max(0, min(s, q1 + offset)) if causal else s  # causal: later key blocks are all future
        for k0 in range(0, k_stop, block_k):  # line 5: for each key/value block K_j, V_j
            k1 = min(k0 + block_k, s)
            s_ij = tile[..., : q1 - q0, : k1 - k0]  # a view: every tile reuses the same memory
            np.matmul(q_i, k_t[..., :, k0:k1], out=s_ij)  # line 9: S_ij = Q_i K_jᵀ, (B_r, d) x (d, B_c) -> (B_r, B_c)
            if causal and k1 - 1 > q0 + offset:  # the tile straddles the diagonal: hide the future
                future = np.arange(k0, k1) > np.arange(q0, q1)[:, None] + offset  # (B_r, B_c)
                np.copyto(s_ij, dtype.type(-np.inf), where=future)
            m_tilde = s_ij.max(axis=-1, keepdims=True)  # line 10: m̃_ij = rowmax(S_ij), (B_r, 1)
            m_new = np.maximum(m_i, m_tilde)  # line 11: m_new = max(m_i, m̃_ij)
            shift = np.where(np.isfinite(m_new), m_new, 0)  # rows with no key allowed yet: shift by 0
            s_ij -= shift  # in place: the tile becomes P_ij
            np.exp(s_ij, out=s_ij)  # line 10 with m_new for m̃ (FlashAttention-2): P_ij = exp(S_ij - m_new) in [0, 1]
            alpha = np.exp(m_i - shift)  # lines 11-12: e^(m_i - m_new) rescales what was summed so far
            l_i *= alpha
            l_i += s_ij @ ones[: k1 - k0]  # line 11: ℓ_new = e^(m_i - m_new) ℓ_i + rowsum(P_ij)
            o_i *= alpha
            o_i += s_ij @ v[..., k0:k1, :]  # line 12: O_i = e^(m_i - m_new) O_i + P_ij V_j, (B_r, B_c) x (B_c, d_v)
            m_i = m_new  # line 13: m_i <- m_new (ℓ_i was updated in place)
            if trace is not None:
                trace.append(_step(q0, q1, k0, k1, m_tilde, m_new, alpha, l_i, o_i))
        l_i[l_i == 0] = 1  # a query that may attend to no key: output 0, not 0/0
        out[..., q0:q1, :] = o_i / l_i  # line 12's diag(ℓ)^-1, applied once per query block
    return out  # line 16: return O


def _step(q0, q1, k0, k1, m_tilde, m_new, alpha, l_i, o_i) -> TileStep:
    total = np.where(l_i == 0, 1, l_i)
    return TileStep((q0, q1), (k0, k1), m_tilde[..., 0].copy(), m_new[..., 0].copy(), alpha[..., 0].copy(),
                    l_i[..., 0].copy(), o_i / total)

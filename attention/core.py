"""Scaled dot-product attention, the equation every page of the app is built on.

Shape legend, used in docstrings and code alike:

    T  queries (target positions)      S  keys / values (source positions)
    H  heads                           d  dims (d_k for queries and keys, d_v for values)
    ...  any leading batch dimensions

A boolean mask is True where a query **may attend** to a key.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "scaled_dot_product_attention", "causal_mask", "attention_scores"]


def _as_float(*arrays: np.ndarray) -> tuple[np.dtype, list[np.ndarray]]:
    """Common floating dtype of the inputs (float32 stays float32; ints become float64)."""
    arrays = [np.asarray(a) for a in arrays]
    dtype = np.result_type(*arrays, np.float32)
    return dtype, [a.astype(dtype, copy=False) for a in arrays]


def _softmax_inplace(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax of ``x`` written into ``x`` itself; masked (-inf) entries get weight 0.

    A slice that is entirely -inf (a fully masked row) becomes all zeros instead of NaN.
    """
    x_max = np.max(x, axis=axis, keepdims=True)
    x_max[~np.isfinite(x_max)] = 0  # fully masked row: shift by 0 so exp(-inf) = 0, not NaN
    x -= x_max
    np.exp(x, out=x)
    total = np.sum(x, axis=axis, keepdims=True)
    total[total == 0] = 1  # all weights are 0: leave them 0
    x /= total
    return x


# The fast softmax skips the max-shift when every row max m lies in [_NO_SHIFT_MIN, _NO_SHIFT_MAX]. Why
# these bounds, in float32 (the tightest dtype it runs in; float64 has far more room):
#   - no overflow: a row of S scores sums to at most S·e^m, and float32 holds up to e^88.72, so
#     e^60 leaves room for S < e^28.7 ≈ 2.9e12 keys (tests check the margin for 2^31 keys);
#   - exact enough: e^m for m ≥ -20 is a normal float (≥ 2e-9), so the largest weights, which carry
#     the result, keep full precision; a score more than ~67 below m, whose e^s may lose bits to
#     underflow, has a weight below e^-67 ≈ 1e-29 either way.
_NO_SHIFT_MIN, _NO_SHIFT_MAX = -20.0, 60.0


def _softmax_rows_inplace(x: np.ndarray, ones: np.ndarray) -> np.ndarray:
    """:func:`_softmax_inplace` along the last axis, faster: ``ones`` is a ``(S, 1)`` column of ones.

    Same numbers up to float rounding, fewer passes over memory: the shift by the row max, which
    only guards ``exp`` against overflow and underflow, is skipped when every row max lies in
    [-20, 60] (then exp(score) is a normal float for every weight that matters, and
    exp(a)/Σexp(b) = exp(a - m)/Σexp(b - m) exactly; see the bounds above); row sums are a
    matrix-vector product (BLAS beats ``np.sum`` here); rows are scaled by their reciprocal sums.
    """
    x_max = np.max(x, axis=-1, keepdims=True)  # (..., T, 1)
    if not (np.all(x_max <= _NO_SHIFT_MAX) and np.all(x_max >= _NO_SHIFT_MIN)):  # big, tiny or masked rows: shift
        x_max[~np.isfinite(x_max)] = 0  # fully masked row: shift by 0 so exp(-inf) = 0, not NaN
        x -= x_max
    np.exp(x, out=x)
    total = x @ ones  # (..., T, S) x (S, 1) -> (..., T, 1): the row sums
    total[total == 0] = 1  # all weights are 0: leave them 0
    x *= np.reciprocal(total)
    return x


#   softmax(x)_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that ``exp`` never overflows.

    Parameters
    ----------
    x : array_like
        Scores. ``-inf`` entries get weight 0; a slice that is all ``-inf`` gives zeros.
    axis : int, optional
        Axis along which the weights sum to 1 (default: last).

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``, floating point (float32 stays float32), non-negative, each slice
        along ``axis`` summing to 1.

    Examples
    --------
    >>> softmax(np.array([1e4, -1e4, 0.0])).round(3)
    array([1., 0., 0.])
    """
    dtype, (x,) = _as_float(x)
    return _softmax_inplace(np.array(x, dtype=dtype, copy=True), axis=axis)


def causal_mask(t: int, s: int | None = None) -> np.ndarray:
    """Boolean ``(T, S)`` mask, True on and below the diagonal: query i may attend to keys 0..i.

    With ``s > t`` (queries are the last ``t`` of ``s`` positions, as when decoding with a
    cache) the diagonal is shifted so that the last query sees every key.
    """
    s = t if s is None else s
    if t < 0 or s < 0:
        raise ValueError(f"causal_mask needs non-negative sizes, got t={t}, s={s}")
    return np.tril(np.ones((t, s), dtype=bool), k=s - t)


def _check_shapes(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> None:
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"q, k and v need at least 2 dims (..., T, d); got q{q.shape}, k{k.shape}, v{v.shape}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q (..., T, d_k) and k (..., S, d_k) disagree on d_k: q{q.shape}, k{k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k (..., S, d_k) and v (..., S, d_v) disagree on S: k{k.shape}, v{v.shape}")
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"batch dims of q{q.shape}, k{k.shape}, v{v.shape} do not broadcast"
        ) from None


def _scaled_queries(q: np.ndarray, scale: float | None, temperature: float) -> np.ndarray:
    """q * scale / temperature, in q's dtype (a float64 scalar must not upcast float32 q)."""
    if temperature <= 0 or not np.isfinite(temperature):
        raise ValueError(f"temperature must be a positive finite number, got {temperature}")
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    # Scaling the (T, d) queries costs T*d multiplies; scaling the (T, S) scores would cost T*S.
    return q * q.dtype.type(scale / temperature)


#   scores = Q Kᵀ · scale / temperature,  scale = 1/√d_k by default
def attention_scores(
    q: np.ndarray,
    k: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    scale: float | None = None,
    temperature: float = 1.0,
) -> np.ndarray:
    """Scaled scores ``(..., T, S)`` before the softmax; masked entries are ``-inf``.

    The same numbers :func:`scaled_dot_product_attention` feeds its softmax, exposed so that
    pages can show the step between "dot products" and "weights".
    """
    dtype, (q, k) = _as_float(q, k)
    _check_shapes(q, k, k)
    scores = _scaled_queries(q, scale, temperature) @ np.swapaxes(k, -1, -2)  # (..., T, d) x (..., d, S) -> (..., T, S)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        try:
            scores = np.broadcast_to(scores, np.broadcast_shapes(scores.shape, mask.shape)).copy()
        except ValueError:
            raise ValueError(
                f"mask{mask.shape} does not broadcast to the scores (..., T, S) {scores.shape}"
            ) from None
        np.copyto(scores, dtype.type(-np.inf), where=~mask)
    return scores


# Rows of scores computed per pass of the large-input path: about 2 MiB of float32, so that the
# max, shift, exp, sum and divide passes over a chunk run in the CPU cache instead of main memory.
_CHUNK_ELEMENTS = 1 << 19


#   Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V
def scaled_dot_product_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    scale: float | None = None,
    temperature: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention (Vaswani et al. 2017, eq. 1), returning the weights too.

    Parameters
    ----------
    q : array_like, shape (..., T, d_k)
        Queries: what each of the T positions is looking for.
    k : array_like, shape (..., S, d_k)
        Keys: what each of the S positions offers to be matched against.
    v : array_like, shape (..., S, d_v)
        Values: what each of the S positions hands over when it is attended to.
    mask : array_like of bool, optional
        Broadcastable to ``(..., T, S)``; True = may attend. A query whose row is all False
        gets all-zero weights and a zero output (never NaN).
    scale : float, optional
        Multiplies the dot products; default ``1/sqrt(d_k)``. ``scale=1.0`` switches scaling off.
    temperature : float, optional
        Divides the scaled scores: above 1 flattens the weights, below 1 sharpens them.

    Returns
    -------
    output : numpy.ndarray, shape (..., T, d_v)
    weights : numpy.ndarray, shape (..., T, S)
        Each unmasked row sums to 1. Float32 inputs give float32 results.

    Raises
    ------
    ValueError
        If the shapes of q, k, v and mask do not fit together (the message names them), or the
        temperature is not positive.

    Notes
    -----
    Speed without changing the numbers (beyond float rounding): the queries are scaled (T·d
    multiplies, not T·S), the weights array is allocated once and every step writes into it in
    place, row sums are a matrix-vector product, and large inputs are processed a chunk of query
    rows at a time so that the softmax passes stay in the cache.
    """
    dtype, (q, k, v) = _as_float(q, k, v)
    _check_shapes(q, k, v)
    q = _scaled_queries(q, scale, temperature)  # (..., T, d_k), scale and temperature folded in
    t, s = q.shape[-2], k.shape[-2]
    shape = (*np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]), t, s)  # (..., T, S)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        try:
            shape = np.broadcast_shapes(shape, mask.shape)
        except ValueError:
            raise ValueError(f"mask{mask.shape} does not broadcast to the scores (..., T, S) {shape}") from None
        blocked = np.broadcast_to(~mask, shape)  # (..., T, S) view: True = may NOT attend
    weights = np.empty(shape, dtype)  # (..., T, S), filled in place chunk by chunk
    output = np.empty((*shape[:-1], v.shape[-1]), dtype)  # (..., T, d_v)
    k_t = np.swapaxes(k, -1, -2)  # (..., d_k, S), a view
    ones = np.ones((s, 1), dtype)  # sums rows by a matrix-vector product
    rows = max(1, t if weights.size <= _CHUNK_ELEMENTS else max(64, _CHUNK_ELEMENTS * t // weights.size))
    for r0 in range(0, t, rows):
        r1 = min(r0 + rows, t)
        w = weights[..., r0:r1, :]  # a view of the rows of this chunk
        np.matmul(q[..., r0:r1, :], k_t, out=w)  # (..., T, d_k) x (..., d_k, S) -> (..., T, S)
        if mask is not None:
            np.copyto(w, dtype.type(-np.inf), where=blocked[..., r0:r1, :])  # masked scores -> -inf
        _softmax_rows_inplace(w, ones)  # (..., T, S), rows sum to 1
        np.matmul(w, v, out=output[..., r0:r1, :])  # (..., T, S) x (..., S, d_v) -> (..., T, d_v)
    return output, weights

"""Experiments behind the Academic page: why scale by 1/√d_k, why three matrices, masks, caveats.

Every function samples with an explicit ``rng`` and works in bounded memory: arrays are drawn in
chunks of at most :data:`CHUNK_ELEMENTS` numbers, so no argument the page allows allocates more
than a few MB. Scores and weights come from :func:`attention.attention_scores` and
:func:`attention.scaled_dot_product_attention`; this module only samples inputs and measures outputs.

Shape legend of :mod:`attention.core`: T queries, S keys, H heads, d dims, n samples or rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .core import attention_scores, causal_mask, scaled_dot_product_attention
from .projections import Projections, init_projections, project_qkv

__all__ = [
    "CHUNK_ELEMENTS",
    "MAX_WORK",
    "SWEEP_D_K",
    "dot_product_samples",
    "ScalingStats",
    "softmax_row_stats",
    "entropy",
    "softmax_jacobian",
    "jacobian_norm",
    "identity_projections",
    "shared_projections",
    "ProjectionCase",
    "projection_case",
    "lopsided_pair",
    "MASK_KINDS",
    "demo_mask",
    "weight_outside_mask",
    "same_output_weights",
    "Counterfactual",
    "counterfactual",
    "unshifted_softmax",
    "weights_nbytes",
]

CHUNK_ELEMENTS = 2**17  # numbers drawn per chunk: 1 MB of float64 per array
MAX_WORK = 2**25  # refuse sampling more numbers than this in one call (about 2 s of drawing)
SWEEP_D_K = tuple(2**i for i in range(11))  # 1, 2, 4, ..., 1024


def _check_work(n: int, d_k: int, per_sample: int = 1) -> None:
    if n < 1 or d_k < 1:
        raise ValueError(f"need at least one sample and d_k >= 1, got n={n}, d_k={d_k}")
    if n * d_k * per_sample > MAX_WORK:
        raise ValueError(f"{n} samples x d_k={d_k} is more than {MAX_WORK:,} numbers: choose fewer")


# ---- why divide by √d_k --------------------------------------------------------------------------------


#   q, k ~ N(0, I_{d_k})  =>  E[q·k] = 0,  Var[q·k] = d_k,  Var[q·k / √d_k] = 1
def dot_product_samples(d_k: int, n: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` independent dot products q·k of vectors with unit-variance entries, unscaled and scaled.

    Parameters
    ----------
    d_k : int
        Length of q and k.
    n : int
        Number of (q, k) pairs; ``n * d_k`` is limited by :data:`MAX_WORK`.
    rng : numpy.random.Generator

    Returns
    -------
    unscaled, scaled : numpy.ndarray, shape (n,)
        ``q·k`` (scale 1) and ``q·k / √d_k`` (the default scale), both from
        :func:`attention.attention_scores`, pair by pair.
    """
    _check_work(n, d_k, 2)
    unscaled, scaled = np.empty(n), np.empty(n)
    rows = max(1, CHUNK_ELEMENTS // d_k)
    for start in range(0, n, rows):
        m = min(rows, n - start)
        q = rng.standard_normal((m, 1, d_k))  # (n, T=1, d_k): one query per pair
        k = rng.standard_normal((m, 1, d_k))  # (n, S=1, d_k): one key per pair
        unscaled[start:start + m] = attention_scores(q, k, scale=1.0)[:, 0, 0]  # (n, 1, 1) -> (n,)
        scaled[start:start + m] = attention_scores(q, k)[:, 0, 0]  # default scale 1/√d_k
    return unscaled, scaled


#   H(w) = -Σ_j w_j log w_j   (0 log 0 = 0), between 0 (one-hot) and log S (uniform)
def entropy(w: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in nats of probability vectors along ``axis``."""
    w = np.asarray(w, dtype=float)
    safe = np.where(w > 0, w, 1.0)  # log(1) = 0 makes 0·log 0 contribute 0
    return -np.sum(w * np.log(safe), axis=axis)


#   J = ∂ softmax(s) / ∂ s = diag(w) - w wᵀ
def softmax_jacobian(w: np.ndarray) -> np.ndarray:
    """Jacobian ``(..., S, S)`` of the softmax at the point where it outputs ``w`` ``(..., S)``."""
    w = np.asarray(w, dtype=float)
    return w[..., :, None] * np.eye(w.shape[-1]) - w[..., :, None] * w[..., None, :]  # (..., S, S)


def _sum_of_others(x: np.ndarray) -> np.ndarray:
    """``out[..., i] = Σ_{j≠i} x[..., j]`` from exclusive prefix and suffix sums: no ``total − x_i``,
    which would round away everything but x_i when x_i is close to the total."""
    zero = np.zeros_like(x[..., :1])
    before = np.concatenate([zero, np.cumsum(x[..., :-1], axis=-1)], axis=-1)  # Σ_{j<i}
    after = np.concatenate([np.flip(np.cumsum(np.flip(x[..., 1:], axis=-1), axis=-1), axis=-1), zero],
                           axis=-1)  # Σ_{j>i}
    return before + after


#   ‖J‖_F² = Σ_i w_i² (1 − w_i)² + Σ_i w_i² Σ_{j≠i} w_j²,   with 1 − w_i = Σ_{j≠i} w_j
def jacobian_norm(w: np.ndarray) -> np.ndarray:
    """Frobenius norm of :func:`softmax_jacobian` without building the ``S x S`` matrix.

    0 for a one-hot ``w`` (a saturated softmax passes no gradient back to its scores);
    ``sqrt(S - 1) / S`` for a uniform ``w``. ``1 − w_i`` is summed from the other weights, so
    the norm stays accurate when one weight is within rounding of 1.
    """
    w = np.asarray(w, dtype=float)
    diagonal = w**2 * _sum_of_others(w) ** 2  # (..., S): J_ii² = (w_i (1 − w_i))²
    off_diagonal = w**2 * _sum_of_others(w**2)  # (..., S): Σ_{j≠i} (w_i w_j)²
    return np.sqrt(np.sum(diagonal + off_diagonal, axis=-1))


@dataclass(frozen=True)
class ScalingStats:
    """What the softmax does to ``n`` rows of S scores at one d_k, with and without 1/√d_k.

    Each array has shape (n,), one number per row (one query against S keys).
    """

    d_k: int
    n_keys: int
    max_weight: dict[str, np.ndarray]  # {"unscaled": ..., "scaled": ...}: the largest weight of the row
    entropy: dict[str, np.ndarray]  # nats, at most log S
    grad_norm: dict[str, np.ndarray]  # ‖∂w/∂s‖_F of the row
    example: dict[str, np.ndarray]  # (S,) the first row's weights

    def means(self) -> dict[str, dict[str, float]]:
        """``{statistic: {variant: mean over rows}}`` for statistic in max_weight, entropy, grad_norm."""
        return {stat: {name: float(np.mean(values)) for name, values in getattr(self, stat).items()}
                for stat in ("max_weight", "entropy", "grad_norm")}


def softmax_row_stats(d_k: int, n_keys: int, n_rows: int, *, rng: np.random.Generator) -> ScalingStats:
    """Sample ``n_rows`` queries, each against its own ``n_keys`` keys (unit-variance entries), and
    measure the resulting attention rows with scale 1 ("unscaled") and 1/√d_k ("scaled").

    The weights are those of :func:`attention.scaled_dot_product_attention`; the same q and k feed
    both variants, so the only difference is the scale.
    """
    _check_work(n_rows * (n_keys + 1), d_k)
    if n_keys < 2:
        raise ValueError(f"a row needs at least 2 keys to compare, got {n_keys}")
    v = np.zeros((n_keys, 1))  # values do not matter here: only the weights are measured
    out = {name: {"max": [], "ent": [], "grad": []} for name in ("unscaled", "scaled")}
    example: dict[str, np.ndarray] = {}
    rows = max(1, CHUNK_ELEMENTS // (n_keys * d_k))
    for start in range(0, n_rows, rows):
        m = min(rows, n_rows - start)
        q = rng.standard_normal((m, 1, d_k))  # (n, T=1, d_k)
        k = rng.standard_normal((m, n_keys, d_k))  # (n, S, d_k)
        for name, scale in (("unscaled", 1.0), ("scaled", None)):
            _, w = scaled_dot_product_attention(q, k, v, scale=scale)  # (n, 1, S)
            w = w[:, 0, :]
            out[name]["max"].append(w.max(axis=-1))
            out[name]["ent"].append(entropy(w))
            out[name]["grad"].append(jacobian_norm(w))
            example.setdefault(name, w[0].copy())
    joined = {name: {s: np.concatenate(parts) for s, parts in stats.items()} for name, stats in out.items()}
    return ScalingStats(
        d_k=d_k,
        n_keys=n_keys,
        max_weight={name: joined[name]["max"] for name in joined},
        entropy={name: joined[name]["ent"] for name in joined},
        grad_norm={name: joined[name]["grad"] for name in joined},
        example=example,
    )


# ---- why three separate matrices -----------------------------------------------------------------------


def identity_projections(d_model: int) -> Projections:
    """W_Q = W_K = W_V = W_O = I: attention on the raw embeddings (Q = K = V = X)."""
    eye = np.eye(d_model, dtype=np.float32)
    return Projections(w_q=eye, w_k=eye, w_v=eye, w_o=eye, n_heads=1)


def shared_projections(d_model: int, *, rng: np.random.Generator) -> Projections:
    """One random matrix W used as W_Q = W_K = W_V (square, Glorot-normal like ``init_projections``)."""
    w = init_projections(d_model, d_model, rng=rng).w_q
    return Projections(w_q=w, w_k=w, w_v=w, w_o=np.eye(d_model, dtype=w.dtype), n_heads=1)


@dataclass(frozen=True)
class ProjectionCase:
    """Self-attention of one sentence under one choice of W_Q, W_K, W_V."""

    scores: np.ndarray  # (T, T) scaled scores Q Kᵀ / √d_k
    weights: np.ndarray  # (T, T)
    asymmetry: float  # max |s_ij − s_ji| / max |s_ij|: 0 for symmetric scores
    self_top: float  # share of words whose largest weight is on themselves
    self_weight: float  # mean weight a word gives itself (the diagonal)


#   s_ij = (x_i W_Q)·(x_j W_K) / √d_k;  W_Q = W_K  =>  s_ij = s_ji
def projection_case(x: np.ndarray, p: Projections) -> ProjectionCase:
    """Run self-attention on embeddings ``x`` ``(T, d_model)`` with projections ``p`` and measure it."""
    q, k, v = project_qkv(x, p)  # (T, d_k), (T, d_k), (T, d_v)
    scores = attention_scores(q, k)  # (T, d_k) x (d_k, T) -> (T, T)
    _, weights = scaled_dot_product_attention(q, k, v)  # (T, T)
    scores64, weights64 = scores.astype(float), weights.astype(float)
    biggest = float(np.abs(scores64).max())
    diag = np.diag(weights64)
    return ProjectionCase(
        scores=scores,
        weights=weights,
        asymmetry=float(np.abs(scores64 - scores64.T).max() / biggest) if biggest > 0 else 0.0,
        self_top=float(np.mean(diag >= weights64.max(axis=1) * (1 - 1e-6))),  # ties count as self
        self_weight=float(diag.mean()),
    )


#   softmax normalises each row by its own sum:  w_ij = e^{s_ij} / Σ_l e^{s_il},  so s = sᵀ does not give w = wᵀ
def lopsided_pair(weights: np.ndarray, prefer: tuple[int, int] | None = None) -> tuple[int, int]:
    """A pair ``(i, j)``, ``i != j``, to quote for "symmetric scores, lopsided weights": ``prefer`` when it
    is a valid off-diagonal pair, else the pair with the largest ``|w_ij − w_ji|`` (``i`` the larger side)."""
    w = np.asarray(weights, dtype=float)
    n = w.shape[0]
    if w.ndim != 2 or w.shape != (n, n) or n < 2:
        raise ValueError(f"need square weights of at least 2 x 2, got {w.shape}")
    if prefer is not None and prefer[0] != prefer[1] and all(0 <= p < n for p in prefer):
        return int(prefer[0]), int(prefer[1])
    gap = w - w.T  # (T, T), antisymmetric: its largest entry names the larger side first
    i, j = np.unravel_index(int(np.argmax(gap)), gap.shape)
    return (int(i), int(j)) if i != j else (0, 1)


# ---- masks ---------------------------------------------------------------------------------------------

MASK_KINDS = ("none", "causal", "padding", "both")


#   M_ij = 0 where query i may attend to key j, −∞ elsewhere;  weights = softmax(QKᵀ/√d_k + M)
def demo_mask(kind: str, n_real: int, n_pad: int = 0) -> np.ndarray:
    """Boolean ``(T, T)`` mask (True = may attend) for ``n_real`` words followed by ``n_pad`` pads.

    ``causal``: key j only for j <= i. ``padding``: no query may attend to a pad key (the last
    ``n_pad`` columns). ``both``: the two combined. ``none``: everything allowed.
    """
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask {kind!r}; choose one of {MASK_KINDS}")
    t = n_real + n_pad
    mask = np.ones((t, t), dtype=bool)
    if kind in ("causal", "both"):
        mask &= causal_mask(t)
    if kind in ("padding", "both"):
        mask[:, n_real:] = False
    return mask


def weight_outside_mask(weights: np.ndarray, mask: np.ndarray) -> float:
    """The largest weight ``(..., T, S)`` anywhere the mask ``(T, S)`` forbids (0.0 when it is obeyed)."""
    forbidden = np.broadcast_to(~np.asarray(mask, bool), weights.shape)
    return float(np.abs(weights[forbidden]).max()) if forbidden.any() else 0.0


# ---- caveats -------------------------------------------------------------------------------------------


#   output = wᵀ V;  any w' = w + t·u with Vᵀu = 0, Σu = 0, w' >= 0 gives the same output
def same_output_weights(w: np.ndarray, v: np.ndarray) -> np.ndarray | None:
    """Different attention weights ``(S,)`` that give exactly the same output ``w @ v`` as ``w``.

    Moves ``w`` along the null space of ``[Vᵀ; 1ᵀ]`` (so the output and the sum of 1 stay put) in
    the direction that takes most weight away from the largest entry, as far as the weights stay
    non-negative; a weight that reaches 0 is then held at 0 and the walk goes on while the largest
    entry can still shrink. Returns None when ``v`` ``(S, d_v)`` leaves no such direction
    (generically when S <= d_v + 1).
    """
    w = np.asarray(w, dtype=float).copy()
    v = np.asarray(v, dtype=float)
    s = w.shape[0]
    top = int(np.argmax(w))
    at_zero = np.zeros(s, dtype=bool)
    moved = False
    for _ in range(s):
        constraints = np.vstack([v.T, np.ones((1, s)), np.eye(s)[at_zero]])  # (d_v + 1 + zeros, S)
        _, sv, vt = np.linalg.svd(constraints)
        rank = int(np.sum(sv > sv.max() * 1e-10))
        null = vt[rank:]  # directions that change neither the output, nor the sum, nor the zeros
        u = -(null.T @ null[:, top])  # (S,): minus the projection of e_top onto the null space
        if null.shape[0] == 0 or u[top] > -1e-9:
            break
        neg = u < -1e-15
        ratios = w[neg] / -u[neg]
        step = float(ratios.min())
        w = np.clip(w + step * u, 0.0, None)
        at_zero |= w < 1e-12
        moved = moved or step > 1e-12
    return w if moved else None


@dataclass(frozen=True)
class Counterfactual:
    """One query's attention row and a different row with the same output (see :func:`counterfactual`)."""

    weights: np.ndarray  # (S,) from scaled_dot_product_attention
    output: np.ndarray  # (d_v,)
    alt_weights: np.ndarray | None  # (S,) or None when no other row gives this output
    alt_output: np.ndarray | None  # (d_v,)


def counterfactual(x: np.ndarray, p: Projections, row: int) -> Counterfactual:
    """Self-attention of ``x`` ``(T, d_model)`` with ``p``; for query ``row``, also weights that differ
    from the model's but give the same output (:func:`same_output_weights`)."""
    q, k, v = project_qkv(x, p)  # (T, d_k), (T, d_k), (T, d_v)
    output, weights = scaled_dot_product_attention(q, k, v)  # (T, d_v), (T, T)
    w = weights[row].astype(float)
    v64 = v.astype(float)
    alt = same_output_weights(w, v64)
    alt_output = None if alt is None else alt @ v64  # (S,) x (S, d_v) -> (d_v,)
    return Counterfactual(weights=w, output=output[row].astype(float), alt_weights=alt, alt_output=alt_output)


#   exp(s_j) / Σ_i exp(s_i)  without subtracting max(s): overflows once a score passes ~88 (float32)
def unshifted_softmax(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The textbook softmax computed literally, for comparison with :func:`attention.softmax`.

    This is the version *not* to use: float32 ``exp`` overflows to inf above about 88.7, and
    inf / inf is NaN. Floating-point warnings are silenced so the NaN can be shown.
    Returns ``(exps, weights)``: the unshifted exponentials and their normalised values.
    """
    s = np.asarray(s, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        e = np.exp(s)
        return e, e / e.sum(axis=-1, keepdims=True)


def weights_nbytes(ns: Sequence[int], d: int, *, rng: np.random.Generator) -> list[int]:
    """Bytes of the float32 ``(n, n)`` weights that :func:`scaled_dot_product_attention` returns for
    self-attention over n positions with head size ``d``; n <= 1024 keeps each below 4 MB."""
    sizes = []
    for n in ns:
        if not 1 <= n <= 1024:
            raise ValueError(f"n must be in 1..1024 (the weights take 4 n² bytes), got {n}")
        x = rng.standard_normal((n, d)).astype(np.float32)  # (n, d) used as Q, K and V
        _, w = scaled_dot_product_attention(x, x, x)  # (n, n)
        sizes.append(int(w.nbytes))
    return sizes

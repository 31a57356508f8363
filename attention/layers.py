"""The layers a small translator needs, each with its backward pass (checked by finite differences in tests).

Shape legend: B sentences in a batch, T steps, d_in / d_out features, H hidden units, V vocabulary.
A backward function takes ∂L/∂(output) and returns ∂L/∂(each input), in the order of the inputs.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "linear", "linear_backward", "embedding_backward", "sigmoid", "tanh_backward",
    "gru_cell", "gru_cell_backward", "gru_sequence", "gru_sequence_backward", "softmax_cross_entropy",
]


#   y = x W + b
def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(..., d_in) x (d_in, d_out) [+ (d_out,)] -> (..., d_out)."""
    return x @ w if b is None else x @ w + b


def linear_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dW, db) of ``y = x W + b``: dx = dy Wᵀ, dW = xᵀ dy, db = Σ dy over every leading dim."""
    dx = dy @ w.T  # (..., d_out) x (d_out, d_in) -> (..., d_in)
    dw = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, dy.shape[-1])  # (d_in, N) x (N, d_out) -> (d_in, d_out)
    db = dy.reshape(-1, dy.shape[-1]).sum(axis=0)  # (d_out,)
    return dx, dw, db


#   y = E[ids]   →   dE[v] = Σ_{positions p with ids[p] = v} dy[p]
def embedding_backward(dy: np.ndarray, ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Gradient of an embedding table (V, d) from ∂L/∂y of ``y = E[ids]`` (repeated ids add up)."""
    de = np.zeros((vocab_size, dy.shape[-1]), dy.dtype)  # (V, d)
    np.add.at(de, ids.ravel(), dy.reshape(-1, dy.shape[-1]))
    return de


#   σ(x) = 1 / (1 + e^{-x})
def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function, and no overflow warning for large -x


#   d tanh(x) = (1 − tanh²(x)) dx
def tanh_backward(dy: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L/∂x of ``y = tanh(x)``, from the output y."""
    return dy * (1.0 - y * y)


# A gated recurrent unit (Cho et al. 2014), one step. Gates r, z and candidate n are stacked along the
# last axis of the pre-activations: xw = x W_x + b_x and hw = h W_h + b_h are (B, 3H) = [r | z | n].
#   r = σ(xw_r + hw_r)                 reset gate
#   z = σ(xw_z + hw_z)                 update gate
#   n = tanh(xw_n + r ⊙ hw_n)          candidate state
#   h' = (1 − z) ⊙ n + z ⊙ h           new state
def gru_cell(xw: np.ndarray, h: np.ndarray, w_h: np.ndarray, b_h: np.ndarray) -> tuple[np.ndarray, tuple]:
    """One GRU step from the input's pre-activation ``xw`` (B, 3H) and state ``h`` (B, H): (h', cache)."""
    hw = h @ w_h + b_h  # (B, H) x (H, 3H) -> (B, 3H)
    size = h.shape[-1]
    rz = sigmoid(xw[:, : 2 * size] + hw[:, : 2 * size])  # (B, 2H): [r | z]
    r, z = rz[:, :size], rz[:, size:]
    n = np.tanh(xw[:, 2 * size :] + r * hw[:, 2 * size :])  # (B, H)
    h_new = n + z * (h - n)  # (B, H), = (1 − z) n + z h
    return h_new, (h, hw, r, z, n)


def gru_cell_backward(dh_new: np.ndarray, cache: tuple, w_h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dxw, dh, dhw) of one GRU step: gradients of its input pre-activation, its state, and ``h W_h + b_h``.

    dW_h and db_h follow from dhw (summed over steps by the caller: dW_h = Σ_t hᵀ dhw_t).
    """
    h, hw, r, z, n = cache
    size = h.shape[-1]
    dn = tanh_backward(dh_new * (1.0 - z), n)  # (B, H), through n = tanh(·)
    dz = dh_new * (h - n) * z * (1.0 - z)  # (B, H), through z = σ(·)
    dr = dn * hw[:, 2 * size :] * r * (1.0 - r)  # (B, H), through r = σ(·)
    dxw = np.concatenate([dr, dz, dn], axis=1)  # (B, 3H)
    dhw = np.concatenate([dr, dz, dn * r], axis=1)  # (B, 3H)
    dh = dh_new * z + dhw @ w_h.T  # (B, H): the direct path through z ⊙ h, and through hw
    return dxw, dh, dhw


def gru_sequence(
    xw: np.ndarray, h0: np.ndarray, w_h: np.ndarray, b_h: np.ndarray, *, reverse: bool = False
) -> tuple[np.ndarray, list]:
    """Run :func:`gru_cell` over ``xw`` (T, B, 3H) from ``h0`` (B, H); ``reverse`` reads t = T−1 … 0.

    Returns the states (T, B, H), ``states[t]`` being the state after reading step t, and the caches.
    """
    steps = range(xw.shape[0] - 1, -1, -1) if reverse else range(xw.shape[0])
    states = np.empty((xw.shape[0], *h0.shape), h0.dtype)
    caches, h = [], h0
    for t in steps:  # the recurrence: step t needs the state of the step before
        h, cache = gru_cell(xw[t], h, w_h, b_h)
        states[t] = h
        caches.append(cache)
    return states, caches


def gru_sequence_backward(
    dstates: np.ndarray, caches: list, w_h: np.ndarray, *, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dxw, dh0, dW_h, db_h) of :func:`gru_sequence`, given ∂L/∂states (T, B, H)."""
    steps = range(dstates.shape[0]) if reverse else range(dstates.shape[0] - 1, -1, -1)
    dxw = np.empty((dstates.shape[0], dstates.shape[1], 3 * dstates.shape[2]), dstates.dtype)  # (T, B, 3H)
    dhw = np.empty_like(dxw)  # (T, B, 3H)
    h_prev = np.empty_like(dstates)  # (T, B, H): the state each step started from
    dh = np.zeros_like(dstates[0])
    for t, cache in zip(steps, reversed(caches), strict=True):  # backwards in time
        dxw[t], dh, dhw[t] = gru_cell_backward(dstates[t] + dh, cache, w_h)
        h_prev[t] = cache[0]
    dw_h = h_prev.reshape(-1, h_prev.shape[-1]).T @ dhw.reshape(-1, dhw.shape[-1])  # Σ_t h_{t-1}ᵀ dhw_t
    return dxw, dh, dw_h, dhw.reshape(-1, dhw.shape[-1]).sum(axis=0)


#   L = −(1/N) Σ_i log softmax(logits_i)[target_i],   ∂L/∂logits_i = (softmax(logits_i) − onehot(target_i)) / N
def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``logits`` (..., V) against integer ``targets`` (...), and ∂L/∂logits."""
    flat = logits.reshape(-1, logits.shape[-1])  # (N, V)
    shifted = flat - flat.max(axis=1, keepdims=True)  # max-shift: exp never overflows
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, V)
    idx = np.arange(flat.shape[0]), targets.ravel()
    loss = -float(log_probs[idx].mean())
    dlogits = np.exp(log_probs)  # (N, V) softmax
    dlogits[idx] -= 1.0
    return loss, (dlogits / flat.shape[0]).reshape(logits.shape)

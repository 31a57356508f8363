"""A minimal recurrent network (Elman RNN), for comparing with attention: n steps, one after another.

    h_t = tanh(x_t W_x + h_{t-1} W_h + b)

Step t needs h_{t-1}: the n steps cannot run in parallel, and word 0 reaches word n-1 only through
n-1 applications of W_h. Attention connects every pair in one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RNNParams", "init_rnn", "rnn_forward"]


@dataclass(frozen=True)
class RNNParams:
    """Weights of the RNN: d input features, d hidden units."""

    w_x: np.ndarray  # (d, d)
    w_h: np.ndarray  # (d, d)
    b: np.ndarray  # (d,)


def init_rnn(d: int, *, rng: np.random.Generator, dtype=np.float32) -> RNNParams:
    """Random weights with std 1/sqrt(d) (keeps h in tanh's useful range)."""
    std = 1.0 / np.sqrt(d)
    return RNNParams(
        (rng.standard_normal((d, d)) * std).astype(dtype),
        (rng.standard_normal((d, d)) * std).astype(dtype),
        np.zeros(d, dtype),
    )


#   h_t = tanh(x_t W_x + h_{t-1} W_h + b)
def rnn_forward(x: np.ndarray, p: RNNParams) -> np.ndarray:
    """Hidden states ``(n, d)`` of the RNN over inputs ``x`` ``(n, d)``; a Python loop of n steps."""
    xw = x @ p.w_x + p.b  # (n, d): the input part has no dependency, so it is one product
    h = np.zeros(x.shape[1], dtype=x.dtype)
    out = np.empty_like(xw)
    for t in range(x.shape[0]):  # the sequential part: step t waits for step t-1
        h = np.tanh(xw[t] + h @ p.w_h)
        out[t] = h
    return out

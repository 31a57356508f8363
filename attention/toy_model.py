"""A one-layer, untrained self-attention over a typed sentence: what the Heatmap page draws.

tokens -> embeddings X (T, d_model) -> Q, K, V (H, T, d_k) -> weights (H, T, T) -> output (T, d_model).
Everything random comes from the ``rng`` passed in, so one seed reproduces one heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import causal_mask, scaled_dot_product_attention
from .projections import init_projections, merge_heads, project_qkv, split_heads
from .tokenizer import positional_encoding, random_embeddings

__all__ = ["ToyAttention", "toy_self_attention"]


@dataclass(frozen=True)
class ToyAttention:
    """Every array of one forward pass; shapes use T tokens, H heads, d_k per-head dims."""

    tokens: list[str]
    x: np.ndarray  # (T, d_model) embeddings + positions
    q: np.ndarray  # (H, T, d_k)
    k: np.ndarray  # (H, T, d_k)
    v: np.ndarray  # (H, T, d_k)
    mask: np.ndarray | None  # (T, T) bool, True = may attend
    weights: np.ndarray  # (H, T, T)
    output: np.ndarray  # (T, d_model)
    temperature: float

    @property
    def mean_weights(self) -> np.ndarray:
        """(T, T): the average over heads (rows still sum to 1)."""
        return self.weights.mean(axis=0)


def toy_self_attention(
    tokens: list[str],
    *,
    d_model: int,
    d_k: int,
    n_heads: int = 1,
    causal: bool = False,
    temperature: float = 1.0,
    rng: np.random.Generator,
) -> ToyAttention:
    """Random embeddings and projections (an untrained model), then multi-head self-attention.

    The same word gets the same embedding; sinusoidal positions make repeated words distinguishable.
    """
    t = len(tokens)
    if t < 1:
        raise ValueError("toy_self_attention needs at least one token")
    x = random_embeddings(tokens, d_model, rng=rng) + positional_encoding(t, d_model)  # (T, d_model)
    p = init_projections(d_model, d_k, n_heads=n_heads, rng=rng)
    q, k, v = (split_heads(a, n_heads) for a in project_qkv(x, p))  # (H, T, d_k) each
    mask = causal_mask(t) if causal else None
    heads, weights = scaled_dot_product_attention(q, k, v, mask, temperature=temperature)  # (H, T, d_k), (H, T, T)
    output = merge_heads(heads) @ p.w_o  # (T, H*d_k) x (H*d_k, d_model) -> (T, d_model)
    return ToyAttention(list(tokens), x, q, k, v, mask, weights, output, float(temperature))

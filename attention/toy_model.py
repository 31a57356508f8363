"""A one-layer, untrained self-attention over a typed sentence: what the Heatmap page draws.

tokens -> embeddings X (T, d_model) -> Q, K, V (H, T, d_k) -> weights (H, T, T) -> output (T, d_model).
Everything random comes from the ``rng`` passed in, so one seed reproduces one heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import causal_mask
from .projections import Projections, init_projections, multi_head_attention, project_qkv, split_heads
from .tokenizer import positional_encoding, random_embeddings

__all__ = ["ToyAttention", "toy_self_attention"]


@dataclass(frozen=True)
class ToyAttention:
    """Every array of one forward pass; shapes use T tokens, H heads, d_k dims per head."""

    tokens: list[str]
    x: np.ndarray  # (T, d_model) embeddings + positions
    projections: Projections  # W_Q, W_K, W_V (d_model, H*d_k), W_O (H*d_k, d_model)
    q: np.ndarray  # (H, T, d_k)
    k: np.ndarray  # (H, T, d_k)
    v: np.ndarray  # (H, T, d_k)
    mask: np.ndarray | None  # (T, T) bool, True = may attend; None = every word sees every word
    weights: np.ndarray  # (H, T, T), each row sums to 1
    output: np.ndarray  # (T, d_model)
    temperature: float

    @property
    def mean_weights(self) -> np.ndarray:
        """(T, T): the average over heads (rows still sum to 1)."""
        return self.weights.mean(axis=0)


#   X = E[tokens] + PE,  head_i = softmax(X W_Q^i (X W_K^i)^T / (sqrt(d_k) * temperature)) X W_V^i
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

    Parameters
    ----------
    tokens : list of str
        The T words. The same word (case-insensitive) gets the same embedding; sinusoidal positions
        are added so that repeated words still get different rows.
    d_model : int
        Embedding width.
    d_k : int
        Query/key (and value) width of each head.
    n_heads : int
        H independent heads, each with its own slice of W_Q, W_K, W_V.
    causal : bool
        GPT-style mask: a word may attend only to itself and earlier words.
    temperature : float
        Scores are divided by it (after the 1/sqrt(d_k) scaling) before the softmax.
    rng : numpy.random.Generator
        The only source of randomness: embeddings first, then the projections.

    Returns
    -------
    ToyAttention
        The inputs, the per-head Q, K, V, the weights (H, T, T) and the output (T, d_model).
    """
    t = len(tokens)
    if t < 1:
        raise ValueError("toy_self_attention needs at least one token")
    x = random_embeddings(tokens, d_model, rng=rng) + positional_encoding(t, d_model)  # (T, d_model)
    p = init_projections(d_model, d_k, n_heads=n_heads, rng=rng)
    q, k, v = (split_heads(a, n_heads) for a in project_qkv(x, p))  # (H, T, d_k) each, for the detail panel
    mask = causal_mask(t) if causal else None
    output, weights = multi_head_attention(x, p, mask, temperature=temperature)  # (T, d_model), (H, T, T)
    return ToyAttention(list(tokens), x, p, q, k, v, mask, weights, output, float(temperature))

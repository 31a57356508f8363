"""Small embedding matrices for the step-by-step page, chosen so that the result can be reasoned about.

Numbers are rounded (X to 1 decimal, W to 2) so that every product on screen can be checked by hand.
"""

from __future__ import annotations

import numpy as np

from .projections import init_projections

__all__ = ["PRESETS", "preset_embeddings", "rounded_projections"]

PRESETS = {
    "sentence": "A little sentence (random numbers)",
    "similar": "Two similar words: cat ≈ kitten",
    "onehot": "Unrelated words (one-hot vectors)",
}
_WORDS = {
    "sentence": ["The", "cat", "sat", "on", "the", "warm", "soft", "mat"],
    "similar": ["cat", "kitten", "car", "tree", "sky", "road", "leaf", "bird"],
    "onehot": ["red", "seven", "run", "blue", "tall", "nine", "swim", "green"],
}


def preset_embeddings(name: str, t: int, d_model: int, *, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """``(words, X)`` with X ``(T, d_model)`` float32.

    sentence : independent random rows.
    similar  : rows 0 and 1 ("cat", "kitten") differ by a little noise; the others are random.
    onehot   : row i has a 1 in column i mod d_model (words share nothing unless d_model < T).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {list(PRESETS)}")
    if name == "onehot":
        x = np.zeros((t, d_model))
        x[np.arange(t), np.arange(t) % d_model] = 1.0
    else:
        x = rng.standard_normal((t, d_model))
        if name == "similar":
            x[1] = x[0] + 0.1 * rng.standard_normal(d_model)
    return _WORDS[name][:t], np.round(x, 1).astype(np.float32)


def rounded_projections(d_model: int, d_k: int, *, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Random (untrained) W_Q, W_K, W_V ``(d_model, d_k)``, rounded to 2 decimals."""
    p = init_projections(d_model, d_k, rng=rng)
    return tuple(np.round(w, 2).astype(np.float32) for w in (p.w_q, p.w_k, p.w_v))

"""Sentences that say what the scaling and causal toggles of the step-by-step page change.

Pure functions: numbers in (computed by :mod:`attention`), markdown out. No user text goes in.
"""

from __future__ import annotations

import math

import numpy as np


def scaling_note(d_k: int, scaled: bool, weights_scaled: np.ndarray, weights_unscaled: np.ndarray) -> str:
    """Compare the rows' largest weights with and without the division by √d_k."""
    top_on = float(np.max(weights_scaled, axis=-1).mean())
    top_off = float(np.max(weights_unscaled, axis=-1).mean())
    now, other = ("on", "off") if scaled else ("off", "on")
    return (
        f"**Scaling is {now}.** Dividing by √d_k = √{d_k} ≈ {math.sqrt(d_k):.3f} shrinks every score before "
        f"the softmax. The largest weight of a row is **{top_on:.3f}** on average with the division and "
        f"**{top_off:.3f}** without it: bigger scores make the softmax pickier. Dot products grow with d_k, "
        f"so without the division a large model's weights would be nearly all-or-nothing. Switch it {other} "
        "to compare."
    )


def causal_note(t: int, causal: bool) -> str:
    """What the causal mask hides, in words."""
    hidden = t * (t - 1) // 2
    if not causal:
        return (
            "**No mask:** every word may look at every word, including the ones after it (as in BERT). "
            "Switch the causal mask on to hide the future, as GPT-style models do when they generate text."
        )
    return (
        f"**Causal mask on:** the {hidden} cells above the diagonal (a word looking at a later word) are "
        "set to −∞ before the softmax, so they are drawn as masked (grey, ✕) and get weight exactly 0. The "
        "first word can only look at itself, so its weight is 1."
    )

"""Sentences that say what the presets and the scaling and causal toggles of the step-by-step page show.

Pure functions: numbers in (computed by :mod:`attention`), markdown out. No user text goes in (the
words are the presets' own).
"""

from __future__ import annotations

import math

import numpy as np


def scaling_note(d_k: int, scaled: bool, weights_scaled: np.ndarray, weights_unscaled: np.ndarray) -> str:
    """Compare the rows' largest weights with and without the division by √d_k."""
    top_on = float(np.max(weights_scaled, axis=-1).mean())
    top_off = float(np.max(weights_unscaled, axis=-1).mean())
    now, other = ("on", "off") if scaled else ("off", "on")
    if d_k == 1:
        return (f"**Scaling is {now}**, but with d_k = 1 it changes nothing: √1 = 1, so the largest weight of a "
                f"row is **{top_on:.3f}** on average either way. Raise d_k to see the division at work.")
    return (
        f"**Scaling is {now}.** Dividing by √d_k = √{d_k} ≈ {math.sqrt(d_k):.3f} shrinks every score before "
        f"the softmax. The largest weight of a row is **{top_on:.3f}** on average with the division and "
        f"**{top_off:.3f}** without it: bigger scores make the softmax pickier. Dot products of random "
        "vectors grow with d_k (their variance is proportional to it), so without the division a large "
        f"model's weights would tend to be all-or-nothing. Switch it {other} to compare."
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


def preset_note(preset: str, words: list[str], x: np.ndarray, q: np.ndarray, weights: np.ndarray) -> str | None:
    """What to notice about the chosen preset, measured on the matrices as they are now (edits included).

    ``x`` (T, d_model), ``q`` (T, d_k) and ``weights`` (T, T) are the page's current matrices.
    """
    if preset == "similar":
        return _similar_note(words, x, q, weights)
    if preset == "onehot":
        return _onehot_note(words, x)
    return None


def _gap(m: np.ndarray, a: int, b: int) -> float:
    return float(np.abs(np.asarray(m[a], dtype=float) - np.asarray(m[b], dtype=float)).max())


def _similar_note(words: list[str], x: np.ndarray, q: np.ndarray, weights: np.ndarray) -> str:
    """Rows 0 and 1 (cat, kitten) against row 0 and 2 (cat, car): largest entry-wise differences."""
    a, b = words[0], words[1]
    text = f"Rows 0 and 1 (*{a}*, *{b}*) differ by at most **{_gap(x, 0, 1):.2f}** per entry in X"
    if len(words) > 2:
        text += f" (*{a}* and *{words[2]}*: {_gap(x, 0, 2):.2f})"
    text += (f". Follow them down the page: their rows of Q differ by at most **{_gap(q, 0, 1):.2f}**"
             + (f" ({_gap(q, 0, 2):.2f} for *{words[2]}*)" if len(words) > 2 else "")
             + f", their rows of attention weights by at most **{_gap(weights, 0, 1):.3f}**"
             + (f" ({_gap(weights, 0, 2):.3f} for *{words[2]}*)." if len(words) > 2 else "."))
    return text


def _onehot_note(words: list[str], x: np.ndarray) -> str:
    """Whether X is still one-hot, and which words share a column."""
    x = np.asarray(x, dtype=float)
    one_hot = bool(np.all((x == 0) | (x == 1)) and np.all(x.sum(axis=1) == 1))
    if not one_hot:
        return ("These rows started one-hot (a single 1 each); after your edits they are not any more, so "
                "the words now share dimensions of X.")
    column = x.argmax(axis=1)
    shared = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words)) if column[i] == column[j]]
    if not shared:
        return ("Each word has a single 1 in its own column, so no two words share anything in X (every dot "
                "product between two different rows of X is 0). The score of word *i* for word *j* is then "
                "just one entry of W_Q·W_Kᵀ (divided by √d_k when scaling is on): whatever links the words comes from the "
                "projections alone.")
    i, j = shared[0]
    return (f"Each word has a single 1, but there are fewer dimensions than words ({x.shape[1]} < {len(words)}): "
            f"{len(shared)} pair(s) of words share a column, e.g. *{words[i]}* and *{words[j]}* (rows {i} and "
            f"{j}) have the same vector, so the same Q, K and V rows.")

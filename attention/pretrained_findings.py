"""Helpers on a pretrained model's attention maps, numpy only: hide [CLS]/[SEP], average heads, find
previous-token, next-token and "parking" heads, and the guided findings the Heatmap page walks through.

Shapes: weights are ``(..., n, n)`` (rows = queries, columns = keys, rows sum to 1), e.g. one head
``(n, n)``, a layer ``(H, n, n)`` or a whole model ``(L, H, n, n)``; ``tokens`` has n entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CLS",
    "SEP",
    "SPECIAL_TOKENS",
    "special_mask",
    "hide_special",
    "head_average",
    "offset_scores",
    "previous_token_score",
    "next_token_score",
    "cls_share",
    "token_index",
    "Finding",
    "GUIDED_FINDINGS",
    "DISAMBIGUATION",
]

CLS, SEP = "[CLS]", "[SEP]"
SPECIAL_TOKENS = frozenset({CLS, SEP, "[PAD]"})


def special_mask(tokens: Sequence[str]) -> np.ndarray:
    """Boolean ``(n,)``: True for ``[CLS]``, ``[SEP]`` (and ``[PAD]``), False for word pieces."""
    return np.array([t in SPECIAL_TOKENS for t in tokens], dtype=bool)


def _check(weights: np.ndarray, tokens: Sequence[str] | None) -> np.ndarray:
    weights = np.asarray(weights)
    if weights.ndim < 2 or weights.shape[-1] != weights.shape[-2]:
        raise ValueError(f"weights must be (..., n, n), got {weights.shape}")
    if tokens is not None and len(tokens) != weights.shape[-1]:
        raise ValueError(f"weights{weights.shape} do not match {len(tokens)} tokens")
    return weights


#   w'[i, j] = w[i, j] / Σ_{j' not special} w[i, j']     for i, j not [CLS]/[SEP]
def hide_special(weights: np.ndarray, tokens: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Drop the ``[CLS]``/``[SEP]`` rows and columns, then rescale each row to sum to 1 again.

    Many heads put most of their weight on ``[CLS]`` or ``[SEP]`` (a "parking spot" when a head has
    nothing to do); hiding them shows how the rest of the weight is shared among the words.

    Returns
    -------
    weights : numpy.ndarray, shape (..., m, m)
        Same dtype. A row whose word weights were all 0 stays all 0 (no NaN).
    tokens : list[str]
        The m kept tokens.
    index : numpy.ndarray, shape (m,), int
        Where each kept token sits in the full sequence (to map a clicked cell back).
    """
    weights = _check(weights, tokens)
    keep = np.flatnonzero(~special_mask(tokens))
    kept = weights[..., keep[:, None], keep]  # (..., m, m)
    total = kept.sum(axis=-1, keepdims=True)  # (..., m, 1)
    total[total == 0] = 1
    return (kept / total).astype(weights.dtype, copy=False), [tokens[i] for i in keep], keep


#   mean over heads:  A_l = (1/H) Σ_h A_{l,h}
def head_average(attentions: np.ndarray) -> np.ndarray:
    """Average over the heads axis: ``(L, H, n, n)`` -> ``(L, n, n)`` (or ``(H, n, n)`` -> ``(n, n)``)."""
    attentions = np.asarray(attentions)
    if attentions.ndim < 3:
        raise ValueError(f"need (..., H, n, n), got {attentions.shape}")
    return attentions.mean(axis=-3, dtype=np.float64).astype(attentions.dtype, copy=False)


def _rows(n: int, offset: int, tokens: Sequence[str] | None) -> np.ndarray:
    """Query rows i whose key i+offset exists (and, with tokens, where neither is [CLS]/[SEP])."""
    rows = np.arange(max(0, -offset), n - max(0, offset))
    if tokens is not None:
        special = special_mask(tokens)
        rows = rows[~special[rows] & ~special[rows + offset]]
    return rows


#   score = mean_i w[i, i + offset]
def offset_scores(weights: np.ndarray, offset: int, tokens: Sequence[str] | None = None) -> np.ndarray:
    """Mean weight a token puts on the token ``offset`` places away (-1: previous, +1: next).

    With ``tokens``, only pairs where both tokens are words (not ``[CLS]``/``[SEP]``) count.
    Returns an array of the leading dims (a 0-d array for one ``(n, n)`` head); NaN if no pair counts.
    """
    weights = _check(weights, tokens)
    rows = _rows(weights.shape[-1], offset, tokens)
    if rows.size == 0:
        return np.full(weights.shape[:-2], np.nan)
    return weights[..., rows, rows + offset].mean(axis=-1)


def previous_token_score(weights: np.ndarray, tokens: Sequence[str] | None = None) -> np.ndarray:
    """:func:`offset_scores` with offset -1: 1.0 means every word attends only to the word before it."""
    return offset_scores(weights, -1, tokens)


def next_token_score(weights: np.ndarray, tokens: Sequence[str] | None = None) -> np.ndarray:
    """:func:`offset_scores` with offset +1: 1.0 means every word attends only to the word after it."""
    return offset_scores(weights, +1, tokens)


#   park = mean over word rows i of w[i, column of CLS]
def cls_share(weights: np.ndarray, tokens: Sequence[str] | None = None, *, column: int = 0) -> np.ndarray:
    """Mean weight the words put on ``[CLS]`` (column 0), per head: how much a head "parks" there.

    With ``tokens``, only the rows of words count (the ``[CLS]``/``[SEP]`` rows are left out).
    ``column=-1`` measures ``[SEP]`` instead.
    """
    weights = _check(weights, tokens)
    rows = np.arange(weights.shape[-1]) if tokens is None else np.flatnonzero(~special_mask(tokens))
    if rows.size == 0:
        return np.full(weights.shape[:-2], np.nan)
    return weights[..., rows, column].mean(axis=-1)


def token_index(tokens: Sequence[str], word: str, occurrence: int = 0) -> int:
    """Position of ``word`` (compared lower-case, as the uncased model spells tokens) in ``tokens``.

    ``occurrence`` picks the 2nd, 3rd... match. Raises ValueError if there is no such token.
    """
    hits = [i for i, t in enumerate(tokens) if t.lower() == word.lower()]
    if occurrence >= len(hits):
        raise ValueError(f"{word!r} (occurrence {occurrence}) is not among the tokens {list(tokens)}")
    return hits[occurrence]


@dataclass(frozen=True)
class Finding:
    """A pattern a trained head shows on a sentence, checked by the tests on the reference fixture.

    ``measure`` names the score ("previous", "next" or "cls", i.e. :func:`previous_token_score`,
    :func:`next_token_score`, :func:`cls_share` with tokens) and ``at_least`` the value the head
    reaches on ``sentence`` (rounded down from the measured one).
    """

    key: str
    title: str
    sentence: str
    layer: int  # 0-based
    heads: tuple[int, ...]  # 0-based
    measure: str
    at_least: float


GUIDED_FINDINGS: tuple[Finding, ...] = ()
DISAMBIGUATION: tuple[str, str] = ("Apple is delicious.", "Apple released a new product.")

"""Helpers on a pretrained model's attention maps, numpy only: hide [CLS]/[SEP], average heads, pool long
maps, find previous-token, next-token and "parking" heads, compare one word's vectors across sentences, and
the guided findings the Heatmap page walks through.

Shapes: weights are ``(..., n, n)`` (rows = queries, columns = keys, rows sum to 1), e.g. one head
``(n, n)``, a layer ``(H, n, n)`` or a whole model ``(L, H, n, n)``; ``tokens`` has n entries. Layers and
heads are indexed from 0 here, as the encoder stores them; pages show them numbered from 1.
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
    "pool_attention",
    "offset_weights",
    "offset_scores",
    "previous_token_score",
    "next_token_score",
    "cls_share",
    "token_index",
    "cosine_similarity",
    "Finding",
    "Disambiguation",
    "GUIDED_FINDINGS",
    "DISAMBIGUATION",
    "SenseSet",
    "SenseSimilarity",
    "SENSES",
    "sense_similarity",
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


#   pooled[a, b] = mean_{i in group a} Σ_{j in group b} w[i, j]
def pool_attention(weights: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Shrink ``(..., n, n)`` maps to ``(..., g, g)``, g = min(groups, n), by grouping consecutive tokens.

    A row of the result is the mean over the queries of a group, a column the sum over the keys of a group:
    cell (a, b) is the weight an average query of group a gives to all the keys of group b, so each row
    still sums to 1 and a column that takes much weight (a parking [CLS]) stays dark.

    Returns
    -------
    pooled : numpy.ndarray, shape (..., g, g), float64
    edges : numpy.ndarray, shape (g + 1,), int
        Group a holds tokens ``edges[a]`` to ``edges[a + 1] - 1``; sizes differ by at most one.
    """
    weights = _check(weights, None)
    n = weights.shape[-1]
    g = max(1, min(int(groups), n))
    edges = np.arange(g + 1) * n // g  # strictly increasing, since g <= n
    keys = np.add.reduceat(weights.astype(np.float64), edges[:-1], axis=-1)  # (..., n, g): sum over key groups
    pooled = np.add.reduceat(keys, edges[:-1], axis=-2)  # (..., g, g): sum over query groups
    pooled /= np.diff(edges)[:, None]  # ... then the mean
    return pooled, edges


def _rows(n: int, offset: int, tokens: Sequence[str] | None) -> np.ndarray:
    """Query rows i whose key i+offset exists (and, with tokens, where neither is [CLS]/[SEP])."""
    rows = np.arange(max(0, -offset), n - max(0, offset))
    if tokens is not None:
        special = special_mask(tokens)
        rows = rows[~special[rows] & ~special[rows + offset]]
    return rows


def offset_weights(weights: np.ndarray, offset: int, tokens: Sequence[str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The rows i that count and their weights ``w[..., i, i + offset]``: ``(rows, values (..., len(rows)))``.

    With ``tokens``, only pairs where both tokens are words (not ``[CLS]``/``[SEP]``) count.
    """
    weights = _check(weights, tokens)
    rows = _rows(weights.shape[-1], offset, tokens)
    return rows, weights[..., rows, rows + offset]


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


#   cos(u, v) = u·v / (|u| |v|)
def cosine_similarity(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cosine similarity along the last axis: ``(..., d)`` with ``(..., d)`` -> ``(...)``, in [-1, 1].

    E.g. a token's ``hidden_states[:, i]`` ``(L + 1, d)`` in two sentences gives one value per layer:
    how alike the two contextual vectors still are.
    """
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    norms = np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
    return np.sum(u * v, axis=-1) / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class Finding:
    """A pattern that trained heads show on a sentence; the tests check it on the reference fixture.

    ``measure`` names the score: "previous" (:func:`previous_token_score`), "next"
    (:func:`next_token_score`) or "cls" (:func:`cls_share`), each computed with the tokens, i.e. over
    word rows only. Every head in ``heads`` (0-based ``(layer, head)`` pairs, the first one the
    clearest) scores at least ``at_least`` on ``sentence`` (a round number below the measured value).
    """

    key: str
    title: str
    sentence: str
    heads: tuple[tuple[int, int], ...]
    measure: str
    at_least: float


@dataclass(frozen=True)
class Disambiguation:
    """The same word in two sentences: which context word its row in one head reaches for.

    In each sentence, the row of ``word`` in ``(layer, head)`` gives its largest weight among the other
    words (not itself, not ``[CLS]``/``[SEP]``) to ``context_words[i]``, at least ``at_least``; the
    word's input vectors are identical, its output vectors differ (cosine ``output_cosine_below``).
    """

    sentences: tuple[str, str]
    word: str
    layer: int
    head: int
    context_words: tuple[str, str]
    at_least: float
    output_cosine_below: float


_ANIMAL = "The animal didn't cross the street because it was too tired."

# Measured with attention.pretrained on these sentences and checked against PyTorch by
# tests/test_pretrained.py (values: numpy encoder; fixture agrees to 1e-5).
GUIDED_FINDINGS: tuple[Finding, ...] = (
    # every word attends to the word before it: 0.9999 (every such row >= 0.999)
    Finding("previous", "A previous-token head", _ANIMAL, ((0, 2),), "previous", 0.99),
    # mean weight on the next word 0.59 (0.55 to 0.74 on the other fixture sentences); the highest
    # next-token score of all 72 heads; function words look ahead, content words park on [CLS]
    Finding("next", "A next-token head", _ANIMAL, ((1, 8),), "next", 0.5),
    # the words put 0.87, 0.85, 0.90 of their attention on [CLS]; 29 of the 72 heads put more than half
    Finding("cls", "Heads that park on [CLS]", _ANIMAL, ((2, 7), (2, 9), (4, 5)), "cls", 0.8),
)

# Row of "apple" in layer 0, head 3 (layer 1, head 4 as the page numbers them): 0.55 on "delicious" / 0.46 on
# "released" of the real row (0.66 / 0.52 rescaled over the words); output cosine 0.86, which alone does not
# separate the senses: see SENSES and sense_similarity for what the final vectors do over several sentences.
DISAMBIGUATION = Disambiguation(
    sentences=("Apple is delicious.", "Apple released a new product."),
    word="apple",
    layer=0,
    head=3,
    context_words=("delicious", "released"),
    at_least=0.4,
    output_cosine_below=0.9,
)


@dataclass(frozen=True)
class SenseSet:
    """One word used in two senses: ``sentences[s]`` are sentences where ``word`` has sense ``senses[s]``."""

    word: str
    senses: tuple[str, str]
    sentences: tuple[tuple[str, ...], tuple[str, ...]]

    @property
    def labels(self) -> np.ndarray:
        """``(N,)`` the sense index of each sentence, in the order of :attr:`flat`."""
        return np.repeat(np.arange(2), [len(group) for group in self.sentences])

    @property
    def flat(self) -> list[str]:
        return [s for group in self.sentences for s in group]


# Apple as a fruit and as a company: short sentences, "apple" one word piece in each, at different positions.
SENSES = SenseSet(
    word="apple",
    senses=("fruit", "company"),
    sentences=(
        ("Apple is delicious.", "I ate an apple for lunch.", "She peeled the apple with a knife.",
         "The apple was sweet and juicy.", "He picked a ripe apple from the tree."),
        ("Apple released a new product.", "Apple announced its quarterly earnings.",
         "He bought shares of Apple yesterday.", "Apple sells phones and computers.", "The new Apple laptop is fast."),
    ),
)


@dataclass(frozen=True)
class SenseSimilarity:
    """Cosines between one word's vectors in N sentences, layer by layer (``L + 1`` = embeddings + layers).

    ``same_*`` summarise the pairs of sentences with the same sense, ``cross_*`` the pairs with different
    senses; ``*_pair`` name the pair (i, j) behind ``same_min`` and ``cross_max``. ``nearest_same`` counts
    the sentences whose most similar other sentence (by cosine) has the same sense.
    """

    cosines: np.ndarray  # (L + 1, N, N)
    labels: np.ndarray  # (N,) sense index
    same_mean: np.ndarray  # (L + 1,)
    cross_mean: np.ndarray
    same_min: np.ndarray
    same_max: np.ndarray
    cross_min: np.ndarray
    cross_max: np.ndarray
    same_min_pair: np.ndarray  # (L + 1, 2)
    cross_max_pair: np.ndarray  # (L + 1, 2)
    nearest_same: np.ndarray  # (L + 1,) int


#   cos[l, a, b] = cos(x_a^l, x_b^l);  same = pairs a < b with label a = label b;  cross = the others
def sense_similarity(vectors: np.ndarray, labels: np.ndarray) -> SenseSimilarity:
    """Compare ``vectors`` ``(N, L + 1, d)``, one word's vector after each layer in N sentences, by sense.

    Every sentence needs a same-sense partner and each sense at least one sentence.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    labels = np.asarray(labels)
    if vectors.ndim != 3 or labels.shape != vectors.shape[:1]:
        raise ValueError(f"need vectors (N, L + 1, d) and labels (N,); got {vectors.shape}, {labels.shape}")
    unit = vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)  # (N, L + 1, d)
    cos = np.einsum("ald,bld->lab", unit, unit)  # (L + 1, N, N)
    a, b = np.triu_indices(len(labels), k=1)
    same = labels[a] == labels[b]
    if same.all() or not same.any():
        raise ValueError("need at least two sentences of one sense and one of the other")
    pairs = cos[:, a, b]  # (L + 1, pairs)
    same_pairs = np.where(same, pairs, np.inf)
    cross_pairs = np.where(same, -np.inf, pairs)
    i_min, i_max = same_pairs.argmin(axis=1), cross_pairs.argmax(axis=1)
    others = cos.copy()
    others[:, np.arange(len(labels)), np.arange(len(labels))] = -np.inf  # a sentence is not its own neighbour
    nearest = others.argmax(axis=2)  # (L + 1, N)
    return SenseSimilarity(
        cosines=cos,
        labels=labels,
        same_mean=pairs[:, same].mean(axis=1),
        cross_mean=pairs[:, ~same].mean(axis=1),
        same_min=same_pairs.min(axis=1),
        same_max=pairs[:, same].max(axis=1),
        cross_min=pairs[:, ~same].min(axis=1),
        cross_max=cross_pairs.max(axis=1),
        same_min_pair=np.stack([a[i_min], b[i_min]], axis=1),
        cross_max_pair=np.stack([a[i_max], b[i_max]], axis=1),
        nearest_same=(labels[nearest] == labels[None, :]).sum(axis=1),
    )

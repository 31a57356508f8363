"""Measuring the translators on held-out sentences: exact match, word accuracy and alignment, by length.

- **exact match**: the whole translation equals the grammar's reference;
- **word accuracy**: the fraction of reference positions holding the right word (a missing word is wrong);
- **alignment**: with the reference fed to the decoder (teacher forcing), the source word with the largest
  cross-attention weight is the gold-aligned word. Counted for content words (nouns, adjectives, verbs)
  and, among them, for the words whose alignment line crosses another one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decode import Translator
from .grammar import CONTENT_WORDS, MAX_LEN, MIN_LEN, Pair, sample
from .model import forward
from .train import encode_pairs

__all__ = ["BINS", "held_out_set", "LengthScores", "score", "alignment_counts", "crossing", "by_bins"]

BINS = ((3, 5), (6, 10), (11, 15), (16, 20), (21, 25))  # sentence-length bins (source words), inclusive


def held_out_set(per_length: int, *, seed: int, lengths=range(MIN_LEN, MAX_LEN + 1)) -> list[Pair]:
    """Up to ``per_length`` distinct held-out sentences of each length (fewer where fewer exist)."""
    pairs = []
    for n in lengths:
        distinct = {" ".join(p.source): p for p in sample(3 * per_length, seed=seed * 1000 + n, min_len=n, max_len=n)}
        pairs += list(distinct.values())[:per_length]
    return pairs


@dataclass(frozen=True)
class LengthScores:
    """Counts per sentence length: ``lengths[i]`` words had ``sentences[i]`` sentences, and so on."""

    lengths: np.ndarray
    sentences: np.ndarray
    exact: np.ndarray  # sentences translated exactly
    words_correct: np.ndarray  # reference words matched at their position
    words_total: np.ndarray  # reference words


def score(translator: Translator, pairs: list[Pair]) -> LengthScores:
    """Greedy translations of ``pairs`` against their references, counted per source length."""
    outputs = translator.translate_many([p.source for p in pairs])
    lengths = np.arange(MIN_LEN, MAX_LEN + 1)
    counts = np.zeros((4, lengths.size), dtype=np.int64)
    for pair, out in zip(pairs, outputs, strict=True):
        i = len(pair.source) - MIN_LEN
        counts[:, i] += (1, out == pair.target, sum(a == b for a, b in zip(out, pair.target, strict=False)),
                         len(pair.target))
    return LengthScores(lengths, *counts)


def crossing(alignment: list[tuple[int, int]]) -> set[int]:
    """Target positions whose alignment line crosses another line: i < i' while j > j'."""
    return {i for i, j in alignment for i2, j2 in alignment if (i - i2) * (j - j2) < 0}


def alignment_counts(params: dict, pairs: list[Pair]) -> dict[str, np.ndarray]:
    """Per source length: how often the largest cross-attention weight lands on the gold source word.

    Keys: ``content_hits``/``content_total`` (content words), ``crossing_hits``/``crossing_total`` (content
    words whose alignment crosses another), ``all_hits``/``all_total`` (every target word).
    """
    lengths = np.arange(MIN_LEN, MAX_LEN + 1)
    out = {k: np.zeros(lengths.size, np.int64) for k in
           ("content_hits", "content_total", "crossing_hits", "crossing_total", "all_hits", "all_total")}
    groups: dict[int, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(len(pair.source), []).append(pair)
    for n, group in groups.items():
        src, tgt = encode_pairs(group)[n]
        _, alpha, _ = forward(params, src, tgt, "attention")  # (B, T + 1, S): the reference, teacher-forced
        picked = alpha.argmax(axis=-1)  # (B, T + 1)
        i = n - MIN_LEN
        for b, pair in enumerate(group):
            crossed = crossing(pair.alignment)
            for t, s in pair.alignment:
                hit = int(picked[b, t] == s)
                out["all_hits"][i] += hit
                out["all_total"][i] += 1
                if pair.source[s] in CONTENT_WORDS:
                    out["content_hits"][i] += hit
                    out["content_total"][i] += 1
                    if t in crossed:
                        out["crossing_hits"][i] += hit
                        out["crossing_total"][i] += 1
    return out


def by_bins(lengths: np.ndarray, *counts: np.ndarray, bins=BINS) -> list[tuple[int, int, list[int]]]:
    """Sum per-length ``counts`` into length bins: [(lo, hi, [sum of each count]), …]."""
    lengths = np.asarray(lengths)
    return [(lo, hi, [int(np.asarray(c)[(lengths >= lo) & (lengths <= hi)].sum()) for c in counts]) for lo, hi in bins]

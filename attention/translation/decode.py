"""Translating with a trained model: greedy decoding, one word at a time, and the attention it paid.

Greedy: at each step the decoder writes the word with the highest score and reads it back as the next
step's input, until it writes the end mark </s> (or runs ``extra`` steps past the source's length).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grammar import UnknownWords
from .model import (
    BOS,
    EOS,
    KINDS,
    SOURCE_ID,
    TARGET_ID,
    TARGET_VOCAB,
    decoder_start,
    decoder_step,
    encode,
    forward,
    memory_of,
    word_scores,
)

__all__ = ["Translation", "greedy", "source_ids", "Translator"]



def source_ids(words: list[str]) -> np.ndarray:
    """Vocabulary indices of English words; raises :class:`UnknownWords` naming the unknown ones."""
    unknown = list(dict.fromkeys(w for w in words if w not in SOURCE_ID))
    if unknown:
        raise UnknownWords(unknown)
    return np.array([SOURCE_ID[w] for w in words], dtype=np.int64)


def greedy(p: dict, src: np.ndarray, kind: str, *, extra: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Greedy translations of source ids ``src`` (B, S) (equal lengths).

    Returns target ids (B, T) (the end mark included where it was written; ``T ≤ S + extra``) and the
    cross-attention weights of every step (B, T, S'), S' = S for the attention model and 1 for the
    bottleneck model.
    """
    memory = memory_of(encode(p, src)[0], kind)  # (B, S', 2h)
    s, k, v = decoder_start(p, memory)
    o = np.zeros((src.shape[0], p["out_b"].shape[0]), s.dtype)
    e = p["tgt_emb"].shape[1]
    y = np.full(src.shape[0], BOS)
    done = np.zeros(src.shape[0], dtype=bool)
    words, weights = [], []
    for _ in range(src.shape[1] + extra):
        s, o, alpha, _ = decoder_step(p, p["tgt_emb"][y] @ p["dec_wx"][:e] + p["dec_bx"], s, o, k, v)
        y = np.where(done, EOS, word_scores(p, o).argmax(axis=-1))  # a finished sentence keeps writing </s>
        words.append(y)
        weights.append(alpha)
        done |= y == EOS
        if done.all():
            break
    return np.stack(words, axis=1), np.stack(weights, axis=1)


def target_words(ids: np.ndarray) -> list[str]:
    """The words before the first end mark."""
    out = []
    for i in ids:
        if i == EOS:
            break
        out.append(TARGET_VOCAB[i])
    return out


@dataclass(frozen=True)
class Translation:
    """A model's translation of one sentence.

    ``cross_attention[i, j]``: how much target word i's step read source word j (rows sum to 1);
    ``None`` for the bottleneck model, whose only key is the sentence's summary vector.
    """

    source: list[str]
    target: list[str]
    cross_attention: np.ndarray | None
    finished: bool  # False if the decoder never wrote </s> within the step budget


class Translator:
    """A trained model of one kind: ``translate(words)`` → :class:`Translation`."""

    def __init__(self, kind: str, params: dict[str, np.ndarray], *, step: int | None = None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.kind, self.params, self.step = kind, params, step

    def translate(self, source: list[str]) -> Translation:
        source = list(source)
        ids = source_ids(source)
        if len(ids) == 0:
            raise ValueError("nothing to translate: the sentence has no words")
        out, alpha = greedy(self.params, ids[None, :], self.kind)
        words = target_words(out[0])
        attention = alpha[0, : len(words)].astype(np.float64) if self.kind == "attention" else None
        return Translation(source, words, attention, bool((out[0] == EOS).any()))

    def attend(self, source: list[str], target: list[str]) -> np.ndarray:
        """Cross-attention (len(target), S') while the decoder is fed ``target`` (teacher forcing, as in training)."""
        ids = np.array([[TARGET_ID[w] for w in target] + [EOS]])
        _, alpha, _ = forward(self.params, source_ids(list(source))[None, :], ids, self.kind)
        return alpha[0, : len(target)].astype(np.float64)

    def translate_many(self, sources: list[list[str]]) -> list[list[str]]:
        """Translations (word lists) of many sentences, batched by length."""
        result: list[list[str]] = [[] for _ in sources]
        by_len: dict[int, list[int]] = {}
        for i, s in enumerate(sources):
            by_len.setdefault(len(s), []).append(i)
        for idx in by_len.values():
            out, _ = greedy(self.params, np.stack([source_ids(sources[i]) for i in idx]), self.kind)
            for i, row in zip(idx, out, strict=True):
                result[i] = target_words(row)
        return result

"""Does a trained head know what "it" refers to? The Home page's own story, put to the test.

Home motivates attention with *"The animal didn't cross the street because it was too tired"*: to read
**it** you look back at *animal*. One head of all-MiniLM-L6-v2 does put most of the weight of "it" on
"animal" there. The test is a *minimal pair*: change one adjective ("too tired" -> "too wide") and "it"
now means the street. A head that resolved "it" would move its weight with the meaning; a head that
merely links "it" to a noun would not move.

Pure functions over an ``encode`` callable (text -> an object with ``tokens`` (n,) and ``attentions``
(L, H, n, n), such as :meth:`attention.pretrained.Encoder.encode`), so they run on a fake in tests.
Layers and heads are 0-based here; pages show them 1-based ("layer 4, head 2" is ``(3, 1)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Pair", "PAIRS", "STORY_HEAD", "Reading", "HeadCheck", "read_sentence", "check_head"]

PRONOUN = "it"


@dataclass(frozen=True)
class Pair:
    """One sentence with two nouns and "it", in two versions: ``adjectives[i]`` makes "it" mean ``nouns[i]``."""

    template: str  # "{}" marks the adjective
    nouns: tuple[str, str]
    adjectives: tuple[str, str]

    def sentences(self) -> tuple[tuple[str, str, str], ...]:
        """``(sentence, referent, other noun)`` for both versions."""
        a, b = self.nouns
        return ((self.template.format(self.adjectives[0]), a, b), (self.template.format(self.adjectives[1]), b, a))


# Every noun, "it" and adjective here is a single word piece of the MiniLM tokenizer.
PAIRS = (
    Pair("The animal didn't cross the street because it was too {}.", ("animal", "street"), ("tired", "wide")),
    Pair("The trophy didn't fit in the suitcase because it was too {}.", ("trophy", "suitcase"), ("big", "small")),
    Pair("The dog didn't cross the river because it was too {}.", ("dog", "river"), ("tired", "deep")),
    Pair("The cat didn't climb the tree because it was too {}.", ("cat", "tree"), ("lazy", "tall")),
    Pair("The bird didn't land on the branch because it was too {}.", ("bird", "branch"), ("scared", "thin")),
    Pair("The boy didn't eat the soup because it was too {}.", ("boy", "soup"), ("full", "hot")),
)
STORY_HEAD = (3, 1)  # (layer, head), 0-based: the head that puts ~0.68 of "it" on "animal" in the first sentence


@dataclass(frozen=True)
class Reading:
    """The row of "it" in one head, for one sentence: where its weight goes."""

    sentence: str
    referent: str  # the noun "it" refers to (a person's reading)
    other: str  # the other noun
    on_referent: float  # weight of "it" on the referent
    on_other: float  # weight of "it" on the other noun
    top: str  # the token that gets the largest weight of "it" ("it" itself included)
    top_weight: float
    tokens: tuple[str, ...] = ()  # the sentence's word pieces, [CLS] ... [SEP]
    row: tuple[float, ...] = ()  # the head's whole row of "it": one weight per token, sums to 1

    @property
    def follows(self) -> bool:
        """True when the head gives the referent more weight than the other noun."""
        return self.on_referent > self.on_other

    @property
    def preferred(self) -> str:
        """The noun (of the two) that gets more of the weight of "it"."""
        return self.referent if self.follows else self.other


@dataclass(frozen=True)
class HeadCheck:
    """One head on every sentence of :data:`PAIRS`, and the best of all heads on the same sentences."""

    layer: int
    head: int
    readings: tuple[Reading, ...]  # two per pair, in the order of the pairs
    best_layer: int  # the head (0-based) that follows the referent in the most sentences
    best_head: int
    best_follows: int
    n_heads: int  # how many heads were compared to find the best

    @property
    def follows(self) -> int:
        """In how many sentences the head gives the referent more weight than the other noun."""
        return sum(r.follows for r in self.readings)

    @property
    def same_noun_pairs(self) -> int:
        """In how many pairs the head prefers the same noun in both versions (i.e. ignores the meaning)."""
        pairs = zip(self.readings[::2], self.readings[1::2], strict=True)
        return sum(a.preferred == b.preferred for a, b in pairs)


def _row_of_it(tokens: Sequence[str], attentions: np.ndarray) -> tuple[int, np.ndarray]:
    if PRONOUN not in tokens:
        raise ValueError(f'no "{PRONOUN}" among the tokens {list(tokens)}')
    i = list(tokens).index(PRONOUN)
    return i, np.asarray(attentions)[..., i, :]  # (L, H, n): every head's row of "it"


def read_sentence(encoding: Any, referent: str, other: str, layer: int, head: int) -> Reading:
    """Where the row of "it" in ``(layer, head)`` of ``encoding`` puts its weight."""
    tokens = list(encoding.tokens)
    _, rows = _row_of_it(tokens, encoding.attentions)
    row = rows[layer, head].astype(float)  # (n,)
    top = int(np.argmax(row))
    return Reading(
        sentence=getattr(encoding, "text", ""), referent=referent, other=other,
        on_referent=float(row[tokens.index(referent)]), on_other=float(row[tokens.index(other)]),
        top=tokens[top], top_weight=float(row[top]), tokens=tuple(tokens), row=tuple(float(w) for w in row),
    )


def check_head(encode: Callable[[str], Any], head: tuple[int, int] = STORY_HEAD,
               pairs: Sequence[Pair] = PAIRS) -> HeadCheck:
    """Run every sentence of ``pairs`` through ``encode`` and read ``head`` (0-based (layer, head)).

    Also counts, for every head of the model, in how many sentences it gives the referent more weight
    than the other noun, and reports the best one: a head chosen *after* seeing the answers.
    """
    readings, follows = [], None
    for pair in pairs:
        for sentence, referent, other in pair.sentences():
            enc = encode(sentence)
            tokens = list(enc.tokens)
            _, rows = _row_of_it(tokens, enc.attentions)  # (L, H, n)
            hit = rows[..., tokens.index(referent)] > rows[..., tokens.index(other)]  # (L, H)
            follows = hit.astype(int) if follows is None else follows + hit
            readings.append(read_sentence(enc, referent, other, *head))
    if follows is None:
        raise ValueError("no sentences to check")
    best = np.unravel_index(int(np.argmax(follows)), follows.shape)  # the first of any ties
    return HeadCheck(layer=head[0], head=head[1], readings=tuple(readings), best_layer=int(best[0]),
                     best_head=int(best[1]), best_follows=int(follows[best]), n_heads=int(follows.size))

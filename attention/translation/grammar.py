"""A small English → German grammar whose generator knows the gold word alignment of every pair.

The grammar (every sentence is lower-case English without punctuation; German nouns keep their capital):

    sentence   := clause (link clause)*
    clause     := NP V_intr                      the dog sleeps           der Hund schläft
                | NP V_trans NP                  the dog sees a cat       der Hund sieht eine Katze
                | NP V_say "that"  (+ clause)    the man says that …      der Mann sagt dass …
    link       := "and" | "but" | "or"           next clause is a main clause
                | "because" | "if"               next clause is a subordinate clause
    NP         := ("the" | "a" | "an") [ADJ] NOUN      ("an" before "old", the one vowel)

German rules, all of them real German grammar:

1. **Verb-final subordinate clauses.** After *weil* (because), *wenn* (if) and *dass* (that) the verb
   moves to the end of its clause: *because the dog sees the cat* → *weil der Hund die Katze sieht*.
   The alignment lines of *sieht* and *die Katze* cross. A clause after *und*, *aber*, *oder* or at the
   start is a main clause and keeps English order. (A subordinate *says that* clause keeps its order
   too: its *dass* clause follows the verb, as German does.)
2. **Articles agree** with the noun's gender (der Hund, die Katze, das Pferd) and case: the subject is
   nominative, the object accusative (*den* Hund, *einen* Hund).
3. **Adjective endings** follow gender, case and article: *der große Hund*, *den großen Hund*,
   *ein großer Hund*, *ein großes Pferd*, *eine große Katze*.

Every English word becomes exactly one German word, so an alignment is a permutation: a list of
``(target_index, source_index)`` pairs, one per target word. Commas, which German puts before *weil*,
*wenn* and *dass*, are left out on both sides.
"""

from __future__ import annotations

import re
import zlib
from typing import NamedTuple

import numpy as np

__all__ = [
    "NOUNS", "ADJECTIVES", "TRANSITIVE", "INTRANSITIVE", "SAYING", "LINKS", "SOURCE_WORDS", "TARGET_WORDS",
    "CONTENT_WORDS", "MIN_LEN", "MAX_LEN", "Pair", "sample", "translate_reference", "is_held_out",
    "UnknownWords", "words",
]

MIN_LEN, MAX_LEN = 3, 25  # source sentence length in words, the range the models were trained on

NOUNS = {  # English: (German, gender)
    "dog": ("Hund", "m"), "man": ("Mann", "m"), "teacher": ("Lehrer", "m"), "bird": ("Vogel", "m"),
    "cat": ("Katze", "f"), "woman": ("Frau", "f"), "mouse": ("Maus", "f"), "cow": ("Kuh", "f"),
    "horse": ("Pferd", "n"), "child": ("Kind", "n"), "girl": ("Mädchen", "n"), "sheep": ("Schaf", "n"),
}
ADJECTIVES = {"big": "groß", "small": "klein", "old": "alt", "young": "jung",
              "black": "schwarz", "white": "weiß", "brown": "braun", "hungry": "hungrig"}
TRANSITIVE = {"sees": "sieht", "likes": "mag", "hears": "hört", "finds": "findet",
              "visits": "besucht", "knows": "kennt", "chases": "jagt", "feeds": "füttert"}
INTRANSITIVE = {"sleeps": "schläft", "runs": "läuft", "sings": "singt", "waits": "wartet"}
SAYING = {"says": "sagt", "thinks": "denkt"}  # followed by "that" and a subordinate clause
LINKS = {"and": "und", "but": "aber", "or": "oder", "because": "weil", "if": "wenn"}
SUBORDINATING = {"because", "if", "that"}  # the clause after these is verb-final

# (article, case, gender) -> German article; (article, case, gender) -> adjective ending
ARTICLES = {
    ("the", "nom", "m"): "der", ("the", "nom", "f"): "die", ("the", "nom", "n"): "das",
    ("the", "acc", "m"): "den", ("the", "acc", "f"): "die", ("the", "acc", "n"): "das",
    ("a", "nom", "m"): "ein", ("a", "nom", "f"): "eine", ("a", "nom", "n"): "ein",
    ("a", "acc", "m"): "einen", ("a", "acc", "f"): "eine", ("a", "acc", "n"): "ein",
}
ENDINGS = {  # weak endings after der/die/das, mixed endings after ein/eine
    ("the", "nom", "m"): "e", ("the", "nom", "f"): "e", ("the", "nom", "n"): "e",
    ("the", "acc", "m"): "en", ("the", "acc", "f"): "e", ("the", "acc", "n"): "e",
    ("a", "nom", "m"): "er", ("a", "nom", "f"): "e", ("a", "nom", "n"): "es",
    ("a", "acc", "m"): "en", ("a", "acc", "f"): "e", ("a", "acc", "n"): "es",
}

SOURCE_WORDS = sorted({"the", "a", "an", "that", *NOUNS, *ADJECTIVES, *TRANSITIVE, *INTRANSITIVE, *SAYING, *LINKS})
TARGET_WORDS = sorted(
    {*ARTICLES.values(), "dass", *(g for g, _ in NOUNS.values()), *TRANSITIVE.values(), *INTRANSITIVE.values(),
     *SAYING.values(), *LINKS.values(), *(a + e for a in ADJECTIVES.values() for e in set(ENDINGS.values()))}
)
# Content words (nouns, adjectives, verbs): the words whose gold source word attention should find.
CONTENT_WORDS = frozenset({*NOUNS, *ADJECTIVES, *TRANSITIVE, *INTRANSITIVE, *SAYING})

HELD_OUT_EVERY = 5  # one sentence in five (by a hash of its words) is held out: never trained on


class UnknownWords(ValueError):
    """Words outside the vocabulary; ``.words`` lists them in order of first appearance."""

    def __init__(self, words: list[str]):
        super().__init__(f"not in the vocabulary: {', '.join(words)}")
        self.words = words


class Pair(NamedTuple):
    """One sentence pair: ``(i, j)`` in ``alignment`` means target word i translates source word j."""

    source: list[str]
    target: list[str]
    alignment: list[tuple[int, int]]


def is_held_out(source: list[str]) -> bool:
    """True for the fifth of all sentences the models never saw in training (a hash of the words)."""
    return zlib.crc32(" ".join(source).encode()) % HELD_OUT_EVERY == 0


def words(text: str) -> list[str]:
    """An English sentence as the models read it: lower case, punctuation dropped, split at spaces."""
    return re.sub(r"[^\w\s']|_", " ", str(text).lower()).split()


# ---------------------------------------------------------------- parsing and translating English
def _noun_phrase(words: list[str], i: int, case: str) -> tuple[list[str], int]:
    """German for the NP starting at ``words[i]``; returns (German words, index after the NP)."""
    end = len(words)
    if i >= end:
        raise ValueError(f"a noun phrase (the/a/an, an adjective or not, a noun) is missing after word {i}")
    article = words[i]
    adjective = words[i + 1] if i + 1 < end and words[i + 1] in ADJECTIVES else None
    noun = words[i + 1 + bool(adjective)] if i + 1 + bool(adjective) < end else None
    if article not in ("the", "a", "an") or noun not in NOUNS:
        raise ValueError(f"expected a noun phrase (the/a/an, an adjective or not, a noun) at word {i + 1}")
    if article != "the" and article != _indefinite(words[i + 1]):
        raise ValueError(f"English says '{_indefinite(words[i + 1])} {words[i + 1]}', not '{article} {words[i + 1]}'")
    article = "a" if article == "an" else article
    german_noun, gender = NOUNS[noun]
    out = [ARTICLES[article, case, gender]]
    if adjective:
        out.append(ADJECTIVES[adjective] + ENDINGS[article, case, gender])
    return out + [german_noun], i + (3 if adjective else 2)


def _clause(words: list[str], i: int, subordinate: bool) -> tuple[list[tuple[str, int]], int]:
    """One clause from ``words[i]``: (German words with the index of their source word, next index)."""
    subject, j = _noun_phrase(words, i, "nom")
    out = [(w, k) for w, k in zip(subject, _np_sources(words, i), strict=True)]
    if j >= len(words):
        raise ValueError(f"a verb is missing after word {j}")
    verb, v = words[j], j
    if verb in INTRANSITIVE:
        return out + [(INTRANSITIVE[verb], v)], j + 1
    if verb in SAYING:
        if j + 1 >= len(words) or words[j + 1] != "that":
            raise ValueError(f"'{verb}' must be followed by 'that' and a clause")
        return out + [(SAYING[verb], v), ("dass", j + 1)], j + 2
    if verb in TRANSITIVE:
        obj, end = _noun_phrase(words, j + 1, "acc")
        obj_aligned = list(zip(obj, _np_sources(words, j + 1), strict=True))
        verb_aligned = [(TRANSITIVE[verb], v)]
        # Rule 1: a subordinate clause puts its verb last (the alignment lines cross here).
        return out + (obj_aligned + verb_aligned if subordinate else verb_aligned + obj_aligned), end
    raise ValueError(f"expected a verb at word {j + 1}, got '{verb}'")


def _indefinite(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _np_sources(words: list[str], i: int) -> list[int]:
    return [i, i + 1, i + 2] if words[i + 1] in ADJECTIVES else [i, i + 1]


def translate_reference(source: list[str]) -> Pair:
    """The grammar's German for an English sentence, with its gold alignment.

    Raises :class:`UnknownWords` for words outside the vocabulary and ``ValueError`` (naming the
    word) for a sentence the grammar cannot parse.
    """
    unknown = list(dict.fromkeys(w for w in source if w not in SOURCE_WORDS))
    if unknown:
        raise UnknownWords(unknown)
    if not source:
        raise ValueError("the sentence is empty")
    aligned: list[tuple[str, int]] = []
    i, subordinate = 0, False
    while True:
        clause, i = _clause(source, i, subordinate)
        aligned += clause
        if clause[-1][0] == "dass":  # a "says that" clause runs straight into its subordinate clause
            if i == len(source):
                raise ValueError("a clause is missing after 'that'")
            subordinate = True
            continue
        if i == len(source):
            break
        if source[i] not in LINKS:
            raise ValueError(f"expected a link word ({', '.join(LINKS)}) at word {i + 1}, got '{source[i]}'")
        aligned.append((LINKS[source[i]], i))
        subordinate, i = source[i] in SUBORDINATING, i + 1
        if i == len(source):
            raise ValueError(f"a clause is missing after '{source[i - 1]}'")
    return Pair(list(source), [w for w, _ in aligned], [(t, s) for t, (_, s) in enumerate(aligned)])


# ---------------------------------------------------------------- generating English
def _np(rng: np.random.Generator, size: int) -> list[str]:
    definite = bool(rng.integers(2))
    words = [list(ADJECTIVES)[rng.integers(len(ADJECTIVES))]] if size == 3 else []
    words.append(list(NOUNS)[rng.integers(len(NOUNS))])
    return ["the" if definite else _indefinite(words[0])] + words


# clause shapes: (kind, subject size, object size) -> length in words ("that" included for "say")
_SHAPES = [("intr", s, 0) for s in (2, 3)] + [("trans", s, o) for s in (2, 3) for o in (2, 3)] + \
          [("say", s, 0) for s in (2, 3)]


def _shape_len(shape: tuple[str, int, int]) -> int:
    kind, s, o = shape
    return s + 1 + (o if kind == "trans" else 1 if kind == "say" else 0)


def _english(rng: np.random.Generator, length: int) -> list[str]:
    """Random English with exactly ``length`` words (any length ≥ 3 can be reached)."""
    words: list[str] = []
    while True:
        left = length - len(words)
        # a clause may end the sentence, be followed by a link and ≥ 3 words, or ("say") by ≥ 3 words
        fits = [sh for sh in _SHAPES if (_shape_len(sh) + 3 <= left if sh[0] == "say"
                                          else _shape_len(sh) == left or _shape_len(sh) + 4 <= left)]
        kind, s, o = fits[rng.integers(len(fits))]
        words += _np(rng, s)
        verbs = {"intr": INTRANSITIVE, "trans": TRANSITIVE, "say": SAYING}[kind]
        words.append(list(verbs)[rng.integers(len(verbs))])
        if kind == "trans":
            words += _np(rng, o)
        if kind == "say":
            words.append("that")
            continue
        if len(words) == length:
            return words
        words.append(list(LINKS)[rng.integers(len(LINKS))])


def sample(
    n: int,
    *,
    seed: int,
    min_len: int | None = None,
    max_len: int | None = None,
    split: str = "held_out",
) -> list[Pair]:
    """``n`` random sentence pairs ``(source, target, alignment)``, the same for the same seed.

    Lengths (source words) are uniform over ``min_len..max_len`` (default 3..25).
    ``split`` picks which sentences may be drawn: ``"held_out"`` (default: the sentences the shipped
    models never saw in training), ``"train"`` (the others) or ``"any"``.
    """
    lo = MIN_LEN if min_len is None else int(min_len)
    hi = MAX_LEN if max_len is None else int(max_len)
    if lo < MIN_LEN or hi < lo:
        raise ValueError(f"need {MIN_LEN} <= min_len <= max_len, got {lo}..{hi}")
    if split not in ("held_out", "train", "any"):
        raise ValueError(f"split must be 'held_out', 'train' or 'any', got {split!r}")
    rng = np.random.default_rng(seed)
    pairs = []
    while len(pairs) < n:
        source = _english(rng, int(rng.integers(lo, hi + 1)))
        if split == "any" or is_held_out(source) == (split == "held_out"):
            pairs.append(translate_reference(source))
    return pairs

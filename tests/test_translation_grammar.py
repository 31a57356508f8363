"""The translation task's generator: German grammar rules, gold alignments, held-out split, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from attention.translation import UnknownWords, is_held_out, sample, translate_reference
from attention.translation import grammar as g
from attention.translation.evaluate import crossing, held_out_set

# Written by hand from a German grammar, independently of the generator's tables.
EXAMPLES = {
    "the dog sleeps": "der Hund schläft",
    "a cat sees the dog": "eine Katze sieht den Hund",
    "the dog sees a cat": "der Hund sieht eine Katze",
    "a big dog feeds an old horse": "ein großer Hund füttert ein altes Pferd",
    "the young girl likes a brown dog": "das junge Mädchen mag einen braunen Hund",
    "an old sheep hears the small mouse": "ein altes Schaf hört die kleine Maus",
    "the cow sleeps because the man sees the horse": "die Kuh schläft weil der Mann das Pferd sieht",
    "the child runs if a hungry cat chases the white bird": "das Kind läuft wenn eine hungrige Katze den weißen Vogel jagt",
    "the teacher says that a woman knows the old man": "der Lehrer sagt dass eine Frau den alten Mann kennt",
    "the bird sings and the cat sees the mouse": "der Vogel singt und die Katze sieht die Maus",
    "the man thinks that the woman says that the dog feeds the cat":
        "der Mann denkt dass die Frau sagt dass der Hund die Katze füttert",
    "a girl waits but the dog finds a black cow or the horse visits the child":
        "ein Mädchen wartet aber der Hund findet eine schwarze Kuh oder das Pferd besucht das Kind",
}

# Every German form each English word may become (its gold-aligned translation must be one of them).
FORMS = {
    "the": {"der", "die", "das", "den"}, "a": {"ein", "eine", "einen"}, "an": {"ein", "eine", "einen"},
    "that": {"dass"}, **{e: {gd} for e, (gd, _) in g.NOUNS.items()},
    **{e: {a + end for end in ("e", "en", "er", "es")} for e, a in g.ADJECTIVES.items()},
    **{e: {v} for e, v in {**g.TRANSITIVE, **g.INTRANSITIVE, **g.SAYING, **g.LINKS}.items()},
}


@pytest.mark.parametrize("english", EXAMPLES)
def test_hand_written_translations(english):
    pair = translate_reference(english.split())
    assert " ".join(pair.target) == EXAMPLES[english]


def test_subordinate_clause_alignment_crosses():
    pair = translate_reference("the cow sleeps because the man sees the horse".split())
    # die Kuh schläft weil der Mann das Pferd sieht: "sieht" (7) ← "sees" (6), "das" (5) ← "the" (7)
    assert pair.alignment == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 7), (7, 8), (8, 6)]
    assert crossing(pair.alignment) == {6, 7, 8}
    main = translate_reference("the man sees the horse".split())
    assert crossing(main.alignment) == set()  # a main clause keeps English order


def test_samples_are_deterministic_and_seed_dependent():
    assert sample(30, seed=5) == sample(30, seed=5)
    assert sample(30, seed=5) != sample(30, seed=6)


@pytest.mark.parametrize(("lo", "hi"), [(None, None), (3, 3), (7, 9), (25, 25), (30, 32)])
def test_lengths_in_range(lo, hi):
    pairs = sample(200, seed=1, min_len=lo, max_len=hi, split="any")
    lengths = {len(p.source) for p in pairs}
    assert min(lengths) >= (lo or 3) and max(lengths) <= (hi or 25)
    if lo is None:
        assert lengths == set(range(3, 26))  # every length 3..25 is drawn
    assert all(len(p.target) == len(p.source) for p in pairs)


def test_every_pair_is_well_formed_with_a_gold_alignment():
    crossings = 0
    for source, target, alignment in sample(500, seed=3, split="any"):
        assert sorted(t for t, _ in alignment) == list(range(len(target)))
        assert sorted(s for _, s in alignment) == list(range(len(source)))  # a permutation: one word each
        for t, s in alignment:
            assert target[t] in FORMS[source[s]], (source[s], target[t])
        assert translate_reference(source).target == target
        crossings += bool(crossing(alignment))
    assert crossings > 100  # alignment lines cross in many sentences


def test_verb_final_after_subordinating_words():
    """In German, the clause after weil/wenn/dass ends with its verb, and objects come before it."""
    verbs = set(g.TRANSITIVE.values()) | set(g.INTRANSITIVE.values()) | set(g.SAYING.values())
    seen = 0
    for pair in sample(400, seed=4, split="any"):
        words = pair.target
        for i, w in enumerate(words):
            if w in ("weil", "wenn", "dass"):
                rest = words[i + 1:]
                clause_end = next(j for j, x in enumerate(rest) if x in verbs)
                assert rest[clause_end] in verbs
                after = rest[clause_end + 1:]
                if rest[clause_end] not in g.SAYING.values():  # "sagt/denkt dass": the dass-clause follows
                    assert not after or after[0] in g.LINKS.values(), " ".join(words)
                seen += 1
    assert seen > 100


def test_articles_and_adjectives_agree():
    cases = {("the", "m", "nom"): "der große", ("the", "m", "acc"): "den großen",
             ("a", "m", "nom"): "ein großer", ("a", "m", "acc"): "einen großen",
             ("a", "n", "nom"): "ein großes", ("a", "n", "acc"): "ein großes",
             ("the", "f", "acc"): "die große", ("the", "n", "acc"): "das große"}
    nouns = {"m": "dog", "f": "cat", "n": "horse"}
    for (art, gender, case), german in cases.items():
        np_ = f"{art} big {nouns[gender]}"
        english = f"{np_} sleeps" if case == "nom" else f"the cow sees {np_}"
        target = translate_reference(english.split()).target
        assert german in " ".join(target), (english, target)


def test_held_out_split_is_disjoint_and_stable():
    train = {" ".join(p.source) for p in sample(3000, seed=8, split="train")}
    held = {" ".join(p.source) for p in sample(3000, seed=8)}  # default: held-out
    assert not train & held
    assert all(is_held_out(s.split()) for s in held) and not any(is_held_out(s.split()) for s in train)
    fraction = np.mean([is_held_out(p.source) for p in sample(4000, seed=9, split="any")])
    assert 0.15 < fraction < 0.25  # one sentence in five


def test_held_out_set_is_distinct_per_length():
    pairs = held_out_set(40, seed=1, lengths=range(3, 8))
    keys = [" ".join(p.source) for p in pairs]
    assert len(keys) == len(set(keys))
    assert sum(len(p.source) == 3 for p in pairs) < 40  # fewer than 40 three-word held-out sentences exist
    assert all(is_held_out(p.source) for p in pairs)


def test_unknown_words_and_ungrammatical_sentences():
    with pytest.raises(UnknownWords) as err:
        translate_reference("the zebra sees the zebra and a lion".split())
    assert err.value.words == ["zebra", "lion"]
    for bad, message in [("the dog sees", "missing"), ("a old dog sleeps", "an old"), ("dog sleeps", "noun phrase"),
                         ("the dog says that", "missing after 'that'"), ("the dog sleeps the cat runs", "link word"),
                         ("the dog sleeps and", "missing after 'and'"), ("the dog the", "verb")]:
        with pytest.raises(ValueError, match=message):
            translate_reference(bad.split())
    with pytest.raises(ValueError):
        sample(3, seed=0, min_len=2)
    with pytest.raises(ValueError):
        sample(3, seed=0, split="test")

"""The Translation page's input and translations: URL state, reading a sentence, both models side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from attention.translation import KINDS, Pair, UnknownWords, is_held_out, load, translate_reference
from attention.translation import grammar as g
from attention.translation.store import checkpoint, shipped
from figures.translation import NAMES
from ui.state import ChoiceParam, IntParam, TextParam

MAX_WORDS = 40  # longer sentences are refused (the models were trained on 3 to 25 words)
TEXT_MAX_CHARS = 400

# Held-out sentences (never trained on; tests check it), each showing something of the grammar.
EXAMPLES = {
    "the cow thinks that a small child finds the small cat if an old man waits":
        "dass, then wenn: two verb-final clauses (16 words)",
    "the old man says that the white dog chases a hungry cat": "dass: the verb “jagt” moves to the end (12 words)",
    "a big girl feeds the brown horse because the man sees a black sheep":
        "weil: a verb-final clause after a main clause (14 words)",
    "the teacher sees a black horse": "a short main clause in English word order (6 words)",
    "the old dog waits but the teacher waits if the child knows the small mouse":
        "aber, then wenn: who knows whom? (15 words)",
    "the young man says that the white dog chases a small cat because the young girl feeds the brown horse "
    "and the bird sings": "a long one: dass, weil and und (24 words)",
}
DEFAULT_TEXT = next(iter(EXAMPLES))


def checkpoint_steps() -> list[str]:
    return [str(int(s)) for s in shipped().checkpoint_steps]


def default_step() -> str:
    """Step 200 (while the alignment forms) if it was saved, else the middle checkpoint."""
    steps = checkpoint_steps()
    return "200" if "200" in steps else steps[len(steps) // 2]


def params() -> list:
    return [
        TextParam("text", DEFAULT_TEXT, max_len=TEXT_MAX_CHARS),
        IntParam("row", 0, 0, MAX_WORDS + 5),
        ChoiceParam("step", default_step(), tuple(checkpoint_steps())),
    ]


@dataclass(frozen=True)
class Reading:
    """A typed sentence as the page understands it."""

    words: list[str]
    pair: Pair | None  # the grammar's reference translation and gold alignment, if it parses
    problem: str  # why it cannot be translated (empty: it can)
    unknown: list[str]  # words outside the vocabulary
    grammar_error: str  # why the grammar cannot parse it (the models still translate it)


def read_sentence(text: str) -> Reading:
    words = g.words(text)
    if not words:
        return Reading([], None, "Type an English sentence, or pick an example.", [], "")
    if len(words) > MAX_WORDS:
        return Reading(words, None, f"That is {len(words)} words; the page translates at most {MAX_WORDS} "
                                    f"(the models were trained on {g.MIN_LEN} to {g.MAX_LEN}).", [], "")
    try:
        return Reading(words, translate_reference(words), "", [], "")
    except UnknownWords as err:
        return Reading(words, None, "", err.words, "")
    except ValueError as err:
        return Reading(words, None, "", [], str(err))


def vocabulary_markdown() -> str:
    """Every English word the models know, grouped by what it is."""
    groups = {
        "articles": ["the", "a", "an"], "nouns": list(g.NOUNS), "adjectives": list(g.ADJECTIVES),
        "verbs with an object": list(g.TRANSITIVE), "verbs without one": list(g.INTRANSITIVE),
        "verbs followed by *that* and a clause": list(g.SAYING), "link words": list(g.LINKS),
    }
    return "\n".join(f"- **{name}**: {', '.join(words)}" for name, words in groups.items())


GRAMMAR_MD = (
    "A sentence is one or more clauses joined by *and, but, or, because, if*; a clause is "
    "*noun phrase + verb* (*the dog sleeps*), *noun phrase + verb + noun phrase* (*the dog sees a cat*) or "
    "*noun phrase + says/thinks that* followed by another clause. A noun phrase is *the/a/an*, an adjective "
    "or not, and a noun (*an old horse*). No punctuation is needed."
)


@st.cache_data(max_entries=512, show_spinner=False)
def translate(kind: str, words: tuple[str, ...], step_index: int | None = None) -> tuple[list[str], np.ndarray | None]:
    """(German words, cross-attention (T, S) or None) of the shipped model, or of a checkpoint."""
    model = load(kind) if step_index is None else checkpoint(step_index)
    result = model.translate(list(words))
    return result.target, result.cross_attention


def word_line(words: Sequence[str], reference: Sequence[str] | None) -> str:
    """The words as markdown; words that differ from the reference at their position in red and bold."""
    out = []
    for i, w in enumerate(words):
        right = reference is None or (i < len(reference) and reference[i] == w)
        out.append(w if right else f":red[**{w}**]")
    return " ".join(out) if out else "*(nothing)*"


def verdict(words: Sequence[str], reference: Sequence[str]) -> str:
    """✅ or ❌ with how many words are wrong (present but different), missing or extra."""
    if list(words) == list(reference):
        return "✅ exactly the reference"
    wrong = sum(a != b for a, b in zip(words, reference, strict=False))
    missing, extra = max(0, len(reference) - len(words)), max(0, len(words) - len(reference))
    counts = [f"{n} {what}" for n, what in ((wrong, "wrong"), (missing, "missing"), (extra, "too many")) if n]
    return f"❌ {' and '.join(counts)} of the reference's {len(reference)} words"


def show_translations(reading: Reading, outputs: dict[str, list[str]]) -> None:
    """Reference and both models' translations side by side; differences from the reference in red."""
    reference = reading.pair.target if reading.pair else None
    cols = st.columns(3)
    cols[0].markdown("**Reference** (the grammar's German)")
    cols[0].markdown(" ".join(reference) if reference else "*none: the grammar cannot parse this sentence*")
    if reading.pair:
        seen = "held out: never seen in training" if is_held_out(reading.words) else "in the training split"
        longer = (f" No training sentence was longer than {g.MAX_LEN} words." if len(reading.words) > g.MAX_LEN
                  else "")
        cols[0].caption(f"{len(reading.words)} words; this sentence is {seen}.{longer}")
    for col, kind in zip(cols[1:], KINDS, strict=True):
        col.markdown(f"**{NAMES[kind]}**")
        col.markdown(word_line(outputs[kind], reference))
        if reference:
            col.caption(verdict(outputs[kind], reference))


def row_story(weights: np.ndarray, words: Sequence[str], target: Sequence[str], row: int,
              gold: Sequence[tuple[int, int]] | None) -> str:
    """Which English words the picked German word read, from its row of weights."""
    w = weights[row]
    top = int(w.argmax())
    text = (f"Writing **{target[row]}** (German word {row}), the model put its largest weight, {w[top]:.2f}, on "
            f"**{words[top]}** (English word {top})")
    if gold:
        source = dict(gold)[row]
        text += (": its gold-aligned word. ✅" if source == top else
                 f"; its gold-aligned word is **{words[source]}** (weight {w[source]:.2f}). ❌")
    else:
        text += "."
    others = [j for j in np.argsort(w)[::-1][1:3] if w[j] >= 0.05]
    if others:
        text += " Next: " + ", ".join(f"**{words[j]}** {w[j]:.2f}" for j in others) + "."
    return text


def crossing_story(pair: Pair, crossed: set[int]) -> str:
    """Where this sentence's alignment lines cross (German word order differs), or that none do."""
    if not crossed:
        return ("In this sentence German keeps the English word order: the outlined gold cells run down the "
                "diagonal and no alignment lines cross.")
    source = dict(pair.alignment)
    links = ", ".join(f"{pair.target[t]} ← {pair.source[source[t]]}" for t in sorted(crossed))
    return (f"**Alignment lines cross** where the outlined cells leave the diagonal: {links}. German moves the "
            "verb of a clause after *weil*, *wenn* or *dass* to the clause's end, so the decoder must look "
            "back past the words it has already translated.")

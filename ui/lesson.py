"""A path through the material: each page's place in the lesson, what it teaches, and its controls.

Usage in a page script (``label`` is the page's label in :data:`ui.layout.PAGES`)::

    state.restore()
    ...
    st.title(...)
    lesson.opening("Heatmap", state)   # "Step k of N", "What you will learn here"; sidebar: reset and share
    ...                                # the page
    lesson.closing("Heatmap", state)   # "Key takeaways", "← Previous / Next →", the share link of this view
    state.sync()

The texts below say only what the page shows; jargon links to its glossary entry (``ui.glossary_terms``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import share
from ui.glossary_terms import link as g
from ui.layout import PAGES, ROOT
from ui.state import PageState, request_reset


@dataclass(frozen=True)
class Lesson:
    learn: tuple[str, ...]  # two or three lines: what you will learn here
    takeaways: tuple[str, ...]  # three to five bullets
    forget: tuple[str, ...] = ()  # session keys (prefixes) of the page's widgets that are not URL parameters


KEEP = ("ex",)  # "Reset" keeps the exercise set number: a student's set (and score) are not a view setting

LESSONS: dict[str, Lesson] = {
    "Home": Lesson(
        learn=(
            "What attention does, in one sentence, and the problem it solved.",
            f"The library analogy of {g('query')}, {g('key')} and {g('value')}, tried live: your query's "
            f"{g('score', 'scores')}, the {g('softmax')} {g('weights')} and the blended answer.",
            "Where attention is used, from translation to the transformers behind today's language models.",
        ),
        takeaways=(
            "Each word's query is compared with every word's key: their dot product is the score.",
            "Softmax turns each row of scores into weights that are positive and add up to 1.",
            "The answer is the weighted blend of the values: more of the good matches, less of the poor ones.",
            "A transformer divides the scores by √d_k; the library demo has a pickiness (temperature) knob instead.",
        ),
        forget=("home.",),
    ),
    "Heatmap": Lesson(
        learn=(
            f"How to read an attention heatmap: one row per {g('token')}, how much it attends to every token.",
            f"The mechanism with random numbers ({g('head', 'heads')}, {g('d_model')}, {g('d_k')}, "
            f"{g('temperature')}, {g('causal-mask', 'causal mask')}), and what the heads of a "
            f"{g('pretrained', 'pretrained model')} look at, {g('layer')} by layer.",
            "How any one weight was computed: click its cell.",
        ),
        takeaways=(
            "Every row of an attention map is a softmax: weights between 0 and 1 that add up to 1.",
            "With random weights the pattern means nothing about language, but the arithmetic is the same as in a "
            "trained model.",
            "A causal mask gives every later word a weight of 0: only the diagonal and the cells below it remain.",
            "A lower temperature sharpens each row, a higher one flattens it.",
            "One head's weights show where it looked, not what the model concluded: other heads, the feed-forward "
            "layers and the residual stream all change the result.",
        ),
        forget=("heatmap.", "pretrained_overview"),
    ),
    "Build it step by step": Lesson(
        learn=(
            f"How the {g('embedding', 'embeddings')} X become queries, keys and values: Q = X·W_Q, K = X·W_K, "
            f"V = X·W_V ({g('projections', 'the projection matrices')}).",
            f"Scaled dot-product attention one matrix at a time: the scores QKᵀ, the division by √{g('d_k')}, "
            "an optional causal mask, the softmax, and the weights times V.",
            "One number spelled out in full, and the numpy code that computed everything.",
        ),
        takeaways=(
            "Q, K and V are three different linear maps of the same embeddings.",
            "The score of word i for word j is the dot product of i's query with j's key, divided by √d_k.",
            "The softmax of each row gives the weights; row i of the output blends the value vectors in the "
            "proportions of row i of the weights.",
            "Change any input number and every matrix computed from it changes with it.",
        ),
        forget=("steps.",),
    ),
    "Academic": Lesson(
        learn=(
            "The formal definition, softmax(QKᵀ/√d_k)·V, with the shapes of Q, K and V.",
            f"Experiments run here: why the scores are divided by √d_k, why three separate matrices, "
            f"{g('multi-head', 'multi-head')} attention and masks ({g('causal-mask', 'causal')}, "
            f"{g('padding-mask', 'padding')}).",
            f"What attention costs ({g('big-o', 'O(n²)')}), the caveats worth knowing, and the papers behind it.",
        ),
        takeaways=(
            "Dividing by √d_k keeps the scores' spread the same whatever d_k; without it the softmax rows drift "
            "towards all-or-nothing as d_k grows.",
            "Separate W_Q, W_K and W_V let what a word looks for differ from what it is found by and what it hands "
            "over.",
            "A mask sets scores to −∞ before the softmax, so the masked weights are exactly 0.",
            "Every query meets every key: attention's time grows like n²·d, and its n × n matrix of weights takes "
            "memory that grows like n².",
        ),
        forget=("academic.",),
    ),
    "Complexity": Lesson(
        learn=(
            "Why attention's time grows like n²·d and its matrix of weights like n², measured live on this server.",
            f"How {g('flashattention', 'tiled attention (FlashAttention)')} gets the same result without the "
            f"n × n matrix, thanks to the {g('online-softmax', 'online softmax')}.",
            f"How attention compares with a {g('rnn', 'recurrent network')}, and what GPU measurements show at scale "
            f"({g('flop', 'FLOPs')}, {g('bf16')}, {g('oom', 'out of memory')}).",
        ),
        takeaways=(
            "Doubling the sequence length n quadruples attention's dot products and the size of its weights matrix.",
            "Tiled attention does the same arithmetic, so its time still grows like n²·d, but its extra memory grows "
            "only like n.",
            "The online softmax keeps a running maximum and a running sum, so a row's softmax can be built one "
            "block of keys at a time.",
            "A recurrent network takes its n steps one after another; attention compares all pairs in one step of "
            "large matrix products.",
        ),
        forget=("complexity.ex",),  # not complexity.results / .ticket: a measurement's place in the queue stays
    ),
    "Translation": Lesson(
        learn=(
            f"The problem attention solved: a translator that writes from one summary vector, the "
            f"{g('bottleneck')}.",
            "Two small English → German translators trained in numpy, identical but for attention, compared on "
            f"sentences they never saw ({g('exact-match', 'exact match')}, by length).",
            f"Where the attention model looks ({g('cross-attention')}) while it writes each German word, and how "
            "that changed during training.",
        ),
        takeaways=(
            "The bottleneck model writes from one summary vector; the attention model may look at every English "
            "word while it writes each German word.",
            "The chart of exact match by sentence length is the measured difference between the two.",
            "Each German word's weights are one row of the cross-attention map and add up to 1; they can be "
            "compared with the reference alignment.",
        ),
        forget=("translation.",),
    ),
    "Glossary": Lesson(
        learn=(
            "Every term this app uses, in plain words, with links to the pages where it appears.",
            "Search for a word; the search is in the link, so you can share an entry.",
        ),
        takeaways=(
            "A query asks, a key is matched against it, a value is handed over.",
            "Softmax turns a row of scores into weights that add up to 1.",
            "Attention's cost grows like n², which tiled attention (FlashAttention) works around for memory.",
        ),
        forget=("glossary.",),
    ),
}

def position(label: str) -> tuple[int, int]:
    """``label``'s step number (from 1) and the number of steps."""
    labels = [p[1] for p in PAGES]
    return labels.index(label) + 1, len(labels)


def neighbours(label: str) -> tuple[tuple | None, tuple | None]:
    """The PAGES entries before and after ``label`` in the lesson (None at either end)."""
    k, n = position(label)
    return (PAGES[k - 2] if k > 1 else None), (PAGES[k] if k < n else None)


def _reset(page: str, label: str) -> None:
    request_reset(page, keep=KEEP, forget=LESSONS[label].forget)


def opening(label: str, state: PageState) -> None:
    """Top of the page (after its title): where it stands in the lesson and what it teaches; in the sidebar,
    "Reset this page" (:func:`closing` adds the share link below it)."""
    k, n = position(label)
    st.caption(f"Step {k} of {n} in the lesson · {label}")
    with st.container(border=True, key="lesson_learn"):
        st.markdown("**What you will learn here**\n" + "\n".join(f"- {line}" for line in LESSONS[label].learn))
    with st.sidebar:
        st.button("↺ Reset this page", key="lesson_reset", on_click=_reset, args=(state.page, label),
                  width="stretch", help="Every setting of this page back to its default, and the link with it. "
                                        "Your exercise set number stays.")


def closing(label: str, state: PageState) -> None:
    """End of the page: its key takeaways (a closed section), the previous and next pages, and the share link
    of this view."""
    # A closed section, like the page's others: a phone shows the outline first (ui/responsive.py)
    with st.expander(f"**🔑 Key takeaways** of this page ({len(LESSONS[label].takeaways)})"):
        st.markdown("\n".join(f"- {line}" for line in LESSONS[label].takeaways))
    previous, following = neighbours(label)
    left, right = st.columns(2)
    if previous and (ROOT / previous[0]).exists():
        left.page_link(previous[0], label=f"← Previous: {previous[1]}", icon=previous[2])
    if following and (ROOT / following[0]).exists():
        right.page_link(following[0], label=f"Next: {following[1]} →", icon=following[2])
    with st.sidebar:  # drawn last, so it holds every value the page settled on (the exercise set number too)
        share.render(state, label)

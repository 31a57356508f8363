"""Heatmap page, pretrained mode: "one word, two meanings", an experiment on the word *apple*.

Every sentence of the text is built from the numbers measured here, on this server's copy of the model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from attention.pretrained import Encoding
from attention.pretrained_findings import (
    DISAMBIGUATION,
    SENSES,
    SenseSimilarity,
    sense_similarity,
    token_index,
)
from figures.heatmap import row_bars
from figures.senses import layer_names, sense_lines, sense_matrix
from ui.heatmap_common import CHART_CONFIG
from ui.heatmap_tour import apple_cell
from ui.responsive import chart

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


@st.cache_data(max_entries=2, show_spinner=False)
def experiment(sentences: tuple[str, ...], word: str, _encode: Callable[[str], Encoding]
               ) -> tuple[SenseSimilarity, list[int]]:
    """Cosines of ``word``'s vectors across ``sentences`` (SENSES order), and its position in each."""
    vectors, positions = [], []
    for sentence in sentences:
        enc = _encode(sentence)
        i = token_index(enc.tokens, word)
        vectors.append(enc.hidden_states[:, i])  # (L + 1, d)
        positions.append(i)
    return sense_similarity(np.stack(vectors), SENSES.labels), positions


def _quote(i: int) -> str:
    return f"“{SENSES.flat[i]}”"


def findings(sim: SenseSimilarity, positions: list[int]) -> list[str]:
    """The paragraphs under the charts, each worded from the numbers in ``sim``."""
    n, n_layers = len(SENSES.flat), sim.same_mean.size - 1
    s0, c0, s_end, c_end = sim.same_mean[0], sim.cross_mean[0], sim.same_mean[-1], sim.cross_mean[-1]
    first = np.triu(sim.cosines[0], k=1)[np.triu_indices(n, k=1)]
    text = [
        f"**Before any attention** (the embeddings: word piece + position) *apple* is the same word piece in every "
        f"sentence, so its vectors differ only by position: cosines {first.min():.3f} to {first.max():.3f}, "
        f"same-sense pairs {s0:.3f} and cross-sense pairs {c0:.3f} on average"
        + (": no sign of the meaning yet." if abs(s0 - c0) < 0.01 else
           f" ({'same' if s0 > c0 else 'cross'}-sense pairs a little more alike, from position alone)."),
        f"**After all {n_layers} layers**, same-sense pairs average **{s_end:.3f}** and cross-sense pairs "
        f"**{c_end:.3f}**: "
        + ("on average the model's vectors for *apple* are more alike when the meaning is the same."
           if s_end > c_end else "on average they are *not* more alike when the meaning is the same."),
    ]
    a, b = sim.same_min_pair[-1]
    c, d = sim.cross_max_pair[-1]
    if sim.same_min[-1] < sim.cross_max[-1]:
        where = (f", two sentences where *apple* is the {ORDINALS[positions[c] - 1]} word piece"
                 if positions[c] == positions[d] and positions[c] <= len(ORDINALS) else "")
        pair = [SENSES.flat.index(s) for s in DISAMBIGUATION.sentences if s in SENSES.flat]
        example = (f" So one cosine on its own, such as the {sim.cosines[-1, pair[0], pair[1]]:.3f} of “"
                   f"{SENSES.flat[pair[0]]}” and “{SENSES.flat[pair[1]]}”, cannot tell whether two sentences use "
                   "the same meaning." if len(pair) == 2 else "")
        text.append(f"**But the ranges overlap**: the least alike same-sense pair, {_quote(a)} and {_quote(b)}, "
                    f"scores {sim.same_min[-1]:.3f}, below the most alike cross-sense pair, {_quote(c)} and "
                    f"{_quote(d)}, at {sim.cross_max[-1]:.3f}{where}.{example}")
    else:
        text.append(f"Every same-sense pair is more alike than every cross-sense pair here (lowest same-sense "
                    f"{sim.same_min[-1]:.3f}, highest cross-sense {sim.cross_max[-1]:.3f}).")
    text.append(
        f"**Compared with its neighbours** instead of a fixed threshold: for **{sim.nearest_same[-1]} of {n}** "
        f"sentences, the most similar *apple* among the other sentences has the same sense after all layers "
        f"({sim.nearest_same[0]} of {n} with the embeddings)."
    )
    cross = sim.cosines[-1][SENSES.labels[:, None] != SENSES.labels[None, :]]
    text.append(
        "**What cosine can and cannot tell.** It measures only the angle between two vectors of 384 numbers. It "
        f"has no fixed scale for “same meaning” (here even different meanings score {cross.min():.2f} to "
        f"{cross.max():.2f} after the last layer); it mixes meaning with everything else a vector carries, such "
        "as position and the rest of the sentence; and it cannot say *which* features differ. Many pairs, or "
        f"each vector against its neighbours, tell more than one number. These are {n} short sentences: read the "
        "numbers as this model's behaviour on them, not as a law."
    )
    return text


def render(encode: Callable[[str], Encoding]) -> None:
    layer, head = DISAMBIGUATION.layer, DISAMBIGUATION.head
    picks = []
    for column, sentence in zip(st.columns(2), DISAMBIGUATION.sentences):
        hidden, kept, _, i, j = apple_cell(encode(sentence), layer, head)
        picks.append((kept[j], hidden[i, j]))
        column.plotly_chart(
            row_bars(hidden[i], kept, kept[i], highlight=j,
                     title=f'Layer {layer + 1}, head {head + 1}: where "{kept[i]}" looks among the words'),
            width="stretch", key=f"apple_{sentence}", config=CHART_CONFIG)
        column.caption(f"“{sentence}” ([CLS]/[SEP] hidden, each row rescaled to sum to 1)")
    st.markdown(
        f"*apple* enters both sentences as the **same** word piece. In layer {layer + 1}, head {head + 1} (one of "
        f"the 72 heads) its row gives its largest weight among the other words to “{picks[0][0]}” "
        f"({picks[0][1]:.2f}) in the first sentence and to “{picks[1][0]}” ({picks[1][1]:.2f}) in the second: "
        "attention mixes different context into each vector. Does the model then tell the fruit from the "
        "company? One pair of sentences cannot say; here are "
        f"{len(SENSES.sentences[0])} sentences of each sense, and the cosine similarity of *apple*'s vector in "
        "every pair, after every layer."
    )
    sim, positions = experiment(tuple(SENSES.flat), SENSES.word, encode)
    st.plotly_chart(sense_lines(sim.same_mean, sim.same_min, sim.same_max, sim.cross_mean, sim.cross_min,
                                sim.cross_max, SENSES.senses), width="stretch", key="apple_layers",
                    config=CHART_CONFIG)
    for paragraph in findings(sim, positions):
        st.markdown(paragraph)
    with st.expander(f"Every pair after the last layer ({layer_names(sim.same_mean.size - 1)[-1]})"):
        names = [f"{SENSES.senses[s][0].upper()}{k + 1}" for k, s in enumerate(SENSES.labels)]
        chart(sense_matrix(sim.cosines[-1], names, "Cosine of apple's vectors, sentence by sentence "
                           "(F = fruit, C = company)"), "apple_pairs", config=CHART_CONFIG)
        st.markdown("  \n".join(f"**{name}**: {text}" for name, text in zip(names, SENSES.flat)))

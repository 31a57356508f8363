"""The guided tour of the Heatmap's pretrained mode: each stop sets a view and says, with live numbers,
what to notice there. The tour box names a stop only while the view is that stop's view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from attention.pretrained import Encoding
from attention.pretrained_findings import (
    DISAMBIGUATION,
    GUIDED_FINDINGS,
    cls_share,
    hide_special,
    next_token_score,
    offset_weights,
    special_mask,
    token_index,
)
from ui.state import PageState

_APPLIED = "heatmap._tour_applied"  # the stop whose view this session has opened (or found already open)
CLARK = ("Clark et al. (2019), *What does BERT look at?*, saw BERT's heads pile their weight onto [SEP] and "
         "proposed, as a hypothesis, that attending to a special token works as a “no-op” for a head that has "
         "nothing useful to do in that context.")


@dataclass(frozen=True)
class Stop:
    """Where a stop takes the page (0-based layer and head, as the encoder indexes them)."""

    key: str
    title: str
    text: str
    layer: int
    head: int
    hide_special: bool


STOPS = {f.key: Stop(f.key, f.title, f.sentence, *f.heads[0], f.measure == "next") for f in GUIDED_FINDINGS}
STOPS["apple"] = Stop("apple", "Apple: fruit or company?", DISAMBIGUATION.sentences[0], DISAMBIGUATION.layer,
                      DISAMBIGUATION.head, True)
TOUR = {"free": "Explore freely"} | {key: stop.title for key, stop in STOPS.items()}


def _matches(state: PageState, stop: Stop) -> bool:
    return (state["text"], state["layer"], state["pt_head"], bool(state["hide_special"])) == (
        stop.text, stop.layer, stop.head, stop.hide_special)


def apple_cell(enc: Encoding, layer: int, head: int) -> tuple[np.ndarray, list[str], np.ndarray, int, int]:
    """The [CLS]/[SEP]-hidden map, its tokens and their full positions, apple's row (in the map) and the
    other word that row gives most weight to."""
    hidden, kept, index = hide_special(enc.attentions[layer, head], enc.tokens)
    i = token_index(kept, DISAMBIGUATION.word)
    others = hidden[i].copy()
    others[i] = -1  # not itself
    return hidden, kept, index, i, int(np.argmax(others))


def apply_stop(state: PageState, key: str, encode: Callable[[str], Encoding | None]) -> None:
    """Open stop ``key``'s view (the Apple stop also opens the cell it talks about, when ``encode`` can)."""
    stop = STOPS[key]
    state.set("text", stop.text)
    state.set("layer", stop.layer)
    state.set("pt_head", stop.head)
    state.set("hide_special", stop.hide_special)
    state.set("tour", key)
    enc = encode(stop.text) if key == "apple" else None
    if enc is not None:
        *_, row, col = apple_cell(enc, stop.layer, stop.head)
        state.set("row", row)
        state.set("col", col)
    st.session_state[_APPLIED] = key


def follow_tour(state: PageState, encode: Callable[[str], Encoding | None]) -> None:
    """Keep the tour box truthful; call it before any widget is drawn.

    A stop whose view is on screen stays named. A link that names a stop the page has not opened yet opens
    it (pretrained mode). A stop the student has moved away from (another sentence, layer, head or toggle)
    is no longer named, so that picking it again opens it again.
    """
    key = state["tour"]
    if key not in STOPS:
        return
    if _matches(state, STOPS[key]):
        st.session_state[_APPLIED] = key
    elif st.session_state.get(_APPLIED) != key and state["mode"] == "pretrained":
        apply_stop(state, key, encode)
    else:
        state.set("tour", "free")


def _mean_special_share(weights: np.ndarray, tokens: list[str]) -> float:
    words = ~special_mask(tokens)
    return float(weights[words][:, ~words].sum(axis=-1).mean())


def tour_note(key: str, enc: Encoding, encode: Callable[[str], Encoding]) -> str:
    """What to notice at stop ``key``, with the numbers measured on ``enc`` (the stop's sentence) now."""
    stop = STOPS[key]
    layer, head, tokens = stop.layer, stop.head, list(enc.tokens)
    weights = enc.attentions[layer, head]
    where = f"layer {layer + 1}, head {head + 1}"
    if key == "previous":
        _, values = offset_weights(weights, -1, tokens)
        return (f"**What to notice:** the dark stripe just below the diagonal. In {where} each word puts on "
                f"average **{values.mean():.3f}** of its weight on the word just before it (the lowest of the "
                f"{values.size} word rows: {values.min():.3f}). Clark et al. (2019) found heads like this in BERT. "
                "Type another sentence to see whether the stripe stays.")
    if key == "next":
        scores = next_token_score(enc.attentions, tokens)  # (L, H)
        hidden, kept, _ = hide_special(weights, tokens)
        best = np.unravel_index(int(np.nanargmax(scores)), scores.shape)
        rank = ("No other of the 72 heads puts more on the next word in this sentence." if best == (layer, head)
                else f"In this sentence layer {best[0] + 1}, head {best[1] + 1} puts more there "
                     f"({scores[best]:.2f}).")
        return (f"**What to notice:** the stripe just above the diagonal. In {where} each word puts on average "
                f"**{scores[layer, head]:.2f}** of its real weight on the next word ({next_token_score(hidden, kept):.2f} "
                f"in the map, which rescales each row over the words). {rank} [CLS] and [SEP] are hidden here: "
                f"the words' rows give them {_mean_special_share(weights, tokens):.2f} of their weight on average.")
    if key == "cls":
        share = cls_share(enc.attentions, tokens)  # (L, H)
        return (f"**What to notice:** the dark first column. In {where} the words put on average "
                f"**{share[layer, head]:.2f}** of their attention on [CLS], and **{int((share > 0.5).sum())} of the "
                f"72 heads** put more than half there in this sentence. Why would a head do that? {CLARK} Here the "
                "parking spot is [CLS].")
    hidden, kept, index, i, j = apple_cell(enc, layer, head)
    other_text = DISAMBIGUATION.sentences[1]
    o_hidden, o_kept, _, oi, oj = apple_cell(encode(other_text), layer, head)
    return (f"**What to notice:** the outlined cell. In {where} the row of *apple* gives its largest weight among "
            f"the other words to **“{kept[j]}”**: {hidden[i, j]:.2f} in the map ({weights[index[i], index[j]]:.2f} "
            f"of the real row, before [CLS] and [SEP] are hidden). In “{other_text}” the same head's largest is "
            f"“{o_kept[oj]}” ({o_hidden[oi, oj]:.2f}). Whether the vectors that leave the model then tell the two "
            "meanings apart is measured in *One word, two meanings* below.")

"""Heatmap page, mode "Random weights (untrained)": real attention arithmetic on random embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from attention import MAX_TOKENS, TokenizeError, tokenize
from attention.toy_model import ToyAttention, toy_self_attention
from figures.heatmap import attention_heatmap, head_grid
from ui.charts import cached_figure
from ui.glossary_terms import tip
from ui.heatmap_common import (
    CHART_CONFIG,
    TEXT_MAX_CHARS,
    average_panel,
    clickable_chart,
    detail_panel,
    unique_labels,
    weights_csv,
)
from ui.pickers import clamp_positions, word_picker
from ui.responsive import chart, fit_box
from ui.state import BoolParam, FloatParam, IntParam, PageState

MAX_SEED = 999_999
PARAMS = [
    IntParam("n", 12, 2, MAX_TOKENS),
    IntParam("d_model", 16, 2, 64),
    IntParam("d_k", 8, 1, 32),
    IntParam("heads", 1, 1, 8),
    FloatParam("temp", 1.0, 0.1, 5.0, 0.1),
    BoolParam("causal", False),
    IntParam("seed", 42, 0, MAX_SEED),
    IntParam("head", 0, 0, 8),
    IntParam("row", 7, 0, MAX_TOKENS - 1),
    IntParam("col", 1, 0, MAX_TOKENS - 1),
]
SETTINGS = "⚙️ Model settings: seed, heads, sizes, temperature, mask"
GRID = "Every head side by side"
# Collapsible sections (a phone sees the page's outline first) and the URL parameters set in each: a link
# that changes one opens its section (see ui.responsive.opened_by_link).
SECTIONS = {SETTINGS: ("seed", "heads", "d_model", "d_k", "temp", "causal"), GRID: ("heads",)}
_N_TEXT = "heatmap._n_follows"  # the sentence that "Words used" was last set for


@st.cache_data(max_entries=64, show_spinner=False)
def compute(tokens: tuple[str, ...], d_model: int, d_k: int, heads: int, causal: bool, temp: float,
            seed: int) -> ToyAttention:
    return toy_self_attention(list(tokens), d_model=d_model, d_k=d_k, n_heads=heads, causal=causal,
                              temperature=temp, rng=np.random.default_rng(seed))


def word_count(text: str) -> int:
    """How many words (tokens) the sentence has, counting past the heatmap's limit; 0 when none."""
    try:
        return len(tokenize(text, max_tokens=MAX_TOKENS, max_chars=TEXT_MAX_CHARS))
    except TokenizeError as err:
        return err.n_tokens or 0


class HeatmapState(PageState):
    """The Heatmap's URL: "Words used" is left out while it uses every word of the sentence (up to the limit),
    which is what the page does with a link without ``n`` (:func:`follow_sentence`), and written otherwise,
    even at its default."""

    def url_values(self) -> dict[str, str]:
        values = super().url_values()
        count = word_count(self["text"])
        if count:
            values.pop("n", None)
            if self["n"] != min(max(count, 2), MAX_TOKENS):
                values["n"] = self.params["n"].dump(self["n"])
        return values


def follow_sentence(state: PageState) -> None:
    """"Words used" follows the sentence: a new sentence (typed, a preset, a tour stop) uses all its words,
    up to the limit. A shared link's own word count is kept. Call before the slider is drawn."""
    text = state["text"]
    seen = st.session_state.get(_N_TEXT)
    if seen == text:
        return
    st.session_state[_N_TEXT] = text
    if seen is None and state.linked("n"):
        return  # the link says how many words to use
    count = word_count(text)
    if count:
        state.set("n", min(max(count, 2), MAX_TOKENS))


def left_out(tokens: Sequence[str], used: int, shown: int = 6) -> str:
    """The words after the first ``used``, quoted: ``“park every day”`` (the first few, then …)."""
    rest = list(tokens[used:])
    return "“" + " ".join(rest[:shown]) + (" …" if len(rest) > shown else "") + "”"


def sentence_tokens(text: str, canvas) -> list[str]:
    """The sentence's words, at most MAX_TOKENS; an empty list (after a message) when there are none."""
    if len(text) == TEXT_MAX_CHARS:
        canvas.caption(f"The sentence box holds at most {TEXT_MAX_CHARS:,} characters; the rest was cut off.")
    try:
        return tokenize(text, max_tokens=MAX_TOKENS, max_chars=TEXT_MAX_CHARS)
    except TokenizeError as err:
        if err.n_tokens is None:  # empty, or too many characters: nothing was tokenized
            canvas.warning(f"{err}", icon="✍️")
            return []
        every = tokenize(text, max_tokens=err.n_tokens, max_chars=TEXT_MAX_CHARS)
        canvas.info(f"The text has {len(every)} words; a heatmap holds at most {MAX_TOKENS}, so it uses the first "
                    f"{MAX_TOKENS}: the last {len(every) - MAX_TOKENS} ({left_out(every, MAX_TOKENS)}) are left "
                    "out.", icon="✂️")
        return every[:MAX_TOKENS]


def _controls(state: PageState, controls, opened: dict[str, bool]) -> None:
    def new_draw() -> None:
        state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))

    controls.caption(
        "An **untrained** model: embeddings and the W_Q, W_K, W_V matrices are random numbers, so the "
        "pattern means nothing about language. It shows the *mechanism*: every number is real attention "
        "arithmetic. Each draw uses new random matrices, so the pattern changes; the same seed always gives "
        "the same heatmap, and the seed is in the link."
    )
    with controls:
        st.button("🎲 Generate Heatmap", on_click=new_draw, type="primary", width="stretch",
                  help="Draw new random embeddings and projections (a new seed).")
        st.slider("Words used (sequence length)", 2, MAX_TOKENS, key=state.key("n"),
                  help="A new sentence uses all its words (up to 64); move this to use only the first ones.")
    with controls.expander(SETTINGS, expanded=opened.get(SETTINGS, False)):
        state.int_input("seed", "Seed", help=tip("seed"))
        st.slider("Heads", 1, 8, key=state.key("heads"),
                  help=tip("head", "Several independent attentions side by side, each with its own W_Q, W_K, W_V."))
        if state["heads"] > 1:
            st.caption("In a transformer the heads are not averaged: each head's output (its weights × its "
                       "values) is concatenated with the others and mixed by a matrix W_O. The *average* map "
                       "below is only a summary for the eye.")
        st.slider("Model dimension d_model", 2, 64, key=state.key("d_model"), help=tip("d_model"))
        st.slider("Query/key dimension d_k (per head)", 1, 32, key=state.key("d_k"), help=tip("d_k"))
        st.slider("Temperature", 0.1, 5.0, step=0.1, key=state.key("temp"),
                  help=tip("temperature", "Scores are divided by it before the softmax: low = sharp, high = flat."))
        st.caption("Temperature is an extra knob of this page, not part of a standard transformer's attention: "
                   "there the only divisor is √d_k, which keeps the scores' spread from growing with d_k. "
                   "At temperature 1 this page computes exactly softmax(QKᵀ/√d_k).")
        st.toggle("Causal mask (GPT-style)", key=state.key("causal"),
                  help=tip("causal-mask", "On: a word sees only itself and the words before it, as in GPT. "
                                          "Off (BERT-style): every word sees the whole sentence."))


def render(state: PageState, text: str, controls, canvas, opened: dict[str, bool] | None = None) -> None:
    """Draw the mode: widgets in the ``controls`` column, the heatmap in ``canvas``, the rest below.
    ``opened``: which of :data:`SECTIONS` start open."""
    opened = opened or {}
    _controls(state, controls, opened)
    all_tokens = sentence_tokens(text, canvas)
    if not all_tokens:
        return
    tokens = all_tokens[: state["n"]]
    if len(all_tokens) > len(tokens):
        canvas.info(f"Using the first {len(tokens)} of {len(all_tokens)} words: the last "
                    f"{len(all_tokens) - len(tokens)} ({left_out(all_tokens, len(tokens))}) are left out. Move "
                    f"*Words used* to {len(all_tokens)} to use them all.", icon="✂️")
    elif state["n"] > len(tokens) > 1:
        canvas.caption(f"The sentence has {len(tokens)} words; all of them are used.")
    if len(tokens) >= 24 and not state["auto"]:
        canvas.caption(f"With {len(tokens)} words an average weight is 1/{len(tokens)} ≈ {1 / len(tokens):.3f}, "
                       "so on the fixed 0..1 scale most cells look pale: switch on *Auto-scale colours* under "
                       "*Display* to stretch the colours.")
    if len(tokens) == 1:
        canvas.info("Only one word: it can only attend to itself (weight 1). Add words to see attention spread.")
    heads = state["heads"]
    result = compute(tuple(tokens), state["d_model"], state["d_k"], heads, state["causal"], state["temp"],
                     state["seed"])

    t = len(tokens)
    clamp_positions(state, ("row", "col"), t)
    clamp_positions(state, ("head",), heads + 1 if heads > 1 else 1)
    view = 0
    if heads > 1:
        view = canvas.selectbox(
            "Show", list(range(heads + 1)), key=state.key("head"),
            format_func=lambda h: "Average of all heads" if h == 0 else f"Head {h}",
        )
    average = view == 0 and heads > 1
    shown = result.mean_weights if average else result.weights[max(view, 1) - 1]
    label = "average of all heads" if average else f"head {max(view, 1)}"
    masked = None if result.mask is None else ~result.mask

    def pick_cell(row: int, col: int) -> None:
        state.set("row", min(max(row, 0), t - 1))
        state.set("col", min(max(col, 0), t - 1))

    fig = cached_figure(
        attention_heatmap, shown, tokens, title=f"Attention weights, {label} (rows sum to 1)", scale=state["scale"],
        auto_range=state["auto"], show_values=None if state["values"] else False,
        picked=(state["row"], state["col"]), masked=masked,
    )
    with canvas:
        with fit_box(fig, "heatmap_chart"):
            clickable_chart(fig, "heatmap_chart", pick_cell)
    canvas.download_button(
        "⬇️ Download these weights (CSV)", weights_csv(shown, tokens),
        file_name="attention_weights_" + ("average.csv" if average else f"head{max(view, 1)}.csv"),
        mime="text/csv", help="The figure itself: use the camera icon in the chart's toolbar (PNG).",
    )
    if heads > 1:
        # a fixed label: a label that changed with the heads would shut the section
        with st.expander(f"**{GRID}**: each head's map and their average", expanded=opened.get(GRID, False)):
            chart(cached_figure(head_grid, np.concatenate([result.weights, result.mean_weights[None]]), tokens,
                                scale=state["scale"], auto_range=state["auto"], masked=masked,
                                titles=[f"Head {h + 1}" for h in range(heads)] + ["Average"]),
                  "head_grid", config=CHART_CONFIG)

    st.subheader("🔍 Take one row apart")
    p1, p2 = st.columns(2)
    labels = unique_labels(tokens)
    row = word_picker(p1, "Query word (row)", labels, state, "row")
    col = word_picker(p2, "Key word (column)", labels, state, "col")
    if average:
        average_panel(tokens, result.q, result.k, row, col, mask=result.mask, temperature=result.temperature)
    else:
        head = max(view, 1) - 1
        detail_panel(tokens, result.q[head], result.k[head], row, col, mask=result.mask,
                     temperature=result.temperature, head_label=f"head {head + 1}")

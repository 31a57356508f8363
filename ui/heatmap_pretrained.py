"""Heatmap page, mode "Pretrained model": all-MiniLM-L6-v2's real attention, computed by our numpy code.

Layers and heads are numbered from 1 on screen (in titles, captions, file names); the URL keeps the
encoder's 0-based indices.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention import TokenizeError
from attention import pretrained as model
from attention.pretrained_findings import (
    cls_share,
    head_average,
    hide_special,
    next_token_score,
    pool_attention,
    previous_token_score,
)
from figures.heatmap import MOSAIC_CELLS, attention_heatmap, head_grid, layer_heads
from ui import heatmap_senses, heatmap_tour
from ui.glossary_terms import tip
from ui.heatmap_common import CHART_CONFIG, clickable_chart, detail_panel, unique_labels, weights_csv
from ui.heatmap_tour import CLARK, STOPS, TOUR, apply_stop, tour_note
from ui.pickers import clamp_positions, position, word_picker
from ui.responsive import chart, fit_box
from ui.state import BoolParam, ChoiceParam, IntParam, PageState

LAYERS, HEADS = 6, 12
PARAMS = [
    IntParam("layer", 0, 0, LAYERS - 1),
    IntParam("pt_head", 2, 0, HEADS - 1),
    BoolParam("hide_special", False),
    ChoiceParam("tour", "free", tuple(TOUR)),
]
OVERVIEW = "Every head, one layer at a time"
SENSES_SECTION = "🍎 One word, two meanings"
SECTIONS = {OVERVIEW: (), SENSES_SECTION: ()}  # collapsible sections: a phone sees the page's outline first
__all__ = ["PARAMS", "SECTIONS", "load", "encode", "render", "follow_tour"]


def load() -> model.Encoder | str:
    """The encoder, shared read-only by every session; or the reason it is unavailable.

    ``model.SHARED_LOADER`` loads it once per server and remembers a failure for a few minutes, so a
    broken model file or an unreachable Hub costs one attempt, not one per student and rerun; a Hub that
    never answers is given up on after its deadline, and other pages and modes never wait for it.
    """
    if model.SHARED_LOADER.ready:
        return model.SHARED_LOADER.get()
    with st.spinner("Loading all-MiniLM-L6-v2 (once per server)…"):
        return model.SHARED_LOADER.get()


@st.cache_data(max_entries=8, show_spinner=False)  # about 10 MB each at 128 word pieces: 80 MB at most
def encode(text: str) -> model.Encoding:
    """The text run through the encoder; over 128 word pieces it keeps the first 127 and [SEP] (and says so)."""
    encoder = load()
    return encoder.encode(text, truncate=True)


def encode_if_available(text: str) -> model.Encoding | None:
    """:func:`encode`, or None when the model is not available on this server."""
    return None if isinstance(load(), str) else encode(text)


def follow_tour(state: PageState) -> None:
    """:func:`ui.heatmap_tour.follow_tour` with this mode's encoder (call before the page's widgets)."""
    heatmap_tour.follow_tour(state, encode_if_available)


def _share(value) -> str:
    return "—" if np.isnan(value) else f"{float(value):.2f}"


def _scores_note(weights: np.ndarray, tokens: list[str]) -> str:
    return (f"previous word {_share(previous_token_score(weights, tokens))} · next word "
            f"{_share(next_token_score(weights, tokens))} · [CLS] {_share(cls_share(weights, tokens))}")


def _glance_note(enc: model.Encoding) -> str:
    """How many heads show each pattern on this text (the mosaic's caption), measured now."""
    tokens = list(enc.tokens)
    counts = [int(np.sum(f(enc.attentions, tokens) > 0.5)) for f in (previous_token_score, next_token_score,
                                                                      cls_share)]
    note = (f"On this text, {counts[0]} of the 72 heads put more than half of the words' attention on the previous "
            f"word (a stripe just below the diagonal), {counts[1]} on the next word (just above it), and {counts[2]} "
            "on [CLS] (a dark first column).")
    return note + (f" Why would a head park on [CLS]? {CLARK}" if counts[2] else "")


def group_labels(edges: np.ndarray) -> list[str]:
    """``"tokens 0–3"``-style names of the groups of :func:`pool_attention`."""
    return [f"tokens {a}–{b - 1}" if b - a > 1 else f"token {a}" for a, b in zip(edges[:-1], edges[1:])]


def _remap_positions(state: PageState) -> None:
    """The hide toggle's callback: keep the picked row and column on the same tokens when [CLS]/[SEP] hide."""
    try:
        enc = encode(state["text"])
    except (TokenizeError, ValueError):
        return
    _, _, keep = hide_special(enc.attentions[0, 0], enc.tokens)
    if keep.size == 0:
        return
    for name in ("row", "col"):
        value = position(state[name])
        if st.session_state[state.key("hide_special")]:  # full positions -> positions among the kept tokens
            value = int(min(np.searchsorted(keep, value), keep.size - 1))
        else:
            value = int(keep[min(value, keep.size - 1)])
        state.set(name, value)


def _controls(state: PageState, controls) -> None:
    def start_tour() -> None:
        key = st.session_state[state.key("tour")]
        if key in STOPS:
            apply_stop(state, key, encode_if_available)

    with controls:
        st.caption(
            "**all-MiniLM-L6-v2**: a BERT-style encoder trained on a billion sentence pairs, 6 layers × 12 heads. "
            "Every head below is computed by the same `scaled_dot_product_attention` as the toy model, in numpy."
        )
        st.selectbox("Guided tour", list(TOUR), format_func=TOUR.get, key=state.key("tour"), on_change=start_tour)
        st.select_slider("Layer", list(range(LAYERS)), format_func=lambda i: str(i + 1), key=state.key("layer"),
                         help=tip("layer", "Numbered from 1 (the first layer reads the embeddings) to 6."))
        st.select_slider("Head", list(range(HEADS)), format_func=lambda i: str(i + 1), key=state.key("pt_head"),
                         help=tip("head", "Numbered from 1 to 12 in every layer."))
        st.toggle("Hide [CLS] and [SEP] (renormalise rows)", key=state.key("hide_special"),
                  on_change=_remap_positions, args=(state,),
                  help=tip("cls", "Hiding the special tokens rescales each row over the real words, to show how the "
                                  "rest of the weight is shared; the arithmetic below shows both numbers."))


def render(state: PageState, text: str, controls, canvas, opened: dict[str, bool] | None = None) -> None:
    """Draw the mode: widgets in ``controls``, the head's map in ``canvas``, the rest below in sections
    (``opened``: which of :data:`SECTIONS` start open)."""
    opened = opened or {}
    encoder = load()
    if isinstance(encoder, str):
        canvas.error(f"The pretrained model is not available on this server. {encoder}", icon="📦")
        return
    _controls(state, controls)
    try:
        enc = encode(text)
    except TokenizeError as err:
        canvas.warning(f"{err}", icon="✍️")
        return
    if enc.truncated_from:
        end = enc.offsets[-2][1]  # where the last kept word piece ends in the text
        dropped = text[end:].split()
        canvas.info(f"Your text is {enc.truncated_from} word pieces long (counting [CLS] and [SEP]); the model here "
                    f"reads at most {enc.n_tokens}, so it uses the first {enc.n_tokens - 1} and [SEP]: the last "
                    f"{enc.truncated_from - enc.n_tokens} word pieces (“{' '.join(dropped[:6])}"
                    f"{' …' if len(dropped) > 6 else ''}”) are left out.", icon="✂️")

    layer, head, hide = state["layer"], state["pt_head"], bool(state["hide_special"])
    tokens, full = list(enc.tokens), enc.attentions[layer, head]
    shown, shown_tokens, keep = full, tokens, None
    if hide:
        shown, shown_tokens, keep = hide_special(full, tokens)
        if not shown_tokens:
            canvas.info("With [CLS] and [SEP] hidden nothing is left: this text is made only of special tokens. "
                        "The tokenizer reads a typed “[SEP]”, “[CLS]” or “[PAD]” as that special token itself. "
                        "Switch off *Hide [CLS] and [SEP]*, or type some words.", icon="🫥")
            return
    unknown = [t for t, u in zip(tokens, enc.is_unknown) if u]
    if unknown:
        canvas.caption(f"{len(unknown)} piece(s) of your text are not in the model's vocabulary and became "
                       "[UNK] (unknown): the model cannot tell them apart.")
    if state["tour"] in STOPS:
        canvas.markdown(tour_note(state["tour"], enc, encode))

    t = len(shown_tokens)
    clamp_positions(state, ("row", "col"), t)
    where = f"Layer {layer + 1}, head {head + 1}"

    def pick_cell(row: int, col: int) -> None:
        state.set("row", min(max(row, 0), t - 1))
        state.set("col", min(max(col, 0), t - 1))

    fig = attention_heatmap(
        shown, shown_tokens, title=where + (" ([CLS]/[SEP] hidden, rows rescaled)" if hide else ""),
        scale=state["scale"], auto_range=state["auto"], show_values=None if state["values"] else False,
        picked=(state["row"], state["col"]),
    )
    with canvas:
        with fit_box(fig, "pretrained_chart"):
            clickable_chart(fig, "pretrained_chart", pick_cell)
    canvas.caption(f"{where}, the model's real weights (word rows only, before any hiding): mean weight on the "
                   + _scores_note(full, tokens) + ".")
    canvas.download_button("⬇️ Download this head's weights (CSV)", weights_csv(shown, shown_tokens),
                           file_name=f"minilm_layer{layer + 1}_head{head + 1}{'_words_only' if hide else ''}.csv",
                           mime="text/csv")
    with st.container():  # its length varies ([CLS]/[SEP] hidden or not): the sections below keep their place
        st.info(
            "**Attention is not explanation.** These weights say where a head *looked*, not why the model "
            "decided anything: other heads, the feed-forward layers and the residual stream all change the result, "
            "and different weights can give the same output (Jain & Wallace 2019; Wiegreffe & Pinter 2019).",
            icon="⚠️",
        )

        st.subheader("🔍 Take one row apart")
        p1, p2 = st.columns(2)
        labels = unique_labels(shown_tokens)
        row = word_picker(p1, "Query token (row)", labels, state, "row")
        col = word_picker(p2, "Key token (column)", labels, state, "col")
        if keep is not None:
            row, col = int(keep[row]), int(keep[col])
        head_view = enc.head(layer, head)
        detail_panel(tokens, head_view.q, head_view.k, row, col, keep=keep, key="pretrained_detail",
                     head_label=f"layer {layer + 1}, head {head + 1} (d_k = {head_view.q.shape[1]})")
    with st.expander(f"**{OVERVIEW}**: all 72 heads, and each layer's mean", expanded=opened.get(OVERVIEW, False)):
        _overview(state, enc)
    with st.expander(f"**{SENSES_SECTION}**: does the model tell the fruit from the company?",
                     expanded=opened.get(SENSES_SECTION, False)):
        heatmap_senses.render(encode)


OVERVIEW_LAYER = "heatmap.overview_layer"  # the overview's layer picker: it moves the page's Layer with it


def _overview(state: PageState, enc: model.Encoding) -> None:
    tokens, n = list(enc.tokens), enc.n_tokens
    pooled = n > MOSAIC_CELLS
    st.caption("The 12 heads of one layer on this text, one small map each, numbered as above. Pick a layer here (it "
               "is the page's *Layer*), then tap a map (or use the Head slider) to open it above. " + _glance_note(enc)
               + (f" The text has {n} tokens, so the small maps here are pooled to {MOSAIC_CELLS} × {MOSAIC_CELLS} "
                  "groups of neighbouring tokens; the map you open above is exact." if pooled else ""))

    def clicked() -> None:
        points = ((st.session_state.get("pretrained_overview") or {}).get("selection") or {}).get("points") or []
        data = points[0].get("customdata") if points else None
        if data:
            state.set("layer", int(data[0]))
            state.set("pt_head", int(data[1]))

    def layer_picked() -> None:
        picked = st.session_state.get(OVERVIEW_LAYER)
        if picked is not None:
            state.set("layer", int(picked))

    layer = state["layer"]
    if st.session_state.get(OVERVIEW_LAYER) != layer:
        st.session_state[OVERVIEW_LAYER] = layer  # the picker shows the page's layer (slider, link, a tapped map)
    st.segmented_control("Layer", list(range(LAYERS)), format_func=lambda i: str(i + 1), key=OVERVIEW_LAYER,
                         required=True, on_change=layer_picked, help="The same layer as the Layer slider above.")
    maps, layers, labels = enc.attentions, head_average(enc.attentions), tokens
    if pooled:
        maps, edges = pool_attention(maps, MOSAIC_CELLS)
        layers, labels = pool_attention(layers, MOSAIC_CELLS)[0], group_labels(edges)
    chart(layer_heads(maps[layer], labels, layer, scale=state["scale"], pooled_from=n if pooled else None),
          "pretrained_overview", on_select=clicked, selection_mode="points", config=CHART_CONFIG)
    st.subheader("The mean of each layer's heads")
    chart(head_grid(layers, labels, scale=state["scale"], columns=3,
                    title="The mean of the 12 heads of each layer (rows: queries, columns: keys)"
                          + (" · pooled like the maps above" if pooled else ""),
                    titles=[f"Layer {lay + 1}" for lay in range(LAYERS)]),
          "pretrained_layers", config=CHART_CONFIG)
    st.caption("A layer does not average its heads: it concatenates their 12 outputs and mixes them with a "
               "learned matrix W_O. These means are only a summary for the eye.")

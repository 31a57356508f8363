"""Heatmap page, mode "Pretrained model": all-MiniLM-L6-v2's real attention, computed by our numpy code."""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention import TokenizeError
from attention import pretrained as model
from attention.pretrained_findings import (
    DISAMBIGUATION,
    GUIDED_FINDINGS,
    cls_share,
    cosine_similarity,
    head_average,
    hide_special,
    next_token_score,
    previous_token_score,
    token_index,
)
from figures.heatmap import attention_heatmap, head_grid, head_mosaic, row_bars
from ui.heatmap_common import CHART_CONFIG, clickable_chart, detail_panel, weights_csv
from ui.state import BoolParam, ChoiceParam, IntParam, PageState

LAYERS, HEADS = 6, 12
TOUR = {"free": "Explore freely"} | {f.key: f.title for f in GUIDED_FINDINGS} | {"apple": "Apple: fruit or company?"}
PARAMS = [
    IntParam("layer", 0, 0, LAYERS - 1),
    IntParam("pt_head", 2, 0, HEADS - 1),
    BoolParam("hide_special", False),
    ChoiceParam("tour", "free", tuple(TOUR)),
]


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


@st.cache_data(max_entries=32, show_spinner=False)
def encode(text: str) -> model.Encoding:
    encoder = load()
    return encoder.encode(text)


def _scores_note(weights: np.ndarray, tokens: list[str]) -> str:
    return (f"previous word {float(previous_token_score(weights, tokens)):.2f} · next word "
            f"{float(next_token_score(weights, tokens)):.2f} · [CLS] {float(cls_share(weights, tokens)):.2f}")


def render(state: PageState, text: str, controls, canvas) -> None:
    encoder = load()
    if isinstance(encoder, str):
        canvas.error(f"The pretrained model is not available on this server. {encoder}", icon="📦")
        return

    def start_tour() -> None:
        tour = st.session_state[state.key("tour")]
        finding = next((f for f in GUIDED_FINDINGS if f.key == tour), None)
        if finding:
            state.set("text", finding.sentence)
            state.set("layer", finding.heads[0][0])
            state.set("pt_head", finding.heads[0][1])
            state.set("hide_special", finding.measure == "next")
        elif tour == "apple":
            state.set("text", DISAMBIGUATION.sentences[0])
            state.set("layer", DISAMBIGUATION.layer)
            state.set("pt_head", DISAMBIGUATION.head)
            state.set("hide_special", True)

    with controls:
        st.caption(
            "**all-MiniLM-L6-v2**: a BERT-style encoder trained on a billion sentence pairs, 6 layers × 12 heads. "
            "Every head below is computed by the same `scaled_dot_product_attention` as the toy model, in numpy."
        )
        st.selectbox("Guided tour", list(TOUR), format_func=TOUR.get, key=state.key("tour"), on_change=start_tour)
        st.select_slider("Layer", list(range(LAYERS)), key=state.key("layer"))
        st.select_slider("Head", list(range(HEADS)), key=state.key("pt_head"))
        st.toggle("Hide [CLS] and [SEP] (renormalise rows)", key=state.key("hide_special"),
                  help="Many heads park most of their weight on [CLS] when they have nothing better to do. "
                       "Hiding it rescales each row over the real words.")

    try:
        enc = encode(text)
    except model.TooLong as err:
        canvas.warning(f"{err}", icon="✂️")
        return
    except TokenizeError as err:
        canvas.warning(f"{err}", icon="✍️")
        return

    layer, head = state["layer"], state["pt_head"]
    tokens, full = list(enc.tokens), enc.attentions[layer, head]
    shown, shown_tokens, index = full, tokens, np.arange(len(tokens))
    if state["hide_special"]:
        shown, shown_tokens, index = hide_special(full, tokens)
    unknown = [t for t, u in zip(tokens, enc.is_unknown) if u]
    if unknown:
        canvas.caption(f"{len(unknown)} piece(s) of your text are not in the model's vocabulary and became "
                       "[UNK] (unknown): the model cannot tell them apart.")

    t = len(shown_tokens)
    for name in ("row", "col"):
        if state[name] > t - 1:
            state.set(name, max(t - 1, 0))

    def pick_cell(row: int, col: int) -> None:
        state.set("row", min(max(row, 0), t - 1))
        state.set("col", min(max(col, 0), t - 1))

    fig = attention_heatmap(
        shown, shown_tokens, title=f"Layer {layer}, head {head}" + (" ([CLS]/[SEP] hidden)" if state["hide_special"]
                                                                     else ""),
        scale=state["scale"], auto_range=state["auto"], show_values=None if state["values"] else False,
    )
    with canvas:
        clickable_chart(fig, "pretrained_chart", pick_cell)
    canvas.caption("This head: " + _scores_note(full, tokens) + " (mean weight on each, over the words).")
    canvas.download_button("⬇️ Download this head's weights (CSV)", weights_csv(shown, shown_tokens),
                           file_name=f"minilm_layer{layer}_head{head}.csv", mime="text/csv")
    st.info(
        "**Attention is not explanation.** These weights say where a head *looked*, not why the model "
        "decided anything: other heads, the feed-forward layers and the residual stream all change the result, "
        "and different weights can give the same output (Jain & Wallace 2019; Wiegreffe & Pinter 2019).",
        icon="⚠️",
    )

    st.subheader("🔍 Take one row apart")
    p1, p2 = st.columns(2)
    p1.selectbox("Query token (row)", list(range(t)), format_func=lambda i: f"{i}: {shown_tokens[i]}",
                 key=state.key("row"))
    p2.selectbox("Key token (column)", list(range(t)), format_func=lambda i: f"{i}: {shown_tokens[i]}",
                 key=state.key("col"))
    row, col = int(index[state["row"]]), int(index[state["col"]])
    if state["hide_special"]:
        st.caption("The arithmetic is the model's real row, over every token including [CLS] and [SEP]; "
                   "the heatmap above rescales it over the words.")
    head_view = enc.head(layer, head)
    detail_panel(tokens, head_view.q, head_view.k, row, col, head_label=f"(layer {layer}, head {head}, d_k = "
                 f"{head_view.q.shape[1]})", key="pretrained_detail")

    st.subheader("The whole model at a glance")
    st.caption("All 72 heads of this sentence, one small map each. Click a map (or use the Layer and Head "
               "sliders) to open it above. Notice the diagonal stripes of positional heads in the first layers "
               "and the dark first column of heads that park on [CLS].")

    def open_head(layer_: int, head_: int) -> None:
        state.set("layer", layer_)
        state.set("pt_head", head_)

    def clicked() -> None:
        points = ((st.session_state.get("pretrained_overview") or {}).get("selection") or {}).get("points") or []
        data = points[0].get("customdata") if points else None
        if data:
            open_head(int(data[0]), int(data[1]))

    st.plotly_chart(head_mosaic(enc.attentions, tokens, scale=state["scale"]), width="stretch",
                    key="pretrained_overview", on_select=clicked, selection_mode="points", config=CHART_CONFIG)
    st.plotly_chart(head_grid(head_average(enc.attentions), tokens, scale=state["scale"],
                              titles=[f"Layer {lay}: average of 12 heads" for lay in range(LAYERS)], columns=3),
                    width="stretch", key="pretrained_layers", config=CHART_CONFIG)

    st.subheader("🍎 One word, two meanings")
    st.markdown(
        f"The word *apple* starts with the **same** vector in both sentences. In layer {DISAMBIGUATION.layer}, "
        f"head {DISAMBIGUATION.head} its row reaches for different context words, so the vector it leaves with "
        "differs: the model can now tell the fruit from the company."
    )
    a_cols = st.columns(2)
    outputs = []
    for column, sentence in zip(a_cols, DISAMBIGUATION.sentences):
        other = encode(sentence)
        weights, kept, _ = hide_special(other.attentions[DISAMBIGUATION.layer, DISAMBIGUATION.head], other.tokens)
        i = token_index(kept, DISAMBIGUATION.word)
        column.plotly_chart(row_bars(weights[i], kept, kept[i]), width="stretch", key=f"apple_{sentence}",
                            config=CHART_CONFIG)
        column.caption(f"“{sentence}”")
        outputs.append(other.last_hidden_state[token_index(other.tokens, DISAMBIGUATION.word)])
    st.caption(f"Cosine similarity of apple's final vectors in the two sentences: "
               f"{float(cosine_similarity(*outputs)):.3f} (1 would mean the same meaning).")


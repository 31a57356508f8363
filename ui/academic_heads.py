"""Academic, section 4: multi-head attention and masks (causal, padding), run on the page's sentence."""

from __future__ import annotations

import numpy as np
import streamlit as st

import attention as A
from attention import experiments as E
from figures.academic import heads_figure, mask_figure
from ui.academic_projections import Sentence
from ui.academic_state import MASKS
from ui.charts import cached_figure
from ui.glossary_terms import tip
from ui.responsive import chart
from ui.state import PageState

CHART = {"displaylogo": False}


def cost_sentence(heads: int, d_model: int, n: int) -> str:
    """What H heads of size d_model/H cost against one head of size d_model, for this sentence's n."""
    d_k = max(1, d_model // heads)
    return (
        f"Here: H = {heads} heads of d_k = {d_k} on n = {n} positions. The products cost "
        f"H·n²·d_k = {heads * n * n * d_k:,} multiply-adds for QKᵀ, against n²·d_model = {n * n * d_model:,} for "
        f"one head of width d_model = {d_model}; but there are {heads} weight matrices of {n} × {n}: "
        f"{heads * n * n:,} exponentials and weights to store instead of {n * n:,}."
    )


def pad_note(kind: str, n_pad: int, pad_weight: float) -> str:
    """What happens to the [PAD] positions under each mask."""
    if not n_pad:
        return ""
    return {
        "none": f" The real words give the `[PAD]` positions **{pad_weight:.1%}** of their attention on average: "
                "a zero vector scores 0, not −∞, so padding takes weight unless it is masked.",
        "causal": " The `[PAD]` positions come after every real word, so the causal mask alone already hides "
                  "them from the real words (padding on the right); the `[PAD]` rows still attend to the words, "
                  "and a real model ignores their outputs.",
        "padding": " No query gives the `[PAD]` positions any weight: their columns are −∞.",
        "both": " No query gives the `[PAD]` positions any weight: their columns are −∞.",
    }[kind]


def render(state: PageState, sentence: Sentence | None) -> None:
    st.markdown(
        "One attention head computes one weighting per word. **Multi-head attention** runs H heads side by "
        "side, each with its own projections of size $d_k = d_{model}/H$, concatenates their outputs and mixes "
        "them with $W_O$, so different heads can track different relations. The matrix products cost about "
        "as much as one head of full width $d_{model}$ (H heads × $n^2 d_{model}/H$ = $n^2 d_{model}$), but "
        "every head has its own $n \\times n$ weights: H times the exponentials and the memory of one head."
    )
    st.latex(r"\operatorname{MultiHead}(X) = \operatorname{Concat}(\text{head}_1, \dots, \text{head}_H)\, W_O,"
             r"\qquad \text{head}_h = \operatorname{Attention}(X W_Q^{(h)},\, X W_K^{(h)},\, X W_V^{(h)})")
    st.markdown(
        "A **mask** forbids some query–key pairs by adding $-\\infty$ to their scores before the softmax, so "
        "their weight is exactly $e^{-\\infty} = 0$ and the rest of the row still sums to 1:"
    )
    st.latex(r"\operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}} + M\right)V,\qquad "
             r"M^{\text{causal}}_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases},\qquad "
             r"M^{\text{pad}}_{ij} = \begin{cases} 0 & j \text{ is a real token} \\ -\infty & j \text{ is padding} "
             r"\end{cases}")
    st.markdown(
        "**Causal** masks keep a language model from reading the future while it learns to predict the next "
        "word (GPT-style decoders). **Padding** masks let sentences of different lengths share one batch: the "
        "shorter ones are filled with `[PAD]` positions that nobody may attend to."
    )
    if sentence is None:
        return
    mc1, mc2, mc3 = st.columns(3)
    mc1.slider("Heads H", 1, 4, key=state.key("heads"), help=tip("multi-head"))
    mc2.radio("Mask", list(MASKS), format_func=MASKS.get, key=state.key("mask"), horizontal=True,
              help=tip("causal-mask") + "\n\n" + tip("padding-mask"))
    mc3.slider("[PAD] positions appended", 0, 4, key=state.key("pad"),
               help=tip("pad", "Padding embeddings are zero vectors. Without a padding mask they still get weight."))
    heads, kind, n_pad, d_model = state["heads"], state["mask"], state["pad"], sentence.d_model
    padded_tokens = sentence.tokens + ["[PAD]"] * n_pad
    x_pad = np.vstack([sentence.x, np.zeros((n_pad, d_model), dtype=sentence.x.dtype)])  # (T + pad, d_model)
    mask = E.demo_mask(kind, len(sentence.tokens), n_pad)
    p_mh = A.init_projections(d_model, max(1, d_model // heads), n_heads=heads,
                              rng=np.random.default_rng([state["seed"], 5]))
    _, mh_weights = A.multi_head_attention(x_pad, p_mh, mask)  # (H, T, T)
    g1, g2 = st.columns([2, 3])
    with g1:
        chart(cached_figure(mask_figure, mask, padded_tokens, title=f"M: {MASKS[kind].lower()}"), "mask_chart", config=CHART)
    with g2:
        st.markdown("Rows are queries and columns keys; point at a cell (or tap it) to read its weight.")
        chart(cached_figure(heads_figure, mh_weights, padded_tokens), "heads_chart", config=CHART)
    leak = E.weight_outside_mask(mh_weights, mask)
    n_real = len(sentence.tokens)
    pad_weight = float(mh_weights[..., :n_real, n_real:].sum(axis=-1).mean()) if n_pad else 0.0
    st.markdown(
        f"`attention.multi_head_attention` with H = {heads} heads of size d_k = {p_mh.d_k}: the largest weight "
        f"on any masked pair is **{leak:g}**, and every row still sums to "
        f"**{float(mh_weights.sum(axis=-1).min()):.4f}**." + pad_note(kind, n_pad, pad_weight)
    )
    st.caption(cost_sentence(heads, d_model, n_real + n_pad))

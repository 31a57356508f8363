"""Academic, section 6: caveats. Attention is not explanation, attention sinks, the max-shift in softmax."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from attention import experiments as E
from figures.academic import same_output_figure
from ui.academic_projections import Sentence
from ui.charts import cached_figure
from ui.heatmap_common import code_span, normalise_positions
from ui.state import PageState

CHART = {"displaylogo": False}
D_V = 2  # value size of the counterfactual demo: small, so a short sentence already has the freedom
OVERFLOW = float(np.log(np.finfo(np.float32).max))  # e^s is inf in float32 once s exceeds this (≈ 88.72)


def render(state: PageState, sentence: Sentence | None) -> None:
    _not_explanation(state, sentence)
    _sinks()
    _max_shift(state)


def _not_explanation(state: PageState, sentence: Sentence | None) -> None:
    st.subheader("Attention weights are not explanations")
    st.markdown(
        "It is tempting to read a heatmap as *why* a model decided something. Jain and Wallace (2019) found that "
        "attention weights often disagree with gradient-based measures of importance, and that very different "
        "weights can produce the same prediction. Wiegreffe and Pinter (2019) replied that this depends on what "
        "one calls an explanation: swapping the weights of single examples is a weak test, a whole model trained "
        "to agree with the original cannot move its attention as freely, and attention can be informative under "
        "suitable tests. A one-layer version of the first point is pure "
        "linear algebra: the output $o = w^\\top V$ only sees $w$ through $V$, so whenever a row has more keys "
        "than $d_v + 1$, other weights $w' = w + u$ with $V^\\top u = 0$ and $\\sum_j u_j = 0$ give exactly the "
        "same output (for $V$ in general position; and $w'$ must stay non-negative, which a small enough step "
        "from softmax weights, all positive, does)."
    )
    if sentence is None:
        return
    tokens, labels = sentence.tokens, sentence.labels
    normalise_positions(state, ("row",))  # a selectbox may hand back its old label, not the index
    if state["row"] > len(tokens) - 1:
        state.set("row", len(tokens) - 1)
    st.selectbox("Query word", list(range(len(tokens))), format_func=lambda i: labels[i], key=state.key("row"))
    p_cf = A.init_projections(sentence.d_model, 4, D_V, rng=np.random.default_rng([state["seed"], 6]))  # d_k = 4
    cf = E.counterfactual(sentence.x, p_cf, state["row"])
    if cf.alt_weights is None:
        st.info(f"With {len(tokens)} keys and values of size d_v = {D_V} there is no other row with the same "
                f"output: add words (more than {D_V + 1}) to see one.", icon="ℹ️")
        return
    st.plotly_chart(cached_figure(same_output_figure, cf.weights, cf.alt_weights, labels), width="stretch",
                    key="same_output", config=CHART)
    moved = 0.5 * float(np.abs(cf.weights - cf.alt_weights).sum())
    top = int(np.argmax(cf.weights))
    st.markdown(
        f"Values of size d_v = {D_V}. The model's row puts **{cf.weights[top]:.2f}** on "
        f"`{code_span(labels[top])}`; the other row puts **{cf.alt_weights[top]:.2f}** there and moves "
        f"**{moved:.0%}** of the weight in total. Outputs: `{np.round(cf.output, 4).tolist()}` versus "
        f"`{np.round(cf.alt_output, 4).tolist()}` (largest difference "
        f"{float(np.abs(cf.output - cf.alt_output).max()):.1e}). A head of all-MiniLM-L6-v2 (the Heatmap page's "
        "pretrained model) has d_v = 32, so any of its rows over more than 33 tokens has this freedom."
    )


def _sinks() -> None:
    st.subheader("Attention sinks: the weights must go somewhere")
    st.markdown(
        "Each row of weights sums to 1, so a query cannot attend to *nothing*, and softmax ignores any constant "
        "added to all scores: $\\operatorname{softmax}(s + c) = \\operatorname{softmax}(s)$. A query that "
        "matches every key equally badly still hands out all of its weight:"
    )
    weak = np.array([-6.0, -6.2, -5.9, -6.1])
    w_weak = A.softmax(weak)
    st.markdown(
        f"`attention.softmax({weak.tolist()})` = `{np.round(w_weak, 3).tolist()}`, sum **{w_weak.sum():.3f}**; "
        f"shifted by +6 it gives `{np.round(A.softmax(weak + 6), 3).tolist()}`, the same."
    )
    causal5 = A.causal_mask(5)
    st.markdown(
        "Trained language models use this: Xiao et al. (2023) found that large causal models put much of the "
        "surplus weight on the first token, whatever it says: an *attention sink*. In a causal model the first "
        f"position is the one key every query can see (`attention.causal_mask(5)[:, 0]` = "
        f"`{causal5[:, 0].tolist()}`; every other column has a False). Evicting it from a sliding-window cache "
        "breaks such models, and keeping a few first tokens fixes them (their StreamingLLM)."
    )


def _max_shift(state: PageState) -> None:
    st.subheader("Softmax needs the max-shift to be computed safely")
    st.markdown(
        "Written literally, softmax overflows: float32 stores numbers up to about $3.4\\times10^{38}$, so "
        f"$e^{{s}}$ is infinite once $s > {OVERFLOW:.1f}$, and $\\infty/\\infty$ is NaN. Since softmax ignores a "
        "constant shift, subtract the row's maximum first; then every exponent is $\\le 0$, the largest term is "
        "exactly 1, and nothing overflows (Goodfellow et al., 2016, §4.1):"
    )
    st.latex(r"\operatorname{softmax}(s)_j = \frac{e^{s_j - m}}{\sum_l e^{s_l - m}},\qquad m = \max_l s_l")
    st.slider("Largest score in the row", 1, 1000, key=state.key("big"),
              help="The row is this number times (1, 0.9, 0.5, −0.2), in float32.")
    row = (state["big"] * np.array([1.0, 0.9, 0.5, -0.2])).astype(np.float32)
    naive_exp, naive_w = E.unshifted_softmax(row)
    ra = A.row_arithmetic(np.ones(1, np.float32), row[:, None], scale=1.0)  # scores = row itself (d_k = 1)
    st.dataframe(
        pd.DataFrame({
            "score s": row.astype(float),
            "e^s (literal)": naive_exp.astype(float),
            "weight, literal": naive_w.astype(float),
            "e^(s − max)": ra.exps.astype(float),
            "weight, attention.softmax": ra.weights.astype(float),
        }).astype(object).map(lambda v: "NaN" if np.isnan(v) else ("inf" if np.isinf(v) else f"{v:.4g}")),
        hide_index=True,
        width="stretch",
    )
    broken = bool(np.isnan(naive_w).any())
    st.markdown(
        ("The literal formula returns **NaN** here" if broken else "The literal formula still works at this size; "
         f"push the slider past {int(OVERFLOW)} to break it")
        + f"; the shifted one gives weights summing to **{float(ra.weights.sum()):.4f}**."
    )

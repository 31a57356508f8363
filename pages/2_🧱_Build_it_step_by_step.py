"""Build it step by step: from word embeddings to attention output, every number visible."""

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from attention.presets import PRESETS, preset_embeddings, rounded_projections
from figures.matrix import matrix_heatmap
from figures.style import DIVERGING
from ui.arithmetic import arithmetic_rows, dot_product_latex, latex_text, num, score_latex, softmax_latex
from ui.heatmap_common import clickable_chart
from ui.layout import setup_page
from ui.state import BoolParam, ChoiceParam, IntParam, PageState
from ui.steps_code import reproduce_snippet, source_of
from ui.steps_editor import LIMIT, matrix_editor

setup_page("Build it step by step", "🧱")

MAX_SEED = 999_999
state = PageState(
    "steps",
    [
        ChoiceParam("preset", "sentence", tuple(PRESETS)),
        IntParam("words", 3, 2, 8),
        IntParam("d_model", 4, 2, 8),
        IntParam("d_k", 3, 1, 8),
        IntParam("seed", 0, 0, MAX_SEED),
        BoolParam("scaled", True),
        BoolParam("causal", False),
        IntParam("row", 0, 0, 7),
        IntParam("col", 1, 0, 7),
    ],
)
state.restore()
st.session_state.setdefault("steps.edits", 0)  # bumped by "Reset edits": a fresh editor, the base values


def randomize() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


def reset_edits() -> None:
    st.session_state["steps.edits"] += 1


st.title("🧱 Build attention step by step")
st.markdown(
    "Start from a tiny table of numbers, one row per word, and watch self-attention turn it into new "
    "vectors. Every matrix below is computed by the `attention` package from the one above it; edit any "
    "number and everything downstream follows."
)

c1, c2, c3, c4 = st.columns(4)
c1.selectbox("Starting embeddings", list(PRESETS), format_func=PRESETS.get, key=state.key("preset"))
c2.slider("Words (T)", 2, 8, key=state.key("words"))
c3.slider("Model dimension d_model", 2, 8, key=state.key("d_model"))
c4.slider("Query/key/value dimension d_k", 1, 8, key=state.key("d_k"))
b1, b2, b3 = st.columns([1, 1, 2], vertical_alignment="bottom")
b1.number_input("Seed", 0, MAX_SEED, step=1, key=state.key("seed"))
b2.button("🎲 Randomize", on_click=randomize, width="stretch", help="New random embeddings and matrices.")
b3.button("↺ Reset my edits", on_click=reset_edits, help="Back to the numbers this seed gives.")

t, d_model, d_k, seed = state["words"], state["d_model"], state["d_k"], state["seed"]
rng = np.random.default_rng(seed)
words, x_base = preset_embeddings(state["preset"], t, d_model, rng=rng)
w_bases = rounded_projections(d_model, d_k, rng=rng)
labels = [f"{i}: {w}" for i, w in enumerate(words)]
signature = f"{state['preset']}-{seed}-{t}x{d_model}x{d_k}-{st.session_state['steps.edits']}"
dims = [f"d{j}" for j in range(d_model)]
kdims = [f"k{j}" for j in range(d_k)]

st.header("Step 1 · Input: word embeddings X")
left, right = st.columns([3, 2])
with left:
    x = matrix_editor(f"steps.X.{signature}", x_base, labels, dims)
right.markdown(
    f"**X** has shape **({t}, {d_model})**: {t} words, each a vector of {d_model} numbers. In a real model "
    "these vectors are learned so that words used alike get similar vectors; here they are small numbers "
    f"you can edit (double-click a cell; values within ±{LIMIT:g})."
)
if state["preset"] == "similar":
    right.info("Rows 0 and 1 (cat, kitten) are almost the same vector: watch their rows in every later "
               "matrix stay alike, and each pay similar attention.")

st.header("Step 2 · Linear projections: Q, K, V")
st.markdown(
    "Three learned matrices turn each embedding into three different vectors: a **query** (what this word "
    "looks for), a **key** (what it offers to be found by) and a **value** (what it hands over)."
)
st.latex(r"Q = X\,W_Q \qquad K = X\,W_K \qquad V = X\,W_V")
with st.expander(f"W_Q, W_K, W_V: ({d_model}, {d_k}) each, random (untrained), editable"):
    w_cols = st.columns(3)
    weights_in = []
    for col, name, base in zip(w_cols, ("W_Q", "W_K", "W_V"), w_bases):
        with col:
            st.markdown(f"**{name}**")
            weights_in.append(matrix_editor(f"steps.{name}.{signature}", base, dims, kdims))
w_q, w_k, w_v = weights_in
proj = A.Projections(w_q, w_k, w_v, w_o=np.eye(d_k, d_model, dtype=np.float32))
q, k, v = A.project_qkv(x, proj)  # (T, d_k) each
qkv_cols = st.columns(3)
for col, name, m in zip(qkv_cols, ("Q", "K", "V"), (q, k, v)):
    col.plotly_chart(
        matrix_heatmap(m, labels, kdims, title=f"{name} = X·W_{name[0]}   ({t}, {d_k})", scale=DIVERGING,
                       hover="{row}, {col}: {value}", square=False, height=140 + 34 * t),
        width="stretch", key=f"steps_{name}",
    )

st.header("Step 3 · Scaled dot-product attention")
st.latex(r"\text{Attention}(Q,K,V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
o1, o2 = st.columns(2)
o1.toggle(f"Divide by √d_k = √{d_k} = {np.sqrt(d_k):.3f}", key=state.key("scaled"),
          help="Switch off to see the raw dot products go straight into the softmax.")
o2.toggle("Causal mask (a word may not look at later words)", key=state.key("causal"))
scale = None if state["scaled"] else 1.0
mask = A.causal_mask(t) if state["causal"] else None
raw = A.attention_scores(q, k, scale=1.0)  # (T, T) Q·Kᵀ
scores = A.attention_scores(q, k, mask, scale=scale)  # (T, T), -inf where masked
output, weights = A.scaled_dot_product_attention(q, k, v, mask, scale=scale)  # (T, d_k), (T, T)

s1, s2 = st.columns(2)
with s1:
    st.latex(r"S = Q K^\top")
    st.plotly_chart(matrix_heatmap(raw, labels, labels, title=f"Dot products QKᵀ ({t}, {t})", scale=DIVERGING,
                                   x_title="key", y_title="query"), width="stretch", key="steps_raw")
with s2:
    st.latex(r"S / \sqrt{d_k}" if state["scaled"] else r"S \;(\text{unscaled})")
    shown = np.where(np.isfinite(scores), scores, np.nan)  # masked cells: blank, not -inf
    st.plotly_chart(matrix_heatmap(shown, labels, labels, title="Scaled scores" + (" (masked: blank)" if mask is
                                   not None else ""), scale=DIVERGING, x_title="key", y_title="query"),
                    width="stretch", key="steps_scores")
s3, s4 = st.columns(2)


def pick_cell(row: int, col: int) -> None:
    state.set("row", min(max(row, 0), t - 1))
    state.set("col", min(max(col, 0), t - 1))


with s3:
    st.latex(r"W = \operatorname{softmax}_{\text{row}}(S/\sqrt{d_k})")
    clickable_chart(matrix_heatmap(weights, labels, labels, title="Attention weights (rows sum to 1) · click a cell",
                                   zmin=0, zmax=1, x_title="key", y_title="query", clickable=True),
                    "steps_weights", pick_cell)
with s4:
    st.latex(r"\text{output} = W\,V")
    st.plotly_chart(matrix_heatmap(output, labels, kdims, title=f"Output = weights·V ({t}, {d_k})", scale=DIVERGING,
                                   hover="{row}, {col}: {value}", square=False), width="stretch", key="steps_out")

st.header("Step 4 · Zoom into one number")
for name in ("row", "col"):
    if state[name] > t - 1:
        state.set(name, t - 1)
z1, z2 = st.columns(2)
z1.selectbox("Query word (row)", list(range(t)), format_func=lambda i: labels[i], key=state.key("row"))
z2.selectbox("Key word (column)", list(range(t)), format_func=lambda i: labels[i], key=state.key("col"))
i, j = state["row"], state["col"]
ra = A.row_arithmetic(q[i], k, v, None if mask is None else mask[i], scale=scale)
st.markdown(f"**Weight of `{words[i]}` → `{words[j]}` = {ra.weights[j]:.4f}**, built in three moves:")
st.latex(dot_product_latex(ra, j, words[i], words[j]))
st.latex(score_latex(ra, j))
st.latex(softmax_latex(ra, j))
st.dataframe(pd.DataFrame(arithmetic_rows(ra, words)), hide_index=True, width="stretch")
st.markdown(f"Then the **output row of `{words[i]}`** is the weighted sum of the rows of V:")
terms = " + ".join(rf"{num(ra.weights[jj], 3)}\,v_{{{latex_text(words[jj])}}}" for jj in range(t) if ra.allowed[jj])
st.latex(rf"\text{{out}}_{{{latex_text(words[i])}}} = {terms}")
st.latex(r"= [" + r",\; ".join(num(val) for val in ra.output) + "]")

st.header("Step 5 · The code that computed all this")
st.markdown(
    "These are the functions of the `attention` package that produced the numbers above, shown with "
    "`inspect.getsource`: the code on screen is the code that ran."
)
tabs = st.tabs(["scaled_dot_product_attention", "attention_scores", "softmax", "project_qkv"])
for tab, func in zip(tabs, (A.scaled_dot_product_attention, A.attention_scores, A.softmax, A.project_qkv)):
    tab.code(source_of(func), language="python")
st.markdown("**Reproduce this screen** with numpy and `attention` only (copy with the icon at the top right):")
st.code(reproduce_snippet(words, x, w_q, w_k, w_v, scaled=state["scaled"], causal=state["causal"]),
        language="python")

state.sync()

"""Build it step by step: from word embeddings to attention output, every number visible."""

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from attention.presets import PRESETS, preset_embeddings, rounded_projections
from figures.steps import scores_figure, shared_limit, signed_matrix, weights_figure
from ui.arithmetic import (
    contribution_rows,
    dot_product_latex,
    score_latex,
    softmax_latex,
    summary_sentence,
    weighted_sum_latex,
)
from ui.exercises import exercise_params, render_exercises
from ui.heatmap_common import clickable_chart, row_table
from ui.layout import page_links, setup_page
from ui.matrix_param import CellEditsParam, with_cells
from ui.pickers import normalise_positions, word_picker
from ui.state import BoolParam, ChoiceParam, IntParam, PageState
from ui.steps_code import SHOWN, reproduce_snippet, source_of
from ui.steps_editor import LETTERS, LIMIT, edited_cells, edits_for, matrix_editor
from ui.steps_notes import causal_note, preset_note, scaling_note

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
        CellEditsParam("edits", (), matrices=tuple(LETTERS.values()), size=8, limit=LIMIT),
        ChoiceParam("code", SHOWN[0].func.__name__, tuple(s.func.__name__ for s in SHOWN)),
        *exercise_params(),
    ],
)
state.restore()
st.session_state.setdefault("steps.resets", 0)  # bumped by "Reset my edits": fresh editors on the seed's values


def randomize() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


def reset_edits() -> None:
    st.session_state["steps.resets"] += 1


st.title("🧱 Build attention step by step")
st.markdown(
    "Start from a tiny table of numbers, one row per word, and watch self-attention turn it into new "
    "vectors. Each matrix below is computed by the `attention` package from the ones above it: edit a "
    "number and everything further down follows."
)

c1, c2, c3, c4 = st.columns(4)
c1.selectbox("Starting embeddings", list(PRESETS), format_func=PRESETS.get, key=state.key("preset"))
c2.slider("Words T", 2, 8, key=state.key("words"))
c3.slider("Embedding size d_model", 2, 8, key=state.key("d_model"))
c4.slider("Query/key size d_k", 1, 8, key=state.key("d_k"),
          help="The width of W_Q, W_K and W_V, so of every query, key and value vector.")
b1, b2, b3 = st.columns([1, 1, 2], vertical_alignment="bottom")
state.int_input("seed", "Seed", b1, help="The same seed always gives the same random numbers.")
b2.button("🎲 Randomize", on_click=randomize, width="stretch", help="A new seed: new embeddings and matrices.")
b3.button("↺ Reset my edits", on_click=reset_edits, help="Back to the numbers this seed gives.")

t, d_model, d_k, seed = state["words"], state["d_model"], state["d_k"], state["seed"]
rng = np.random.default_rng(seed)
words, x_base = preset_embeddings(state["preset"], t, d_model, rng=rng)
w_bases = dict(zip(("W_Q", "W_K", "W_V"), rounded_projections(d_model, d_k, rng=rng), strict=True))
labels = [f"{i}: {w}" for i, w in enumerate(words)]
signature = f"{state['preset']}-{seed}-{t}x{d_model}x{d_k}-{st.session_state['steps.resets']}"
edits = edits_for(state, "edits", signature)  # the URL's (or this session's) edits of these base matrices
dims = [f"d{c}" for c in range(d_model)]  # columns of X: embedding dimensions
qkv_dims = {m: [f"{m.lower()}{c}" for c in range(d_k)] for m in "QKV"}  # columns of Q, K, V (and W_Q, W_K, W_V)

# ---- Step 1 ---------------------------------------------------------------------------------------------
st.header(f"Step 1 · Input: word embeddings X ({t} × {d_model})")
left, right = st.columns([3, 2])
with left:
    x = matrix_editor("steps.X", signature, with_cells(x_base, LETTERS["X"], edits), labels, dims)
right.markdown(
    f"**X** has one row per word: {t} words, each a vector of d_model = {d_model} numbers. In a trained "
    "model these vectors are learned, so that words used alike get similar vectors; here they are small "
    f"numbers you can change. Double-click a cell to edit it (values within ±{LIMIT:g})."
)
preset_slot = right.empty()  # filled once Q and the weights are known: the note quotes them

# ---- Step 2 ---------------------------------------------------------------------------------------------
st.header(f"Step 2 · Linear projections: Q, K, V ({t} × {d_k} each)")
st.markdown(
    "Three matrices (learned in a trained model, random here) turn each embedding into three vectors: a "
    "**query** (what this word is looking for), a **key** (what it can be found by) and a **value** (what it "
    "hands over when found)."
)
st.latex(rf"\underbrace{{Q}}_{{{t}\times{d_k}}} = \underbrace{{X}}_{{{t}\times{d_model}}}\,"
         rf"\underbrace{{W_Q}}_{{{d_model}\times{d_k}}} \qquad K = X\,W_K \qquad V = X\,W_V")
with st.expander(f"W_Q, W_K, W_V: {d_model} × {d_k} each, random (untrained), editable", expanded=True):
    w_cols = st.columns(3)
    w_in = {}
    for col, (name, base) in zip(w_cols, w_bases.items(), strict=True):
        with col:
            st.markdown(f"**{name}**")
            w_in[name] = matrix_editor(f"steps.{name}", signature, with_cells(base, LETTERS[name], edits), dims,
                                       qkv_dims[name[-1]])
state.set("edits", edited_cells({"X": (x, x_base)} | {n: (w_in[n], w_bases[n]) for n in w_bases}))
proj = A.Projections(w_in["W_Q"], w_in["W_K"], w_in["W_V"], w_o=np.eye(d_k, d_model, dtype=np.float32))
q, k, v = A.project_qkv(x, proj)  # (T, d_k) each
for col, name, m in zip(st.columns(3), ("Q", "K", "V"), (q, k, v), strict=True):
    col.plotly_chart(signed_matrix(m, labels, qkv_dims[name], f"{name} = X·W_{name}"), width="stretch",
                     key=f"steps_{name}")

# ---- Step 3 ---------------------------------------------------------------------------------------------
st.header(f"Step 3 · Scaled dot-product attention ({t} × {t} weights)")
st.latex(r"\text{Attention}(Q,K,V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
o1, o2 = st.columns(2)
o1.toggle(f"Divide the scores by √d_k = √{d_k}", key=state.key("scaled"),
          help="Switch off to feed the raw dot products straight into the softmax.")
o2.toggle("Causal mask: a word may not look at later words", key=state.key("causal"))
scale = None if state["scaled"] else 1.0  # None = the package's default 1/√d_k
mask = A.causal_mask(t) if state["causal"] else None
dots = A.attention_scores(q, k, scale=1.0)  # (T, T) plain QKᵀ
scores = A.attention_scores(q, k, mask, scale=scale)  # (T, T), -inf where masked
output, weights = A.scaled_dot_product_attention(q, k, v, mask, scale=scale)  # (T, d_k), (T, T)
# The toggle's other side, for the note that compares scaled and unscaled weights.
_, other = A.scaled_dot_product_attention(q, k, v, mask, scale=1.0 if state["scaled"] else None)
w_on, w_off = (weights, other) if state["scaled"] else (other, weights)
note = preset_note(state["preset"], words, x, q, weights)
if note:
    preset_slot.info(note, icon="🐱" if state["preset"] == "similar" else "🧩")
zlim = shared_limit(dots, scores)  # one colour range for both score maps: the division by √d_k shows as paler cells

s1, s2 = st.columns(2)
with s1:
    st.latex(rf"S = \underbrace{{Q}}_{{{t}\times{d_k}}}\,\underbrace{{K^\top}}_{{{d_k}\times{t}}}")
    st.plotly_chart(scores_figure(dots, labels, "Dot products QKᵀ", zlim=zlim), width="stretch", key="steps_dots")
with s2:
    st.latex((r"S / \sqrt{d_k}" if state["scaled"] else r"S \quad(\text{not scaled})")
             + (r"\;+\;\text{mask } (-\infty)" if state["causal"] else ""))
    st.plotly_chart(scores_figure(scores, labels, "Scores" + (" QKᵀ/√d_k" if state["scaled"] else " (unscaled)")
                                  + (", masked cells ✕" if state["causal"] else ""), zlim=zlim),
                    width="stretch", key="steps_scores")
st.caption(f"Both score maps share one colour range (±{zlim:.2f}), so equal colours mean equal numbers"
           + (": dividing by √d_k makes the right one paler." if state["scaled"] and d_k > 1 else "."))
n1, n2 = st.columns(2)
n1.caption(scaling_note(d_k, state["scaled"], w_on, w_off))
n2.caption(causal_note(t, state["causal"]))

normalise_positions(state, ("row", "col"))  # a selectbox may hand back its old label, not the index
for name in ("row", "col"):  # fewer words than the URL's row/col: stay on the matrix
    if state[name] > t - 1:
        state.set(name, t - 1)


def pick_cell(row: int, col: int) -> None:
    state.set("row", min(max(row, 0), t - 1))
    state.set("col", min(max(col, 0), t - 1))


s3, s4 = st.columns(2)
with s3:
    st.latex(r"W = \operatorname{softmax}_{\text{row}}(S" + (r"/\sqrt{d_k}" if state["scaled"] else "") + ")")
    clickable_chart(weights_figure(weights, labels, picked=(state["row"], state["col"]),
                                   title="Attention weights · click a cell", masked=None if mask is None else ~mask),
                    "steps_weights", pick_cell)
    st.caption("Each row adds up to 1: how word *i* shares out its attention. The outlined cell is the one "
               "spelled out in Step 4.")
with s4:
    st.latex(rf"\text{{output}} = \underbrace{{W}}_{{{t}\times{t}}}\,\underbrace{{V}}_{{{t}\times{d_k}}}")
    st.plotly_chart(signed_matrix(output, labels, qkv_dims["V"], "Output = weights·V"), width="stretch",
                    key="steps_out")
    st.caption("Row *i* of the output is word *i*'s new vector: a blend of every word's value vector, mixed in "
               "the proportions of row *i* of the weights. Its columns are the value dimensions v0, v1, …")

# ---- Step 4 ---------------------------------------------------------------------------------------------
st.header("Step 4 · Zoom into one number")
st.markdown("Pick a query word and a key word, or click a cell of the attention weights above.")
z1, z2 = st.columns(2)
i = word_picker(z1, "Query word (row)", labels, state, "row")
j = word_picker(z2, "Key word (column)", labels, state, "col")
ra = A.row_arithmetic(q[i], k, v, None if mask is None else mask[i], scale=scale)
st.markdown(f"**The weight of {labels[i]} → {labels[j]} is {ra.weights[j]:.4f}.** It takes three moves.")
st.markdown("1 · The dot product of the query vector with the key vector, term by term:")
st.latex(dot_product_latex(ra, j, words[i], words[j], max_terms=8, per_line=4))
st.markdown("2 · Scale it: multiply by 1/√d_k" if state["scaled"]
            else "2 · No scaling (the toggle is off): the score is the dot product itself")
st.latex(score_latex(ra, j))
st.markdown("3 · Softmax over the whole row: exponentiate after subtracting the row's largest score, then divide "
            "by the sum of the row's exponentials:")
st.latex(softmax_latex(ra, j))
st.markdown(f"**Then the output row of {labels[i]}** is the weighted sum of the rows of V:")
st.latex(weighted_sum_latex(ra, words, words[i], per_line=4))
tl, tr = st.columns(2)
with tl:
    st.markdown(f"**The whole row of {labels[i]}**: every key's numbers")
    row_table(ra, words)
    st.caption(summary_sentence(ra))
with tr:
    st.markdown("**Each key's share of the output**: weight × its row of V")
    v_index = [str(c) for c in range(d_k)]  # "weight × v[0]": entry 0 of the key's value vector
    st.dataframe(pd.DataFrame(contribution_rows(ra, words, v_index)), hide_index=True, width="stretch",
                 column_config={"weight": st.column_config.NumberColumn(format="%.4f")}
                 | {f"weight × v[{c}]": st.column_config.NumberColumn(format="%.3f") for c in v_index})

# ---- Step 5 ---------------------------------------------------------------------------------------------
st.header("Step 5 · The code that computed all this")
st.markdown(
    "These functions of the `attention` package produced every number above. Their source is read with "
    "`inspect.getsource` while the page runs, so the code on screen is the code that ran."
)
# Stateful tabs (their label is in session_state, so in the URL); only the open one is drawn.
for tab, shown in zip(st.tabs([s.func.__name__ for s in SHOWN], key=state.key("code"), on_change="rerun"),
                      SHOWN, strict=True):
    if tab.open is not False:
        with tab:
            eq, src = st.columns([2, 3])
            eq.latex(shown.equation)
            eq.markdown(shown.role)
            src.code(source_of(shown.func), language="python")
st.markdown("**Reproduce this screen** with numpy and `attention` only (copy it with the icon at its top "
            "right). Matrices you edited are written out as numbers; the rest come from the seed.")
edited = {name: m for name, m, base in (("X", x, x_base), *((n, w_in[n], w_bases[n]) for n in w_bases))
          if not np.array_equal(m, base)}
st.code(reproduce_snippet(preset=state["preset"], seed=seed, t=t, d_model=d_model, d_k=d_k,
                          scaled=state["scaled"], causal=state["causal"], row=i, edited=edited),
        language="python")

render_exercises(state)

st.header("Explore")
page_links(exclude="Build it step by step")

state.sync()

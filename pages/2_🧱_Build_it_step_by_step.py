"""Build it step by step: from word embeddings to attention output, every number visible."""

import numpy as np
import streamlit as st

import attention as A
from attention.presets import PRESETS, preset_embeddings, rounded_projections
from figures.steps import scores_figure, shared_limit, signed_matrix, weights_figure
from ui import lesson, responsive
from ui.charts import cached_figure
from ui.exercises import exercise_params, render_exercises
from ui.glossary_terms import tip
from ui.heatmap_common import clickable_chart
from ui.layout import page_links, setup_page
from ui.matrix_param import CellEditsParam, with_cells
from ui.pickers import normalise_positions
from ui.state import BoolParam, ChoiceParam, IntParam, PageState
from ui.steps_code import SHOWN, reproduce_snippet, source_of
from ui.steps_editor import LETTERS, LIMIT, edited_cells, edits_for, matrix_editor
from ui.steps_notes import causal_note, preset_note, scaling_note
from ui.steps_zoom import zoom

setup_page("Build it step by step", "🧱")
responsive.apply()

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
# Each step is a collapsible section (a phone shows the outline first); a link that changes a step's
# settings opens it.
opened = responsive.opened_by_link(state, {
    1: ("preset", "words", "d_model", "d_k", "seed", "edits"), 2: ("edits",), 3: ("scaled", "causal"),
    4: ("row", "col"), 5: ("code",),
})


def randomize() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


def reset_edits() -> None:
    st.session_state["steps.resets"] += 1


st.title("🧱 Build attention step by step")
lesson.opening("Build it step by step", state)
st.markdown(
    "Start from a tiny table of numbers, one row per word, and watch self-attention turn it into new "
    "vectors. Each matrix below is computed by the `attention` package from the ones above it: edit a "
    "number and everything further down follows. Open the steps in order."
)

# Fixed labels: a label that changed with a slider would make Streamlit close its section.
step1 = st.expander("**Step 1 · Input: word embeddings X**", expanded=opened[1])
c1, c2, c3, c4 = step1.columns(4)
c1.selectbox("Starting embeddings", list(PRESETS), format_func=PRESETS.get, key=state.key("preset"))
c2.slider("Words T", 2, 8, key=state.key("words"))
c3.slider("Embedding size d_model", 2, 8, key=state.key("d_model"), help=tip("d_model"))
c4.slider("Query/key size d_k", 1, 8, key=state.key("d_k"),
          help=tip("d_k", "The width of W_Q, W_K and W_V, so of every query, key and value vector."))
b1, b2, b3 = step1.columns([1, 1, 2], vertical_alignment="bottom")
state.int_input("seed", "Seed", b1, help=tip("seed"))
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
left, right = step1.columns([3, 2])
with left:
    x = matrix_editor("steps.X", signature, with_cells(x_base, LETTERS["X"], edits), labels, dims)
right.markdown(
    f"**X** has one row per word: {t} words, each a vector of d_model = {d_model} numbers. In a trained "
    "model these vectors are learned, so that words used alike get similar vectors; here they are small "
    f"numbers you can change. Double-click a cell to edit it (values within ±{LIMIT:g})."
)
preset_slot = right.empty()  # filled once Q and the weights are known: the note quotes them

# ---- Step 2 ---------------------------------------------------------------------------------------------
step2 = st.expander("**Step 2 · Linear projections: Q, K, V**", expanded=opened[2])
step2.markdown(
    "Three matrices (learned in a trained model, random here) turn each embedding into three vectors of "
    f"d_k = {d_k} numbers ({t} × {d_k} matrices Q, K and V): a "
    "**query** (what this word is looking for), a **key** (what it can be found by) and a **value** (what it "
    "hands over when found)."
)
step2.latex(rf"\underbrace{{Q}}_{{{t}\times{d_k}}} = \underbrace{{X}}_{{{t}\times{d_model}}}\,"
            rf"\underbrace{{W_Q}}_{{{d_model}\times{d_k}}} \qquad K = X\,W_K \qquad V = X\,W_V")
step2.markdown(f"**W_Q, W_K, W_V**: {d_model} × {d_k} each, random (untrained), editable.")
w_in = {}
for col, (name, base) in zip(step2.columns(3), w_bases.items(), strict=True):
    with col:
        st.markdown(f"**{name}**")
        w_in[name] = matrix_editor(f"steps.{name}", signature, with_cells(base, LETTERS[name], edits), dims,
                                   qkv_dims[name[-1]])
state.set("edits", edited_cells({"X": (x, x_base)} | {n: (w_in[n], w_bases[n]) for n in w_bases}))
proj = A.Projections(w_in["W_Q"], w_in["W_K"], w_in["W_V"], w_o=np.eye(d_k, d_model, dtype=np.float32))
q, k, v = A.project_qkv(x, proj)  # (T, d_k) each
for col, name, m in zip(step2.columns(3), ("Q", "K", "V"), (q, k, v), strict=True):
    with col:
        responsive.chart(cached_figure(signed_matrix, m, labels, qkv_dims[name], f"{name} = X·W_{name}"), f"steps_{name}")

# ---- Step 3 ---------------------------------------------------------------------------------------------
step3 = st.expander("**Step 3 · Scaled dot-product attention**", expanded=opened[3])
step3.latex(r"\text{Attention}(Q,K,V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
o1, o2 = step3.columns(2)
o1.toggle(f"Divide the scores by √d_k = √{d_k}", key=state.key("scaled"),
          help="Switch off to feed the raw dot products straight into the softmax.")
o2.toggle("Causal mask: a word may not look at later words", key=state.key("causal"), help=tip("causal-mask"))
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

s1, s2 = step3.columns(2)
with s1:
    st.latex(rf"S = \underbrace{{Q}}_{{{t}\times{d_k}}}\,\underbrace{{K^\top}}_{{{d_k}\times{t}}}")
    responsive.chart(cached_figure(scores_figure, dots, labels, "Dot products QKᵀ", zlim=zlim), "steps_dots")
with s2:
    st.latex((r"S / \sqrt{d_k}" if state["scaled"] else r"S \quad(\text{not scaled})")
             + (r"\;+\;\text{mask } (-\infty)" if state["causal"] else ""))
    responsive.chart(cached_figure(scores_figure, scores, labels, "Scores" + (" QKᵀ/√d_k" if state["scaled"] else " (unscaled)")
                                   + (", masked cells ✕" if state["causal"] else ""), zlim=zlim),
                     "steps_scores")
step3.caption(f"Both score maps share one colour range (±{zlim:.2f}), so equal colours mean equal numbers"
              + (": dividing by √d_k makes the second one paler." if state["scaled"] and d_k > 1 else "."))
n1, n2 = step3.columns(2)
n1.caption(scaling_note(d_k, state["scaled"], w_on, w_off))
n2.caption(causal_note(t, state["causal"]))

normalise_positions(state, ("row", "col"))  # a selectbox may hand back its old label, not the index
for name in ("row", "col"):  # fewer words than the URL's row/col: stay on the matrix
    if state[name] > t - 1:
        state.set(name, t - 1)


def pick_cell(row: int, col: int) -> None:
    state.set("row", min(max(row, 0), t - 1))
    state.set("col", min(max(col, 0), t - 1))


s3, s4 = step3.columns(2)
with s3:
    st.latex(r"W = \operatorname{softmax}_{\text{row}}(S" + (r"/\sqrt{d_k}" if state["scaled"] else "") + ")")
    picked = cached_figure(weights_figure, weights, labels, picked=(state["row"], state["col"]), title="Attention weights",
                            masked=None if mask is None else ~mask)
    with responsive.fit_box(picked, "steps_weights"):
        clickable_chart(picked, "steps_weights", pick_cell)
    st.caption("Each row adds up to 1: how word *i* shares out its attention. Click (or tap) a cell to spell it "
               "out in Step 4; the outlined cell is the one shown there.")
with s4:
    st.latex(rf"\text{{output}} = \underbrace{{W}}_{{{t}\times{t}}}\,\underbrace{{V}}_{{{t}\times{d_k}}}")
    responsive.chart(cached_figure(signed_matrix, output, labels, qkv_dims["V"], "Output = weights·V"), "steps_out")
    st.caption("Row *i* of the output is word *i*'s new vector: a blend of every word's value vector, mixed in "
               "the proportions of row *i* of the weights. Its columns are the value dimensions v0, v1, …")

# ---- Step 4 ---------------------------------------------------------------------------------------------
with st.expander("**Step 4 · Zoom into one number**", expanded=opened[4]):
    i = zoom(state, labels, words, q, k, v, mask, scale)

# ---- Step 5 ---------------------------------------------------------------------------------------------
with st.expander("**Step 5 · The code that computed all this**", expanded=opened[5]):
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

lesson.closing("Build it step by step", state)
state.sync()

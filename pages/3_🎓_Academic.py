"""Academic: the formal treatment of attention, each claim a formula or an experiment run on `attention`."""

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from attention import experiments as E
from figures.academic import (
    SCALED,
    UNSCALED,
    dot_product_histograms,
    example_row_figure,
    mask_figure,
    pipeline_diagram,
    same_output_figure,
    saturation_figure,
    variance_figure,
)
from figures.heatmap import head_grid
from figures.matrix import matrix_heatmap
from figures.style import DIVERGING
from ui.heatmap_common import code_span, normalise_positions
from ui.layout import ROOT, setup_page
from ui.state import ChoiceParam, IntParam, PageState, TextParam

setup_page("Academic", "🎓")

MAX_SEED = 999_999
MAX_WORDS = 16  # the sentence experiments draw T x T heatmaps: readable up to 16 words
N_PAIRS = 2_000  # (q, k) pairs per d_k in the variance experiment
N_ROWS = 128  # attention rows per d_k in the softmax experiment
COMPLEXITY_PAGE = "pages/4_📈_Complexity.py"
DEFAULT_TEXT = "The animal didn't cross the street because it was too tired."
CHART = {"displaylogo": False}
WEIGHT_SIZES = (128, 256, 512, 1024)  # the complexity table's measured n; 1024² float32 = 4 MB
VIEWS = {"weights": "Attention weights", "scores": "Scores QKᵀ/√d_k"}
OTHERS = {"separate": "Separate random W_Q, W_K, W_V", "shared": "One shared random W (W_Q = W_K = W_V)"}
MASKS = {"none": "No mask", "causal": "Causal", "padding": "Padding", "both": "Causal + padding"}

state = PageState(
    "academic",
    [
        IntParam("d_k", 64, 1, 1024),
        IntParam("keys", 16, 2, 64),
        IntParam("seed", 0, 0, MAX_SEED),
        TextParam("text", DEFAULT_TEXT, max_len=500),
        IntParam("d_model", 16, 2, 64),
        ChoiceParam("other", "separate", tuple(OTHERS)),
        ChoiceParam("view", "weights", tuple(VIEWS)),
        IntParam("heads", 2, 1, 4),
        ChoiceParam("mask", "causal", tuple(MASKS)),
        IntParam("pad", 2, 0, 4),
        IntParam("row", 7, 0, MAX_WORDS - 1),
        IntParam("big", 100, 1, 1000),
    ],
)
state.restore()


# ---- cached experiments (every one seeded by the page's seed and its own arguments) --------------------


@st.cache_data(max_entries=64, show_spinner=False)
def dot_products(d_k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return E.dot_product_samples(d_k, N_PAIRS, rng=np.random.default_rng([seed, d_k, 0]))


@st.cache_data(max_entries=16, show_spinner="Sampling dot products for d_k = 1 … 1024…")
def variance_sweep(seed: int) -> tuple[list[float], list[float]]:
    pairs = [dot_products(d, seed) for d in E.SWEEP_D_K]
    return [float(np.var(u)) for u, _ in pairs], [float(np.var(s)) for _, s in pairs]


@st.cache_data(max_entries=64, show_spinner=False)
def row_stats(d_k: int, n_keys: int, seed: int) -> E.ScalingStats:
    return E.softmax_row_stats(d_k, n_keys, N_ROWS, rng=np.random.default_rng([seed, d_k, n_keys, 1]))


@st.cache_data(max_entries=16, show_spinner="Running the softmax for d_k = 1 … 1024…")
def row_sweep(n_keys: int, seed: int) -> dict[str, dict[str, list[float]]]:
    per_d = [row_stats(d, n_keys, seed).means() for d in E.SWEEP_D_K]
    return {stat: {v: [m[stat][v] for m in per_d] for v in (UNSCALED, SCALED)} for stat in per_d[0]}


@st.cache_data(max_entries=1, show_spinner=False)
def measured_weight_bytes() -> list[int]:
    return E.weights_nbytes(WEIGHT_SIZES, 64, rng=np.random.default_rng(0))


def new_seed() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


# ---- 0 · title -----------------------------------------------------------------------------------------

st.title("🎓 Attention, formally")
st.markdown(
    "The precise version, for readers who like equations. Every statement below is either a formula or "
    "an experiment that runs right here on the app's numpy package `attention`; change the sliders and "
    "the evidence is recomputed in front of you."
)

# ---- 1 · definition ------------------------------------------------------------------------------------

st.header("1 · Scaled dot-product attention")
st.markdown(
    "An attention layer lets every position of a sequence build its new representation from **all** "
    "positions at once, with mixing weights that depend on content (how well two vectors match), not on a "
    "fixed window. Stack the n query vectors into $Q \\in \\mathbb{R}^{n \\times d_k}$, the keys into "
    "$K \\in \\mathbb{R}^{n \\times d_k}$ and the values into $V \\in \\mathbb{R}^{n \\times d_v}$ "
    "(Vaswani et al., 2017):"
)
st.latex(r"\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V,"
         r"\qquad \operatorname{softmax}(s)_j = \frac{e^{s_j}}{\sum_{l} e^{s_l}} \ \text{(row by row)}")
st.plotly_chart(pipeline_diagram(), width="stretch", key="pipeline", config={**CHART, "staticPlot": True})

st.subheader("The three steps and what they cost")
c1, c2, c3 = st.columns(3)
c1.markdown("**① Similarity.** Every query meets every key in one matrix product:")
c1.latex(r"S = QK^\top,\quad S_{ij} = q_i \cdot k_j")
c1.markdown("$n^2$ dot products of length $d_k$: $n^2 d_k$ multiply-adds, **O(n²d)** time.")
c2.markdown("**② Scaling.** Divide by $\\sqrt{d_k}$ so the scores keep unit variance (section 2):")
c2.latex(r"\tilde S = S / \sqrt{d_k}")
c2.markdown("$n^2$ divisions (or $n d_k$, scaling $Q$ first, as `attention.core` does).")
c3.markdown("**③ Weighted aggregation.** Softmax each row, then mix the values:")
c3.latex(r"W = \operatorname{softmax}(\tilde S),\quad o_i = \textstyle\sum_j W_{ij}\, v_j")
c3.markdown("$n^2 d_v$ multiply-adds, and the $n \\times n$ matrix $W$ takes **O(n²) memory**.")

# ---- 2 · why √d_k --------------------------------------------------------------------------------------

st.header("2 · Why divide by √d_k? An experiment")
st.markdown(
    "Suppose the entries of $q$ and $k$ are independent with mean 0 and variance 1 (roughly what a freshly "
    "initialised layer sees). Each term $q_i k_i$ then has mean 0 and variance "
    "$\\mathbb{E}[q_i^2]\\,\\mathbb{E}[k_i^2] = 1$, and variances of independent terms add up "
    "(Vaswani et al., 2017, footnote 4):"
)
st.latex(r"\operatorname{Var}[q\cdot k] = \sum_{i=1}^{d_k} \operatorname{Var}[q_i k_i] = d_k,\qquad "
         r"\operatorname{Var}\!\left[\frac{q\cdot k}{\sqrt{d_k}}\right] = \frac{d_k}{d_k} = 1")
st.markdown(
    "Large scores make the softmax **saturate**: nearly all weight lands on one key, and the derivative of "
    "the softmax, $\\partial w / \\partial s = \\operatorname{diag}(w) - w w^\\top$, goes to zero, so "
    "almost no gradient reaches $Q$ and $K$ during training. Check both claims by sampling:"
)
ctl1, ctl2, ctl3 = st.columns([3, 2, 2], vertical_alignment="bottom")
ctl1.slider("d_k (length of q and k)", 1, 1024, key=state.key("d_k"),
            help="Real models use 64 or 128 per head. Use the arrow keys for single steps.")
ctl2.slider("Keys per row (S)", 2, 64, key=state.key("keys"),
            help="How many keys each sampled query is compared with in the softmax experiment.")
with ctl3:
    state.int_input("seed", "Seed",
                    help="Every experiment on this page is drawn from this seed: same seed, same numbers.")
    st.button("🎲 New samples", on_click=new_seed, width="stretch")

d_k, n_keys, seed = state["d_k"], state["keys"], state["seed"]
unscaled, scaled = dot_products(d_k, seed)
var_u, var_s = variance_sweep(seed)
chosen_var = {UNSCALED: float(np.var(unscaled)), SCALED: float(np.var(scaled))}

m1, m2, m3 = st.columns(3)
m1.metric("Variance of q·k (unscaled)", f"{chosen_var[UNSCALED]:.3g}", help=f"Theory: d_k = {d_k}")
m2.metric("Variance of q·k/√d_k (scaled)", f"{chosen_var[SCALED]:.3g}", help="Theory: 1")
m3.metric("Typical size of an unscaled score (std)", f"{np.sqrt(chosen_var[UNSCALED]):.3g}",
          help=f"Theory: √d_k = {np.sqrt(d_k):.3g}. Scores this far apart make the softmax pick one key.")
h1, h2 = st.columns(2)
h1.plotly_chart(dot_product_histograms(unscaled, scaled, d_k), width="stretch", key="histograms", config=CHART)
h2.plotly_chart(variance_figure(E.SWEEP_D_K, var_u, var_s, chosen=d_k, chosen_var=chosen_var),
                width="stretch", key="variance", config=CHART)
st.caption(f"Each point: {N_PAIRS:,} random (q, k) pairs with standard-normal entries, scored by "
           "`attention.attention_scores` with scale 1 (unscaled) and the default 1/√d_k (scaled). On log–log "
           "axes the unscaled variance follows the line d_k; the scaled one stays on the line 1.")

stats = row_stats(d_k, n_keys, seed)
means = stats.means()
s1, s2 = st.columns([3, 2])
s1.plotly_chart(saturation_figure(E.SWEEP_D_K, row_sweep(n_keys, seed), n_keys, chosen=d_k, chosen_means=means),
                width="stretch", key="saturation", config=CHART)
with s2:
    st.plotly_chart(example_row_figure(stats.example, d_k), width="stretch", key="example_row", config=CHART)
    grad_u, grad_s = means["grad_norm"][UNSCALED], means["grad_norm"][SCALED]
    st.markdown(
        f"**At d_k = {d_k}**, averaged over {N_ROWS} rows of {n_keys} keys (weights from "
        "`attention.scaled_dot_product_attention`):\n"
        f"- largest weight: **{means['max_weight'][UNSCALED]:.2f}** unscaled vs "
        f"**{means['max_weight'][SCALED]:.2f}** scaled (uniform would be {1 / n_keys:.2f});\n"
        f"- entropy: **{means['entropy'][UNSCALED]:.2f}** vs **{means['entropy'][SCALED]:.2f}** nats "
        f"(at most log S = {np.log(n_keys):.2f});\n"
        f"- softmax gradient ‖∂w/∂s‖_F: **{grad_u:.3f}** vs **{grad_s:.3f}**"
        + (f", **{grad_s / grad_u:.1f}×** smaller without scaling." if grad_u > 0 and grad_s > grad_u
           else ".")
    )
    st.caption("Move d_k to 1: both agree (√1 = 1). Move it up: the unscaled rows turn one-hot, their entropy "
               "drops towards 0 and their gradient vanishes, while the scaled rows do not change.")
st.latex(r"\left\lVert \frac{\partial w}{\partial s} \right\rVert_F^2 = \sum_j w_j^2 - 2\sum_j w_j^3 "
         r"+ \Big(\sum_j w_j^2\Big)^2 \;\xrightarrow{\;w \to \text{one-hot}\;}\; 1 - 2 + 1 = 0")

# ---- 3 · why three matrices ----------------------------------------------------------------------------

st.header("3 · Why three separate matrices? An experiment")
st.markdown(
    "Each word's embedding $x_i$ is projected three times: $q_i = x_i W_Q$, $k_i = x_i W_K$, "
    "$v_i = x_i W_V$. Why not just compare the embeddings themselves? Then the score would be"
)
st.latex(r"s_{ij} = \frac{(x_i W_Q)\cdot(x_j W_K)}{\sqrt{d_k}} = \frac{x_i\, W_Q W_K^\top\, x_j^\top}{\sqrt{d_k}}"
         r"\quad\xrightarrow{\;W_Q = W_K = I\;}\quad \frac{x_i \cdot x_j}{\sqrt{d_k}} = s_{ji}")
st.markdown(
    "With $W_Q = W_K$ (in particular with no projection at all) the score matrix is **symmetric**: *it* "
    "would attend to *animal* exactly as strongly as *animal* attends to *it*. And since "
    "$x_i \\cdot x_i = \\lVert x_i \\rVert^2$ is usually the largest dot product in its row, every word "
    "mostly attends to **itself**. Separate $W_Q$ and $W_K$ let the relation be one-sided "
    "(*it* looks for a noun; the noun need not look for *it*), and a separate $W_V$ decouples **how a word is "
    "found** (its key) from **what it hands over** once found (its value)."
)
tx1, tx2 = st.columns([3, 1])
tx1.text_input("Sentence", key=state.key("text"), max_chars=500)
tx2.slider("Embedding size d_model", 2, 64, key=state.key("d_model"))
op1, op2 = st.columns(2)
op1.radio("Compare W = I with", list(OTHERS), format_func=OTHERS.get, key=state.key("other"), horizontal=True)
op2.radio("Show", list(VIEWS), format_func=VIEWS.get, key=state.key("view"), horizontal=True)

tokens: list[str] = []
try:
    tokens = A.tokenize(state["text"], max_tokens=MAX_WORDS)
except A.TokenizeError as err:
    if err.n_tokens is None:
        st.warning(f"{err} Sections 3 and 4 need a sentence.", icon="✍️")
    else:
        tokens = A.tokenize(state["text"], max_tokens=err.n_tokens)[:MAX_WORDS]
        st.info(f"{err} These experiments use the first {MAX_WORDS}.", icon="✂️")

if tokens:
    t, d_model = len(tokens), state["d_model"]
    labels = [f"{i}: {w}" for i, w in enumerate(tokens)]
    x = A.random_embeddings(tokens, d_model, rng=np.random.default_rng([seed, 2]))  # (T, d_model)
    configs = {
        "identity": ("W_Q = W_K = W_V = I (raw embeddings)", E.identity_projections(d_model)),
        "shared": (OTHERS["shared"], E.shared_projections(d_model, rng=np.random.default_rng([seed, 4]))),
        "separate": (OTHERS["separate"], A.init_projections(d_model, d_model, rng=np.random.default_rng([seed, 3]))),
    }
    cases = {name: E.projection_case(x, p) for name, (_, p) in configs.items()}
    view = state["view"]
    heat_cols = st.columns(2)
    for col, name in zip(heat_cols, ("identity", state["other"]), strict=True):
        case = cases[name]
        values = case.weights if view == "weights" else case.scores
        fig = matrix_heatmap(
            values, labels, labels, title=configs[name][0], x_title="key", y_title="query",
            scale="blues" if view == "weights" else DIVERGING, value_format=".2f",
            zmin=0.0 if view == "weights" else None, zmax=1.0 if view == "weights" else None,
        )
        col.plotly_chart(fig, width="stretch", key=f"projection_{name}", config=CHART)
    table = pd.DataFrame(
        [
            {
                "projections": configs[name][0],
                "asymmetry": case.asymmetry,
                "symmetric?": "yes" if case.asymmetry < 1e-5 else "no",
                "top weight on itself": f"{case.self_top:.0%}",
                "mean self-weight": case.self_weight,
            }
            for name, case in cases.items()
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={
                     "asymmetry": st.column_config.NumberColumn(
                         format="%.2e", help="max |sᵢⱼ − sⱼᵢ| / max |sᵢⱼ| over the score matrix: 0 = symmetric"),
                     "top weight on itself": st.column_config.TextColumn(
                         help="Share of the words whose largest weight is on themselves (ties count)"),
                     "mean self-weight": st.column_config.NumberColumn(
                         format="%.2f", help="Average of the diagonal of the weights"),
                 })
    ident = cases["identity"]
    st.caption(
        f"Embeddings: random {d_model}-dimensional vectors, one per distinct word (a repeated word gets the "
        f"same vector). With W = I, {ident.self_top:.0%} of the words put their largest weight on themselves "
        f"and the scores are symmetric (asymmetry {ident.asymmetry:.1e}: float32 rounding at most). A shared W keeps the "
        "symmetry; only separate W_Q and W_K break it. The matrices here are random, not trained: they show "
        "what the architecture *can* express, not what a trained model has learned."
    )

# ---- 4 · multi-head and masking ------------------------------------------------------------------------

st.header("4 · Multi-head attention and masking")
st.markdown(
    "One attention head computes one weighting per word. **Multi-head attention** runs H heads side by side, "
    "each with its own projections of size $d_k = d_{model}/H$, and mixes their outputs with $W_O$, so "
    "different heads can track different relations at the same cost as one full-width head:"
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
if tokens:
    mc1, mc2, mc3 = st.columns(3)
    mc1.slider("Heads H", 1, 4, key=state.key("heads"))
    mc2.radio("Mask", list(MASKS), format_func=MASKS.get, key=state.key("mask"), horizontal=True)
    mc3.slider("[PAD] positions appended", 0, 4, key=state.key("pad"),
               help="Padding embeddings are zero vectors. Without a padding mask they still get weight.")
    heads, kind, n_pad = state["heads"], state["mask"], state["pad"]
    d_model = state["d_model"]
    padded_tokens = tokens + ["[PAD]"] * n_pad
    x_pad = np.vstack([x, np.zeros((n_pad, d_model), dtype=x.dtype)])  # (T + pad, d_model)
    mask = E.demo_mask(kind, len(tokens), n_pad)
    p_mh = A.init_projections(d_model, max(1, d_model // heads), n_heads=heads,
                              rng=np.random.default_rng([seed, 5]))
    _, mh_weights = A.multi_head_attention(x_pad, p_mh, mask)  # (H, T, T)
    g1, g2 = st.columns([2, 3])
    g1.plotly_chart(mask_figure(mask, padded_tokens, title=f"M: {MASKS[kind].lower()}"), width="stretch",
                    key="mask_chart", config=CHART)
    g2.plotly_chart(head_grid(mh_weights, padded_tokens, columns=min(heads, 2)), width="stretch",
                    key="heads_chart", config=CHART)
    leak = E.weight_outside_mask(mh_weights, mask)
    n_real = len(tokens)
    pad_weight = float(mh_weights[..., :n_real, n_real:].sum(axis=-1).mean()) if n_pad else 0.0
    pad_note = {
        "none": f" The real words give the `[PAD]` positions **{pad_weight:.1%}** of their attention on average: "
                "a zero vector scores 0, not −∞, so padding takes weight unless it is masked.",
        "causal": " The `[PAD]` positions come after every real word, so the causal mask alone already hides "
                  "them from the real words (padding on the right); the `[PAD]` rows still attend to the words, "
                  "and their outputs are simply ignored.",
        "padding": " No query gives the `[PAD]` positions any weight: their columns are −∞.",
        "both": " No query gives the `[PAD]` positions any weight: their columns are −∞.",
    }[kind] if n_pad else ""
    st.markdown(
        f"`attention.multi_head_attention` with H = {heads} heads of size d_k = {p_mh.d_k}: the largest weight "
        f"on any masked pair is **{leak:g}**, and every row still sums to "
        f"**{float(mh_weights.sum(axis=-1).min()):.4f}**." + pad_note
    )

# ---- 5 · complexity ------------------------------------------------------------------------------------

st.header("5 · Computational complexity")
st.markdown(
    "Per layer, for a sequence of n positions with vectors of size d (Vaswani et al., 2017, Table 1, "
    "compares the same quantities):"
)
st.table(pd.DataFrame(
    {
        "Self-attention": ["O(n² · d)", "O(n²) for the weights (per head)", "O(1): a few matrix products",
                           "1 step between any two positions"],
        "Recurrent network (RNN)": ["O(n · d²)", "O(n · d) hidden states", "O(n): step t waits for step t − 1",
                                    "up to n − 1 steps"],
    },
    index=pd.Index(["Time", "Memory", "Sequential steps (parallelism)", "Receptive field (path length)"],
                   name="per layer"),
))
st.markdown(
    "Attention trades compute for parallelism: its n² pairs are independent, so a GPU evaluates them in "
    "one matrix product, whereas an RNN must walk through the sequence one step at a time. Any two positions "
    "are one step apart, so information and gradients never have to cross n recurrent steps, the reason "
    "RNNs struggle with long-range dependencies (Bengio et al., 1994). The price is the n × n weight "
    "matrix: doubling n quadruples it. Measured on the arrays `attention.scaled_dot_product_attention` "
    "returns (float32, d = 64):"
)
sizes = measured_weight_bytes()
st.dataframe(
    pd.DataFrame({
        "n": WEIGHT_SIZES,
        "weights shape": [f"{n} × {n}" for n in WEIGHT_SIZES],
        "bytes (measured: weights.nbytes)": [f"{b:,}" for b in sizes],
        "= 4 n² (float32)": [f"{4 * n * n:,}" for n in WEIGHT_SIZES],
        "ratio to the row above": ["–"] + [f"×{b / a:.1f}" for a, b in zip(sizes, sizes[1:], strict=False)],
    }),
    hide_index=True,
    width="stretch",
)
if (ROOT / COMPLEXITY_PAGE).exists():
    st.page_link(COMPLEXITY_PAGE, label="Measure time and memory against n, and see how FlashAttention "
                 "avoids the n² memory, on the Complexity page", icon="📈")
else:
    st.caption("The Complexity page measures time and memory against n, and shows how FlashAttention "
               "(Dao et al., 2022) avoids storing the n × n matrix.")

# ---- 6 · caveats ---------------------------------------------------------------------------------------

st.header("6 · Caveats worth knowing")

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
    "same output."
)
if tokens:
    normalise_positions(state, ("row",))  # a selectbox may hand back its old label, not the index
    if state["row"] > len(tokens) - 1:
        state.set("row", len(tokens) - 1)
    st.selectbox("Query word", list(range(len(tokens))), format_func=lambda i: labels[i], key=state.key("row"))
    p_cf = A.init_projections(d_model, 4, 2, rng=np.random.default_rng([seed, 6]))  # d_k = 4, d_v = 2
    cf = E.counterfactual(x, p_cf, state["row"])
    if cf.alt_weights is None:
        st.info(f"With {len(tokens)} keys and values of size d_v = 2 there is no other row with the same "
                "output: add words (more than 3) to see one.", icon="ℹ️")
    else:
        st.plotly_chart(same_output_figure(cf.weights, cf.alt_weights, labels), width="stretch",
                        key="same_output", config=CHART)
        moved = 0.5 * float(np.abs(cf.weights - cf.alt_weights).sum())
        top = int(np.argmax(cf.weights))
        st.markdown(
            f"Values of size d_v = 2. The model's row puts **{cf.weights[top]:.2f}** on `{code_span(labels[top])}`; "
            f"the other row puts **{cf.alt_weights[top]:.2f}** there and moves **{moved:.0%}** of the "
            f"weight in total. Outputs: `{np.round(cf.output, 4).tolist()}` versus "
            f"`{np.round(cf.alt_output, 4).tolist()}` (largest difference "
            f"{float(np.abs(cf.output - cf.alt_output).max()):.1e}). Real heads have d_v = 64, so any "
            "context longer than 65 tokens has this freedom."
        )

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
    "Trained language models use this: Xiao et al. (2023) found that large causal models dump much of the "
    "surplus weight on the first token, whatever it says: an *attention sink*. In a causal model the first "
    f"position is the one key every query can see (`attention.causal_mask(5)[:, 0]` = "
    f"`{causal5[:, 0].tolist()}`; every other column has a False). Evicting it from a sliding-window cache "
    "breaks such models, and keeping a few first tokens fixes them (their StreamingLLM)."
)

st.subheader("Softmax needs the max-shift to be computed safely")
st.markdown(
    "Written literally, softmax overflows: float32 stores numbers up to about $3.4\\times10^{38}$, so "
    "$e^{s}$ is infinite once $s > 88.7$, and $\\infty/\\infty$ is NaN. Since softmax ignores a constant "
    "shift, subtract the row's maximum first; then every exponent is $\\le 0$, the largest term is exactly "
    "1, and nothing overflows (Goodfellow et al., 2016, §4.1):"
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
     "push the slider past 88 to break it")
    + f"; the shifted one gives weights summing to **{float(ra.weights.sum()):.4f}**."
)

# ---- 7 · summary ---------------------------------------------------------------------------------------

st.header("7 · Summary")
sm = st.columns(4)
sm[0].info("**Query** $q_i = x_i W_Q$: what position i is looking for.")
sm[1].info("**Key** $k_j = x_j W_K$: what position j can be matched on; $q_i \\cdot k_j / \\sqrt{d_k}$ is "
           "the score.")
sm[2].info("**Value** $v_j = x_j W_V$: what position j hands over, separate from how it is found.")
sm[3].info("**Weights** $w_{ij} = \\operatorname{softmax}_j(q_i \\cdot k_j / \\sqrt{d_k})$: each row sums to "
           "1; the output is $\\sum_j w_{ij} v_j$.")

# ---- 8 · references ------------------------------------------------------------------------------------

st.header("8 · References")
st.markdown(
    """
1. Bahdanau, D., Cho, K., & Bengio, Y. (2015). Neural machine translation by jointly learning to align and
   translate. *3rd International Conference on Learning Representations (ICLR 2015)*. arXiv:1409.0473.
2. Bengio, Y., Simard, P., & Frasconi, P. (1994). Learning long-term dependencies with gradient descent is
   difficult. *IEEE Transactions on Neural Networks*, 5(2), 157–166. doi:10.1109/72.279181.
3. Dao, T., Fu, D. Y., Ermon, S., Rudra, A., & Ré, C. (2022). FlashAttention: Fast and memory-efficient exact
   attention with IO-awareness. *Advances in Neural Information Processing Systems 35 (NeurIPS 2022)*,
   16344–16359. arXiv:2205.14135.
4. Goodfellow, I., Bengio, Y., & Courville, A. (2016). *Deep Learning*, section 4.1 (Overflow and underflow).
   MIT Press.
5. Jain, S., & Wallace, B. C. (2019). Attention is not explanation. *Proceedings of NAACL-HLT 2019*,
   3543–3556. doi:10.18653/v1/N19-1357.
6. Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, Ł., & Polosukhin, I.
   (2017). Attention is all you need. *Advances in Neural Information Processing Systems 30 (NIPS 2017)*,
   5998–6008. arXiv:1706.03762.
7. Wiegreffe, S., & Pinter, Y. (2019). Attention is not not explanation. *Proceedings of EMNLP-IJCNLP 2019*,
   11–20. doi:10.18653/v1/D19-1002.
8. Xiao, G., Tian, Y., Chen, B., Han, S., & Lewis, M. (2023). Efficient streaming language models with
   attention sinks. arXiv:2309.17453 (published at ICLR 2024).
"""
)

state.sync()

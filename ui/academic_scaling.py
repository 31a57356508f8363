"""Academic, section 2: why divide by √d_k? Sampled dot products and softmax rows against d_k."""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention import experiments as E
from figures.academic import (
    SCALED,
    UNSCALED,
    dot_product_histograms,
    example_row_figure,
    saturation_figure,
    variance_figure,
)
from ui.charts import cached_figure
from ui.glossary_terms import tip
from ui.state import PageState

N_PAIRS = 2_000  # (q, k) pairs per d_k in the variance experiment
N_ROWS = 128  # attention rows per d_k in the softmax experiment
CHART = {"displaylogo": False}


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


def variance_caption(var_u: list[float], var_s: list[float]) -> str:
    """How far the measured variances stray from the theory d_k and 1, in words, over the whole sweep."""
    d = np.asarray(E.SWEEP_D_K, dtype=float)
    off_u = float(np.max(np.abs(np.asarray(var_u) / d - 1)))
    off_s = float(np.max(np.abs(np.asarray(var_s) - 1)))
    return (f"Each point: {N_PAIRS:,} random (q, k) pairs with standard-normal entries, scored by "
            "`attention.attention_scores` with scale 1 (unscaled) and the default 1/√d_k (scaled). Over "
            f"d_k = 1 … 1024 the unscaled variance stays within **{off_u:.0%}** of the line d_k and the scaled "
            f"one within **{off_s:.0%}** of 1. That is sampling noise: a variance estimated from {N_PAIRS:,} "
            "pairs typically misses by 3% (large d_k) to 6% (d_k = 1).")


def sweep_caption(sweep: dict[str, dict[str, list[float]]]) -> str:
    """What the three panels show across d_k = 1 … 1024, from the plotted numbers."""
    top, ent = sweep["max_weight"], sweep["entropy"]
    return (f"Across d_k = 1 … 1024 the unscaled rows' largest weight climbs from {top[UNSCALED][0]:.2f} to "
            f"**{top[UNSCALED][-1]:.2f}** and their entropy falls from {ent[UNSCALED][0]:.2f} to "
            f"**{ent[UNSCALED][-1]:.2f}** nats, while the scaled rows stay between {min(top[SCALED]):.2f} and "
            f"{max(top[SCALED]):.2f} (largest weight) and {min(ent[SCALED]):.2f} and {max(ent[SCALED]):.2f} "
            "(entropy). At d_k = 1 the two agree, since √1 = 1.")


def render(state: PageState, new_seed) -> None:
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
                help=tip("d_k", "Real models use 64 or 128 per head. Use the arrow keys for single steps."))
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
              help=f"Theory: √d_k = {np.sqrt(d_k):.3g}. The larger the spread of the scores, the more the "
                   "softmax favours the largest one.")
    h1, h2 = st.columns(2)
    h1.plotly_chart(cached_figure(dot_product_histograms, unscaled, scaled, d_k), width="stretch", key="histograms", config=CHART)
    h2.plotly_chart(cached_figure(variance_figure, E.SWEEP_D_K, var_u, var_s, chosen=d_k, chosen_var=chosen_var),
                    width="stretch", key="variance", config=CHART)
    st.caption(variance_caption(var_u, var_s))

    stats = row_stats(d_k, n_keys, seed)
    means = stats.means()
    sweep = row_sweep(n_keys, seed)
    s1, s2 = st.columns([3, 2])
    s1.plotly_chart(cached_figure(saturation_figure, E.SWEEP_D_K, sweep, n_keys, chosen=d_k, chosen_means=means),
                    width="stretch", key="saturation", config=CHART)
    with s2:
        st.plotly_chart(cached_figure(example_row_figure, stats.example, d_k), width="stretch", key="example_row", config=CHART)
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
        st.caption(sweep_caption(sweep))
    st.latex(r"\left\lVert \frac{\partial w}{\partial s} \right\rVert_F^2 = \sum_j w_j^2 - 2\sum_j w_j^3 "
             r"+ \Big(\sum_j w_j^2\Big)^2 \;\xrightarrow{\;w \to \text{one-hot}\;}\; 1 - 2 + 1 = 0")

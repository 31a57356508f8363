"""Academic, section 3: why three separate matrices? W = I against a shared W and separate W_Q, W_K, W_V."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import attention as A
from attention import experiments as E
from figures.academic import sentence_matrix
from ui.academic_state import MAX_TEXT, MAX_WORDS, OTHERS, VIEWS
from ui.charts import cached_figure
from ui.glossary_terms import tip
from ui.heatmap_common import code_span
from ui.responsive import chart
from ui.state import PageState

CHART = {"displaylogo": False}
SYMMETRIC_BELOW = 1e-5  # relative asymmetry of float32 scores that are symmetric up to rounding


@dataclass(frozen=True)
class Sentence:
    """The page's sentence as the later sections use it."""

    tokens: list[str]
    labels: list[str]  # "3: the": unique even when a word repeats
    x: np.ndarray  # (T, d_model) random embeddings, one per distinct word
    d_model: int


def read_sentence(text: str, d_model: int, seed: int) -> Sentence | None:
    """Tokens (at most :data:`MAX_WORDS`) and embeddings of ``text``, with a message for empty or long text."""
    try:
        tokens = A.tokenize(text, max_tokens=MAX_WORDS)
    except A.TokenizeError as err:
        if err.n_tokens is None:
            st.warning(f"{err} Sections 3 and 4 need a sentence.", icon="✍️")
            return None
        tokens = A.tokenize(text, max_tokens=err.n_tokens)[:MAX_WORDS]
        st.info(f"{err} These experiments use the first {MAX_WORDS}.", icon="✂️")
    x = A.random_embeddings(tokens, d_model, rng=np.random.default_rng([seed, 2]))  # (T, d_model)
    return Sentence(tokens, [f"{i}: {w}" for i, w in enumerate(tokens)], x, d_model)


def _find(tokens: list[str], word: str) -> int | None:
    lowered = [t.lower() for t in tokens]
    return lowered.index(word) if word in lowered else None


def mirror_sentence(case: E.ProjectionCase, sentence: Sentence, name: str) -> str:
    """Symmetric scores, lopsided weights: one pair of words with both numbers (``it``/``animal`` if present)."""
    it, animal = _find(sentence.tokens, "it"), _find(sentence.tokens, "animal")
    i, j = E.lopsided_pair(case.weights, None if it is None or animal is None else (it, animal))
    a, b = (f"`{code_span(sentence.tokens[n])}`" for n in (i, j))
    s = case.scores
    return (
        f"With {name}: the score of {a} → {b} is **{s[i, j]:.3f}** and of {b} → {a} **{s[j, i]:.3f}**, "
        f"yet {a} gives {b} a weight of **{case.weights[i, j]:.3f}** while {b} gives {a} "
        f"**{case.weights[j, i]:.3f}**: each row is divided by its own sum of exponentials, "
        f"{float(np.exp(s[i].astype(float)).sum()):.2f} for {a} and {float(np.exp(s[j].astype(float)).sum()):.2f} "
        f"for {b}."
    )


def render(state: PageState) -> Sentence | None:
    st.markdown(
        "Each word's embedding $x_i$ is projected three times: $q_i = x_i W_Q$, $k_i = x_i W_K$, "
        "$v_i = x_i W_V$. Why not just compare the embeddings themselves? Then the score would be"
    )
    st.latex(r"s_{ij} = \frac{(x_i W_Q)\cdot(x_j W_K)}{\sqrt{d_k}} = \frac{x_i\, W_Q W_K^\top\, x_j^\top}{\sqrt{d_k}}"
             r"\quad\xrightarrow{\;W_Q = W_K = I\;}\quad \frac{x_i \cdot x_j}{\sqrt{d_k}} = s_{ji}")
    st.markdown(
        "With $W_Q = W_K$ (in particular with no projection at all) the **scores** are symmetric: the score of "
        "*it* for *animal* equals the score of *animal* for *it*. The **weights** are not: softmax divides each "
        "row by its own sum, so the same score can be a large share of one row and a small share of another. "
        "And since $x_i \\cdot x_i = \\lVert x_i \\rVert^2$ tends to be the largest dot product in its row, "
        "words tend to attend mostly to **themselves** (measured below). Separate $W_Q$ and $W_K$ let even "
        "the scores be one-sided (in a trained model, *it* can look for a noun without the noun looking for "
        "*it*), and a separate $W_V$ decouples **how a word is found** (its key) from **what it hands over** "
        "once found (its value)."
    )
    tx1, tx2 = st.columns([3, 1])
    tx1.text_input("Sentence", key=state.key("text"), max_chars=MAX_TEXT, on_change=_tidy_text, args=(state,))
    tx2.slider("Embedding size d_model", 2, 64, key=state.key("d_model"), help=tip("d_model"))
    op1, op2 = st.columns(2)
    op1.radio("Compare W = I with", list(OTHERS), format_func=OTHERS.get, key=state.key("other"), horizontal=True)
    op2.radio("Show", list(VIEWS), format_func=VIEWS.get, key=state.key("view"), horizontal=True)

    seed = state["seed"]
    sentence = read_sentence(state["text"], state["d_model"], seed)
    if sentence is None:
        return None
    d_model, labels = sentence.d_model, sentence.labels
    configs = {
        "identity": ("W_Q = W_K = W_V = I (raw embeddings)", E.identity_projections(d_model)),
        "shared": (OTHERS["shared"], E.shared_projections(d_model, rng=np.random.default_rng([seed, 4]))),
        "separate": (OTHERS["separate"], A.init_projections(d_model, d_model, rng=np.random.default_rng([seed, 3]))),
    }
    cases = {name: E.projection_case(sentence.x, p) for name, (_, p) in configs.items()}
    view = state["view"]
    st.caption("Rows are queries (the word that looks) and columns keys (the word looked at); point at a cell "
               "(or tap it) to read its number.")
    for col, name in zip(st.columns(2), ("identity", state["other"]), strict=True):
        case = cases[name]
        fig = cached_figure(sentence_matrix, case.weights if view == "weights" else case.scores, labels, configs[name][0],
                              weights=view == "weights")
        with col:
            chart(fig, f"projection_{name}", config=CHART)
    st.dataframe(
        pd.DataFrame([
            {
                "projections": configs[name][0],
                "asymmetry": case.asymmetry,
                "symmetric?": "yes" if case.asymmetry < SYMMETRIC_BELOW else "no",
                "top weight on itself": f"{case.self_top:.0%}",
                "mean self-weight": case.self_weight,
            }
            for name, case in cases.items()
        ]),
        hide_index=True, width="stretch",
        column_config={
            "asymmetry": st.column_config.NumberColumn(
                format="%.2e", help="max |sᵢⱼ − sⱼᵢ| / max |sᵢⱼ| over the score matrix: 0 = symmetric"),
            "top weight on itself": st.column_config.TextColumn(
                help="Share of the words whose largest weight is on themselves (ties count)"),
            "mean self-weight": st.column_config.NumberColumn(
                format="%.2f", help="Average of the diagonal of the weights"),
        },
    )
    ident = cases["identity"]
    if len(sentence.tokens) > 1:  # a pair of words to compare
        st.markdown(mirror_sentence(ident, sentence, "W = I"))
    st.caption(
        f"Embeddings: random {d_model}-dimensional vectors, one per distinct word (a repeated word gets the "
        f"same vector). With W = I, {ident.self_top:.0%} of the words put their largest weight on themselves "
        f"and the scores are symmetric (asymmetry {ident.asymmetry:.1e}: float32 rounding at most). "
        + _who_is_symmetric(cases)
        + " The matrices here are random, not trained: they show what the architecture *can* express, not what "
        "a trained model has learned."
    )
    return sentence


def _who_is_symmetric(cases: dict[str, E.ProjectionCase]) -> str:
    shared, separate = (cases[n].asymmetry < SYMMETRIC_BELOW for n in ("shared", "separate"))
    return ("A shared W " + ("keeps" if shared else "does not keep") + " the scores symmetric; separate W_Q and "
            "W_K " + ("break" if not separate else "do not break") + " the symmetry.")


def _tidy_text(state: PageState) -> None:
    """Store the typed sentence as a link would read it back (cut, then stripped): one canonical URL."""
    state.set("text", str(state["text"]))  # PageState.set cleans it as the link's reader does

"""Build-it page exercises: shapes of the products, one entry of Q = X·W_Q, one softmax weight, the causal
mask's renormalisation, and what the division by √d_k is for.

The matrices are made as the page makes them (:func:`attention.presets.preset_embeddings`,
:func:`attention.presets.rounded_projections`) and run through :func:`attention.project_qkv`,
:func:`attention.attention_scores` and :func:`attention.scaled_dot_product_attention`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention import Projections, attention_scores, causal_mask, project_qkv, scaled_dot_product_attention
from attention.presets import PRESETS, preset_embeddings, rounded_projections

from .common import (
    WEIGHT_TOLERANCE,
    Resources,
    build,
    md_table,
    row_of_scores,
    shuffle_options,
    softmax_weight_exercise,
    vector_text,
    word,
)
from .model import Chart, Exercise, Kind, Option, fmt, md, tex


@dataclass(frozen=True)
class Example:
    """One screen of the page: words, X (T, d_model), W_Q, W_K, W_V (d_model, d_k), and Q, K, V (T, d_k)."""

    words: list[str]
    x: np.ndarray
    w: dict[str, np.ndarray]
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray

    @property
    def labels(self) -> list[str]:
        return [f"{i}: {word(t)}" for i, t in enumerate(self.words)]


def _example(rng: np.random.Generator, t: int, d_model: int, d_k: int) -> Example:
    preset = str(rng.choice(list(PRESETS)))
    words, x = preset_embeddings(preset, t, d_model, rng=rng)  # (T, d_model), 1 decimal
    w = dict(zip(("W_Q", "W_K", "W_V"), rounded_projections(d_model, d_k, rng=rng), strict=True))  # 2 decimals
    x64 = x.astype(np.float64)  # the shown numbers, computed exactly
    p = Projections(*(w[n].astype(np.float64) for n in ("W_Q", "W_K", "W_V")), w_o=np.eye(d_k, d_model))
    q, k, v = project_qkv(x64, p)  # (T, d_k) each
    return Example(words, x64, w, q, k, v)


def _shape(a: tuple[int, ...]) -> str:
    return " × ".join(map(str, a))


def shape(rng: np.random.Generator, res: Resources) -> Exercise:
    t, d_model, d_k = (int(n) for n in rng.choice(np.arange(2, 9), size=3, replace=False))
    ex = _example(rng, t, d_model, d_k)
    scores = attention_scores(ex.q, ex.k)  # (T, T)
    output, weights = scaled_dot_product_attention(ex.q, ex.k, ex.v)  # (T, d_k), (T, T)
    products = {
        "Q = X·W_Q": (ex.q.shape, [f"X·W_Q: ({_shape(ex.x.shape)})·({_shape(ex.w['W_Q'].shape)}) → "
                                   f"{_shape(ex.q.shape)}: one query row per word."]),
        "S = Q·Kᵀ": (scores.shape, [f"Q = X·W_Q is {_shape(ex.q.shape)} and Kᵀ is {_shape(ex.k.T.shape)}.",
                                    f"Q·Kᵀ: ({_shape(ex.q.shape)})·({_shape(ex.k.T.shape)}) → {_shape(scores.shape)}: "
                                    "one score for every (query, key) pair."]),
        "output = weights·V": (output.shape, [f"The weights are {_shape(weights.shape)} (one row per query, one "
                                              f"column per key) and V = X·W_V is {_shape(ex.v.shape)}.",
                                              f"weights·V: ({_shape(weights.shape)})·({_shape(ex.v.shape)}) → "
                                              f"{_shape(output.shape)}: one new vector per word."]),
    }
    name = list(products)[int(rng.integers(len(products)))]
    answer, steps = products[name]
    return Exercise(
        id="steps.shape",
        title="The shape of a product",
        kind=Kind.SHAPE,
        prompt=(f"X holds **{t} words** with **d_model = {d_model}** numbers each (X is {t} × {d_model}), and W_Q, "
                f"W_K, W_V are each **{d_model} × {d_k}**. What is the shape of **{name}**? Write it like 3 × 4."),
        answer=tuple(int(n) for n in answer),
        solution=(md("In a product A·B the inner sizes must agree and disappear: (a × b)·(b × c) → a × c."),
                  *(md(s) for s in steps)),
        given={"t": t, "d_model": d_model, "d_k": d_k, "product": name},
    )


def q_entry(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(200):
        t, d_model, d_k = int(rng.integers(3, 6)), int(rng.integers(3, 6)), int(rng.integers(2, 5))
        ex = _example(rng, t, d_model, d_k)
        i, c = int(rng.integers(t)), int(rng.integers(d_k))
        if abs(ex.q[i, c]) > 0.05 and np.count_nonzero(ex.x[i]) >= 2:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    x_row, w_col = ex.x[i], ex.w["W_Q"][:, c].astype(np.float64)
    answer = float(ex.q[i, c])
    terms = " + ".join(rf"({fmt(a, 1)})({fmt(b, 2)})" for a, b in zip(x_row, w_col, strict=True)).replace("−", "-")
    return Exercise(
        id="steps.q-entry",
        title="One entry of Q = X·W_Q",
        kind=Kind.NUMBER,
        prompt=(f"The row of {ex.labels[i]} in X is **{vector_text(x_row, 1)}** and column k{c} of W_Q is "
                f"**{vector_text(w_col, 2)}**. What is the entry of Q in row {ex.labels[i]}, column k{c}? "
                "Give at least 2 decimals."),
        answer=answer,
        tolerance=WEIGHT_TOLERANCE,
        digits=3,
        solution=(md(f"Row {i} of X times column {c} of W_Q, term by term (a dot product):"),
                  tex(rf"Q_{{{i},{c}}} = {terms} = {fmt(answer, 3).replace('−', '-')}"),
                  md("Every entry of Q is such a dot product: row i of X with column c of W_Q.")),
        given={"x_row": x_row.tolist(), "w_col": w_col.tolist()},
    )


def weight(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(500):
        t, d_k = int(rng.integers(3, 5)), int(rng.integers(2, 5))
        ex = _example(rng, t, int(rng.integers(3, 6)), d_k)
        i, j = int(rng.integers(t)), int(rng.integers(t))
        scores = np.round(attention_scores(ex.q, ex.k)[i], 2)  # (T,) row i of QKᵀ/√d_k, as printed
        if 0.05 < row_of_scores(scores).weights[j] < 0.9 and np.ptp(scores) > 0.3:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    table = md_table(["key", "score QKᵀ/√d_k"], [[ex.labels[c], fmt(s, 2)] for c, s in enumerate(scores)],
                     align_right=(1,))
    return softmax_weight_exercise(
        id="steps.weight",
        prompt=f"The row of {ex.labels[i]} in the scores S/√d_k (d_k = {d_k}):\n\n{table}\n\nWhat is its **weight** "
               f"on {ex.labels[j]}?",
        labels=ex.labels,
        scores=scores.tolist(),
        j=j,
        score_digits=2,
        given={"row": i},
    )


def renormalise(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(1000):
        t = int(rng.integers(3, 6))
        ex = _example(rng, t, int(rng.integers(3, 6)), int(rng.integers(2, 5)))
        i = int(rng.integers(1, t - 1))
        _, free = scaled_dot_product_attention(ex.q, ex.k, ex.v)  # (T, T), no mask
        _, masked = scaled_dot_product_attention(ex.q, ex.k, ex.v, causal_mask(t))  # (T, T)
        before, after = free[i], masked[i]
        seen = np.arange(t) <= i
        dropped = np.where(seen, before, 0.0)  # the future set to 0, not rescaled
        equal = np.where(seen, 1.0 / (i + 1), 0.0)
        rows = [after, dropped, equal, before]
        if before[~seen].sum() > 0.1 and min(np.abs(a - b).max() for n, a in enumerate(rows) for b in rows[n + 1:]) > 0.04:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    labels = ex.labels
    def vec(r) -> str:
        return vector_text(r, 3)
    ratio = f"{fmt(before[0] / before[1], 3)}" if before[1] > 0 else ""
    options = [
        Option(vec(after), f"The later words' scores become −∞, so their weights are exactly 0, and the softmax shares "
                           f"the *whole* row among positions 0 to {i}: the visible words keep their ratios "
                           f"(w₀/w₁ = {ratio} before and after) and add up to {fmt(after.sum())}."),
        Option(vec(dropped), f"That just erases the later words' weights: this row would add up to "
                             f"{fmt(dropped.sum())}, not 1. The mask acts on the scores *before* the softmax, which then "
                             "renormalises."),
        Option(vec(equal), "Masking does not make the visible words equal: their scores still differ, so their weights "
                           "keep their ratios."),
        Option(vec(before), f"The mask does change this row: the words after {labels[i]} may no longer be seen, so "
                            "their weights must become 0."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="steps.renormalise",
        title="What the causal mask does to a row",
        kind=Kind.PREDICT,
        prompt=(f"Words {', '.join(labels)}. Without a mask, the row of {labels[i]} in the weights is "
                f"**{vec(before)}**. Switch the **causal mask** on. What will this row become?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["key", "no mask", "causal mask"],
                              [[labels[c], fmt(before[c]), fmt(after[c])] for c in range(t)], align_right=(1, 2))),
                  md(f"The causal mask adds −∞ to the scores of the words after {labels[i]}; e^−∞ = 0, and the softmax "
                     "divides by the sum of what is left, so the row still adds up to 1.")),
        chart=Chart(f"The row of “{ex.words[i]}” without and with the causal mask",
                    tuple(f"{c}: {w}" for c, w in enumerate(ex.words)),
                    (("no mask", tuple(float(x) for x in before)), ("causal mask", tuple(float(x) for x in after))),
                    "weight"),
        given={"row": i, "before": before.tolist()},
    )


def why_scale(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(200):
        t, d_k = int(rng.integers(4, 7)), int(rng.choice([6, 8]))
        ex = _example(rng, t, 8, d_k)
        out_on, on = scaled_dot_product_attention(ex.q, ex.k, ex.v)  # (T, d_k), (T, T)
        _, off = scaled_dot_product_attention(ex.q, ex.k, ex.v, scale=1.0)
        top_on, top_off = float(on.max(axis=1).mean()), float(off.max(axis=1).mean())
        if top_off - top_on > 0.1:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    same_top = bool(np.all(on.argmax(axis=1) == off.argmax(axis=1)))
    lengths = ", ".join(fmt(n, 2) for n in np.linalg.norm(out_on, axis=1))
    options = [
        Option("Dot products of longer vectors are bigger; dividing by √d_k keeps the scores small enough that the "
               "softmax does not put nearly all the weight on one word.",
               f"Here, with d_k = {d_k}, a row's largest weight is {fmt(top_off)} on average without the division and "
               f"{fmt(top_on)} with it. For random vectors the variance of q·k grows like d_k; dividing by √d_k "
               "brings it back to about 1 (the Academic page measures it)."),
        Option("It makes each row of weights add up to 1.",
               "The softmax does that, with or without the division: every row here adds up to "
               f"{fmt(float(off.sum(axis=1).mean()))} unscaled and {fmt(float(on.sum(axis=1).mean()))} scaled "
               f"(largest deviation from 1: {float(np.abs(np.concatenate([off, on]).sum(axis=1) - 1).max()):.0e})."),
        Option("It changes which word each word attends to most.",
               ("Dividing a row by the same positive number keeps its order: here every row's largest weight is on "
                "the same word with and without the division." if same_top else
                "Dividing a row by the same positive number keeps its order of scores.")),
        Option("It makes each output vector have length 1.",
               f"The output rows here have lengths {lengths}: nothing normalises them. The division only shrinks "
               "the scores before the softmax."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="steps.why-scale",
        title="What does ÷√d_k do?",
        kind=Kind.CHOICE,
        prompt=(f"{t} words, d_k = {d_k}: the page divides the scores QKᵀ by **√d_k = {np.sqrt(d_k):.3f}** before the "
                "softmax. What is that division for?"),
        answer=answer,
        options=options,
        solution=(md(f"Switch the page's “Divide the scores by √d_k” toggle off and on to see it: the largest weights "
                     f"grow without the division ({fmt(top_on)} → {fmt(top_off)} on average here)."),),
        given={"d_k": d_k},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Build-it page's set for ``seed``."""
    return build(seed, (shape, q_entry, weight, renormalise, why_scale), res)

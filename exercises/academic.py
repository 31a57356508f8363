"""Academic page exercises: the variance of q·k, the max-shift of softmax, saturation without √d_k, padding
masks, and why attention weights are not explanations.

Numbers come from :mod:`attention.experiments` (the page's experiments), :func:`attention.multi_head_attention`
and :func:`attention.row_arithmetic`.
"""

from __future__ import annotations

import math

import numpy as np

from attention import experiments as E
from attention import init_projections, multi_head_attention, random_embeddings, tokenize
from attention.pretrained_findings import GUIDED_FINDINGS

from .common import SENTENCES, Resources, build, md_table, shuffle_options, softmax_weight_exercise, word
from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

N_PAIRS = 2_000  # (q, k) pairs sampled, as on the page
N_ROWS = 128  # attention rows sampled per d_k, as on the page
THRESHOLD = 0.65  # "close to 1" / "well below 1" in the saturation prediction
PREVIOUS = next(f for f in GUIDED_FINDINGS if f.key == "previous")


def variance(rng: np.random.Generator, res: Resources) -> Exercise:
    d_k = int(rng.choice([16, 32, 64, 128, 256, 512, 1024]))
    unscaled, scaled = E.dot_product_samples(d_k, N_PAIRS, rng=rng)
    root = math.sqrt(d_k)
    variants = {
        "var": ("the **variance** of q·k", float(d_k), [(root, "That is the standard deviation √d_k; the variance "
                                                         "is its square."),
                                                        (1.0, "That is the variance *after* dividing by √d_k.")]),
        "std": ("the **standard deviation** of q·k (the typical size of a score)", root,
                [(float(d_k), "That is the variance; the standard deviation is its square root."),
                 (1.0, "That is the standard deviation *after* dividing by √d_k.")]),
        "scaled": ("the **variance** of q·k/√d_k", 1.0,
                   [(float(d_k), "That is the variance *before* dividing by √d_k."),
                    (root, "Dividing by √d_k divides the variance by (√d_k)² = d_k.")]),
    }
    name = list(variants)[int(rng.integers(len(variants)))]
    asked, answer, slips = variants[name]
    return Exercise(
        id="academic.variance",
        title="How big are the scores?",
        kind=Kind.NUMBER,
        prompt=(f"The entries of q and k are independent random numbers with mean 0 and variance 1, and "
                f"**d_k = {d_k}**. What is {asked}?"),
        answer=answer,
        tolerance=0.02 * answer,
        digits=2 if answer < 100 else 0,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(tex(r"\operatorname{Var}[q\cdot k] = \sum_{i=1}^{d_k} \operatorname{Var}[q_i k_i] = d_k \cdot 1 "
                      rf"\cdot 1 = {d_k},\quad \sqrt{{{d_k}}} = {root:.2f},\quad "
                      rf"\operatorname{{Var}}\!\left[\frac{{q\cdot k}}{{\sqrt{{d_k}}}}\right] = \frac{{{d_k}}}{{{d_k}}} = 1"),
                  md(f"Each term q_i·k_i has mean 0 and variance 1 × 1, and the variances of independent terms add "
                     f"up. Sampled like the page's experiment ({N_PAIRS:,} random pairs scored by "
                     f"`attention.attention_scores`): variance **{np.var(unscaled):.4g}** unscaled, standard deviation "
                     f"**{np.std(unscaled):.4g}**, and **{np.var(scaled):.3g}** after dividing by √d_k.")),
        given={"d_k": d_k, "asked": name},
    )


def max_shift(rng: np.random.Generator, res: Resources) -> Exercise:
    top = int(rng.integers(100, 1000))
    gaps = np.round(np.concatenate([[0.0], np.sort(rng.uniform(0.3, 3.0, size=2))]), 1)
    scores = (top - gaps).tolist()  # (3,) large scores, float32's exp overflows on every one
    _, literal = E.unshifted_softmax(np.array(scores, dtype=np.float32))
    j = int(rng.integers(3))
    return softmax_weight_exercise(
        id="academic.max-shift",
        prompt=(f"A row has the scores **{', '.join(f'{s:g}' for s in scores)}**. In float32, e^s overflows to "
                f"infinity above s ≈ 88.7, so the literal formula e^s / Σ e^s gives "
                f"{'NaN' if np.isnan(literal).any() else 'a wrong result'} here (`unshifted_softmax`). What weight "
                f"does the key with score {scores[j]:g} really get?"),
        labels=[f"key {c + 1}" for c in range(3)],
        scores=scores,
        j=j,
        title="Softmax with huge scores",
        score_digits=1,
    )


def saturation(rng: np.random.Generator, res: Resources) -> Exercise:
    d_k, s = int(rng.choice([256, 512, 1024])), int(rng.choice([8, 16, 32]))
    means = E.softmax_row_stats(d_k, s, N_ROWS, rng=rng).means()["max_weight"]
    unscaled, scaled = means["unscaled"], means["scaled"]
    quadrants = [(True, False), (False, False), (True, True), (False, True)]  # (unscaled high?, scaled high?)
    measured = (unscaled > THRESHOLD, scaled > THRESHOLD)
    said = f"measured: {fmt(unscaled, 2)} without the division, {fmt(scaled, 2)} with it"
    texts = [
        f"Without ÷√d_k above {THRESHOLD:g} (one key takes most of the row); with it below {THRESHOLD:g}.",
        f"Both below {THRESHOLD:g}: the division makes little difference.",
        f"Both above {THRESHOLD:g}: one key takes most of the row either way.",
        f"Without ÷√d_k below {THRESHOLD:g}; with it above {THRESHOLD:g}.",
    ]
    reasons = {
        (True, False): "Unscaled scores have a standard deviation of √d_k, so one of them is far above the others and "
                       "the softmax gives it nearly everything; divided by √d_k they are spread about ±1 and the "
                       "weight is shared.",
        (False, False): "Without the division the scores are √d_k times larger, which makes the softmax far pickier.",
        (True, True): "Divided by √d_k, the scores have variance 1: no key stands out that much.",
        (False, True): "It is the other way round: the unscaled scores are the large ones.",
    }
    options = [Option(t, f"{said} (1/S = {fmt(1 / s, 2)} would be an even split). " + reasons[quad])
               for t, quad in zip(texts, quadrants, strict=True)]
    options, answer = shuffle_options(rng, options, quadrants.index(measured))
    return Exercise(
        id="academic.saturation",
        title="Saturation without √d_k",
        kind=Kind.PREDICT,
        prompt=(f"Random queries and keys (entries with variance 1), **d_k = {d_k}**, rows of **S = {s} keys**. "
                "Predict the **average largest weight** of a row, with and without dividing the scores by √d_k."),
        answer=answer,
        options=options,
        solution=(md(f"Averaged over {N_ROWS} sampled rows (`attention.experiments.softmax_row_stats`): largest weight "
                     f"**{fmt(unscaled)}** without ÷√d_k and **{fmt(scaled)}** with it; an even split would give "
                     f"1/S = {fmt(1 / s)}. A saturated row passes almost no gradient back to its scores, which is why "
                     "the division matters for training."),),
        chart=Chart(f"Average largest weight, d_k = {d_k}, S = {s}", ("without ÷√d_k", "with ÷√d_k", "even split 1/S"),
                    (("largest weight", (unscaled, scaled, 1 / s)),), "weight"),
        given={"d_k": d_k, "keys": s},
    )


def padding(rng: np.random.Generator, res: Resources) -> Exercise:
    tokens = tokenize(SENTENCES[int(rng.integers(len(SENTENCES)))])
    n_pad, d_model, heads = int(rng.integers(1, 5)), 16, 2
    x = random_embeddings(tokens, d_model, rng=rng)  # (T, d_model)
    x_pad = np.vstack([x, np.zeros((n_pad, d_model), dtype=x.dtype)])  # (T + pad, d_model): [PAD] = zero vector
    p = init_projections(d_model, d_model // heads, n_heads=heads, rng=rng)
    n = len(tokens)
    out, free = multi_head_attention(x_pad, p, E.demo_mask("none", n, n_pad))  # (T + pad, d), (H, T + pad, T + pad)
    _, masked = multi_head_attention(x_pad, p, E.demo_mask("padding", n, n_pad))
    share = float(free[:, :n, n:].sum(axis=-1).mean())  # weight the real words give the [PAD] keys
    leak = E.weight_outside_mask(masked, E.demo_mask("padding", n, n_pad))
    options = [
        Option("A score of 0 is not “no attention”: e⁰ = 1, so [PAD] keys would still get weight; −∞ gives "
               "e^−∞ = 0 exactly.",
               f"Here, without a mask, the real words give the [PAD] positions **{share:.1%}** of their attention on "
               f"average; with the padding mask the largest weight on a [PAD] key is {leak:g}."),
        Option("A zero vector already gets zero weight; the mask only saves time.",
               f"It gets weight: its score is 0, and e⁰ = 1 counts in the softmax like any other key. Here the "
               f"[PAD] positions take {share:.1%} of the real words' attention without the mask."),
        Option("The mask removes the [PAD] positions, so the output has fewer rows.",
               f"The output keeps all {n + n_pad} rows ({out.shape[0]} × {out.shape[1]}); the [PAD] rows are computed "
               "and ignored afterwards. The mask only decides which keys a query may use."),
        Option("A causal mask does the same job in every model.",
               "Only for padding placed after the words in a causal (GPT-style) model. A BERT-style encoder has no "
               "causal mask, and with padding on the left the [PAD] keys come before the words."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="academic.padding",
        title="Why mask padding with −∞?",
        kind=Kind.CHOICE,
        prompt=(f"The sentence “{' '.join(tokens)}” ({n} words) shares a batch with longer ones, so it gets "
                f"**{n_pad} [PAD] position(s)**: zero vectors, whose scores are 0. Why does a padding mask set the "
                "[PAD] keys' scores to −∞ instead of leaving them at 0?"),
        answer=answer,
        options=options,
        solution=(md(f"`attention.multi_head_attention` with {heads} heads on this padded sentence: without a mask the "
                     f"[PAD] keys take **{share:.1%}** of the real words' attention; with the padding mask, "
                     f"**{leak:g}**. Rows of weights still add up to 1 either way."),),
        given={"pad": n_pad, "share": share},
    )


def not_explanation(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(200):
        tokens = tokenize(SENTENCES[int(rng.integers(len(SENTENCES)))])
        x = random_embeddings(tokens, 16, rng=rng)
        p = init_projections(16, 4, 2, rng=rng)  # d_k = 4, d_v = 2, as on the page
        row = int(rng.integers(len(tokens)))
        cf = E.counterfactual(x, p, row)
        if cf.alt_weights is not None:
            top = int(np.argmax(cf.weights))
            if cf.weights[top] - cf.alt_weights[top] > 0.1:
                break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    s = len(tokens)
    moved = 0.5 * float(np.abs(cf.weights - cf.alt_weights).sum())
    diff = float(np.abs(cf.output - cf.alt_output).max())
    who, what = word(tokens[row]), word(tokens[top])
    options = [
        Option("The output cannot tell which of the two rows produced it, so the heatmap alone does not show which "
               "words the model needed.",
               f"Both rows give the same output (largest difference {diff:.1e}), yet the second moves {moved:.0%} of "
               "the weight. Jain & Wallace (2019) found such alternatives for trained models; Wiegreffe & Pinter "
               "(2019) showed that how much this matters depends on the test."),
        Option("There must be a bug: two different rows of weights cannot give the same output.",
               f"It is linear algebra: the output wᵀV sees w only through the d_v = 2 columns of V, and the weights "
               f"must add up to 1. That is 3 conditions on {s} weights, so {s - 3} directions change the weights and "
               "leave the output alone."),
        Option(f"The weight on {what} measures how important {what} is for the output.",
               f"The other row puts {fmt(cf.alt_weights[top], 2)} instead of {fmt(cf.weights[top], 2)} on {what} and "
               "the output does not change: the weight alone does not measure importance."),
        Option("Attention weights are noise: trained heads show no patterns at all.",
               "Trained heads do show consistent patterns: the Heatmap page's previous-token head puts on average "
               f"more than {PREVIOUS.at_least:g} of each word's weight on the word before it. The patterns are real; "
               "they are just not explanations by themselves."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    rows = [[f"{c}: {word(t)}", fmt(a, 3), fmt(b, 3)] for c, (t, a, b) in
            enumerate(zip(tokens, cf.weights, cf.alt_weights, strict=True))]
    return Exercise(
        id="academic.not-explanation",
        title="Are attention weights explanations?",
        kind=Kind.CHOICE,
        prompt=(f"Random projections, sentence “{' '.join(tokens)}”, values of size d_v = 2. The row of {who} puts "
                f"**{fmt(cf.weights[top], 2)}** on {what}. Another row, putting **{fmt(cf.alt_weights[top], 2)}** on "
                f"{what}, gives **the same output** (largest difference {diff:.1e}). What follows?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["key", "the model's row", "another row, same output"], rows, align_right=(1, 2))),
                  md("Computed by `attention.experiments.counterfactual`, as in the page's section 6. Real heads have "
                     "d_v = 64, so any context longer than 65 tokens leaves the same freedom.")),
        given={"row": row},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Academic page's set for ``seed``."""
    return build(seed, (variance, max_shift, saturation, padding, not_explanation), res)

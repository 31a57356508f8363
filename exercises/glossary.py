"""Glossary page exercises: which term a definition describes, a row's entropy in nats, what the temperature
does to that entropy, and where cross-attention's queries and keys come from.

Definitions come from :mod:`ui.glossary_terms` (pure data, the same text the page shows); numbers from
:func:`attention.experiments.entropy`, :func:`attention.row_arithmetic` (through ``row_of_scores``) and
:func:`attention.scaled_dot_product_attention`.
"""

from __future__ import annotations

import math
import re

import numpy as np

from attention import scaled_dot_product_attention
from attention.experiments import entropy
from ui.glossary_terms import BY_KEY, Term

from .common import Resources, build, md_table, row_of_scores, shuffle_options
from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

# Terms a student meets on the lesson pages; a definition is asked only if it does not name its own term.
CORE = ("attention", "token", "embedding", "dot-product", "query", "key", "value", "score", "softmax",
        "temperature", "weights", "head", "self-attention", "cross-attention", "causal-mask", "padding-mask",
        "residual-stream", "flashattention", "online-softmax", "entropy", "bottleneck", "rnn", "d_model", "layer")


def _names_itself(term: Term) -> bool:
    """Whether the definition contains the term's name or one of its words (then it would give the answer away)."""
    name = re.sub(r"\s*\(.*\)", "", term.name).lower()
    words = [name, *(w for w in name.split() if len(w) >= 4)]
    stems = [w[:-1] if len(w) > 4 else w for w in words]  # "query" also finds "queries"
    return any(re.search(rf"\b{re.escape(w)}", term.plain.lower()) for w in stems)


ASKABLE = tuple(k for k in CORE if not _names_itself(BY_KEY[k]))


def which_term(rng: np.random.Generator, res: Resources) -> Exercise:
    keys = [str(k) for k in rng.choice(ASKABLE, size=4, replace=False)]  # keys[0] is the term asked for
    terms = [BY_KEY[k] for k in keys]
    asked = terms[0]
    options = [Option(asked.name, f"{asked.name}: {asked.plain}")]
    options += [Option(t.name, f"{t.name} means something else: {t.plain}") for t in terms[1:]]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="glossary.which-term",
        title="Which term is this?",
        kind=Kind.CHOICE,
        prompt=f"Which glossary term does this definition describe?\n\n> {asked.plain}",
        answer=answer,
        options=options,
        solution=(md(f"**{asked.name}**: {asked.plain}"),
                  md(f"Search the glossary above for *{asked.key}* to see the pages that use it.")),
        given={"key": asked.key, "others": keys[1:]},
    )


def _row(rng: np.random.Generator) -> np.ndarray:
    """A row of 3 to 6 weights in twentieths (0.05 steps, each at least 0.05), not all equal: exact in 2 decimals."""
    while True:
        n = int(rng.integers(3, 7))
        counts = 1 + rng.multinomial(20 - n, np.ones(n) / n)  # (n,) positive, sum 20
        if len(set(counts.tolist())) > 1:
            return counts / 20.0


def nats(rng: np.random.Generator, res: Resources) -> Exercise:
    w = _row(rng)  # (n,) adds up to 1
    n = len(w)
    answer = float(entropy(w))
    uniform = float(entropy(np.full(n, 1.0 / n)))  # ln n, the most a row of n weights can have
    slips = [(answer / math.log(2), "That is the entropy in bits (log base 2). Nats use the natural logarithm, ln."),
             (answer / math.log(10), "That uses log base 10. Nats use the natural logarithm, ln."),
             (uniform, f"That is ln {n}, the entropy of {n} equal weights; this row is not even, so it is lower."),
             (-answer, "Mind the minus sign: H = −Σ w ln w, and ln w < 0 for every weight below 1, so H ≥ 0.")]
    terms = " + ".join(rf"{fmt(x, 2)} \ln {fmt(x, 2)}" for x in w)
    return Exercise(
        id="glossary.nats",
        title="Entropy in nats",
        kind=Kind.NUMBER,
        prompt=("A query's attention weights over " + f"{n} keys are\n\n"
                + md_table([f"k{j + 1}" for j in range(n)], [[fmt(x, 2) for x in w]], align_right=tuple(range(n)))
                + "\n\nWhat is the row's **entropy in nats**, H = −Σ w ln w? Give at least 2 decimals."),
        answer=answer,
        tolerance=0.006,
        digits=3,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(tex(rf"H = -({terms}) = {fmt(answer, 4)}"),
                  md(f"Between 0 (one key takes all the weight) and ln {n} = {fmt(uniform, 4)} ({n} equal shares): "
                     f"this row has **{fmt(answer, 4)} nats** (`attention.experiments.entropy`, the Academic page's "
                     "measure of how spread out a head's weights are).")),
        given={"weights": [float(x) for x in w]},
    )


def temperature_entropy(rng: np.random.Generator, res: Resources) -> Exercise:
    n = int(rng.integers(4, 7))
    while True:
        scores = np.round(rng.normal(0.0, 1.5, size=n), 1)  # (n,) one decimal, as typed
        if len(set(scores.tolist())) == n:
            break
    t0 = 1.0
    t1 = float(rng.choice([0.25, 0.5, 2.0, 4.0]))
    before, after = row_of_scores(scores, t0).weights, row_of_scores(scores, t1).weights  # (n,) each
    h0, h1, hmax = float(entropy(before)), float(entropy(after)), float(entropy(np.full(n, 1.0 / n)))
    rising = t1 > t0
    said = f"At temperature {t1:g} the entropy is **{fmt(h1)} nats** (it was {fmt(h0)}; ln {n} = {fmt(hmax)})."
    options = [
        Option(f"It rises towards ln {n} = {fmt(hmax)} nats: the weights spread out more evenly.",
               f"{said} Dividing the scores by a larger temperature shrinks the gaps between them, so the weights "
               "become more alike." if rising else
               f"{said} A lower temperature stretches the gaps between the scores: the top key takes more, "
               "so the row gets less spread out, not more."),
        Option("It falls towards 0: the top key takes more of the weight.",
               f"{said} Dividing by a smaller temperature stretches the gaps between the scores, and the "
               "exponential turns them into bigger ratios: the weight concentrates." if not rising else
               f"{said} A higher temperature shrinks the gaps between the scores, so the weights even out."),
        Option("It stays the same: the temperature changes the scores, not how spread out the weights are.",
               f"{said} The weights are the softmax of score ÷ temperature, so changing the divisor changes "
               "every weight, and the entropy with them."),
        Option(f"It ends above ln {n} = {fmt(hmax)} nats.",
               f"{said} No row of {n} weights can exceed ln {n}: that is the entropy of {n} equal shares, "
               "the most even a row can be."),
    ]
    options, answer = shuffle_options(rng, options, 0 if rising else 1)
    rows = [[f"k{j + 1}", fmt(scores[j], 1), fmt(before[j]), fmt(after[j])] for j in range(n)]
    labels = tuple(f"k{j + 1}" for j in range(n))
    return Exercise(
        id="glossary.temperature-entropy",
        title="Temperature and entropy",
        kind=Kind.PREDICT,
        prompt=(f"A query's scores over {n} keys, and its weights at temperature {t0:g}:\n\n"
                + md_table(["key", "score", f"weight at temperature {t0:g}"], [r[:3] for r in rows],
                           align_right=(1, 2))
                + f"\n\nThe row's entropy is **{fmt(h0)} nats**. The temperature is now changed to **{t1:g}**. "
                  "What happens to the entropy?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["key", "score", f"temperature {t0:g}", f"temperature {t1:g}"], rows,
                              align_right=(1, 2, 3))),
                  md(f"Entropy: {fmt(h0)} → **{fmt(h1)} nats** (at most ln {n} = {fmt(hmax)}). A high temperature "
                     "flattens a row towards equal shares (entropy up towards ln n); a low one sharpens it towards "
                     "the best match (entropy down towards 0).")),
        chart=Chart(f"Weights at temperature {t0:g} and {t1:g}", labels,
                    ((f"temperature {t0:g}", tuple(float(x) for x in before)),
                     (f"temperature {t1:g}", tuple(float(x) for x in after))), "weight"),
        given={"scores": [float(s) for s in scores], "t0": t0, "t1": t1},
    )


def cross_attention(rng: np.random.Generator, res: Resources) -> Exercise:
    src, tgt, d = int(rng.integers(4, 13)), int(rng.integers(2, 10)), 8
    while src == tgt:
        tgt = int(rng.integers(2, 10))
    queries = rng.standard_normal((tgt, d))  # (m, d): from the German words written so far
    memory = rng.standard_normal((src, d))  # (n, d): the English source, keys and values
    _, w = scaled_dot_product_attention(queries, memory, memory)  # (m, n)
    rows, cols = w.shape
    sums = f"each of its {rows} rows adds up to {fmt(float(w.sum(axis=-1).mean()), 3)}"
    options = [
        Option(f"Queries from the {tgt} German words, keys and values from the {src} English words: "
               f"a {rows} × {cols} matrix of weights.",
               f"Each German word asks which English words it should read: {rows} queries against {cols} keys, "
               f"{sums}."),
        Option(f"Queries, keys and values all from the {src} English words: a {src} × {src} matrix.",
               "That is the encoder's self-attention over the source sentence. Cross-attention connects two "
               f"sequences: the decoder's {tgt} queries read the encoder's {src} keys ({rows} × {cols})."),
        Option(f"Queries from the {src} English words, keys from the {tgt} German words: a {src} × {tgt} matrix.",
               f"The other way round: the decoder writes German, so the German words ask (queries) and the English "
               f"words answer (keys and values): {rows} × {cols}."),
        Option(f"Self-attention over all {src + tgt} words of both sentences together: a {src + tgt} × "
               f"{src + tgt} matrix.",
               f"Cross-attention keeps the sequences apart: German queries only, English keys only "
               f"({rows} × {cols}); self-attention inside each sequence is a separate step."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="glossary.cross-attention",
        title="Cross-attention versus self-attention",
        kind=Kind.CHOICE,
        prompt=(f"A translator has read an English sentence of **{src} words** and written the first **{tgt} German "
                "words**. In its decoder's **cross-attention**, where do the queries and the keys come from, and "
                "what shape is the matrix of weights?"),
        answer=answer,
        options=options,
        solution=(md(f"Computed with `attention.scaled_dot_product_attention` on {tgt} random queries and {src} "
                     f"random keys (d = {d}): the weights are {rows} × {cols} and {sums}."),
                  md("Self-attention: queries, keys and values from the same sequence. Cross-attention: queries "
                     "from the sequence being written, keys and values from the one being read.")),
        given={"src": src, "tgt": tgt},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Glossary page's set for ``seed``."""
    return build(seed, (which_term, nats, temperature_entropy, cross_attention), res)

"""Heatmap page exercises: scores and weights of the random-weights model, the causal mask, temperature,
and the pretrained model's heads.

Numbers come from :func:`attention.toy_model.toy_self_attention` (the page's random-weights mode),
:func:`attention.attention_scores`, :func:`attention.row_arithmetic`, and the pretrained encoder
(:mod:`attention.pretrained`, the page's pretrained mode).
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np

from attention import attention_scores, causal_mask, row_arithmetic, tokenize
from attention.pretrained_findings import GUIDED_FINDINGS, next_token_score, previous_token_score, token_index
from attention.toy_model import ToyAttention, toy_self_attention
from ui.arithmetic import dot_product_latex, score_latex

from .common import (
    SENTENCES,
    Resources,
    build,
    head_label,
    md_table,
    row_of_scores,
    shuffle_options,
    softmax_weight_exercise,
    temperature_prediction,
    vector_text,
    word,
)
from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

PREVIOUS = next(f for f in GUIDED_FINDINGS if f.key == "previous")  # the previous-token head, 0-based
NEXT = next(f for f in GUIDED_FINDINGS if f.key == "next")
EXPLAIN_SENTENCE = PREVIOUS.sentence  # "The animal didn't cross the street because it was too tired."
EXPLAIN_AT_LEAST = 0.15  # heads where "it" gives "animal" at least this much weight
LAYERS, HEADS = 6, 12  # all-MiniLM-L6-v2
# Every head (0-based) where, in EXPLAIN_SENTENCE, the row of "it" gives "animal" at least EXPLAIN_AT_LEAST, with
# a round number below the measured weight, and gives "it" less than half as much back; measured with
# attention.pretrained and checked by tests/test_exercises.py. Prompts use them without loading the model.
IT_ANIMAL = (((0, 6), 0.2), ((1, 3), 0.15), ((3, 1), 0.65), ((3, 7), 0.15), ((4, 3), 0.2), ((4, 4), 0.2),
             ((4, 11), 0.2), ((5, 3), 0.2), ((5, 10), 0.15), ((5, 11), 0.65))


@functools.lru_cache(maxsize=len(SENTENCES) + 1)
def _encode(encoder, text: str):
    """``encoder.encode(text)``, remembered: the exercises use a handful of sentences over and over."""
    return encoder.encode(text)


def _toy(rng: np.random.Generator, n_words: int, d_k: int) -> ToyAttention:
    """The page's random-weights model on the first ``n_words`` words of one of our sentences."""
    tokens = tokenize(SENTENCES[int(rng.integers(len(SENTENCES)))])[:n_words]
    return toy_self_attention(tokens, d_model=8, d_k=d_k, rng=rng)


def _labels(tokens) -> list[str]:
    return [f"{i}: {word(t)}" for i, t in enumerate(tokens)]


def _quoted(tokens) -> str:
    return "“" + " ".join(tokens) + "”"


def score(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(500):
        d_k = int(rng.choice([2, 3, 4]))
        toy = _toy(rng, int(rng.integers(5, 9)), d_k)
        i, j = (int(x) for x in rng.choice(len(toy.tokens), size=2, replace=False))
        q, k = np.round(toy.q[0, i].astype(float), 2), np.round(toy.k[0, j].astype(float), 2)
        answer = float(attention_scores(q[None], k[None])[0, 0])  # (1, d_k) x (d_k, 1): q·k/√d_k
        dot = float(attention_scores(q[None], k[None], scale=1.0)[0, 0])
        if abs(answer) > 0.2 and abs(dot - answer) > 0.04 and abs(dot / d_k - answer) > 0.04:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    ra = row_arithmetic(q, k[None])  # the page's detail panel, for this one key
    wi, wj = toy.tokens[i], toy.tokens[j]
    li, lj = _labels(toy.tokens)[i], _labels(toy.tokens)[j]
    return Exercise(
        id="heatmap.score",
        title="One entry of QKᵀ/√d_k",
        kind=Kind.NUMBER,
        prompt=(f"Random weights, sentence {_quoted(toy.tokens)}, d_k = {d_k}. The query vector of {li} is "
                f"q = **{vector_text(q)}** and the key vector of {lj} is k = **{vector_text(k)}**. What **score** "
                f"does the heatmap feed into the softmax for {li} → {lj} (temperature 1)? Give 2 decimals."),
        answer=answer,
        tolerance=0.01,
        digits=2,
        mistakes=(Mistake(dot, "That is the dot product q·k before dividing by √d_k."),
                  Mistake(dot / d_k, f"That divides by d_k = {d_k}; the scale is √d_k = {math.sqrt(d_k):.3f}.")),
        solution=(md("1 · The dot product, term by term:"),
                  tex(dot_product_latex(ra, 0, wi, wj, per_line=2)),
                  md(f"2 · Divide by √d_k = √{d_k} = {math.sqrt(d_k):.3f} (multiply by {ra.scale:.3f}):"),
                  tex(score_latex(ra, 0))),
        given={"q": q.tolist(), "k": k.tolist(), "d_k": d_k},
    )


def weight(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(500):
        toy = _toy(rng, int(rng.integers(4, 6)), int(rng.choice([4, 8])))
        i, j = int(rng.integers(len(toy.tokens))), int(rng.integers(len(toy.tokens)))
        scores = np.round(attention_scores(toy.q[0], toy.k[0])[i].astype(float), 2)  # (S,) scaled scores of row i
        tau = float(rng.choice([0.5, 2.0, 3.0]))
        w = float(row_of_scores(scores, tau).weights[j])
        w_plain = float(row_of_scores(scores, 1.0).weights[j])
        w_times = float(row_of_scores(scores * tau * tau, tau).weights[j])  # scores multiplied by τ
        if 0.03 < w < 0.95 and abs(w - w_plain) > 0.03 and abs(w - w_times) > 0.03:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    labels = _labels(toy.tokens)
    table = md_table(["key", "score QKᵀ/√d_k"], [[labels[c], fmt(s, 2)] for c, s in enumerate(scores)],
                     align_right=(1,))
    return softmax_weight_exercise(
        id="heatmap.weight",
        prompt=(f"Random weights, sentence {_quoted(toy.tokens)}. The row of {labels[i]} has these scores "
                f"(already divided by √d_k):\n\n{table}\n\nThe **temperature** slider is at **{tau:g}**. What "
                f"weight does the heatmap show for {labels[i]} → {labels[j]}?"),
        labels=labels,
        scores=scores.tolist(),
        j=j,
        temperature=tau,
        score_digits=2,
        extra_mistakes=(Mistake(w_plain, f"That is the weight at temperature 1: divide every score by {tau:g} "
                                         "first."),
                        Mistake(w_times, f"That multiplies the scores by {tau:g}; the temperature divides them.")),
        given={"row": i},
    )


def causal(rng: np.random.Generator, res: Resources) -> Exercise:
    for _ in range(1000):
        toy = _toy(rng, int(rng.integers(6, 11)), 4)
        n = len(toy.tokens)
        i = int(rng.integers(2, n - 1))
        scores = np.round(attention_scores(toy.q[0], toy.k[0])[i].astype(float), 2)  # (S,) unmasked row i
        allowed = causal_mask(n)[i]  # keys 0..i
        masked = row_of_scores(scores, mask_row=allowed)
        w = np.sort(masked.weights)[::-1]
        top_all, top = int(np.argmax(scores)), int(np.argmax(masked.weights))
        if top_all > i and w[0] - w[1] > 0.03 and np.sum(scores == scores[top_all]) == 1:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    free = row_of_scores(scores)
    labels = _labels(toy.tokens)
    rest = [c for c in range(n) if c not in (top, top_all)]
    third = i if i != top else int(rng.choice([c for c in rest if c < i] or rest))
    fourth = int(rng.choice([c for c in rest if c != third]))

    def why(c: int) -> str:
        if not allowed[c]:
            return (f"{labels[c]} comes after {labels[i]}, so the causal mask sets its score to −∞ and its weight to "
                    f"exactly 0" + (f", although {fmt(scores[c], 2)} is the row's largest score." if c == top_all
                                    else "."))
        if c == top:
            return (f"Among the words {labels[i]} may see (positions 0 to {i}), {labels[c]} has the largest score, "
                    f"{fmt(scores[c], 2)}: weight {fmt(masked.weights[c])}.")
        return (f"{labels[c]} may be seen, but its score {fmt(scores[c], 2)} is below that of {labels[top]} "
                f"({fmt(scores[top], 2)}): weight {fmt(masked.weights[c])}.")

    options, answer = shuffle_options(rng, [Option(labels[c], why(c)) for c in (top, top_all, third, fourth)], 0)
    table = md_table(["key", "score"], [[labels[c], fmt(s, 2)] for c, s in enumerate(scores)], align_right=(1,))
    return Exercise(
        id="heatmap.causal",
        title="Which word, with the causal mask?",
        kind=Kind.PREDICT,
        prompt=(f"Random weights, sentence {_quoted(toy.tokens)}, **no mask**. The row of {labels[i]} has these "
                f"scores:\n\n{table}\n\nNow switch the **causal mask** on (GPT-style). Which word gets the "
                f"**largest weight** in the row of {labels[i]}?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["key", "score", "weight, no mask", "weight, causal mask"],
                              [[labels[c], fmt(scores[c], 2), fmt(free.weights[c]), fmt(masked.weights[c])]
                               for c in range(n)], align_right=(1, 2, 3))),
                  md(f"The causal mask hides every word after {labels[i]}: their scores become −∞, so their weights "
                     f"are exactly 0 and the softmax shares the row among positions 0 to {i} only. "
                     f"{labels[top]} wins with {fmt(masked.weights[top])}.")),
        chart=Chart(f"The row of “{toy.tokens[i]}”: without and with the causal mask",
                    tuple(f"{c}: {t}" for c, t in enumerate(toy.tokens)),
                    (("no mask", tuple(float(x) for x in free.weights)),
                     ("causal mask", tuple(float(x) for x in masked.weights))), "weight"),
        given={"scores": scores.tolist(), "row": i},
    )


def _temperature(rng: np.random.Generator) -> Exercise:
    """The temperature prediction on a row of the random-weights model (when the pretrained model is missing)."""
    t1 = float(rng.choice([0.3, 3.0]))
    for _ in range(500):
        toy = _toy(rng, int(rng.integers(4, 7)), 8)
        i = int(rng.integers(len(toy.tokens)))
        scores = attention_scores(toy.q[0], toy.k[0])[i].astype(float)
        before = row_of_scores(scores, 1.0).weights
        if 0.3 < before.max() < 0.85:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    return temperature_prediction(
        id="heatmap.temperature", rng=rng,
        context=f"Random weights, sentence {_quoted(toy.tokens)}. At temperature 1 the row of {_labels(toy.tokens)[i]} is:",
        labels=_labels(toy.tokens), chart_labels=[f"{c}: {t}" for c, t in enumerate(toy.tokens)], before=before, after=row_of_scores(scores, t1).weights, t0=1.0, t1=t1,
        chart_title=f"The row of “{toy.tokens[i]}” at both temperatures",
    )


def previous_head(rng: np.random.Generator, res: Resources) -> Exercise:
    """Which of four heads is the previous-token head? Built without the model; :func:`complete_previous_head`
    fills in every head's measured score once the student commits."""
    if not res.encoder_reachable:
        return _temperature(rng)
    sentence = SENTENCES[int(rng.integers(len(SENTENCES)))]
    right, nxt = PREVIOUS.heads[0], NEXT.heads[0]
    others = [h for h in np.ndindex(LAYERS, HEADS) if h not in (right, nxt)]  # every one scores ≤ 0.69 (tested)
    picked = [others[int(c)] for c in rng.choice(len(others), size=2, replace=False)]
    heads = [right, nxt, *picked]
    shown, answer = shuffle_options(rng, heads, 0)  # the heads in the order of the options
    return Exercise(
        id="heatmap.previous-head",
        title="Find the previous-token head",
        kind=Kind.PREDICT,
        prompt=(f"Pretrained model (all-MiniLM-L6-v2, {LAYERS} layers × {HEADS} heads, counted from 1), sentence "
                f"“{sentence}”. One head sends nearly every word's attention to the word just before it: a "
                "**previous-token head**. Which of these is it?"),
        answer=answer,
        options=tuple(Option(head_label(*h).capitalize(), "") for h in shown),  # reasons: complete_previous_head
        solution=(),
        given={"sentence": sentence, "heads": [list(h) for h in shown]},
        needs="encoder",
    )


def complete_previous_head(ex: Exercise, res: Resources) -> Exercise | None:
    """The previous-token head exercise with every head's scores, measured on its sentence by the model."""
    if res.encoder is None:
        return None
    enc = _encode(res.encoder, ex.given["sentence"])
    prev = previous_token_score(enc.attentions, enc.tokens)  # (L, H)
    nxt = next_token_score(enc.attentions, enc.tokens)
    heads = [tuple(h) for h in ex.given["heads"]]  # in the order of the options
    right = heads[ex.answer]

    def why(h: tuple[int, int]) -> str:
        text = (f"In {head_label(*h)}, a word puts on average **{fmt(prev[h], 2)}** of its weight on the word just "
                "before it")
        if h == right:
            return text + ": nearly all of it. Every word looks one step back, whatever the words are."
        if h == NEXT.heads[0]:
            return text + f". This head looks the other way: {fmt(nxt[h], 2)} on the word just *after* (a next-token head)."
        return text + "."

    ranked = sorted(heads, key=lambda h: -prev[h])
    return replace(
        ex,
        options=tuple(Option(o.text, why(h)) for o, h in zip(ex.options, heads, strict=True)),
        solution=(md(md_table(["head", "previous-word score", "next-word score"],
                              [[head_label(*h), fmt(prev[h], 2), fmt(nxt[h], 2)] for h in ranked],
                              align_right=(1, 2))),
                  md("Score = the average weight a word puts on the word one place before (or after) it, over the "
                     "sentence's words ([CLS] and [SEP] left out), computed from the model's attention in numpy. "
                     f"{head_label(*right).capitalize()} scores at least {PREVIOUS.at_least:g} on every sentence "
                     "these exercises use.")),
        chart=Chart("Previous-word score of each head (1 = always the word before)",
                    tuple(head_label(*h) for h in heads), (("previous-word score", tuple(float(prev[h]) for h in heads)),),
                    "mean weight on the previous word"),
        needs="",
    )


def explanation(rng: np.random.Generator, res: Resources) -> Exercise | None:
    """What a weight of *it* on *animal* tells you. Built without the model; :func:`complete_explanation`
    fills in the measured weights once the student answers."""
    if not res.encoder_reachable:
        return None
    h, at_least = IT_ANIMAL[int(rng.integers(len(IT_ANIMAL)))]
    options = [
        Option("In this one head, *it*'s new vector takes that share of its mix from *animal*'s value vector. It "
               "shows where the head looks, not why the model reads *it* as the animal.", ""),
        Option("The model has worked out that *it* means the animal: this weight is its explanation.", ""),
        Option("*animal* pays about as much attention back to *it*.", ""),
        Option("Deleting *animal* from the sentence would change the model's output by that share.", ""),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="heatmap.explanation",
        title="What does a weight tell you?",
        kind=Kind.CHOICE,
        prompt=(f"Pretrained model, sentence “{EXPLAIN_SENTENCE}”. In **{head_label(*h)}**, the row of *it* puts "
                f"**more than {at_least:g}** of its weight on *animal*. What does this weight tell you?"),
        answer=answer,
        options=options,
        solution=(),
        given={"head": list(h), "at_least": at_least},
        needs="encoder",
    )


def complete_explanation(ex: Exercise, res: Resources) -> Exercise | None:
    """The explanation question with the weights the model gives on its sentence."""
    if res.encoder is None:
        return None
    enc = _encode(res.encoder, EXPLAIN_SENTENCE)
    it, animal = token_index(enc.tokens, "it"), token_index(enc.tokens, "animal")
    to_animal = enc.attentions[:, :, it, animal]  # (L, H)
    h = tuple(ex.given["head"])
    w, back = float(to_animal[h]), float(enc.attentions[h[0], h[1], animal, it])
    heads = int(np.sum(to_animal >= EXPLAIN_AT_LEAST))
    total = enc.n_layers * enc.n_heads
    why = {
        "In this one head": (
            f"A weight is a share of one head's weighted sum: {fmt(w, 2)} of *it*'s output in {head_label(*h)} "
            f"comes from *animal*'s value. The model has {total} heads in {enc.n_layers} layers, each followed by "
            "a feed-forward network; what the network *does* with that mix is not in the weight."),
        "The model has worked out": (
            f"Only {heads} of the {total} heads give *animal* at least {EXPLAIN_AT_LEAST:g} of *it*'s "
            "attention; the others look elsewhere. Attention weights can disagree with other measures of "
            "importance, and different weights can give the same output (Jain & Wallace 2019; the Academic "
            "page shows such a pair)."),
        "*animal* pays about": (
            f"In {head_label(*h)}, *animal* gives *it* only {fmt(back, 3)}. The weights are not symmetric: "
            "queries and keys come from different matrices, W_Q and W_K."),
        "Deleting *animal*": (
            f"A weight ({fmt(w, 2)} here) is not a measured effect on the output. To know what removing a word "
            "does, remove it and compare the outputs; the weights of the other words would change too."),
    }
    return replace(
        ex,
        options=tuple(Option(o.text, next(v for k, v in why.items() if o.text.startswith(k))) for o in ex.options),
        solution=(md(f"In {head_label(*h)} the row of *it* gives *animal* **{fmt(w, 3)}** (the prompt said more "
                     f"than {ex.given['at_least']:g}). {heads} of the {total} heads give *animal* at least "
                     f"{EXPLAIN_AT_LEAST:g} of *it*'s attention; the largest is {fmt(float(to_animal.max()), 2)}. A "
                     "heatmap shows how each head mixes the value vectors: a useful clue about what the model "
                     "tracks, not a proof of why it decides anything."),),
        given={**ex.given, "weight": w},
        needs="",
    )


COMPLETE = {"heatmap.previous-head": complete_previous_head, "heatmap.explanation": complete_explanation}


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Heatmap page's set for ``seed`` (without the pretrained model: four, the fourth on temperature).

    Building it never loads the model: the last two are completed by :func:`exercises.complete`."""
    return build(seed, (score, weight, causal, previous_head, explanation), res)

"""Home page exercises: the library analogy (query, keys, values, softmax, temperature) in numbers.

Every number comes from :func:`attention.library.ask_library` (the home page's live demo) and
:func:`attention.row_arithmetic`.
"""

from __future__ import annotations

import numpy as np

from attention import row_arithmetic
from attention.library import BOOKS, TOPICS, ask_library
from ui.arithmetic import dot_product_latex, score_latex

from .common import (
    Resources,
    build,
    md_table,
    shuffle_options,
    softmax_weight_exercise,
    temperature_prediction,
)
from .model import Chart, Exercise, Kind, Option, fmt, md, tex

TITLES = tuple(BOOKS)


def _query(rng: np.random.Generator) -> np.ndarray:
    """A reader's query on the demo's slider grid: 0 to 3 in steps of 0.5 per topic, not all zero."""
    while True:
        q = rng.integers(0, 7, size=len(TOPICS)) * 0.5
        if np.count_nonzero(q) >= 2:
            return q


def _query_text(q: np.ndarray) -> str:
    return ", ".join(f"{t} {v:g}" for t, v in zip(TOPICS, q, strict=True))


def _keys_table() -> str:
    return md_table(["book", *TOPICS], [[f"*{t}*", *(f"{v:g}" for v in BOOKS[t][0])] for t in TITLES],
                    align_right=range(1, len(TOPICS) + 1))


def weight(rng: np.random.Generator) -> Exercise:
    for _ in range(200):
        q, j = _query(rng), int(rng.integers(len(TITLES)))
        result = ask_library(q)
        if 0.05 < result.weights[j] < 0.9:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    scores = [round(float(s), 3) for s in result.scores]  # exact: keys have 1 decimal, the query steps of 0.5
    table = md_table(["book", "score q·k"], [[f"*{t}*", fmt(s)] for t, s in zip(TITLES, scores, strict=True)],
                     align_right=(1,))
    return softmax_weight_exercise(
        id="home.weight",
        prompt=(f"A reader asks the library with the query **{_query_text(q)}** (temperature 1). The demo's table "
                f"then shows these scores:\n\n{table}\n\nWhat **weight** does *{TITLES[j]}* get?"),
        labels=[f"*{t}*" for t in TITLES],
        scores=scores,
        j=j,
        given={"query": q.tolist()},
    )


def score(rng: np.random.Generator) -> Exercise:
    q, j = _query(rng), int(rng.integers(len(TITLES)))
    result = ask_library(q)
    ra = row_arithmetic(result.query, result.keys, result.values, scale=1.0)  # the demo's numbers, spelled out
    answer = float(ra.dots[j])
    key_text = ", ".join(f"{t} {v:g}" for t, v in zip(TOPICS, BOOKS[TITLES[j]][0], strict=True))
    return Exercise(
        id="home.score",
        title="Match a query with a key",
        kind=Kind.NUMBER,
        prompt=(f"A reader's query is **{_query_text(q)}**. The label (key) of *{TITLES[j]}* is **{key_text}**. "
                "What is the match **score** q·k (temperature 1)?"),
        answer=answer,
        tolerance=0.01,
        digits=2,
        solution=(md("Multiply topic by topic and add up (the dot product):"),
                  tex(dot_product_latex(ra, j, "query", TITLES[j], per_line=2)),
                  tex(score_latex(ra, j)),
                  md(f"The demo's table shows the same score for *{TITLES[j]}*: {fmt(result.scores[j])}. "
                     "The more the query's topics overlap the book's tags, the bigger the score.")),
        given={"query": q.tolist(), "key": list(BOOKS[TITLES[j]][0])},
    )


def best(rng: np.random.Generator) -> Exercise:
    for _ in range(200):
        q = _query(rng)
        w = ask_library(q).weights
        top, second = np.sort(w)[::-1][:2]
        if top - second > 0.05:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    result = ask_library(q)
    b = int(np.argmax(result.weights))
    others = [int(i) for i in rng.permutation([i for i in range(len(TITLES)) if i != b])[:3]]
    def why(i: int) -> str:
        return (f"*{TITLES[i]}* scores {fmt(result.scores[i])} and gets weight {fmt(result.weights[i])}; "
                f"*{TITLES[b]}* scores higher, {fmt(result.scores[b])}, and gets {fmt(result.weights[b])}.")
    options = [Option(f"*{TITLES[b]}*", f"*{TITLES[b]}* has the highest score, q·k = {fmt(result.scores[b])}, and "
                      f"softmax gives the highest score the largest weight: {fmt(result.weights[b])}.")]
    options += [Option(f"*{TITLES[i]}*", why(i)) for i in others]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="home.best",
        title="Which book is read most?",
        kind=Kind.PREDICT,
        prompt=(f"The books' labels (keys):\n\n{_keys_table()}\n\nA reader asks with the query "
                f"**{_query_text(q)}** (temperature 1). Before you look it up: which book gets the **largest "
                "weight**?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["book", "score q·k", "weight"],
                              [[f"*{t}*", fmt(s), fmt(w)] for t, s, w in
                               zip(TITLES, result.scores, result.weights, strict=True)], align_right=(1, 2))),
                  md(f"*{TITLES[b]}* matches best. The weights add up to {fmt(float(result.weights.sum()))}: "
                     "the reader blends the books in these proportions.")),
        chart=Chart("Weights of the five books", TITLES, (("weight", tuple(float(x) for x in result.weights)),),
                    "weight"),
        given={"query": q.tolist()},
    )


def temperature(rng: np.random.Generator) -> Exercise:
    t1 = 3.0 if rng.random() < 0.5 else 0.3
    for _ in range(200):
        q = _query(rng)
        before = ask_library(q, temperature=1.0).weights
        if 0.3 < before.max() < 0.85:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    after = ask_library(q, temperature=t1).weights
    return temperature_prediction(
        id="home.temperature",
        rng=rng,
        context=f"A reader's query is **{_query_text(q)}**. At temperature 1 the five books get these weights:",
        labels=[f"*{t}*" for t in TITLES],
        chart_labels=TITLES,
        key_name="book",
        before=before,
        after=after,
        t0=1.0,
        t1=t1,
        chart_title="The five books' weights at both temperatures",
        given={"query": q.tolist()},
    )


def key_and_value(rng: np.random.Generator) -> Exercise:
    title = TITLES[int(rng.integers(len(TITLES)))]
    key, value = BOOKS[title]
    q = _query(rng)
    result = ask_library(q)
    j = TITLES.index(title)

    def vec(v) -> str:
        return "(" + ", ".join(f"{x:g}" for x in v) + ")"

    answer_vec = "(" + ", ".join(fmt(a, 2) for a in result.answer) + ")"
    options = [
        Option("The key decides *how much* the book is read (it is compared with the query); the value is *what* "
               "is read and blended into the answer.",
               f"With the query {vec(q)}, *{title}* scores q·k = {fmt(result.scores[j])} from its key alone and gets "
               f"weight {fmt(result.weights[j])}; the answer blends the values with the weights: "
               f"Σ w·v = {answer_vec}. A book can be easy to find by its label and still hand over other content."),
        Option("They are the same thing written twice.",
               f"They differ: *{title}* has key {vec(key)} but value {vec(value)}. In a transformer they come from "
               "two different matrices, W_K and W_V, learned separately."),
        Option("The value is the score of the match between the query and the key.",
               f"The score is q·k, a single number ({fmt(result.scores[j])} for *{title}* with the query {vec(q)}); "
               f"the value is a vector, {vec(value)}, that the weights blend into the answer."),
        Option("The key is what the reader is looking for.",
               f"That is the query, {vec(q)}. The key is the book's label, {vec(key)}, that the query is compared "
               "with."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="home.qkv",
        title="Why a key *and* a value?",
        kind=Kind.CHOICE,
        prompt=(f"Every book has a **key** (its label) and a **value** (what is inside). *{title}* has key "
                f"**{vec(key)}** and value **{vec(value)}** over ({', '.join(TOPICS)}). Why keep the two apart?"),
        answer=answer,
        options=options,
        solution=(md("Attention uses the keys to decide the weights and the values to build the answer: "
                     "weights = softmax(q·k), answer = Σ weight × value."),),
        given={"query": q.tolist(), "book": title},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The home page's set for ``seed``."""
    return build(seed, (weight, score, best, temperature, key_and_value))

"""Pieces shared by the pages' exercise sets: formatting, option shuffling, and exercise patterns that
more than one page uses (a softmax weight from given scores, a temperature prediction).

The arithmetic shown in solutions is :mod:`ui.arithmetic`'s, the same LaTeX the pages print for a
row (it is pure formatting: no streamlit); every number in it comes from :mod:`attention`.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from attention import RowArithmetic, row_arithmetic
from ui.arithmetic import softmax_latex

from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

__all__ = [
    "Resources",
    "encoder_within_reach",
    "build",
    "SENTENCES",
    "WEIGHT_TOLERANCE",
    "word",
    "vector_text",
    "md_table",
    "shuffle_options",
    "row_of_scores",
    "weights_table",
    "softmax_weight_exercise",
    "temperature_prediction",
    "head_label",
]


@functools.cache
def _load_encoder() -> Any:
    """all-MiniLM-L6-v2, loaded once per process; None when its files are not available."""
    from attention import pretrained

    try:
        return pretrained.load_encoder()
    except pretrained.ModelUnavailable:
        return None


def encoder_within_reach() -> bool:
    """Whether the pretrained encoder can be loaded here, answered without loading or downloading it.

    True when ``safetensors`` and ``tokenizers`` are installed and the files are named by the environment
    variable, installed as a package, or can come from the Hugging Face Hub (``huggingface_hub`` installed),
    the sources :func:`attention.pretrained.locate_model` tries. Loading can still fail (a wrong folder, no
    network): then :func:`exercises.complete` says so.
    """
    from attention import pretrained

    found = importlib.util.find_spec  # finds a package without importing it
    if not (found("safetensors") and found("tokenizers")):
        return False
    if os.environ.get(pretrained.ENV_VAR, "").strip():
        return True
    return bool(found(pretrained.PACKAGE) or found("huggingface_hub"))


class Resources:
    """Shared read-only objects that some exercises need, each loaded on first use and at most once.

    ``encoder``: a zero-argument function returning the pretrained encoder (an
    :class:`attention.pretrained.Encoder`), or anything else (None, an error message) when it is not
    available; default: :func:`attention.pretrained.load_encoder`, cached per process. The app passes
    the loader the Heatmap page already uses, so the model's weights are in memory once.

    ``reachable``: a cheap zero-argument check that the encoder can be loaded, so that a set is built without
    loading it (its exercises that need it are completed later, by :func:`exercises.complete`); default:
    :func:`encoder_within_reach` with the default loader, else whether ``encoder`` loads.

    ``translator``: a function of a kind ("attention" or "bottleneck") returning that shipped translator;
    default: :func:`attention.translation.load` (read once per process).
    """

    def __init__(self, encoder: Callable[[], Any] | None = None, *, reachable: Callable[[], bool] | None = None,
                 translator: Callable[[str], Any] | None = None):
        self._encoder = encoder or _load_encoder
        self._reachable = reachable or (encoder_within_reach if encoder is None else lambda: self.encoder is not None)
        self._translator = translator

    @functools.cached_property
    def encoder(self) -> Any:
        """The encoder, loaded now (once), or None when it is not available."""
        from attention.pretrained import Encoder

        loaded = self._encoder()
        return loaded if isinstance(loaded, Encoder) else None

    @functools.cached_property
    def encoder_reachable(self) -> bool:
        """Whether the encoder can be loaded, without loading it (when the check allows)."""
        return bool(self._reachable())

    def translator(self, kind: str) -> Any:
        """The shipped translator of ``kind`` (an :class:`attention.translation.Translator`)."""
        if self._translator is None:
            from attention.translation import load

            return load(kind)
        return self._translator(kind)


def build(seed: int, builders: Sequence[Callable[..., Exercise | None]], *args: Any) -> list[Exercise]:
    """Run each builder with its own generator ``default_rng([seed, i])`` (appending a builder changes no
    other exercise's numbers); a builder returns None when what it needs is not available."""
    made = (b(np.random.default_rng([seed, i]), *args) for i, b in enumerate(builders))
    return [e for e in made if e is not None]


# Short sentences for the toy (random-weights) exercises: typed by us, so safe in markdown.
SENTENCES = (
    "The animal didn't cross the street because it was too tired.",
    "The cat sat on the warm soft mat.",
    "Birds fly south when the winter comes.",
    "She gave her brother a book for his birthday.",
    "The keys to the cabinet are on the table.",
    "I saw the man with the telescope.",
    "Time flies like an arrow.",
    "A small dog chased the red ball across the park.",
)

WEIGHT_TOLERANCE = 0.006  # a weight is accepted to 2 decimals, rounded or cut off


def word(token: str) -> str:
    """A token for markdown, in italics, with markdown's special characters escaped."""
    escaped = "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(token))
    return f"*{escaped}*"


def vector_text(values: Sequence[float], digits: int = 2) -> str:
    """``[0.52, −1.30, 0.08]``: a vector as shown on the pages."""
    return "[" + ", ".join(fmt(v, digits) for v in values) + "]"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align_right: Sequence[int] = ()) -> str:
    """A markdown table; ``align_right`` lists the columns of numbers."""
    line = ["---:" if i in align_right else "---" for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(line) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def shuffle_options(rng: np.random.Generator, options: Sequence[Any], correct: int) -> tuple[tuple[Any, ...], int]:
    """The options (or anything they are made from) in a seeded random order, and where the right one went."""
    order = rng.permutation(len(options))
    return tuple(options[i] for i in order), int(np.flatnonzero(order == correct)[0])


def row_of_scores(scores: Sequence[float], temperature: float = 1.0, mask_row: Sequence[bool] | None = None
                  ) -> RowArithmetic:
    """The softmax of a row of given scores, by :func:`attention.row_arithmetic` (d_k = 1, q = 1, k_j = s_j)."""
    s = np.asarray(scores, dtype=np.float64)
    return row_arithmetic(np.ones(1), s[:, None], mask_row=mask_row, scale=1.0, temperature=temperature)


def weights_table(labels: Sequence[str], ra: RowArithmetic, *, score_name: str = "score", digits: int = 3) -> str:
    """Markdown: every key's score, exp(score − max) and weight, as the pages' row tables show them."""
    rows = [[labels[j], fmt(ra.scores[j], digits), fmt(ra.exps[j], 4), fmt(ra.weights[j], 4)]
            for j in range(len(labels))]
    rows.append(["**sum**", "", fmt(ra.total, 4), fmt(float(ra.weights.sum()), 4)])
    return md_table(["key", score_name, "exp(score − max)", "weight"], rows, align_right=(1, 2, 3))


def softmax_weight_exercise(
    *,
    id: str,
    prompt: str,
    labels: Sequence[str],
    scores: Sequence[float],
    j: int,
    temperature: float = 1.0,
    extra_mistakes: Sequence[Mistake] = (),
    title: str = "One softmax weight",
    score_digits: int = 3,
    given: dict | None = None,
) -> Exercise:
    """"What weight does key j get?" from a row of given ``scores`` (divided by ``temperature`` first).

    The answer and every number of the solution come from :func:`row_of_scores` on the scores exactly
    as the prompt shows them.
    """
    ra = row_of_scores(scores, temperature)
    answer = float(ra.weights[j])
    positive = np.asarray(scores, float)
    mistakes = list(extra_mistakes)
    if np.all(positive > 0):
        mistakes.append(Mistake(float(positive[j] / positive.sum()), "That is the score divided by the sum of "
                                "the scores. Softmax exponentiates first: weight = e^(score − max) / Σ e^(s − max)."))
    mistakes.append(Mistake(float(ra.exps[j]), "That is e^(score − max) before dividing by the sum of the row's "
                            f"exponentials ({fmt(ra.total, 4)}): the weights must add up to 1."))
    steps = [md("Subtract the row's largest score"
                + (f" (after dividing every score by the temperature {temperature:g})" if temperature != 1 else "")
                + ", exponentiate, and divide by the sum of the exponentials:"),
             md(weights_table(labels, ra, score_name="score" + (f" ÷ {temperature:g}" if temperature != 1 else ""),
                              digits=score_digits if temperature == 1 else 3)),
             tex(softmax_latex(ra, j)),
             md(f"So {labels[j]} gets **{fmt(answer, 4)}**; the weights add up to {fmt(float(ra.weights.sum()), 4)}.")]
    return Exercise(
        id=id,
        title=title,
        kind=Kind.NUMBER,
        prompt=prompt + " Give at least 2 decimals.",
        answer=answer,
        tolerance=WEIGHT_TOLERANCE,
        digits=3,
        mistakes=tuple(mistakes),
        solution=tuple(steps),
        given={"scores": [float(s) for s in scores], "temperature": float(temperature), "j": int(j),
               **(given or {})},
    )


def temperature_prediction(
    *,
    id: str,
    rng: np.random.Generator,
    context: str,
    labels: Sequence[str],
    chart_labels: Sequence[str],
    before: np.ndarray,
    after: np.ndarray,
    t0: float,
    t1: float,
    chart_title: str,
    key_name: str = "key",
    given: dict | None = None,
) -> Exercise:
    """Predict what changing the temperature from ``t0`` to ``t1`` does to a row of weights.

    ``before`` and ``after`` are the row's weights at the two temperatures, computed by the caller with
    :mod:`attention`. The prompt shows ``before`` only; the chart and numbers of ``after`` are the reveal.
    ``labels`` are markdown (tables, options), ``chart_labels`` plain text (the chart).
    """
    b, lo = int(np.argmax(before)), int(np.argmin(before))
    s = len(labels)
    rising = t1 > t0
    top, low = labels[b], labels[lo]
    moved = (f"the top {key_name} {top} goes from {fmt(before[b])} to {fmt(after[b])} and the lowest, {low}, from "
             f"{fmt(before[lo])} to {fmt(after[lo])}")
    flatter = Option(
        f"The weights move towards equal shares (1/{s} = {fmt(1 / s)} each): the top {key_name} loses weight.",
        (f"Dividing the scores by a larger temperature ({t1:g} instead of {t0:g}) shrinks the gaps between them, "
         f"so their exponentials become more alike: {moved}.") if rising else
        (f"The other way round: a lower temperature ({t1:g} instead of {t0:g}) divides by a smaller number, "
         f"which stretches the gaps between the scores: {moved}."),
    )
    sharper = Option(
        f"The top {key_name} takes an even larger share: the weights get more concentrated.",
        (f"A lower temperature ({t1:g} instead of {t0:g}) stretches the gaps between the scores, and the "
         f"exponential turns bigger gaps into much bigger ratios: {moved}.") if not rising else
        (f"The other way round: a higher temperature ({t1:g} instead of {t0:g}) shrinks the gaps between the "
         f"scores: {moved}."),
    )
    unchanged = Option(
        "Nothing changes: softmax ignores rescaling the scores.",
        f"The weights do change: {moved}. Softmax ignores *adding* the same number to every score, not "
        "*dividing* every score by one: dividing changes the gaps between them, and the gaps decide the weights.",
    )
    reorder = Option(
        f"A different {key_name} gets the largest weight.",
        f"Dividing every score by the same positive number keeps their order, so {top} stays on top "
        f"({fmt(after[b])} now). Only how much the weight is concentrated changes.",
    )
    options, answer = shuffle_options(rng, [flatter, sharper, unchanged, reorder], 0 if rising else 1)
    rows = [[labels[j], fmt(before[j]), fmt(after[j])] for j in range(s)]
    return Exercise(
        id=id,
        title="Temperature",
        kind=Kind.PREDICT,
        prompt=(f"{context}\n\n"
                + md_table([key_name, f"weight at temperature {t0:g}"], [r[:2] for r in rows], align_right=(1,))
                + f"\n\nThe temperature is now changed from **{t0:g}** to **{t1:g}**. What happens to the row?"),
        answer=answer,
        options=options,
        solution=(md(f"At temperature {t1:g}, the weights are:"),
                  md(md_table([key_name, f"temperature {t0:g}", f"temperature {t1:g}"], rows, align_right=(1, 2))),
                  md(f"Largest weight: {fmt(before.max())} → {fmt(after.max())}. Each score is divided by the "
                     "temperature before the softmax: a high temperature flattens the row towards equal shares, a "
                     "low one sharpens it towards the best match. The order never changes.")),
        chart=Chart(chart_title, tuple(chart_labels), ((f"temperature {t0:g}", tuple(float(w) for w in before)),
                                                 (f"temperature {t1:g}", tuple(float(w) for w in after))),
                    "weight"),
        given={"t0": float(t0), "t1": float(t1), **(given or {})},
    )


def head_label(layer: int, head: int) -> str:
    """A pretrained head as students read it: layers and heads counted from 1."""
    return f"layer {layer + 1}, head {head + 1}"


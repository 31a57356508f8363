"""The bottleneck, measured: accuracy against sentence length, and what the numbers say, in words.

Every sentence here is computed from the evaluation that ``scripts/train_translators.py`` shipped with the
weights (held-out sentences only), so it stays true when the models are retrained.
"""

from __future__ import annotations

import numpy as np

from attention.translation.evaluate import BINS, by_bins
from attention.translation.store import Shipped
from figures.translation import NAMES


def percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


def bin_table(data: Shipped) -> list[dict]:
    """One row per length bin: sentences tested, exact match % and words right % of both models."""
    rows = []
    att, bot = data.scores["attention"], data.scores["bottleneck"]
    for (lo, hi, (n, words, ea, eb, wa, wb)) in by_bins(att.lengths, att.sentences, att.words_total, att.exact,
                                                        bot.exact, att.words_correct, bot.words_correct):
        rows.append({"lo": lo, "hi": hi, "sentences": n, "exact": {"attention": percent(ea, n),
                     "bottleneck": percent(eb, n)}, "words": {"attention": percent(wa, words),
                     "bottleneck": percent(wb, words)}})
    return rows


def table_markdown(rows: list[dict]) -> str:
    head = ["| sentence length | held-out sentences | attention: exact | bottleneck: exact "
            "| attention: words right | bottleneck: words right |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    body = [f"| {r['lo']}–{r['hi']} words | {r['sentences']} | {r['exact']['attention']:.1f} % | "
            f"{r['exact']['bottleneck']:.1f} % | {r['words']['attention']:.1f} % | {r['words']['bottleneck']:.1f} % |"
            for r in rows]
    return "\n".join(head + body)


def last_length_above(data: Shipped, kind: str, threshold: float) -> int | None:
    """The longest length L such that every length up to L has exact match ≥ threshold % (None: not even 3)."""
    s = data.scores[kind]
    ok = [percent(e, n) >= threshold for e, n in zip(s.exact, s.sentences, strict=True)]
    last = None
    for length, good in zip(s.lengths, ok, strict=True):
        if not good:
            break
        last = int(length)
    return last


def story(data: Shipped) -> str:
    """What the chart shows, in sentences whose every number (and every comparison) comes from the data."""
    rows = bin_table(data)
    short, long = rows[0], rows[-1]
    a_short, b_short = short["exact"]["attention"], short["exact"]["bottleneck"]
    a_long, b_long = long["exact"]["attention"], long["exact"]["bottleneck"]
    lines = [
        f"**Short sentences ({short['lo']}–{short['hi']} words):** the attention model translates "
        f"{a_short:.1f} % exactly, the bottleneck model {b_short:.1f} %. "
        + ("Both do well: a short sentence fits in one vector."
           if min(a_short, b_short) >= 90 else "Not both do well here."),
    ]
    worst_attention = min(r["exact"]["attention"] for r in rows)
    lines.append(
        f"**Long sentences ({long['lo']}–{long['hi']} words):** the attention model still translates "
        f"{a_long:.1f} % exactly (its worst length bin: {worst_attention:.1f} %); the bottleneck model "
        f"{b_long:.1f} %"
        + (f", {'less than a tenth' if b_long < a_long / 10 else 'less than half'} of the attention model's."
           if b_long < a_long / 2 else ".")
    )
    keep = last_length_above(data, "bottleneck", 90.0)
    bot = data.scores["bottleneck"]
    if keep is not None and keep < int(bot.lengths[-1]):
        after = bot.lengths > keep
        first, last = (percent(bot.exact[i], bot.sentences[i]) for i in np.flatnonzero(after)[[0, -1]])
        lines.append(f"The bottleneck model keeps 90 % exact match or better only up to {keep} words; after that "
                     f"it falls, from {first:.1f} % at {keep + 1} words to {last:.1f} % at {int(bot.lengths[-1])} "
                     f"words: one summary vector of {2 * data.meta['model']['enc']} numbers must carry every word.")
    elif keep is not None:
        lines.append(f"The bottleneck model keeps 90 % exact match or better at every length up to {keep} words.")
    w_long = long["words"]["bottleneck"]
    if w_long > b_long + 10:
        lines.append(f"It does not forget everything: it still writes {w_long:.1f} % of the words of "
                     f"{long['lo']}–{long['hi']}-word sentences in the right place, but one wrong word makes "
                     "the whole translation wrong.")
    return "\n\n".join(lines)


def alignment_story(data: Shipped) -> str:
    """How often the attention model's largest weight sits on the gold-aligned English word."""
    a = {k: int(np.sum(v)) for k, v in data.alignment.items()}

    def share(name: str) -> str:
        return (f"**{a[name + '_hits']:,} of {a[name + '_total']:,}** "
                f"({percent(a[name + '_hits'], a[name + '_total']):.2f} %)")

    return (
        "Nobody told the attention model which English word a German word comes from: it learnt only to "
        "translate. Yet, writing the reference translations of the same held-out sentences, it put its largest "
        f"cross-attention weight on the gold-aligned English word for {share('content')} content words (nouns, "
        f"adjectives, verbs), and for {share('crossing')} of those whose alignment line crosses another (the "
        "verbs German moves to the end of a clause, and the words they jump over). Over every word, articles "
        f"and link words included: {share('all')}."
    )


def chart_series(data: Shipped) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per length, exact match % and words right % of each model (for ``figures.translation.accuracy_by_length``)."""
    out = {}
    for kind in NAMES:
        s = data.scores[kind]
        out[kind] = (100.0 * s.exact / np.maximum(s.sentences, 1), 100.0 * s.words_correct / np.maximum(s.words_total, 1))
    return out


__all__ = ["BINS", "bin_table", "table_markdown", "story", "alignment_story", "chart_series", "last_length_above"]

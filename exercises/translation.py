"""Translation page exercises: the bottleneck measured, crossing alignments, where the attention model reads,
whether the bottleneck model gets a long sentence right, and what attention weights do and do not say.

Numbers come from :mod:`attention.translation`: held-out sentence pairs with their gold alignment
(:func:`~attention.translation.sample`), the shipped models' translations and cross-attention
(``res.translator(kind).translate``), and the evaluation shipped with the weights
(:func:`~attention.translation.shipped`, :func:`~attention.translation.evaluate.crossing`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attention.translation import Pair, sample, shipped
from attention.translation.evaluate import BINS, by_bins, crossing
from attention.translation.grammar import CONTENT_WORDS, TRANSITIVE

from .common import Resources, build, md_table, shuffle_options
from .model import Chart, Exercise, Kind, Mistake, Option, fmt, md, tex

ATTENTION, BOTTLENECK = "attention", "bottleneck"
SHORT = BINS[:2]  # 3–10 words: where a sentence fits in one vector
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _pair(rng: np.random.Generator, lo: int, hi: int) -> Pair:
    """One held-out sentence pair (never trained on) of ``lo`` to ``hi`` words."""
    return sample(1, seed=int(rng.integers(2**31)), min_len=lo, max_len=hi)[0]


def _quoted(words: Sequence[str]) -> str:
    return "“" + " ".join(words) + "”"


def _english(words: Sequence[str], j: int) -> str:
    return f"*{words[j]}* (English word {j})"


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole


def _words_in_place(output: Sequence[str], reference: Sequence[str]) -> int:
    """Reference words matched at their position, as the shipped evaluation counts them."""
    return sum(a == b for a, b in zip(output, reference, strict=False))


def _small(x: float) -> str:
    """A small positive number readably: 0.012, or 3.4 × 10⁻⁵ below 0.001."""
    if x >= 1e-3:
        return fmt(x)
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"


def _marked(output: Sequence[str], reference: Sequence[str]) -> str:
    """German words, those that differ from the reference at their place struck through and in bold."""
    out = [w if i < len(reference) and reference[i] == w else f"**~~{w}~~**" for i, w in enumerate(output)]
    return " ".join(out) if out else "*(nothing)*"


# ---- numbers -------------------------------------------------------------------------------------------


def gap(rng: np.random.Generator, res: Resources) -> Exercise:
    """The accuracy gap between the two models at one sentence length, from the shipped evaluation."""
    data = shipped()
    att, bot = data.scores[ATTENTION], data.scores[BOTTLENECK]
    exact = bool(rng.integers(2))
    if exact:
        totals, a_counts, b_counts = att.sentences, att.exact, bot.exact
    else:
        totals, a_counts, b_counts = att.words_total, att.words_correct, bot.words_correct
    gaps = 100.0 * (a_counts - b_counts) / np.maximum(totals, 1)
    candidates = np.flatnonzero(gaps >= 0.5)  # lengths where the models differ
    i = int(rng.choice(candidates))
    n, a, b, length = int(totals[i]), int(a_counts[i]), int(b_counts[i]), int(att.lengths[i])
    answer = _percent(a, n) - _percent(b, n)
    (lo, hi, (n_short, a_short, b_short)), = by_bins(att.lengths, totals, a_counts, b_counts,
                                                     bins=((SHORT[0][0], SHORT[-1][1]),))
    short_a, short_b = _percent(a_short, n_short), _percent(b_short, n_short)
    what, unit = ("exact match", "sentences translated exactly") if exact else ("words right", "reference words "
                                                                                "in their place")
    counted = (f"of the **{n}** held-out sentences of exactly {length} words, the attention model translated **{a}** "
               f"exactly and the bottleneck model **{b}**") if exact else \
        (f"the held-out sentences of exactly {length} words have **{n:,}** reference words; the attention model wrote "
         f"**{a:,}** of them in their place and the bottleneck model **{b:,}**")
    slips = [(float(a - b), f"That is the difference in {unit}, not in percentages: divide each count by {n:,} "
                            "first."),
             (_percent(b, n), "That is the bottleneck model's own score; the question asks how far it trails."),
             (100.0 * (a - b) / a, f"That divides by the attention model's {a:,}; both percentages are out of the "
                                   f"same {n:,}.")]
    return Exercise(
        id="translation.gap",
        title="The bottleneck, in percentage points",
        kind=Kind.NUMBER,
        prompt=(f"In the shipped evaluation ({what}), {counted}. By how many **percentage points** does the bottleneck "
                f"model's {'exact match' if exact else 'share of words right'} trail the attention model's at {length} "
                "words? Give 1 decimal."),
        answer=answer,
        tolerance=0.06,
        digits=1,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(tex(rf"100 \times \tfrac{{{a}}}{{{n}}} - 100 \times \tfrac{{{b}}}{{{n}}} = {_percent(a, n):.2f} - "
                      rf"{_percent(b, n):.2f} = {answer:.2f}\ \text{{percentage points}}"),
                  md(f"The chart under *The bottleneck, measured* shows both models' {what} at every length: "
                     f"attention model {short_a:.1f} % and bottleneck model {short_b:.1f} % on the {lo}–{hi}-word "
                     f"sentences; at {length} words, {_percent(a, n):.1f} % and {_percent(b, n):.1f} %.")),
        given={"length": length, "total": n, "attention": a, "bottleneck": b, "exact": exact},
    )


def crossings(rng: np.random.Generator, res: Resources) -> Exercise:
    """How many German words have an alignment line that crosses another, in a held-out pair."""
    clauses = int(rng.integers(1, 3))  # verb-final clauses with an object: 1 or 2 (3 or 4 crossing words each)
    for _ in range(2000):
        pair = _pair(rng, 8 * clauses, 12 * clauses)
        crossed = crossing(pair.alignment)
        source = dict(pair.alignment)  # German position -> English position
        verbs = [i for i in crossed if pair.source[source[i]] in TRANSITIVE]  # the verbs moved to a clause's end
        if len(verbs) == clauses:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    line = " · ".join(f"{w} ({source[i]})" for i, w in enumerate(pair.target))
    pairs = sum(1 for i in crossed for i2 in crossed if i < i2 and (i - i2) * (source[i] - source[i2]) < 0)
    answer = float(len(crossed))
    listed = ", ".join(f"{pair.target[i]} ({source[i]})" for i in sorted(crossed))
    slips = [(float(pairs), "That counts pairs of crossing lines; the question asks how many German words have a "
                            "line that crosses at least one other."),
             (float(len(verbs)), "That counts the verbs that moved; the words they jump over have crossing lines too.")]
    return Exercise(
        id="translation.crossing",
        title="Crossing alignment lines",
        kind=Kind.NUMBER,
        prompt=(f"The held-out sentence {_quoted(pair.source)} is, in the grammar's German, each German word followed "
                f"by the position of the English word it translates (English counted from 0):\n\n{line}\n\nDraw a "
                "line from each German word to its English word: two lines cross when German puts two words in the "
                "opposite order to English. How many **German words** have a line that **crosses** another one?"),
        answer=answer,
        tolerance=0.4,
        digits=0,
        mistakes=tuple(Mistake(v, why) for v, why in slips),
        solution=(md(f"Reading the English positions from left to right, a German word's line crosses another when a "
                     f"word further right comes from further left in English. Here: {listed}: **{len(crossed)}** "
                     f"words, {pairs} crossing pair(s)."),
                  md("German puts the verb of a clause after *weil*, *wenn* or *dass* at the clause's end, after its "
                     "object: the verb's line crosses the object's lines. The page's heatmap outlines these gold cells; "
                     "where they leave the diagonal, the decoder must look back past words it has already translated.")),
        given={"source": pair.source, "target": pair.target, "alignment": [list(a) for a in pair.alignment]},
    )


# ---- predictions ---------------------------------------------------------------------------------------


def reads(rng: np.random.Generator, res: Resources) -> Exercise:
    """Which English word the attention model reads most while it writes a German word whose line crosses."""
    model = res.translator(ATTENTION)
    for _ in range(200):
        pair = _pair(rng, 8, 16)
        crossed = sorted(i for i in crossing(pair.alignment) if pair.source[dict(pair.alignment)[i]] in CONTENT_WORDS)
        out = model.translate(pair.source)
        if crossed and out.target == pair.target:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    source = dict(pair.alignment)
    i = int(rng.choice(crossed))
    w = out.cross_attention[i]  # (S,) the row of German word i
    gold, top = source[i], int(np.argmax(w))
    same = i if i != gold else None  # the English word at the same position
    before = source[i - 1] if i > 0 else None  # what the word before was written from
    picks = list(dict.fromkeys(j for j in (top, gold, same, before) if j is not None))
    rest = [j for j in range(len(pair.source)) if j not in picks]
    while len(picks) < 4 and rest:
        picks.append(rest.pop(int(rng.integers(len(rest)))))
    german = pair.target[i]

    def why(j: int) -> str:
        text = f"Writing *{german}*, the model gives {_english(pair.source, j)} **{fmt(w[j])}**"
        if j == top:
            text += ": its largest weight"
            text += (", and its gold-aligned word." if j == gold else
                     f". Its gold-aligned word is {_english(pair.source, gold)} ({fmt(w[gold])}).")
        elif j == gold:
            text += f", although it is the gold-aligned word; the largest goes to {_english(pair.source, top)}."
        elif j == same:
            text += (f". This English word has the same position as *{german}*, but German word order differs here: "
                     f"*{german}* translates {_english(pair.source, gold)}.")
        elif j == before:
            text += f". It is the English word of the German word written just before, *{pair.target[i - 1]}*."
        else:
            text += "."
        return text

    shown, answer = shuffle_options(rng, picks, 0)
    options = tuple(Option(_english(pair.source, j), why(j)) for j in shown)
    top3 = [int(j) for j in np.argsort(w)[::-1][:3]]
    return Exercise(
        id="translation.reads",
        title="Where does it look?",
        kind=Kind.PREDICT,
        prompt=(f"The attention model translates the held-out sentence {_quoted(pair.source)} exactly: "
                f"{_quoted(pair.target)}. While it writes German word {i}, **{german}**, which English word does it "
                "read most (its largest cross-attention weight)?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["English word", "weight"], [[_english(pair.source, j), fmt(w[j])] for j in top3],
                              align_right=(1,))),
                  md(f"*{german}* translates {_english(pair.source, gold)}. German puts the verb of a clause after "
                     "*weil*, *wenn* or *dass* at the clause's end, so here the German order leaves the English order "
                     f"and alignment lines cross. The model was never told the alignment; its row for *{german}* is "
                     "computed by `attention.scaled_dot_product_attention` from the decoder's state and the encoder's "
                     "vectors of the English words.")),
        chart=Chart(f"Cross-attention while writing “{german}”", tuple(f"{j}: {s}" for j, s in enumerate(pair.source)),
                    (("weight", tuple(float(x) for x in w)),), "weight"),
        given={"source": pair.source, "row": i, "gold": gold, "top": top},
    )


def long_sentence(rng: np.random.Generator, res: Resources) -> Exercise:
    """Will the bottleneck model get a long held-out sentence right? Revealed with both models' real output."""
    data = shipped()
    bot = data.scores[BOTTLENECK]
    length = int(rng.integers(16, 26))
    pair = _pair(rng, length, length)
    outputs = {kind: res.translator(kind).translate(pair.source).target for kind in (ATTENTION, BOTTLENECK)}
    ref, n = pair.target, len(pair.target)
    placed = {kind: _words_in_place(out, ref) for kind, out in outputs.items()}
    i = int(np.flatnonzero(bot.lengths == length)[0])
    evaluated = _percent(bot.exact[i], bot.sentences[i])
    three_quarters = int(np.ceil(0.75 * n))
    b = outputs[BOTTLENECK]
    outcome = 0 if b == ref else (1 if placed[BOTTLENECK] >= three_quarters else 2)
    said = (f"It wrote {_quoted(b)}: {placed[BOTTLENECK]} of the {n} reference words in their place"
            + (" and nothing else: exactly right." if outcome == 0 else ".")
            + f" At {length} words it gets {evaluated:.1f} % of the held-out sentences exactly right and "
              f"{_percent(bot.words_correct[i], bot.words_total[i]):.1f} % of their words in place.")
    options = [
        Option("Exactly right: every word in its place.", said),
        Option(f"Close: at least {three_quarters} of the {n} words (three quarters) in their place, but not all.", said),
        Option(f"Far off: fewer than {three_quarters} of the {n} words in their place.", said),
    ]
    return Exercise(
        id="translation.long",
        title="A long sentence through the bottleneck",
        kind=Kind.PREDICT,
        prompt=(f"The bottleneck model (one summary vector for the whole sentence) translates the held-out sentence "
                f"of **{length} words** {_quoted(pair.source)}. In the shipped evaluation it translated "
                f"**{evaluated:.1f} %** of the held-out {length}-word sentences exactly. How well will it do on this "
                "one?"),
        answer=outcome,
        options=tuple(options),
        solution=(md(md_table(["", "translation (struck out: not the reference's word at that place)",
                               "words in place"],
                              [["reference", " ".join(ref), f"{n} of {n}"],
                               *[[f"{kind} model", _marked(outputs[kind], ref), f"{placed[kind]} of {n}"]
                                 for kind in (ATTENTION, BOTTLENECK)]], align_right=(2,))),
                  md(f"One wrong word makes a whole translation wrong: at {length} words the bottleneck model is exactly "
                     f"right on {evaluated:.1f} % of held-out sentences and still writes "
                     f"{_percent(bot.words_correct[i], bot.words_total[i]):.1f} % of their words in place; the "
                     f"attention model, which reads every English word's vector again at each step, "
                     f"{_percent(data.scores[ATTENTION].exact[i], data.scores[ATTENTION].sentences[i]):.1f} % "
                     "exactly.")),
        chart=Chart(f"Words in their place, of this sentence's {n}", ("attention model", "bottleneck model"),
                    (("words in place", (float(placed[ATTENTION]), float(placed[BOTTLENECK]))),), "words"),
        given={"source": pair.source, "length": length, "placed": placed},
    )


# ---- misconceptions ------------------------------------------------------------------------------------


def one_vector(rng: np.random.Generator, res: Resources) -> Exercise:
    """What the bottleneck's one vector can and cannot hold."""
    data = shipped()
    att, bot = data.scores[ATTENTION], data.scores[BOTTLENECK]
    width = 2 * data.meta["model"]["enc"]  # numbers per encoder vector
    length = int(rng.integers(16, 26))
    i = int(np.flatnonzero(bot.lengths == length)[0])
    b_long, a_long = _percent(bot.exact[i], bot.sentences[i]), _percent(att.exact[i], att.sentences[i])
    (lo, hi, (n_short, b_short)), = by_bins(bot.lengths, bot.sentences, bot.exact, bins=((SHORT[0][0], SHORT[-1][1]),))
    short = _percent(b_short, n_short)
    train = data.meta["train"]
    options = [
        Option(f"One vector of {width} numbers must carry every word of the sentence, its order and its role; the "
               "longer the sentence, the more must be squeezed into the same numbers, and the decoder can never look "
               "a word up again.",
               f"The attention model keeps one vector per English word ({length} × {width} = {length * width:,} "
               f"numbers at {length} words) and reads the ones it needs at each step: {a_long:.1f} % exact. The "
               f"bottleneck model holds whole short sentences fine ({short:.1f} % exact at {lo}–{hi} words), but at "
               f"{length} words the same {width} numbers are not enough: {b_long:.1f} %."),
        Option("The one vector can hold only one word, so the bottleneck model cannot translate whole sentences.",
               f"It translates {short:.1f} % of the held-out {lo}–{hi}-word sentences exactly: one vector holds a "
               "short sentence. It is the long ones that no longer fit."),
        Option("Its softmax spreads the attention thinner over more words as the sentence grows.",
               "Its memory has one key, the summary vector, so softmax gives it weight exactly 1 at every step, "
               "whatever the length: nothing is spread. What grows is what that one vector must hold."),
        Option("It is a smaller network than the attention model.",
               f"Both have the same {data.meta['parameters']:,} parameters, the same initial weights and the same "
               "training; only the memory the decoder reads differs."),
        Option("It saw fewer long sentences in training.",
               f"Both trained on the same batches, with sentence lengths spread evenly from {train['min_len']} to "
               f"{train['max_len']} words; the attention model, trained on the very same batches, translates "
               f"{a_long:.1f} % of the {length}-word sentences exactly."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="translation.one-vector",
        title="What one vector can hold",
        kind=Kind.CHOICE,
        prompt=(f"The bottleneck model's decoder reads one vector, the mean of the encoder's vectors: **{width} numbers**, "
                f"however long the sentence. In the shipped evaluation it translates **{short:.1f} %** of the held-out "
                f"{lo}–{hi}-word sentences exactly, but only **{b_long:.1f} %** of the {length}-word ones (attention "
                f"model: {a_long:.1f} %). What explains the drop?"),
        answer=answer,
        options=options,
        solution=(md(md_table(["sentence length", "bottleneck: exact", "attention: exact"],
                              [[f"{lo}–{hi} words", f"{_percent(b, n):.1f} %", f"{_percent(a, n):.1f} %"]
                               for lo, hi, (n, a, b) in by_bins(att.lengths, att.sentences, att.exact, bot.exact)],
                              align_right=(1, 2))),
                  md("Early encoder–decoder translators squeezed the sentence into one fixed vector, and their "
                     "translations got worse as sentences got longer (Cho et al. 2014); attention lets the decoder look "
                     "back at every word (Bahdanau et al. 2015).")),
        given={"length": length, "width": width},
    )


def alignment(rng: np.random.Generator, res: Resources) -> Exercise:
    """Are the attention weights the alignment?"""
    data = shipped()
    counts = {k: int(np.sum(v)) for k, v in data.alignment.items()}
    model = res.translator(ATTENTION)
    for _ in range(200):
        pair = _pair(rng, 6, 14)
        out = model.translate(pair.source)
        if out.target == pair.target:
            break
    else:
        raise RuntimeError("no random draw met this exercise's conditions")
    w = out.cross_attention  # (T, S)
    i = int(np.argmin(w.max(axis=1)))  # the German word whose largest weight is smallest: the least certain one
    j = int(np.argmax(w[i]))
    rest = float(np.delete(w[i], j).sum())  # every other English word's weight, together
    hits, total = counts["content_hits"], counts["content_total"]
    share = _percent(hits, total)
    options = [
        Option("For this model and task the largest weight is a very good guide to the alignment, a fact measured "
               "against a gold alignment the model never saw. It shows where the decoder read, and it has to be "
               "measured again for another model.",
               f"{hits:,} of {total:,} content words ({share:.2f} %), and {counts['all_hits']:,} of "
               f"{counts['all_total']:,} of all words: a measured agreement, which the page computes from the "
               "shipped evaluation."),
        Option("The model was trained to put its weight on the aligned word.",
               "It was trained only to translate: the loss is the cross-entropy of the reference's German words. The "
               "gold alignment is used only afterwards, to measure where the weights went."),
        Option("Attention weights are the alignment in any model.",
               "This was measured for this one small model on this grammar. In a pretrained transformer many heads "
               "spread their weight or park it on [CLS] (the Heatmap page measures how many), and what a head "
               "reads is mixed with other heads and layers; agreement with an alignment must be measured, not "
               "assumed."),
        Option("Every weight outside the aligned word is 0.",
               f"Writing *{pair.target[i]}*, the other {len(pair.source) - 1} English words get {_small(rest)} "
               "together: small, but softmax never gives exactly 0, since every e^score is positive. Only a mask "
               "(a score of −∞) makes a weight exactly 0."),
    ]
    options, answer = shuffle_options(rng, options, 0)
    return Exercise(
        id="translation.alignment",
        title="Are the weights the alignment?",
        kind=Kind.CHOICE,
        prompt=(f"Writing the reference translations of {data.meta['eval']['sentences']:,} held-out sentences, the "
                f"attention model put its largest cross-attention weight on the gold-aligned English word for "
                f"**{hits:,} of {total:,}** content words ({share:.2f} %). For example, writing *{pair.target[i]}* in "
                f"the translation of {_quoted(pair.source)}, it gives *{pair.source[j]}* **{fmt(w[i, j])}**. What does "
                "this tell you?"),
        answer=answer,
        options=options,
        solution=(md("Nobody told the model which English word a German word comes from: it learnt where to read "
                     "only by learning to translate. Here its weights are a good picture of where *this* decoder "
                     "reads, checked against a known answer; that is a finding about this model, measured, not a "
                     "property of attention."),),
        given={"source": pair.source, "row": i},
    )


def exercises(seed: int, res: Resources) -> list[Exercise]:
    """The Translation page's set for ``seed`` (the two shipped translators are loaded by ``res``)."""
    return build(seed, (gap, crossings, reads, long_sentence, one_vector, alignment), res)

"""Home: does a trained model look back from "it" to "animal"? The check, run live on all-MiniLM-L6-v2.

Only called when its expander is open, so a first visit to Home loads no model. The encoder is the
Heatmap page's (one copy of the weights per server); its modules are imported here, lazily.
"""

from __future__ import annotations

import streamlit as st

from attention.coreference import PAIRS, STORY_HEAD, HeadCheck, check_head
from ui.charts import cached_figure


@st.cache_data(max_entries=1, show_spinner="Running all-MiniLM-L6-v2 on 12 sentences…")
def story_check() -> HeadCheck | str:
    """The check of :data:`attention.coreference.STORY_HEAD`, or why the model is unavailable (a str)."""
    from ui.heatmap_pretrained import load  # the Heatmap page's cached encoder

    try:
        encoder = load()  # the encoder, or the reason it is unavailable (a str)
        if isinstance(encoder, str) or not callable(getattr(encoder, "encode", None)):
            return str(encoder)
        return check_head(encoder.encode, STORY_HEAD, PAIRS)
    except Exception as err:  # any failure of the model is "unavailable", never an error screen
        return f"{type(err).__name__}: {err}"


def _name(layer: int, head: int) -> str:
    """Students count layers and heads from 1."""
    return f"layer {layer + 1}, head {head + 1}"


def _sentence_cell(sentence: str, adjective: str) -> str:
    return sentence.replace(f"too {adjective}.", f"too **{adjective}**.")


def render() -> None:
    """The check's text, figure and table (call inside the open expander)."""
    from figures.home import pronoun_figure

    check = story_check()
    if isinstance(check, str):
        st.info("The pretrained model is not available on this server, so this check cannot run here. "
                "The rest of the page works as usual.", icon="📦")
        return
    head = _name(check.layer, check.head)
    first, flipped = check.readings[0], check.readings[1]
    pair = PAIRS[0]
    st.markdown(
        "**all-MiniLM-L6-v2** is a small trained encoder (6 layers × 12 heads), run here by this app's own "
        f"numpy code. In **{head}**, the row of *it* in *{_sentence_cell(first.sentence, pair.adjectives[0])}* "
        f"puts **{first.on_referent:.2f}** of its attention on *{first.referent}* and {first.on_other:.2f} on "
        f"*{first.other}*: just the glance back the story describes."
    )
    st.markdown(
        f"Now change one word: *{_sentence_cell(flipped.sentence, pair.adjectives[1])}* A person now reads *it* "
        f"as the {flipped.referent}. The same head gives *{flipped.other}* **{flipped.on_other:.2f}** and "
        f"*{flipped.referent}* **{flipped.on_referent:.2f}**"
        + (": its weight did not follow the meaning." if not flipped.follows else ": it followed the meaning.")
    )
    st.markdown(f"The row of *it* in {head}, both sentences, token by token:")
    st.plotly_chart(cached_figure(pronoun_figure, first, flipped, pair.adjectives), width="stretch", key="story_chart",
                    config={"displaylogo": False})
    n, n_pairs = len(check.readings), len(PAIRS)
    rows = [
        f"| {_sentence_cell(r.sentence, adj)} | {r.referent} | {r.on_referent:.2f} | {r.on_other:.2f} | "
        f"{r.preferred} | {'✅' if r.follows else '❌'} |"
        for p, (r1, r2) in zip(PAIRS, zip(check.readings[::2], check.readings[1::2], strict=True), strict=True)
        for r, adj in ((r1, p.adjectives[0]), (r2, p.adjectives[1]))
    ]
    st.markdown("\n".join([
        f"| sentence | *it* means | weight on that noun | on the other noun | {head} prefers | right? |",
        "| --- | --- | ---: | ---: | --- | :---: |", *rows]))
    st.markdown(_verdict(check, n, n_pairs, head))
    st.caption(
        "Attention weights show where a head reads from, not what the model concludes: what *it* means can be "
        "assembled over several heads and layers, and very different weights can give the same output "
        "(Jain & Wallace, 2019; see the Academic page). To look at every head yourself, use the Heatmap "
        "page's *Pretrained model* mode."
    )


def _verdict(check: HeadCheck, n: int, n_pairs: int, head: str) -> str:
    """What the table shows, in words, from its own numbers."""
    if check.follows == n:
        text = f"In all {n} sentences {head} gives more weight to the noun that *it* means."
    else:
        text = (f"In **{check.follows} of {n}** sentences {head} gives more weight to the noun that *it* means, "
                f"and in **{check.same_noun_pairs} of {n_pairs}** pairs it prefers the same noun in both "
                "versions, whatever the adjective says.")
        if check.same_noun_pairs == n_pairs:
            text += (" So this head links *it* to a noun of the sentence, but not to the one *it* refers to: "
                     "the \"it → animal\" of the first sentence is real, but it does not show that the model "
                     "worked out what *it* means.")
    best = _name(check.best_layer, check.best_head)
    if (check.best_layer, check.best_head) != (check.layer, check.head):
        text += (f" The best of all {check.n_heads} heads on these same sentences, {best}, is right in "
                 f"{check.best_follows} of {n}; but a head picked after seeing the answers, out of "
                 f"{check.n_heads} tries, is weak evidence until it is checked on new sentences.")
    return text

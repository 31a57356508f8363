"""Home's library demo: the question box's options and the sentences that describe a lookup.

Text only from the demo's own titles, topics and numbers (no user text), as light markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from attention.library import BOOKS, QUESTIONS, TOPICS, LibraryResult, ask_library
from ui.state import ChoiceParam, PageState, reset_pending

CUSTOM = "✏️ My own query (set by the sliders)"
OPTIONS = (*QUESTIONS, CUSTOM)  # the question box: the examples, then "whatever the sliders say"
COLDEST, HOTTEST = 0.1, 3.0  # the pickiness slider's ends


def asked_question(state: PageState) -> str:
    """The example question whose query the sliders hold now, else :data:`CUSTOM`."""
    query = tuple(state[t] for t in TOPICS)
    return next((q for q, v in QUESTIONS.items() if v == query), CUSTOM)


def question_buttons(state: PageState) -> None:
    """One button per example question: a click always loads its query into the sliders, even the
    question asked already. Buttons hold no value, so nothing has to be reset when a slider moves: the
    page says which question the sliders ask (:func:`asked_question`), and so does the URL's "ask".

    (A selectbox would need its value changed by the script once a slider moves, so that picking the
    same question again is a change; a rerun that starts before the browser has seen that value sends
    back the old one, and the sliders would snap back to the question.)
    """

    def load(question: str) -> None:
        for topic, amount in zip(TOPICS, QUESTIONS[question], strict=True):
            state.set(topic, float(amount))

    asked = asked_question(state)
    for i, question in enumerate(QUESTIONS):
        st.button(question, key=f"home.q{i}", on_click=load, args=(question,), width="stretch",
                  type="primary" if question == asked else "secondary")


class HomeState(PageState):
    """Home's URL: the sliders' topics are left out while they hold the asked question's query (the link's
    ``ask`` loads them, see :func:`url_question`), and written in full otherwise."""

    def url_values(self) -> dict[str, str]:
        values = {k: v for k, v in super().url_values().items() if k not in TOPICS}
        query = tuple(self[t] for t in TOPICS)
        if QUESTIONS.get(self["ask"]) != query:
            values |= {t: self.params[t].dump(self[t]) for t in TOPICS}
        return values


def url_question(param: ChoiceParam) -> str:
    """The question the page's URL asks for (its default when the link names none or a bad one, or when
    this run resets the page)."""
    if reset_pending("home"):
        return param.default
    return param.from_url(st.query_params.get_all(param.name)) if param.name in st.query_params else param.default


def _query_text(values: Sequence[float]) -> str:
    return ", ".join(f"{t} {v:g}" for t, v in zip(TOPICS, values, strict=True))


def library_table(result: LibraryResult) -> str:
    """Book, key, score and weight of every book, as a markdown table. The key is written as a vector, its
    topics named once in the header: narrow enough for a phone."""
    rows = [
        f"| {title} | ({', '.join(f'{v:g}' for v in BOOKS[title][0])}) | {score:.3f} | {weight:.3f} |"
        for title, score, weight in zip(result.titles, result.scores, result.weights, strict=True)
    ]
    header = f"| book | key: ({', '.join(TOPICS)}) | score q·k / temp | weight |"
    return "\n".join([header, "| --- | --- | ---: | ---: |", *rows])


def result_sentence(query: Sequence[float], temperature: float, asked: str = CUSTOM) -> str:
    """The best match (or the tie), and what the pickiness slider's two ends would do to it, computed.

    ``asked``: the example question the sliders hold (:func:`asked_question`), named in the sentence.
    """
    result = ask_library(query, temperature=temperature)
    w = result.weights
    best = np.flatnonzero(np.isclose(w, w.max(), rtol=0, atol=5e-4))  # equal to 3 decimals: a tie
    text = (f"Your query ({'the example *' + asked + '*' if asked in QUESTIONS else 'your own'}) is "
            f"**{_query_text(query)}**. ")
    if len(best) == len(w):
        return text + ("It matches every book equally, so each gets weight **"
                       f"{w[0]:.2f}** whatever the pickiness: move a topic slider to prefer some books.")
    if len(best) > 1:
        text += (f"{len(best)} books tie for the best match (" + ", ".join(f"*{result.titles[i]}*" for i in best)
                 + f") with weight **{w[best[0]]:.2f}** each")
    else:
        text += f"The best match is *{result.titles[best[0]]}* with weight **{w[best[0]]:.2f}**"
    top = best[0]
    cold = ask_library(query, temperature=COLDEST).weights[top]
    hot = ask_library(query, temperature=HOTTEST).weights
    return text + (
        f"; the weights add up to **{w.sum():.2f}**. At pickiness {COLDEST:g} that book would get "
        f"{cold:.2f}; at {HOTTEST:g}, {hot[top]:.2f}, with the five books between {hot.min():.2f} and "
        f"{hot.max():.2f}."
    )

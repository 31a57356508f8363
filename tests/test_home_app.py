"""The home page under AppTest: runs, the library demo responds to widgets and to the URL."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from attention.library import QUESTIONS, TOPICS, ask_library
from ui.home_library import CUSTOM

from .conftest import url_view

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def query(at: AppTest, key: str) -> str:
    return url_view(at, "home")[key]  # a default is left out of the link


KINGS = "Tell me about kings."


def pick(at: AppTest, question: str) -> AppTest:
    """Click the button of an example question."""
    return at.button(key=f"home.q{list(QUESTIONS).index(question)}").click().run()


def highlighted(at: AppTest) -> list[str]:
    """The example questions shown as the one the sliders ask (primary buttons)."""
    return [b.label for b in at.button if b.key and b.key.startswith("home.q") and b.proto.type == "primary"]


def weights_in_table(at: AppTest) -> list[float]:
    """The last column of the demo's markdown table (book | key | score | weight)."""
    table = next(m.value for m in at.markdown if m.value.startswith("| book |"))
    return [float(line.split("|")[-2]) for line in table.splitlines()[2:]]


def test_home_runs_and_teaches_every_topic():
    at = run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for topic in ("library analogy", "Query", "Key", "Value", "RNN", "Self-attention", "Translation",
                  "Disambiguation", "Long-range", "Transformers", "Summary"):
        assert topic.lower() in (text + " ".join(h.value for h in at.header)).lower(), topic
    assert abs(sum(weights_in_table(at)) - 1) <= 5 * 0.0005 + 1e-9  # five weights, each rounded to 3 decimals
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"]


def test_demo_responds_to_widgets():
    at = run()
    before = weights_in_table(at)
    at.slider(key="home.temp").set_value(0.1).run()
    after = weights_in_table(at)
    assert not at.exception and max(after) > max(before)  # colder = pickier
    pick(at, KINGS)
    assert at.slider(key="home.history").value == 3.0
    assert query(at, "history") == "3" and query(at, "ask") == KINGS


def test_demo_reads_and_clamps_the_url():
    at = run({"ask": KINGS, "space": "99", "cooking": "nan", "temp": "-4", "zzz": "1"})
    assert not at.exception
    assert at.slider(key="home.space").value == 3.0  # clamped
    assert at.slider(key="home.cooking").value == 0.0  # malformed -> the linked question's value
    assert at.slider(key="home.history").value == 3.0  # absent -> the linked question's value
    assert at.slider(key="home.temp").value == 0.1  # clamped
    assert highlighted(at) == [] and query(at, "ask") == CUSTOM  # space 3 is not the kings question any more
    assert "zzz" not in at.query_params
    at = run({"ask": KINGS})  # a question alone: its sliders, not the default question's
    assert [at.slider(key=f"home.{t}").value for t in TOPICS] == list(QUESTIONS[KINGS])
    assert highlighted(at) == [KINGS] and query(at, "ask") == KINGS


def test_re_picking_a_question_restores_its_sliders_and_the_page_never_claims_a_stale_question():
    at = run()
    question = highlighted(at)[0]
    at.slider(key="home.space").set_value(0.0).run()
    assert highlighted(at) == [] and query(at, "ask") == CUSTOM  # the sliders no longer ask the question
    assert any(m.value.startswith("Your query (your own)") for m in at.markdown)
    pick(at, question)  # pick the same example again: it loads
    assert not at.exception
    assert [at.slider(key=f"home.{t}").value for t in TOPICS] == list(QUESTIONS[question])
    assert query(at, "space") == "1.5" and highlighted(at) == [question]
    assert any(m.value.startswith(f"Your query (the example *{question}*)") for m in at.markdown)
    pick(at, question)  # and again, with nothing changed: still that question, no error
    assert not at.exception and highlighted(at) == [question]


def test_the_sentence_under_the_table_is_computed():
    at = run({"ask": "Tell me about kings.", "temp": "1"})
    sentence = next(m.value for m in at.markdown if m.value.startswith("Your query ("))
    cold = ask_library(QUESTIONS["Tell me about kings."], temperature=0.1).weights
    hot = ask_library(QUESTIONS["Tell me about kings."], temperature=3.0).weights
    assert "*Kings and Castles*" in sentence and f"would get {cold[2]:.2f}" in sentence
    assert f"between {hot.min():.2f} and {hot.max():.2f}" in sentence
    tie = next(m.value for m in run({"space": "0", "cooking": "0", "history": "0",
                                     "animals": "0"}).markdown if m.value.startswith("Your query ("))
    assert "every book equally" in tie and "0.20" in tie


def test_texts_say_what_the_formula_and_the_demo_do():
    at = run()
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "number of entries in each query and key vector" in text and "variance of q·k" in text
    assert "does not divide the scores by √d_k" in text
    assert "Temperature is not part of a transformer's attention" in text
    assert "feed-forward network" in text and "(the vector length)" not in text


def test_the_story_check_is_lazy_and_reports_the_trained_head_1_based():
    at = run()
    assert not any("all-MiniLM" in m.value for m in at.markdown)  # closed: no model on a first visit
    assert query(at, "model") == "0"
    at = run({"model": "1"})  # the expander open, from a link
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "**layer 4, head 2**" in text and "puts **0.68** of its attention on *animal*" in text
    assert "**6 of 12** sentences" in text and "**6 of 6** pairs" in text
    assert "layer 4, head 6, is right in 10 of 12" in text  # the best head, with the caveat
    table = next(m.value for m in at.markdown if m.value.startswith("| sentence |"))
    assert len(table.splitlines()) == 2 + 12 and table.count("✅") == 6
    assert any("not what the model concludes" in c.value for c in at.caption)
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].startswith("Where “it”")


def test_home_works_when_the_model_is_unavailable(monkeypatch, tmp_path):
    import attention.pretrained as P
    from ui import home_story

    monkeypatch.setenv("ATTENTION_EXPLORER_MODEL_DIR", str(tmp_path))  # an empty folder: no model files
    monkeypatch.setattr(P, "SHARED_LOADER", P.EncoderLoader())  # a fresh server's loader: nothing loaded yet
    home_story.story_check.clear()
    try:
        at = run({"model": "1"})
        assert not at.exception and not at.error
        assert any("not available on this server" in i.value for i in at.info)
        assert weights_in_table(at)  # the rest of the page as usual
    finally:
        home_story.story_check.clear()


def test_the_background_sections_are_collapsed_below_the_demo():
    """Issue 12: on a phone the demo comes first, then an outline of the plain-English background."""
    at = run()
    labels = [e.label.strip("*") for e in at.main.expander]  # (the sidebar has "Share with your class")
    assert labels[1:4] == ["What problem does attention solve?", "Self-attention: a sentence paying attention "
                           "to itself", "What is attention used for?"]
    assert labels[4].startswith("Exercises")  # then the exercises, also closed
    assert not any(e.proto.expanded for e in at.expander)
    text = " ".join(m.value for m in at.markdown)
    assert "Bahdanau et al. (2015)" in text and "feed-forward network" in text  # still on the page, inside

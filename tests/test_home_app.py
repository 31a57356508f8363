"""The home page under AppTest: runs, the library demo responds to widgets and to the URL."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


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
    at.selectbox(key="home.ask").select("Tell me about kings.").run()
    assert at.slider(key="home.history").value == 3.0
    assert at.query_params["history"] == ["3"] or at.query_params["history"] == "3"


def test_demo_reads_and_clamps_the_url():
    at = run({"ask": "Tell me about kings.", "space": "99", "cooking": "nan", "temp": "-4", "zzz": "1"})
    assert not at.exception
    assert at.slider(key="home.space").value == 3.0  # clamped
    assert at.slider(key="home.cooking").value == 2.0  # malformed -> default
    assert at.slider(key="home.temp").value == 0.1  # clamped
    assert at.selectbox(key="home.ask").value == "Tell me about kings."
    assert "zzz" not in at.query_params

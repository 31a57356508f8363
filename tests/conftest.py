"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]

# Never download at test time: the pretrained model comes from the installed package (scripts/test.sh).
# Servers started by the browser tests inherit this.
os.environ["HF_HUB_OFFLINE"] = "1"

# Property tests draw the same examples on every run, so CI is repeatable; HYPOTHESIS_PROFILE=explore
# draws new ones (run it now and then to hunt for counter-examples).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def app_page(page: str | None = None, query: dict | None = None, timeout: float = 60) -> AppTest:
    """An AppTest of one page, entered through streamlit_app.py as a real server does (so that the
    sidebar's links to every page resolve). ``page`` is a path like "pages/1_🔥_Heatmap.py"."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    if page:
        at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def plotly_array(z):
    """An array from a plotly chart spec: a plain list, or base64 numpy data (plotly >= 6)."""
    import base64

    import numpy as np

    if isinstance(z, dict) and "bdata" in z:
        raw = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        shape = z.get("shape")
        if isinstance(shape, str):
            shape = [int(s) for s in shape.split(",")]
        return raw.reshape(shape) if shape else raw
    return np.asarray(z, dtype=float)


def chart_specs(at: AppTest) -> list[dict]:
    """The plotly figure specs of every chart on the page, in order."""
    import json

    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def url_view(at: AppTest, page: str) -> dict[str, str]:
    """Every URL parameter of ``page`` as the link means it: the link's own values, and the default of each
    one it leaves out (links leave defaults out, ui/state.py). Home's sliders default to the asked question's,
    the Heatmap's word count to the sentence's."""
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    params = {p.name: p for p in at.session_state["_url_params"][page]}
    view = {name: p.dump(p.default) for name, p in params.items()}
    if page == "home":
        from attention.library import QUESTIONS, TOPICS

        asked = params["ask"].from_url([query["ask"]]) if "ask" in query else params["ask"].default
        view |= {t: params[t].dump(v) for t, v in zip(TOPICS, QUESTIONS.get(asked, ()), strict=False)}
    if page == "heatmap" and "n" not in query:  # "Words used" left out: every word of the sentence
        from ui.heatmap_random import MAX_TOKENS, word_count

        text = params["text"].from_url([query["text"]]) if "text" in query else params["text"].default
        if count := word_count(text):
            view["n"] = str(min(max(count, 2), MAX_TOKENS))
    return view | query


@pytest.fixture
def validator_lookups(monkeypatch) -> list:
    """The names plotly looks up validators for, from now on (clear it between the figures compared)."""
    from plotly.basedatatypes import BasePlotlyType

    looked_up = []
    get_validator = BasePlotlyType._get_validator

    def counting(self, prop):
        looked_up.append(prop)
        return get_validator(self, prop)

    monkeypatch.setattr(BasePlotlyType, "_get_validator", counting)
    return looked_up

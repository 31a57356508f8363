"""ui.charts: figures drawn without re-validation are the figures the builders drew."""

from __future__ import annotations

import json
import pickle

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from plotly.basedatatypes import BasePlotlyType
from plotly.subplots import make_subplots

from ui.charts import cached_figure, unvalidated_figure

from .conftest import app_page

PAGES = [None, "pages/1_🔥_Heatmap.py", "pages/2_🧱_Build_it_step_by_step.py", "pages/3_🎓_Academic.py",
         "pages/4_📈_Complexity.py"]
_to_dict = plotly.tools.return_figure_from_figure_or_data


def drawn(fig) -> dict:
    """What st.plotly_chart sends the browser for ``fig`` (its own two steps), parsed."""
    return json.loads(pio.to_json(_to_dict(fig, validate_figure=True), validate=False))


@pytest.mark.parametrize("page", PAGES, ids=["Home", "Heatmap", "Build it", "Academic", "Complexity"])
def test_every_figure_a_page_draws_is_drawn_the_same_from_its_stored_spec(page, monkeypatch):
    """Each figure as st.plotly_chart draws it, against the same figure after the cache's round trip
    (to_dict, pickle, unvalidated_figure)."""
    pairs = []

    def recording(figure_or_data, validate_figure):
        out = _to_dict(figure_or_data, validate_figure)
        stored = pickle.loads(pickle.dumps(figure_or_data.to_dict()))
        pairs.append((json.loads(pio.to_json(out, validate=False)), drawn(unvalidated_figure(stored))))
        return out

    monkeypatch.setattr(plotly.tools, "return_figure_from_figure_or_data", recording)
    at = app_page(page).run()
    assert not at.exception
    assert pairs, "the page drew no plotly figure"
    for original, rebuilt in pairs:
        assert rebuilt == original


def _library(n: int, title: str = "t") -> go.Figure:
    calls.append((n, title))
    fig = make_subplots(rows=1, cols=2, subplot_titles=("weights", "answer"))
    z = np.arange(n * n, dtype=float).reshape(n, n) / 7
    fig.add_trace(go.Heatmap(z=z, text=np.round(z, 2), texttemplate="%{text}", colorscale="Blues"), 1, 1)
    fig.add_trace(go.Bar(x=[f"w{i}" for i in range(n)], y=z[0], marker={"color": "#0072B2"}), 1, 2)
    fig.update_layout(title={"text": title, "x": 0}, height=300, showlegend=False)
    return fig


def _pair(n: int) -> tuple[go.Figure, go.Figure]:
    return _library(n, "left"), _library(n + 1, "right")


calls: list[tuple[int, str]] = []


def test_cached_figure_builds_once_per_distinct_arguments_and_draws_the_same():
    calls.clear()
    first = cached_figure(_library, 3, title="cached")
    again = cached_figure(_library, 3, title="cached")
    other = cached_figure(_library, 4, title="cached")
    assert calls == [(3, "cached"), (4, "cached")]
    assert drawn(first) == drawn(again) == drawn(_library(3, title="cached"))
    assert drawn(other) == drawn(_library(4, title="cached")) != drawn(first)


def test_cached_figure_returns_new_figures_each_call():
    first = cached_figure(_library, 5)
    first.update_layout(title={"text": "changed by one page"})
    assert drawn(cached_figure(_library, 5))["layout"]["title"]["text"] == "t"


def test_cached_figure_keeps_tuples_of_figures():
    left, right = cached_figure(_pair, 2)
    want_left, want_right = _pair(2)
    assert (drawn(left), drawn(right)) == (drawn(want_left), drawn(want_right))


def test_cached_figure_tells_builders_apart():
    """Two builders with the same arguments are two cache entries (the builder's name is in the key)."""
    assert drawn(cached_figure(_library, 2)) != drawn(cached_figure(lambda n: _pair(n)[1], 2))


def test_unvalidated_figure_skips_plotly_validators(monkeypatch):
    spec = _library(4).to_dict()
    looked_up = []
    get_validator = BasePlotlyType._get_validator

    def counting(self, prop):
        looked_up.append(prop)
        return get_validator(self, prop)

    monkeypatch.setattr(BasePlotlyType, "_get_validator", counting)
    go.Figure(spec)
    validated = len(looked_up)
    looked_up.clear()
    unvalidated_figure(spec)
    assert len(looked_up) * 5 < validated, (len(looked_up), validated)

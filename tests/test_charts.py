"""ui.charts: figures drawn without re-validation are the figures the builders drew."""

from __future__ import annotations

import json
import pickle

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from plotly.subplots import make_subplots

import ui.charts
from figures.fit import fixed_cell_font
from ui.charts import cached_figure, unvalidated_figure

from .conftest import app_page, plotly_array

PAGES = [None, "pages/1_🔥_Heatmap.py", "pages/2_🧱_Build_it_step_by_step.py", "pages/3_🎓_Academic.py",
         "pages/4_📈_Complexity.py", "pages/5_🌍_Translation.py"]
PAGE_IDS = ["Home", "Heatmap", "Build it", "Academic", "Complexity", "Translation"]
# Views other than the defaults, where shared figures take other arguments: some differ from the default
# only in a keyword argument (an outlined cell, a colour scale), so a cache key that dropped one would show.
VIEWS = {
    "Home": [{"temp": "0.5"}],
    "Heatmap": [{"row": "1", "col": "3"}, {"scale": "viridis", "values": "false"},
                {"temp": "2.5", "heads": "3", "head": "2", "causal": "true"},
                {"heads": "2", "head": "0", "text": "the cat sat on the mat because it was warm"}],
    "Build it": [{"row": "2", "col": "0"}, {"causal": "true", "scaled": "false"}],
    "Academic": [{"d_k": "256", "keys": "32", "heads": "4", "other": "shared", "view": "scores"}],
    "Complexity": [{"d": "128", "heads": "4", "gpu_causal": "true", "step": "3"}],
    "Translation": [{"row": "2"}, {"text": "the small dog sees the old woman"}],
}
_to_dict = plotly.tools.return_figure_from_figure_or_data


def drawn(fig) -> dict:
    """What st.plotly_chart sends the browser for ``fig`` (its own two steps), parsed."""
    return json.loads(pio.to_json(_to_dict(fig, validate_figure=True), validate=False))


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
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


def _drawn_by_page(page, query, monkeypatch) -> list[dict]:
    """Every figure one run of ``page`` (with URL ``query``) sends the browser, as st.plotly_chart sends it."""
    figures = []

    def recording(figure_or_data, validate_figure):
        out = _to_dict(figure_or_data, validate_figure)
        figures.append(json.loads(pio.to_json(out, validate=False)))
        return out

    with monkeypatch.context() as m:
        m.setattr(plotly.tools, "return_figure_from_figure_or_data", recording)
        at = app_page(page, query).run()
    assert not at.exception, at.exception
    return figures


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_shared_figures_are_drawn_as_the_builders_draw_them(page, monkeypatch):
    """What a page sends with shared figures (built once, stored as a spec, rebuilt without validation, then
    changed by the page, e.g. by ui.responsive.fit_box) is what it sends when it calls the builders itself,
    view after view on one server and again from the cache. Fails if a page changes a shared figure for the
    next student, or if a cache key misses an argument."""
    views = [{}, *VIEWS[PAGE_IDS[PAGES.index(page)]], {}]
    monkeypatch.setattr(ui.charts, "SHARE", False)
    built = [_drawn_by_page(page, query, monkeypatch) for query in views]
    monkeypatch.setattr(ui.charts, "SHARE", True)
    ui.charts._specs.clear()
    for rnd in ("built and stored", "from the cache"):
        for query, want in zip(views, built, strict=True):
            got = _drawn_by_page(page, query, monkeypatch)
            assert want, "the page drew no plotly figure"
            assert len(got) == len(want), (rnd, query)
            for n, fig in enumerate(want):
                assert_same_figure(got[n], fig, f"{rnd}, {query}, figure {n}")


def assert_same_figure(got, want, where: str) -> None:
    """Equal JSON, except that numeric arrays may differ in their last bits: the page's own numbers do between
    two runs (numpy's float32 sums depend on how the array sits in memory), with or without the cache."""
    if isinstance(want, dict) and "bdata" in want:
        assert isinstance(got, dict) and got.get("dtype") == want["dtype"] and got.get("shape") == want.get("shape"), where
        np.testing.assert_allclose(plotly_array(got), plotly_array(want), rtol=1e-6, atol=1e-7, err_msg=where)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), (where, set(got) ^ set(want))
        for k in want:
            assert_same_figure(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_figure(g, w, f"{where}[{i}]")
    else:
        assert got == want, (where, got, want)


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


def test_a_caller_that_changes_its_figure_in_place_does_not_change_the_next_callers():
    """Trace arrays, trace properties and the layout of a shared figure, changed in place by one caller."""
    want = drawn(_library(6))
    first = cached_figure(_library, 6)
    first.data[0].z[0, 0] = 99.0  # numpy array shared with the stored spec?
    first.data[1].y[:] = 0.0
    fixed_cell_font(first, 30)
    first.layout.title.text = "changed"
    first.layout.margin.t = 1
    assert drawn(first) != want
    assert drawn(cached_figure(_library, 6)) == want


def test_a_figure_too_large_to_keep_is_built_for_each_call():
    """A 64-word map's spec (about 300 kB) is not kept: 256 of them would hold 80 MB of the server's memory."""
    calls.clear()
    first, again = cached_figure(_library, 80, title="big"), cached_figure(_library, 80, title="big")
    assert calls == [(80, "big"), (80, "big")]
    assert len(pickle.dumps(_library(80).to_dict())) > ui.charts.MAX_SPEC_BYTES
    assert drawn(first) == drawn(again) == drawn(_library(80, title="big"))


def test_cached_figure_keeps_tuples_of_figures():
    left, right = cached_figure(_pair, 2)
    want_left, want_right = _pair(2)
    assert (drawn(left), drawn(right)) == (drawn(want_left), drawn(want_right))


def test_cached_figure_tells_builders_apart():
    """Two builders with the same arguments are two cache entries (the builder's name is in the key)."""
    assert drawn(cached_figure(_library, 2)) != drawn(cached_figure(lambda n: _pair(n)[1], 2))


def test_unvalidated_figure_skips_plotly_validators(validator_lookups):
    spec = _library(4).to_dict()
    looked_up = validator_lookups
    go.Figure(spec)
    validated = len(looked_up)
    looked_up.clear()
    unvalidated_figure(spec)
    assert len(looked_up) * 5 < validated, (len(looked_up), validated)

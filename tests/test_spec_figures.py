"""Figures built as one spec without validation (figures.spec): valid, and the same once validated.

``matrix_heatmap`` and ``row_bars`` write their figure's dict and construct it once unvalidated. If the spec
held anything plotly's validation would change (a bare string where plotly stores ``{"text": ...}``, a
``tickfont_size`` shortcut, a ``None``), the browser would get another figure than the validated path's: so
each figure, validated again from its own dict, must be drawn exactly the same.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest

from figures.academic import sentence_matrix
from figures.heatmap import attention_heatmap, row_bars
from figures.matrix import matrix_heatmap
from figures.spec import figure_from_spec, without_none
from figures.steps import scores_figure, signed_matrix, weights_figure
from figures.translation import cross_attention_heatmap

rng = np.random.default_rng(7)


def drawn(fig) -> dict:
    """What st.plotly_chart sends the browser for ``fig``, parsed."""
    return json.loads(pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True),
                                  validate=False))


def validated_again(fig: go.Figure) -> go.Figure:
    return go.Figure(fig.to_dict())  # raises on an invalid property


def _words(n: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}<{i}>" for i in range(n)]


def _square(n: int) -> np.ndarray:
    return rng.dirichlet(np.ones(n), size=n)


MATRICES = [
    pytest.param(lambda: matrix_heatmap(rng.normal(size=(3, 5))), id="plain 3x5"),
    pytest.param(lambda: matrix_heatmap(rng.normal(size=(4, 4)), _words(4), _words(4, "k"), title="A title long "
                                        "enough to wrap on a phone", title_width=20, x_title="Key",
                                        y_title="Query: the word that looks", scale="diverging"), id="titles"),
    pytest.param(lambda: matrix_heatmap(rng.normal(size=(30, 30)), clickable=True, square=False, height=300),
                 id="30x30 clickable"),
    pytest.param(lambda: matrix_heatmap(_square(6), _words(6), _words(6), zmin=0, zmax=1, show_values=True,
                                        value_format=".3f", clickable=True,
                                        masked=np.triu(np.ones((6, 6), bool), 1)), id="masked clickable"),
    pytest.param(lambda: matrix_heatmap(_square(5), masked=np.triu(np.ones((5, 5), bool), 1),
                                        mask_label="hidden"), id="masked"),
    pytest.param(lambda: attention_heatmap(_square(7), _words(7), picked=(2, 3)), id="attention_heatmap"),
    pytest.param(lambda: attention_heatmap(_square(50), _words(50), auto_range=True, scale="viridis",
                                           masked=np.triu(np.ones((50, 50), bool), 1)), id="attention_heatmap 50"),
    pytest.param(lambda: row_bars(_square(1)[0], ["only"], "only"), id="row_bars 1"),
    pytest.param(lambda: row_bars(_square(9)[0], _words(9), "<it>", highlight=3,
                                  masked=np.arange(9) > 5), id="row_bars masked"),
    pytest.param(lambda: row_bars(_square(30)[0], _words(30), "it", title="Among the words, rescaled"),
                 id="row_bars 30"),
    pytest.param(lambda: signed_matrix(rng.normal(size=(3, 4)), _words(3), ["a", "b", "c", "d"], "Q = X·W_Q"),
                 id="signed_matrix"),
    pytest.param(lambda: scores_figure(rng.normal(size=(8, 8)), _words(8), "Scores", zlim=2.0), id="scores"),
    pytest.param(lambda: weights_figure(_square(4), _words(4), picked=(1, 2), title="Weights",
                                        masked=np.triu(np.ones((4, 4), bool), 1)), id="weights_figure"),
    pytest.param(lambda: sentence_matrix(_square(9), _words(9), "identity", weights=True), id="sentence_matrix"),
    pytest.param(lambda: cross_attention_heatmap(rng.dirichlet(np.ones(5), size=4), _words(5), _words(4, "d"),
                                                 gold=[(0, 1), (2, 2)], picked=1), id="cross_attention"),
]


@pytest.mark.parametrize("build", MATRICES)
def test_a_spec_built_figure_is_drawn_as_its_validated_twin(build):
    fig = build()
    assert drawn(fig) == drawn(validated_again(fig))


def test_titles_are_stored_as_plotly_stores_them():
    """The kind of slip the test above catches: a bare string title in a spec."""
    fig = matrix_heatmap(np.eye(2), x_title="key")
    assert fig.to_dict()["layout"]["xaxis"]["title"] == {"text": "key"}
    slip = figure_from_spec({"data": [], "layout": {"xaxis": {"title": "key"}}})
    assert drawn(slip) != drawn(validated_again(slip))


def test_matrix_heatmap_skips_the_validators(validator_lookups):
    values = rng.normal(size=(12, 12))
    looked_up = validator_lookups
    fig = matrix_heatmap(values, clickable=True, title="t", x_title="k", y_title="q")
    ours = len(looked_up)
    looked_up.clear()
    validated_again(fig)
    assert ours * 5 < len(looked_up), (ours, len(looked_up))


def test_without_none_drops_only_none():
    assert without_none({"a": None, "b": 0, "c": "", "d": False}) == {"b": 0, "c": "", "d": False}

"""Build-it page: presets, the validated editor, the code snippet, and the page under AppTest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import attention as A
from attention.presets import PRESETS, preset_embeddings, rounded_projections
from ui.steps_code import reproduce_snippet, source_of
from ui.steps_editor import validate

from .conftest import app_page, chart_specs, plotly_array

PAGE = "pages/2_🧱_Build_it_step_by_step.py"
DEFAULT_SIG = "sentence-0-3x4x3-0"


def chart_z(at, title_start: str) -> np.ndarray:
    for spec in chart_specs(at):
        if spec["layout"]["title"]["text"].startswith(title_start):
            return plotly_array(spec["data"][0]["z"]).astype(float)
    raise AssertionError(f"no chart titled {title_start!r}")


def defaults(seed: int = 0, t: int = 3, d_model: int = 4, d_k: int = 3):
    rng = np.random.default_rng(seed)
    words, x = preset_embeddings("sentence", t, d_model, rng=rng)
    return words, x, rounded_projections(d_model, d_k, rng=rng)


# ---- pure helpers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets(name):
    words, x = preset_embeddings(name, 5, 4, rng=np.random.default_rng(1))
    assert len(words) == 5 and x.shape == (5, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x, np.round(x, 1))
    if name == "similar":
        assert np.abs(x[0] - x[1]).max() <= 0.35
    if name == "onehot":
        assert (x.sum(axis=1) == 1).all()


def test_validate_refuses_bad_cells():
    good = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["a", "b"], columns=["d0", "d1"])
    matrix, problem = validate(good, (2, 2))
    assert problem == "" and matrix.dtype == np.float32
    for bad, fragment in ((np.nan, "not a number"), (None, "not a number"), ("abc", "not a number"),
                          (1e30, "too large"), (np.inf, "not a number")):
        frame = good.astype(object).copy()
        frame.iloc[1, 0] = bad
        matrix, problem = validate(frame, (2, 2))
        assert matrix is None and fragment in problem and "(b, d0)" in problem
    assert "must stay" in validate(good.iloc[:1], (2, 2))[1]


def test_snippet_reproduces_the_numbers():
    words, x, (w_q, w_k, w_v) = defaults(seed=3)
    snippet = reproduce_snippet(words, x, w_q, w_k, w_v, scaled=False, causal=True)
    namespace: dict = {}
    exec(compile(snippet.replace("print(", "(lambda *a: None)("), "<snippet>", "exec"), namespace)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    out, w = A.scaled_dot_product_attention(q, k, v, A.causal_mask(3), scale=1.0)
    np.testing.assert_allclose(namespace["weights"], w, atol=1e-6)
    np.testing.assert_allclose(namespace["output"], out, atol=1e-6)
    assert "def scaled_dot_product_attention" in source_of(A.scaled_dot_product_attention)


# ---- the page -------------------------------------------------------------------------------------------


def test_defaults_run_and_q_is_x_times_w_q():
    at = app_page(PAGE).run()
    assert not at.exception
    words, x, (w_q, w_k, w_v) = defaults()
    np.testing.assert_allclose(chart_z(at, "Q = X·W_Q"), x @ w_q, atol=1e-5)
    weights = chart_z(at, "Attention weights")
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-5)
    assert any("def scaled_dot_product_attention" in c.value for c in at.code)


def test_editing_a_cell_changes_the_output():
    at = app_page(PAGE).run()
    before = chart_z(at, "Output")
    at.session_state[f"steps.X.{DEFAULT_SIG}"] = {"edited_rows": {0: {"d0": 5.0}}, "added_rows": [],
                                                  "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    after = chart_z(at, "Output")
    assert not np.allclose(before, after)


def test_nan_cell_is_refused_with_a_message_and_last_values_kept():
    at = app_page(PAGE).run()
    before = chart_z(at, "Output")
    at.session_state[f"steps.X.{DEFAULT_SIG}"] = {"edited_rows": {1: {"d2": None}}, "added_rows": [],
                                                  "deleted_rows": []}
    at.run()
    assert not at.exception
    assert any("not a number" in e.value for e in at.error)
    np.testing.assert_allclose(chart_z(at, "Output"), before)


def test_scaling_toggle_changes_the_weights_as_expected():
    at = app_page(PAGE, {"d_k": "8"}).run()
    scaled = chart_z(at, "Attention weights")
    at.toggle(key="steps.scaled").set_value(False).run()
    unscaled = chart_z(at, "Attention weights")
    words, x, (w_q, w_k, w_v) = defaults(d_k=8)
    _, expected = A.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, scale=1.0)
    np.testing.assert_allclose(unscaled, expected, atol=1e-5)
    # without the 1/sqrt(8) the rows are sharper: the largest weight of each row grows (or stays)
    assert (unscaled.max(axis=1) >= scaled.max(axis=1) - 1e-6).all()


def test_causal_and_zoom_and_url_clamping():
    at = app_page(PAGE, {"causal": "1", "words": "99", "d_model": "-1", "row": "50", "col": "x", "seed": "1e99"}).run()
    assert not at.exception
    assert at.slider(key="steps.words").value == 8 and at.slider(key="steps.d_model").value == 2
    w = chart_z(at, "Attention weights")
    assert np.all(np.triu(w, 1) == 0)
    assert at.selectbox(key="steps.row").value == 7
    assert any(r"\text{out}" in latex.value for latex in at.latex)

"""The "Build it step by step" page under AppTest: the numbers on screen are the attention package's."""

from __future__ import annotations

import numpy as np

import attention as A
from attention.presets import preset_embeddings, rounded_projections

from .conftest import app_page, chart_specs, plotly_array

PAGE = "pages/2_🧱_Build_it_step_by_step.py"
DEFAULT_SIG = "sentence-0-3x4x3-0"


def chart_z(at, title_start: str) -> np.ndarray:
    """The values of the chart whose title starts with ``title_start`` (masked cells are NaN)."""
    for spec in chart_specs(at):
        if spec["layout"]["title"]["text"].startswith(title_start):
            return plotly_array(spec["data"][0]["z"]).astype(float)
    raise AssertionError(f"no chart titled {title_start!r}")


def seeded(seed: int = 0, t: int = 3, d_model: int = 4, d_k: int = 3):
    rng = np.random.default_rng(seed)
    words, x = preset_embeddings("sentence", t, d_model, rng=rng)
    return words, x, rounded_projections(d_model, d_k, rng=rng)


def edit(at, matrix: str, row: int, column: str, value, signature: str = DEFAULT_SIG) -> None:
    """Type ``value`` into one cell of an editor, as st.data_editor reports it."""
    at.session_state[f"steps.{matrix}.{signature}"] = {
        "edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}
    at.run()


def snippet_of(at) -> str:
    return next(c.value for c in at.code if c.value.startswith("import numpy as np"))


def test_defaults_run_and_q_is_x_times_w_q():
    at = app_page(PAGE).run()
    assert not at.exception and not at.error
    words, x, (w_q, w_k, w_v) = seeded()
    np.testing.assert_allclose(chart_z(at, "Q = X·W_Q   (3, 3)"), x @ w_q, atol=1e-6)
    np.testing.assert_allclose(chart_z(at, "V = X·W_V"), x @ w_v, atol=1e-6)
    weights = chart_z(at, "Attention weights")
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-6)
    assert any("def scaled_dot_product_attention" in c.value for c in at.code)
    assert any(r"\text{out}" in latex.value for latex in at.latex)
    assert at.query_params["d_k"] in ("3", ["3"]) and at.query_params["scaled"] in ("1", ["1"])


def test_editing_a_cell_changes_the_output_and_the_snippet_reproduces_it():
    at = app_page(PAGE).run()
    before = chart_z(at, "Output")
    edit(at, "X", 0, "d0", 5.0)
    assert not at.exception and not at.error
    after = chart_z(at, "Output")
    assert not np.allclose(before, after)
    snippet = snippet_of(at)
    assert "X = np.array" in snippet and "W_Q = np.array" not in snippet  # only the edited matrix
    ns: dict = {"print": lambda *a, **k: None}
    exec(compile(snippet, "<snippet>", "exec"), ns)
    np.testing.assert_allclose(ns["X"][0, 0], 5.0)
    np.testing.assert_allclose(ns["output"], after, atol=1e-6)
    np.testing.assert_allclose(ns["weights"], chart_z(at, "Attention weights"), atol=1e-6)
    np.testing.assert_allclose(ns["Q"], chart_z(at, "Q = X·W_Q"), atol=1e-6)

    at.button[1].click().run()  # "Reset my edits": back to the seed's numbers
    np.testing.assert_allclose(chart_z(at, "Output"), before)


def test_bad_cells_are_refused_with_a_message_and_last_values_kept():
    at = app_page(PAGE).run()
    edit(at, "X", 0, "d1", 2.5)
    good = chart_z(at, "Output")
    for bad, message in ((None, "not a number"), ("banana", "not a number"), (1e30, "too large")):
        edit(at, "X", 1, "d2", bad)
        assert not at.exception
        assert any(message in e.value for e in at.error), bad
        np.testing.assert_allclose(chart_z(at, "Output"), good)  # the last valid matrix, edits kept
    edit(at, "W_Q", 0, "k0", float("nan"))
    assert any("not a number" in e.value for e in at.error)
    np.testing.assert_allclose(chart_z(at, "Output"), good)


def test_scaling_toggle_changes_the_weights_as_expected():
    at = app_page(PAGE, {"d_k": "8"}).run()
    scaled = chart_z(at, "Attention weights")
    words, x, (w_q, w_k, w_v) = seeded(d_k=8)
    _, expected = A.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v)
    np.testing.assert_allclose(scaled, expected, atol=1e-6)
    at.toggle(key="steps.scaled").set_value(False).run()
    unscaled = chart_z(at, "Attention weights")
    _, expected = A.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, scale=1.0)
    np.testing.assert_allclose(unscaled, expected, atol=1e-6)
    # without the division by √8 the scores are √8 times larger, so every row is pickier
    assert (unscaled.max(axis=1) >= scaled.max(axis=1) - 1e-6).all()
    np.testing.assert_allclose(chart_z(at, "Scores (unscaled)"), chart_z(at, "Dot products"), atol=1e-5)
    assert any("Scaling is off" in c.value for c in at.caption)


def test_causal_mask_zoom_and_url_clamping():
    at = app_page(PAGE, {"causal": "1", "words": "99", "d_model": "-1", "row": "50", "col": "x",
                         "seed": "1e99", "preset": "<b>"}).run()
    assert not at.exception
    assert at.slider(key="steps.words").value == 8 and at.slider(key="steps.d_model").value == 2
    assert at.number_input(key="steps.seed").value == 999_999 and at.selectbox(key="steps.preset").value == "sentence"
    w = chart_z(at, "Attention weights")
    assert np.all(np.isnan(w[np.triu_indices(8, 1)])) and w[0, 0] == 1  # masked cells drawn as masked
    assert np.isnan(chart_z(at, "Scores")[0, 1])
    assert at.selectbox(key="steps.row").value == 7 and at.selectbox(key="steps.col").value == 1

    at.slider(key="steps.words").set_value(3).run()  # fewer words: the zoom stays on the matrix
    assert not at.exception and at.selectbox(key="steps.row").value == 2
    at.selectbox(key="steps.col").set_value(2).run()
    at.selectbox(key="steps.row").set_value(0).run()
    assert any("masked" in latex.value for latex in at.latex)  # word 0 may not look at word 2
    assert at.query_params["row"] in ("0", ["0"]) and at.query_params["col"] in ("2", ["2"])


def test_presets_and_randomize():
    at = app_page(PAGE, {"preset": "similar", "seed": "5"}).run()
    assert not at.exception and any("kitten" in i.value for i in at.info)
    q = chart_z(at, "Q = X·W_Q")
    assert np.abs(q[0] - q[1]).max() < np.abs(q[0] - q[2]).max()  # cat ≈ kitten stays true in Q
    at.button[0].click().run()  # "Randomize": a new seed, new numbers
    assert not at.exception and at.number_input(key="steps.seed").value != 5


def test_a_stale_selectbox_label_is_read_back_as_its_index():
    """After the words change, a selectbox may hand back its old label ("2: sat") instead of 2."""
    at = app_page(PAGE).run()
    at.session_state["steps.row"] = "2: sat"
    at.selectbox(key="steps.preset").set_value("similar").run()
    assert not at.exception and not at.error
    assert at.session_state["steps.row"] == 2

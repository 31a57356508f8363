"""The "Build it step by step" page under AppTest: the numbers on screen are the attention package's."""

from __future__ import annotations

import numpy as np
import pytest

import attention as A
from attention.presets import preset_embeddings, rounded_projections

from .conftest import app_page, chart_specs, plotly_array, url_view

PAGE = "pages/2_🧱_Build_it_step_by_step.py"


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


def editor_key(at, matrix: str) -> str:
    """The widget key of one matrix's live editor (``steps.X.<signature>.<n>``)."""
    return at.session_state[f"steps.{matrix}.start"][0]


def edit(at, matrix: str, row: int, column: str, value) -> None:
    """Type ``value`` into one cell of an editor, as st.data_editor reports it (earlier edits kept)."""
    key = editor_key(at, matrix)
    state = at.session_state[key] if key in at.session_state else {}
    rows = {r: dict(c) for r, c in (state or {}).get("edited_rows", {}).items()}
    rows.setdefault(row, {})[column] = value
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()


def query(at, name: str) -> str:
    return url_view(at, "steps")[name]  # a default is left out of the link


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
    assert any("def project_qkv" in c.value for c in at.code)  # the first tab: the only one drawn
    assert not any("def softmax" in c.value for c in at.code)
    assert any(r"\text{out}" in latex.value for latex in at.latex)
    assert query(at, "d_k") == "3" and query(at, "scaled") == "1"


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
    edit(at, "W_Q", 0, "q0", float("nan"))
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
    assert query(at, "row") == "0" and query(at, "col") == "2"


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


# ---- the link keeps the edits and the code tab (issue 11) -------------------------------------------------


def test_the_link_keeps_edited_matrices_and_the_code_tab():
    at = app_page(PAGE, {"seed": "4"}).run()
    edit(at, "X", 0, "d0", 5.0)
    edit(at, "X", 2, "d3", -0.123456789)  # kept as the float32 it becomes, not rounded to fewer digits
    edit(at, "W_V", 3, "v1", 1.5)
    at.session_state["steps.code"] = "softmax"  # what clicking the "softmax" tab does
    at.run()
    assert not at.exception and not at.error
    assert query(at, "edits") == "v311.5_x005_x23-0.12345679" and query(at, "code") == "softmax"
    assert any("def softmax" in c.value for c in at.code)
    shown = {title: chart_z(at, title) for title in ("Q = X·W_Q", "V = X·W_V", "Attention weights", "Output")}

    link = {name: query(at, name) for name in at.query_params}
    again = app_page(PAGE, link).run()  # the link opened in another browser
    assert not again.exception and not again.error
    for title, values in shown.items():
        np.testing.assert_array_equal(chart_z(again, title), values, err_msg=title)
    assert again.session_state["steps.code"] == "softmax" and any("def softmax" in c.value for c in again.code)
    assert {name: query(again, name) for name in again.query_params} == link  # the same link, stable
    assert "X = np.array" in snippet_of(again) and "W_V = np.array" in snippet_of(again)


def test_edits_in_the_link_are_clamped_and_cells_outside_the_matrices_dropped():
    at = app_page(PAGE, {"edits": "x005_x99-1_x07-1_q00nan_k001e5_k01999_zz_x0<b>_x10-0.5_x10-0.75",
                         "code": "<script>"}).run()
    assert not at.exception and not at.error
    assert query(at, "edits") == "k01100_x005_x10-0.75"  # x07: no column 7 of 4; 999 clamped to 100
    assert query(at, "code") == "project_qkv"
    words, x, (w_q, w_k, w_v) = seeded()
    x[0, 0], x[1, 0], w_k[0, 1] = 5.0, -0.75, 100.0
    np.testing.assert_allclose(chart_z(at, "Q = X·W_Q"), x @ w_q, atol=1e-5)
    np.testing.assert_allclose(chart_z(at, "K = X·W_K"), x @ w_k, atol=1e-4)


def test_a_new_seed_or_reset_drops_the_edits_and_leaving_the_page_keeps_them():
    at = app_page(PAGE).run()
    edit(at, "X", 1, "d1", 9.0)
    assert query(at, "edits") == "x119"
    at.switch_page("streamlit_app.py").run()
    at.switch_page(PAGE).run()  # back: Streamlit forgot the editor widget, the page did not forget the edit
    assert not at.exception and query(at, "edits") == "x119"
    assert chart_z(at, "Q = X·W_Q")[1].tolist() != chart_z(app_page(PAGE).run(), "Q = X·W_Q")[1].tolist()
    at.button[1].click().run()  # "Reset my edits"
    assert query(at, "edits") == ""
    edit(at, "X", 1, "d1", 9.0)
    at.number_input(key="steps.seed").set_value(8).run()  # edits belonged to seed 0's matrices
    assert not at.exception and query(at, "edits") == ""


# ---- crafted editor messages (issue 15) -------------------------------------------------------------------


@pytest.mark.parametrize("state", [
    {"edited_rows": {99: {"d0": 1.0}}, "added_rows": [], "deleted_rows": []},
    {"edited_rows": {0: {"zzz": 1.0}}, "added_rows": [], "deleted_rows": []},
    {"edited_rows": {"a": {"d0": 1.0}}, "added_rows": [], "deleted_rows": []},
    {"edited_rows": {0: "x"}, "added_rows": [], "deleted_rows": []},
    {"edited_rows": {}, "added_rows": [], "deleted_rows": [99]},
    {"edited_rows": {}, "added_rows": [{"zz": 1}], "deleted_rows": []},
])
def test_crafted_editor_messages_naming_missing_cells_are_ignored(state):
    at = app_page(PAGE).run()
    edit(at, "X", 0, "d1", 2.5)  # a good edit first: it must survive the bad message
    good = chart_z(at, "Output")
    at.session_state[editor_key(at, "X")] = state
    at.run()
    assert not at.exception
    assert any("ignored" in w.value for w in at.warning)
    np.testing.assert_allclose(chart_z(at, "Output"), good)
    assert query(at, "edits") == "x012.5"
    edit(at, "X", 1, "d0", 3.0)  # the fresh editor works
    assert not at.exception and query(at, "edits") == "x012.5_x103"


# ---- colours and labels (issue 11) ------------------------------------------------------------------------


def chart_spec(at, title_start: str) -> dict:
    return next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith(title_start))


@pytest.mark.parametrize("scaled", ["1", "0"])
def test_both_score_maps_share_one_colour_range(scaled):
    at = app_page(PAGE, {"d_k": "8", "seed": "2", "scaled": scaled}).run()
    dots, scores = chart_spec(at, "Dot products")["data"][0], chart_spec(at, "Scores")["data"][0]
    limit = float(np.nanmax(np.abs(chart_z(at, "Dot products"))))
    assert dots["zmin"] == scores["zmin"] == -limit and dots["zmax"] == scores["zmax"] == limit
    if scaled == "1":  # the scaled scores are √8 times smaller: they reach only a third of the range
        assert float(np.nanmax(np.abs(chart_z(at, "Scores")))) == pytest.approx(limit / np.sqrt(8), rel=1e-5)


def test_columns_are_labelled_by_what_they_hold():
    at = app_page(PAGE, {"d_k": "2"}).run()
    for title, dims in (("Q = X·W_Q", ["q0", "q1"]), ("K = X·W_K", ["k0", "k1"]), ("V = X·W_V", ["v0", "v1"]),
                        ("Output", ["v0", "v1"])):
        assert chart_spec(at, title)["layout"]["xaxis"]["ticktext"] == dims, title
    assert list(at.dataframe[0].value.columns) == ["d0", "d1", "d2", "d3"]  # X: embedding dimensions
    assert [list(at.dataframe[i].value.columns) for i in (1, 2, 3)] == [["q0", "q1"], ["k0", "k1"], ["v0", "v1"]]
    share = next(df.value for df in at.dataframe if "weight × v[0]" in df.value.columns)
    assert "weight × v[1]" in share.columns
    at.toggle(key="steps.scaled").set_value(False).run()
    table = next(df.value for df in at.dataframe if "q·k" in df.value.columns)
    assert "score = q·k" in table.columns and not any("√d_k" in c for c in table.columns)
    np.testing.assert_allclose(table["score = q·k"], table["q·k"])
    assert any("No scaling" in m.value for m in at.markdown)


def test_preset_notes_quote_the_matrices_on_screen():
    at = app_page(PAGE, {"preset": "similar", "seed": "5", "words": "4"}).run()
    note = next(i.value for i in at.info if "kitten" in i.value)
    weights = chart_z(at, "Attention weights")
    assert f"**{np.abs(weights[0] - weights[1]).max():.3f}**" in note
    at = app_page(PAGE, {"preset": "onehot", "words": "5", "d_model": "3"}).run()
    assert any("fewer dimensions than words (3 < 5)" in i.value for i in at.info)


# ---- issue 12: the steps are an outline a phone sees first ---------------------------------------------------


def steps_open(at) -> list[str]:
    """The steps whose sections start open ("Step 1", …)."""
    return [e.label.strip("*")[:6] for e in at.main.expander if e.proto.expanded and "Step" in e.label]


def test_the_steps_start_closed_and_a_link_opens_the_steps_it_changes():
    at = app_page(PAGE).run()
    labels = [e.label.strip("*")[:6] for e in at.main.expander]
    assert labels[:5] == [f"Step {n}" for n in range(1, 6)] and labels[5:] == ["Exerci", "🔑 Key "]
    assert steps_open(at) == []
    assert steps_open(app_page(PAGE, {"causal": "1", "row": "2"}).run()) == ["Step 3", "Step 4"]
    assert steps_open(app_page(PAGE, {"d_k": "5", "code": "softmax"}).run()) == ["Step 1", "Step 5"]
    assert steps_open(app_page(PAGE, {"edits": "x005"}).run()) == ["Step 1", "Step 2"]


def test_a_step_keeps_its_label_when_its_sliders_move():
    """A label that changed with the numbers would make Streamlit shut the section being worked in."""
    at = app_page(PAGE).run()
    labels = [e.label for e in at.expander]
    at.slider(key="steps.words").set_value(6).run()
    at.slider(key="steps.d_k").set_value(7).run()
    assert [e.label for e in at.expander] == labels

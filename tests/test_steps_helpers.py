"""Step-by-step page helpers: presets, the validated editor, the code snippet, the figures and notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import attention as A
from attention.presets import PRESETS, preset_embeddings, rounded_projections
from figures.steps import scores_figure, shape_text, shared_limit, signed_matrix, weights_figure
from ui.steps_code import SHOWN, array_literal, reproduce_snippet, source_of
from ui.steps_editor import LIMIT, edit_state_problem, validate
from ui.steps_notes import causal_note, preset_note, scaling_note


def run_snippet(snippet: str) -> dict:
    """Execute a snippet as a student would (its prints silenced) and return its variables."""
    namespace: dict = {"print": lambda *a, **k: None}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


# ---- presets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_are_seeded_rounded_and_meaningful(name):
    words, x = preset_embeddings(name, 5, 4, rng=np.random.default_rng(1))
    again = preset_embeddings(name, 5, 4, rng=np.random.default_rng(1))[1]
    assert len(words) == 5 and x.shape == (5, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x, again)
    np.testing.assert_array_equal(x, np.round(x, 1))
    if name == "similar":  # cat ≈ kitten: much closer to each other than to anything else
        gaps = np.linalg.norm(x[:, None] - x[None], axis=-1)
        assert gaps[0, 1] <= 0.4 and gaps[0, 1] < gaps[0, 2:].min()
    if name == "onehot":
        assert (x.sum(axis=1) == 1).all() and np.linalg.matrix_rank(x) == 4


def test_presets_refuse_unknown_names_and_projections_are_rounded():
    with pytest.raises(ValueError):
        preset_embeddings("nope", 3, 4, rng=np.random.default_rng(0))
    ws = rounded_projections(4, 3, rng=np.random.default_rng(0))
    assert [w.shape for w in ws] == [(4, 3)] * 3 and all(np.array_equal(w, np.round(w, 2)) for w in ws)


# ---- the editor's validation --------------------------------------------------------------------------------


def test_validate_refuses_bad_cells_and_names_the_cell():
    good = pd.DataFrame([[1.0, 2.0], [3.0, -LIMIT]], index=["a", "b"], columns=["d0", "d1"])
    matrix, problem = validate(good, (2, 2))
    assert problem == "" and matrix.dtype == np.float32 and matrix[1, 1] == -LIMIT
    for bad, fragment in ((np.nan, "not a number"), (None, "not a number"), ("", "not a number"),
                          ("abc", "not a number"), (np.inf, "not a number"), ("1e999", "not a number"),
                          (1e30, "too large"), (-LIMIT - 1, "too large")):
        frame = good.astype(object).copy()
        frame.iloc[1, 0] = bad
        matrix, problem = validate(frame, (2, 2))
        assert matrix is None and fragment in problem and "(b, d0)" in problem, bad
        assert "last valid" in problem
    assert validate(good.astype(object).assign(d0=["4", "5.5"]), (2, 2))[0][1, 0] == 5.5  # numeric text is fine
    assert "must stay" in validate(good.iloc[:1], (2, 2))[1]


# ---- the code panel ---------------------------------------------------------------------------------------


def page_numbers(preset, seed, t, d_model, d_k, *, scaled, causal, edits=None):
    """What the page computes, the page's way (project_qkv, attention_scores, sdpa)."""
    rng = np.random.default_rng(seed)
    words, x = preset_embeddings(preset, t, d_model, rng=rng)
    w = dict(zip(("W_Q", "W_K", "W_V"), rounded_projections(d_model, d_k, rng=rng), strict=True))
    x = (edits or {}).get("X", x)
    w = {n: (edits or {}).get(n, m) for n, m in w.items()}
    q, k, v = A.project_qkv(x, A.Projections(w["W_Q"], w["W_K"], w["W_V"], np.eye(d_k, d_model)))
    mask = A.causal_mask(t) if causal else None
    scale = None if scaled else 1.0
    output, weights = A.scaled_dot_product_attention(q, k, v, mask, scale=scale)
    return q, A.attention_scores(q, k, mask, scale=scale), weights, output


@pytest.mark.parametrize("scaled,causal", [(True, False), (False, True)])
def test_snippet_reproduces_the_seeded_numbers_exactly(scaled, causal):
    snippet = reproduce_snippet(preset="similar", seed=7, t=5, d_model=3, d_k=2, scaled=scaled, causal=causal, row=4)
    ns = run_snippet(snippet)
    q, scores, weights, output = page_numbers("similar", 7, 5, 3, 2, scaled=scaled, causal=causal)
    for name, expected in (("Q", q), ("scores", scores), ("weights", weights), ("output", output)):
        np.testing.assert_array_equal(ns[name], expected, err_msg=name)
    np.testing.assert_allclose(ns["zoom"].weights, weights[4], atol=1e-6)
    assert "np.array" not in snippet  # nothing edited: the seed alone reproduces the screen


def test_snippet_writes_edited_matrices_as_exact_literals():
    rng = np.random.default_rng(0)
    edits = {"X": rng.standard_normal((3, 4)).astype(np.float32) * 37,  # awkward float32 values
             "W_K": np.full((4, 3), 0.1, np.float32)}
    snippet = reproduce_snippet(preset="sentence", seed=0, t=3, d_model=4, d_k=3, scaled=True, causal=False,
                                row=0, edited=edits)
    ns = run_snippet(snippet)
    np.testing.assert_array_equal(ns["X"], edits["X"])
    np.testing.assert_array_equal(ns["W_K"], edits["W_K"])
    _, _, weights, output = page_numbers("sentence", 0, 3, 4, 3, scaled=True, causal=False, edits=edits)
    np.testing.assert_array_equal(ns["weights"], weights)
    np.testing.assert_array_equal(ns["output"], output)
    assert snippet.index("W_K = np.array") > snippet.index("X = np.array") > snippet.index("rounded_projections(")
    with pytest.raises(ValueError):
        reproduce_snippet(preset="sentence", seed=0, t=3, d_model=4, d_k=3, scaled=True, causal=False, row=0,
                          edited={"import os": np.zeros((1, 1))})
    assert eval(array_literal(np.array([[1.5, -2e-7]], np.float32)), {"np": np}).dtype == np.float32


def test_shown_source_is_the_code_that_runs():
    names = [s.func.__name__ for s in SHOWN]
    assert {"project_qkv", "attention_scores", "softmax", "scaled_dot_product_attention"} <= set(names)
    for shown in SHOWN:
        assert source_of(shown.func).lstrip().startswith(("def ", "@")) and shown.equation and shown.role
    assert "def scaled_dot_product_attention" in source_of(A.scaled_dot_product_attention)


# ---- figures and notes --------------------------------------------------------------------------------------


def test_figures_carry_shapes_and_mark_masked_and_picked_cells():
    labels = ["0: a", "1: <b>", "2: c"]
    fig = signed_matrix(np.arange(6.0).reshape(3, 2), labels, ["k0", "k1"], "Q = X·W_Q")
    assert fig.layout.title.text == "Q = X·W_Q   (3, 2)" and shape_text(np.zeros((3, 4))) == "(3, 4)"
    assert "&lt;b&gt;" in fig.layout.yaxis.ticktext[1]  # labels are text, never HTML
    scores = np.where(A.causal_mask(3), 1.0, -np.inf)
    fig = scores_figure(scores, labels, "Scores")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[0, 1]) and z[1, 0] == 1 and "masked" in fig.data[0].text[0][2]
    assert "masked" not in fig.data[0].text[2][0]
    fig = weights_figure(np.full((3, 3), 1 / 3), labels, picked=(2, 1), title="Weights")
    rect = fig.layout.shapes[0]
    assert (rect.x0, rect.x1, rect.y0, rect.y1) == (0.5, 1.5, 1.5, 2.5)
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == 1 and len(fig.data) == 2  # clickable overlay
    assert not weights_figure(np.eye(2), labels[:2], title="W").layout.shapes


def test_notes_describe_what_the_toggles_change():
    sharp, flat = np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.6, 0.4], [0.5, 0.5]])
    note = scaling_note(4, True, flat, sharp)
    assert "Scaling is on" in note and "√4 ≈ 2.000" in note and "0.550" in note and "0.850" in note
    assert "Scaling is off" in scaling_note(4, False, flat, sharp)
    assert "3 cells above the diagonal" in causal_note(3, True) and "No mask" in causal_note(3, False)


def test_one_colour_range_for_several_score_matrices():
    dots = np.array([[4.0, -8.0], [1.0, 2.0]])
    scaled = np.where(A.causal_mask(2), dots / 2, -np.inf)
    assert shared_limit(dots, scaled) == 8.0 and shared_limit(np.full((2, 2), -np.inf)) == 1.0
    a, b = (scores_figure(m, ["a", "b"], "S", zlim=8.0).data[0] for m in (dots, scaled))
    assert (a.zmin, a.zmax) == (b.zmin, b.zmax) == (-8.0, 8.0)
    assert scores_figure(dots, ["a", "b"], "S").data[0].zmin is None  # alone: fitted, centred on 0


def test_scaling_note_at_d_k_1_says_nothing_changes():
    w = np.array([[0.6, 0.4]])
    assert "changes nothing" in scaling_note(1, True, w, w) and "√1 = 1" in scaling_note(1, False, w, w)


def test_preset_notes_measure_the_matrices_they_are_given():
    words = ["cat", "kitten", "car"]
    x = np.array([[1.0, 0.0], [1.1, 0.0], [-1.0, 2.0]])
    w = np.array([[0.5, 0.4, 0.1], [0.45, 0.45, 0.1], [0.1, 0.1, 0.8]])
    note = preset_note("similar", words, x, x * 2, w)
    assert "at most **0.10** per entry in X (*cat* and *car*: 2.00)" in note
    assert "Q differ by at most **0.20** (4.00 for *car*)" in note and "**0.050** (0.700 for *car*)" in note
    onehot = np.eye(3, 4)
    assert "own column" in preset_note("onehot", ["a", "b", "c"], onehot, onehot, w)
    shared = np.array([[1.0, 0], [0, 1.0], [1.0, 0]])
    assert "share a column, e.g. *a* and *c*" in preset_note("onehot", ["a", "b", "c"], shared, shared, w)
    edited = onehot.copy()
    edited[0, 1] = 0.5
    assert "not any more" in preset_note("onehot", ["a", "b", "c"], edited, edited, w)
    assert preset_note("sentence", words, x, x, w) is None


@pytest.mark.parametrize("state, ok", [
    (None, True),
    ({"edited_rows": {0: {"d0": 1.0}, "1": {"d1": "x"}}, "added_rows": [], "deleted_rows": []}, True),
    ({"edited_rows": {2: {"d0": 1.0}}, "added_rows": [], "deleted_rows": []}, False),
    ({"edited_rows": {-1: {"d0": 1.0}}}, False),
    ({"edited_rows": {True: {"d0": 1.0}}}, False),
    ({"edited_rows": {0: {"_index": "x"}}}, False),
    ({"edited_rows": {0: ["d0"]}}, False),
    ({"edited_rows": [0]}, False),
    ({"deleted_rows": [0]}, False),
    ({"added_rows": [{"d0": 1}]}, False),
    ("edited", False),
])
def test_edit_state_problem_names_impossible_edits_without_quoting_them(state, ok):
    problem = edit_state_problem(state, 2, ["d0", "d1"])
    assert (problem == "") is ok
    assert "_index" not in problem and "-1" not in problem

"""Heatmap page: toy model, figure builders, arithmetic formatting and the page under AppTest."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import attention as A
from attention.toy_model import toy_self_attention
from figures.heatmap import attention_heatmap, head_grid, row_bars
from ui.arithmetic import arithmetic_rows, dot_product_latex, latex_text, score_latex, softmax_latex
from ui.heatmap_common import weights_csv

from .conftest import app_page, chart_specs, plotly_array

PAGE = "pages/1_🔥_Heatmap.py"


def heatmap_z(at: AppTest) -> np.ndarray:
    heat = next(t for t in chart_specs(at)[0]["data"] if t["type"] == "heatmap")
    return plotly_array(heat["z"]).astype(float)


def run(query: dict | None = None) -> AppTest:
    return app_page(PAGE, query).run()


# ---- core: the toy model --------------------------------------------------------------------------------


def test_toy_model_is_multi_head_attention_of_its_inputs():
    tokens = A.tokenize("the cat sat on the mat")
    r = toy_self_attention(tokens, d_model=8, d_k=4, n_heads=2, causal=True, temperature=0.5,
                           rng=np.random.default_rng(3))
    assert r.weights.shape == (2, 6, 6) and r.q.shape == (2, 6, 4)
    for h in range(2):
        _, w = A.scaled_dot_product_attention(r.q[h], r.k[h], r.v[h], A.causal_mask(6), temperature=0.5)
        np.testing.assert_allclose(r.weights[h], w)
    np.testing.assert_allclose(r.mean_weights.sum(axis=1), 1, rtol=1e-6)
    assert np.all(np.triu(r.weights, 1) == 0)
    again = toy_self_attention(tokens, d_model=8, d_k=4, n_heads=2, causal=True, temperature=0.5,
                               rng=np.random.default_rng(3))
    np.testing.assert_array_equal(r.weights, again.weights)


# ---- figures and formatting -----------------------------------------------------------------------------


def test_attention_heatmap_labels_ranges_hover():
    w = np.array([[0.69, 0.31], [0.5, 0.5]])
    fig = attention_heatmap(w, ["it", "animal"])
    heat = fig.data[0]
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert heat.text[0][1] == '"it" → "animal": 0.31'
    assert "Query" in fig.layout.yaxis.title.text and "Key" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells
    auto = attention_heatmap(w, ["it", "animal"], auto_range=True)
    assert auto.data[0].zmin is None
    assert fig.data[1].type == "scatter" and fig.data[1].marker.opacity == 0  # clickable overlay


def test_dense_heatmap_hides_values_and_grid_and_bars():
    fig = attention_heatmap(np.full((64, 64), 1 / 64), [f"w{i}" for i in range(64)])
    assert fig.data[0].texttemplate is None
    grid = head_grid(np.full((3, 4, 4), 0.25), list("abcd"))
    assert len(grid.data) == 3 and grid.layout.annotations[0].text == "Head 1"
    bars = row_bars(np.array([0.2, 0.8]), ["<b>", "x"], "x", highlight=1)
    assert bars.data[0].x[0] == "0: &lt;b&gt;"


def test_arithmetic_formatting_and_csv():
    q = np.array([[1.0, 2.0], [0.5, -1.0]])
    ra = A.row_arithmetic(q[0], q, temperature=2.0)
    tex = dot_product_latex(ra, 1, "it", "a_b")
    assert r"(1.000)(0.500) + (2.000)(-1.000) = -1.500" in tex and r"a\_b" in tex
    assert r"\div 2.00" in score_latex(ra, 1)
    assert "0.7071" not in softmax_latex(ra, 0) and softmax_latex(ra, 0).endswith(f"{ra.weights[0]:.4f}")
    rows = arithmetic_rows(ra, ["it", "a_b"])
    assert rows[1]["q·k"] == pytest.approx(-1.5) and sum(r["weight"] for r in rows) == pytest.approx(1)
    assert latex_text("{$}") == r"\text{\{\$\}}"
    csv = weights_csv(np.array([[1.0, 0.0], [0.25, 0.75]]), ["the", "the"])
    assert csv.splitlines()[0] == "query \\ key,0: the,1: the"
    assert csv.splitlines()[2] == "1: the,0.250000,0.750000"


# ---- the page -------------------------------------------------------------------------------------------


def test_defaults_run_and_rows_sum_to_one():
    at = run()
    assert not at.exception
    z = heatmap_z(at)
    assert z.shape == (12, 12)
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-5)
    assert at.query_params["seed"] == ["42"] or at.query_params["seed"] == "42"


def test_generate_changes_and_seed_reproduces():
    at = run()
    first = heatmap_z(at)
    at.button[0].click().run()
    assert not at.exception
    seed = at.number_input(key="heatmap.seed").value
    second = heatmap_z(at)
    assert not np.allclose(first, second)
    again = run({"seed": str(seed)})
    np.testing.assert_array_equal(heatmap_z(again), second)


def test_causal_mask_zeroes_the_upper_triangle_and_heads():
    at = run({"causal": "1", "heads": "4"})
    assert not at.exception
    z = heatmap_z(at)
    assert np.all(np.triu(z, 1) == 0)
    assert len(at.get("plotly_chart")) >= 3  # main heatmap, head grid, row bars


def test_url_restores_the_view():
    query = {"text": "Apple released a new product.", "n": "5", "d_model": "8", "d_k": "4", "heads": "2",
             "temp": "0.5", "causal": "1", "seed": "7", "head": "2", "row": "3", "col": "1", "scale": "viridis",
             "auto": "1", "values": "0", "mode": "random"}
    at = run(query)
    assert not at.exception
    assert heatmap_z(at).shape == (5, 5)
    assert at.slider(key="heatmap.temp").value == 0.5
    assert at.selectbox(key="heatmap.row").value == 3
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert {k: params[k] for k in query} == query
    expected = toy_self_attention(A.tokenize(query["text"])[:5], d_model=8, d_k=4, n_heads=2, causal=True,
                                  temperature=0.5, rng=np.random.default_rng(7)).weights[1]
    np.testing.assert_allclose(heatmap_z(at), expected, atol=1e-6)


@pytest.mark.parametrize(
    "text, message",
    [("", "empty"), ("   ", "empty"), ("word " * 500, "first 64"), ("x" * 20_000, None)],
    ids=["empty", "spaces", "500 words", "20k chars"],
)
def test_bad_text_gives_a_message(text, message):
    at = run()
    at.text_input(key="heatmap.text").set_value(text).run()
    assert not at.exception
    shown = " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    if message:
        assert message in shown


def test_single_word_emoji_cjk_and_html_tokens():
    for text in ("Hello", "我爱你 😀", "<img src=x onerror=alert(1)>"):
        at = run({"text": text})
        assert not at.exception, text
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "&lt;" in json.dumps(spec["layout"]["yaxis"]["ticktext"])


def test_bad_urls_are_clamped():
    at = run({"n": "1e9", "heads": "-3", "temp": "nan", "seed": "abc", "row": "999", "scale": "<script>"})
    assert not at.exception
    assert at.slider(key="heatmap.n").value == 64
    assert at.slider(key="heatmap.heads").value == 1
    assert at.slider(key="heatmap.temp").value == 1.0
    assert at.selectbox(key="heatmap.row").value == 11  # clamped to the last word


def test_rerun_script_time_report():
    """Reports the script time of a default rerun (the target, < 100 ms, is checked by eye, not asserted)."""
    at = run()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    print(f"\nheatmap rerun script time: median {sorted(times)[2] * 1000:.0f} ms")
    assert not at.exception

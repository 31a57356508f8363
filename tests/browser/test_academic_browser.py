"""The Academic page in a real browser: deep link, move the d_k slider, the charts follow."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, set_slider

pytestmark = pytest.mark.browser
D_K = "d_k (length of q and k)"


def chart_titles(page) -> list[str]:
    return page.eval_on_selector_all('[data-testid="stPlotlyChart"] .js-plotly-plot .gtitle',
                                     "els => els.map(e => e.textContent)")


def wait_for_chart_title(page, text: str) -> None:
    """Plotly draws a moment after Streamlit's rerun ends: wait until some chart title contains ``text``."""
    page.wait_for_function(
        "text => [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(e => e.textContent.includes(text))",
        arg=text,
    )


def test_deep_link_then_moving_d_k_redraws_the_experiment(page, app_server):
    open_app(page, app_server, "Academic", {"d_k": "64", "seed": "7", "keys": "8"})
    assert_no_exception(page)
    assert page.get_by_role("slider", name=D_K).input_value() == "64"
    wait_for_chart_title(page, "Scores at d_k = 64")

    set_slider(page, D_K, 1)
    assert_no_exception(page)
    assert page.get_by_role("slider", name=D_K).input_value() == "65"
    wait_for_chart_title(page, "Scores at d_k = 65")
    wait_for_chart_title(page, "One row at d_k = 65")
    assert not any("d_k = 64" in t for t in chart_titles(page))
    params = query_params(page)
    assert params["d_k"] == ["65"] and params["seed"] == ["7"] and params["keys"] == ["8"]


def test_out_of_range_values_in_the_link_are_clamped(page, app_server):
    open_app(page, app_server, "Academic", {"d_k": "1e999", "keys": "5000"})
    assert_no_exception(page)
    assert "d_k" not in query_params(page)  # not a finite number: the default, which links leave out
    assert page.get_by_role("slider", name=D_K).input_value() == "64"
    assert page.get_by_role("slider", name="Keys per row (S)").input_value() == "64"  # clamped to the maximum


def test_the_mask_chart_labels_every_pad_column(page, app_server):
    open_app(page, app_server, "Academic", {"mask": "both", "pad": "3"})
    assert_no_exception(page)
    wait_for_chart_title(page, "M: causal + padding")
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="M: causal + padding").first
    chart.scroll_into_view_if_needed()
    pads = chart.locator(".xtick text").filter(has_text="[PAD]")
    assert pads.count() == 3 and all(pads.nth(i).is_visible() for i in range(3))

"""The Heatmap page in a real browser: deep link, Generate, a slider, a click on a cell, an HTML payload."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, set_slider, wait_for_rerun

pytestmark = pytest.mark.browser


def test_heatmap_deep_link_generate_slider_click(page, app_server):
    open_app(page, app_server, "Heatmap", {"text": "The cat sat on the mat.", "seed": "5", "n": "7", "row": "0",
                                           "col": "0"})
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for()
    assert page.get_by_role("spinbutton", name="Seed").input_value() == "5"

    page.get_by_role("button", name="🎲 Generate Heatmap").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page)["seed"] != ["5"]

    set_slider(page, "Heads", 1)
    assert_no_exception(page)
    assert query_params(page)["heads"] == ["2"]
    assert page.get_by_text("Every head side by side").count() >= 1

    # Click the cell (row 3 "on", column 1 "cat") through plotly's own hit-testing of the overlay markers.
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    dx, dy = chart.evaluate(
        "el => [el._fullLayout.xaxis._offset + el._fullLayout.xaxis.d2p(1),"
        " el._fullLayout.yaxis._offset + el._fullLayout.yaxis.d2p(3)]"
    )
    page.mouse.click(box["x"] + dx, box["y"] + dy)
    wait_for_rerun(page)
    assert_no_exception(page)
    params = query_params(page)
    assert (params["row"], params["col"]) == (["3"], ["1"]), params
    assert page.get_by_text("How the weight of").first.is_visible()
    assert page.get_by_text("on").first.count() == 1


def test_heatmap_html_payload_is_shown_literally(page, app_server):
    open_app(page, app_server, "Heatmap", {"row": "0", "col": "1"})
    box = page.get_by_label("Sentence")
    # Two sentences in a row: the second rerun receives the word selectboxes' labels of the first sentence.
    for text in ("<img src=x onerror=window.__xss=1> hello", "<script>window.__xss=1</script> hi"):
        box.fill(text)
        box.press("Enter")
        wait_for_rerun(page)
        assert_no_exception(page)
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"], [data-testid="stMain"] script').count() == 0
    ticks = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot .ytick text').all_text_contents()
    assert ticks[:3] == ["<", "script", ">"], ticks
    # the detail panel names the picked words as text: query "<", key "script"
    assert page.get_by_text("How the weight of").first.inner_text().startswith("How the weight of < → script")
    assert query_params(page)["text"] == ["<script>window.__xss=1</script> hi"]


def test_pretrained_mode_click_a_cell_and_open_a_head(page, app_server):
    open_app(page, app_server, "Heatmap", {"mode": "pretrained", "layer": "0", "pt_head": "2", "row": "0", "col": "0"})
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for()
    box = chart.bounding_box()
    dx, dy = chart.evaluate(
        "el => [el._fullLayout.xaxis._offset + el._fullLayout.xaxis.d2p(2),"
        " el._fullLayout.yaxis._offset + el._fullLayout.yaxis.d2p(3)]"
    )
    page.mouse.click(box["x"] + dx, box["y"] + dy)
    wait_for_rerun(page)
    assert_no_exception(page)
    assert (query_params(page)["row"], query_params(page)["col"]) == (["3"], ["2"])
    assert page.get_by_text("How the weight of").first.is_visible()

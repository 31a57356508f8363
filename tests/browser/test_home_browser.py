"""The home page in a real browser: open by URL, use the library demo, no exception or page error."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, set_slider, wait_for_rerun

pytestmark = pytest.mark.browser


def test_home_opens_by_url_and_demo_responds(page, app_server):
    open_app(page, app_server, "", {"ask": "Tell me about kings.", "space": "0", "history": "3", "temp": "1"})
    assert_no_exception(page)
    assert page.get_by_text("The library analogy").first.is_visible()
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    charts.first.wait_for()

    table = page.locator("table").filter(has_text="score q·k / temp").first
    before = table.inner_text()
    set_slider(page, "Space", 4)  # 0 -> 2.0
    assert_no_exception(page)
    assert query_params(page)["space"] == ["2"]
    after = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Your query is").inner_text()
    assert "space 2" in after
    assert table.inner_text() != before  # new scores and weights


def test_home_malformed_url_gets_defaults(page, app_server):
    open_app(page, app_server, "", {"space": "nan", "temp": "1e999", "cooking": ["1", "2"], "x": "<b>"})
    assert_no_exception(page)
    params = query_params(page)
    assert params["temp"] == ["1"]  # inf -> default
    assert params["space"] == ["1.5"]  # NaN -> default of the default question
    assert params["cooking"] == ["2"]  # repeated key -> default
    assert "x" not in params  # unknown keys dropped


def test_home_picking_a_question_moves_the_sliders(page, app_server):
    open_app(page, app_server)
    page.get_by_label("Pick a question").first.click()
    page.get_by_role("option", name="Tell me about kings.").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page)["history"] == ["3"]

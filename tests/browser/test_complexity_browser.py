"""The Complexity page in a real browser: deep link, a small live measurement, its charts, the step-through."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, set_slider, wait_for_rerun

pytestmark = pytest.mark.browser


def chart_titles(page) -> list[str]:
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()


def test_complexity_deep_link_run_and_step_through(page, app_server):
    open_app(page, app_server, "Complexity", {"n_min": "64", "n_max": "256", "d": "16", "heads": "2", "step": "2"})
    assert_no_exception(page)
    assert page.get_by_role("slider", name="Heads H").input_value() == "2"
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
    titles = chart_titles(page)
    assert any(t.startswith("Compute") for t in titles) and any("H100" in t for t in titles), titles
    assert not any(t.startswith("Runtime against n") for t in titles)

    page.get_by_role("button", name="▶️ Run measurement").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    page.get_by_text("Runtime against n").first.wait_for()
    titles = chart_titles(page)
    for title in ("Runtime against n", "Peak memory against n", "Runtime against d", "Measured here"):
        assert any(t.startswith(title) for t in titles), (title, titles)
    assert page.get_by_text("naive: time slope").count() == 1
    assert page.get_by_role("button", name="⬇️ Download the measurements (CSV)").count() == 0  # inside the expander
    page.get_by_text("📋 The numbers (table and CSV)").click()
    page.get_by_role("button", name="⬇️ Download the measurements (CSV)").wait_for()
    assert query_params(page)["n_max"] == ["256"]

    set_slider(page, "Blocks read so far", 1, key="End")  # one key press: to the last block
    assert_no_exception(page)
    assert query_params(page)["step"] == ["4"]
    assert page.get_by_text("All 12 keys read").count() == 1
    assert any(t.startswith("After block 4") for t in chart_titles(page))
    # the measurement survives widget changes in the same session
    assert any(t.startswith("Runtime against n") for t in chart_titles(page))

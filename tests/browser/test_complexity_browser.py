"""Complexity page in a real browser: charts on first load, a small measurement, its charts and table."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, wait_for_rerun

pytestmark = pytest.mark.browser


def test_complexity_deep_link_and_small_run(page, app_server):
    open_app(page, app_server, "Complexity", {"n_min": "64", "n_max": "256", "d": "32"})
    assert_no_exception(page)
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    charts.first.wait_for()
    before = charts.count()
    assert before >= 3  # theory, H100 reference, online softmax: before any button
    page.get_by_role("button", name="▶️ Run measurement").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    page.get_by_text("Measured: runtime and memory against n").wait_for()
    assert charts.count() >= before + 4
    assert page.get_by_role("button", name="⬇️ Download the measurements (CSV)").is_visible()

"""How fast a fresh server starts serving and renders its first page (figures printed for the README).

Three moments of the first visit after a server start: the page's title is on screen
("first render"), the script has finished, and the first plotly chart is drawn (Streamlit loads its
4.7 MB plotly.js bundle only when a page first shows a chart). The targets (serving < 3 s, first page
< 2.5 s on an idle machine) are reported, not asserted: the test machines are shared and noisy. The
assertions only catch a start-up that hangs.
"""

from __future__ import annotations

import time

import pytest

from .harness import RERUN_TIMEOUT_MS, assert_no_exception, start_server, stop_server

pytestmark = pytest.mark.browser


def test_cold_start_and_first_render(browser):
    start = time.perf_counter()
    proc, base = start_server()
    serving = time.perf_counter() - start
    try:
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(base)
        page.locator("h1").first.wait_for(timeout=RERUN_TIMEOUT_MS)
        first_render = time.perf_counter() - start
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RERUN_TIMEOUT_MS)
        finished = time.perf_counter() - start
        page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=RERUN_TIMEOUT_MS)
        chart = time.perf_counter() - start
        assert_no_exception(page)
        page.close()
    finally:
        stop_server(proc)
    print(f"\nstart-up: serving after {serving:.2f} s; first visit: title on screen after "
          f"{first_render:.2f} s, script finished after {finished:.2f} s, first chart drawn after {chart:.2f} s")
    assert serving < 30 and chart < 30

"""How fast a fresh server starts serving and renders its first page (figures printed for the README).

The targets (serving < 3 s, first page < 2.5 s on an idle machine) are reported, not asserted: the test
machines are shared and noisy. The assertions only catch a start-up that hangs.
"""

from __future__ import annotations

import time

import pytest

from .harness import assert_no_exception, open_app, start_server, stop_server

pytestmark = pytest.mark.browser


def test_cold_start_and_first_render(browser):
    start = time.perf_counter()
    proc, base = start_server()
    serving = time.perf_counter() - start
    try:
        page = browser.new_page()
        start = time.perf_counter()
        open_app(page, base, "")
        page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
        first_render = time.perf_counter() - start
        assert_no_exception(page)
        page.close()
    finally:
        stop_server(proc)
    print(f"\nstart-up: serving after {serving:.2f} s, first page rendered in {first_render:.2f} s")
    assert serving < 30 and first_render < 30

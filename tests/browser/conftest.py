"""Real-browser harness: `streamlit run` on a free loopback port, driven by Playwright + Debian's Chromium.

Fixtures
--------
app_server : base URL of one server shared by the whole browser test session
browser    : one headless Chromium
page       : a fresh browser context + page; fails the test on any page error (uncaught JS)

Helpers (import from ``tests.browser.harness``): ``open_app``, ``wait_for_rerun``, ``wait_until``,
``assert_no_exception``, ``set_slider``, ``query_params``.

Waiting: never a fixed sleep. ``open_app`` and ``wait_for_rerun`` return once the server has received
everything the page sent, its newest run has finished and every chart is drawn (see harness.py). After
that, read what the page shows; where the browser may still be painting (a data grid's cells, a chart
resizing), wait for the value you assert with ``wait_until`` or Playwright's ``expect``.
"""

from __future__ import annotations

import pytest

from .harness import CHROMIUM, launch_browser, start_server, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def app_server():
    proc, base_url = start_server()
    try:
        yield base_url
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command, which installs it")
    pw, browser = launch_browser()
    browser.devices = pw.devices  # Playwright's device descriptors, for phone contexts (layout_metrics)
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.page_errors = errors
    yield page
    context.close()
    assert not errors, f"page errors in the browser: {errors}"

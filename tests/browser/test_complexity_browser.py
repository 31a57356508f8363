"""The Complexity page in a real browser: deep link, a live measurement, its charts, the step-through, and a
class of sessions pressing Run together (the shared queue).

Every wait is for a condition (a chart title drawn, a text shown, the script finished), never a fixed time:
Plotly draws its charts after Streamlit's run has finished, so the tests wait for the titles themselves.
"""

from __future__ import annotations

import pytest

from .harness import (
    RERUN_TIMEOUT_MS,
    assert_no_exception,
    open_app,
    query_params,
    set_slider,
    start_server,
    stop_server,
    wait_for_rerun,
)
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser

QUEUE_TIMEOUT_MS = 180_000  # a student at the back of the queue waits for every measurement before theirs
FIRST_LOAD_CHARTS = ["Compute", "Memory", "Steps that cannot run", "H100 time", "H100 memory"]
MEASURED_CHARTS = ["Runtime against n", "Peak memory against n", "Runtime against d", "Speed reached",
                   "Measured here"]


def chart_titles(page) -> list[str]:
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()


def wait_for_charts(page, present=(), absent=(), timeout: int = RERUN_TIMEOUT_MS) -> list[str]:
    """Wait until every chart on the page has drawn its title, titles starting with each of ``present``
    are there and none starting with any of ``absent``; returns the titles."""
    page.wait_for_function(
        """([present, absent]) => {
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            const titles = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .gtitle')]
                .map(e => e.textContent);
            return charts.length > 0 && titles.length === charts.length
                && present.every(p => titles.some(t => t.startsWith(p)))
                && !absent.some(p => titles.some(t => t.startsWith(p)));
        }""",
        arg=[list(present), list(absent)],
        timeout=timeout,
    )
    return chart_titles(page)


def test_complexity_deep_link_run_and_step_through(page, app_server):
    open_app(page, app_server, "Complexity", {"n_min": "64", "n_max": "256", "d": "16", "heads": "2", "step": "2"})
    assert_no_exception(page)
    open_every_expander(page)  # theory, RNN and H100 sections start collapsed (the link opened the step-through)
    assert page.get_by_role("slider", name="Heads H").input_value() == "2"
    titles = wait_for_charts(page, present=[*FIRST_LOAD_CHARTS, "After block 2"])
    assert not any(t.startswith("Runtime against n") for t in titles), titles

    page.get_by_role("button", name="▶️ Run measurement").click()
    every_chart = [*FIRST_LOAD_CHARTS, "After block 2", *MEASURED_CHARTS]
    wait_for_charts(page, present=every_chart, timeout=QUEUE_TIMEOUT_MS)  # mid-rerun, charts are replaced
    wait_for_rerun(page)
    wait_for_charts(page, present=every_chart)  # and they are all there once the run has finished
    assert_no_exception(page)
    assert page.get_by_text("naive: time slope").count() == 1
    assert page.get_by_role("button", name="⬇️ Download the measurements (CSV)").count() == 0  # inside the expander
    page.get_by_text("📋 The numbers (table and CSV)").click()
    page.get_by_role("button", name="⬇️ Download the measurements (CSV)").wait_for()
    assert query_params(page)["n_max"] == ["256"]

    set_slider(page, "Blocks read so far", 1, key="End")  # one key press: to the last block
    titles = wait_for_charts(page, present=["After block 4", *MEASURED_CHARTS], absent=["After block 2"])
    assert_no_exception(page)
    assert query_params(page)["step"] == ["4"]
    page.get_by_text("All 12 keys read").wait_for()
    # the measurement survives widget changes in the same session
    assert any(t.startswith("Runtime against n") for t in titles)


@pytest.fixture
def class_server(request):
    """A server of our own whose measurements may last ``request.param`` seconds (long enough to queue
    behind, and to join, on a loaded machine)."""
    proc, base_url = start_server({"ATTENTION_EXPLORER_TIME_BUDGET_S": str(request.param)})
    try:
        yield base_url
    finally:
        stop_server(proc)


@pytest.fixture
def students(browser):
    """Open browser sessions of their own (a context each: separate Streamlit sessions)."""
    contexts = []

    def open_student(base_url: str, query: dict):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(QUEUE_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.page_errors = errors
        open_app(page, base_url, "Complexity", query)
        return page

    yield open_student
    for context in contexts:
        for page in context.pages:
            assert not page.page_errors, page.page_errors
        context.close()


LONG = {"n_min": "64", "n_max": "16384", "d": "64"}  # ends when the time budget is spent
HEAVY = {"n_min": "1024", "n_max": "8192", "d": "256", "heads": "8"}  # tens of seconds of work: a run to join
SMALL = {"n_min": "64", "n_max": "128"}


def run_button(page):
    return page.get_by_role("button", name="▶️ Run measurement")


@pytest.mark.parametrize("class_server", [8], indirect=True)
def test_sessions_pressing_run_while_waiting_never_wedge_the_server(students, class_server):
    """Issue 15's lock leak: sessions waiting for a measurement press Run again and again; afterwards a
    fresh session must measure normally (it used to wait the whole allowance and hear "still busy")."""
    first = students(class_server, LONG)
    waiting = [students(class_server, {**SMALL, "d": d}) for d in ("16", "32")]
    run_button(first).click()
    first.locator('[data-testid="stProgress"]').first.wait_for()  # measuring now
    for page in waiting:
        run_button(page).click()
    for _ in range(3):  # again and again while the first measurement runs
        for page in waiting:
            run_button(page).click()
    for page in [first, *waiting]:
        wait_for_charts(page, present=MEASURED_CHARTS, timeout=QUEUE_TIMEOUT_MS)
        wait_for_rerun(page, timeout=QUEUE_TIMEOUT_MS)
        assert_no_exception(page)

    fresh = students(class_server, {**SMALL, "d": "64"})
    run_button(fresh).click()
    wait_for_charts(fresh, present=MEASURED_CHARTS, timeout=QUEUE_TIMEOUT_MS)
    wait_for_rerun(fresh)
    assert_no_exception(fresh)
    assert fresh.get_by_text("still busy").count() == 0
    assert fresh.get_by_text("This run was measured for you alone").count() == 1


@pytest.mark.parametrize("class_server", [60], indirect=True)
def test_a_class_sees_places_in_the_queue_and_shares_a_live_run(students, class_server):
    first = students(class_server, HEAVY)
    same = students(class_server, HEAVY)  # asks for the same sizes while the first one runs
    second, third = (students(class_server, {**SMALL, "d": d}) for d in ("16", "32"))
    run_button(first).click()
    first.get_by_text("Measuring your sizes now").wait_for()
    run_button(same).click()
    same.get_by_text("Another student asked for the same sizes").wait_for()
    same.get_by_text("Measured so far, live:").wait_for()  # the shared run's numbers, as they come
    first.get_by_text("1 other student asked for the same sizes meanwhile").wait_for()
    run_button(second).click()
    second.get_by_text("You are number 1 in the queue").wait_for()
    run_button(third).click()
    third.get_by_text("You are number 2 in the queue").wait_for()
    run_button(third).click()  # pressing again keeps the place
    third.get_by_text("You are number 2 in the queue").wait_for()
    assert third.get_by_text("2 measurements run before yours, the one running now included").count() == 1

    for page in (first, same):
        wait_for_charts(page, present=MEASURED_CHARTS, timeout=QUEUE_TIMEOUT_MS)
        page.get_by_text("This one run served 2 students").wait_for()
    same.get_by_text("Another student asked first").wait_for()
    for page in (second, third):
        wait_for_charts(page, present=MEASURED_CHARTS, timeout=QUEUE_TIMEOUT_MS)
        wait_for_rerun(page, timeout=QUEUE_TIMEOUT_MS)
        assert_no_exception(page)
        assert page.get_by_text("You are number").count() == 0

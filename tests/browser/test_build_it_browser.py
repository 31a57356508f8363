"""Build-it page in a real browser: deep link, edit an embedding cell, the output changes, zoom into a cell."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .harness import assert_no_exception, open_app, open_link, query_params, wait_for_rerun
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser


# The numbers written in the cells of the output matrix, as the student sees them ("" before it is drawn).
OUTPUT_JS = """() => {
  const chart = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .find(e => e.textContent.includes('Output = weights·V'));
  return chart ? [...chart.querySelectorAll('g.text-group text, .heatmaplayer text')]
    .map(t => t.textContent).join(' ') : '';
}"""


def output_text(page) -> str:
    page.wait_for_function(f"() => ({OUTPUT_JS})() !== ''")  # plotly draws a moment after the rerun
    return page.evaluate(OUTPUT_JS)


def wait_for_output(page, *, equal: str | None = None, differs: str | None = None) -> None:
    """Wait until the drawn output matrix equals ``equal`` or differs from ``differs``."""
    check = "t === arg" if equal is not None else "t !== '' && t !== arg"
    page.wait_for_function(f"arg => {{ const t = ({OUTPUT_JS})(); return {check}; }}",
                           arg=equal if equal is not None else differs)


def type_into_first_cell(page, value: str) -> None:
    """Type ``value`` into X[0, d0] and press Enter; returns once the link holds the edit.

    The grid is a canvas: a click selects a cell, and typing on a selected cell opens its editor. A key
    pressed before the grid has taken the focus is lost, so click and type again until the editor opens.
    """
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    editor = page.locator("input.gdg-input")
    for _ in range(30):
        # first data row, column d0: the header and row-label column take the first ~35 px and ~20 % of the width
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + 35 + 17)
        page.keyboard.type(value)
        try:
            editor.wait_for(state="visible", timeout=1_000)
            break
        except PlaywrightTimeout:
            continue
    page.keyboard.press("Enter")
    page.wait_for_function("v => (new URLSearchParams(location.search).get('edits') || '').includes('x00' + v)",
                           arg=value)


def test_build_it_edit_a_cell_and_zoom(page, app_server):
    open_app(page, app_server, "Build_it_step_by_step", {"seed": "3", "words": "3", "d_model": "4", "d_k": "3"})
    assert_no_exception(page)
    open_every_expander(page)  # the steps are collapsible sections
    before = output_text(page)

    type_into_first_cell(page, "7")
    wait_for_rerun(page)
    assert_no_exception(page)
    wait_for_output(page, differs=before)

    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Attention weights").locator(
        ".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    dx, dy = chart.evaluate(
        "el => [el._fullLayout.xaxis._offset + el._fullLayout.xaxis.d2p(2),"
        " el._fullLayout.yaxis._offset + el._fullLayout.yaxis.d2p(1)]"
    )
    page.mouse.click(box["x"] + dx, box["y"] + dy)
    wait_for_rerun(page)
    assert_no_exception(page)
    assert (query_params(page)["row"], query_params(page)["col"]) == (["1"], ["2"])
    zoom = page.get_by_text("The weight of 1: cat → 2: sat is")
    zoom.scroll_into_view_if_needed()
    assert zoom.is_visible()
    assert page.locator(".katex-error").count() == 0  # every equation rendered


def selected_tab(page) -> str:
    return page.locator('[role="tab"][aria-selected="true"]').inner_text()


def test_the_link_reopens_the_edits_and_the_code_tab_in_another_browser(page, browser, app_server):
    open_app(page, app_server, "Build_it_step_by_step", {"seed": "3"})
    open_every_expander(page)
    initial = output_text(page)
    type_into_first_cell(page, "7")
    wait_for_rerun(page)
    wait_for_output(page, differs=initial)
    tab = page.get_by_role("tab", name="softmax", exact=True)
    tab.scroll_into_view_if_needed()
    tab.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('code') === 'softmax'")
    wait_for_rerun(page)
    assert_no_exception(page)
    assert selected_tab(page) == "softmax"
    assert page.get_by_text("def softmax(").first.is_visible()
    edited_output, link = output_text(page), page.url

    other = browser.new_context(viewport={"width": 390, "height": 900}).new_page()  # a student's phone
    try:
        open_link(other, link)
        assert_no_exception(other)
        opened = other.locator('[data-testid="stExpander"] details[open] summary').all_inner_texts()
        steps = [found.group() for label in opened if (found := re.search(r"Step \d", label))]
        assert steps == ["Step 1", "Step 2", "Step 5"], opened  # (the exercises open too: the link has a set)
        open_every_expander(other)
        wait_for_output(other, equal=edited_output)  # the edited X came with the link
        assert query_params(other)["edits"] == query_params(page)["edits"]
        assert selected_tab(other) == "softmax" and query_params(other)["code"] == ["softmax"]
    finally:
        other.context.close()

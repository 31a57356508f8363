"""Build-it page in a real browser: deep link, edit an embedding cell, the output changes, zoom into a cell."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, wait_for_rerun

pytestmark = pytest.mark.browser


def output_text(page) -> str:
    """The numbers written in the cells of the output matrix, as the student sees them."""
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Output = weights·V").first
    chart.scroll_into_view_if_needed()
    return " ".join(chart.locator("g.text-group text, .heatmaplayer text").all_text_contents())


def test_build_it_edit_a_cell_and_zoom(page, app_server):
    open_app(page, app_server, "Build_it_step_by_step", {"seed": "3", "words": "3", "d_model": "4", "d_k": "3"})
    assert_no_exception(page)
    before = output_text(page)

    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # first data row, column d0: the header and row-label column take the first ~35 px and ~20 % of the width
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    page.keyboard.type("7")  # typing on a selected cell opens its editor with the new text
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    for _ in range(40):  # the edit reaches the server a moment after Enter
        wait_for_rerun(page)
        if output_text(page) != before:
            break
        page.wait_for_timeout(250)
    assert_no_exception(page)
    assert output_text(page) != before

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

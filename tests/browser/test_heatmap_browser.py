"""The Heatmap page in a real browser: deep link, Generate, a slider, a click on a cell, an HTML payload, and
the word pickers, whose shown labels only a browser can see."""

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
    assert page.get_by_text("The average weight of").first.inner_text().startswith(
        "The average weight of on → cat is")  # two heads: the average view explains the average


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
    assert page.get_by_text("The weight of").first.inner_text().startswith("The weight of < → script")
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
    assert page.get_by_text("The weight of").first.is_visible()


def shown_pair(page, row_label: str, col_label: str) -> tuple[str, str]:
    """What the two picker comboboxes show in the browser (their input's value)."""
    return (page.get_by_role("combobox", name=row_label).input_value(),
            page.get_by_role("combobox", name=col_label).input_value())


def outlined_cell(page, index: int = 0) -> tuple[str, str]:
    """(row word, column word) of the outlined cell in the ``index``-th chart, read from the drawn figure."""
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(index)
    chart.wait_for()
    return tuple(chart.evaluate(
        """el => {
            const s = el.layout.shapes[0], x = el.layout.xaxis, y = el.layout.yaxis;
            const word = (axis, v) => axis.ticktext[axis.tickvals.indexOf(v)];
            return [word(y, s.y0 + 0.5), word(x, s.x0 + 0.5)];
        }"""))


def detail_pair(page) -> str:
    return page.get_by_text("The weight of").first.inner_text()


def test_pickers_outline_and_arithmetic_name_the_current_words(page, app_server):
    """Change the sentence, the mode and Build-it's preset: the pickers' shown labels, the outlined cell and the
    arithmetic must name the same words of the current input (the browser kept showing the old labels)."""
    open_app(page, app_server, "Heatmap")
    rows, cols = "Query word (row)", "Key word (column)"
    assert shown_pair(page, rows, cols) == ("7: it", "1: animal")
    box = page.get_by_label("Sentence")
    box.fill("Dogs chase cats in the big green park every day")
    box.press("Enter")
    wait_for_rerun(page)
    assert_no_exception(page)
    assert shown_pair(page, rows, cols) == ("7: park", "1: chase")
    assert outlined_cell(page) == ("park", "chase")
    assert detail_pair(page).startswith("The weight of park → chase is")

    page.get_by_text("Pretrained model (all-MiniLM-L6-v2)").click()  # [CLS] dogs chase cats in the big green ...
    wait_for_rerun(page)
    assert_no_exception(page)
    rows, cols = "Query token (row)", "Key token (column)"
    assert shown_pair(page, rows, cols) == ("7: green", "1: dogs")
    assert outlined_cell(page) == ("green", "dogs")
    assert detail_pair(page).startswith("The weight of green → dogs is")

    page.get_by_text("Hide [CLS] and [SEP]").click()  # positions shift; the picked words stay
    wait_for_rerun(page)
    assert_no_exception(page)
    assert shown_pair(page, rows, cols) == ("6: green", "0: dogs")
    assert outlined_cell(page) == ("green", "dogs")

    page.get_by_text("Random weights (untrained)").click()
    wait_for_rerun(page)
    assert shown_pair(page, "Query word (row)", "Key word (column)") == ("6: green", "0: Dogs")

    open_app(page, app_server, "Build_it_step_by_step", {"row": "0", "col": "1"})
    rows, cols = "Query word (row)", "Key word (column)"
    assert shown_pair(page, rows, cols) == ("0: The", "1: cat")
    page.get_by_role("combobox", name="Starting embeddings").click()
    page.get_by_role("option", name="Two similar words: cat ≈ kitten").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert shown_pair(page, rows, cols) == ("0: cat", "1: kitten")
    assert outlined_cell(page, index=5) == ("0: cat", "1: kitten")  # the weights chart
    assert page.get_by_text("The weight of 0: cat → 1: kitten is").count() == 1

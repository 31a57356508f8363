"""The Heatmap page in a real browser: deep link, Generate, a slider, a click on a cell, an HTML payload, and
the word pickers, whose shown labels only a browser can see."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .harness import assert_no_exception, choose, open_app, query_params, set_slider, wait_for_rerun
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser


def test_heatmap_deep_link_generate_slider_click(page, app_server):
    open_app(page, app_server, "Heatmap", {"text": "The cat sat on the mat.", "seed": "5", "n": "7", "row": "0",
                                           "col": "0"})
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for()
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value("5", timeout=WAIT_MS)

    page.get_by_role("button", name="🎲 Generate Heatmap").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page).get("seed") != ["5"]  # a default seed is left out of the link

    set_slider(page, "Heads", 1)
    assert_no_exception(page)
    assert query_params(page)["heads"] == ["2"]
    expect(page.get_by_text("Every head side by side").first).to_be_visible(timeout=WAIT_MS)

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
    assert (params["row"], params.get("col", ["1"])) == (["3"], ["1"]), params  # col 1: the default, left out
    expect(page.get_by_text("The average weight of").first).to_contain_text(
        "The average weight of on → cat is", timeout=WAIT_MS)  # two heads: the average view explains the average


def test_heatmap_html_payload_is_shown_literally(page, app_server):
    open_app(page, app_server, "Heatmap", {"row": "0", "col": "1"})
    box = page.get_by_role("textbox", name="Sentence", exact=True)
    # Two sentences in a row: the second rerun receives the word selectboxes' labels of the first sentence.
    for text in ("<img src=x onerror=window.__xss=1> hello", "<script>window.__xss=1</script> hi"):
        box.fill(text)
        box.press("Enter")
        wait_for_rerun(page)
        assert_no_exception(page)
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"], [data-testid="stMain"] script').count() == 0
    ticks = page.locator('[data-testid="stPlotlyChart"]').first.locator(".js-plotly-plot .ytick text")
    expect(ticks.nth(0)).to_have_text("<", timeout=WAIT_MS)
    assert ticks.all_text_contents()[:3] == ["<", "script", ">"], ticks.all_text_contents()
    # the detail panel names the picked words as text: query "<", key "script"
    expect_detail(page, "The weight of < → script")
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
    expect(page.get_by_text("The weight of").first).to_be_visible(timeout=WAIT_MS)

    # The overview (a collapsed section) shows one layer at a time: pick layer 3 there, then click its head 8
    # (the encoder's layer 2, head 7) to open that head above.
    page.get_by_text("Every head, one layer at a time").click()
    wait_for_rerun(page)
    page.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name="3", exact=True).click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page)["layer"] == ["2"]
    overview = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Layer 3: its 12 heads").locator(
        ".js-plotly-plot").first
    overview.scroll_into_view_if_needed()
    box = overview.bounding_box()
    dx, dy = overview.evaluate(
        "el => { const t = el.data.find(d => d.type === 'scatter' && d.customdata[0][0] === 2"
        " && d.customdata[0][1] === 7);"
        " const xa = el._fullLayout['xaxis' + t.xaxis.slice(1)], ya = el._fullLayout['yaxis' + t.yaxis.slice(1)];"
        " return [xa._offset + xa.d2p(t.x[0]), ya._offset + ya.d2p(t.y[0])]; }"
    )
    page.mouse.click(box["x"] + dx, box["y"] + dy)
    wait_for_rerun(page)
    assert_no_exception(page)
    assert (query_params(page)["layer"], query_params(page)["pt_head"]) == (["2"], ["7"])
    title = page.locator('[data-testid="stPlotlyChart"]').first.locator(".gtitle")
    expect(title).to_have_text("Layer 3, head 8", timeout=WAIT_MS)
    expect(page.get_by_role("slider", name="Layer")).to_have_attribute("aria-valuetext", "3", timeout=WAIT_MS)


WAIT_MS = 30_000  # a busy machine may take a while to draw: wait for the condition, up to this long
OUTLINED = """el => {
    const s = (el.layout.shapes || [])[0], x = el.layout.xaxis, y = el.layout.yaxis;
    if (!s) return null;
    const word = (axis, v) => axis.ticktext[axis.tickvals.indexOf(v)];
    return [word(y, s.y0 + 0.5), word(x, s.x0 + 0.5)];
}"""


def expect_pair(page, row_label: str, col_label: str, pair: tuple[str, str]) -> None:
    """The two picker comboboxes show ``pair`` in the browser (their input's value; waits until they do)."""
    for label, shown in zip((row_label, col_label), pair, strict=True):
        expect(page.get_by_role("combobox", name=label)).to_have_value(shown, timeout=WAIT_MS)


def expect_outlined(page, pair: tuple[str, str], title: str | None = None) -> None:
    """The outlined cell of the first chart (or of the first titled ``title``) is (row word, column word), read
    from the drawn figure."""
    charts = page.locator('[data-testid="stPlotlyChart"]')
    chart = (charts.filter(has_text=title) if title else charts).locator(".js-plotly-plot").first
    chart.wait_for()
    chart.evaluate(f"(el, pair) => new Promise((ok, fail) => {{ const read = {OUTLINED}; const t0 = Date.now();"
                   " (function poll() { const got = read(el);"
                   " if (got && got[0] === pair[0] && got[1] === pair[1]) return ok(got);"
                   " if (Date.now() - t0 > 30000) return fail(new Error('outlined: ' + JSON.stringify(got)));"
                   " requestAnimationFrame(poll); })(); })", list(pair))


def expect_detail(page, start: str) -> None:
    expect(page.get_by_text("The weight of").first).to_contain_text(start, timeout=WAIT_MS)


def test_pickers_outline_and_arithmetic_name_the_current_words(page, app_server):
    """Change the sentence, the mode and Build-it's preset: the pickers' shown labels, the outlined cell and the
    arithmetic must name the same words of the current input (the browser kept showing the old labels)."""
    open_app(page, app_server, "Heatmap")
    rows, cols = "Query word (row)", "Key word (column)"
    expect_pair(page, rows, cols, ("7: it", "1: animal"))
    box = page.get_by_role("textbox", name="Sentence", exact=True)
    box.fill("Dogs chase cats in the big green park every day")
    box.press("Enter")
    wait_for_rerun(page)
    assert_no_exception(page)
    expect_pair(page, rows, cols, ("7: park", "1: chase"))
    expect_outlined(page, ("park", "chase"))
    expect_detail(page, "The weight of park → chase is")

    page.get_by_text("Pretrained model (all-MiniLM-L6-v2)").click()  # [CLS] dogs chase cats in the big green ...
    wait_for_rerun(page)
    assert_no_exception(page)
    rows, cols = "Query token (row)", "Key token (column)"
    expect_pair(page, rows, cols, ("7: green", "1: dogs"))
    expect_outlined(page, ("green", "dogs"))
    expect_detail(page, "The weight of green → dogs is")

    page.get_by_text("Hide [CLS] and [SEP]").click()  # positions shift; the picked words stay
    wait_for_rerun(page)
    assert_no_exception(page)
    expect_pair(page, rows, cols, ("6: green", "0: dogs"))
    expect_outlined(page, ("green", "dogs"))

    page.get_by_text("Random weights (untrained)").click()
    wait_for_rerun(page)
    expect_pair(page, "Query word (row)", "Key word (column)", ("6: green", "0: Dogs"))
    expect_outlined(page, ("green", "Dogs"))

    open_app(page, app_server, "Build_it_step_by_step", {"row": "0", "col": "1"})
    open_every_expander(page)  # the pickers sit in Step 4, a collapsed section
    rows, cols = "Query word (row)", "Key word (column)"
    expect_pair(page, rows, cols, ("0: The", "1: cat"))
    choose(page, "Starting embeddings", "Two similar words: cat ≈ kitten")
    assert_no_exception(page)
    expect_pair(page, rows, cols, ("0: cat", "1: kitten"))
    expect_outlined(page, ("0: cat", "1: kitten"), title="Attention weights")
    expect(page.get_by_text("The weight of 0: cat → 1: kitten is")).to_have_count(1, timeout=WAIT_MS)

"""The Translation page in a real browser: deep link, a click on the heatmap, an unknown word, phone width."""

from __future__ import annotations

import pytest

from attention.translation import load
from ui.translation import default_step

from .harness import assert_no_exception, click_cell, open_app, query_params, set_slider, wait_for_rerun
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser
SENTENCE = "the old man says that the white dog chases a hungry cat"
PHONE = {"width": 390, "height": 844}


def chart_titles(page) -> list[str]:
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()


def test_translation_click_a_row_type_a_word_move_the_step(page, app_server):
    open_app(page, app_server, "Translation", {"text": SENTENCE, "row": "0"})
    assert_no_exception(page)
    open_every_expander(page)  # the measured bottleneck, watch it learn, how it is built: collapsed sections
    target = load("attention").translate(SENTENCE.split()).target
    page.get_by_text(" ".join(target)).first.wait_for()  # the reference (= the attention model's translation)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for()
    titles = chart_titles(page)
    for start in ("Cross-attention: where", "Writing", "Exact match and words", "Cross-attention at", "Loss while"):
        assert any(t.startswith(start) for t in titles), (start, titles)

    click_cell(page, chart, 11, 8)  # row 11 "jagt", column 8 "chases"
    assert_no_exception(page)
    assert query_params(page)["row"] == ["11"]
    combo = page.get_by_role("combobox", name="German word")
    assert combo.input_value() == "11: jagt"  # the picker shows the clicked row (front-end state)
    assert any(t.startswith('Writing "jagt"') for t in chart_titles(page))

    box = page.get_by_role("textbox", name="English sentence")
    box.fill("The zebra sees the dog.")
    box.press("Enter")
    wait_for_rerun(page)
    assert_no_exception(page)
    assert page.get_by_text("Not in the vocabulary: zebra").count() == 1
    assert query_params(page)["text"] == ["The zebra sees the dog."]

    box.fill("a dog sleeps")
    box.press("Enter")
    wait_for_rerun(page)
    assert_no_exception(page)
    assert combo.input_value() == "2: schläft"  # row 11 does not exist here: the last row is picked
    step = query_params(page).get("step", [default_step()])[0]  # the default step is left out of the link
    set_slider(page, "Training step", 1, key="Home")
    assert query_params(page)["step"] == ["0"] != [step]
    assert any(t.startswith("Cross-attention at start") for t in chart_titles(page))


def test_translation_at_phone_width(browser, app_server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_app(page, app_server, "Translation", {"text": " ".join([SENTENCE] * 2).replace(" cat the", " cat and the")})
        assert_no_exception(page)
        open_every_expander(page)
        page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone: {width}px"
        charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        assert charts.count() >= 5
        for i in range(charts.count()):
            b = charts.nth(i).bounding_box()
            assert b is not None and b["x"] >= -1 and b["x"] + b["width"] <= PHONE["width"] + 1, (i, b)
        # the heatmap's German words stay readable: one tick label per row, none overlapping the next
        ticks = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.locator(".ytick text")
        tops = sorted(t["y"] for t in (ticks.nth(i).bounding_box() for i in range(ticks.count())) if t)
        assert len(tops) == 25 and min(b - a for a, b in zip(tops, tops[1:], strict=False)) >= 8, tops
    finally:
        context.close()

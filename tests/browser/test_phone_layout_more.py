"""Heatmap (both modes), Complexity and Translation at 390 × 844, on a phone (touch, phone user agent) and in a
390 px desktop window, in their densest views: every chart readable (no text below 10 px, no overlapping text,
nothing cut off), nothing wider than the screen outside a scroll container with a visible cue, the long pages
an outline first, and the 72-head overview a grid of maps a finger can tap.

What is measured, and how, is in ``layout_metrics``; ``test_phone_layout`` does the same for the other pages.
"""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, wait_for_rerun
from .layout_metrics import (
    KINDS,
    PHONE,
    assert_every_section_readable,
    measure,
    open_every_expander,
    phone_context,
)

pytestmark = pytest.mark.browser

LONG = ("The quick brown fox jumps over the lazy dog while the old cat watches from a very tall tree and the children "
        "play in the park every day after school because the weather is warm and sunny in the summer when the birds "
        "sing loudly near the river that flows through the green valley below the old stone bridge where people walk "
        "every evening at sunset")
assert len(LONG.split()) >= 64
GERMAN_25 = "the old man says that the white dog chases a hungry cat and the old man says that the white dog chases " \
            "a hungry cat"  # 25 words the grammar parses: the longest sentences the models were tested on

# (path, query): the defaults, and the densest views each page allows
VIEWS = {
    "heatmap": ("Heatmap", {}),
    "heatmap-8-heads-causal": ("Heatmap", {"heads": "8", "causal": "1"}),
    "heatmap-64-words-8-heads": ("Heatmap", {"text": LONG, "n": "64", "heads": "8", "head": "3"}),
    "heatmap-pretrained": ("Heatmap", {"mode": "pretrained"}),
    "heatmap-pretrained-long": ("Heatmap", {"mode": "pretrained", "text": f"{LONG} {LONG}"}),  # 128 pieces, pooled
    "heatmap-pretrained-tour": ("Heatmap", {"mode": "pretrained", "tour": "apple"}),
    "complexity": ("Complexity", {}),
    "complexity-causal-gpu": ("Complexity", {"gpu_causal": "1", "step": "3", "heads": "8", "d": "256"}),
    "translation": ("Translation", {}),
    "translation-25-words": ("Translation", {"text": GERMAN_25, "row": "20"}),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_section_is_readable_at_phone_width(browser, app_server, view, kind):
    assert_every_section_readable(browser, app_server, kind, *VIEWS[view])


MEASURED_CHARTS = ("Runtime against n", "Peak memory against n", "Runtime against d", "Speed reached",
                   "Measured here")


def test_measured_results_are_readable_at_phone_width(browser, app_server):
    """A real (small) measurement on this server: its charts, table and verdicts at 390 px."""
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Complexity", {"n_min": "64", "n_max": "256", "d": "16"})
        page.get_by_role("button", name="▶️ Run measurement").click()
        page.wait_for_function(
            """names => { const titles = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .gtitle')]
                   .map(e => e.textContent); return names.every(n => titles.some(t => t.startsWith(n))); }""",
            arg=list(MEASURED_CHARTS[:4]), timeout=180_000)
        wait_for_rerun(page)
        assert_no_exception(page)
        open_every_expander(page)
        report = measure(page)
        titles = [c["title"] for c in report.charts]
        assert all(any(t.startswith(name) for t in titles) for name in MEASURED_CHARTS), titles
        assert report.ok, report.describe()


# Page height at 390 px with every section closed, in screens of 844 px (before: Heatmap 4.3 in random mode and
# 10.4 pretrained, Complexity 8.8, Translation 9.7): a phone shows the outline of the page within its first
# screens. What stays open is each page's own action: the map and its tap-to-read panel, the sizes and the Run
# button, the sentence and its translation.
SCREENS = {
    "Heatmap": ({}, 4.5),
    "Heatmap?pretrained": ({"mode": "pretrained"}, 6.0),
    "Complexity": ({}, 3.0),
    "Translation": ({}, 4.5),
}


@pytest.mark.parametrize("name", SCREENS)
def test_long_pages_show_their_outline_first(browser, app_server, name):
    query, screens = SCREENS[name]
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, name.split("?")[0], query)
        sections = page.locator('[data-testid="stMain"] [data-testid="stExpander"]')
        assert sections.count() >= 3
        tall = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
                             ".getBoundingClientRect().height")
        assert tall / PHONE["height"] <= screens, f"{name}: {tall / PHONE['height']:.1f} screens"
        last = sections.last.bounding_box()
        assert last["y"] + last["height"] <= screens * PHONE["height"]


def test_a_link_opens_the_section_it_changes(browser, app_server):
    """A teacher's link that sets the online-softmax step opens that section and leaves the others closed."""
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Complexity", {"step": "3"})
        opened = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details[open] > summary')
        shown = [text.split("\n")[-1] for text in opened.all_inner_texts()]  # after the arrow icon's name
        assert shown == ["6 · How tiled attention escapes the memory wall: the online softmax"], shown


def test_the_overview_is_a_grid_of_tappable_maps_on_a_phone(browser, app_server):
    """The 72 heads, one layer at a time: at 390 px each map is wider than a fingertip (about 45 px), and a tap
    on one opens that head in the map above."""
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Heatmap", {"mode": "pretrained", "layer": "4", "pt_head": "0"})
        page.get_by_text("Every head, one layer at a time").click()
        wait_for_rerun(page)
        overview = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Layer 5: its 12 heads").locator(
            ".js-plotly-plot").first
        overview.scroll_into_view_if_needed()
        sizes = overview.evaluate("el => [...Array(12).keys()].map(i => el._fullLayout['xaxis' + (i ? i + 1 : '')])"
                                  ".map(a => a._length)")
        assert min(sizes) >= 45, sizes
        box = overview.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        dx, dy = overview.evaluate(
            "el => { const t = el.data.find(d => d.type === 'scatter' && d.customdata[0][1] === 10);"
            " const xa = el._fullLayout['xaxis' + t.xaxis.slice(1)], ya = el._fullLayout['yaxis' + t.yaxis.slice(1)];"
            " return [xa._offset + xa.d2p(t.x[0]), ya._offset + ya.d2p(t.y[0])]; }")
        page.mouse.click(box["x"] + dx, box["y"] + dy)
        wait_for_rerun(page)
        assert_no_exception(page)
        assert (query_params(page)["layer"], query_params(page)["pt_head"]) == (["4"], ["10"])
        title = page.locator('[data-testid="stPlotlyChart"]').first.locator(".gtitle")
        title.filter(has_text="Layer 5, head 11").wait_for()


def test_a_long_sentence_labels_its_rows_on_a_desktop_and_gives_way_on_a_phone(browser, app_server):
    """64 words: the rows of the square map stand apart at 1400 px (every other word labelled, 11 px) and give
    way at 390 px, where the hover and the detail panel name the words instead."""
    query = {"text": LONG, "n": "64"}

    def row_labels(page) -> int:
        return page.evaluate("() => [...document.querySelectorAll('.st-key-fit-heatmap_chart .ytick text')]"
                             ".filter(t => t.getBoundingClientRect().width > 0).length")

    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Heatmap", query)
        measure(page)
        assert row_labels(page) == 0
        assert page.get_by_role("combobox", name="Query word (row)").count() == 1  # the words stay pickable
    desktop = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        open_app(desktop, app_server, "Heatmap", query)
        report = measure(desktop)
        assert row_labels(desktop) == 32
        assert report.ok, report.describe()
    finally:
        desktop.context.close()

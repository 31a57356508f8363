"""Home, Build it and Academic at 390 × 844, on a phone (touch, phone user agent) and in a 390 px desktop
window: every chart readable (no text below 10 px, no overlapping text, nothing cut off), nothing wider than
the screen outside a scroll container with a visible cue, and the long pages an outline first.

What is measured, and how, is in ``layout_metrics``; other pages' tests call it the same way.
"""

from __future__ import annotations

import pytest

from .harness import open_app
from .layout_metrics import (
    KINDS,
    PHONE,
    assert_every_section_readable,
    measure,
    phone_context,
)

pytestmark = pytest.mark.browser

# (path, query): the defaults, and the densest views each page allows
VIEWS = {
    "home": ("", {}),
    "home-own-query": ("", {"space": "3", "cooking": "0", "history": "3", "animals": "0.5", "temp": "0.1"}),
    "build-it": ("Build_it_step_by_step", {}),
    "build-it-five-words": ("Build_it_step_by_step", {"words": "5", "d_model": "6", "d_k": "5", "scaled": "0",
                                                      "seed": "11"}),
    "build-it-largest": ("Build_it_step_by_step", {"words": "8", "d_model": "8", "d_k": "8", "causal": "1",
                                                   "scaled": "0", "row": "7", "col": "6", "preset": "similar"}),
    "academic": ("Academic", {}),
    "academic-largest": ("Academic", {
        "text": "The quick brown fox jumps over the lazy dog while the old cat watches from a very tall tree",
        "heads": "4", "pad": "4", "mask": "both", "view": "scores", "other": "shared", "d_model": "64",
        "d_k": "1024", "keys": "64", "big": "1000"}),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_section_is_readable_at_phone_width(browser, app_server, view, kind):
    assert_every_section_readable(browser, app_server, kind, *VIEWS[view])


# Page height at 390 px with every section closed, in screens of 844 px (before: Home 8.5, Build it 10.7,
# Academic 19.3): a phone shows the outline of the page within its first screens. The lesson's frame (issue 12:
# "Step k of N", "What you will learn here", the closed "Key takeaways", Previous / Next) adds about 0.6 of a
# screen (measured on Build it: 1.5 -> 2.1).
SCREENS = {"": 8.0, "Build_it_step_by_step": 2.5, "Academic": 3.0}  # Build it: 2.1-2.3 measured


@pytest.mark.parametrize("path", SCREENS)
def test_long_pages_show_their_outline_first(browser, app_server, path):
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, path)
        sections = page.locator('[data-testid="stMain"] [data-testid="stExpander"]')
        assert sections.count() >= 3
        tall = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
                             ".getBoundingClientRect().height")
        assert tall / PHONE["height"] <= SCREENS[path], f"/{path}: {tall / PHONE['height']:.1f} screens"
        last = sections.last.bounding_box()
        assert last["y"] + last["height"] <= SCREENS[path] * PHONE["height"]


def test_a_wide_equation_shows_on_which_side_it_continues(browser, app_server):
    """The scroll cue: a shadow at the right edge while more of the equation is to the right, at the left
    edge once scrolled to the end, and none on an equation that fits."""
    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Academic", {"keys": "8"})  # opens section 2 and its long equations
        wide = page.locator(".katex-display").filter(has_text="Var").first
        wide.scroll_into_view_if_needed()
        sizes = "e => getComputedStyle(e).backgroundSize"
        assert wide.evaluate("e => e.scrollWidth > e.clientWidth + 20")
        # the page's style sheet may land a moment after the equation: wait for the cue, then check it exactly
        page.wait_for_function("e => getComputedStyle(e).backgroundSize !== 'auto'", arg=wide.element_handle())
        assert wide.evaluate(sizes) == "0px 100%, 16px 100%"
        wide.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        page.wait_for_function("e => getComputedStyle(e).backgroundSize === '16px 100%, 0px 100%'",
                               arg=wide.element_handle())
        page.get_by_text("1 · Scaled dot-product attention").click()  # short equations too
        cues = page.eval_on_selector_all(".katex-display", """els => els.filter(e => e.checkVisibility())
            .map(e => [e.scrollWidth <= e.clientWidth ? 'fits' : e.scrollLeft === 0 ? 'start' : 'end',
                       getComputedStyle(e).backgroundSize])""")
        assert {where for where, _ in cues} == {"fits", "start", "end"}
        shadow = {"fits": "0px 100%, 0px 100%", "start": "0px 100%, 16px 100%", "end": "16px 100%, 0px 100%"}
        assert all(size == shadow[where] for where, size in cues), cues  # a shadow only where more is hidden


def test_dense_matrix_values_give_way_on_a_phone_and_show_on_a_desktop(browser, app_server):
    """7 × 7 scores, two maps side by side: numbers in the cells at 1400 px, none on a phone (a tap on a cell
    still shows its number)."""
    query = {"text": "The cat sat on the mat.", "view": "scores"}

    def labels_shown(page) -> int:
        page.wait_for_selector(".st-key-fit-projection_identity .heatmap-label text", state="attached")
        return page.evaluate("() => [...document.querySelectorAll('.st-key-fit-projection_identity "
                             ".heatmap-label text')].filter(t => t.getBoundingClientRect().width > 0).length")

    with phone_context(browser, "touch") as page:
        open_app(page, app_server, "Academic", query)
        assert labels_shown(page) == 0
    desktop = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        open_app(desktop, app_server, "Academic", query)
        assert labels_shown(desktop) == 7 * 7
        assert measure(desktop).ok, measure(desktop).describe()
    finally:
        desktop.context.close()

"""The lesson path, the glossary, "Reset this page" and "Share with your class" in a real browser (issue 12)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ui.glossary_terms import BY_KEY
from ui.heatmap_random import SETTINGS

from .harness import (
    assert_no_exception,
    open_app,
    open_link,
    query_params,
    set_slider,
    wait_for_rerun,
    wait_until,
)

pytestmark = pytest.mark.browser
WAIT_MS = 30_000


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def open_share(page):
    """Open the sidebar's share section; returns it."""
    section = sidebar(page).locator('[data-testid="stExpander"]').filter(has_text="Share with your class")
    section.locator("summary").click()
    section.locator('[data-testid="stCode"]').wait_for()
    return section


def shown_link(section) -> str:
    return section.locator('[data-testid="stCode"] code').inner_text().strip()


def test_next_and_previous_walk_the_lesson_and_the_sidebar_marks_the_page(page, app_server):
    open_app(page, app_server, "Heatmap")
    assert_no_exception(page)
    expect(page.get_by_text("Step 2 of 7 in the lesson · Heatmap")).to_be_visible()
    expect(page.get_by_text("What you will learn here")).to_be_visible()
    current = sidebar(page).locator('[data-testid="stPageLink"]').filter(has_text="◀")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("2. Heatmap")
    page.get_by_role("link", name="Next: Build it step by step →").click()
    page.wait_for_url(f"{app_server}/Build_it_step_by_step**")
    wait_for_rerun(page)
    assert_no_exception(page)
    expect(page.get_by_text("Step 3 of 7 in the lesson · Build it step by step")).to_be_visible()
    expect(sidebar(page).locator('[data-testid="stPageLink"]').filter(has_text="◀")).to_contain_text("3. Build it")
    page.get_by_role("link", name="← Previous: Heatmap").click()
    page.wait_for_url(f"{app_server}/Heatmap**")
    wait_for_rerun(page)
    expect(page.get_by_text("Step 2 of 7 in the lesson · Heatmap")).to_be_visible()


def test_share_shows_this_view_s_exact_link_and_a_scannable_qr_code(page, app_server, browser):
    open_app(page, app_server, "Heatmap")
    page.get_by_text(SETTINGS).first.click()  # the Heads slider sits in the model's settings, a closed section
    set_slider(page, "Heads", 1)
    assert query_params(page)["heads"] == ["2"]
    section = open_share(page)
    link = shown_link(section)
    assert link == page.evaluate("location.href"), link  # the browser's own address of this view
    assert link.startswith(f"{app_server}/Heatmap?") and "heads=2" in link and "d_model" not in link
    image = section.locator('[data-testid="stImage"] img')
    image.wait_for()
    natural = image.evaluate("img => img.naturalWidth")
    assert natural >= 300, natural
    section.get_by_role("button", name="🔍 Show the QR code large (for a projector)").click()
    dialog = page.get_by_role("dialog")
    big = dialog.locator('[data-testid="stImage"] img')
    big.wait_for()
    wait_until(page, lambda: big.bounding_box()["width"] >= 500, "the large QR code is at least 500 px wide")
    box = big.bounding_box()  # all of it on the screen (the page's viewport is 1400 × 1000)
    assert box["y"] >= 0 and box["y"] + box["height"] <= 1000 and abs(box["width"] - box["height"]) <= 2, box

    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone opens the link
    try:
        open_link(student, link)
        assert_no_exception(student)
        assert student.get_by_role("slider", name="Heads").input_value() == "2"
        assert query_params(student) == query_params(page)
    finally:
        student.context.close()


def test_reset_returns_the_page_and_its_link_to_the_defaults(page, app_server):
    open_app(page, app_server, "Build_it_step_by_step", {"words": "5", "d_k": "2", "causal": "1", "ex": "77"})
    assert_no_exception(page)
    assert {"words", "d_k", "causal"} <= set(query_params(page))
    sidebar(page).get_by_role("button", name="↺ Reset this page").click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page) == {"ex": ["77"]}  # the exercise set number stays; everything else is a default
    page.get_by_text("Step 1 · Input: word embeddings X").first.click()
    expect(page.get_by_role("slider", name="Words T")).to_have_value("3")
    expect(page.get_by_role("slider", name="Query/key size d_k")).to_have_value("3")
    assert shown_link(open_share(page)) == f"{app_server}/Build_it_step_by_step?ex=77"


def test_learn_lines_link_to_the_glossary_entry(page, app_server):
    open_app(page, app_server, "Heatmap")
    learn = page.locator(".st-key-lesson_learn")
    target = learn.get_by_role("link", name="d_k")
    href = target.evaluate("a => a.href")
    assert href == f"{app_server}/Glossary?q=d_k#d_k"
    open_link(page, href)
    assert_no_exception(page)
    expect(page.get_by_role("textbox", name="Search the glossary")).to_have_value("d_k")
    first = page.locator('[data-testid="stHeading"]').filter(has_text="d_k").first
    expect(first).to_be_visible()
    expect(page.get_by_text(BY_KEY["d_k"].plain[:60])).to_be_visible()
    # Its "appears on" links lead to the pages
    entry = page.locator(".st-key-term_d_k")
    hrefs = entry.get_by_role("link").evaluate_all("links => links.map(a => a.href)")
    assert f"{app_server}/Build_it_step_by_step" in hrefs and f"{app_server}/" in hrefs


def test_glossary_search_box_filters_and_writes_the_link(page, app_server):
    open_app(page, app_server, "Glossary")
    box = page.get_by_role("textbox", name="Search the glossary")
    box.fill("softmax")
    box.press("Enter")
    wait_for_rerun(page)
    assert query_params(page)["q"] == ["softmax"]
    headings = page.locator('[data-testid="stHeading"] h3').all_inner_texts()
    assert headings[0].startswith("Softmax") and all("mask" not in h.lower() for h in headings)


def test_a_jargon_slider_s_tooltip_gives_the_glossary_definition(page, app_server):
    open_app(page, app_server, "Build_it_step_by_step")
    page.get_by_text("Step 1 · Input: word embeddings X").first.click()
    widget = page.locator('[data-testid="stSlider"]').filter(has_text="Embedding size d_model")
    widget.locator('[data-testid="stTooltipHoverTarget"]').first.hover()
    expect(page.locator('[data-testid="stTooltipContent"]')).to_contain_text(BY_KEY["d_model"].plain[:50],
                                                                           timeout=WAIT_MS)


def test_on_a_phone_the_glossary_and_the_share_section_fit_the_screen(browser, app_server):
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    try:
        open_app(page, app_server, "Glossary")
        assert_no_exception(page)
        wide = "() => document.documentElement.scrollWidth"
        assert page.evaluate(wide) <= 391
        page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
        section = open_share(page)
        image = section.locator('[data-testid="stImage"] img')
        image.wait_for()
        box, bar = image.bounding_box(), sidebar(page).bounding_box()
        assert box["x"] >= bar["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"] + 1
        assert box["width"] >= 200, box  # a phone held up to another phone's camera, or a projector
        code = section.locator('[data-testid="stCode"] pre')
        assert code.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # the link wraps: all of it visible
        assert page.evaluate(wide) <= 391
    finally:
        page.context.close()

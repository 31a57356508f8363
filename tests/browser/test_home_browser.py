"""The home page in a real browser: open by URL, use the library demo, no exception or page error."""

from __future__ import annotations

import pytest

from .harness import assert_no_exception, open_app, query_params, set_slider, wait_for_rerun

pytestmark = pytest.mark.browser


def test_home_opens_by_url_and_demo_responds(page, app_server):
    open_app(page, app_server, "", {"ask": "Tell me about kings.", "space": "0", "history": "3", "temp": "1"})
    assert_no_exception(page)
    assert page.get_by_text("The library analogy").first.is_visible()
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    charts.first.wait_for()

    table = page.locator("table").filter(has_text="score q·k / temp").first
    before = table.inner_text()
    set_slider(page, "Space", 4)  # 0 -> 2.0
    assert_no_exception(page)
    assert query_params(page)["space"] == ["2"]
    after = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Your query (").inner_text()
    assert "space 2" in after
    assert table.inner_text() != before  # new scores and weights


def test_home_malformed_url_gets_defaults(page, app_server):
    open_app(page, app_server, "", {"space": "nan", "temp": "1e999", "cooking": ["1", "2"], "x": "<b>"})
    assert_no_exception(page)
    params = query_params(page)
    assert set(params) == {"ex"}  # every value fell back to its default, and links leave defaults out
    assert page.get_by_role("slider", name="Pickiness (temperature)").input_value() == "1"  # inf -> default
    assert page.get_by_role("slider", name="Space").input_value() == "1.5"  # NaN -> default of the default question
    assert page.get_by_role("slider", name="Cooking").input_value() == "2"  # repeated key -> default
    assert "x" not in params  # unknown keys dropped


def test_home_picking_a_question_moves_the_sliders(page, app_server):
    open_app(page, app_server)
    page.get_by_role("button", name="Tell me about kings.").click()
    page.wait_for_function(KINGS_IN_LINK)
    wait_for_rerun(page)
    assert_no_exception(page)
    assert highlighted(page) == ["Tell me about kings."]
    assert page.get_by_role("slider", name="History").input_value() == "3"
    assert "history" not in query_params(page)  # the link's question sets the sliders: they are left out


KINGS_IN_LINK = "() => new URLSearchParams(location.search).get('ask') === 'Tell me about kings.'"


def highlighted(page) -> list[str]:
    """The example questions drawn as the one the sliders ask (primary buttons)."""
    return page.locator('[data-testid="stBaseButton-primary"]').all_inner_texts()


def test_home_re_picking_the_same_question_restores_its_sliders(page, app_server):
    open_app(page, app_server, "", {"ask": "Tell me about kings."})
    page.locator('[data-testid="stBaseButton-primary"]', has_text="Tell me about kings.").wait_for()
    assert page.get_by_role("slider", name="History").input_value() == "3"
    assert highlighted(page) == ["Tell me about kings."]
    set_slider(page, "History", 2, key="ArrowLeft")  # 3 -> 2: no longer the kings question
    page.wait_for_function("() => new URLSearchParams(location.search).get('history') === '2'")
    wait_for_rerun(page)
    assert float(page.get_by_role("slider", name="History").input_value()) == 2  # no snapping back
    assert highlighted(page) == [] and query_params(page)["ask"] == ["✏️ My own query (set by the sliders)"]
    page.get_by_role("button", name="Tell me about kings.").click()
    page.wait_for_function(KINGS_IN_LINK)
    wait_for_rerun(page)
    assert_no_exception(page)
    assert highlighted(page) == ["Tell me about kings."]
    assert float(page.get_by_role("slider", name="History").input_value()) == 3


def test_home_story_check_opens_lazily_and_is_kept_in_the_link(page, app_server):
    open_app(page, app_server)
    assert "model" not in query_params(page)  # closed: the default, left out of the link
    assert page.get_by_text("all-MiniLM-L6-v2 is a small trained encoder").count() == 0  # not computed
    page.get_by_text("Does a trained model really look back at").first.click()
    page.get_by_text("layer 4, head 2").first.wait_for()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert query_params(page)["model"] == ["1"]
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
                           ".some(e => e.textContent.startsWith('Where “it” looks'))")
    rows = page.locator("table").filter(has_text="prefers").first.locator("tr")
    assert rows.count() == 1 + 12  # the header and the twelve sentences

"""Phone-width viewport, dark theme and keyboard use, on every page."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import assert_no_exception, open_app, wait_for_rerun
from .layout_metrics import open_every_expander
from .test_hostile import EXISTING

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / ".test-screenshots"
PHONE = {"width": 390, "height": 844}
SIZED = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => {
    const svg = c.querySelector('.js-plotly-plot .main-svg');
    return svg && svg.getBoundingClientRect().width <= c.getBoundingClientRect().width + 1;
})"""


def luminance(css_rgb: str) -> float:
    r, g, b = (float(c) for c in css_rgb[css_rgb.index("(") + 1 : css_rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("path", EXISTING)
def test_phone_width_no_chart_overflows(browser, app_server, path):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_app(page, app_server, path)  # returns once every chart is drawn
        assert_no_exception(page)
        # plotly may draw first and fit the width Streamlit gives it after: wait until every chart fits
        page.wait_for_function(SIZED, timeout=30_000)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-{path or 'home'}.png"), full_page=True)
        charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= PHONE["width"] + 1, (i, box)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"/{path} scrolls sideways on a phone: {width}px"
    finally:
        context.close()


@pytest.mark.parametrize("path", EXISTING)
def test_dark_theme_follows_the_system(browser, app_server, path):
    context = browser.new_context(color_scheme="dark", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        open_app(page, app_server, path)
        assert_no_exception(page)
        open_every_expander(page)  # charts inside collapsible sections too
        app_bg = page.eval_on_selector('[data-testid="stApp"]', "e => getComputedStyle(e).backgroundColor")
        assert luminance(app_bg) < 0.3, app_bg
        charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        if charts.count():  # open_app waited until every chart was drawn
            # The paper (svg background) and, where drawn, the plot area (rect.bg) must not be white.
            backgrounds = charts.first.evaluate(
                """e => [getComputedStyle(e.querySelector('svg.main-svg')).backgroundColor,
                         ...[...e.querySelectorAll('rect.bg')].map(r => getComputedStyle(r).fill)]"""
            )
            for bg in backgrounds:
                assert "255, 255, 255" not in bg, f"a white chart on a dark page: {backgrounds}"
    finally:
        context.close()


def test_home_demo_is_usable_by_keyboard_alone(page, app_server):
    open_app(page, app_server, "", {"space": "0"})
    slider = page.get_by_role("slider", name="Space")
    for _ in range(40):  # tab from the top of the page to the slider
        page.keyboard.press("Tab")
        if slider.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the Space slider cannot be reached with Tab")
    page.keyboard.press("ArrowRight")
    wait_for_rerun(page)
    assert slider.input_value() == "0.5"

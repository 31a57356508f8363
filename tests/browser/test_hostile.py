"""Every page, opened by deep link with hostile query parameters, and every text box given an HTML payload.

Generic over the pages: a page's parameters are its own PageState declaration (read as the URL fuzz
does, tests/test_url_fuzz.py, which covers far more values under AppTest); here a few of them go through
a real server and browser. The checks hold whether or not the app leaves defaults out of its links.
"""

from __future__ import annotations

import pytest

from ui.layout import PAGES, ROOT, url_path

from ..test_url_fuzz import declared
from .harness import assert_no_exception, open_app, query_params, wait_for_rerun
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser

URL_PATHS = {path: url_path(label) for path, label, *_ in PAGES}  # "" for Home, "Build_it_step_by_step", …
EXISTING = [URL_PATHS[path] for path, *_ in PAGES if (ROOT / path).exists()]
SCRIPTS = {URL_PATHS[path]: path for path, *_ in PAGES if (ROOT / path).exists()}

HOSTILE = ["1e999", "-1e12", "NaN", "inf", "-inf", "banana", "", "9" * 10_000, "99999999", "-0.0001", "1-2-3"]
PAYLOADS = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>"]


def slider_values(page) -> list[tuple[float, float, float]]:
    return page.eval_on_selector_all(
        '[data-testid="stSlider"] input[type="range"]',
        "els => els.map(e => [e.min, e.value, e.max].map(Number))",
    )


@pytest.mark.parametrize("path", EXISTING)
def test_hostile_query_parameters_are_clamped_and_rewritten(page, app_server, path):
    _, params = declared(SCRIPTS[path])
    keys = sorted(params)
    for shift in range(3):
        query = {k: HOSTILE[(i + shift * 4) % len(HOSTILE)] for i, k in enumerate(keys)}
        query[keys[shift % len(keys)]] = ["1", "2"]  # a repeated key
        query["unknown_key"] = "<b>x</b>"
        open_app(page, app_server, path, query)
        assert_no_exception(page)
        notice = page.locator('[data-testid="stAlert"]').filter(has_text="This link could not be followed exactly")
        assert notice.count() == 1, "the page does not say that the link was changed"
        rewritten = query_params(page)
        assert set(rewritten) <= set(keys), f"URL keys not declared by the page: {set(rewritten) - set(keys)}"
        for key, values in rewritten.items():
            assert len(values) == 1, (key, values)
            value = params[key].from_url(values)
            assert params[key].dump(value) == values[0], f"{key}={values[0][:80]!r} is not canonical"
        for low, now, high in slider_values(page):
            assert low <= now <= high
        # The rewritten URL is canonical: opening it again keeps it as it is, with no notice.
        open_app(page, app_server, path, {k: v[0] for k, v in rewritten.items()})
        assert_no_exception(page)
        assert query_params(page) == rewritten
        assert page.get_by_text("This link could not be followed exactly").count() == 0


@pytest.mark.parametrize("path", EXISTING)
def test_html_in_text_boxes_is_shown_as_text_and_never_runs(page, app_server, path):
    open_app(page, app_server, path)
    open_every_expander(page)  # text boxes inside collapsible sections too
    boxes = page.locator('[data-testid="stTextInput"] input, [data-testid="stTextArea"] textarea')
    for i in range(boxes.count()):
        for payload in PAYLOADS:
            box = boxes.nth(i)
            box.fill(payload)
            box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")
            wait_for_rerun(page)
            assert_no_exception(page)
            assert page.evaluate("window.__xss") is None, f"{payload!r} ran on /{path}"
            assert page.locator('img[src="x"], [data-testid="stMain"] script').count() == 0
    assert page.evaluate("window.__xss") is None

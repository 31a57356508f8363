"""The widget, the link and the page's text agree after quick series of key presses (issue 11).

With ``runner.fastReruns`` every key press stops the run in progress and starts a new one. The link
used to be left behind for good now and then (Academic: slider 89 while the link said big=16): the
newest run judged the URL already right from what its request carried, while an older run's URL was
still on its way to the browser. Each series of presses below is followed by the harness's wait for
the app to catch up (a heartbeat round trip, then the newest run finished), then all three are read.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from attention.library import TOPICS, ask_library

from .harness import assert_no_exception, open_app, query_params, wait_for_rerun, wait_until
from .layout_metrics import open_every_expander

pytestmark = pytest.mark.browser
SERIES = 8  # series of presses per page; each one left the link behind about one time in seven before


def home_table_weights(page) -> list[float]:
    table = page.locator("table").filter(has_text="score q·k / temp").first
    return [float(row.locator("td").last.inner_text()) for row in table.locator("tbody tr").all()]


def check_home(page, value: str) -> None:
    """The demo's table shows the weights that this temperature gives (the page's own numbers)."""
    query = [float(page.get_by_role("slider", name=t.capitalize()).input_value()) for t in TOPICS]
    expected = ask_library(query, temperature=float(value)).weights
    wait_until(page, lambda: np.allclose(home_table_weights(page), expected, atol=6e-4),
               f"the table shows the weights of temperature {value}")


def check_academic(page, value: str) -> None:
    """The softmax table's first score is the slider's value (the row is value × (1, 0.9, 0.5, −0.2))."""

    def first_score() -> str | None:
        cells = page.locator('[data-testid="stDataFrame"]').last.locator("td").all_text_contents()
        return cells[0] if cells else None

    wait_until(page, lambda: first_score() == value, f"the table's first score is {value}")


DEFAULTS = {"home": "1", "academic": "100"}
CASES = {
    "home": ("", "temp", "Pickiness (temperature)", check_home),
    "academic": ("Academic", "big", "Largest score in the row", check_academic),
}


@pytest.mark.parametrize("case", list(CASES))
def test_widget_link_and_text_agree_after_quick_key_presses(page, app_server, case):
    path, key, label, check = CASES[case]
    open_app(page, app_server, path)
    open_every_expander(page)  # long pages are outlines of collapsed sections
    slider = page.get_by_role("slider", name=label)
    slider.scroll_into_view_if_needed()
    rnd = random.Random(11)  # the same presses on every run of the test
    for series in range(SERIES):
        slider.focus()
        gap = rnd.choice([0, 20, 40, 80, 120])  # ms between presses: around one run of these pages
        for _ in range(rnd.randint(5, 25)):
            page.keyboard.press(rnd.choice(["ArrowRight", "ArrowRight", "ArrowLeft"]))
            if gap:
                page.wait_for_timeout(gap)  # the student's rhythm, not a wait for the app
        wait_for_rerun(page)
        assert_no_exception(page)
        value = slider.input_value()
        linked = query_params(page).get(key, [DEFAULTS[case]])  # a default is left out of the link
        assert float(linked[0]) == float(value), (series, linked, value)
        check(page, value)

"""“Check your understanding” in a real browser: answering right and wrong (desktop and phone width), a prediction
revealed only after the commitment (on the home page and on the Translation page, with its model's real weights),
and a teacher's link giving two browsers the same numbers."""

from __future__ import annotations

import pytest

from exercises import Kind, exercises_for
from ui.exercises import box_key

from .harness import assert_no_exception, open_app, query_params, wait_for_rerun

pytestmark = pytest.mark.browser

SEED = 2024
PHONE = {"width": 390, "height": 844}


def box(page, seed: int, ex, app_page: str = "home"):
    """The bordered box of one exercise (of the home page, or of ``app_page``'s PageState name)."""
    return page.locator(f".st-key-{box_key(f'{app_page}.ex{seed}.{ex.id}')}")


def section_text(page) -> list[str]:
    """The titles and prompts of the exercises on the page (their markdown, as the browser shows it), once their
    section is open (it starts closed unless the link carries a set number)."""
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary', has_text="Exercises")
    if closed.count():
        closed.click()
        wait_for_rerun(page)
    shown = page.locator('[class*="st-key-box-"] [data-testid="stMarkdown"]')
    shown.first.wait_for()
    return shown.all_inner_texts()


def check(page, ex_box, button: str = "Check") -> None:
    ex_box.get_by_role("button", name=button).click()
    wait_for_rerun(page)
    assert_no_exception(page)


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 1000}, PHONE], ids=["desktop", "phone"])
def test_one_answer_right_and_one_wrong(browser, app_server, viewport):
    context = browser.new_context(viewport=viewport, is_mobile=viewport["width"] < 500, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_app(page, app_server, "", {"ex": str(SEED)})
        assert_no_exception(page)
        exs = exercises_for("home", SEED)
        number = next(e for e in exs if e.kind is Kind.NUMBER)
        choice = next(e for e in exs if e.kind is Kind.CHOICE)

        typed = box(page, SEED, number)
        typed.get_by_role("textbox").fill(number.answer_text)
        check(page, typed)
        alert = typed.locator('[data-testid="stAlert"]')
        assert "Right:" in alert.inner_text(), alert.inner_text()
        assert "the answer is" in alert.inner_text()
        assert typed.locator(".katex").count() >= 1  # the worked solution's equation is drawn

        picked = next(i for i, o in enumerate(choice.options) if i != choice.answer and "*" not in o.text)
        mc = box(page, SEED, choice)
        mc.get_by_text(choice.options[picked].text, exact=True).click()
        check(page, mc)
        alert = mc.locator('[data-testid="stAlert"]')
        assert "Not this one." in alert.inner_text(), alert.inner_text()
        assert choice.options[picked].why.replace("*", "")[:40] in alert.inner_text()
        assert page.get_by_text("1 of 2 exercises solved, 1 at the first try").count() == 1

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the page scrolls sideways: {width}px"
    finally:
        context.close()


def test_a_prediction_is_revealed_only_after_the_commitment(page, app_server):
    open_app(page, app_server, "", {"ex": str(SEED)})
    predict = next(e for e in exercises_for("home", SEED) if e.kind is Kind.PREDICT)
    ex_box = box(page, SEED, predict)
    assert ex_box.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert predict.solution[-1].text[:30] not in ex_box.inner_text()
    ex_box.get_by_role("button", name="Commit my prediction").click()  # nothing picked yet: asked to pick
    wait_for_rerun(page)
    assert "Pick one of the options first" in ex_box.inner_text()
    assert ex_box.locator('[data-testid="stPlotlyChart"]').count() == 0
    ex_box.locator('[data-testid="stRadioOption"]').nth(predict.answer).click()
    check(page, ex_box, "Commit my prediction")
    ex_box.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').wait_for()
    assert "Right." in ex_box.locator('[data-testid="stAlert"]').first.inner_text()
    assert ex_box.get_by_role("button", name="Commit my prediction").count() == 0  # made once


def test_a_teachers_link_gives_two_browsers_the_same_numbers(browser, app_server):
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(3)]
    try:
        texts = []
        for context in contexts[:2]:
            page = context.new_page()
            page.set_default_timeout(60_000)
            open_app(page, app_server, "Build_it_step_by_step", {"ex": "4321"})
            assert_no_exception(page)
            assert query_params(page)["ex"] == ["4321"]
            texts.append(section_text(page))
        assert texts[0] == texts[1]
        first = exercises_for("steps", 4321)[1]  # an entry of Q: its vectors are on screen in both browsers
        assert any(first.prompt.split("**")[1] in t for t in texts[0])

        student = contexts[2].new_page()  # no set number in the link: the student's own, written to the URL
        open_app(student, app_server, "Build_it_step_by_step")
        own = query_params(student)["ex"]
        mine = section_text(student)
        open_app(student, app_server, "Build_it_step_by_step", {"ex": own[0]})
        assert section_text(student) == mine
    finally:
        for context in contexts:
            context.close()


def test_a_translation_prediction_is_revealed_with_the_models_weights(page, app_server):
    open_app(page, app_server, "Translation", {"ex": str(SEED)})
    assert_no_exception(page)
    reads = next(e for e in exercises_for("translation", SEED) if e.id == "translation.reads")
    ex_box = box(page, SEED, reads, "translation")
    ex_box.scroll_into_view_if_needed()
    assert reads.prompt.split("**")[1] in ex_box.inner_text()  # the German word asked about
    assert ex_box.locator('[data-testid="stPlotlyChart"]').count() == 0
    wrong = (reads.answer + 1) % len(reads.options)
    ex_box.locator('[data-testid="stRadioOption"]').nth(wrong).click()
    check(page, ex_box, "Commit my prediction")
    ex_box.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').wait_for()
    alert = ex_box.locator('[data-testid="stAlert"]').first.inner_text()
    assert "Not this one." in alert, alert
    bars = ex_box.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').evaluate("el => el.data[0].y")
    assert [round(float(v), 4) for v in bars] == [round(v, 4) for v in reads.chart.series[0][1]]
    assert ex_box.get_by_role("button", name="Commit my prediction").count() == 0

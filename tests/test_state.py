"""URL state: parse and clamp every parameter type, notices for links that cannot be followed exactly,
canonical rewritten URLs, untrusted widget values, and when the URL is written."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from ui.state import MAX_RAW_LEN, BoolParam, ChoiceParam, FloatParam, IntParam, IntRangeParam, TextParam

from .conftest import app_page

N = IntParam("n", 8, 2, 64)
T = FloatParam("t", 1.0, 0.1, 3.0, 0.1)
F = FloatParam("f", 0.5, 0.0, 2.0)  # no step: a free float
R = IntRangeParam("r", (64, 512), 16, 4096)
B = BoolParam("c", False)
C = ChoiceParam("m", "blues", ("blues", "viridis"))
S = TextParam("s", "hello", max_len=10)
EVERY_TYPE = [N, T, F, R, B, C, S]
NOT_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "1e999", "-1e999", "1e309"]


@pytest.mark.parametrize(
    "raws, value",
    [
        (["12"], 12),
        (["12.6"], 13),
        (["1e9"], 64),
        (["-5"], 2),
        (["nan"], 8),
        (["inf"], 8),
        (["-inf"], 8),
        (["1e999"], 8),
        (["twelve"], 8),
        ([""], 8),
        (["3", "4"], 8),
        ([], 8),
        (["9" * 5000], 8),
        ([" 7 "], 7),
    ],
)
def test_int_param(raws, value):
    assert N.from_url(raws) == value


@pytest.mark.parametrize("raw, value", [("0.56", 0.6), ("7", 3.0), ("0", 0.1), ("NaN", 1.0), ("0x10", 1.0)])
def test_float_param_snaps_to_the_slider_grid(raw, value):
    assert T.from_url([raw]) == pytest.approx(value)


@pytest.mark.parametrize("param", [N, T, F], ids=lambda p: p.name)
@pytest.mark.parametrize("raw", NOT_FINITE)
def test_numbers_that_are_not_finite_fall_back_to_the_default(param, raw):
    """As the module documents: never the clamped end of the range, never NaN."""
    value, notice = param.read([raw])
    assert value == param.default and "default" in notice
    assert param.dump(value) == param.dump(param.default)


@pytest.mark.parametrize("raw", [*(f"{x}-100" for x in NOT_FINITE), *(f"100-{x}" for x in NOT_FINITE)])
def test_a_range_with_a_non_finite_end_falls_back_to_the_default(raw):
    assert R.from_url([raw]) == R.default


def test_stepless_float_param_keeps_values_and_clamps():
    assert F.from_url(["0.123456"]) == pytest.approx(0.123456)
    assert F.from_url(["5"]) == 2.0 and F.from_url(["-1"]) == 0.0
    assert F.dump(0.1 + 0.2) == "0.3"


@pytest.mark.parametrize("param", EVERY_TYPE, ids=lambda p: type(p).__name__)
def test_every_type_cleans_any_value_and_writes_canonically(param):
    """clean() turns anything a widget or a crafted message can hold into a valid value; what dump()
    writes reads back to the same value (the rewritten URL is stable)."""
    hostile = [None, math.nan, math.inf, -math.inf, 1e308, -1e308, "banana", "", (), (1, 2, 3), [math.nan, 1],
               True, 2, -1, 0.5, "x" * 100_000, object()]
    for value in hostile:
        clean = param.clean(value)
        assert param.clean(clean) == clean, value
        assert param.from_url([param.dump(clean)]) == clean, (value, clean)
        assert param.dump(param.from_url([param.dump(clean)])) == param.dump(clean)
    assert param.clean(param.default) == param.clean(param.default)


def test_bool_choice_text_range():
    assert B.from_url(["1"]) is True and B.from_url(["off"]) is False and B.from_url(["maybe"]) is False
    assert B.dump(True) == "1"
    assert C.from_url(["VIRIDIS"]) == "viridis" and C.from_url(["<script>"]) == "blues"
    assert S.from_url(["<b>" * 10]) == "<b><b><b><"
    assert R.from_url(["900-100"]) == (100, 900)
    assert R.from_url(["1-99999"]) == (16, 4096)
    assert R.from_url(["a-b"]) == (64, 512) and R.from_url(["5"]) == (64, 512)
    assert R.dump((16, 64)) == "16-64"
    assert T.dump(0.30000000000000004) == "0.3"


def test_a_selectbox_label_handed_back_for_a_number_is_read_as_its_number():
    """Streamlit hands a selectbox's old label ("0: <") back after its options changed (a new sentence)."""
    row = IntParam("row", 7, 0, 63)
    assert row.clean("0: <") == 0 and row.clean(" 12 : word") == 12 and row.clean("99: x") == 63
    assert row.clean("it: 3") == 7 and row.from_url(["0: <"]) == 7  # links stay strict


def test_text_is_cut_then_stripped_so_the_rewritten_url_is_stable():
    text = TextParam("text", "default", max_len=500)
    long = "word " * 120  # 600 characters: the cut after 500 ends in a space
    first = text.from_url([long])
    assert len(first) == 499 and not first.endswith(" ")
    assert text.from_url([text.dump(first)]) == first  # reopening the rewritten link changes nothing
    assert text.from_url(["  padded  "]) == "padded"


def test_notices_say_what_the_link_asked_for_and_what_is_used():
    text = TextParam("text", "default", max_len=500)
    value, notice = text.read(["é" * 12_000])
    assert value == "é" * 500
    assert "12,000 characters long" in notice and "at most 500" in notice
    assert text.read(["short"]) == ("short", None)
    assert "outside 2 … 64; 64 is used" in N.read(["5000"])[1]
    assert "not a finite number" in N.read(["inf"])[1] and "default `8`" in N.read(["inf"])[1]
    assert "not a number" in N.read(["twelve"])[1]
    assert "2 times" in N.read(["3", "4"])[1]
    assert "5,000 characters" in N.read(["9" * 5000])[1]
    assert "not one of the choices" in C.read(["<script>"])[1]
    assert N.read(["12"]) == (12, None) and N.read([]) == (8, None)
    assert len(N.read(["9" * MAX_RAW_LEN * 10])[1]) < 200  # never echoes what the link holds


# ---- the mechanism, in a Streamlit run ------------------------------------------------------------------


def _small_page():
    import streamlit as st

    from ui.state import IntParam, PageState, TextParam

    state = PageState("t", [IntParam("n", 5, 0, 10), TextParam("text", "hi", max_len=20), IntParam("seed", 3, 0, 99)])
    state.restore()
    st.slider("n", 0, 10, key=state.key("n"))
    st.text_input("Text", key=state.key("text"))
    state.int_input("seed", "Seed")
    st.markdown(f"n is {state['n']}, seed is {state['seed']!r}")
    if st.session_state.get("stop_before_sync"):
        st.stop()  # as when the next widget change interrupts a long page before its end
    state.sync()


def small_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_function(_small_page, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def test_the_url_follows_the_widgets_even_when_a_run_never_reaches_its_end():
    at = small_page({"n": "2"})
    at.session_state["stop_before_sync"] = True
    at.slider(key="t.n").set_value(9).run()
    assert not at.exception
    assert at.query_params["n"] == "9"  # written when the run started, before anything slow or fallible


def test_the_url_is_written_by_every_run_even_when_it_looks_unchanged(monkeypatch):
    """Each run sends the whole URL once: after quick changes the browser may receive an older run's URL
    after this run's request was sent, so "the URL is already right" cannot be decided on the server."""
    from streamlit.runtime.state.query_params import QueryParams

    writes: list[dict] = []
    from_dict = QueryParams.from_dict
    monkeypatch.setattr(QueryParams, "from_dict", lambda self, d: (writes.append(dict(d)), from_dict(self, d))[1])
    at = small_page({"n": "4"})
    at.slider(key="t.n").set_value(6).run()
    writes.clear()
    assert at.query_params["n"] == "6"  # the next request carries the URL the browser shows
    at.run()
    assert not at.exception
    assert [w["n"] for w in writes] == ["6"]


def test_a_too_long_text_in_the_link_is_cut_and_the_page_says_so():
    at = small_page({"text": "word " * 10})
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and "50 characters long" in notices[0] and "at most 20" in notices[0]
    assert at.text_input(key="t.text").value == "word word word word"
    assert at.query_params["text"] == "word word word word"
    at.text_input(key="t.text").input("something else").run()
    assert not at.warning  # the notice goes once the student changes that value


def test_crafted_widget_values_are_replaced_before_the_widgets_are_drawn():
    at = small_page()
    for bad, expected in ((math.nan, 0), (math.inf, 0), (-math.inf, 0), (1e300, 0), (41.6, 42)):
        at.number_input(key="t.seed").set_value(bad).run()
        assert not at.exception, bad
        assert f"seed is {expected}" in at.markdown[0].value and at.query_params["seed"] == str(expected)
    at.text_input(key="t.text").input("x" * 5_000).run()  # a client that ignores the box's max_chars
    assert not at.exception and at.query_params["text"] == "x" * 20


@pytest.mark.parametrize(
    "page, key",
    [("pages/1_🔥_Heatmap.py", "heatmap.seed"), ("pages/2_🧱_Build_it_step_by_step.py", "steps.seed"),
     ("pages/3_🎓_Academic.py", "academic.seed")],
)
def test_nan_in_a_seed_box_does_not_crash_the_page(page, key):
    """A crafted message with NaN in a seed box raised inside Streamlit (int(NaN)) before the script ran."""
    at = app_page(page, {"seed": "7"}).run(timeout=300)
    assert at.number_input(key=key).value == 7
    for bad in (math.nan, math.inf, -math.inf):
        at.number_input(key=key).set_value(bad).run(timeout=300)
        assert not at.exception, (page, bad)
        assert dict(at.query_params).get("seed", "0") == "0"  # 0 is the default on two pages: then left out


def test_academic_link_with_a_long_text_is_cut_said_and_stable():
    """Academic: a 600-character text used to be cut after stripping (the rewritten URL changed again on
    reopening) and a text over the limit was dropped for the default sentence without a word."""
    at = app_page("pages/3_🎓_Academic.py", {"text": "word " * 120}).run(timeout=300)
    assert not at.exception
    assert any("600 characters long" in w.value and "at most 500" in w.value for w in at.warning)
    text = at.query_params["text"]
    assert len(text) == 499 and text == ("word " * 100).strip()
    again = app_page("pages/3_🎓_Academic.py", {"text": text}).run(timeout=300)
    assert again.query_params["text"] == text and not any("could not be followed" in w.value for w in again.warning)


def test_links_leave_defaults_out_and_a_link_naming_a_default_still_works():
    """Issue 12: short links. A default is never written; a link that names one explicitly opens the same view."""
    page = "pages/2_🧱_Build_it_step_by_step.py"
    at = app_page(page, {"d_k": "3", "words": "5", "scaled": "1", "ex": "12"}).run(timeout=300)
    assert not at.exception
    assert dict(at.query_params) == {"words": "5", "ex": "12"}  # d_k 3 and scaled on are the defaults
    assert at.slider(key="steps.d_k").value == 3 and at.slider(key="steps.words").value == 5
    at.slider(key="steps.d_k").set_value(4).run(timeout=300)
    assert dict(at.query_params) == {"words": "5", "d_k": "4", "ex": "12"}
    at.slider(key="steps.d_k").set_value(3).run(timeout=300)
    assert "d_k" not in at.query_params  # back at the default: out of the link again
    assert not any("could not be followed" in w.value for w in at.warning)

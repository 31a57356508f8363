"""Parsing URL values: clamp to the widget's range, fall back to the default on anything malformed."""

from __future__ import annotations

import pytest

from ui.state import BoolParam, ChoiceParam, FloatParam, IntParam, IntRangeParam, TextParam

N = IntParam("n", 8, 2, 64)
T = FloatParam("t", 1.0, 0.1, 3.0, 0.1)


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


def test_bool_choice_text_range():
    b = BoolParam("c", False)
    assert b.from_url(["1"]) is True and b.from_url(["off"]) is False and b.from_url(["maybe"]) is False
    assert b.dump(True) == "1"
    c = ChoiceParam("m", "blues", ("blues", "viridis"))
    assert c.from_url(["VIRIDIS"]) == "viridis" and c.from_url(["<script>"]) == "blues"
    text = TextParam("s", "hello", max_len=10)
    assert text.from_url(["<b>" * 10]) == "<b><b><b><"
    r = IntRangeParam("r", (64, 512), 16, 4096)
    assert r.from_url(["900-100"]) == (100, 900)
    assert r.from_url(["1-99999"]) == (16, 4096)
    assert r.from_url(["a-b"]) == (64, 512) and r.from_url(["5"]) == (64, 512)
    assert r.dump((16, 64)) == "16-64"
    assert T.dump(0.30000000000000004) == "0.3"

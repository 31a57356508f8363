"""Reading typed answers: every documented way of writing a number or a shape, and what is refused."""

from __future__ import annotations

import pytest

from exercises.parse import MAX_LEN, parse_number, parse_shape


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.25", 0.25), (".25", 0.25), ("  0.25 ", 0.25), ("+0.25", 0.25), ("2.", 2.0),
        ("-1.5", -1.5), ("−1.5", -1.5), ("–1.5", -1.5),  # typographic minus, en dash
        ("0,25", 0.25), ("1,5", 1.5), ("0,125", 0.125),  # decimal comma
        ("16,384", 16384.0), ("1,048,576", 1048576.0), ("16 777 216", 16777216.0), ("16_777_216", 16777216.0),
        ("1/4", 0.25), ("3 / 8", 0.375), ("-1/4", -0.25), ("1.5/3", 0.5),
        ("25%", 0.25), ("25 %", 0.25), ("12.5%", 0.125),
        ("1.6e7", 1.6e7), ("1.6E-3", 1.6e-3), ("1.6×10^7", 1.6e7), ("1.6 x 10^7", 1.6e7), ("1.6*10^7", 1.6e7),
        ("1.6·10^7", 1.6e7), ("10^3", 1000.0), ("2^24", 2.0**24), ("2^-2", 0.25),
        ("= 0.3", 0.3), ("≈0.3", 0.3), ("~0.3", 0.3),
    ],
)
def test_numbers_are_read_leniently(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    "text, unit, value",
    [
        ("16", "MiB", 16.0), ("16 MiB", "MiB", 16.0), ("16mib", "MiB", 16.0), ("16777216 B", "MiB", 16.0),
        ("16,777,216 bytes", "MiB", 16.0), ("0.015625 GiB", "MiB", 16.0), ("16384 KiB", "MiB", 16.0),
        ("16.777216 MB", "MiB", 16.0), ("1.07 GFLOP", "GFLOP", 1.07), ("1.07e9 FLOP", "GFLOP", 1.07),
        ("0.00107 TFLOPs", "GFLOP", 1.07),
    ],
)
def test_units_are_converted_to_the_questions_unit(text, unit, value):
    assert parse_number(text, unit) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(
    "text, unit",
    [
        ("", ""), ("   ", ""), ("abc", ""), ("nan", ""), ("inf", ""), ("-inf", ""), ("1e999", ""), ("1 2", ""),
        ("1.2.3", ""), ("--1", ""), ("-+1", ""), ("1/0", ""), ("1/", ""), ("/2", ""), ("3x4", ""), ("1e", ""),
        ("9" * 70 + "^999", ""), ("0.3 kg", ""), ("16 MiB", ""), ("16 GFLOP", "MiB"), ("1,00,000", ""),
        ("<b>1</b>", ""), ("1" * (MAX_LEN + 1), ""), ("%", ""), ("25%%", ""),
    ],
)
def test_unreadable_numbers_are_refused_without_quoting_them(text, unit):
    with pytest.raises(ValueError) as err:
        parse_number(text, unit)
    message = str(err.value)
    assert message and (len(text.strip()) < 5 or text.strip() not in message)


@pytest.mark.parametrize(
    "text, shape",
    [("3x4", (3, 4)), ("3 × 4", (3, 4)), ("3 X 4", (3, 4)), ("3 by 4", (3, 4)), ("3*4", (3, 4)), ("(3, 4)", (3, 4)),
     ("[3,4]", (3, 4)), ("3, 4", (3, 4)), ("3 4", (3, 4)), ("(5,)", (5,)), ("5", (5,)), ("2 x 3 x 4", (2, 3, 4))],
)
def test_shapes(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "()", "3x", "x4", "1.5x2", "a", "3x4x5x6x7", "-3x4", "3 x 4 cats", "9999999x1"])
def test_unreadable_shapes_are_refused(text):
    with pytest.raises(ValueError):
        parse_shape(text)

"""Read a student's typed answer leniently: numbers as people write them, and array shapes.

Numbers (:func:`parse_number`) may be written as

- decimals: ``0.25``, ``.25``, ``-1.5``, ``−1.5`` (typographic minus), ``2.``;
- with a decimal comma: ``0,25`` (a comma followed by exactly three digits, as in ``16,384`` or
  ``1,048,576``, is a thousands separator instead; so are ``_``, ``'`` and spaces between groups
  of three digits: ``16 777 216``);
- in scientific notation: ``1.6e7``, ``1.6E-3``, ``1.6×10^7``, ``1.6 x 10^7``, ``1.6*10^7``, ``10^7``,
  and as a power of two: ``2^24``;
- as a fraction: ``1/4``, ``3 / 8``;
- as a percentage: ``25%`` (read as 0.25);
- with a leading ``=``, ``≈`` or ``~``, which is ignored;
- with a unit, for answers that have one (``16 MiB``, ``16777216 B``, ``1.07 GFLOP``): the value is
  converted to the unit the question asks for. Without a unit, the question's unit is assumed.

Anything else (words, two numbers, ``nan``, ``inf``) is refused with a short message saying what
is accepted; the message never repeats the student's text.

Shapes (:func:`parse_shape`) may be written ``3x4``, ``3 × 4``, ``3 by 4``, ``3*4``, ``(3, 4)``,
``[3, 4]``, ``3, 4`` or ``3 4``; a one-axis shape as ``(5,)`` or ``5``.
"""

from __future__ import annotations

import math
import re

__all__ = ["MAX_LEN", "UNITS", "parse_number", "parse_shape", "unit_factor"]

MAX_LEN = 80  # longer answers are refused unread

# unit (lower case) -> (family, size in the family's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "b": ("bytes", 1.0), "byte": ("bytes", 1.0), "bytes": ("bytes", 1.0),
    "kb": ("bytes", 1e3), "mb": ("bytes", 1e6), "gb": ("bytes", 1e9), "tb": ("bytes", 1e12),
    "kib": ("bytes", 2.0**10), "mib": ("bytes", 2.0**20), "gib": ("bytes", 2.0**30), "tib": ("bytes", 2.0**40),
    "flop": ("flop", 1.0), "flops": ("flop", 1.0),
    "mflop": ("flop", 1e6), "mflops": ("flop", 1e6), "gflop": ("flop", 1e9), "gflops": ("flop", 1e9),
    "tflop": ("flop", 1e12), "tflops": ("flop", 1e12),
}

_NUMBER_HELP = "a number such as 0.25, .25, 1/4, 25%, 1.6e7 or 1.6×10^7"
_DIGITS = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"{_DIGITS}(?:e[+-]?\d{{1,3}})?")
_POWER = re.compile(rf"({_DIGITS})\^([+-]?\d{{1,3}})")
_TIMES_POWER = re.compile(rf"({_PLAIN.pattern})[x*]({_DIGITS})\^([+-]?\d{{1,3}})")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[,_' ]\d{3})+(?:\.\d*)?")


def unit_factor(unit: str) -> tuple[str, float]:
    """``(family, size)`` of a unit name such as "MiB" (case-insensitive); KeyError if unknown."""
    return UNITS[unit.strip().lower()]


def _normalise(text: str) -> str:
    text = str(text).strip()
    if len(text) > MAX_LEN:
        raise ValueError(f"That answer is too long: type {_NUMBER_HELP}.")
    for dash in "−–—‒":
        text = text.replace(dash, "-")
    text = text.replace("×", "x").replace("·", "*").replace("\u00a0", " ").replace("\u2009", " ")
    text = text.lower().lstrip("=≈~≃ ").strip()
    return re.sub(r"\s*([x*^/%])\s*", r"\1", text)  # "1.6 x 10 ^ 7" -> "1.6x10^7"


def _decimal(token: str) -> float:
    """One unsigned number: decimal, decimal comma, grouped thousands, e-notation, a^b or a×10^b."""
    token = token.strip()
    if _THOUSANDS.fullmatch(token):
        token = re.sub(r"[,_' ]", "", token)
    elif re.fullmatch(r"\d*,\d+", token):  # a decimal comma (a group of three digits was caught above)
        token = token.replace(",", ".")
    try:
        if m := _TIMES_POWER.fullmatch(token):
            value = float(m.group(1)) * float(m.group(2)) ** int(m.group(3))
        elif m := _POWER.fullmatch(token):
            value = float(m.group(1)) ** int(m.group(2))
        elif _PLAIN.fullmatch(token):
            value = float(token)
        else:
            raise ValueError(f"That is not a number I can read: type {_NUMBER_HELP}.")
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError("That number is too large.")
    return value


def parse_number(text: str, unit: str = "") -> float:
    """The value of ``text`` (see the module docstring), expressed in ``unit`` when the question has one.

    Raises
    ------
    ValueError
        With a message for the student (it never quotes their text).
    """
    s = _normalise(text)
    if not s:
        raise ValueError(f"Type an answer first: {_NUMBER_HELP}.")
    factor = 1.0
    if m := re.search(r"\s*([a-z]+)$", s):  # a unit, e.g. "16 mib"
        name = m.group(1)
        if not unit or name not in UNITS or UNITS[name][0] != unit_factor(unit)[0]:
            raise ValueError(f"Give the answer as a number{f' in {unit}' if unit else ''}, without words.")
        factor = UNITS[name][1] / unit_factor(unit)[1]
        s = s[: m.start()].strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s[1:].strip() if s[:1] in ("+", "-") else s
    if "/" in s:
        top, _, bottom = s.partition("/")
        denominator = _decimal(bottom.lstrip("+"))
        if denominator == 0:
            raise ValueError("That fraction divides by zero.")
        value = _decimal(top) / denominator
    else:
        value = _decimal(s)
    return sign * value * factor / (100.0 if percent else 1.0)


def parse_shape(text: str) -> tuple[int, ...]:
    """An array shape, e.g. ``"3 × 4"`` -> ``(3, 4)`` (see the module docstring); ValueError if unreadable."""
    s = _normalise(text)
    s = s.strip("()[]{} ").rstrip(",").strip()
    if not s:
        raise ValueError("Type a shape such as 3 × 4 or (3, 4).")
    parts = re.split(r"\s*(?:x|\*|,|by|\s)\s*", s)
    if len(parts) > 4 or not all(re.fullmatch(r"\d{1,6}", p) for p in parts):
        raise ValueError("That is not a shape I can read: type whole numbers such as 3 × 4 or (3, 4).")
    return tuple(int(p) for p in parts)

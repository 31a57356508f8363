"""ui.matrix_param: edited matrix cells in the URL, compact, canonical and untrusted."""

from __future__ import annotations

import numpy as np
import pytest

from ui.matrix_param import CellEditsParam, canonical, cells_of, number_text, with_cells

P = CellEditsParam("edits", (), matrices=("x", "q", "k", "v"), size=8, limit=100.0)


def test_round_trip_is_exact_for_float32_and_canonical():
    rng = np.random.default_rng(0)
    base = np.round(rng.standard_normal((3, 4)), 1).astype(np.float32)
    edited = base.copy()
    edited[0, 0], edited[2, 3], edited[1, 1] = 5.0, np.float32(-0.123456789), np.float32(1e-7)
    cells = cells_of("x", edited, base)
    text = P.dump(cells)
    assert text == "x005_x110.0000001_x23-0.12345679"  # sorted, shortest float32 text, no exponent
    back = P.from_url([text])
    np.testing.assert_array_equal(with_cells(base, "x", back), edited)
    assert P.dump(back) == text  # reading the link back writes the same link
    assert P.dump(()) == "" and P.from_url([""]) == ()


@pytest.mark.parametrize("raw, expected", [
    ("x99-1", ()),  # row 9, column 9: outside any 8 x 8 matrix
    ("x00nan_x01inf_x02-inf_x031e5", ()),  # not plain decimals
    ("x00999999", (("x", 0, 0, 100.0),)),  # clamped
    ("x00-1000.5", (("x", 0, 0, -100.0),)),
    ("z001_X001_x0", ()),  # unknown matrix, upper case, no value
    ("x001_x002", (("x", 0, 0, 2.0),)),  # the same cell twice: the last wins
    ("<script>_x011", (("x", 0, 1, 1.0),)),  # the readable part is kept
    ("x00" + "1" * 30, ()),  # absurdly long number
    ("q10 2", ()),
])
def test_hostile_values_are_dropped_or_clamped(raw, expected):
    assert P.from_url([raw]) == expected


def test_repeated_or_huge_values_fall_back_to_no_edits():
    assert P.from_url(["x001", "x002"]) == () and P.from_url(["x001_" * 2000]) == ()


def test_cells_outside_the_matrix_are_ignored_when_applied():
    base = np.zeros((2, 2), np.float32)
    out = with_cells(base, "x", (("x", 0, 1, 3.0), ("x", 5, 0, 1.0), ("q", 0, 0, 9.0)))
    np.testing.assert_array_equal(out, [[0, 3], [0, 0]])
    assert base[0, 1] == 0  # a copy
    assert canonical([("x", 1, 0, 1.0), ("q", 0, 0, 2.0)]) == (("q", 0, 0, 2.0), ("x", 1, 0, 1.0))
    assert number_text(np.float32(0.1)) == "0.1" and number_text(-0.0) == "-0"

"""ui.arithmetic: the arithmetic of one attention row, formatted with the real numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import attention as A
from ui.arithmetic import (
    arithmetic_rows,
    contribution_rows,
    dot_product_latex,
    latex_text,
    minus,
    num,
    score_header,
    score_latex,
    softmax_latex,
    summary_sentence,
    vector_latex,
    weighted_sum_latex,
)

Q = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]])
V = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])


def test_num_formats_special_values():
    assert num(1.23456) == "1.235" and num(2, 1) == "2.0"
    assert num(-0.0001) == "0.000"  # no "-0.000"
    assert num(-np.inf) == r"-\infty" and num(np.inf) == r"\infty" and "NaN" in num(np.nan)


def test_latex_text_escapes_specials_and_cuts_long_labels():
    assert latex_text("{$}") == r"\text{\{\$\}}"
    for char in "\\^~":
        tex = latex_text(f"a{char}b")
        assert r"\hat" not in tex and r"\sim" not in tex and r"\backslash" not in tex  # math-only in KaTeX
    assert latex_text("a^b") == r"\text{a\textasciicircum{}b}"
    assert latex_text("x" * 40).endswith("…}") and len(latex_text("x" * 40)) < 40


def test_dot_product_term_by_term_with_the_real_numbers():
    ra = A.row_arithmetic(Q[0], Q, V)
    tex = dot_product_latex(ra, 1, "it", "a_b")
    assert r"(1.000)(0.500) + (2.000)(-1.000) = -1.500" in tex
    assert r"q_{\text{it}} \cdot k_{\text{a\_b}}" in tex
    long = A.row_arithmetic(np.ones(12), np.ones((2, 12)))
    assert dot_product_latex(long, 0, "a", "b", max_terms=4).count(")(") == 4 and r"\dots" in dot_product_latex(
        long, 0, "a", "b", max_terms=4)


def test_every_term_of_a_long_dot_product_is_written_on_wrapped_lines():
    q, k = np.arange(32.0) / 10, np.ones((3, 32))
    ra = A.row_arithmetic(q, k)
    tex = dot_product_latex(ra, 2, "a", "b", per_line=4)
    assert tex.count(")(") == 32 and r"\dots" not in tex  # all 32 terms, none elided
    assert tex.count(r"\\") == 8  # 8 lines of 4 terms, then the result
    for a in q:
        assert f"({num(a)})(1.000)" in tex


def test_score_and_softmax_lines():
    ra = A.row_arithmetic(Q[0], Q, V, temperature=2.0)
    assert rf"\times {num(1 / math.sqrt(2))}" in score_latex(ra, 1) and r"\div 2.00" in score_latex(ra, 1)
    assert softmax_latex(ra, 0).endswith(f"{ra.weights[0]:.4f}")
    unscaled = A.row_arithmetic(Q[0], Q, V, scale=1.0)
    assert "no scaling" in score_latex(unscaled, 1) and num(unscaled.dots[1]) in score_latex(unscaled, 1)
    masked = A.row_arithmetic(Q[0], Q, V, np.array([True, False, True]))
    assert "masked" in score_latex(masked, 1) and softmax_latex(masked, 1).startswith(r"\text{weight} = 0")


def test_subtracting_a_negative_maximum_is_written_with_parentheses():
    assert minus(-1.494, -0.574) == "-1.494 - (-0.574)" and minus(2.0, 0.5) == "2.000 - 0.500"
    ra = A.row_arithmetic(np.array([1.0, 0.0]), np.array([[-2.0, 0.0], [-1.0, 0.0]]))  # every score negative
    assert ra.row_max < 0
    tex = softmax_latex(ra, 0)
    assert "- -" not in tex and f"({num(ra.row_max)})" in tex
    assert f"e^{{{num(ra.scores[0])} - ({num(ra.row_max)})}}" in tex and f"s_j - ({num(ra.row_max)})" in tex


@pytest.mark.parametrize("scale, temperature", [(None, 1.0), (None, 0.5), (1.0, 1.0), (1.0, 2.5), (0.3, 3.0)])
def test_the_score_column_is_q_dot_k_times_scale_over_temperature_for_every_key(scale, temperature):
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal(5), rng.standard_normal((6, 5))
    mask = np.array([True, True, False, True, True, False])
    ra = A.row_arithmetic(q, k, None, mask, scale=scale, temperature=temperature)
    rows = arithmetic_rows(ra, list("abcdef"))
    header = score_header(ra)
    used = 1 / np.sqrt(5) if scale is None else scale
    for j, row in enumerate(rows):
        assert row["q·k"] == pytest.approx(float(q @ k[j]), rel=1e-12)
        if mask[j]:
            assert row[header] == pytest.approx(float(q @ k[j]) * used / temperature, rel=1e-12)
        else:
            assert row[header] is None and row["key"].endswith("(masked)") and row["weight"] == 0
    # the header says what was done to q·k, and never "scaled" when nothing was
    expected = {(None, 1.0): "score = q·k ÷ √d_k", (None, 0.5): "score = q·k ÷ √d_k ÷ temperature",
                (1.0, 1.0): "score = q·k", (1.0, 2.5): "score = q·k ÷ temperature",
                (0.3, 3.0): "score = q·k × 0.3 ÷ temperature"}
    assert header == expected[(scale, temperature)]


def test_per_key_table_matches_the_attention_row():
    ra = A.row_arithmetic(Q[1], Q, V, np.array([True, True, False]))
    rows = arithmetic_rows(ra, ["a", "b", "c"])
    assert [r["key"] for r in rows] == ["0: a", "1: b", "2: c (masked)"]
    assert rows[1]["q·k"] == pytest.approx(0.25 + 1.0)
    assert rows[2][score_header(ra)] is None and rows[2]["weight"] == 0  # masked: no number, never -Infinity
    assert sum(r["weight"] for r in rows) == pytest.approx(1)
    _, w = A.scaled_dot_product_attention(Q, Q, V, A.causal_mask(3)[[1]].repeat(3, 0))
    np.testing.assert_allclose([r["weight"] for r in rows], w[1], atol=1e-12)
    assert "2 key(s) allowed" in summary_sentence(ra)


def test_weighted_sum_of_v():
    ra = A.row_arithmetic(Q[2], Q, V, np.array([True, True, False]))
    tex = weighted_sum_latex(ra, ["a", "b", "c"], "c")
    assert tex.startswith(r"\text{out}_{\text{c}} = ")
    assert rf"{num(ra.weights[0])}\,v_{{\text{{a}}}}" in tex and r"v_{\text{c}}" not in tex  # masked key left out
    assert tex.endswith(vector_latex(ra.output))
    rows = contribution_rows(ra, ["a", "b", "c"], ["k0", "k1"])
    assert rows[-1]["key"] == "sum = output row"
    np.testing.assert_allclose([rows[-1]["weight × v[k0]"], rows[-1]["weight × v[k1]"]], ra.output)
    np.testing.assert_allclose(
        [sum(r["weight × v[k1]"] for r in rows[:-1])], [ra.output[1]], atol=1e-12
    )  # the output is the sum of the contributions
    assert rows[2]["weight"] == 0 and rows[2]["weight × v[k0]"] == 0
    with pytest.raises(ValueError):
        weighted_sum_latex(A.row_arithmetic(Q[0], Q), ["a", "b", "c"], "a")
    assert vector_latex(np.arange(10.0), max_len=3).count(",") == 3


def test_fully_masked_row():
    ra = A.row_arithmetic(Q[0], Q, V, np.zeros(3, bool))
    assert "every key is masked" in weighted_sum_latex(ra, ["a", "b", "c"], "a")
    assert sum(r["weight"] for r in arithmetic_rows(ra, ["a", "b", "c"])) == 0


def test_long_sums_break_into_lines():
    ra = A.row_arithmetic(np.arange(8.0), np.ones((8, 8)), np.eye(8))
    tex = dot_product_latex(ra, 1, "a", "b", max_terms=8, per_line=4)
    assert tex.startswith(r"\begin{aligned}") and tex.count(r"\\") == 2 and tex.count(")(") == 8
    assert tex.endswith(rf"&= {num(ra.dots[1])} \end{{aligned}}")
    assert dot_product_latex(ra, 1, "a", "b", max_terms=3, per_line=4).count(r"\\") == 0  # short: one line
    tex = weighted_sum_latex(ra, list("abcdefgh"), "a", per_line=3)
    assert tex.count(r"\,v_") == 8 and tex.count(r"\\") == 3 and vector_latex(ra.output) in tex

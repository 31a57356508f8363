"""figures.fit and ui.responsive: from what width a chart's dense text fits, and the CSS that hides it below."""

from __future__ import annotations

import numpy as np

from figures.academic import mask_figure, sentence_matrix
from figures.fit import (
    CELL_FONT,
    HIDDEN,
    fixed_cell_font,
    values_fit_from,
    x_labels_fit_from,
    y_labels_fit_from,
)
from figures.matrix import matrix_heatmap
from figures.steps import signed_matrix, weights_figure
from ui.responsive import _hide_below

PHONE = 358  # a 390 px phone less the page's padding
SECTION = 324  # ... and less an expander's padding

WORDS = "The animal didn't cross the street because it was too tired .".split()


def labelled(n: int) -> list[str]:
    return [f"{i}: {w}" for i, w in enumerate((WORDS * 6)[:n])]


def test_a_small_matrix_shows_its_numbers_on_a_phone_and_a_large_one_only_when_wide():
    small = signed_matrix(np.full((3, 3), -0.5), labelled(3), ["q0", "q1", "q2"], "Q")
    large = sentence_matrix(np.full((12, 12), 0.25), labelled(12), "W = I", weights=True)
    assert values_fit_from(small) < PHONE < values_fit_from(large) < 700  # ~half of a desktop page
    wider = matrix_heatmap(np.full((12, 12), -12.25), value_format=".2f")  # "-12.25": more characters
    assert values_fit_from(wider) > values_fit_from(matrix_heatmap(np.full((12, 12), 0.25), value_format=".2f"))


def test_no_numbers_in_cells_no_width_needed():
    fig = matrix_heatmap(np.zeros((30, 30)), show_values=False)
    assert values_fit_from(fig) == 0


def test_upright_labels_fit_narrower_than_slanted_ones():
    weights = np.full((8, 8), 0.125)
    upright = weights_figure(weights, labelled(8), title="w")  # figures.steps stands word labels upright
    assert upright.layout.xaxis.tickangle == -90
    slanted = weights_figure(weights, labelled(8), title="w").update_xaxes(tickangle=-45)
    assert x_labels_fit_from(upright) < SECTION < x_labels_fit_from(slanted)
    assert x_labels_fit_from(mask_figure(np.tril(np.ones((12, 12), bool)), WORDS)) < PHONE


def test_cell_values_get_a_fixed_readable_size():
    fig = fixed_cell_font(matrix_heatmap(np.eye(3)))
    assert fig.data[0].textfont.size == CELL_FONT >= 11
    fig = matrix_heatmap(np.eye(3))
    fig.data[0].textfont = dict(size=14)
    assert fixed_cell_font(fig).data[0].textfont.size == 14  # a size chosen by the figure is kept


def test_the_css_hides_exactly_below_the_estimated_widths():
    fig = sentence_matrix(np.full((12, 12), 0.25), labelled(12), "W = I", weights=True)
    css = _hide_below(fig, "fit-w")
    assert f"max-width: {values_fit_from(fig) - 0.02}px) {{ .st-key-fit-w .heatmap-label" in css
    assert f"max-width: {x_labels_fit_from(fig) - 0.02}px) {{ .st-key-fit-w g[class^=\"x\"]" in css
    assert ':not([class*="cb"])' in css  # a horizontal colour bar keeps its numbers
    assert _hide_below(matrix_heatmap(np.zeros((2, 2)), show_values=False, col_labels=["a", "b"]), "k") \
        .count("@container") == 2  # labels only: x and (a square map's) y


def test_the_rows_of_a_square_map_are_labelled_only_where_they_stand_apart():
    """A square map's rows are as tall as its columns are wide: 64 words on a phone leave ~4 px a row."""
    dense = matrix_heatmap(np.full((64, 64), 1 / 64), labelled(64), labelled(64))
    assert dense.layout.yaxis.tickfont.size >= 11  # never shrunk below readable: hidden instead
    assert PHONE < y_labels_fit_from(dense) < 1000  # labels on a desktop, none on a phone
    assert y_labels_fit_from(matrix_heatmap(np.full((8, 8), 0.125), labelled(8), labelled(8))) < PHONE
    flat = matrix_heatmap(np.full((64, 64), 1 / 64), labelled(64), labelled(64), square=False)
    assert y_labels_fit_from(flat) == 0  # its rows have the figure's height, whatever the width
    squeezed = matrix_heatmap(np.full((64, 64), 1 / 64), labelled(64), labelled(64), height=300)
    assert y_labels_fit_from(squeezed) == HIDDEN  # too short at any width: never drawn over each other

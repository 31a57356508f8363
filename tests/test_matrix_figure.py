"""The shared annotated heatmap builder."""

from __future__ import annotations

import numpy as np

from figures.matrix import TITLE_PX_PER_CHAR, axis_title_lines, matrix_heatmap, plot_text, wrap
from figures.style import MASK_COLOUR, MASK_MARK


def test_labels_by_position_escaped_and_hover():
    w = np.array([[0.7, 0.3], [0.2, 0.8]])
    fig = matrix_heatmap(w, ["the", "<b>x</b>"], ["the", "it"], zmin=0, zmax=1, x_title="key", y_title="query")
    heat = fig.data[0]
    assert list(fig.layout.yaxis.ticktext) == ["the", "&lt;b&gt;x&lt;/b&gt;"]
    assert list(fig.layout.xaxis.tickvals) == [0, 1]
    assert heat.text[0][1] == '"the" → "it": 0.30'
    assert (heat.zmin, heat.zmax) == (0, 1)
    assert list(fig.layout.yaxis.range) == [1.5, -0.5]  # row 0 at the top
    assert fig.layout.xaxis.title.text == "key"
    assert heat.texttemplate  # few cells: values shown


def test_dense_matrix_hides_values_and_clickable_overlay():
    fig = matrix_heatmap(np.zeros((30, 30)), clickable=True)
    assert fig.data[0].texttemplate is None
    scatter = fig.data[1]
    assert len(scatter.x) == 900 and scatter.marker.opacity == 0
    assert list(scatter.customdata[31]) == [1, 1]


def test_plot_text():
    assert plot_text("<script>&") == "&lt;script&gt;&amp;"


def test_masked_cells_are_drawn_as_masked_not_as_tiny_weights():
    w = np.array([[1.0, 0.0, 0.0], [0.4, 0.6, 0.0], [0.2, 0.3, 0.5]])
    masked = ~np.tril(np.ones((3, 3), bool))
    fig = matrix_heatmap(w, ["a", "b", "c"], zmin=0, zmax=1, masked=masked, clickable=True)
    heat, mask = fig.data[0], fig.data[1]
    z = np.asarray(heat.z, dtype=float)
    assert np.isnan(z[masked]).all() and np.allclose(z[~masked], w[~masked])  # no colour, no "0.00" for them
    assert heat.hoverongaps is False
    layer = np.asarray(mask.z, dtype=float)
    assert np.array_equal(~np.isnan(layer), masked)  # the grey layer covers exactly the masked cells
    assert mask.colorscale[0][1] == mask.colorscale[-1][1] == MASK_COLOUR and mask.showscale is False
    assert all(mask.colorscale[0][1] != c[1] for c in heat.colorscale)  # a colour the scale never uses
    marks = np.asarray(mask.text, dtype=object)
    assert (marks[masked] == MASK_MARK).all() and (marks[~masked] == "").all()  # the cross only where masked
    assert "masked" in mask.hovertemplate and "masked" not in heat.text[2][0]
    cells = next(t for t in fig.data if t.name == "cells")
    assert "masked" in cells.text[1] and "masked" not in cells.text[3]  # the click overlay's hover too
    legend = [t for t in fig.data if t.showlegend]
    assert len(legend) == 1 and "masked" in legend[0].name and fig.layout.showlegend
    assert len(matrix_heatmap(w, masked=np.zeros((3, 3), bool)).data) == 1  # nothing masked: nothing added
    still = matrix_heatmap(w, ["a", "b", "c"], ["a", "b", "c"], masked=masked)  # not clickable: the grey layer names the words
    assert still.data[1].hovertext[0][2] == '"a" → "c": masked: may not attend (weight 0)'


def test_masked_cells_leave_the_automatic_colour_range_alone():
    scores = np.array([[2.0, -np.inf], [1.0, 3.0]])
    fig = matrix_heatmap(scores, masked=~np.isfinite(scores), mask_label="masked: score −∞")
    assert np.nanmax(np.asarray(fig.data[0].z, dtype=float)) == 3.0 and fig.data[0].zmin is None
    assert "score −∞" in fig.data[1].hovertext[0][1]


def test_short_maps_are_tall_enough_for_their_two_line_y_title():
    title = "Query: the word that is looking"
    fig = matrix_heatmap(np.eye(2), y_title=title, title="t")
    assert fig.layout.yaxis.title.text == "Query:<br>the word that is looking" == axis_title_lines(title)
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_height >= TITLE_PX_PER_CHAR * len("the word that is looking")
    assert axis_title_lines("query") == "query"


def test_long_axes_label_every_kth_word():
    fig = matrix_heatmap(np.zeros((128, 128)), [f"w{i}" for i in range(128)], [f"w{i}" for i in range(128)])
    ticks = list(fig.layout.yaxis.tickvals)
    assert len(ticks) <= 40 and ticks[:2] == [0, 4]
    assert list(fig.layout.yaxis.ticktext)[1] == "w4"  # each label still sits on its own row
    assert list(matrix_heatmap(np.zeros((12, 12))).layout.xaxis.tickvals) == list(range(12))


def test_long_titles_are_broken_into_lines_a_phone_can_show():
    title = "Attention weights, average of all heads (rows sum to 1)"
    wrapped = wrap(title, 40)
    assert wrapped.replace("<br>", " ") == title and all(len(line) <= 40 for line in wrapped.split("<br>"))
    fig = matrix_heatmap(np.eye(3), title=title, title_width=40)
    assert fig.layout.title.text == wrapped and fig.layout.margin.t == 130 + 22 * wrapped.count("<br>")
    assert matrix_heatmap(np.eye(3), title=title).layout.title.text == title  # only when asked

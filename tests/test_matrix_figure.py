"""The shared annotated heatmap builder."""

from __future__ import annotations

import numpy as np

from figures.matrix import matrix_heatmap, plot_text


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

"""Figure builders of the Heatmap page (figures/heatmap.py) and its streamlit-free helpers (ui/heatmap_common.py)."""

from __future__ import annotations

import numpy as np
import pytest

from figures.heatmap import (
    KEY_AXIS,
    QUERY_AXIS,
    attention_heatmap,
    distinct_labels,
    head_grid,
    layer_heads,
    row_bars,
)
from figures.style import MASK_COLOUR, MASK_MARK, PALETTE, colorscale
from ui.heatmap_common import position, unique_labels, weights_csv

W = np.array([[0.69, 0.31], [0.5, 0.5]])


def lightness(colour: str) -> float:
    """Mean channel of a plotly colour, ``rgb(r, g, b)`` or ``#rrggbb``."""
    if colour.startswith("#"):
        return sum(int(colour[i:i + 2], 16) for i in (1, 3, 5)) / 3
    return sum(float(c) for c in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]) / 3


def test_heatmap_axes_labels_range_and_hover():
    fig = attention_heatmap(W, ["it", "animal"], title="Head 1")
    heat = fig.data[0]
    assert heat.type == "heatmap" and (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert list(fig.layout.yaxis.ticktext) == ["it", "animal"] == list(fig.layout.xaxis.ticktext)
    assert fig.layout.yaxis.title.text == QUERY_AXIS.replace(": ", ":<br>") and fig.layout.xaxis.title.text == KEY_AXIS
    assert fig.layout.title.text == "Head 1"
    assert heat.text[0][1] == '"it" → "animal": 0.31'
    assert heat.texttemplate  # values in cells by default for small maps
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells
    assert fig.layout.width is None  # follows the container (phones)
    assert [c[1] for c in heat.colorscale] == [c[1] for c in colorscale("blues")]
    assert lightness(heat.colorscale[0][1]) > lightness(heat.colorscale[-1][1])  # light = low, dark = high


def test_heatmap_overlay_makes_every_cell_clickable():
    fig = attention_heatmap(np.full((3, 3), 1 / 3), ["a", "b", "c"])
    cells = fig.data[1]
    assert cells.type == "scatter" and cells.marker.opacity == 0
    assert [list(c) for c in cells.customdata] == [[i, j] for i in range(3) for j in range(3)]
    assert list(cells.x) == [j for _ in range(3) for j in range(3)] and list(cells.y) == [i for i in range(3)
                                                                                         for _ in range(3)]
    assert len(attention_heatmap(W, ["a", "b"], clickable=False).data) == 1


def test_heatmap_options_auto_range_values_scale_and_picked_cell():
    auto = attention_heatmap(W, ["a", "b"], auto_range=True)
    assert auto.data[0].zmin is None and auto.data[0].zmax is None
    assert attention_heatmap(W, ["a", "b"], show_values=False).data[0].texttemplate is None
    assert attention_heatmap(W, ["a", "b"], scale="viridis").data[0].colorscale != auto.data[0].colorscale
    assert not attention_heatmap(W, ["a", "b"]).layout.shapes
    (shape,) = attention_heatmap(W, ["a", "b"], picked=(1, 0)).layout.shapes
    assert (shape.x0, shape.x1, shape.y0, shape.y1) == (-0.5, 0.5, 0.5, 1.5)
    assert shape.line.color == PALETTE[1]


def test_dense_heatmap_hides_values_and_keys_can_differ_from_queries():
    fig = attention_heatmap(np.full((64, 64), 1 / 64), [f"w{i}" for i in range(64)])
    assert fig.data[0].texttemplate is None
    cross = attention_heatmap(np.full((2, 3), 1 / 3), ["q1", "q2"], key_tokens=["k1", "k2", "k3"])
    assert list(cross.layout.xaxis.ticktext) == ["k1", "k2", "k3"]
    with pytest.raises(ValueError):
        attention_heatmap(np.full((2, 3), 1 / 3), ["q1", "q2"])


def test_tokens_are_text_never_html():
    tokens = ["<img src=x onerror=alert(1)>", "<b>", "&amp;"]
    fig = attention_heatmap(np.full((3, 3), 1 / 3), tokens)
    assert fig.layout.yaxis.ticktext[0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert fig.layout.xaxis.ticktext[2] == "&amp;amp;"
    assert "<b>" not in fig.data[0].text[1][1]
    bars = row_bars(np.array([0.5, 0.25, 0.25]), tokens, "<b>", highlight=1)
    assert bars.data[0].x[1] == "1: &lt;b&gt;" and "&lt;b&gt;" in bars.layout.title.text
    grid = head_grid(np.full((2, 3, 3), 1 / 3), tokens, titles=["<i>1</i>", "2"])
    assert list(grid.data[0].y) == ["&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;", "&amp;amp;"]
    assert grid.layout.annotations[0].text == "&lt;i&gt;1&lt;/i&gt;"
    assert grid.data[0].hovertemplate.startswith("&lt;i&gt;1&lt;/i&gt;: ")


def test_head_grid_titles_shared_range_and_outer_labels():
    weights = np.random.default_rng(0).dirichlet(np.ones(4), size=(5, 4))  # (H=5, T, S)
    fig = head_grid(weights, list("abcd"), titles=[f"Head {h}" for h in range(1, 5)] + ["Average"])
    assert len(fig.data) == 5
    assert [a.text for a in fig.layout.annotations] == ["Head 1", "Head 2", "Head 3", "Head 4", "Average"]
    assert {(t.zmin, t.zmax) for t in fig.data} == {(0.0, 1.0)}
    assert [t.showscale for t in fig.data] == [True] + [False] * 4  # one colour bar for all
    assert fig.data[1].hovertemplate == 'Head 2: "%{y}" → "%{x}": %{z:.2f}<extra></extra>'
    assert list(fig.data[1].x) == list("abcd") == list(fig.data[1].y)
    assert fig.layout.yaxis.autorange == "reversed"  # first word on top, as in the main heatmap
    assert fig.layout.xaxis4.title.text == "Key" and fig.layout.yaxis4.title.text == "Query"
    domains = [tuple(fig.layout[f"xaxis{i if i > 1 else ''}"].domain) for i in range(1, 6)]
    assert all(0 <= a < b <= 1 for a, b in domains) and domains[0][1] < domains[1][0]  # side by side
    # 3 columns, 2 rows: word labels on the left column and under the lowest map of each column only
    y_labels = [fig.layout[f"yaxis{i if i > 1 else ''}"].showticklabels for i in range(1, 6)]
    x_labels = [fig.layout[f"xaxis{i if i > 1 else ''}"].showticklabels for i in range(1, 6)]
    assert y_labels == [True, False, False, True, False]
    assert x_labels == [False, False, True, True, True]
    auto = head_grid(weights, list("abcd"), auto_range=True)
    assert auto.data[0].zmin == pytest.approx(weights.min()) and auto.data[0].zmax == pytest.approx(weights.max())
    many = head_grid(np.full((2, 30, 30), 1 / 30), [f"w{i}" for i in range(30)])
    assert not any(many.layout[f"yaxis{i if i > 1 else ''}"].showticklabels for i in range(1, 3))
    assert fig.layout.width is None


def test_repeated_words_keep_their_own_rows_in_the_grid():
    assert distinct_labels(["the", "cat", "the", "the"]) == ["the", "cat", "the\u200b", "the\u200b\u200b"]
    fig = head_grid(np.full((1, 3, 3), 1 / 3), ["the", "cat", "the"])
    assert len(set(fig.data[0].y)) == 3


def test_row_bars_show_one_row_with_the_picked_key_highlighted():
    row = np.array([0.1, 0.6, 0.3])
    fig = row_bars(row, ["the", "cat", "sat"], "cat", highlight=2)
    bar = fig.data[0]
    np.testing.assert_allclose(bar.y, row)
    assert list(bar.x) == ["0: the", "1: cat", "2: sat"]
    assert list(bar.marker.color) == [PALETTE[0], PALETTE[0], PALETTE[1]]
    assert list(bar.text) == ["0.10", "0.60", "0.30"]
    assert tuple(fig.layout.yaxis.range) == (0, 1.0) and fig.layout.yaxis.title.text == "attention weight"
    assert fig.layout.xaxis.title.text == KEY_AXIS and fig.layout.title.text.startswith('Where "cat" looks')
    dense = row_bars(np.full(64, 1 / 64), [f"w{i}" for i in range(64)], "w0")
    assert dense.data[0].text is None  # 64 numbers would overlap


def test_layer_heads_places_every_head_of_its_layer_and_carries_its_address():
    weights = np.random.default_rng(1).dirichlet(np.ones(3), size=(12, 3))  # (H=12, n, n) of layer 2 (0-based 1)
    fig = layer_heads(weights, ["[CLS]", "hi", "[SEP]"], 1)
    maps = [t for t in fig.data if t.type == "heatmap"]
    assert len(maps) == 12
    np.testing.assert_allclose(np.asarray(maps[2].z, dtype=float), weights[2], rtol=1e-6)  # z[i][j]: query i, key j
    assert all((m.zmin, m.zmax) == (0, 1) for m in maps)  # fixed: maps are comparable across heads and texts
    markers = [t for t in fig.data if t.type == "scatter"]
    assert [list(m.customdata[0]) for m in markers] == [[1, h] for h in range(12)]  # the click address: 0-based
    # shown to students numbered from 1, like every other title, caption and file name of the page
    assert [a.text for a in fig.layout.annotations] == [f"Head {h}" for h in range(1, 13)]
    assert fig.layout.title.text.startswith("Layer 2: its 12 heads")
    assert markers[2].text[0] == "Layer 2, head 3: click to open"
    assert maps[2].hovertemplate.startswith('Layer 2, head 3: "%{y}" → "%{x}": weight %{z:.2f}')
    # each marker sits on its own map: same axes, and one of that map's categories
    assert (markers[2].xaxis, markers[2].yaxis) == (maps[2].xaxis, maps[2].yaxis) == ("x3", "y3")
    assert markers[2].x[0] in maps[2].x and markers[2].y[0] in maps[2].y
    # four maps a row, three rows: on a phone each map is about 65 px wide, not a 20 px stamp
    assert fig.layout.xaxis4.domain[0] > 0.7 and fig.layout.yaxis5.domain[1] < fig.layout.yaxis.domain[0]
    assert [t.showscale for t in maps] == [True] + [False] * 11  # one colour bar


def test_layer_heads_of_a_long_text_say_they_are_pooled_and_send_no_per_cell_text():
    fig = layer_heads(np.full((12, 32, 32), 1 / 32), [f"tokens {i}" for i in range(32)], 0, pooled_from=128)
    assert all(t.text is None for t in fig.data if t.type == "heatmap")
    assert "pooled weight" in fig.data[0].hovertemplate
    assert "128 tokens pooled into 32 groups" in fig.layout.title.text.replace("<br>", " ")
    assert len(fig.to_json()) < 300_000


def test_head_grid_orientation_and_fixed_range():
    rng = np.random.default_rng(3)
    weights = rng.dirichlet(np.ones(4) * 0.3, size=(2, 4)) * 0.4  # (H, T, S), values well below 1
    weights[1, 0] = [0.0, 0.0, 0.0, 0.4]  # query "a" of head 2 looks only at key "d"
    fig = head_grid(weights, list("abcd"))
    for h in range(2):
        np.testing.assert_allclose(np.asarray(fig.data[h].z, dtype=float), weights[h])  # z[i][j]: query i, key j
        assert (fig.data[h].zmin, fig.data[h].zmax) == (0.0, 1.0)  # fixed, not the data's 0..0.4
        assert list(fig.data[h].y) == list("abcd") == list(fig.data[h].x)
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis2.autorange == "reversed"  # "a" on top
    assert fig.layout.yaxis.title.text == "Query" and fig.layout.xaxis.title.text == "Key"
    assert fig.layout.title.text.startswith("Every head side by side")
    assert head_grid(weights, list("abcd"), title="Layer means").layout.title.text == "Layer means"


def test_head_grid_draws_masked_cells_in_every_map():
    masked = ~np.tril(np.ones((3, 3), bool))
    weights = np.where(masked, 0.0, 1 / 3)[None].repeat(2, axis=0)
    fig = head_grid(weights, list("abc"), masked=masked)
    maps = [t for t in fig.data if t.type == "heatmap" and t.name != "masked"]
    layers = [t for t in fig.data if t.name == "masked"]
    assert len(maps) == len(layers) == 2
    for heat, layer in zip(maps, layers):
        assert np.isnan(np.asarray(heat.z, dtype=float)[masked]).all()
        assert np.array_equal(~np.isnan(np.asarray(layer.z, dtype=float)), masked)
        assert (heat.xaxis, heat.yaxis) == (layer.xaxis, layer.yaxis)  # on the same map
        assert "masked" in layer.hovertemplate
    assert sum(bool(t.showlegend) for t in fig.data) == 1


def test_row_bars_mark_masked_keys():
    fig = row_bars(np.array([0.7, 0.3, 0.0]), ["a", "b", "c"], "b", highlight=1, masked=np.array([0, 0, 1], bool),
                   title="<i>x</i>")
    bar = fig.data[0]
    assert list(bar.text) == ["0.70", "0.30", MASK_MARK] and bar.marker.color[2] == MASK_COLOUR
    assert "masked" in bar.customdata[2] and fig.layout.title.text == "&lt;i&gt;x&lt;/i&gt;"


def test_weights_csv_labels_every_row_and_column():
    csv = weights_csv(np.array([[1.0, 0.0], [0.25, 0.75]]), ["the", "the"])
    lines = csv.splitlines()
    assert lines[0] == "query \\ key,0: the,1: the"
    assert lines[2] == "1: the,0.250000,0.750000"
    cross = weights_csv(np.array([[0.5, 0.5]]), ["a"], ["b", "c,d"])
    assert cross.splitlines()[0] == 'query \\ key,0: b,"1: c,d"'  # a comma in a word is quoted
    assert unique_labels(["x", "x"]) == ["0: x", "1: x"]


@pytest.mark.parametrize(
    "value, expected",
    [(3, 3), (np.int64(5), 5), ("7: it", 7), ("12: 3.14", 12), ("Head 3", 3), ("Average of all heads", 0),
     (-2, 0), (True, 0), (None, 0), ("", 0)],
)
def test_position_reads_an_index_from_whatever_a_selectbox_left(value, expected):
    assert position(value) == expected

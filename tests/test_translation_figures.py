"""Figure builders of the Translation page: arrays in, the right traces, outlines and numbers out."""

from __future__ import annotations

import numpy as np
import pytest

from figures.translation import accuracy_by_length, cross_attention_heatmap, loss_curves, read_bars, smooth


def outlines(fig, name):
    return [s for s in fig.layout.shapes if s.name == name]


def test_cross_attention_heatmap_outlines_gold_cells_and_the_picked_row():
    weights = np.full((3, 4), 0.25)
    fig = cross_attention_heatmap(weights, ["a", "b", "<c>", "d"], ["x", "y", "z"], gold=[(0, 0), (1, 2), (2, 1)],
                                  picked=1)
    gold = {(round(s.y0 + 0.5), round(s.x0 + 0.5)) for s in outlines(fig, "gold")}
    assert gold == {(0, 0), (1, 2), (2, 1)}
    (picked,) = outlines(fig, "picked")
    assert (picked.y0, picked.y1, picked.x0, picked.x1) == (0.5, 1.5, -0.5, 3.5)
    assert [t.name for t in fig.data if t.showlegend] == ["gold alignment", "picked word"]
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "&lt;c&gt;", "d"]  # words shown as text, never as HTML
    np.testing.assert_array_equal(fig.data[0].z, weights)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0.0, 1.0)  # a fixed range: maps can be compared


def test_heatmap_without_gold_or_pick_has_no_outlines_or_legend():
    fig = cross_attention_heatmap(np.eye(2), ["a", "b"], ["x", "y"], clickable=False)
    assert not fig.layout.shapes and not [t for t in fig.data if t.showlegend]
    assert len(fig.data) == 1  # no click overlay


def test_read_bars_marks_the_gold_word():
    fig = read_bars(np.array([0.1, 0.7, 0.2]), ["the", "dog", "sleeps"], "Hund", gold=1)
    assert list(fig.data[0].y) == [0.1, 0.7, 0.2]
    colours = list(fig.data[0].marker.color)
    assert colours[1] != colours[0] == colours[2]
    assert fig.layout.title.text.startswith('Writing "Hund"')


def test_accuracy_by_length_draws_four_lines_with_counts():
    lengths, n = np.arange(3, 6), np.array([10, 20, 30])
    series = {"attention": (np.array([100.0, 100, 90]), np.array([100.0, 100, 99])),
              "bottleneck": (np.array([100.0, 50, 0]), np.array([100.0, 80, 60]))}
    fig = accuracy_by_length(lengths, series, n)
    assert [t.name for t in fig.data] == ["Attention model: exact match", "Attention model: words right",
                                          "Bottleneck model: exact match", "Bottleneck model: words right"]
    assert list(fig.data[2].y) == [100.0, 50, 0] and list(fig.data[2].customdata) == [10, 20, 30]


def test_smooth_is_a_trailing_moving_average():
    np.testing.assert_allclose(smooth(np.array([4.0, 2, 0, 2]), 2), [4, 3, 1, 1])


def test_loss_curves_mark_the_step_and_draw_step_zero_at_one():
    losses = {"attention": np.linspace(4, 0.01, 100), "bottleneck": np.linspace(4, 1, 100)}
    steps = np.array([0, 50, 100])
    fig = loss_curves(losses, steps, {"attention": np.array([4.3, 1, 0.1]), "bottleneck": np.array([4.3, 2, 1])},
                      step=50, window=10, points=20)
    assert len(fig.data) == 4
    held = fig.data[1]
    assert list(held.x) == [1, 50, 100] and list(held.customdata) == [0, 50, 100]
    assert fig.layout.shapes[0].x0 == 50
    assert fig.data[0].y[-1] == pytest.approx(np.mean(losses["attention"][-10:]))
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"

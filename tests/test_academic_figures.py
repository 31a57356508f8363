"""Figure builders of the Academic page: arrays in, figures out, with titles, labels and escaped text."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attention import experiments as E
from figures import academic as F


def test_pipeline_diagram_shows_every_step_with_arrows():
    fig = F.pipeline_diagram()
    texts = " ".join(a.text for a in fig.layout.annotations)
    for label in ("Q", "K", "QKᵀ", "√d_k", "softmax", "× V", "output", "n × n"):
        assert label in texts, label
    # phone-readable: no annotation below 11 px, and no <sub>/<sup>, which plotly draws at 70 %
    assert all(a.font.size is None or a.font.size >= 11 for a in fig.layout.annotations)
    assert "<sub>" not in texts and "<sup>" not in texts
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == 7
    assert len(fig.layout.shapes) == 8
    assert fig.layout.title.text and fig.layout.width is None


def test_histograms_are_densities_on_one_axis_with_theory_curves():
    unscaled, scaled = E.dot_product_samples(64, 2000, rng=np.random.default_rng(0))
    fig = F.dot_product_histograms(unscaled, scaled, 64)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == [F.NAMES[F.UNSCALED], F.NAMES[F.SCALED]]
    for bar in bars:
        assert float(np.sum(np.asarray(bar.y) * np.asarray(bar.width))) == pytest.approx(1, rel=1e-9)
    assert "d_k = 64" in fig.layout.title.text
    assert fig.layout.xaxis.matches == "x2" or fig.layout.xaxis2.matches == "x"  # shared x axis
    curves = [t for t in fig.data if t.type == "scatter"]
    assert np.max(curves[0].y) == pytest.approx(1 / math.sqrt(2 * math.pi * 64))


def test_variance_figure_is_log_log_with_the_chosen_point():
    d = E.SWEEP_D_K
    fig = F.variance_figure(d, [float(x) for x in d], [1.0] * len(d), chosen=100,
                            chosen_var={F.UNSCALED: 99.0, F.SCALED: 1.02})
    names = [t.name for t in fig.data]
    assert F.NAMES[F.UNSCALED] in names and F.NAMES[F.SCALED] in names and "your d_k = 100" in names
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_saturation_figure_has_three_panels_and_reference_levels():
    stats = E.softmax_row_stats(8, 16, 32, rng=np.random.default_rng(0)).means()
    means = {s: {v: [stats[s][v]] * len(E.SWEEP_D_K) for v in stats[s]} for s in stats}
    fig = F.saturation_figure(E.SWEEP_D_K, means, 16, chosen=8, chosen_means=stats)
    assert len(fig.layout.annotations) == 3  # subplot titles
    uniform = [t for t in fig.data if t.name == "uniform row"]
    assert [t.y[0] for t in uniform] == pytest.approx([1 / 16, math.log(16), math.sqrt(15) / 16])
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert len(stars) == 6 and all(t.x[0] == 8 for t in stars)


def test_example_row_mask_and_same_output_figures_escape_text():
    fig = F.example_row_figure({F.UNSCALED: np.eye(4)[1], F.SCALED: np.full(4, 0.25)}, 512)
    assert "largest 1.00" in fig.data[0].name and "d_k = 512" in fig.layout.title.text
    mask = E.demo_mask("both", 2, 1)
    m = F.mask_figure(mask, ["<b>hi</b>", "x", "[PAD]"])
    text = m.data[0].text
    assert (text[0][0], text[0][1], text[1][0], text[1][1], text[2][2]) == ("0", "−∞", "0", "0", "−∞")
    assert m.layout.xaxis.ticktext[0] == "&lt;b&gt;hi&lt;/b&gt;"
    s = F.same_output_figure(np.array([0.7, 0.3]), np.array([0.5, 0.5]), ["<img>", "b"])
    assert s.data[0].x[0] == "&lt;img&gt;" and len(s.data) == 2


def test_no_figure_has_a_fixed_width():
    unscaled, scaled = E.dot_product_samples(4, 100, rng=np.random.default_rng(0))
    figs = [F.pipeline_diagram(), F.dot_product_histograms(unscaled, scaled, 4),
            F.mask_figure(np.ones((2, 2), bool), ["a", "b"])]
    assert all(f.layout.width is None and f.layout.template.layout.width is None for f in figs)


def test_log_axes_are_labelled_at_chosen_ticks_only():
    d = E.SWEEP_D_K
    fig = F.variance_figure(d, [float(x) for x in d], [0.97] * len(d))
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.type == "log" and axis.minor.ticks == "" and axis.minor.showgrid is False
    assert list(fig.layout.yaxis.tickvals) == [0.1, 1, 10, 100, 1000, 10000]  # decades only: no 2s and 5s
    assert list(fig.layout.yaxis.ticktext)[:3] == ["0.1", "1", "10"]
    stats = E.softmax_row_stats(8, 16, 32, rng=np.random.default_rng(0)).means()
    means = {s: {v: [stats[s][v]] * len(d) for v in stats[s]} for s in stats}
    sat = F.saturation_figure(d, means, 16)
    assert all(sat.layout[f"xaxis{n}"].minor.ticks == "" for n in ("", "2", "3"))


def test_mask_figure_keeps_the_labels_of_the_last_columns():
    """Slanted labels of the last columns overflow the figure; plotly hides such labels by default."""
    tokens = ["The", "cat", "[PAD]", "[PAD]"]
    fig = F.mask_figure(E.demo_mask("both", 2, 2), tokens)
    assert list(fig.layout.xaxis.ticktext) == tokens and fig.layout.xaxis.ticklabeloverflow == "allow"
    assert fig.layout.margin.r >= 10 + 5 * len("[PAD]")

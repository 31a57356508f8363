"""The chart an exercise reveals (an ``exercises.Chart``, plain data): grouped bars, one colour per series."""

from __future__ import annotations

import plotly.graph_objects as go

from exercises import Chart

from .matrix import plot_text
from .style import PALETTE, base_layout


def reveal_figure(chart: Chart) -> go.Figure:
    """Bars of every series of ``chart`` over its labels, each bar labelled with its value."""
    labels = [plot_text(label) for label in chart.labels]
    bars = [
        go.Bar(
            name=plot_text(name),
            x=labels,
            y=list(values),
            marker_color=PALETTE[i % len(PALETTE)],
            text=[f"{v:.3g}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{plot_text(name)}<br>%{{x}}: %{{y:.4g}}<extra></extra>",
        )
        for i, (name, values) in enumerate(chart.series)
    ]
    top = max((v for _, values in chart.series for v in values), default=1.0)
    yaxis = dict(title=plot_text(chart.y_title), type="log" if chart.log_y else "linear")
    if not chart.log_y:
        yaxis["range"] = [0, max(1.0, top) * 1.18]  # weights: the whole 0..1 scale, and room for the labels
    fig = go.Figure(
        bars,
        layout=dict(
            barmode="group",
            yaxis=yaxis,
            xaxis=dict(tickangle=-30 if len(labels) > 4 else 0, automargin=True),
            legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
            showlegend=len(bars) > 1,
        ),
    )
    return base_layout(fig, title=plot_text(chart.title), height=360)

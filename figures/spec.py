"""Figures built from a complete spec dict, without plotly's per-property validation.

``go.Figure(go.Heatmap(...))`` and every ``update_*`` call validate each property as it is set: for an
annotated heatmap that is most of the page's time on every rerun (``benchmarks/bench_figures.py``).
A builder that writes its figure's whole dict and constructs it once with :func:`figure_from_spec` skips
that. The spec must be exactly what validation would have produced (``{"text": ...}`` titles, nested
dicts instead of ``tickfont_size`` shortcuts, no ``None`` values): ``tests/test_matrix_figure.py`` checks
that validating it again (``go.Figure(fig.to_dict())``) changes nothing.
"""

from __future__ import annotations

import plotly.graph_objects as go


def figure_from_spec(spec: dict) -> go.Figure:
    """``go.Figure(spec)`` without plotly's per-property validation (about ten times cheaper).

    The properties are stored as given, so later ``update_*`` calls on the figure are validated as usual
    but cost as much as before: build the spec completely, then draw it.
    """
    return go.Figure(spec, _validate=False)


def without_none(props: dict) -> dict:
    """``props`` without the keys whose value is ``None`` (what plotly's setters do with ``None``)."""
    return {k: v for k, v in props.items() if v is not None}

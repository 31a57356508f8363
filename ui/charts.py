"""Plotly figures that many students share, built once per server process.

Building a figure with ``plotly.graph_objects`` validates every property as it is set; on this app's
pages that was most of the server's CPU under a class load (``benchmarks/bench_class_load.py --profile``:
59 % of it with 30 students before figures were shared), while most students see the same default views.
``st.plotly_chart`` takes a ``go.Figure`` as it is (a copy of its dict), but hands a plain ``dict`` to
``go.Figure(...)`` and validates it all over again, so a dict is no shortcut.

* :func:`cached_figure` runs a figure builder once per distinct arguments (per server process,
  ``st.cache_data``) and returns its figure rebuilt from the stored spec without validation: what
  many students share (default views, reference data, theory curves, a slider position someone chose
  before) is validated once.
* :func:`unvalidated_figure` (:func:`figures.spec.figure_from_spec`) makes a ``go.Figure`` from a spec dict
  without validating it; builders that run on every rerun with new inputs (``figures.matrix.matrix_heatmap``,
  ``figures.heatmap.row_bars``) write their spec and use it directly.

Either way the figure a student's browser receives is the same as the builder's own (``tests/test_charts.py``,
``tests/test_spec_figures.py``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from figures.spec import figure_from_spec

Figures = go.Figure | tuple[go.Figure, ...]

SHARE = True  # False: cached_figure calls the builder itself (tests compare the two paths)
unvalidated_figure = figure_from_spec  # go.Figure(spec) without validation (figures.spec)
MAX_SPEC_BYTES = 64 * 1024  # larger specs (a 64-word map: ~300 kB) are not kept: 256 entries stay under 16 MB


class _NotKept(Exception):
    """Not an error: carries specs too large to keep, out of the cached function without being kept."""

    def __init__(self, specs):
        self.specs = specs


@st.cache_data(max_entries=256, show_spinner=False)
def _specs(_builder: Callable[..., Figures], name: str, args: tuple, kwargs: dict) -> dict | tuple[dict, ...]:
    """The spec(s) of ``_builder(*args, **kwargs)``; ``name`` (the builder's module and name) and the
    arguments are the cache key (Streamlit does not hash a parameter whose name starts with "_").
    Raises :class:`_NotKept` with the specs when they are too large to keep (Streamlit keeps no exception)."""
    out = _builder(*args, **kwargs)
    specs = tuple(_spec(fig) for fig in out) if isinstance(out, tuple) else _spec(out)
    if len(pickle.dumps(specs, protocol=pickle.HIGHEST_PROTOCOL)) > MAX_SPEC_BYTES:
        raise _NotKept(specs)
    return specs


def _spec(fig: go.Figure) -> dict:
    """The figure's validated properties as they are held (``to_dict`` would also encode numpy arrays as
    base64 text, which code that reads ``trace.z`` back, such as ``figures.fit``, cannot use). No copy: the
    cache pickles it, and the builder's figure is this call's own."""
    return {"data": fig._data, "layout": fig._layout}


def cached_figure(builder: Callable[..., Figures], *args: Any, **kwargs: Any) -> Figures:
    """``builder(*args, **kwargs)``, built once per distinct arguments and shared by every session.

    ``builder`` is a figure builder of ``figures/`` (arrays in, a ``go.Figure`` or a tuple of them
    out); its arguments must be hashable by Streamlit (numbers, strings, tuples, numpy arrays, pandas
    frames). Each call returns new ``go.Figure`` objects, so a page may change its own copy (for example
    ``ui.responsive.fit_box`` sets cell fonts) without changing what other students are sent.
    """
    if not SHARE:
        return builder(*args, **kwargs)
    try:
        specs = _specs(builder, f"{builder.__module__}.{builder.__qualname__}", args, kwargs)
    except _NotKept as big:  # built for this call only
        specs = big.specs
    if isinstance(specs, tuple):
        return tuple(unvalidated_figure(spec) for spec in specs)
    return unvalidated_figure(specs)

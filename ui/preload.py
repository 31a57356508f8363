"""Once per server process, before any page draws: no session may see a module another one is importing.

Streamlit runs each session's script in a thread of its own. When a class arrives at a cold server, one
thread can still be importing pandas (the Heatmap, Build-it and Academic pages import it) while another
builds a plotly figure. plotly's validators ask for pandas with
``_plotly_utils.optional_imports.get_module("pandas", should_load=False)``, which reads ``sys.modules``
directly and so returned the half-built module: ``AttributeError: partially initialized module 'pandas'
has no attribute 'Series'``, in 5 of 6 cold runs of 30 students (benchmarks/bench_class_load.py --cold).

* :func:`_skip_half_imported_modules` makes that helper treat a module still being imported as not
  imported yet, as narwhals already does for the same reason (narwhals issue #4067): no object of a
  module can reach plotly before its import has finished, so "not imported" is the true answer.
* :func:`_warm_plotly` builds plotly's lazily created validators and templates (its ``ValidatorCache``
  is not thread-safe) once, here.
* ``ui/layout.py`` imports this module, and every page imports ``ui.layout`` before it draws anything:
  the first session runs this file once, and Python's import lock on ``ui.layout`` makes every other
  session wait until it has finished.

pandas itself is not imported here: Home does not need it, and importing it would add about 0.3 s of
CPU to the first page a cold server shows.

Last, :func:`gc.freeze` moves everything imported so far (Streamlit, plotly's validator tables, numpy:
over a hundred thousand objects that live as long as the process) out of the cyclic garbage
collector's sight, so that its full collections only walk the objects sessions create.
"""

from __future__ import annotations

import functools
import gc
import sys

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils import optional_imports
from plotly.subplots import make_subplots


def _skip_half_imported_modules() -> None:
    """Make plotly's ``get_module(name, should_load=False)`` return None for a module that another thread
    is still importing (its ``__spec__._initializing`` is set), in every plotly module that holds it."""
    original = optional_imports.get_module
    if getattr(original, "skips_half_imported", False):
        return

    @functools.wraps(original)
    def get_module(name: str, should_load: bool = True):
        if not should_load:
            module = sys.modules.get(name)
            return None if getattr(getattr(module, "__spec__", None), "_initializing", False) else module
        return original(name, should_load)

    get_module.skips_half_imported = True
    for name, module in list(sys.modules.items()):  # modules that imported it by name, and the helper's own
        if name.startswith(("plotly", "_plotly_utils")) and getattr(module, "__dict__", {}).get("get_module") is original:
            module.get_module = get_module


def _warm_plotly() -> None:
    """Build and serialise one figure of every kind the app draws: plotly creates its validators, loads
    its templates and picks its JSON engine lazily, on first use."""
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Heatmap(z=np.eye(2), x=["a", "b"], y=["a", "b"], text=[["1", "0"], ["0", "1"]]), 1, 1)
    fig.add_trace(go.Scatter(x=[1, 2], y=[1.0, 2.0], mode="lines+markers"), 1, 2)
    fig.add_trace(go.Bar(x=["a", "b"], y=np.array([0.5, 0.5])), 1, 2)
    fig.update_layout(title={"text": "warm-up"}, height=100)
    pio.to_json(fig.to_dict(), validate=False)


_skip_half_imported_modules()
_warm_plotly()
gc.collect()  # what is garbage now would otherwise be frozen with the rest
gc.freeze()

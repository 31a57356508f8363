"""What every session needs, imported and warmed once per server process, before any page draws.

Streamlit runs each session's script in a thread of its own. When a class arrives at a cold server,
one thread can still be importing pandas while another builds a plotly figure; plotly's validators ask
for pandas with ``_plotly_utils.optional_imports.get_module("pandas", should_load=False)``, which
reads ``sys.modules`` directly and so returns the half-built module, and the student sees
``AttributeError: partially initialized module 'pandas' has no attribute 'Series'``. ``ui/layout.py``
imports this module first, and every page imports ``ui.layout`` before it draws anything: the first
session runs this file once, and Python's import lock on ``ui.layout`` makes every other session wait
until it has finished, so no script ever sees a module half imported.

Then :func:`gc.freeze` moves everything imported so far (plotly's validator tables, pandas, pyarrow,
Streamlit: over a hundred thousand objects that live as long as the process) out of the cyclic garbage
collector's sight, so that its full collections only walk the objects sessions create.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd  # noqa: F401 - imported here so that no session sees it half imported
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow  # noqa: F401 - st.dataframe / st.table / st.data_editor serialise through it
from plotly.subplots import make_subplots


def _warm_plotly() -> None:
    """Build and serialise one figure of every kind the app draws: plotly creates its validators
    (``plotly.validator_cache.ValidatorCache``, which is not thread-safe), loads its templates and
    picks its JSON engine lazily, on first use."""
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Heatmap(z=np.eye(2), x=["a", "b"], y=["a", "b"], text=[["1", "0"], ["0", "1"]]), 1, 1)
    fig.add_trace(go.Scatter(x=[1, 2], y=[1.0, 2.0], mode="lines+markers"), 1, 2)
    fig.add_trace(go.Bar(x=["a", "b"], y=np.array([0.5, 0.5])), 1, 2)
    fig.update_layout(title={"text": "warm-up"}, height=100)
    pio.to_json(fig.to_dict(), validate=False)


_warm_plotly()
gc.collect()  # what is garbage now would otherwise be frozen with the rest
gc.freeze()

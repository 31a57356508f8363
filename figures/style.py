"""Shared look of every figure: colour scales and layout defaults.

Sequential scales run light (low) to dark (high) and are colour-blind safe; values are always also
available as text (hover, cells, tables), so that no information is carried by colour alone.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import get_colorscale

# label shown to students -> plotly scale, light = low, dark = high
SCALES = {
    "blues": "Blues",  # ColorBrewer, safe for every common colour-vision deficiency
    "cividis": "cividis_r",  # designed for deuteranopia and protanopia
    "viridis": "viridis_r",  # perceptually uniform
}
SCALE_LABELS = {"blues": "Blues (default)", "cividis": "Cividis", "viridis": "Viridis"}
DEFAULT_SCALE = "blues"

# categorical colours (Okabe & Ito 2008), distinguishable with any colour-vision deficiency
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


DIVERGING = "diverging"  # for signed matrices (Q, K, V, scores): blue < 0 < red, centred on 0

# Masked cells (a query that may not attend to a key): a neutral grey that no scale above uses for a
# value, with a cross in the cell and "masked" in the hover and legend, so they never pass for a tiny weight.
MASK_COLOUR = "#d0d0d0"
MASK_MARK = "✕"
MASK_LABEL = "masked: may not attend (weight 0)"


def colorscale(name: str) -> list:
    """The plotly colour scale for one of :data:`SCALES` or :data:`DIVERGING` (unknown: the default)."""
    if name == DIVERGING:
        return get_colorscale("RdBu_r")
    return get_colorscale(SCALES.get(name, SCALES[DEFAULT_SCALE]))


MIN_FONT = 11  # px: the smallest text a figure draws (phone width included; see ui/responsive.py)


def base_layout(fig: go.Figure, *, title: str = "", height: int | None = None) -> go.Figure:
    """Title, margins and height shared by every figure; colours and fonts follow the app theme.

    Bar labels that plotly would shrink below :data:`MIN_FONT` to fit their bar are hidden instead (the
    hover still shows each value).
    """
    fig.update_layout(**layout_defaults(title=title), height=height)  # height None: unset, as before
    return fig


def layout_defaults(*, title: str = "", height: int | None = None) -> dict:
    """:func:`base_layout`'s properties as a layout dict, for figures built from a spec (:mod:`figures.spec`)."""
    layout = dict(
        title=dict(text=title, x=0, xanchor="left"),
        margin=dict(l=10, r=10, t=60 if title else 30, b=10),
        uniformtext=dict(minsize=MIN_FONT, mode="hide"),
    )
    if height is not None:
        layout["height"] = height
    return layout

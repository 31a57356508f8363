"""Phone width (390 px) as a first-class layout: the one design every page follows.

The server never learns the screen's width (a user agent says little, and a rotated phone or a narrow
desktop column changes it anyway), so nothing here sniffs the device. Instead:

1. **Figures that are readable at any width down to ~358 px** (a 390 px phone less the page's padding):
   fonts of at least 11 px (never below 10, which the phone tests measure), short in-chart titles (a long
   title goes into the markdown above the chart, where it reflows), tick labels that fit or are slanted
   (-90° for word labels of dense matrices), legends below the plot, panels stacked rather than side by
   side, and no ``<sub>``/``<sup>`` in small text (plotly draws them at 70 %: write ``d_k``, ``QKᵀ``).
   ``figures.style.base_layout`` hides bar labels that plotly would shrink below 11 px.
2. **Dense text hidden by CSS where it cannot fit**, never shrunk: :func:`fit_box` wraps a chart in a
   keyed container and adds a CSS container query for it that hides its heatmap cell values, and its x
   tick labels, below the chart width from which they fit (estimated by :mod:`figures.fit` from the
   figure itself). So the same chart shows every number on a desktop and hides them on a phone. The values
   stay readable by tapping a cell (plotly's hover) and in the page's tables; a clickable heatmap's
   detail panel says the same. Use :func:`chart` (or ``with fit_box(fig, key): ...`` around your own
   plotting call) for every heatmap that writes values in its cells or labels its columns with words.
3. **Wide equations, tables and code scroll sideways inside themselves, with a visible cue**: display
   equations (KaTeX), markdown tables, ``st.table``, code blocks and data grids get edge shadows on the
   side where more content is hidden (CSS scroll-driven animations: exact, and nothing shows when the
   content fits). Where a browser lacks them (iOS Safari before 26) equations, tables and code get the
   classic "scroll shadows" instead: gradients that the scrolled content covers at its ends, in the
   colours of Streamlit's light or dark theme as the system chooses them (a theme picked against the
   system in Streamlit's menu shows the covers as faint bands; the cue stays right).
4. **No toolbar over a chart on a touch screen**: plotly's mode bar (zoom, pan, PNG: hover tools) is
   always shown there and would cover the chart's title, so it is hidden where the screen cannot hover;
   a tap on the chart still shows a value, and Streamlit's full-screen button stays.
5. **Long pages are outlines of collapsible sections** (``st.expander``): a phone shows the list of
   sections first. A section opens by itself when the link sets one of its settings to a non-default
   value (:func:`opened_by_link`), so a teacher's link shows the view it was copied from.

Call :func:`apply` once near the top of every page (after ``setup_page``). The phone-width browser tests
(``tests/browser/layout_metrics.py``) measure what this promises: no chart text below 10 px, no
overlapping chart text, nothing wider than the viewport outside a scroll container, and a cue on every
scroll container that scrolls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import plotly.graph_objects as go
import streamlit as st

from figures.fit import fixed_cell_font, values_fit_from, x_labels_fit_from, y_labels_fit_from
from ui.state import PageState

_SCROLLERS = (
    '[data-testid="stMarkdownContainer"] .katex-display',
    '[data-testid="stMarkdownContainer"] table',
    '[data-testid="stTable"] > div',
    '[data-testid="stCode"] pre',
    '[data-testid="stTabs"] [role="tablist"]',
)
_SHADOW = "rgba(128, 128, 128, 0.55)"  # visible on the light and the dark theme


def _css() -> str:
    scrollers = ", ".join(_SCROLLERS)
    shadows = (f"radial-gradient(farthest-side at 0 50%, {_SHADOW}, transparent), "
               f"radial-gradient(farthest-side at 100% 50%, {_SHADOW}, transparent)")
    return f"""<style>
[data-testid="stMarkdownContainer"] table {{ display: block; max-width: 100%; overflow-x: auto; }}
[data-testid="stMarkdownContainer"] :is(th, td):first-child {{ min-width: min(11em, 45vw); }}  /* no 1-word lines */
[data-testid="stMarkdownContainer"] .katex-display {{ padding-inline: 4px; }}  /* KaTeX's glyphs overhang ~2 px */
{scrollers}, .dvn-scroller {{
  background-image: {shadows};
  background-position: left center, right center; background-repeat: no-repeat; background-size: 0 100%, 0 100%;
}}
@supports (animation-timeline: scroll()) {{
  {scrollers}, .dvn-scroller {{ animation: ae-scroll-cue linear both; animation-timeline: scroll(self inline); }}
}}
@keyframes ae-scroll-cue {{ from {{ background-size: 0 100%, 16px 100%; }} to {{ background-size: 16px 100%, 0 100%; }} }}
@supports not (animation-timeline: scroll()) {{
  :root {{ --ae-page: #ffffff; --ae-code: #fcfcfb; }}
  @media (prefers-color-scheme: dark) {{ :root {{ --ae-page: #0e1117; --ae-code: #1a1c24; }} }}
  {scrollers} {{
    background-image: linear-gradient(to right, var(--ae-page) 40%, transparent),
      linear-gradient(to left, var(--ae-page) 40%, transparent), {shadows};
    background-position: left center, right center, left center, right center;
    background-size: 32px 100%, 32px 100%, 16px 100%, 16px 100%;
    background-attachment: local, local, scroll, scroll;
  }}
  [data-testid="stCode"] pre {{
    background-image: linear-gradient(to right, var(--ae-code) 40%, transparent),
      linear-gradient(to left, var(--ae-code) 40%, transparent), {shadows};
  }}
}}
[class*="st-key-fit-"] {{ container-type: inline-size; }}
@media (hover: none) {{ .js-plotly-plot .modebar-container {{ display: none; }} }}
</style>"""


def apply() -> None:
    """Add the app's responsive CSS to the page (a style-only element: it takes no space)."""
    st.html(_css())


def _hide_below(fig: go.Figure, key: str) -> str:
    """CSS that hides ``fig``'s cell values, x tick labels and (square maps) y tick labels in container ``key``
    below the widths they need."""
    rules = []
    for width, what in ((values_fit_from(fig), ".heatmap-label"),
                        (x_labels_fit_from(fig), 'g[class^="x"][class$="tick"]:not([class*="cb"]) > text'),
                        (y_labels_fit_from(fig), 'g[class^="y"][class$="tick"]:not([class*="cb"]) > text')):
        if width:  # x ticks: "xtick", "x2tick"; not a colour bar's ("xcb…tick")
            rules.append(f"@container (max-width: {width - 0.02}px) {{ .st-key-{key} {what} {{ display: none; }} }}")
    return "<style>" + "\n".join(rules) + "</style>" if rules else ""


@contextlib.contextmanager
def fit_box(fig: go.Figure, name: str) -> Iterator[None]:
    """``with fit_box(fig, "weights"): <draw fig>``: its dense text is hidden where it cannot fit.

    Also fixes the size of the cell values (plotly would otherwise shrink them to fit, to 5 px on a phone).
    ``name``: unique on the page, letters, digits, ``_`` and ``-`` only (it becomes a CSS class).
    """
    fixed_cell_font(fig)
    key = f"fit-{name}"
    css = _hide_below(fig, key)
    if css:
        st.html(css)  # style only: Streamlit adds it without taking space
    with st.container(key=key):
        yield


def chart(fig: go.Figure, key: str, **kwargs) -> None:
    """``st.plotly_chart(fig, width="stretch", key=key, **kwargs)`` inside :func:`fit_box`."""
    with fit_box(fig, key):
        st.plotly_chart(fig, width="stretch", key=key, **kwargs)


def opened_by_link(state: PageState, sections: dict[str, Iterable[str]]) -> dict[str, bool]:
    """Which sections start open: those whose parameters (``sections[label]``) the page's link set to a
    non-default value. Decided once per session and page, so a section never jumps open or shut later."""
    remembered = st.session_state.setdefault("_opened_by_link", {})
    if state.page not in remembered:
        changed = {name for name, p in state.params.items() if state[name] != p.default}
        remembered[state.page] = {label: bool(changed & set(names)) for label, names in sections.items()}
    return remembered[state.page]

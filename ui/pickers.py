"""Selectboxes that pick a position in the current input (a word, a token) and always name its words.

Why a helper: a keyed selectbox over ``range(n)`` keeps its widget id when the sentence changes (the
options are the same ints, only ``format_func``'s labels differ), so Streamlit's front-end keeps showing
the label it drew last ("7: it") while the script computes the pair of the new sentence; it even sends
that old label back on the next rerun. :func:`word_picker` re-sets the value from code whenever the
labels change, which makes Streamlit send the current label to the browser (AppTest cannot see this:
tests/browser/test_heatmap_browser.py checks the shown label).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from ui.state import PageState

_SHOWN = "_picker_labels"  # session_state[_SHOWN][widget key] = the labels the browser was last sent


def position(value: Any) -> int:
    """A row/column/head index read from session_state, whatever shape it arrived in.

    A selectbox whose labels contain words (``"7: it"``) may send an old label back after the sentence
    changes; Streamlit then hands that string over instead of the index. Read the index from it.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return max(int(value), 0)
    found = re.search(r"\d+", str(value))
    return int(found.group()) if found else 0


def normalise_positions(state: PageState, names: Sequence[str] = ("row", "col", "head")) -> None:
    """Turn each position parameter back into an int before any widget or mode reads it."""
    for name in names:
        value = state[name]
        if position(value) != value or isinstance(value, bool):
            state.set(name, position(value))


def clamp_positions(state: PageState, names: Sequence[str], n: int) -> None:
    """Each position parameter as an int in 0..n-1 (call it before drawing anything that uses them)."""
    for name in names:
        value = min(position(state[name]), max(n - 1, 0))
        if value != state[name] or isinstance(state[name], bool):
            state.set(name, value)


def word_picker(container, label: str, labels: Sequence[str], state: PageState, name: str, **kwargs) -> int:
    """A selectbox over positions 0..len(labels)-1 bound to ``state[name]``, showing ``labels``.

    Whenever the labels differ from the ones the browser was last sent (a new sentence, another mode, a
    preset), the value is set again from code, so the browser redraws the current label. Returns the
    picked position, clamped to the labels.
    """
    key = state.key(name)
    labels = tuple(str(label_) for label_ in labels)
    value = min(position(state[name]), max(len(labels) - 1, 0))
    shown = st.session_state.setdefault(_SHOWN, {})
    if shown.get(key) != labels or st.session_state.get(key) != value:
        state.set(name, value)  # a value set from code: Streamlit sends its label to the browser
    shown[key] = labels
    return container.selectbox(label, range(len(labels)), format_func=labels.__getitem__, key=key, **kwargs)

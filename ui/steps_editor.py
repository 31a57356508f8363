"""An editable matrix (st.data_editor) that refuses bad cells and keeps the last valid values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

LIMIT = 100.0  # |value| above this is refused: exp() of such scores saturates every softmax


def validate(edited: pd.DataFrame, shape: tuple[int, int], limit: float = LIMIT) -> tuple[np.ndarray | None, str]:
    """``(matrix, "")`` for a good table, ``(None, message)`` for empty, text, NaN/inf or huge cells."""
    if edited.shape != shape:
        return None, f"The matrix must stay {shape[0]} × {shape[1]}."
    values = edited.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        return None, f"Cell ({edited.index[i]}, {edited.columns[j]}) is empty or not a number. Keeping the last valid values."
    huge = np.abs(values) > limit
    if huge.any():
        i, j = np.argwhere(huge)[0]
        return None, (
            f"Cell ({edited.index[i]}, {edited.columns[j]}) = {values[i, j]:.3g} is too large: keep values within "
            f"±{limit:g}. Keeping the last valid values."
        )
    return values.astype(np.float32), ""


def matrix_editor(
    name: str, signature: str, base: np.ndarray, rows: Sequence[str], cols: Sequence[str]
) -> np.ndarray:
    """Edit ``base``; returns the edited matrix, or the last valid one (with an error shown) for bad input.

    The widget's key is ``f"{name}.{signature}"``: a new ``signature`` (new seed, size or "reset") gives a
    fresh editor on the new ``base``, because edits belong to one base matrix. The last valid values
    are kept in ``session_state[f"{name}.valid"]`` as ``(signature, matrix)``, one entry per matrix.
    """
    key, valid_key = f"{name}.{signature}", f"{name}.valid"
    last = st.session_state.get(valid_key)
    if last is None or last[0] != signature:
        st.session_state[valid_key] = last = (signature, base)
    # float64 of the float32 values, rounded: 0.9f shows as 0.9 (not 0.8999999761) and reads back as 0.9f
    frame = pd.DataFrame(np.asarray(base, dtype=float).round(6), index=list(rows), columns=list(cols))
    edited = st.data_editor(
        frame,
        key=key,
        width="stretch",
        num_rows="fixed",
        column_config={c: st.column_config.NumberColumn(c) for c in frame.columns},
    )
    matrix, problem = validate(edited, base.shape)
    if problem:
        st.error(problem, icon="⚠️")
        return last[1]
    st.session_state[valid_key] = (signature, matrix)
    return matrix

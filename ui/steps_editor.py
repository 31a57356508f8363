"""An editable matrix (st.data_editor) that refuses bad cells and keeps the last valid values.

What the browser sends is untrusted: a crafted message can name a row or column that does not exist,
which would crash ``st.data_editor`` itself. :func:`edit_state_problem` checks the message first; a bad
one is dropped (with a warning) by starting a fresh editor on the last committed values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ui.matrix_param import Cell, cells_of
from ui.state import PageState
from ui.steps_code import EDITABLE

LIMIT = 100.0  # |value| above this is refused: exp() of such scores saturates every softmax
LETTERS = dict(zip(EDITABLE, "xqkv", strict=True))  # each editable matrix's letter in the URL (ui.matrix_param)
_OWNER = "steps.edits_for"  # session_state: the signature of the base matrices the kept edits belong to
_EDITOR_ERRORS = (IndexError, KeyError, ValueError, TypeError, AttributeError)  # from applying bad edits


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


def edit_state_problem(state: Any, n_rows: int, columns: Sequence[str]) -> str:
    """Why a data editor's state (as the browser sent it) cannot belong to an ``n_rows`` × ``columns``
    table with fixed rows; ``""`` when every edit names an existing cell. The reason never quotes the
    message (it is shown to the student, and the message is untrusted)."""
    if state is None:
        return ""
    if not isinstance(state, dict):
        return "it is not a table edit"
    if state.get("added_rows") or state.get("deleted_rows"):
        return "it adds or deletes rows, and these matrices have a fixed size"
    edited = state.get("edited_rows") or {}
    if not isinstance(edited, dict):
        return "it is not a table edit"
    for row, changes in edited.items():
        if isinstance(row, bool) or not str(row).isdigit() or int(row) >= n_rows:
            return "it names a row that does not exist"
        if not isinstance(changes, dict):
            return "it is not a table edit"
        for column in changes:
            if column not in columns:
                return "it names a column that does not exist"
    return ""


def matrix_editor(
    name: str, signature: str, start: np.ndarray, rows: Sequence[str], cols: Sequence[str]
) -> np.ndarray:
    """Edit a matrix that starts at ``start``; returns the edited matrix, or the last valid one (with an
    error shown) for bad input.

    The widget's key is ``f"{name}.{signature}.{n}"``: a new ``signature`` (new seed, size or "reset")
    gives a fresh editor, because edits belong to one base matrix; ``n`` counts editors dropped because
    the browser sent an impossible edit. ``start`` is read only when a new editor widget is made (first
    run, a new key, or back from another page, where Streamlit has forgotten the widget): later edits
    are the widget's own, relative to the table it was made with. The last valid values are kept in
    ``session_state[f"{name}.valid"]`` as ``(key, matrix)``.
    """
    frame_cols, frame_rows = list(cols), list(rows)
    key = f"{name}.{signature}.{st.session_state.get(f'{name}.dropped', 0)}"
    problem = edit_state_problem(st.session_state.get(key), len(frame_rows), frame_cols)
    if problem:
        key = _drop_editor(name, signature, problem)
    held = st.session_state.get(f"{name}.start")
    if held is None or held[0] != key or key not in st.session_state:
        held = st.session_state[f"{name}.start"] = (key, np.asarray(start, dtype=np.float32))
    last = st.session_state.get(f"{name}.valid")
    if last is None or last[0] != key:
        last = st.session_state[f"{name}.valid"] = (key, held[1])
    frame = pd.DataFrame(_shown(held[1]), index=frame_rows, columns=frame_cols)
    try:
        edited = _editor(frame, key)
    except _EDITOR_ERRORS as err:  # a malformed edit that edit_state_problem did not foresee
        key = _drop_editor(name, signature, f"it could not be applied ({type(err).__name__})")
        st.session_state[f"{name}.start"] = st.session_state[f"{name}.valid"] = (key, last[1])
        edited = _editor(pd.DataFrame(_shown(last[1]), index=frame_rows, columns=frame_cols), key)
    matrix, problem = validate(edited, held[1].shape)
    if problem:
        st.error(problem, icon="⚠️")
        return st.session_state[f"{name}.valid"][1]
    st.session_state[f"{name}.valid"] = (key, matrix)
    return matrix


def _shown(matrix: np.ndarray) -> np.ndarray:
    """float64 values that show as the float32 values' shortest text (0.9f as 0.9, not 0.8999999761) and
    read back as exactly the same float32, so an untouched cell never differs from its start."""
    return np.array([[float(str(v)) for v in row] for row in np.asarray(matrix, dtype=np.float32)])


def _editor(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return st.data_editor(
        frame,
        key=key,
        width="stretch",
        num_rows="fixed",
        column_config={c: st.column_config.NumberColumn(c) for c in frame.columns},
    )


def _drop_editor(name: str, signature: str, why: str) -> str:
    """Count one more dropped editor for ``name``, warn, and return the key of its fresh replacement."""
    dropped = st.session_state[f"{name}.dropped"] = st.session_state.get(f"{name}.dropped", 0) + 1
    st.warning(f"An edit of this matrix was ignored: {why}. The table shows the last valid values.", icon="⚠️")
    return f"{name}.{signature}.{dropped}"


def edits_for(state: PageState, name: str, signature: str) -> tuple[Cell, ...]:
    """The kept edits (parameter ``name``: the URL's on a first visit, else this session's) if they belong
    to the base matrices of ``signature``; a new seed, size, preset or "reset" drops them."""
    owner = st.session_state.get(_OWNER)
    if owner is not None and owner != signature:
        state.set(name, ())
    st.session_state[_OWNER] = signature
    return state[name]


def edited_cells(matrices: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> tuple[Cell, ...]:
    """Every cell where a matrix differs from its base: ``matrices`` maps a name of :data:`LETTERS` to
    ``(matrix, base)``."""
    return tuple(cell for name, (m, base) in matrices.items() for cell in cells_of(LETTERS[name], m, base))

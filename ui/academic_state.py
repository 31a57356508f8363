"""The Academic page's URL parameters, and its sentence parameter, stable when a link is reopened."""

from __future__ import annotations

from ui.exercises import exercise_params
from ui.state import ChoiceParam, IntParam, PageState, TextParam

MAX_SEED = 999_999
MAX_WORDS = 16  # the sentence experiments draw T x T heatmaps: readable up to 16 words
MAX_TEXT = 500  # characters of the sentence box
DEFAULT_TEXT = "The animal didn't cross the street because it was too tired."
VIEWS = {"weights": "Attention weights", "scores": "Scores QKᵀ/√d_k"}
OTHERS = {"separate": "Separate random W_Q, W_K, W_V", "shared": "One shared random W (W_Q = W_K = W_V)"}
MASKS = {"none": "No mask", "causal": "Causal", "padding": "Padding", "both": "Causal + padding"}


def academic_state() -> PageState:
    """The page's parameters, in the order they appear on the page."""
    return PageState(
        "academic",
        [
            IntParam("d_k", 64, 1, 1024),
            IntParam("keys", 16, 2, 64),
            IntParam("seed", 0, 0, MAX_SEED),
            TextParam("text", DEFAULT_TEXT, max_len=MAX_TEXT),  # cut, then stripped: a stable link
            IntParam("d_model", 16, 2, 64),
            ChoiceParam("other", "separate", tuple(OTHERS)),
            ChoiceParam("view", "weights", tuple(VIEWS)),
            IntParam("heads", 2, 1, 4),
            ChoiceParam("mask", "causal", tuple(MASKS)),
            IntParam("pad", 2, 0, 4),
            IntParam("row", 7, 0, MAX_WORDS - 1),
            IntParam("big", 100, 1, 1000),
            *exercise_params(),
        ],
    )

"""Heatmap: how much each word attends to every other word."""

import streamlit as st

from figures.style import SCALE_LABELS, SCALES
from ui import heatmap_pretrained, heatmap_random, lesson, responsive
from ui.exercises import exercise_params, render_exercises
from ui.heatmap_common import TEXT_MAX_CHARS
from ui.layout import setup_page
from ui.pickers import normalise_positions
from ui.state import BoolParam, ChoiceParam, TextParam

setup_page("Heatmap", "🔥")
responsive.apply()

PRESETS = {
    "The animal didn't cross the street because it was too tired.": "What does “it” refer to?",
    "Apple is delicious.": "Apple the fruit…",
    "Apple released a new product.": "…or Apple the company?",
    "The keys to the cabinet are on the table.": "A verb agreeing with a distant subject",
    "I saw the man with the telescope.": "Who has the telescope?",
}
DEFAULT_TEXT = next(iter(PRESETS))
MODES = {"random": "Random weights (untrained)", "pretrained": "Pretrained model (all-MiniLM-L6-v2)"}

state = heatmap_random.HeatmapState(
    "heatmap",
    [
        TextParam("text", DEFAULT_TEXT, max_len=TEXT_MAX_CHARS),
        ChoiceParam("mode", "random", tuple(MODES)),
        *heatmap_random.PARAMS,
        *heatmap_pretrained.PARAMS,
        ChoiceParam("scale", "blues", tuple(SCALES)),
        BoolParam("auto", False),
        BoolParam("values", True),
        *exercise_params(),
    ],
)
state.restore()
normalise_positions(state)
heatmap_pretrained.follow_tour(state)  # a link may open a tour stop: before the widgets
heatmap_random.follow_sentence(state)  # a new sentence uses all its words


def use_preset() -> None:
    choice = st.session_state.get("heatmap.preset")
    if choice in PRESETS:
        state.set("text", choice)


# The example box names an example only while the sentence is that example, so picking it again loads it.
shown_preset = state["text"] if state["text"] in PRESETS else None
if st.session_state.get("heatmap.preset", "unset") != shown_preset:
    st.session_state["heatmap.preset"] = shown_preset


st.title("🔥 Attention heatmap")
lesson.opening("Heatmap", state)
st.markdown(
    "Type a sentence and see, for every word (a **row**), how much attention it pays to every word "
    "(the **columns**). Darker cells carry more weight; each row adds up to 1. Click a cell, or pick a "
    "word below, to see exactly how its number was computed."
)

text_col, preset_col = st.columns([3, 2])
text_col.text_input("Sentence", key=state.key("text"), max_chars=TEXT_MAX_CHARS)
preset_col.selectbox(
    "…or try an example",
    list(PRESETS),
    index=None,
    placeholder="Pick a sentence that teaches something",
    format_func=lambda s: f"{PRESETS[s]}  ({s})",
    key="heatmap.preset",
    on_change=use_preset,
)
st.radio("Mode", list(MODES), format_func=MODES.get, key=state.key("mode"), horizontal=True,
         captions=["Random numbers: the mechanism, step by step", "A trained encoder: what it learned to look at"])

controls, canvas = st.columns([1, 2.3], gap="large")
render = heatmap_pretrained.render if state["mode"] == "pretrained" else heatmap_random.render
opened = responsive.opened_by_link(state, heatmap_random.SECTIONS | heatmap_pretrained.SECTIONS)
with st.container():  # what varies with the mode and the input: the sections after it keep their place (and state)
    render(state, state["text"], controls, canvas, opened)

with controls.expander("Display", expanded=False):
    st.selectbox("Colour scale", list(SCALES), format_func=SCALE_LABELS.get, key=state.key("scale"),
                 help="All three are colour-blind safe and run light (low) to dark (high).")
    st.toggle("Values in cells", key=state.key("values"), help="Hidden automatically above 20 × 20 words.")
    st.toggle("Auto-scale colours", key=state.key("auto"),
              help="Off: the colour range is fixed to 0..1, so heatmaps can be compared.")

render_exercises(state)
lesson.closing("Heatmap", state)
state.sync()

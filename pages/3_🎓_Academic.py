"""Academic: the formal treatment of attention, each claim a formula or an experiment run on `attention`.

Each section lives in ``ui/academic_*.py``; this script only orders them and keeps the URL in step.
"""

import numpy as np
import streamlit as st

from ui import academic_caveats, academic_complexity, academic_heads, academic_projections, academic_scaling
from ui.academic_state import MAX_SEED, academic_state
from ui.academic_text import definition, references, summary
from ui.exercises import render_exercises
from ui.layout import setup_page

setup_page("Academic", "🎓")
state = academic_state()
state.restore()


def new_seed() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


st.title("🎓 Attention, formally")
st.markdown(
    "The precise version, for readers who like equations. Every statement below is either a formula, a "
    "result from the cited literature, or an experiment that runs right here on the app's numpy package "
    "`attention`; change the sliders and the evidence is recomputed in front of you."
)
definition()
academic_scaling.render(state, new_seed)
sentence = academic_projections.render(state)  # None when the sentence box is empty
academic_heads.render(state, sentence)
academic_complexity.render()
academic_caveats.render(state, sentence)
summary()
render_exercises(state)
references()

state.sync()

"""Academic: the formal treatment of attention, each claim a formula or an experiment run on `attention`.

Each section lives in ``ui/academic_*.py``; this script only orders them, as collapsible sections (a phone
shows the outline first; see ``ui/responsive.py``), and keeps the URL in step.
"""

import numpy as np
import streamlit as st

from ui import (
    academic_caveats,
    academic_complexity,
    academic_heads,
    academic_projections,
    academic_scaling,
    lesson,
    responsive,
)
from ui.academic_state import MAX_SEED, academic_state
from ui.academic_text import definition, references, summary
from ui.exercises import render_exercises
from ui.layout import setup_page

setup_page("Academic", "🎓")
responsive.apply()
state = academic_state()
state.restore()

# Section titles and the URL parameters set inside each: a link that changes one opens its section.
SECTIONS = {
    "1 · Scaled dot-product attention": (),
    "2 · Why divide by √d_k? An experiment": ("d_k", "keys", "seed"),
    "3 · Why three separate matrices? An experiment": ("text", "d_model", "other", "view"),
    "4 · Multi-head attention and masking": ("heads", "mask", "pad"),
    "5 · Computational complexity": (),
    "6 · Caveats worth knowing": ("row", "big"),
    "8 · References": (),
}
opened = responsive.opened_by_link(state, SECTIONS)


def section(title: str):
    return st.expander(f"**{title}**", expanded=opened[title])


def new_seed() -> None:
    state.set("seed", int(np.random.default_rng().integers(0, MAX_SEED + 1)))


st.title("🎓 Attention, formally")
lesson.opening("Academic", state)
st.markdown(
    "The precise version, for readers who like equations. Every statement below is either a formula, a "
    "result from the cited literature, or an experiment that runs right here on the app's numpy package "
    "`attention`; change the sliders and the evidence is recomputed in front of you. Open a section to read it."
)
titles = iter(SECTIONS)
with section(next(titles)):
    definition()
with section(next(titles)):
    academic_scaling.render(state, new_seed)
with section(next(titles)):
    sentence = academic_projections.render(state)  # None when the sentence box is empty
with section(next(titles)):
    academic_heads.render(state, sentence)
with section(next(titles)):
    academic_complexity.render()
with section(next(titles)):
    academic_caveats.render(state, sentence)
st.subheader("7 · Summary")
summary()
render_exercises(state)
with section(next(titles)):
    references()

lesson.closing("Academic", state)
state.sync()

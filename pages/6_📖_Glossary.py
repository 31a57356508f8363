"""Glossary: every term the app uses, in plain words, with the pages where it appears."""

import streamlit as st

from ui import lesson
from ui.exercises import exercise_params, render_exercises
from ui.glossary import render
from ui.layout import setup_page
from ui.state import PageState, TextParam

setup_page("Glossary", "📖")

state = PageState("glossary", [TextParam("q", "", max_len=80), *exercise_params()])
state.restore()

st.title("📖 Glossary")
lesson.opening("Glossary", state)
st.text_input("Search the glossary", key=state.key("q"), max_chars=80, placeholder="A word, e.g. softmax, d_k, mask",
              help="Finds the terms whose name or definition contains every word you type.")
render(state["q"])
render_exercises(state)
lesson.closing("Glossary", state)
state.sync()

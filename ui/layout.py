"""Page set-up and navigation shared by every page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import ui.preload  # noqa: F401 - first, once per process: what every session imports (issue 16)

ROOT = Path(__file__).resolve().parent.parent

APP_NAME = "Attention Explorer"

# (script path relative to streamlit_app.py, label, emoji icon, one-line description)
PAGES = [
    ("streamlit_app.py", "Home", "🏠", "What attention is, in plain English"),
    ("pages/1_🔥_Heatmap.py", "Heatmap", "🔥", "How much each word attends to every other word"),
    (
        "pages/2_🧱_Build_it_step_by_step.py",
        "Build it step by step",
        "🧱",
        "From embeddings to output, every number visible",
    ),
    ("pages/3_🎓_Academic.py", "Academic", "🎓", "The formal treatment, with experiments"),
    ("pages/4_📈_Complexity.py", "Complexity", "📈", "Measure attention's O(n²) cost live, and how FlashAttention avoids the O(n²) memory"),
    ("pages/5_🌍_Translation.py", "Translation", "🌍", "Two translators trained in numpy: one vector versus attention"),
    ("pages/6_📖_Glossary.py", "Glossary", "📖", "Every term the app uses, in plain words, and where it appears"),
]  # also the lesson's order (ui/lesson.py): Previous / Next follow this list


def url_path(label: str) -> str:
    """The page's path in the app's URL, as Streamlit derives it from the file name ("" for Home)."""
    path = next(p for p, name, *_ in PAGES if name == label)
    if "/" not in path:
        return ""
    return Path(path).stem.split("_", 2)[-1]  # "pages/2_🧱_Build_it_step_by_step.py" -> "Build_it_step_by_step"


def setup_page(title: str, icon: str) -> None:
    """First call of every page: browser tab title, icon and the wide layout."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=icon, layout="wide")
    with st.sidebar:  # our own navigation (config hides Streamlit's): readable labels, "Home" first
        st.markdown(f"### 🔎 {APP_NAME}")
        for step, (path, label, page_icon, _) in enumerate(PAGES, start=1):
            if (ROOT / path).exists():  # numbered in the lesson's order; the current page in bold, marked
                here = label == title
                st.page_link(path, label=f"**{step}. {label}** ◀" if here else f"{step}. {label}", icon=page_icon,
                             help="You are here" if here else None)
        st.caption("Every number on these pages is computed by the small numpy package `attention/`. "
                   "Each page's settings live in its URL: copy the link to share an exact view.")


def page_links(exclude: str | None = None) -> None:
    """A link to every page (except ``exclude``, a label), with its icon and description."""
    for path, label, icon, description in PAGES:
        if label != exclude and (ROOT / path).exists():
            st.page_link(path, label=f"**{label}**: {description}", icon=icon)

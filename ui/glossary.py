"""The Glossary page's body: the search result, one entry per term, each with links to its pages."""

from __future__ import annotations

import streamlit as st

from ui.glossary_terms import Term, search
from ui.layout import PAGES, url_path

ICONS = {label: icon for _, label, icon, _ in PAGES}


def pages_markdown(term: Term) -> str:
    """“Appears on: 🔥 Heatmap · 🧱 Build it step by step”, each a link to that page."""
    links = [f"[{ICONS[label]} {label}](./{url_path(label)})" for label in term.pages]
    return "Appears on: " + " · ".join(links)


def render(query: str) -> list[Term]:
    """Every term matching ``query`` (all of them when it is empty); returns the terms shown."""
    terms = search(query)
    if not terms:
        st.info(f"No term matches “{query}”. Try a shorter word, or clear the search box to see all "
                "terms.", icon="🔎")
        return terms
    st.caption(f"{len(terms)} term{'s' if len(terms) != 1 else ''}"
               + (f" matching “{query.strip()}”" if query.strip() else ", in the order the lesson meets them"))
    for term in terms:
        with st.container(border=True, key=f"term_{term.key}"):
            st.subheader(term.name, anchor=term.key)
            st.markdown(term.plain)
            st.caption(pages_markdown(term))
    return terms

"""Streamlit helpers shared by the pages: URL state, page set-up, common widgets."""

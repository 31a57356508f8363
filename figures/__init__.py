"""Plotly figure builders: numpy arrays in, ``go.Figure`` out, no streamlit inside."""

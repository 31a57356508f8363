"""“Share with your class”: the exact link of the current view, to copy, and a QR code of it.

The link is the browser's address of this page (``st.context.url``, without query) plus the page's URL
parameters as :meth:`PageState.url_values` writes them (defaults left out, so links stay short). The QR
code is drawn by the pure-Python ``segno`` library, on the server: no web service sees the link.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
import streamlit as st

from ui.layout import url_path
from ui.state import PageState

QR_SCALE = 12  # pixels per module: a 41-module code (a link of ~150 characters) is ~590 px with its border
QR_BORDER = 4  # the quiet zone the standard asks for, in modules


def view_link(state: PageState, label: str) -> str:
    """The link that opens this page with its current settings."""
    base = st.context.url or f"/{url_path(label)}"  # no browser (AppTest): the page's path alone
    query = urlencode(state.url_values())
    return f"{base}?{query}" if query else base


def qr_code(link: str) -> segno.QRCode | None:
    """The QR code of ``link``, or None when no QR code can hold it (about 2,900 bytes). Segno picks the
    smallest version that holds it and raises its error correction as far as that version allows; never a
    Micro QR code, which phone cameras do not read."""
    try:
        return segno.make(link, micro=False)
    except segno.DataOverflowError:
        return None


@st.cache_data(max_entries=128, show_spinner=False)
def qr_png(link: str) -> bytes | None:
    """``link``'s QR code as a PNG, black on white, with the quiet zone around it (None: too long for one)."""
    qr = qr_code(link)
    if qr is None:
        return None
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER, dark="#000000", light="#ffffff")
    return buffer.getvalue()


# The large code fills the dialog's width but never more than 70 % of the screen's height: all of it on a projector.
_LARGE_CSS = ("<style>.st-key-share_qr_large img {width: min(70vh, 80vw) !important; max-width: none !important; height: auto; "
              "display: block; margin: 0 auto;}</style>")


@st.dialog("Scan to open this view", width="large")
def _large(link: str) -> None:
    st.html(_LARGE_CSS)
    with st.container(key="share_qr_large"):
        st.image(qr_png(link), width="stretch", output_format="PNG")
    st.code(link, language=None, wrap_lines=True)


OPEN_KEY = "share_open"  # the share section's open state (the link and its QR code are built only while it is open)


def render(state: PageState, label: str) -> None:
    """The sidebar's share section (call it after the page's last widget). Its content is computed only while
    it is open: drawing a QR code on every run of every page was an eighth of the server's time (issue 16)."""
    section = st.expander("📲 Share with your class", key=OPEN_KEY, on_change="rerun")
    if not section.open:
        return
    link = view_link(state, label)
    with section:
        st.markdown("The exact link of what you see now (copy it with the icon at its right):")
        st.code(link, language=None, wrap_lines=True)
        png = qr_png(link)
        if png is None:
            st.caption(f"This link is {len(link):,} characters long, more than a QR code can hold. Share the link "
                       "itself, or shorten the sentence (or the edits) of this view.")
            return
        st.image(png, caption="Scan with a phone's camera to open this view.", width="stretch", output_format="PNG")
        if st.button("🔍 Show the QR code large (for a projector)", key="share_large", width="stretch"):
            _large(link)
        if len(link) > 300:
            st.caption(f"This link is {len(link):,} characters long (a long sentence, or many edits): the QR code "
                       "is dense, so show it large.")

"""The Complexity page's side of the measurement queue: ask, show the place or the live run, take the results.

The measurement itself runs in a process of its own, driven by the queue's worker thread
(:mod:`ui.complexity_queue`, :mod:`ui.complexity_process`). A session only
holds a ticket in its session state and reads the queue's status: whatever Streamlit raises inside
an ``st.*`` call here (a rerun, a stop, a closed tab), there is no lock to leak and no measurement to
interrupt. The page script calls :func:`request` when Run is pressed, :func:`show` where the status
belongs, and :func:`follow` as its very last call (the live view, without rerunning the page).
"""

from __future__ import annotations

import math

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.complexity_process import MeasuringProcess
from ui.complexity_queue import DONE, DROPPED, FAILED, LIVE, MeasurementQueue, QueueFull, Status, Ticket
from ui.complexity_run import Settings, time_budget_s

RESULTS_KEY = "complexity.results"  # session_state: this student's last results
TICKET_KEY = "complexity.ticket"  # session_state: this student's place in the queue (a Ticket), if any
NOTICE_KEY = "complexity.notice"  # session_state: (kind, text) about the last request that did not finish
DELIVERED_KEY = "complexity.delivered"  # session_state: a finished ticket to release once its results are drawn
POLL_S = 1.0  # the live view redraws at least this often (and so notices a rerun or a stop promptly)
NEWS_SHOWN = 4  # lines of "measured so far" in the live view


def _lease_s() -> float:
    """A run that takes this long has gone wrong: three times its time budget, plus a margin."""
    return 3 * time_budget_s() + 30


# One queue per server process, shared by every session (module state survives reruns); it measures
# in a process of its own (see ui.complexity_process for why).
QUEUE = MeasurementQueue(MeasuringProcess(), lease_s=_lease_s)


def _session_alive():
    """A check the queue can call from its thread: is this browser session still connected?"""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None  # AppTest and bare mode: the queue relies on the heartbeat alone
    server, session_id = runtime.get_instance(), ctx.session_id
    return lambda: server.is_active_session(session_id)


def request(settings: Settings) -> None:
    """Run was pressed: take (or keep) a place in the queue for ``settings``."""
    try:
        ticket = QUEUE.submit(settings, st.session_state.get(TICKET_KEY), alive=_session_alive())
    except QueueFull as full:
        st.session_state[NOTICE_KEY] = ("warning", f"The measurement queue is full: {full}. Press **Run "
                                                   "measurement** again in a minute.")
        return
    st.session_state[TICKET_KEY] = ticket
    st.session_state.pop(NOTICE_KEY, None)


def show(box) -> bool:
    """Draw this session's queue status (or its last notice) into ``box``; True while a request is live."""
    ticket: Ticket | None = st.session_state.get(TICKET_KEY)
    if ticket is not None:
        status = QUEUE.status(ticket)
        if status.state in LIVE:
            _draw(box, status)
            return True
        _take(ticket, status)  # it ended between two runs of this page
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        kind, text = notice
        getattr(box, kind)(text, icon={"error": "❌", "warning": "⏳"}.get(kind, "ℹ️"))
    return False


def follow(box) -> None:
    """The page's last call: keep ``box`` live until this session's request ends, then rerun the page."""
    delivered = st.session_state.pop(DELIVERED_KEY, None)
    if delivered is not None:  # its results are on screen now: the next run may start
        QUEUE.release(delivered)
    ticket: Ticket | None = st.session_state.get(TICKET_KEY)
    if ticket is None:
        return
    status, shown = QUEUE.status(ticket), None
    while status.state in LIVE:
        view = (status.state, status.place, status.fraction, status.text, status.news[-NEWS_SHOWN:],
                status.watchers, int(status.waited))
        if view != shown:  # at least once a second (the seconds waited): each st call checks for a rerun
            _draw(box, status)
            shown = view
        status = QUEUE.wait(ticket, status.version, timeout=POLL_S)
    _take(ticket, status)
    st.rerun()


def _take(ticket: Ticket, status: Status) -> None:
    """Store what the finished request left for this session, and give up the ticket."""
    st.session_state[TICKET_KEY] = None
    if status.state == DONE:
        st.session_state[RESULTS_KEY] = {**status.result, "watchers": status.watchers, "joined": status.joined}
        st.session_state.pop(NOTICE_KEY, None)
        st.session_state[DELIVERED_KEY] = ticket
        return
    QUEUE.release(ticket)
    if status.state == FAILED:
        st.session_state[NOTICE_KEY] = ("error", f"Your measurement did not finish: {status.error}. Press **Run "
                                                 "measurement** to try again.")
    elif status.state == DROPPED:
        st.session_state[NOTICE_KEY] = ("info", "Your place in the queue lapsed: when its turn came, this browser tab "
                                                "had lost its connection to the server. Press **Run measurement** to "
                                                "queue again.")


def _draw(box, status: Status) -> None:
    budget = status.settings.time_budget
    with box.container():
        if status.state == "queued":
            st.info(_queued_text(status, budget), icon="⏳")
        else:
            st.markdown(_running_text(status))
            st.progress(status.fraction, text=status.text or "Starting")
            if status.news:
                st.caption("Measured so far, live: " + " · ".join(status.news[-NEWS_SHOWN:]))
        if st.session_state.get(RESULTS_KEY) is not None:
            st.caption("The charts below are from your previous run: this one replaces them when it ends.")


def _queued_text(status: Status, budget: float) -> str:
    """Place, what runs first, and a bound on the wait, for a queued request."""
    if status.running_for and status.ahead == 1:
        ahead = "the measurement running now is the only one before yours"
    else:
        ahead = f"{status.ahead} measurement{'s run' if status.ahead > 1 else ' runs'} before yours"
        ahead += ", the one running now included" if status.running_for else ""
    eta = max(budget - status.running_for, 0.0) * (status.running_for > 0) + (status.place - 1) * budget
    text = (f"**You are number {status.place} in the queue** ({status.settings.describe()}): {ahead}. Each stops "
            f"after about {budget:g} s, so yours should start within about {math.ceil(eta + 1)} s "
            f"(waiting for {status.waited:.0f} s so far). Pressing **Run measurement** again keeps your place; "
            "the rest of the page works meanwhile.")
    if status.joined:
        text += (" Someone asked for the same sizes before you: when its turn comes you will both watch the same "
                 "run, live.")
    return text


def _running_text(status: Status) -> str:
    """Whose measurement is running, and who else is watching it."""
    others = status.watchers - 1
    if status.joined:
        return (f"👥 **Another student asked for the same sizes** ({status.settings.describe()}) just before you, and "
                "their measurement is running now: you are watching it live instead of waiting to repeat it. These "
                "timings are measured now, on this server, by the same code: as honest as a run of your own.")
    text = f"⏱️ **Measuring your sizes now** ({status.settings.describe()}), on this server."
    if others:
        text += (f" {others} other student{'s' if others > 1 else ''} asked for the same sizes meanwhile and "
                 f"{'are' if others > 1 else 'is'} watching this same run.")
    return text

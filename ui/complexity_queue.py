"""A fair first-come queue of measurements, shared by every session of one server process.

Thirty students pressing "Run measurement" together is a normal lesson. Timings are only honest
when one measurement runs at a time, so:

- requests run **one at a time, first come first served**, in one background worker thread owned
  by the queue (never in a student's script thread): a student's rerun, stop or closed tab cannot
  interrupt a measurement, and no lock is ever held across a Streamlit call;
- a student who asks for the **same settings** as a request that is queued or running joins it and
  sees its live progress and results (measured now, on this server) instead of repeating it;
- every waiting student can read their **place** in the queue at any moment (:meth:`status`);
- **no single failure can wedge it**: a runner that raises fails only its own request; one that
  runs past ``lease_s`` is abandoned (its request fails, a fresh worker serves the rest, and the
  old run is stopped at its next report); a request whose students have all disconnected is
  dropped when its turn comes; a worker that died is replaced on the next request.

Nothing here imports streamlit: the page (``ui.complexity_live``) draws what :meth:`status` says.
Results are never cached: a request that has finished is never joined, only a live one.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

QUEUED, RUNNING, DONE, FAILED, DROPPED = "queued", "running", "done", "failed", "dropped"
LIVE = (QUEUED, RUNNING)
_LOG = logging.getLogger(__name__)

# runner(settings, report) -> result; report(fraction, text, news=None) raises Abandoned once the
# queue has given up on the run (report(None) only checks that)
Runner = Callable[[Hashable, Callable[..., None]], Any]


class Abandoned(Exception):
    """Raised inside an abandoned run's ``report`` call, so that the run stops."""


class QueueFull(Exception):
    """Too many different requests are waiting; the message says how many."""


@dataclass(eq=False)
class _Request:
    id: int
    settings: Hashable
    submitted: float
    state: str = QUEUED
    started: float = 0.0
    finished: float = 0.0
    fraction: float = 0.0
    text: str = ""
    news: list[str] = field(default_factory=list)  # lines measured so far, newest last
    result: Any = None
    error: str = ""
    tickets: set[int] = field(default_factory=set)  # tickets waiting for it (or for their result)
    watchers: int = 0  # tickets that ever followed it: 1 + the students who joined


@dataclass(eq=False)
class Ticket:
    """One session's place in the queue: opaque to the caller, kept in its session state."""

    id: int
    request: _Request
    joined: bool  # joined a request someone else had made
    last_seen: float
    alive: Callable[[], bool] | None = None  # False once the session is gone (None: unknown)


@dataclass(frozen=True)
class Status:
    """What one ticket's student should see right now."""

    state: str  # QUEUED, RUNNING, DONE, FAILED or DROPPED
    settings: Hashable
    place: int  # 1 = next to start; 0 unless queued
    ahead: int  # requests that will run before this one, the running one included
    running_for: float  # seconds the current measurement has been running (0 if none)
    fraction: float  # progress of this ticket's request, 0..1
    text: str  # what it is measuring now
    news: tuple[str, ...]  # what it has measured so far
    watchers: int  # students following this request (the one who asked first included)
    joined: bool
    waited: float  # seconds since this ticket's request was submitted
    result: Any
    error: str
    version: int  # changes whenever anything shown here may have changed


class MeasurementQueue:
    """First-come queue with one worker thread; see the module docstring.

    Parameters
    ----------
    runner : callable
        ``runner(settings, report)`` runs one measurement in the worker thread and returns its
        result; it calls ``report(fraction, text, news=None)`` as it goes (``news``: one line of
        results to show live), or ``report(None)`` just to learn (by :class:`Abandoned`) that the
        queue has given up on it.
    lease_s : callable or float
        Longest a run may take before it is abandoned (a callable is read at each check, e.g.
        from the deployer's time budget).
    stale_s : float
        A queued request whose sessions have all disconnected (``alive``), or, for tickets without
        that check, gone unseen this long, is dropped when its turn comes.
    settle_s : float
        After a run, wait up to this long for its students to take their results before the next
        run starts (their page redraw would otherwise slow the next student's timings).
    max_waiting : int
        Most different requests waiting at once; beyond it :meth:`submit` raises :class:`QueueFull`.
    """

    def __init__(self, runner: Runner, *, lease_s: float | Callable[[], float] = 60.0, stale_s: float = 120.0,
                 settle_s: float = 2.0, max_waiting: int = 60, idle_s: float = 30.0):
        self._runner = runner
        self._lease = lease_s if callable(lease_s) else (lambda: lease_s)
        self.stale_s, self.settle_s, self.max_waiting, self.idle_s = stale_s, settle_s, max_waiting, idle_s
        self._cond = threading.Condition()  # guards everything below; never held across a run or a UI call
        self._pending: deque[_Request] = deque()
        self._current: _Request | None = None
        self._settling: _Request | None = None
        self._tickets: dict[int, Ticket] = {}
        self._ids = itertools.count(1)
        self._generation = 0  # bumped when a run is abandoned: the old worker must stop
        self._worker: threading.Thread | None = None
        self._version = 0
        self.runs = 0  # measurements started (for tests and load reports)

    # ------------------------------------------------------------------ for the page
    def submit(self, settings: Hashable, ticket: Ticket | None = None, *,
               alive: Callable[[], bool] | None = None) -> Ticket:
        """Ask for a measurement; returns the ticket to follow it with.

        The same ticket for the same settings keeps its place (pressing Run again is harmless);
        other settings leave the old place. A live request with the same settings is joined.
        """
        with self._cond:
            self._check_lease()
            now = time.monotonic()
            if ticket is not None and ticket.id in self._tickets:
                if ticket.request.settings == settings and ticket.request.state in LIVE:
                    ticket.last_seen, ticket.alive = now, alive or ticket.alive
                    return ticket
                self._leave(ticket)
            request = next((r for r in self._live() if r.settings == settings), None)
            joined = request is not None
            if request is None:
                if len(self._pending) >= self.max_waiting:
                    raise QueueFull(f"{len(self._pending)} different measurements are already waiting")
                request = _Request(next(self._ids), settings, now)
                self._pending.append(request)
            new = Ticket(next(self._ids), request, joined, now, alive)
            self._tickets[new.id] = new
            request.tickets.add(new.id)
            request.watchers += 1
            self._ensure_worker()
            self._changed()
            return new

    def status(self, ticket: Ticket) -> Status:
        """Where ``ticket`` stands; also tells the queue that its student is still watching."""
        with self._cond:
            self._check_lease()
            ticket.last_seen = time.monotonic()
            return self._status(ticket)

    def wait(self, ticket: Ticket, version: int, timeout: float) -> Status:
        """Block up to ``timeout`` s until something about the queue changes; then :meth:`status`."""
        with self._cond:
            self._cond.wait_for(lambda: self._version != version, timeout=timeout)
            self._check_lease()
            ticket.last_seen = time.monotonic()
            return self._status(ticket)

    def release(self, ticket: Ticket) -> None:
        """The ticket's student has its result (or gave up): forget the ticket."""
        with self._cond:
            if ticket.id in self._tickets:
                self._leave(ticket)
                self._changed()

    def snapshot(self) -> dict[str, Any]:
        """For tests and load reports: what runs, what waits (and how many follow each), runs started."""
        with self._cond:
            return {"running": self._current.settings if self._current else None,
                    "waiting": [r.settings for r in self._pending],
                    "followers": [len(r.tickets) for r in self._pending], "tickets": len(self._tickets),
                    "runs": self.runs}

    # ------------------------------------------------------------------ internals (hold self._cond)
    def _live(self):
        return ([self._current] if self._current else []) + list(self._pending)

    def _changed(self) -> None:
        self._version += 1
        self._cond.notify_all()

    def _leave(self, ticket: Ticket) -> None:
        del self._tickets[ticket.id]
        request = ticket.request
        request.tickets.discard(ticket.id)
        if request.state == QUEUED and not request.tickets:  # nobody wants it any more
            self._pending.remove(request)
            request.state = DROPPED

    def _status(self, ticket: Ticket) -> Status:
        request = ticket.request
        place = ahead = 0
        if request.state == QUEUED and request in self._pending:
            place = self._pending.index(request) + 1
            ahead = place - 1 + (self._current is not None)
        now = time.monotonic()
        return Status(request.state, request.settings, place, ahead,
                      now - self._current.started if self._current else 0.0, request.fraction, request.text,
                      tuple(request.news), request.watchers, ticket.joined, now - request.submitted,
                      request.result, request.error, self._version)

    def _check_lease(self) -> None:
        current = self._current
        if current is None or time.monotonic() - current.started <= self._lease():
            return
        current.state, current.finished = FAILED, time.monotonic()
        current.error = (f"it ran for more than {self._lease():.0f} s, far longer than its time budget, so the "
                         "server gave up on it (the machine may be overloaded)")
        _LOG.warning("measurement %s abandoned after its lease", current.id)
        self._forget(current)
        self._current = None
        self._generation += 1
        self._worker = None
        if self._pending:
            self._ensure_worker()
        self._changed()

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, args=(self._generation,),
                                            name="complexity-measurement", daemon=True)
            self._worker.start()

    def _next(self, generation: int) -> _Request | None:
        """The next request worth running (drops those nobody watches); waits while idle."""
        idle_since = time.monotonic()
        while generation == self._generation:
            self._check_lease()
            while self._pending:
                request = self._pending.popleft()
                watched = [t for t in map(self._tickets.get, request.tickets) if t and self._watching(t)]
                if watched:
                    return request
                request.state = DROPPED
                self._forget(request)
                self._changed()
            if time.monotonic() - idle_since > self.idle_s:
                self._worker = None
                return None
            self._cond.wait(timeout=min(1.0, self.idle_s))
        return None

    def _watching(self, ticket: Ticket) -> bool:
        """Still wanted: its session is connected (it may be on another page: its results wait for it),
        or, where that cannot be asked, its page asked about it within ``stale_s``."""
        if ticket.alive is None:
            return time.monotonic() - ticket.last_seen <= self.stale_s
        try:
            return bool(ticket.alive())
        except Exception:  # a session check that fails must not stop the queue
            return True

    def _settle(self, request: _Request, generation: int) -> None:
        deadline = time.monotonic() + self.settle_s
        while request.tickets and generation == self._generation and time.monotonic() < deadline:
            self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))
        self._forget(request)

    def _forget(self, request: _Request) -> None:
        """Drop the queue's record of a finished request's tickets (a session keeps its own ticket)."""
        for ticket_id in request.tickets:
            self._tickets.pop(ticket_id, None)
        request.tickets.clear()

    # ------------------------------------------------------------------ the worker thread
    def _work(self, generation: int) -> None:
        while True:
            with self._cond:
                request = self._next(generation)
                if request is None:
                    return
                request.state, request.started = RUNNING, time.monotonic()
                self._current = request
                self.runs += 1
                self._changed()
            outcome, value = FAILED, ""
            try:
                value, outcome = self._runner(request.settings, self._reporter(request, generation)), DONE
            except Abandoned:
                return
            except MemoryError:
                value = "the server ran out of memory during the measurement"
            except BaseException as exc:  # noqa: BLE001 - any failure fails this request only
                _LOG.exception("measurement %s failed", request.id)
                value = f"the measurement failed ({type(exc).__name__}: {exc})"
            with self._cond:
                if generation != self._generation:  # abandoned meanwhile: its request already failed
                    return
                request.state, request.finished, request.fraction = outcome, time.monotonic(), 1.0
                if outcome == DONE:
                    request.result = value
                else:
                    request.error = value
                self._current = None
                self._changed()
                self._settle(request, generation)

    def _reporter(self, request: _Request, generation: int) -> Callable[..., None]:
        def report(fraction: float | None, text: str = "", news: str | None = None) -> None:
            with self._cond:
                if generation != self._generation:
                    raise Abandoned
                if fraction is None:  # only asking whether the run is still wanted
                    return
                request.fraction, request.text = min(max(float(fraction), 0.0), 1.0), text
                if news:
                    request.news.append(news)
                self._changed()
        return report

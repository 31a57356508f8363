"""The measurement queue, without Streamlit: first come first served, joining, places, and no wedging.

Runners here are fakes gated by events, so every test decides exactly when a "measurement" ends;
waits are for conditions (with generous timeouts), never for a fixed time.
"""

from __future__ import annotations

import threading
import time

import pytest

from ui.complexity_queue import DONE, DROPPED, FAILED, QUEUED, RUNNING, MeasurementQueue, QueueFull

WAIT = 30  # seconds: only reached when a test is about to fail


class GatedRunner:
    """A fake measurement: records the order of runs, and each run waits for its gate (if any)."""

    def __init__(self):
        self.started: list = []
        self.gates: dict = {}
        self.lock = threading.Lock()

    def gate(self, settings) -> threading.Event:
        return self.gates.setdefault(settings, threading.Event())

    def __call__(self, settings, report):
        with self.lock:
            self.started.append(settings)
        report(0.5, f"measuring {settings}", news=f"{settings}: half done")
        gate = self.gates.get(settings)
        if gate is not None:
            assert gate.wait(WAIT), "a test forgot to open a gate"
        report(1.0, "done")
        return {"settings": settings, "run": len(self.started)}


def until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def finish(queue: MeasurementQueue, ticket):
    """Follow a ticket as the page does (wait for changes) until its request ends."""
    status = queue.status(ticket)
    deadline = time.monotonic() + WAIT
    while status.state in (QUEUED, RUNNING):
        assert time.monotonic() < deadline, status
        status = queue.wait(ticket, status.version, timeout=1.0)
    return status


@pytest.fixture
def runner():
    runner = GatedRunner()
    yield runner
    for gate in runner.gates.values():  # never leave a worker blocked
        gate.set()


def test_one_at_a_time_first_come_first_served_with_places(runner):
    queue = MeasurementQueue(runner, settle_s=0)
    runner.gate("a")
    a = queue.submit("a")
    until(lambda: queue.status(a).state == RUNNING)
    b, c, d = queue.submit("b"), queue.submit("c"), queue.submit("d")
    places = [queue.status(t) for t in (b, c, d)]
    assert [s.place for s in places] == [1, 2, 3] and [s.ahead for s in places] == [1, 2, 3]
    assert all(s.state == QUEUED and s.running_for >= 0 for s in places)
    running = queue.status(a)
    assert running.fraction == 0.5 and running.text == "measuring a" and running.news == ("a: half done",)
    runner.gate("a").set()
    assert [finish(queue, t).result["settings"] for t in (a, b, c, d)] == ["a", "b", "c", "d"]
    assert runner.started == ["a", "b", "c", "d"]  # never overtaken, never two at once


def test_pressing_again_keeps_the_place_and_new_settings_leave_it(runner):
    queue = MeasurementQueue(runner, settle_s=0)
    runner.gate("a")
    a = queue.submit("a")
    until(lambda: queue.status(a).state == RUNNING)
    b, c = queue.submit("b"), queue.submit("c")
    for _ in range(5):  # a student pressing Run again and again
        assert queue.submit("c", c) is c and queue.status(c).place == 2
    b2 = queue.submit("e", b)  # other settings: the old place is given up, the new one is at the back
    assert b2 is not b and queue.status(b).state == DROPPED
    assert queue.status(c).place == 1 and queue.status(b2).place == 2
    runner.gate("a").set()
    for t in (a, c, b2):
        assert finish(queue, t).state == DONE
    assert runner.started == ["a", "c", "e"]


def test_same_settings_join_the_live_run_and_share_its_result(runner):
    queue = MeasurementQueue(runner, settle_s=0)
    runner.gate("x"), runner.gate("y")
    first = queue.submit("x")
    until(lambda: queue.status(first).state == RUNNING)
    joined = queue.submit("x")  # the same sizes while it runs: watch it live
    queued = queue.submit("y")
    joined_queued = queue.submit("y")  # the same sizes while it waits: one run for both
    live = queue.status(joined)
    assert live.state == RUNNING and live.joined and live.news == ("x: half done",) and live.watchers == 2
    assert not queue.status(first).joined and queue.status(joined_queued).place == 1
    runner.gate("x").set()
    runner.gate("y").set()
    results = [finish(queue, t) for t in (first, joined, queued, joined_queued)]
    assert results[0].result is results[1].result and results[2].result is results[3].result
    assert runner.started == ["x", "y"]
    # a finished run is never joined: asking again measures anew
    again = queue.submit("x")
    assert finish(queue, again).result["run"] == 3


def test_a_failing_run_fails_only_its_own_request(runner):
    def flaky(settings, report):
        if settings == "boom":
            raise RuntimeError("broken")
        if settings == "oom":
            raise MemoryError
        return runner(settings, report)

    queue = MeasurementQueue(flaky, settle_s=0)
    tickets = [queue.submit(s) for s in ("boom", "oom", "fine")]
    boom, oom, fine = (finish(queue, t) for t in tickets)
    assert boom.state == FAILED and "RuntimeError: broken" in boom.error
    assert oom.state == FAILED and "ran out of memory" in oom.error
    assert fine.state == DONE and fine.result["settings"] == "fine"


def test_a_run_past_its_lease_is_abandoned_and_the_queue_goes_on(runner):
    queue = MeasurementQueue(runner, lease_s=0.3, settle_s=0)
    runner.gate("stuck")  # never opened during the test: a measurement that hangs
    stuck = queue.submit("stuck")
    waiting = queue.submit("next")
    assert finish(queue, waiting).state == DONE  # served although "stuck" never returned
    status = queue.status(stuck)
    assert status.state == FAILED and "gave up" in status.error
    runner.gate("stuck").set()  # the abandoned run ends at its next report and changes nothing
    until(lambda: runner.started.count("stuck") == 1 and queue.snapshot()["running"] is None)
    assert queue.status(stuck).state == FAILED
    assert finish(queue, queue.submit("after")).state == DONE


def test_requests_nobody_follows_are_dropped_when_their_turn_comes(runner):
    queue = MeasurementQueue(runner, settle_s=0, stale_s=60)
    runner.gate("a")
    a = queue.submit("a")
    until(lambda: queue.status(a).state == RUNNING)
    gone = queue.submit("gone", alive=lambda: False)  # its session has disconnected
    crashed = queue.submit("crashed", alive=lambda: 1 / 0)  # a session check that fails keeps the place
    elsewhere = queue.submit("elsewhere", alive=lambda: True)  # connected, on another page: never asks
    here = queue.submit("here", alive=lambda: True)
    queue.stale_s = 0  # "elsewhere" is unseen from now on, but its session is connected
    runner.gate("a").set()
    assert finish(queue, here).state == DONE and finish(queue, crashed).state == DONE
    assert queue.status(gone).state == DROPPED and elsewhere.request.state == DONE
    assert runner.started == ["a", "crashed", "elsewhere", "here"]


def test_a_stale_heartbeat_drops_a_queued_request(runner):
    queue = MeasurementQueue(runner, settle_s=0, stale_s=0.2)
    runner.gate("a")
    a = queue.submit("a")
    until(lambda: queue.status(a).state == RUNNING)
    silent = queue.submit("silent")
    seen = time.monotonic()
    until(lambda: time.monotonic() - seen > 0.3)  # nobody asks about "silent" for longer than stale_s
    runner.gate("a").set()
    assert finish(queue, a).state == DONE
    until(lambda: queue.snapshot()["waiting"] == [])
    assert silent.request.state == DROPPED and runner.started == ["a"]


def test_full_queue_says_so(runner):
    queue = MeasurementQueue(runner, settle_s=0, max_waiting=2)
    runner.gate("a")
    a = queue.submit("a")
    until(lambda: queue.status(a).state == RUNNING)
    queue.submit("b"), queue.submit("c")
    with pytest.raises(QueueFull, match="2 different measurements are already waiting"):
        queue.submit("d")
    assert queue.submit("b").request.settings == "b"  # joining a waiting request is always possible


def test_ten_students_pressing_at_once_all_get_results_in_order(runner):
    queue = MeasurementQueue(runner, settle_s=0)
    runner.gate("first")
    first = queue.submit("first")
    until(lambda: queue.status(first).state == RUNNING)
    settings = ["a", "b", "a", "c", "b", "d", "a", "e", "c", "f"]  # ten students, some asking alike
    barrier, tickets, statuses = threading.Barrier(10), [None] * 10, [None] * 10

    def student(i):
        barrier.wait()
        tickets[i] = queue.submit(settings[i])
        statuses[i] = queue.status(tickets[i])

    threads = [threading.Thread(target=student, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert all(s.state == QUEUED and s.place >= 1 for s in statuses)  # everyone has a clear place
    assert sorted({s.place for s in statuses}) == [1, 2, 3, 4, 5, 6]  # six different requests, no gaps
    runner.gate("first").set()
    done = [finish(queue, t) for t in tickets]
    assert all(s.state == DONE and s.result["settings"] == settings[i] for i, s in enumerate(done))
    assert len(runner.started) == 7 and sorted(runner.started[1:]) == list("abcdef")
    order = [runner.started.index(s) for s in settings]
    places = [statuses[i].place for i in range(10)]
    assert [o for _, o in sorted(zip(places, order))] == sorted(order)  # ran in the order of the places shown


def test_settle_waits_for_results_to_be_taken_before_the_next_run(runner):
    queue = MeasurementQueue(runner, settle_s=WAIT)
    a = queue.submit("a")
    b = queue.submit("b")
    assert finish(queue, a).state == DONE
    assert runner.started == ["a"] and queue.status(b).state == QUEUED  # a's student has not taken it yet
    queue.release(a)
    assert finish(queue, b).state == DONE


def test_worker_is_replaced_after_idling_out(runner):
    queue = MeasurementQueue(runner, settle_s=0, idle_s=0.05)
    assert finish(queue, queue.submit("a")).state == DONE
    until(lambda: queue._worker is None)  # the idle worker has gone
    assert finish(queue, queue.submit("b")).state == DONE

"""The measuring process: real measurements in a child, and every way a child can fail without harming
the server (an error, a crash, a hang past the lease)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from ui.complexity_process import MeasuringProcess
from ui.complexity_queue import DONE, FAILED, QUEUED, RUNNING, Abandoned, MeasurementQueue
from ui.complexity_run import Settings

SMALL = Settings((64, 128), 16, 1, (16, 32), memory_budget=2**30, time_budget=30.0)
HANG = [sys.executable, "-c", "import time; time.sleep(120)"]  # a child that never answers
CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]  # a child that dies at once


def reports():
    seen = []
    return seen, lambda fraction, text="", news=None: seen.append((fraction, text, news))


def test_a_real_measurement_runs_in_a_child_and_the_child_is_reused():
    runner = MeasuringProcess()
    try:
        seen, report = reports()
        result = runner(SMALL, report)
        assert list(result["table"]["method"]) == ["naive", "tiled", "rnn"] * 2
        assert (result["table"]["peak_mib"] > 0).all() and result["settings"]["ns"] == [64, 128]
        assert any(news and news.startswith("naive at n = 64, d = 16: ") for _, _, news in seen)
        assert seen[-1][0] == 1.0
        # an error inside the measurement is reported, and the same child serves the next run
        with pytest.raises(RuntimeError, match="ValueError"):
            runner(Settings((), 16, 1, (16,), 2**30, 30.0), report)
        assert runner(SMALL, report)["settings"]["d"] == 16
        assert runner.started == 1
    finally:
        runner.stop()


def test_a_crashed_child_fails_its_run_and_the_next_run_starts_a_fresh_one():
    runner = MeasuringProcess(CRASH)
    with pytest.raises(RuntimeError, match=r"stopped unexpectedly \(exit code 3\)"):
        runner(SMALL, reports()[1])
    with pytest.raises(RuntimeError, match="exit code 3"):
        runner(SMALL, reports()[1])
    assert runner.started == 2


def test_an_abandoned_run_kills_its_child():
    runner = MeasuringProcess(HANG)
    calls = []

    def report(fraction, text="", news=None):
        calls.append(fraction)
        raise Abandoned  # the queue has given up on this run

    with pytest.raises(Abandoned):
        runner(SMALL, report)
    assert calls == [None] and runner._process is None  # checked while waiting, then killed


def test_a_run_stuck_with_the_child_is_ended_by_the_next_run():
    """A run that still holds the child (its queue gave up on it, but it never heard) cannot block the next."""
    runner = MeasuringProcess(HANG)
    outcome = {}

    def stuck():
        try:
            runner(SMALL, lambda *args, **kwargs: None)  # never told to stop
        except RuntimeError as exc:
            outcome["stuck"] = str(exc)

    thread = threading.Thread(target=stuck)
    thread.start()
    while runner._process is None:
        time.sleep(0.01)
    with pytest.raises(Abandoned):  # the next run takes over the child slot, then is abandoned itself

        def report(fraction, text="", news=None):
            raise Abandoned

        runner(SMALL, report)
    thread.join(60)
    assert "stopped unexpectedly" in outcome["stuck"] and runner._process is None


def test_the_queue_survives_a_hanging_measurement():
    runner, lease = MeasuringProcess(HANG), {"s": 1.0}
    queue = MeasurementQueue(runner, lease_s=lambda: lease["s"], settle_s=0)
    stuck = queue.submit("stuck")
    deadline = time.monotonic() + 60
    status = queue.status(stuck)
    while status.state in (QUEUED, RUNNING):
        assert time.monotonic() < deadline
        status = queue.wait(stuck, status.version, timeout=0.5)
    assert status.state == FAILED and "gave up" in status.error
    while runner._process is not None:  # the abandoned run notices within POLL_S and kills its child
        assert time.monotonic() < deadline
        time.sleep(0.05)
    runner._command, lease["s"] = [sys.executable, "-m", "ui.complexity_process"], 60.0  # a working child next
    fine = queue.submit(SMALL)
    status = queue.status(fine)
    while status.state in (QUEUED, RUNNING):
        assert time.monotonic() < deadline
        status = queue.wait(fine, status.version, timeout=0.5)
    assert status.state == DONE and status.result["settings"]["ns"] == [64, 128]
    runner.stop()


def test_without_posix_pipes_it_measures_in_the_server(monkeypatch):
    monkeypatch.setattr("ui.complexity_process.IN_PROCESS", True)
    runner = MeasuringProcess(CRASH)  # never started
    assert runner(SMALL, reports()[1])["settings"]["ns"] == [64, 128] and runner.started == 0

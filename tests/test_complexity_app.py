"""The Complexity page under AppTest: first load, a small run, the server guards, the queue, URL state,
the step-through."""

from __future__ import annotations

import re
import threading
import time

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from ui import complexity_live
from ui.complexity_online import DEFAULT_SEED, STEPS
from ui.complexity_queue import QUEUED, RUNNING, Status
from ui.complexity_run import Settings
from ui.layout import PAGES

from .conftest import app_page, chart_specs, url_view

PAGE = "pages/4_📈_Complexity.py"
SMALL = {"n_min": "64", "n_max": "128", "d": "16"}
D_OPTIONS = (16, 32, 64, 128, 256)
WAIT = 60  # seconds: only reached when a test is about to fail


def titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


def params(at) -> dict[str, str]:
    """The page's URL parameters, without the exercise set number (random per session: tests/test_exercises_app.py)."""
    return {k: v for k, v in url_view(at, "complexity").items() if k != "ex"}  # defaults included


def table(at):
    return next(df.value for df in at.dataframe if "median (ms)" in df.value.columns)


@pytest.fixture(autouse=True)
def _default_budgets(monkeypatch):
    monkeypatch.delenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", raising=False)
    monkeypatch.delenv("ATTENTION_EXPLORER_TIME_BUDGET_S", raising=False)


def settings(n_min: int, n_max: int, d: int, heads: int = 1) -> Settings:
    """The Settings the page builds for these sizes (under the default budgets)."""
    return Settings.from_page([n for n in (64, 128, 256, 512, 1024) if n_min <= n <= n_max], d, heads, D_OPTIONS)


class Gates:
    """``blocker``: someone else's measurement holding the queue until the test opens it; ``d32``: any
    measurement at d = 32 (the tests' "someone else's sizes") also waits for its own gate."""

    def __init__(self):
        self.blocker, self.d32 = threading.Event(), threading.Event()


@pytest.fixture
def gates(monkeypatch):
    gates, real = Gates(), complexity_live.QUEUE._runner

    def runner(asked, report):
        if asked == "blocker":
            report(0.5, "Measuring someone else's sizes", news="someone else's first number")
            assert gates.blocker.wait(WAIT), "the test forgot to open the gate"
            return {}
        if asked.d == 32:
            report(0.1, "Measuring someone else's sizes", news="someone else's first number")
            assert gates.d32.wait(WAIT), "the test forgot to open the gate"
        return real(asked, report)

    monkeypatch.setattr(complexity_live.QUEUE, "_runner", runner)
    ticket = complexity_live.QUEUE.submit("blocker")
    until(lambda: complexity_live.QUEUE.status(ticket).state == RUNNING)
    yield gates
    gates.blocker.set()
    gates.d32.set()
    complexity_live.QUEUE.release(ticket)
    until(lambda: complexity_live.QUEUE.snapshot()["running"] is None and not waiting_settings())


def until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def press_run_in_background(at) -> threading.Thread:
    """Press Run in a session whose script then waits for the queue (as a student's browser does)."""
    thread = threading.Thread(target=lambda: at.button(key="complexity_run").click().run(timeout=WAIT), daemon=True)
    thread.start()
    return thread


def waiting_settings() -> list:
    return complexity_live.QUEUE.snapshot()["waiting"]


def test_page_description_claims_only_the_memory_escape():
    """FlashAttention escapes the O(n²) memory, not the O(n²·d) time."""
    (description,) = [p[3] for p in PAGES if p[1] == "Complexity"]
    assert "memory" in description and "escapes it" not in description


def test_first_load_shows_theory_and_reference_charts_before_any_run():
    at = app_page(PAGE).run()
    assert not at.exception
    shown = titles(at)
    assert any(t.startswith("Compute") for t in shown) and any(t.startswith("Memory") for t in shown)
    assert any("H100" in t for t in shown) and any("Steps that cannot run" in t for t in shown)
    assert any(t.startswith("After block 1") for t in shown)
    assert not any("Runtime against n" in t for t in shown)  # nothing measured yet
    assert any("Run measurement" in i.value for i in at.info)
    assert params(at) == {"n_min": "128", "n_max": "2048", "d": "64", "heads": "1", "gpu_causal": "0",
                          "step": "1", "seed": str(DEFAULT_SEED)}


def test_small_run_fills_charts_table_and_csv():
    at = app_page(PAGE, SMALL).run()
    at.button(key="complexity_run").click().run(timeout=60)
    assert not at.exception
    df = table(at)
    main = df[df["series"] == "against n"]
    assert set(main["method"]) == {"naive", "tiled", "rnn"} and set(main["n"]) == {64, 128}
    assert (df["status"] == "ok").all() and (df["median (ms)"] > 0).all() and (df["peak memory (MiB)"] > 0).all()
    assert set(df[df["series"] == "against d"]["d"]) == {16, 32, 64, 128, 256}
    shown = titles(at)
    for title in ("Runtime against n", "Peak memory against n", "Runtime against d", "Speed reached",
                  "Measured here: attention vs an RNN"):
        assert any(t.startswith(title) for t in shown), title
    assert [m.label for m in at.metric] == ["naive: time slope", "tiled: time slope", "naive: memory slope",
                                            "tiled: memory slope"]
    assert at.get("download_button")
    assert any("In this run:" in m.value for m in at.markdown)
    # the results belong to this session only: a fresh session starts empty
    assert not any("Runtime against n" in t for t in titles(app_page(PAGE, SMALL).run()))


def test_run_measures_the_sizes_on_the_sliders_when_pressed():
    """A slider moved and Run pressed in the same rerun: the run uses the new sizes, as the page shows."""
    at = app_page(PAGE, SMALL).run()
    at.select_slider(key="complexity.n_max").set_value(256)
    at.select_slider(key="complexity.d").set_value(32)
    at.button(key="complexity_run").click().run(timeout=60)
    df = table(at)
    assert set(df[df["series"] == "against n"]["n"]) == {64, 128, 256} and set(df["d"]) >= {32}
    assert params(at)["n_max"] == "256"


def test_oversized_request_is_refused_with_what_it_would_need():
    at = app_page(PAGE, {"n_min": "8192", "n_max": "16384", "heads": "8"}).run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "naive" in w.value)
    assert "memory budget of 512 MiB" in warning and re.search(r"n = 16,384 \(≈ 10,4\d\d MiB\)", warning)


def test_budget_from_env_skips_sizes_and_reports_them(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", "8")
    at = app_page(PAGE, {"n_min": "64", "n_max": "1024", "d": "16"}).run()
    at.button(key="complexity_run").click().run(timeout=60)
    assert not at.exception
    df = table(at)
    refused = df[df["status"] == "over memory budget"]
    assert set(refused["method"]) == {"naive"} and set(refused["n"]) == {1024}
    assert any("Not run, over the server's memory budget: naive at n = 1,024" in w.value for w in at.warning)


def test_time_bound_stops_the_run_and_reports_what_was_measured(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", "0.5")
    at = app_page(PAGE, {"n_min": "64", "n_max": "16384", "d": "16"}).run()
    at.button(key="complexity_run").click().run(timeout=60)
    assert not at.exception
    df = table(at)
    assert (df["status"] == "ok").any() and (df["status"] == "out of time").any()
    assert any("reached its time limit of 0.5 s" in w.value for w in at.warning)


def test_second_measurement_queues_behind_the_first_then_gets_its_results(gates):
    at = app_page(PAGE, SMALL).run()
    thread = press_run_in_background(at)
    mine = settings(64, 128, 16)
    until(lambda: waiting_settings() == [mine])  # first in the queue, behind the running measurement
    ticket = at.session_state[complexity_live.TICKET_KEY]
    for _ in range(3):  # pressing again while waiting keeps the one place
        assert complexity_live.QUEUE.submit(mine, ticket) is ticket
    assert waiting_settings() == [mine] and complexity_live.QUEUE.status(ticket).place == 1
    gates.blocker.set()
    thread.join(WAIT)
    assert not thread.is_alive() and not at.exception
    assert any(t.startswith("Runtime against n") for t in titles(at))
    assert any("measured for you alone" in c.value for c in at.caption)
    assert not any("busy" in w.value for w in at.warning)


def test_same_sizes_join_the_running_measurement(gates):
    other = complexity_live.QUEUE.submit(settings(64, 128, 32))  # someone else's, gated at d = 32
    gates.blocker.set()
    until(lambda: complexity_live.QUEUE.status(other).state == RUNNING)
    at = app_page(PAGE, {**SMALL, "d": "32"}).run()
    thread = press_run_in_background(at)
    until(lambda: complexity_live.QUEUE.status(other).watchers == 2)  # the student joined the live run
    assert waiting_settings() == []  # nothing repeated
    gates.d32.set()
    thread.join(WAIT)
    complexity_live.QUEUE.release(other)
    assert not at.exception and any(t.startswith("Runtime against n") for t in titles(at))
    shared = next(c.value for c in at.caption if "This one run served" in c.value)
    assert "served 2 students" in shared and "Another student asked first" in shared


def test_a_waiting_session_that_is_stopped_does_not_wedge_the_queue(gates, monkeypatch):
    """Streamlit's stop (or rerun) signal raised inside an st call while waiting: nothing leaks."""
    stopped = app_page(PAGE, SMALL).run()
    real_wait = complexity_live.QUEUE.wait
    calls = []

    def interrupted(ticket, version, timeout):
        calls.append(ticket)
        if len(calls) == 1:
            raise StopException()  # what st.* raises in a script whose student pressed Stop or closed the tab
        return real_wait(ticket, version, timeout)

    monkeypatch.setattr(complexity_live.QUEUE, "wait", interrupted)
    stopped.button(key="complexity_run").click().run(timeout=WAIT)  # ends at once: stopped while queued
    assert calls and waiting_settings() == [settings(64, 128, 16)]
    gates.blocker.set()
    fresh = app_page(PAGE, {**SMALL, "d": "64"}).run()
    fresh.button(key="complexity_run").click().run(timeout=WAIT)
    assert not fresh.exception and any(t.startswith("Runtime against n") for t in titles(fresh))
    # the stopped student's request still ran (it was followed until a moment ago); on its next visit
    # the page picks up its results
    stopped.run(timeout=WAIT)
    assert any(t.startswith("Runtime against n") for t in titles(stopped))


def test_ten_sessions_pressing_at_once_all_see_their_place_then_results(gates, monkeypatch):
    """Ten students press Run while someone else's measurement runs: each page says where it stands.

    (AppTest sessions cannot run side by side in threads, so here the live view is switched off and
    each page is rerun to read what it shows; tests/browser covers live pages.)
    """
    monkeypatch.setattr(complexity_live, "follow", lambda box: None)
    monkeypatch.setattr(complexity_live.QUEUE, "settle_s", 0)
    asked = [(64, 128, 16), (64, 256, 16), (64, 128, 16), (128, 256, 16), (64, 128, 64),
             (64, 256, 16), (64, 128, 16), (128, 256, 64), (64, 128, 64), (64, 64, 16)]
    sessions = [app_page(PAGE, {"n_min": str(a), "n_max": str(b), "d": str(d)}).run() for a, b, d in asked]
    for at in sessions:
        at.button(key="complexity_run").click().run()
    distinct = list(dict.fromkeys(settings(*a) for a in asked))
    assert waiting_settings() == distinct  # one request per different ask, in the order they came
    assert complexity_live.QUEUE.snapshot()["followers"] == [3, 2, 1, 2, 1, 1]
    for at in sessions[:3]:  # pressing again changes nothing
        at.button(key="complexity_run").click().run()
    assert waiting_settings() == distinct
    for i, (at, ask) in enumerate(zip(sessions, asked)):
        at.run()
        place = distinct.index(settings(*ask)) + 1
        shown = [i.value for i in at.info if "in the queue" in i.value]
        assert len(shown) == 1, [i.value for i in at.info]
        assert f"You are number {place} in the queue" in shown[0]
        assert (f"{place} measurements run before yours, the one running now included" if place > 1
                else "the measurement running now is the only one before yours") in shown[0]
        assert ("Someone asked for the same sizes before you" in shown[0]) == (asked.index(ask) < i)
        assert not any(t.startswith("Runtime against n") for t in titles(at))
    runs_before = complexity_live.QUEUE.runs
    gates.blocker.set()
    until(lambda: complexity_live.QUEUE.snapshot()["running"] is None and not waiting_settings())
    assert complexity_live.QUEUE.runs - runs_before == len(distinct)
    for at, (a, b, d) in zip(sessions, asked):
        at.run()
        assert not at.exception and any(t.startswith("Runtime against n") for t in titles(at))
        df = table(at)
        assert set(df[df["series"] == "against n"]["n"]) == {n for n in (64, 128, 256) if a <= n <= b}
        assert d in set(df["d"])


def test_queued_text_counts_what_runs_first_and_bounds_the_wait():
    ask = settings(64, 256, 16)

    def status(place, ahead, running_for, joined=False):
        return Status(QUEUED, ask, place, ahead, running_for, 0.0, "", (), 1, joined, 7.4, None, "", 0)

    text = complexity_live._queued_text(status(3, 3, 4.0), 10.0)
    assert "You are number 3 in the queue** (n = 64 to 256, d = 16, 1 head)" in text
    assert "3 measurements run before yours, the one running now included" in text
    assert "within about 27 s" in text and "(waiting for 7 s so far)" in text  # 10 - 4 + 2 x 10, rounded up
    text = complexity_live._queued_text(status(2, 2, 0.0, joined=True), 10.0)  # between two runs
    assert "2 measurements run before yours." in text and "within about 11 s" in text
    assert "Someone asked for the same sizes before you" in text
    assert "the measurement running now is the only one before yours" in complexity_live._queued_text(
        status(1, 1, 2.0), 10.0)


def test_url_values_are_clamped_snapped_and_ordered():
    at = app_page(PAGE, {"n_min": "3", "n_max": "999999", "d": "100", "heads": "99", "step": "-4",
                         "seed": "banana", "gpu_causal": "maybe"}).run()
    assert not at.exception
    assert params(at) == {"n_min": "64", "n_max": "16384", "d": "128", "heads": "8", "gpu_causal": "0",
                          "step": "1", "seed": str(DEFAULT_SEED)}
    at = app_page(PAGE, {"n_min": "4096", "n_max": "300"}).run()
    assert not at.exception
    assert (params(at)["n_min"], params(at)["n_max"]) == ("256", "4096")


def test_online_softmax_default_example_rescales():
    at = app_page(PAGE, {"step": str(STEPS)}).run()
    assert params(at)["seed"] == str(DEFAULT_SEED)
    steps = next(df.value for df in at.dataframe if "running max m" in df.value.columns)
    rescales = [float(r) for r in steps["rescale e^(m_old − m_new)"].iloc[1:]]
    assert any(r < 1 for r in rescales)  # the idea being taught: a later block raises the max
    assert steps["running max m"].iloc[0] < steps["running max m"].iloc[-1]
    told = next(m.value for m in at.markdown if "running max rises at" in m.value)
    for block, factor in enumerate(rescales, start=2):
        assert (f"block {block} (m:" in told) == (factor < 1) and (f"× {factor:.4f}" in told) == (factor < 1)


def test_online_softmax_step_through_and_gpu_toggle():
    at = app_page(PAGE, {"step": "4", "gpu_causal": "1"}).run()
    assert not at.exception
    steps = next(df.value for df in at.dataframe if "running max m" in df.value.columns)
    assert len(steps) == 4 and steps["block"].iloc[-1] == "4: keys k9–k11"
    assert any("All 12 keys read" in s.value for s in at.success)
    assert any(t.startswith("After block 4") for t in titles(at))
    assert any("H100" in t and "(causal)" in t for t in titles(at))
    at.button(key="complexity_new_numbers").click().run()
    assert not at.exception and params(at)["seed"] == str(DEFAULT_SEED + 1)

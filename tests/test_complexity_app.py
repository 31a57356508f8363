"""The Complexity page under AppTest: first load, a small run, the server guards, URL state, the step-through."""

from __future__ import annotations

import re
import time

import pytest

from ui.complexity_run import MEASUREMENT_LOCK

from .conftest import app_page, chart_specs

PAGE = "pages/4_📈_Complexity.py"
SMALL = {"n_min": "64", "n_max": "128", "d": "16"}


def titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


def params(at) -> dict[str, str]:
    """The page's URL parameters, without the exercise set number (random per session: tests/test_exercises_app.py)."""
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items() if k != "ex"}


def table(at):
    return next(df.value for df in at.dataframe if "median (ms)" in df.value.columns)


@pytest.fixture(autouse=True)
def _default_budgets(monkeypatch):
    monkeypatch.delenv("ATTENTION_EXPLORER_MEMORY_BUDGET_MB", raising=False)
    monkeypatch.delenv("ATTENTION_EXPLORER_TIME_BUDGET_S", raising=False)


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
                          "step": "1", "seed": "0"}


def test_small_run_fills_charts_table_and_csv():
    at = app_page(PAGE, SMALL).run()
    start = time.perf_counter()
    at.button(key="complexity_run").click().run(timeout=60)
    assert time.perf_counter() - start < 30
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
    assert any("In your run" in m.value for m in at.markdown)
    # the results belong to this session only: a fresh session starts empty
    assert not any("Runtime against n" in t for t in titles(app_page(PAGE, SMALL).run()))


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
    start = time.perf_counter()
    at.button(key="complexity_run").click().run(timeout=60)
    assert time.perf_counter() - start < 15
    assert not at.exception
    df = table(at)
    assert (df["status"] == "ok").any() and (df["status"] == "out of time").any()
    assert any("reached its time limit of 0.5 s" in w.value for w in at.warning)


def test_second_measurement_waits_for_the_first(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_TIME_BUDGET_S", "0.5")
    at = app_page(PAGE, SMALL).run()
    assert MEASUREMENT_LOCK.acquire(timeout=30)  # someone else is measuring
    try:
        at.button(key="complexity_run").click().run(timeout=60)
    finally:
        MEASUREMENT_LOCK.release()
    assert not at.exception
    assert any("still busy with another measurement" in w.value for w in at.warning)
    assert not any("Runtime against n" in t for t in titles(at))


def test_url_values_are_clamped_snapped_and_ordered():
    at = app_page(PAGE, {"n_min": "3", "n_max": "999999", "d": "100", "heads": "99", "step": "-4",
                         "seed": "banana", "gpu_causal": "maybe"}).run()
    assert not at.exception
    assert params(at) == {"n_min": "64", "n_max": "16384", "d": "128", "heads": "8", "gpu_causal": "0",
                          "step": "1", "seed": "0"}
    at = app_page(PAGE, {"n_min": "4096", "n_max": "300"}).run()
    assert not at.exception
    assert (params(at)["n_min"], params(at)["n_max"]) == ("256", "4096")


def test_online_softmax_step_through_and_gpu_toggle():
    at = app_page(PAGE, {"step": "4", "gpu_causal": "1"}).run()
    assert not at.exception
    steps = next(df.value for df in at.dataframe if "running max m" in df.value.columns)
    assert len(steps) == 4 and steps["block"].iloc[-1] == "4: keys k9–k11"
    assert any("All 12 keys read" in s.value for s in at.success)
    assert any(t.startswith("After block 4") for t in titles(at))
    assert any("H100" in t and "(causal)" in t for t in titles(at))
    at.button(key="complexity_new_numbers").click().run()
    assert not at.exception and params(at)["seed"] == "1"

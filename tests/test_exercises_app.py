"""“Check your understanding” under AppTest, on every page: feedback, score, answer key, and the set number in the URL."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from exercises import MAX_SEED, Kind, exercises_for

from .conftest import ROOT, app_page

SCRIPTS = {
    "home": None,
    "heatmap": "pages/1_🔥_Heatmap.py",
    "steps": "pages/2_🧱_Build_it_step_by_step.py",
    "academic": "pages/3_🎓_Academic.py",
    "complexity": "pages/4_📈_Complexity.py",
    "translation": "pages/5_🌍_Translation.py",
    "glossary": "pages/6_📖_Glossary.py",
}
VERDICT = re.compile(r"^\*\*(Right|Not quite|Not this one)")


def run(page: str, query: dict | None = None) -> AppTest:
    at = app_page(SCRIPTS[page], query).run()
    assert not at.exception, at.exception
    return at


def uid(page: str, seed: int, ex) -> str:
    return f"{page}.ex{seed}.{ex.id}"


def answer(at: AppTest, key: str, ex, response) -> AppTest:
    """Type (or pick) ``response`` in the exercise ``key`` and press its Check / Commit button."""
    if ex.kind in (Kind.NUMBER, Kind.SHAPE):
        at.text_input(key=f"{key}.answer").input(response)
    else:
        at.radio(key=f"{key}.answer").set_value(response)
    at.button(key=f"{key}.check").click().run()
    assert not at.exception, at.exception
    return at


def verdicts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, message) of every right/wrong feedback box on the page."""
    found = [("success", e.value) for e in at.success] + [("error", e.value) for e in at.error]
    return [(kind, text) for kind, text in found if VERDICT.match(text)]


def texts(at: AppTest) -> list[str]:
    """Every markdown text and equation on the page (equations without their $$ fences)."""
    return [m.value for m in at.markdown] + [x.value.strip("$\n") for x in at.latex]


def score(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Your score"))


def url(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def wrong_response(ex):
    if ex.kind is Kind.NUMBER:
        return repr(ex.answer + 3 * ex.tolerance + 1)
    if ex.kind is Kind.SHAPE:
        return f"{ex.answer[0] + 1} x {ex.answer[1]}"
    return (ex.answer + 1) % len(ex.options)


def right_response(ex):
    return ex.answer_text if ex.kind in (Kind.NUMBER, Kind.SHAPE) else ex.answer


@pytest.mark.parametrize("page", list(SCRIPTS))
def test_the_url_seed_gives_its_set_and_answers_get_the_right_feedback(page):
    seed = 321
    exs = exercises_for(page, seed)
    at = run(page, {"ex": str(seed)})
    assert any(h.value == "✅ Check your understanding" for h in at.header)
    assert at.number_input(key=f"{page}.ex").value == seed and url(at, "ex") == str(seed)
    shown = [m.value for m in at.markdown]
    for ex in exs:  # the URL's set number reproduces exactly this set
        assert ex.prompt in shown, ex.id
    assert "nothing answered yet" in score(at) and not verdicts(at)

    ex = next(e for e in exs if e.kind is not Kind.PREDICT)
    key = uid(page, seed, ex)
    answer(at, key, ex, wrong_response(ex))
    [(kind, message)] = verdicts(at)
    assert kind == "error" and message.startswith("**Not")
    assert "0 of 1 exercise solved" in score(at)
    answer(at, key, ex, right_response(ex))  # a retry
    [(kind, message)] = verdicts(at)
    assert kind == "success" and message.startswith("**Right")
    assert "1 of 1 exercise solved, 0 at the first try" in score(at)
    assert all(b.text in texts(at) for b in ex.solution)  # the worked solution, with this exercise's numbers

    predict = next(e for e in exs if e.kind is Kind.PREDICT)
    key = uid(page, seed, predict)
    before = len(at.get("plotly_chart"))
    assert not any(b.text in texts(at) for b in predict.solution)  # nothing revealed before the commitment
    answer(at, key, predict, predict.answer)
    assert ("success", f"**Right.** {predict.options[predict.answer].why}") in verdicts(at)
    assert len(at.get("plotly_chart")) == before + (predict.chart is not None)
    assert all(b.text in texts(at) for b in predict.solution)
    assert "2 of 2 exercises solved, 1 at the first try" in score(at)
    assert url(at, "ex") == str(seed)


@pytest.mark.parametrize("page", list(SCRIPTS))
def test_the_answer_key_shows_what_the_checks_accept(page):
    seed = 77
    at = run(page, {"ex": str(seed)})
    assert not [m for m in at.markdown if m.value.startswith("🔑")]  # off by default
    at.toggle(key=f"{page}.ex_answer_key").set_value(True).run()
    keys = [m.value for m in at.markdown if m.value.startswith("🔑 **Answer:**")]
    exs = exercises_for(page, seed)
    assert len(keys) == len(exs)
    for ex, shown in zip(exs, keys, strict=True):
        if ex.kind in (Kind.NUMBER, Kind.SHAPE):
            response = re.match(r"🔑 \*\*Answer:\*\* `([^`]+)`", shown).group(1)
            assert f"The check accepts {ex.accepts}" in shown
        else:
            text = shown.removeprefix("🔑 **Answer:** ")
            response = next(i for i, o in enumerate(ex.options) if o.text == text)
        answer(at, uid(page, seed, ex), ex, response)  # what the key says is what the check accepts
    assert f"{len(exs)} of {len(exs)} exercises solved, {len(exs)} at the first try" in score(at)
    assert not [t for t in verdicts(at) if t[0] == "error"]
    assert "ex_answer_key" not in " ".join(at.query_params)  # the key is never part of the link


def test_without_a_set_number_each_session_gets_its_own_and_its_link_reproduces_it():
    seeds = [int(url(run("home"), "ex")) for _ in range(3)]
    assert all(0 <= s <= MAX_SEED for s in seeds) and len(set(seeds)) > 1
    at = run("home")
    own = int(url(at, "ex"))
    assert at.number_input(key="home.ex").value == own
    at.run()
    assert int(url(at, "ex")) == own  # stable across reruns
    again = run("home", {"ex": str(own)})
    prompts = [e.prompt for e in exercises_for("home", own)]
    assert all(p in [m.value for m in again.markdown] for p in prompts)


@pytest.mark.parametrize("raw, expected", [("-5", None), ("1e99", MAX_SEED), ("12.4", 12), ("banana", None), ("", None)])
def test_hostile_set_numbers_are_clamped_or_replaced(raw, expected):
    at = run("home", {"ex": raw})
    value = int(url(at, "ex"))
    assert 0 <= value <= MAX_SEED and (expected is None or value == expected)
    assert at.number_input(key="home.ex").value == value


def test_new_set_button_changes_the_numbers_and_the_link():
    at = run("steps", {"ex": "10"})
    at.button(key="steps.ex_new").click().run()
    new = int(url(at, "ex"))
    assert new != 10 and at.number_input(key="steps.ex").value == new
    assert exercises_for("steps", new)[0].prompt in [m.value for m in at.markdown]
    at.number_input(key="steps.ex").set_value(11).run()  # a set number typed in, e.g. read out by the teacher
    assert url(at, "ex") == "11" and exercises_for("steps", 11)[1].prompt in [m.value for m in at.markdown]


def test_score_and_session_set_number_carry_across_pages():
    at = run("home", {"ex": "55"})
    ex = exercises_for("home", 55)[0]
    answer(at, uid("home", 55, ex), ex, right_response(ex))
    at.query_params.clear()  # a page link opens the next page without the home page's parameters
    at.switch_page("pages/3_🎓_Academic.py").run()
    assert not at.exception
    assert not [m for m in at.markdown if m.value.startswith("**Your score")]  # a closed section builds nothing
    at.session_state["academic.ex_open"] = True  # the student opens the exercises
    at.run()
    assert "1 of 1 exercise solved, 1 at the first try" in score(at)
    assert url(at, "ex") == "55"  # the session keeps the set number it was given
    assert exercises_for("academic", 55)[0].prompt in [m.value for m in at.markdown]


# Run in a fresh interpreter: the rest of the suite may have loaded the model into this process already.
LAZY_MODEL = r"""
import sys

import attention.pretrained as pretrained
from exercises import Resources, complete, exercises_for
from tests.conftest import app_page
from tests.test_exercises_app import score

loads = []
real = pretrained.load_encoder
pretrained.load_encoder = lambda *a, **k: loads.append(1) or real(*a, **k)
pretrained.SHARED_LOADER._load = pretrained.load_encoder  # the server's one loader, counted

mine = Resources(encoder=real)  # the test's own copy, to compute what the page must show (not counted)
seed = 321
at = app_page("pages/1_🔥_Heatmap.py", {"ex": str(seed)}).run()  # random-weights mode, the default
assert not at.exception, at.exception
assert not loads and "safetensors" not in sys.modules and "tokenizers" not in sys.modules, "the model was loaded"
exs = {e.id: e for e in exercises_for("heatmap", seed)}
head, meaning = exs["heatmap.previous-head"], exs["heatmap.explanation"]
shown = [m.value for m in at.markdown]
assert head.prompt in shown and meaning.prompt in shown and not loads

key = f"heatmap.ex{seed}.{head.id}"
at.radio(key=key + ".answer").set_value(head.answer)
at.button(key=key + ".check").click().run()  # the student commits: now the model is needed, and loaded once
assert not at.exception, at.exception
assert len(loads) == 1 and "safetensors" in sys.modules
done = complete("heatmap", head, mine)
right = "**Right.** " + done.options[done.answer].why
assert right in [s.value for s in at.success], [s.value for s in at.success]
assert all(b.text in [m.value for m in at.markdown] for b in done.solution)  # the measured scores, revealed
assert any("Previous-word score" in c.proto.spec for c in at.get("plotly_chart"))

key = f"heatmap.ex{seed}.{meaning.id}"
wrong = (meaning.answer + 1) % len(meaning.options)
at.radio(key=key + ".answer").set_value(wrong)
at.button(key=key + ".check").click().run()
assert not at.exception, at.exception
done = complete("heatmap", meaning, mine)
assert "**Not this one.** " + done.options[wrong].why in [e.value for e in at.error]
assert len(loads) == 1 and "1 of 2 exercises solved, 1 at the first try" in score(at)
print("lazy model OK")
"""


def test_the_heatmap_page_loads_the_model_only_when_a_student_answers_an_exercise_that_needs_it():
    done = subprocess.run([sys.executable, "-c", LAZY_MODEL], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "lazy model OK" in done.stdout, done.stdout + done.stderr


UNREADABLE_MODEL = r"""
from exercises import exercises_for
from tests.conftest import app_page
from ui.exercises import UNAVAILABLE

seed = 321
head = next(e for e in exercises_for("heatmap", seed) if e.id == "heatmap.previous-head")  # within reach: asked
at = app_page("pages/1_🔥_Heatmap.py", {"ex": str(seed)}).run()
key = f"heatmap.ex{seed}.{head.id}"
at.radio(key=key + ".answer").set_value(head.answer)
at.button(key=key + ".check").click().run()  # the folder named by the environment holds no model
assert not at.exception, at.exception
assert UNAVAILABLE in [w.value for w in at.warning], [w.value for w in at.warning]
assert at.button(key=key + ".check").label.endswith("Commit my prediction")  # not counted, still open
assert "nothing answered yet" in " ".join(m.value for m in at.markdown)
print("unreadable model OK")
"""


def test_a_model_that_fails_to_load_leaves_its_exercise_unanswered_and_says_why(tmp_path):
    env = {**os.environ, "ATTENTION_EXPLORER_MODEL_DIR": str(tmp_path)}  # an empty folder
    done = subprocess.run([sys.executable, "-c", UNREADABLE_MODEL], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "unreadable model OK" in done.stdout, done.stdout + done.stderr

"""“Check your understanding”: the exercises at the end of every page (built by the ``exercises`` package).

Usage in a page script::

    state = PageState("heatmap", [..., *exercise_params()])
    ...
    render_exercises(state)   # at the end of the page's content, before state.sync()

The set number (the exercise seed) is the page's URL parameter ``ex``: everyone who opens a link with it
gets the same numbers. Without it (or with a value that cannot be read), the session's own set number
is used: drawn at random once per session, or taken from the first link with a set number that the
session opened, and then written to the URL so the student's link reproduces their set.

The list of exercises is a fragment: checking an answer reruns the exercises only, not the page.
The score is kept per session, across pages; the answer key is a toggle that is never put in a link.

A set is built without the pretrained model: an exercise whose reveal needs it (the Heatmap page's
previous-token head and explanation questions) is completed, loading the model once per server, only when a
student checks an answer to it or the answer key is shown.
"""

from __future__ import annotations

import secrets

import streamlit as st

from exercises import MAX_SEED, Exercise, Kind, Resources, Verdict, complete, exercises_for
from exercises.common import encoder_within_reach
from exercises.model import KIND_LABELS
from ui.state import IntParam, PageState

PARAM = "ex"  # the URL parameter of the set number
NO_SET = -1  # the parameter's default: "no set number in the link"
SESSION_SET = "exercises.session_set"  # this session's own set number
SCORE = "exercises.score"  # {exercise uid: {"tries": int, "solved": bool, "first": bool}}
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}
SECTION = "**Exercises** with instant feedback and worked solutions"  # the label of their collapsible section
HOW_TO_TYPE = ("Type numbers as you like: 0.25, .25, 0,25, 1/4, 25 %, 1.6e7 or 1.6 × 10^7 (with a unit where one is "
               "asked: 16 MiB or 16777216 B); shapes as 3 × 4 or (3, 4).")


def exercise_params() -> list[IntParam]:
    """The URL parameters of the exercises, to add to every page's ``PageState``."""
    return [IntParam(PARAM, NO_SET, NO_SET, MAX_SEED)]  # NO_SET (-1) is a value too: "no set number yet"


def _encoder():
    """The Heatmap page's cached pretrained encoder (or the reason it is missing): one copy per server."""
    from ui.heatmap_pretrained import load

    return load()


def _translator(kind: str):
    """The shipped translator of ``kind``, read once per server (on the first page whose exercises need it)."""
    return _translators()[kind]


@st.cache_resource(show_spinner=False)
def _translators() -> dict:
    from attention.translation import KINDS, load

    return {kind: load(kind) for kind in KINDS}


def _resources() -> Resources:
    return Resources(encoder=_encoder, reachable=encoder_within_reach, translator=_translator)


@st.cache_data(max_entries=256, show_spinner=False)
def exercise_set(page: str, seed: int) -> list[Exercise]:
    """The exercises of ``page`` for set ``seed``: the same for everyone, so computed once per server."""
    return exercises_for(page, seed, _resources())


@st.cache_data(max_entries=256, show_spinner=False)
def _completed(page: str, seed: int, ex_id: str) -> Exercise | None:
    return complete(page, next(e for e in exercise_set(page, seed) if e.id == ex_id), _resources())


def ready(page: str, seed: int, ex: Exercise) -> Exercise | None:
    """``ex`` complete (its model loaded now, once per server, if it needs one), or None if that model is missing."""
    if not ex.needs:
        return ex
    _encoder()  # outside the cached function, so that its "Loading …" spinner shows
    return _completed(page, seed, ex.id)


UNAVAILABLE = ("This exercise needs the pretrained model (all-MiniLM-L6-v2), which could not be loaded on this "
               "server, so it cannot be checked here. Every other exercise works as usual.")


def _valid(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED


def set_number(state: PageState) -> int:
    """The page's set number: from its URL or widget, else the session's own (see the module docstring)."""
    value = state[PARAM]
    if _valid(value):
        st.session_state.setdefault(SESSION_SET, int(value))
        return int(value)
    own = st.session_state.setdefault(SESSION_SET, secrets.randbelow(MAX_SEED + 1))
    state.set(PARAM, own)
    return own


def _new_set(state: PageState) -> None:
    current = state[PARAM]
    new = current
    while new == current:
        new = secrets.randbelow(MAX_SEED + 1)
    state.set(PARAM, new)


# ---- score ---------------------------------------------------------------------------------------------


def _record(uid: str, verdict: Verdict) -> None:
    """Count an attempt (once an exercise is solved, further attempts do not change the score)."""
    if not verdict.readable:
        return
    record = st.session_state.setdefault(SCORE, {}).setdefault(uid, {"tries": 0, "solved": False, "first": False})
    if record["solved"]:
        return
    record["tries"] += 1
    if verdict.correct:
        record["solved"], record["first"] = True, record["tries"] == 1


def score_text() -> str:
    """The session's running score, in words."""
    records = st.session_state.get(SCORE, {}).values()
    tried = len(records)
    if not tried:
        return "**Your score:** nothing answered yet. It counts on every page, for as long as this tab is open."
    solved = sum(r["solved"] for r in records)
    first = sum(r["first"] for r in records)
    return (f"**Your score this session:** {solved} of {tried} exercise{'s' if tried != 1 else ''} solved, "
            f"{first} at the first try (all pages).")


# ---- one exercise --------------------------------------------------------------------------------------


def _blocks(blocks) -> None:
    for block in blocks:
        (st.latex if block.kind == "latex" else st.markdown)(block.text)


def _why_list(ex: Exercise) -> None:
    st.markdown("\n".join(f"- {'✅' if i == ex.answer else '❌'} **{o.text}**  \n  {o.why}"
                          for i, o in enumerate(ex.options)))


def _chart(ex: Exercise, key: str) -> None:
    if ex.chart is not None:
        from figures.exercises import reveal_figure

        st.plotly_chart(reveal_figure(ex.chart), width="stretch", key=key, config=CHART_CONFIG)


def _submit(uid: str) -> None:
    """The Check button's callback: remember the answer; it is judged when the list is drawn (see :func:`_judge`)."""
    st.session_state[f"{uid}.submitted"] = st.session_state.get(f"{uid}.answer")


def _judge(uid: str, page: str, seed: int, ex: Exercise) -> None:
    """Check a submitted answer (completing the exercise first if it needs a model) and count it."""
    if f"{uid}.submitted" not in st.session_state:
        return
    response = st.session_state.pop(f"{uid}.submitted")
    full = ready(page, seed, ex)
    verdict = full.check(response) if full is not None else Verdict(False, UNAVAILABLE, readable=False)
    st.session_state[f"{uid}.verdict"] = verdict
    st.session_state[f"{uid}.picked"] = response
    _record(uid, verdict)


def _feedback(ex: Exercise, verdict: Verdict) -> None:
    if not verdict.readable:
        st.warning(verdict.message, icon="✍️")
        return
    if verdict.correct:
        st.success(verdict.message, icon="✅")
        _blocks(ex.solution)
        if ex.options:
            _why_list(ex)
        return
    st.error(verdict.message, icon="❌")
    with st.expander("Worked solution (it shows the answer)"):
        _blocks(ex.solution)
        if ex.options:
            _why_list(ex)
    st.caption("Change your answer and check again.")


def box_key(uid: str) -> str:
    """The key of an exercise's box; the browser sees it as the CSS class ``st-key-<key>``."""
    return "box-" + uid.replace(".", "-")


def _answer_form(uid: str, ex: Exercise, button: str) -> None:
    with st.form(f"{uid}.form", border=False):
        if ex.kind is Kind.SHAPE:
            st.text_input("Your answer (rows × columns)", key=f"{uid}.answer", max_chars=80, placeholder="3 × 4")
        elif ex.kind is Kind.NUMBER:
            st.text_input("Your answer" + (f" (in {ex.unit})" if ex.unit else ""), key=f"{uid}.answer", max_chars=80)
        else:
            st.radio("Your answer", list(range(len(ex.options))), index=None, key=f"{uid}.answer",
                     format_func=lambda i: ex.options[i].text)
        st.form_submit_button(button, key=f"{uid}.check", on_click=_submit, args=(uid,), type="primary")


def _exercise(uid: str, n: int, ex: Exercise, full: Exercise | None, answer_key: bool) -> None:
    """One exercise's box; ``full`` is ``ex`` complete (None: not needed yet, or its model is missing)."""
    verdict: Verdict | None = st.session_state.get(f"{uid}.verdict")  # readable only if ``full`` was complete
    with st.container(border=True, key=box_key(uid)):
        st.markdown(f"**{n} · {ex.title}** · *{KIND_LABELS[ex.kind]}*")
        st.markdown(ex.prompt)
        if ex.kind is Kind.PREDICT:
            if verdict is None or not verdict.readable:
                st.caption("Commit to a prediction first: the answer and its chart are drawn only afterwards.")
                _answer_form(uid, ex, "🔒 Commit my prediction")
                if verdict is not None:
                    st.warning(verdict.message, icon="✍️")
            else:
                st.markdown(f"**Your prediction:** {ex.options[st.session_state[f'{uid}.picked']].text}")
                (st.success if verdict.correct else st.error)(verdict.message, icon="✅" if verdict.correct else "❌")
                _chart(full, f"{uid}.chart")
                _blocks(full.solution)
                with st.expander("Every option explained"):
                    _why_list(full)
                st.caption("A prediction is made once. For a fresh one, take a new exercise set above.")
        else:
            _answer_form(uid, ex, "Check")
            if verdict is not None:
                _feedback(full or ex, verdict)
        if answer_key:
            if full is None:
                st.warning(UNAVAILABLE, icon="📦")
            else:
                _key(uid, full)


def _key(uid: str, ex: Exercise) -> None:
    with st.container(border=True):
        typed = ex.kind in (Kind.NUMBER, Kind.SHAPE)
        st.markdown("🔑 **Answer:** " + (f"`{ex.answer_text}`" if typed else ex.answer_text)
                    + (f"  \nThe check accepts {ex.accepts}." if typed else ""))
        if ex.kind is Kind.PREDICT:
            _chart(ex, f"{uid}.key_chart")
        _blocks(ex.solution)
        if ex.options:
            _why_list(ex)


# ---- the section ---------------------------------------------------------------------------------------


@st.fragment
def _exercise_list(page: str, seed: int) -> None:
    answer_key = st.toggle("🔑 Answer key (for the teacher)", key=f"{page}.ex_answer_key",
                           help="Shows the answer and worked solution of every exercise of this set, e.g. to project "
                                "once the class has answered. It is never part of the link.")
    exs = exercise_set(page, seed)
    for ex in exs:  # before the score is drawn, so that it counts the answer just checked
        _judge(f"{page}.ex{seed}.{ex.id}", page, seed, ex)
    st.markdown(score_text())
    for n, ex in enumerate(exs, 1):
        uid = f"{page}.ex{seed}.{ex.id}"
        needed = answer_key or st.session_state.get(f"{uid}.verdict") is not None
        _exercise(uid, n, ex, ready(page, seed, ex) if needed else ex, answer_key)


def render_exercises(state: PageState) -> None:
    """The “Check your understanding” section of ``state``'s page: a heading, then the exercises in a section
    that starts closed (a phone shows the page's outline first) unless the link carried a set number."""
    opened = st.session_state.setdefault(f"_exercises_opened.{state.page}", _valid(state[PARAM]))
    seed = set_number(state)
    st.header("✅ Check your understanding")
    # Keyed and rerun when toggled, so that its ``open`` is known: the exercises themselves (their numbers, forms
    # and charts) are built only while the section is open, a tenth of the server's time under a class otherwise.
    section = st.expander(SECTION, expanded=opened, key=f"{state.page}.ex_open", on_change="rerun")
    with section:
        st.markdown(
            "Exercises built from the same `attention` package as everything above, with their own numbers. "
            "Every answer is checked at once and comes with its worked solution. **Same set number, same "
            "numbers:** this page's link carries the set number, so a teacher can share it and the whole class "
            "gets this set; without one, everyone gets their own."
        )
        st.caption(HOW_TO_TYPE)
        left, right = st.columns([1, 1], vertical_alignment="bottom")
        state.int_input(PARAM, "Exercise set number", where=left,
                        help="Decides every number of the exercises below. Type the number your teacher gives "
                             "you, or share this page's link.")
        right.button("🎲 New exercise set", key=f"{state.page}.ex_new", on_click=_new_set, args=(state,),
                     help="Other numbers for the same exercises.")
        if section.open:
            _exercise_list(state.page, seed)

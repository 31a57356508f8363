"""The lesson path (step k of N, what you will learn, key takeaways, previous/next, the sidebar's current page),
"Reset this page" and "Share with your class", on every page, in AppTest."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import segno
from PIL import Image

from tests.conftest import app_page
from ui import share
from ui.layout import PAGES
from ui.lesson import KEEP, LESSONS, neighbours, position
from ui.state import BoolParam, ChoiceParam, FloatParam, IntParam, IntRangeParam, TextParam

ORDER = ["Home", "Heatmap", "Build it step by step", "Academic", "Complexity", "Translation", "Glossary"]
SCRIPT = {label: path for path, label, *_ in PAGES}
PAGE = {"Home": "home", "Heatmap": "heatmap", "Build it step by step": "steps", "Academic": "academic",
        "Complexity": "complexity", "Translation": "translation", "Glossary": "glossary"}


def open_page(label: str, query: dict | None = None, shared: bool = False):
    """One page under AppTest; ``shared``: with the sidebar's "Share with your class" section open."""
    at = app_page(None if label == "Home" else SCRIPT[label], query)
    if shared:
        at.session_state[share.OPEN_KEY] = True
    return at.run(timeout=300)


def test_the_lesson_order_is_the_pages_list():
    assert [p[1] for p in PAGES] == ORDER == list(LESSONS)
    assert position("Heatmap") == (2, 7) and neighbours("Home")[0] is None and neighbours("Glossary")[1] is None
    assert neighbours("Academic") == (PAGES[2], PAGES[4])
    for label, lesson in LESSONS.items():
        assert 2 <= len(lesson.learn) <= 3 and 3 <= len(lesson.takeaways) <= 5, label


@pytest.mark.parametrize("label", ORDER)
def test_every_page_says_where_it_stands_what_it_teaches_and_links_on(label):
    at = open_page(label)
    assert not at.exception
    k = ORDER.index(label) + 1
    assert f"Step {k} of 7 in the lesson · {label}" in [c.value for c in at.caption]
    learn = at.get("markdown")
    assert any(m.value.startswith("**What you will learn here**") and LESSONS[label].learn[-1] in m.value
               for m in learn)
    (section,) = [e for e in at.main.expander if "Key takeaways" in e.label]
    assert section.label.endswith(f"({len(LESSONS[label].takeaways)})")
    takeaways = next(m.value for m in section.markdown if m.value.startswith(f"- {LESSONS[label].takeaways[0]}"))
    assert takeaways.count("\n- ") == len(LESSONS[label].takeaways) - 1
    main_links = {p.proto.label: p.proto.page for p in at.main.get("page_link")}
    previous, following = neighbours(label)
    if previous:
        assert f"← Previous: {previous[1]}" in main_links
    if following:
        assert f"Next: {following[1]} →" in main_links
    assert sum(text.startswith(("← Previous", "Next:")) for text in main_links) == bool(previous) + bool(following)
    sidebar = [p.proto.label for p in at.sidebar.get("page_link")]
    assert sidebar == [f"**{k}. {label}** ◀" if i == k else f"{i}. {name}" for i, name in enumerate(ORDER, 1)]


def _other_value(param):
    """A valid value of ``param`` that is not its default, written as a link would write it."""
    if isinstance(param, BoolParam):
        return param.dump(not param.default)
    if isinstance(param, ChoiceParam):
        return next(o for o in param.options if o != param.default)
    if isinstance(param, TextParam):
        return "The cat sat on the mat"
    if isinstance(param, IntRangeParam):
        return f"{param.lo}-{param.lo + 1}"
    if isinstance(param, FloatParam):
        return param.dump(param.lo if param.default != param.lo else param.hi)
    if isinstance(param, IntParam):
        return param.dump(param.lo + 1 if param.default != param.lo + 1 else param.lo + 2)
    return None


def _store(at, page):
    return dict(at.session_state["_url_state"][page])


@pytest.mark.parametrize("label", ORDER)
def test_reset_returns_every_setting_and_the_link_to_a_fresh_visit(label):
    page = PAGE[label]
    fresh = open_page(label)
    declared = fresh.session_state["_url_params"][page]
    link = {p.name: v for p in declared if p.name not in KEEP and p.name != "edits" and (v := _other_value(p))}
    assert any(p.name == "ex" for p in declared)  # every page, the Glossary too, has exercises
    link["ex"] = "1234"
    at = open_page(label, link)
    assert not at.exception
    changed = {n for n, v in _store(at, page).items() if v != _store(fresh, page)[n]}
    assert len(changed) >= min(2, len(link) - 1), changed  # the link really changed the view (some values are then re-derived)
    assert set(at.query_params) - {"ex"}

    at.button(key="lesson_reset").click().run(timeout=300)
    assert not at.exception
    assert dict(at.query_params) == {"ex": "1234"}  # only the kept exercise set number
    after, before = _store(at, page), _store(fresh, page)
    assert after.pop("ex") == 1234
    before.pop("ex")
    assert after == before
    for name, value in after.items():  # the widgets show the defaults too
        key = f"{page}.{name}"
        if key in at.session_state:
            assert at.session_state[key] == value or float(at.session_state[key]) == value, name
    assert not any("could not be followed" in w.value for w in at.warning)


def test_reset_forgets_a_page_s_other_widgets_and_a_link_s_notice():
    at = open_page("Heatmap", {"d_k": "999"})
    assert any("could not be followed" in w.value for w in at.warning)
    at.selectbox(key="heatmap.preset").set_value("Apple is delicious.").run(timeout=300)
    at.slider(key="heatmap.temp").set_value(2.0).run(timeout=300)
    assert at.text_input(key="heatmap.text").value == "Apple is delicious."
    assert at.query_params["temp"] == "2" and at.query_params["text"] == "Apple is delicious."
    at.button(key="lesson_reset").click().run(timeout=300)
    assert at.text_input(key="heatmap.text").value.startswith("The animal didn't cross")
    assert at.selectbox(key="heatmap.preset").value == at.text_input(key="heatmap.text").value  # names the default
    assert at.slider(key="heatmap.temp").value == 1.0 and at.slider(key="heatmap.d_k").value == 8
    assert at.slider(key="heatmap.n").value == 12  # the default sentence's words, as on a first visit
    assert set(at.query_params) == {"ex"}
    assert not any("could not be followed" in w.value for w in at.warning)


def test_reset_on_home_loads_the_default_question_again():
    at = open_page("Home")
    at.button(key="home.q4").click().run(timeout=300)
    assert at.query_params["ask"] == "Tell me about kings."
    assert set(at.query_params) == {"ask", "ex"}  # the sliders hold the question's query: not written
    at.button(key="lesson_reset").click().run(timeout=300)
    assert set(at.query_params) == {"ex"}
    assert [at.slider(key=f"home.{t}").value for t in ("space", "cooking", "history", "animals")] == [1.5, 2.0, 0.0, 0.0]


def test_reset_clears_build_it_s_matrix_edits():
    at = open_page("Build it step by step", {"edits": "x003.25"})
    assert "edits" in at.query_params
    at.button(key="lesson_reset").click().run(timeout=300)
    assert "edits" not in at.query_params and not at.exception


def _shown_link(at) -> str:
    return at.sidebar.code[0].value


@pytest.mark.parametrize("label", ORDER)
def test_share_shows_the_link_of_the_current_view(label):
    at = open_page(label, shared=True)
    link = _shown_link(at)
    path = "" if label == "Home" else SCRIPT[label].split("_", 2)[-1][:-3]
    assert urlsplit(link).path == f"/{path}"
    assert {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()} == dict(at.query_params)


def test_share_link_follows_widget_changes_and_opens_the_same_view():
    at = open_page("Heatmap", shared=True)
    at.slider(key="heatmap.d_k").set_value(4).run(timeout=300)
    at.toggle(key="heatmap.causal").set_value(True).run(timeout=300)
    link = _shown_link(at)
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["d_k"] == "4" and query["causal"] == "1" and query == dict(at.query_params)
    assert "d_model" not in query and "text" not in query  # defaults are left out
    again = open_page("Heatmap", query, shared=True)
    assert again.slider(key="heatmap.d_k").value == 4 and again.toggle(key="heatmap.causal").value is True
    assert _shown_link(again) == link


def _modules(png: bytes, size: int) -> np.ndarray:
    """The dark (1) and light (0) modules of a QR code's PNG, border included, read by sampling module centres."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    scale = image.shape[0] // size
    assert image.shape == (size * scale, size * scale)
    centres = np.arange(size) * scale + scale // 2
    return (image[np.ix_(centres, centres)] < 128).astype(np.uint8)


def test_the_qr_code_drawn_is_segno_s_code_of_the_shown_link():
    at = open_page("Build it step by step", shared=True)
    at.slider(key="steps.words").set_value(5).run(timeout=300)
    link = _shown_link(at)
    assert "words=5" in link
    reference = segno.make(link, micro=False)  # never a Micro QR code: phone cameras do not read them
    assert share.qr_code(link).matrix == reference.matrix
    size = reference.symbol_size(border=share.QR_BORDER)[0]
    drawn = _modules(share.qr_png(link), size)
    b = share.QR_BORDER
    expected = np.array(reference.matrix, dtype=np.uint8)
    assert (drawn[b:-b, b:-b] == expected).all() and not drawn[:b].any() and not drawn[-b:].any()
    assert share.QR_SCALE * size >= 300  # at least 300 px: scannable when projected
    images = [e for e in at.sidebar if type(e).__name__ == "Image"]
    assert len(images) == 1 and images[0].proto.imgs[0].url.endswith(".png")  # never a lossy JPEG


def test_the_closed_share_section_builds_no_link_and_no_qr_code(monkeypatch):
    """Issue 16: a QR code drawn on every run of every page was an eighth of the server's time under a class."""
    made = []
    monkeypatch.setattr(share, "qr_code", lambda link: made.append(link))
    at = open_page("Heatmap")
    assert not at.exception and not at.sidebar.code and not made
    assert [e.label for e in at.sidebar.expander] == ["📲 Share with your class"]


def test_a_link_too_long_for_a_qr_code_says_so():
    at = open_page("Heatmap", {"text": "😀" * 300}, shared=True)  # 300 characters, 3,600 once percent-encoded
    assert not at.exception and not [e for e in at.sidebar if type(e).__name__ == "Image"]
    assert any("more than a QR code can hold" in c.value for c in at.sidebar.caption)
    assert share.qr_code("/" + "x" * 2_000) is not None and share.qr_code("/" + "x" * 3_000) is None

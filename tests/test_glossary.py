"""The glossary: its data is true to the pages (every page listed for a term uses it), every tooltip and lesson
link names a real entry, the search filters, and the Glossary page follows its URL."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import ROOT, app_page
from ui.glossary_terms import BY_KEY, TERMS, search, tip
from ui.layout import PAGES
from ui.lesson import LESSONS

GLOSSARY = "pages/6_📖_Glossary.py"
# What a student reads on each page: its script, its own ui/ modules and figures, and its exercises.
PAGE_FILES = {
    "Home": ["streamlit_app.py", "ui/home_*.py", "figures/home.py", "exercises/home.py"],
    "Heatmap": ["pages/1_*.py", "ui/heatmap_*.py", "figures/heatmap.py", "figures/senses.py", "exercises/heatmap.py"],
    "Build it step by step": ["pages/2_*.py", "ui/steps_*.py", "figures/steps.py", "exercises/build_it.py"],
    "Academic": ["pages/3_*.py", "ui/academic_*.py", "figures/academic.py", "exercises/academic.py"],
    "Complexity": ["pages/4_*.py", "ui/complexity_*.py", "figures/complexity.py", "exercises/complexity.py"],
    "Translation": ["pages/5_*.py", "ui/translation*.py", "figures/translation.py"],
}


def page_source(label: str) -> str:
    files = [f for pattern in PAGE_FILES[label] for f in sorted(ROOT.glob(pattern))]
    assert files, label
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_the_page_files_cover_every_content_page():
    assert set(PAGE_FILES) == {label for _, label, *_ in PAGES} - {"Glossary"}


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.key)
def test_every_page_listed_for_a_term_uses_it(term):
    assert term.pages, term.key
    for label in term.pages:
        source = page_source(label)
        assert any(re.search(p, source, re.IGNORECASE) for p in term.spelled), (term.key, label)


def test_terms_are_unique_and_cover_the_app_s_jargon():
    assert len(BY_KEY) == len(TERMS)
    names = " ".join(f"{t.key} {t.name}" for t in TERMS).lower()
    for word in ("attention", "token", "word piece", "embedding", "d_model", "d_k", "query", "key", "value", "w_q",
                 "score", "softmax", "temperature", "weights", "head", "multi-head", "layer", "residual stream",
                 "causal mask", "padding mask", "[cls]", "[sep]", "[pad]", "encoder", "decoder", "cross-attention",
                 "self-attention", "bottleneck", "rnn", "flashattention", "tiled", "online softmax", "o(n²)", "flop",
                 "gflop/s", "bf16", "oom", "nats", "cosine similarity", "pretrained", "exact match"):
        assert word in names, word


def _calls(name: str) -> list[tuple[str, str]]:
    """(file, first argument) of every call ``name("...")`` in the app's sources."""
    found = []
    for path in [ROOT / "streamlit_app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.append((path.name, node.args[0].value))
    return found


def test_every_tooltip_and_lesson_link_names_a_glossary_entry():
    tips, links = _calls("tip"), _calls("g")
    assert len(tips) >= 15 and len(links) >= 15
    for where, key in tips + links:
        assert key in BY_KEY, (where, key)
    tipped = {key for _, key in tips}
    assert {"d_model", "d_k", "head", "temperature", "layer", "causal-mask", "seed"} <= tipped


def test_tip_quotes_the_definition_after_the_widget_s_own_help():
    text = tip("d_k", "What this slider does.")
    assert text.startswith("What this slider does.") and BY_KEY["d_k"].plain in text


def test_lesson_lines_link_to_glossary_entries_that_exist():
    linked = set()
    for lesson in LESSONS.values():
        for line in lesson.learn:
            linked |= set(re.findall(r"\]\(Glossary\?q=([\w-]+)#([\w-]+)\)", line))
    assert linked and all(q == anchor and q in BY_KEY for q, anchor in linked)


def test_search_puts_the_term_itself_first_and_needs_every_word():
    assert search("softmax")[0].key == "softmax"
    assert search("D_K")[0].key == "d_k"
    assert all("softmax" in (t.name + t.plain).lower() for t in search("softmax"))
    assert [t.key for t in search("online softmax")][0] == "online-softmax"
    assert search("zzz no such thing") == []
    assert len(search("   ")) == len(TERMS)


def test_glossary_page_shows_every_term_with_links_to_its_pages():
    at = app_page(GLOSSARY).run()
    assert not at.exception
    shown = [h.value for h in at.subheader]
    assert shown == [t.name for t in TERMS]
    captions = [c.value for c in at.caption if c.value.startswith("Appears on:")]
    assert len(captions) == len(TERMS)
    assert captions[[t.key for t in TERMS].index("flashattention")] == (
        "Appears on: [🎓 Academic](./Academic) · [📈 Complexity](./Complexity)")
    assert captions[0].count("](./") == 6 and "[🏠 Home](./)" in captions[0]  # attention: every content page
    assert set(at.query_params) == {"ex"}  # the empty search is the default: left out (the set number is written)


def test_glossary_search_filters_and_is_in_the_link():
    at = app_page(GLOSSARY).run()
    at.text_input(key="glossary.q").input("mask").run()
    shown = [h.value for h in at.subheader]
    assert {"Causal mask", "Padding mask"} <= set(shown) and "Softmax" not in shown
    assert at.query_params["q"] == "mask"
    linked = app_page(GLOSSARY, {"q": "bf16"}).run()
    assert [h.value for h in linked.subheader][0] == "bf16"
    assert linked.text_input(key="glossary.q").value == "bf16"
    none = app_page(GLOSSARY, {"q": "qwertyuiop"}).run()
    assert not none.subheader and any("No term matches" in i.value for i in none.info)


def test_jargon_sliders_carry_the_glossary_definition():
    at = app_page("pages/2_🧱_Build_it_step_by_step.py").run(timeout=300)
    assert BY_KEY["d_model"].plain in at.slider(key="steps.d_model").help
    assert BY_KEY["d_k"].plain in at.slider(key="steps.d_k").help
    home = app_page().run(timeout=300)
    assert BY_KEY["temperature"].plain in home.slider(key="home.temp").help

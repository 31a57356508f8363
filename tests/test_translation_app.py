"""The Translation page under AppTest: what it shows is what the shipped models do; widgets, URL, bad input.

The speed target (the default view reruns in under 200 ms of script time) is measured by
benchmarks/report_translation.py, not here.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from attention.translation import is_held_out, load, shipped, translate_reference
from attention.translation.evaluate import crossing
from ui import translation as tr
from ui import translation_measured as measured

from .conftest import app_page, chart_specs, plotly_array, url_view

PAGE = "pages/5_🌍_Translation.py"
LONG = ("the young man says that the white dog chases a small cat because the young girl feeds the brown horse "
        "and the bird sings")


def run(query: dict | None = None) -> AppTest:
    at = app_page(PAGE, query).run()
    assert not at.exception, at.exception
    return at


def url(at: AppTest) -> dict[str, str]:
    """The page's own URL state (without the exercise set number, ``ex``, which tests/test_exercises_app.py checks)."""
    return {k: v for k, v in url_view(at, "translation").items() if k != "ex"}  # defaults included


def chart(at: AppTest, title_start: str) -> dict:
    return next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith(title_start))


def main_map(at: AppTest) -> dict:
    return chart(at, "Cross-attention: where")


def heat_z(spec: dict) -> np.ndarray:
    return plotly_array(next(t for t in spec["data"] if t["type"] == "heatmap")["z"]).astype(float)


def shapes(spec: dict, name: str) -> list[dict]:
    return [s for s in spec["layout"].get("shapes", []) if s.get("name") == name]


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_default_view_shows_what_the_models_do():
    at = run()
    words = tr.DEFAULT_TEXT.split()
    pair = translate_reference(words)
    att, bot = load("attention").translate(words), load("bottleneck").translate(words)
    page = text(at)
    assert " ".join(pair.target) in page
    assert tr.word_line(att.target, pair.target) in page and tr.word_line(bot.target, pair.target) in page
    spec = main_map(at)
    np.testing.assert_allclose(heat_z(spec), att.cross_attention, atol=1e-6)
    assert spec["layout"]["yaxis"]["ticktext"] == att.target and spec["layout"]["xaxis"]["ticktext"] == words
    gold = shapes(spec, "gold")
    assert att.target == pair.target and len(gold) == len(pair.alignment)
    outlined = {(round(s["y0"] + 0.5), round(s["x0"] + 0.5)) for s in gold}
    assert outlined == set(pair.alignment)
    assert [s["y0"] for s in shapes(spec, "picked")] == [-0.5]  # row 0 framed
    assert url(at) == {"text": tr.DEFAULT_TEXT, "row": "0", "step": tr.default_step()}
    crossed = crossing(pair.alignment)
    assert crossed and "Alignment lines cross" in page
    for t in crossed:
        assert f"{pair.target[t]} ← {pair.source[dict(pair.alignment)[t]]}" in page
    assert "held out: never seen in training" in " ".join(c.value for c in at.caption)


def test_examples_are_held_out_and_picking_one_sets_the_sentence():
    assert all(is_held_out(s.split()) for s in tr.EXAMPLES)
    at = run()
    example = list(tr.EXAMPLES)[2]
    at.selectbox(key="translation.example").select(example).run()
    assert not at.exception
    assert at.text_input(key="translation.text").value == example
    assert url(at)["text"] == example
    assert main_map(at)["layout"]["xaxis"]["ticktext"] == example.split()


def test_unknown_words_are_listed_with_the_vocabulary():
    at = run({"text": "The zebra sees the lion and a dog"})
    warning = " ".join(w.value for w in at.warning)
    assert "zebra, lion" in warning and "dog" not in warning.split("**")[1]
    assert "- **nouns**: dog, man" in text(at)
    assert not [s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Cross-attention")]
    assert chart(at, "Exact match and words")  # the measured section is still there


def test_ungrammatical_sentence_is_translated_without_a_reference():
    at = run({"text": "dog the sees cat"})
    assert "grammar cannot parse" in " ".join(w.value for w in at.warning)
    assert "none: the grammar cannot parse" in text(at)
    spec = main_map(at)
    assert not shapes(spec, "gold")
    np.testing.assert_allclose(heat_z(spec), load("attention").translate("dog the sees cat".split()).cross_attention,
                               atol=1e-6)


def test_picking_a_target_word_moves_the_highlighted_row():
    at = run()
    target = load("attention").translate(tr.DEFAULT_TEXT.split()).target
    at.selectbox(key="translation.row").set_value(9).run()
    assert not at.exception
    spec = main_map(at)
    assert [s["y0"] for s in shapes(spec, "picked")] == [8.5]
    assert url(at)["row"] == "9"
    bars = chart(at, "Writing")
    assert f'"{target[9]}"' in bars["layout"]["title"]["text"]
    weights = load("attention").translate(tr.DEFAULT_TEXT.split()).cross_attention
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]).astype(float), weights[9], atol=1e-6)
    assert f"Writing **{target[9]}** (German word 9)" in text(at)


def test_url_round_trip_and_row_clamped_to_the_sentence():
    steps = shipped().checkpoint_steps.astype(str)
    query = {"text": LONG, "row": "20", "step": steps[3]}
    at = run(query)
    assert url(at) == query
    assert at.select_slider(key="translation.step").value == steps[3]
    assert at.selectbox(key="translation.row").value == 20
    at2 = run({"text": "the dog sleeps", "row": "30"})
    assert url(at2)["row"] == "2"  # three German words: the last row
    assert [s["y0"] for s in shapes(main_map(at2), "picked")] == [1.5]


@pytest.mark.parametrize("hostile", ["banana", "1e999", "-5", "NaN", "", "9" * 5000])
def test_hostile_url_values_fall_back(hostile):
    at = run({"text": hostile, "row": hostile, "step": hostile})
    params = url(at)
    assert params["step"] in shipped().checkpoint_steps.astype(str)
    assert 0 <= int(params["row"])
    assert len(params["text"]) <= tr.TEXT_MAX_CHARS


def test_too_many_words_and_empty_text():
    at = run({"text": " ".join(["the dog sleeps and"] * 12) + " the cat sleeps"})
    assert "at most 40" in " ".join(i.value for i in at.info)
    at = run({"text": "   "})
    assert "Type an English sentence" in " ".join(i.value for i in at.info)


def test_measured_section_states_the_shipped_numbers():
    at = run()
    data = shipped()
    spec = chart(at, "Exact match and words")
    series = measured.chart_series(data)
    traces = {t["name"]: plotly_array(t["y"]).astype(float) for t in spec["data"]}
    np.testing.assert_allclose(traces["Attention model: exact match"], series["attention"][0])
    np.testing.assert_allclose(traces["Bottleneck model: words right"], series["bottleneck"][1])
    rows = measured.bin_table(data)
    page = text(at)
    short, long = rows[0], rows[-1]
    for kind in ("attention", "bottleneck"):
        assert f"{short['exact'][kind]:.1f} %" in page and f"{long['exact'][kind]:.1f} %" in page
    assert "less than" in page  # the bottleneck's long-sentence score is below half the attention model's
    assert measured.table_markdown(rows) in page
    counts = data.alignment
    hits, total = counts["content_hits"].sum(), counts["content_total"].sum()
    assert f"**{hits:,} of {total:,}** ({100 * hits / total:.2f} %)" in page
    bot = data.scores["bottleneck"]
    keep = measured.last_length_above(data, "bottleneck", 90.0)
    rate = bot.exact / bot.sentences  # per length, 3 … 25
    assert 3 <= keep < 25 and all(rate[: keep - 2] >= 0.9) and rate[keep - 2] < 0.9
    assert f"only up to {keep} words; after that it falls, from {100 * bot.exact[keep - 2] / bot.sentences[keep - 2]:.1f} %" in page


def test_story_follows_the_numbers():
    """The text is computed: different numbers give different sentences."""
    data = shipped()
    fake = data.scores["bottleneck"]
    better = type(fake)(fake.lengths, fake.sentences, fake.sentences.copy(), fake.words_total, fake.words_total)
    story = measured.story(type(data)(**{**data.__dict__, "scores": {**data.scores, "bottleneck": better}}))
    assert "less than" not in story and "90 % exact match or better at every length up to 25 words" in story


def test_watch_it_learn_moves_with_the_slider():
    at = run({"text": tr.DEFAULT_TEXT})
    steps = shipped().checkpoint_steps.astype(str)
    maps = {}
    for step in (steps[0], steps[-1]):
        at.select_slider(key="translation.step").set_value(step).run()
        assert not at.exception
        spec = chart(at, "Cross-attention at")
        maps[step] = heat_z(spec)
        loss = chart(at, "Loss while learning")
        assert loss["layout"]["shapes"][0]["x0"] == max(int(step), 1)
    assert maps[steps[0]].max(axis=1).mean() < 0.5 < maps[steps[-1]].max(axis=1).mean()
    page = text(at)
    assert "after training" in page and "At step" in page


def test_home_links_here_from_the_problem_and_the_uses():
    at = app_page().run()
    assert not at.exception
    links = [e.proto for e in at.get("page_link")]
    here = [link for link in links if link.page == "Translation"]
    labels = {link.label for link in here}
    assert {"See it measured: two translators, one vector versus attention",
            "Translate with two trained models"} <= labels


def test_a_sentence_longer_than_any_training_sentence_says_so():
    long = LONG + " and the cow sleeps"  # 28 words: grammatical, longer than the 25 trained on
    at = run({"text": long})
    captions = " ".join(c.value for c in at.caption)
    assert "28 words" in captions and "No training sentence was longer than 25 words" in captions
    assert "No training sentence" not in " ".join(c.value for c in run().caption)

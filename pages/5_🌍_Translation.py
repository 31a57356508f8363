"""Translation: the problem attention solved, as an experiment with two small translators trained in numpy."""

import streamlit as st

from attention.translation import KINDS
from attention.translation.evaluate import crossing
from attention.translation.store import shipped
from figures.translation import accuracy_by_length, cross_attention_heatmap, read_bars
from ui import lesson, responsive, translation_learn
from ui import translation as tr
from ui import translation_measured as measured
from ui.charts import cached_figure
from ui.exercises import exercise_params, render_exercises
from ui.heatmap_common import CHART_CONFIG, clickable_chart, normalise_positions
from ui.layout import setup_page
from ui.responsive import fit_box
from ui.state import PageState
from ui.translation_about import about_markdown

setup_page("Translation", "🌍")
responsive.apply()

state = PageState("translation", [*tr.params(), *exercise_params()])
state.restore()
normalise_positions(state, ("row",))
# Collapsible sections (a phone sees the page's outline first) and the URL parameters set in each: a link
# that changes one opens its section. The sentence, its translations and its map stay open.
SECTIONS = {
    "The bottleneck, measured": (),
    "Watch it learn": ("step",),
    "How the two translators are built": (),
}
opened = responsive.opened_by_link(state, SECTIONS)


def section(title: str):
    return st.expander(f"**{title}**", expanded=opened[title])


def use_example() -> None:
    choice = st.session_state.get("translation.example")
    if choice in tr.EXAMPLES:
        state.set("text", choice)
        state.set("row", 0)


def pick_cell(row: int, _col: int) -> None:
    state.set("row", row)


def accuracy_figure():
    data = shipped()
    return cached_figure(accuracy_by_length, data.scores["attention"].lengths, measured.chart_series(data),
                         data.scores["attention"].sentences)


st.title("🌍 Translation: the problem attention solved")
lesson.opening("Translation", state)
st.markdown(
    "Early neural translators read the whole source sentence into **one fixed vector** and wrote the "
    "translation from that vector alone: the longer the sentence, the more was lost. Attention lets the "
    "translator **look back at every source word** while it writes each word. Here that is an experiment: two "
    "small English → German translators, trained by this project's own numpy code, identical except for that "
    "one thing. The **attention model** may look at every English word; the **bottleneck model** sees one "
    "summary vector of the sentence."
)

text_col, example_col = st.columns([3, 2])
text_col.text_input("English sentence", key=state.key("text"), max_chars=tr.TEXT_MAX_CHARS,
                    help="Lower or upper case, punctuation is ignored. The vocabulary is listed if a word is unknown.")
example_col.selectbox("…or pick an example", list(tr.EXAMPLES), index=None, key="translation.example",
                      placeholder="Sentences the models never saw in training", on_change=use_example,
                      format_func=lambda s: f"{tr.EXAMPLES[s]}  ({s})")

reading = tr.read_sentence(state["text"])
# One container for what varies with the sentence: the sections below keep their place (and stay open).
with st.container():
    if reading.problem:
        st.info(reading.problem)
    elif reading.unknown:
        st.warning(f"Not in the vocabulary: **{', '.join(reading.unknown)}**. The models only know these "
                   f"{len(tr.g.SOURCE_WORDS)} English words:")
        st.markdown(tr.vocabulary_markdown())
    else:
        if reading.grammar_error:
            st.warning(f"Every word is known, but the grammar cannot parse this sentence ({reading.grammar_error}), "
                       "so there is no reference to compare with. The models translate it anyway. " + tr.GRAMMAR_MD)
        words = tuple(reading.words)
        outputs = {kind: tr.translate(kind, words) for kind in KINDS}
        tr.show_translations(reading, {kind: out[0] for kind, out in outputs.items()})

        st.header("Where the attention model looked")
        target, weights = outputs["attention"]
        gold = reading.pair.alignment if reading.pair and target == reading.pair.target else None
        if not target:
            st.info("The attention model wrote no words for this sentence, so there is nothing to show.")
        else:
            if state["row"] >= len(target):
                state.set("row", len(target) - 1)
            row = state["row"]
            map_col, pick_col = st.columns([1.4, 1], gap="large")
            with map_col:
                fig = cached_figure(cross_attention_heatmap, weights, words, target, gold=gold, picked=row)
                with fit_box(fig, "translation_map"):
                    clickable_chart(fig, "translation_map", pick_cell)
            with pick_col:
                st.selectbox("German word", list(range(len(target))), key=state.key("row"),
                             format_func=lambda i: f"{i}: {target[i]}", help="Or click a row of the heatmap.")
                gold_source = dict(gold)[row] if gold else None
                st.plotly_chart(cached_figure(read_bars, weights[row], words, target[row], gold=gold_source),
                                width="stretch",
                                key="translation_bars", config=CHART_CONFIG)
                st.markdown(tr.row_story(weights, words, target, row, gold))
            if gold:
                st.markdown(tr.crossing_story(reading.pair, crossing(reading.pair.alignment)))
            elif reading.pair:
                st.caption("The attention model's translation differs from the reference, so the gold alignment "
                           "(which belongs to the reference's words) is not outlined.")

with section("The bottleneck, measured"):
    data = shipped()
    st.markdown(f"Both models translated {data.meta['eval']['sentences']:,} held-out sentences, up to "
                f"{data.meta['eval']['per_length']} of each length from 3 to 25 words (fewer where fewer exist).")
    st.plotly_chart(accuracy_figure(), width="stretch", key="translation_accuracy", config=CHART_CONFIG)
    st.markdown(measured.story(data))
    with st.expander("The numbers by length bin"):
        st.markdown(measured.table_markdown(measured.bin_table(data)))
    st.markdown(measured.alignment_story(data))

with section("Watch it learn"):
    st.markdown("The attention model's weights were saved during its training. Move the slider to see its "
                "cross-attention for the sentence above at that step, beside the loss curves of both models.")
    if reading.problem or reading.unknown:
        st.info("Type a sentence the models can read (above) to see its cross-attention during training.")
    else:
        translation_learn.render(state, reading)

with section("How the two translators are built"):
    st.markdown(about_markdown(data))

render_exercises(state)
lesson.closing("Translation", state)
state.sync()

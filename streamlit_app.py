"""Attention Explorer: home page. What attention is, in plain English, with a live library demo."""

import streamlit as st

from attention.library import QUESTIONS, TOPICS, ask_library
from figures.home import library_figure
from ui import lesson, responsive
from ui.charts import cached_figure
from ui.exercises import exercise_params, render_exercises
from ui.glossary_terms import tip
from ui.home_library import (
    OPTIONS,
    HomeState,
    asked_question,
    library_table,
    question_buttons,
    result_sentence,
    url_question,
)
from ui.layout import page_links, setup_page
from ui.state import BoolParam, ChoiceParam, FloatParam

setup_page("Home", "🏠")
responsive.apply()

DEFAULT_QUESTION = tuple(QUESTIONS)[1]
asked = ChoiceParam("ask", DEFAULT_QUESTION, OPTIONS)  # no widget: the question the sliders ask (see question_buttons)
starting = QUESTIONS.get(url_question(asked), QUESTIONS[DEFAULT_QUESTION])  # a linked question's sliders
state = HomeState(
    "home",
    [asked]
    + [FloatParam(t, starting[i], 0.0, 3.0, 0.5) for i, t in enumerate(TOPICS)]
    + [FloatParam("temp", 1.0, 0.1, 3.0, 0.1), BoolParam("model", False)]
    + exercise_params(),
)
state.restore()
state.set("ask", asked_question(state))  # what the sliders ask now; in the link, a question loads its sliders


st.title("🔎 Attention Explorer")
lesson.opening("Home", state)
st.markdown(
    "**Attention** is how a transformer decides, for every word, which other words matter for "
    "understanding it, and then mixes in what those words have to say. This page explains the "
    "idea in plain English; the other pages let you see, build, measure and take apart every "
    "number it computes."
)

st.header("The idea in one sentence")
st.markdown(
    "Read *\"The animal didn't cross the street because **it** was too tired.\"* To know what "
    "**it** means you glance back at *animal*, not at *street*. Attention gives a network that "
    "same ability: each word asks a question, every word offers an answer, and the best matches "
    "get most of the say."
)
story = st.expander("🔬 Does a trained model really look back at *animal*? Check it on 12 sentences",
                    key=state.key("model"), on_change="rerun")
if story.open:  # the model runs only when a student asks: a first visit stays light
    with story:
        from ui.home_story import render as render_story

        render_story()

st.header("📚 The library analogy: Query, Key, Value")
q_col, k_col, v_col = st.columns(3)
q_col.markdown(
    "#### Q · Query\n**What you are looking for.** You walk into a library with a question in "
    "mind. In a sentence, each word forms its own question: *which words help explain me?*"
)
k_col.markdown(
    "#### K · Key\n**The label on each book.** Every book has a title and subject tags. You compare "
    "your question with each label; the closer the match, the more useful the book probably is."
)
v_col.markdown(
    "#### V · Value\n**What is inside the book.** You read the matching books, more of the good "
    "matches and less of the poor ones, and blend what you read into one answer."
)

st.subheader("Try it: ask the library a question")
st.markdown(
    "The library below has five books. Each book's **key** is its label: how much it is about "
    f"{', '.join(TOPICS)}. Your **query** says how much you care about each topic. The match "
    "score is the dot product query · key; softmax turns the scores into **weights** that sum to 1; "
    "your answer is the weighted blend of the books' **values** (what they contain). One difference "
    "from the formula further down: this demo does not divide the scores by √d_k (here √4 = 2). That "
    "division matters for long vectors of learned numbers; with four hand-picked topic numbers, the "
    "pickiness slider sets how sharp the choice is instead."
)
controls, result_col = st.columns([1, 2.2])
with controls:
    st.markdown("**Pick a question**")
    question_buttons(state)
    st.caption("…or set the query yourself: how much do you care about each topic?")
    for topic in TOPICS:
        st.slider(topic.capitalize(), 0.0, 3.0, step=0.5, key=state.key(topic))
    st.slider(
        "Pickiness (temperature)",
        0.1,
        3.0,
        step=0.1,
        key=state.key("temp"),
        help=tip("temperature", "Scores are divided by this before the softmax. Low: read only the best match. "
                 "High: spread your reading more evenly."),
    )
    st.caption("Temperature is not part of a transformer's attention, which always divides by the fixed "
               "√d_k; it is an extra knob of this demo (language models use one when they pick the next "
               "word, not inside attention).")

query = [state[t] for t in TOPICS]
result = ask_library(query, temperature=state["temp"])
with result_col:
    chart_slot = st.empty()  # filled at the end of the script: see there
    st.markdown(library_table(result))  # plain markdown (titles and numbers, no user text): light
    st.markdown(result_sentence(query, state["temp"], state["ask"]))

# The plain-English background, collapsed: a phone shows the demo, then this outline, then the summary.
problem = st.expander("**What problem does attention solve?**")
before, after = problem.columns(2)
before.markdown(
    "#### Before: squeeze everything into one vector\n"
    "Early neural translators used a recurrent network (RNN) that read the source sentence one "
    "word at a time and had to pack *the whole sentence* into a single fixed-size vector before "
    "writing the translation. A 5-word sentence and a 50-word sentence got the same small "
    "suitcase, so long sentences lost information, and words far apart had trouble influencing "
    "each other."
)
after.markdown(
    "#### With attention: look back whenever you need to\n"
    "Instead of relying on that one vector, the translator may look at **every** source word "
    "again while writing each output word, weighting each by how relevant it is right now. "
    "Bahdanau et al. (2015) plotted these weights: while writing a word, the translator mostly "
    "looks at the source word (or words) it translates. The whole sentence no longer has to fit "
    "into one vector, and the weights show where the translator looked."
)
problem.page_link("pages/5_🌍_Translation.py", label="See it measured: two translators, one vector versus attention",
             icon="🌍")

self_attention = st.expander("**Self-attention: a sentence paying attention to itself**")
self_attention.markdown(
    "In **self-attention** the queries, keys and values all come from the same sentence: every "
    "word plays all three roles at once. Each word's embedding is multiplied by three learned "
    "matrices to give its query, key and value vectors. Then three steps:"
)
s1, s2, s3 = self_attention.columns(3)
s1.markdown(
    "##### 1 · Score every pair\nThe dot product of word *i*'s query with word *j*'s key says how "
    "well they match; all pairs at once is the matrix **Q·Kᵀ**. It is divided by **√d_k**, where "
    "d_k is the number of entries in each query and key vector. A dot product adds up d_k "
    "products, so for random vectors its variance grows in proportion to d_k; the division keeps "
    "the variance of q·k the same whatever d_k, so the softmax does not turn all-or-nothing in "
    "big models."
)
s2.markdown(
    "##### 2 · Softmax each row\nEach row of scores goes through **softmax**: all numbers become "
    "positive and add up to 1. These are the **attention weights**: word *i* gives weight "
    "*w₍ᵢⱼ₎* to word *j*."
)
s3.markdown(
    "##### 3 · Blend the values\nWord *i*'s new vector is the weighted sum of all the **value** "
    "vectors. The result is a representation of the word *in its context*: the same word gets "
    "a different vector in a different sentence."
)
self_attention.latex(r"\text{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V")

uses = st.expander("**What is attention used for?**").columns(4)
uses[0].markdown(
    "##### 🌍 Translation\nWhile writing each translated word, look back at the source words that "
    "matter for it: the task for which Bahdanau et al. (2015) introduced this kind of attention."
)
uses[0].page_link("pages/5_🌍_Translation.py", label="Translate with two trained models", icon="🌍")
uses[1].markdown(
    "##### 🍎 Disambiguation\n*Apple is delicious* versus *Apple released a new product*: "
    "attention lets the words around *apple* change its vector, which is what a model needs to "
    "tell the fruit from the company."
)
uses[2].markdown(
    "##### 🔗 Long-range links\nThe subject at the start of a long sentence can connect directly to "
    "its verb at the end: within one attention layer any word can read any other, however far "
    "apart they stand."
)
uses[3].markdown(
    "##### 🏗️ Transformers\nGPT, BERT and today's large language models are stacks of "
    "transformer blocks: each block is a self-attention layer followed by a feed-forward network "
    "(Vaswani et al., 2017, *Attention Is All You Need*)."
)

st.header("Summary")
summary = st.columns(4)
summary[0].info("**Query**: what the current word wants to find out.")
summary[1].info("**Key**: what each word can be matched against.")
summary[2].info("**Value**: the information each word hands over.")
summary[3].info("**Weights**: softmax of the query·key scores ÷ √d_k; each row sums to 1.")

render_exercises(state)

st.header("Explore")
page_links(exclude="Home")

lesson.closing("Home", state)

# The chart is sent last: on a student's first visit the browser then loads Streamlit's 4.7 MB plotly.js
# bundle after the page's text and widgets are on screen, instead of stalling everything below the chart.
chart_slot.plotly_chart(
    cached_figure(library_figure, result.titles, result.weights, TOPICS, result.answer), width="stretch", key="library_chart"
)

state.sync()

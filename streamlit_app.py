"""Attention Explorer: home page. What attention is, in plain English, with a live library demo."""

import streamlit as st

from attention.library import BOOKS, QUESTIONS, TOPICS, ask_library
from figures.home import library_figure
from ui.layout import page_links, setup_page
from ui.state import ChoiceParam, FloatParam, PageState

setup_page("Home", "🏠")

QUESTION_NAMES = tuple(QUESTIONS)
state = PageState(
    "home",
    [ChoiceParam("ask", QUESTION_NAMES[1], QUESTION_NAMES)]
    + [FloatParam(t, QUESTIONS[QUESTION_NAMES[1]][i], 0.0, 3.0, 0.5) for i, t in enumerate(TOPICS)]
    + [FloatParam("temp", 1.0, 0.1, 3.0, 0.1)],
)
state.restore()


def use_question() -> None:
    """Picking a question sets the topic sliders to that question's query vector."""
    for topic, amount in zip(TOPICS, QUESTIONS[state["ask"]], strict=False):
        state.set(topic, float(amount))


st.title("🔎 Attention Explorer")
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
    "your answer is the weighted blend of the books' **values** (what they contain)."
)
controls, result_col = st.columns([1, 2.2])
with controls:
    st.selectbox("Pick a question", QUESTION_NAMES, key=state.key("ask"), on_change=use_question)
    st.caption("…or set the query yourself: how much do you care about each topic?")
    for topic in TOPICS:
        st.slider(topic.capitalize(), 0.0, 3.0, step=0.5, key=state.key(topic))
    st.slider(
        "Pickiness (temperature)",
        0.1,
        3.0,
        step=0.1,
        key=state.key("temp"),
        help="Scores are divided by this before the softmax. Low: read only the best match. "
        "High: skim every book almost equally.",
    )

query = [state[t] for t in TOPICS]
result = ask_library(query, temperature=state["temp"])
with result_col:
    chart_slot = st.empty()  # filled at the end of the script: see there
    # A plain markdown table (book titles and numbers only, no user text): light for a first page.
    rows = [
        f"| {title} | {', '.join(f'{t} {v:g}' for t, v in zip(TOPICS, BOOKS[title][0], strict=False))} "
        f"| {score:.3f} | {weight:.3f} |"
        for title, score, weight in zip(result.titles, result.scores, result.weights, strict=True)
    ]
    st.markdown("\n".join(["| book | key (label) | score q·k / temp | weight |", "| --- | --- | ---: | ---: |", *rows]))
    best = int(result.weights.argmax())
    st.markdown(
        f"Your query is **{', '.join(f'{t} {v:g}' for t, v in zip(TOPICS, query, strict=False))}**. "
        f"The best match is *{result.titles[best]}* with weight **{result.weights[best]:.2f}**; "
        f"the weights add up to **{result.weights.sum():.2f}**. "
        "Lower the temperature and the best match takes nearly everything; raise it and every "
        "book counts about the same."
    )

st.header("What problem does attention solve?")
before, after = st.columns(2)
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
    "Translating *apple*, it looks mostly at *apple* (and a little at its neighbours). Nothing "
    "has to be memorised in advance, and the weights show where it looked."
)
st.page_link("pages/5_🌍_Translation.py", label="See it measured: two translators, one vector versus attention",
             icon="🌍")

st.header("Self-attention: a sentence paying attention to itself")
st.markdown(
    "In **self-attention** the queries, keys and values all come from the same sentence: every "
    "word plays all three roles at once. Each word's embedding is multiplied by three learned "
    "matrices to give its query, key and value vectors. Then three steps:"
)
s1, s2, s3 = st.columns(3)
s1.markdown(
    "##### 1 · Score every pair\nThe dot product of word *i*'s query with word *j*'s key says how "
    "well they match; all pairs at once is the matrix **Q·Kᵀ**. It is divided by **√d** (the "
    "vector length) so the numbers do not grow with the dimension."
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
st.latex(r"\text{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V")

st.header("What is attention used for?")
uses = st.columns(4)
uses[0].markdown(
    "##### 🌍 Translation\nWhile writing each translated word, look back at the source words that "
    "matter for it: the job attention was invented for (Bahdanau et al., 2015)."
)
uses[0].page_link("pages/5_🌍_Translation.py", label="Translate with two trained models", icon="🌍")
uses[1].markdown(
    "##### 🍎 Disambiguation\n*Apple is delicious* versus *Apple released a new product*: the "
    "words around *apple* decide whether it is a fruit or a company."
)
uses[2].markdown(
    "##### 🔗 Long-range links\nThe subject at the start of a long sentence can connect directly to "
    "its verb at the end: any two words are one step apart, however far apart they stand."
)
uses[3].markdown(
    "##### 🏗️ Transformers\nGPT, BERT and today's large language models are stacks of "
    "self-attention layers (Vaswani et al., 2017, *Attention Is All You Need*)."
)

st.header("Summary")
summary = st.columns(4)
summary[0].info("**Query**: what the current word wants to find out.")
summary[1].info("**Key**: what each word can be matched against.")
summary[2].info("**Value**: the information each word hands over.")
summary[3].info("**Weights**: softmax of query·key similarities; each row sums to 1.")

st.header("Explore")
page_links(exclude="Home")

# The chart is sent last: on a student's first visit the browser then loads Streamlit's 4.7 MB plotly.js
# bundle after the page's text and widgets are on screen, instead of stalling everything below the chart.
chart_slot.plotly_chart(
    library_figure(result.titles, result.weights, TOPICS, result.answer), width="stretch", key="library_chart"
)

state.sync()

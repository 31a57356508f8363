"""Complexity: attention's O(n²) cost measured live, and how tiled attention (FlashAttention) escapes its O(n²) memory."""

import math

import streamlit as st

from attention.measure import BLOCK_K, BLOCK_Q, call_bytes
from figures.complexity import theory_figures
from ui import complexity_live, complexity_online, complexity_results, lesson, responsive
from ui.charts import cached_figure
from ui.complexity_run import MEMORY_ENV, TIME_ENV, Settings, memory_budget_bytes, time_budget_s
from ui.exercises import exercise_params, render_exercises
from ui.glossary_terms import tip
from ui.layout import setup_page
from ui.state import BoolParam, IntParam, PageState

setup_page("Complexity", "📈")
responsive.apply()

N_OPTIONS = [2**p for p in range(6, 15)]  # 64 … 16384
D_OPTIONS = [16, 32, 64, 128, 256]
state = PageState(
    "complexity",
    [
        IntParam("n_min", 128, N_OPTIONS[0], N_OPTIONS[-1]),
        IntParam("n_max", 2048, N_OPTIONS[0], N_OPTIONS[-1]),
        IntParam("d", 64, D_OPTIONS[0], D_OPTIONS[-1]),
        IntParam("heads", 1, 1, 8),
        BoolParam("gpu_causal", False),
        IntParam("step", 1, 1, complexity_online.STEPS),
        IntParam("seed", complexity_online.DEFAULT_SEED, 0, 999),
        *exercise_params(),
    ],
)
state.restore()
# Collapsible sections (a phone sees the page's outline first) and the URL parameters set in each: a link
# that changes one opens its section. Choosing the sizes and measuring stay open: they are the page's action.
SECTIONS = {
    "2 · What theory predicts": (),
    "4 · Attention versus a recurrent network": (),
    "5 · At GPU scale: the memory wall": ("gpu_causal",),
    "6 · How tiled attention escapes the memory wall: the online softmax": ("step", "seed"),
}
opened = responsive.opened_by_link(state, SECTIONS)


def section(title: str):
    return st.expander(f"**{title}**", expanded=opened[title])


def nearest(value: int, options: list[int]) -> int:
    """The option closest to ``value`` on a log scale (the sliders only offer powers of two)."""
    return min(options, key=lambda o: abs(math.log2(o) - math.log2(max(value, 1))))


def order_range() -> None:
    """Keep shortest <= longest when either slider moves past the other."""
    low, high = state["n_min"], state["n_max"]
    state.set("n_min", min(low, high))
    state.set("n_max", max(low, high))


# URL values are clamped by the params; snap them onto the sliders' grids too
for name, options in (("n_min", N_OPTIONS), ("n_max", N_OPTIONS), ("d", D_OPTIONS)):
    if state[name] not in options:
        state.set(name, nearest(state[name], options))
order_range()

st.title("📈 What attention costs")
lesson.opening("Complexity", state)
st.markdown(
    "Attention compares every query with every key. For **n** tokens that is n × n dot products of length "
    "**d** per head, so the time grows as **O(n²·d)**, and the n × n matrix of weights takes **O(n²)** memory: "
    "twice the context, four times the work and four times the matrix. Here you measure both on this very "
    "server, then meet a widely used way out of the memory wall: **tiled attention** (FlashAttention). It does "
    "the same arithmetic, so its time still grows as O(n²·d), but it never holds the n × n matrix, so its extra "
    "memory grows only like n."
)

st.header("1 · Choose the sizes")
c1, c2, c3, c4 = st.columns(4)
c1.select_slider("Shortest n", N_OPTIONS, key=state.key("n_min"), on_change=order_range,
                 help="Sequence length: the measurement runs every power of two from the shortest to the longest")
c2.select_slider("Longest n", N_OPTIONS, key=state.key("n_max"), on_change=order_range)
c3.select_slider("Head dimension d", D_OPTIONS, key=state.key("d"),
                 help=tip("d_k", "The length d of each head's query, key and value vectors (d_k elsewhere in the app)."))
c4.slider("Heads H", 1, 8, key=state.key("heads"), help=tip("head", "Independent attention computations side by side"))


def chosen() -> tuple[list[int], int, int]:
    """The sizes on the sliders now (also inside a callback, before the sliders are drawn again)."""
    low, high = sorted((state["n_min"], state["n_max"]))
    return [n for n in N_OPTIONS if low <= n <= high], int(state["d"]), int(state["heads"])


ns, d, heads = chosen()
budget, seconds = memory_budget_bytes(), time_budget_s()

with section("2 · What theory predicts"):
    flops_fig, memory_fig = cached_figure(theory_figures, N_OPTIONS, d, heads,
                                          [call_bytes("naive", n, d, heads) for n in N_OPTIONS],
                                          [call_bytes("tiled", n, d, heads) for n in N_OPTIONS], budget)
    left, right = st.columns(2)
    left.plotly_chart(flops_fig, width="stretch", key="complexity_theory_flops")
    right.plotly_chart(memory_fig, width="stretch", key="complexity_theory_memory")
    st.caption(f"Tiled attention here works on tiles of {BLOCK_Q} queries × {BLOCK_K} keys: its extra memory is "
               "one tile of scores and a few small buffers per block of queries, the same for every n, plus the "
               "n × d output.")

st.header("3 · Measure it on this server")
# One container for what varies (refusals, queue, results): the sections below keep their place (and stay open).
with st.container():
    complexity_results.render_refusals(ns, d, heads, budget)
    st.caption(f"Measurements run one at a time on this server, first come first served, and each stops after about "
               f"{seconds:g} s with what it measured by then. If others are measuring, you see your place in the queue; "
               "if someone asked for the same sizes just before you, you watch their run live. Timings are never cached: "
               "a run's numbers go only to the students who asked while it was queued or running. (The person who "
               f"deploys the app sets the limits with {MEMORY_ENV} and {TIME_ENV}.)")
    # on_click: the request joins the queue at the very start of the rerun (first come, first served)
    st.button("▶️ Run measurement", type="primary", key="complexity_run",
              on_click=lambda: complexity_live.request(Settings.from_page(*chosen(), D_OPTIONS)))
    status_box = st.empty()
    waiting = complexity_live.show(status_box)
    results = st.session_state.get(complexity_live.RESULTS_KEY)
    if results is not None:
        complexity_results.render_measurements(results)
    elif not waiting:
        st.info("Press **Run measurement** to time naive and tiled attention, and a small RNN, for the sizes above: "
                f"at most about {seconds:g} s once it is your turn.", icon="▶️")

with section("4 · Attention versus a recurrent network"):
    complexity_results.render_rnn(results, results["settings"]["ns"] if results else ns)
with section("5 · At GPU scale: the memory wall"):
    complexity_results.render_gpu(state)
with section("6 · How tiled attention escapes the memory wall: the online softmax"):
    complexity_online.render(state)

render_exercises(state)
lesson.closing("Complexity", state)
state.sync()
complexity_live.follow(status_box)  # last: while this student's measurement is queued or running, keep it live

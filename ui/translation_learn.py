"""Watch it learn: the attention model at a saved training step, its cross-attention and the loss curves."""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention.translation.store import checkpoint, shipped
from figures.translation import cross_attention_heatmap, loss_curves, smooth
from ui.charts import cached_figure
from ui.heatmap_common import CHART_CONFIG
from ui.responsive import chart
from ui.state import PageState
from ui.translation import Reading, checkpoint_steps, translate, verdict, word_line

WINDOW = 50  # training-loss moving average, in steps


@st.cache_data(max_entries=64, show_spinner=False)
def attend_at(step_index: int, words: tuple[str, ...], target: tuple[str, ...]) -> np.ndarray:
    """Cross-attention of a checkpoint while it is fed ``target`` (teacher forcing)."""
    return checkpoint(step_index).attend(list(words), list(target))


def loss_figure(step: int):
    data = shipped()
    return cached_figure(loss_curves, data.loss, data.checkpoint_steps, data.heldout_loss, step=step, window=WINDOW)


def format_step(step: str) -> str:
    return "start (random weights)" if step == "0" else f"step {int(step):,}"


def render(state: PageState, reading: Reading) -> None:
    data = shipped()
    steps = checkpoint_steps()
    st.select_slider("Training step", options=steps, key=state.key("step"), format_func=format_step,
                     help="The attention model's weights were saved at these steps of its training.")
    index = steps.index(state["step"])
    step = int(state["step"])
    words = tuple(reading.words)
    own, _ = translate("attention", words, index)
    reference = reading.pair.target if reading.pair else None
    fed = tuple(reference) if reference else tuple(own)
    weights = attend_at(index, words, fed)
    map_col, loss_col = st.columns([1, 1.1], gap="large")
    with map_col:
        fig = cached_figure(cross_attention_heatmap, weights, words, fed, gold=reading.pair.alignment if reading.pair else None,
                                      title=f"Cross-attention at {format_step(state['step'])}", clickable=False)
        chart(fig, "learn_map", config=CHART_CONFIG)
        st.caption(("Here the decoder is fed the reference translation word by word, as in training, so every "
                    "step's map has the same rows." if reference else
                    "Rows: this checkpoint's own translation (the grammar has no reference for this sentence).")
                   + " Weights were saved at half precision.")
    with loss_col:
        st.plotly_chart(loss_figure(step), width="stretch", key="learn_loss", config=CHART_CONFIG)
    at = np.flatnonzero(data.checkpoint_steps == step)[0]
    train_loss = (f"training loss {smooth(data.loss['attention'], WINDOW)[step - 1]:.4f} (mean of the "
                  f"{min(step, WINDOW)} steps before), " if step > 0 else "")
    st.markdown(
        f"**At {format_step(state['step'])}** the attention model translates this sentence as: "
        f"{word_line(own, reference)}" + (f" — {verdict(own, reference)}" if reference else "") + ". "
        f"Its {train_loss}held-out loss {data.heldout_loss['attention'][at]:.4f}; the bottleneck model's "
        f"held-out loss at the same step: {data.heldout_loss['bottleneck'][at]:.4f}."
    )
    first, last = attend_at(0, words, fed), attend_at(len(steps) - 1, words, fed)
    sharp = "; ".join(f"{label} {w.max(axis=1).mean():.2f}" for label, w in
                      (("at the start", first), (f"at {format_step(state['step'])}", weights), ("after training", last)))
    text = f"The largest weight in a row, averaged over this map's rows: {sharp}."
    if reading.pair:
        picked = weights.argmax(axis=1)
        hits = sum(int(picked[t] == s) for t, s in reading.pair.alignment)
        text += (f" At this step {hits} of {len(reading.pair.alignment)} German words put their largest weight on "
                 "their gold-aligned English word (outlined).")
    st.markdown(text)

"""Academic: the sections that are formulas and text only (definition, summary, references)."""

from __future__ import annotations

import streamlit as st

from figures.academic import pipeline_diagram
from ui.charts import cached_figure

REFERENCES = """
1. Bahdanau, D., Cho, K., & Bengio, Y. (2015). Neural machine translation by jointly learning to align and
   translate. *3rd International Conference on Learning Representations (ICLR 2015)*. arXiv:1409.0473.
2. Bengio, Y., Simard, P., & Frasconi, P. (1994). Learning long-term dependencies with gradient descent is
   difficult. *IEEE Transactions on Neural Networks*, 5(2), 157–166. doi:10.1109/72.279181.
3. Dao, T., Fu, D. Y., Ermon, S., Rudra, A., & Ré, C. (2022). FlashAttention: Fast and memory-efficient exact
   attention with IO-awareness. *Advances in Neural Information Processing Systems 35 (NeurIPS 2022)*,
   16344–16359. arXiv:2205.14135.
4. Goodfellow, I., Bengio, Y., & Courville, A. (2016). *Deep Learning*, section 4.1 (Overflow and underflow).
   MIT Press.
5. Jain, S., & Wallace, B. C. (2019). Attention is not explanation. *Proceedings of NAACL-HLT 2019*,
   3543–3556. doi:10.18653/v1/N19-1357.
6. Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., Kaiser, Ł., & Polosukhin, I.
   (2017). Attention is all you need. *Advances in Neural Information Processing Systems 30 (NIPS 2017)*,
   5998–6008. arXiv:1706.03762.
7. Wiegreffe, S., & Pinter, Y. (2019). Attention is not not explanation. *Proceedings of EMNLP-IJCNLP 2019*,
   11–20. doi:10.18653/v1/D19-1002.
8. Xiao, G., Tian, Y., Chen, B., Han, S., & Lewis, M. (2023). Efficient streaming language models with
   attention sinks. arXiv:2309.17453 (published at ICLR 2024).
"""


def definition() -> None:
    st.markdown(
        "An attention layer lets every position of a sequence build its new representation from **all** "
        "positions at once, with mixing weights that depend on content (how well two vectors match), not on a "
        "fixed window. Stack the n query vectors into $Q \\in \\mathbb{R}^{n \\times d_k}$, the keys into "
        "$K \\in \\mathbb{R}^{n \\times d_k}$ and the values into $V \\in \\mathbb{R}^{n \\times d_v}$ "
        "(Vaswani et al., 2017):"
    )
    st.latex(r"\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V")
    st.latex(r"\operatorname{softmax}(s)_j = \frac{e^{s_j}}{\sum_{l} e^{s_l}} \ \text{(row by row)}")
    diagram, steps = st.columns([2, 3])
    diagram.plotly_chart(cached_figure(pipeline_diagram), width="stretch", key="pipeline",
                         config={"displaylogo": False, "staticPlot": True})
    with steps:
        st.subheader("The three steps and what they cost")
        st.markdown("**① Similarity.** Every query meets every key in one matrix product:")
        st.latex(r"S = QK^\top,\quad S_{ij} = q_i \cdot k_j")
        st.markdown("$n^2$ dot products of length $d_k$: $n^2 d_k$ multiply-adds, **O(n²d)** time.")
        st.markdown("**② Scaling.** Divide by $\\sqrt{d_k}$: for unit-variance entries the scores then have "
                    "variance 1 whatever $d_k$ (section 2):")
        st.latex(r"\tilde S = S / \sqrt{d_k}")
        st.markdown("$n^2$ divisions (or $n d_k$, scaling $Q$ first, as `attention.core` does).")
        st.markdown("**③ Weighted aggregation.** Softmax each row, then mix the values:")
        st.latex(r"W = \operatorname{softmax}(\tilde S),\quad o_i = \textstyle\sum_j W_{ij}\, v_j")
        st.markdown("$n^2$ exponentials, $n^2 d_v$ multiply-adds, and the $n \\times n$ matrix $W$ takes "
                    "**O(n²) memory**.")


def summary() -> None:
    sm = st.columns(4)
    sm[0].info("**Query** $q_i = x_i W_Q$: what position i is looking for.")
    sm[1].info("**Key** $k_j = x_j W_K$: what position j can be matched on; $q_i \\cdot k_j / \\sqrt{d_k}$ is "
               "the score.")
    sm[2].info("**Value** $v_j = x_j W_V$: what position j hands over, separate from how it is found.")
    sm[3].info("**Weights** $w_{ij} = \\operatorname{softmax}_j(q_i \\cdot k_j / \\sqrt{d_k})$: each row sums to "
               "1; the output is $\\sum_j w_{ij} v_j$.")


def references() -> None:
    st.markdown(REFERENCES)

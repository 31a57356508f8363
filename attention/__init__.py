"""Attention Explorer's numpy core: every number the app shows is computed here.

Shape legend (docstrings and code alike): T queries, S keys/values, H heads, d dims
(d_k for queries and keys, d_v for values), ``...`` leading batch dims.
Masks are boolean, True = may attend.

This package imports numpy only: no streamlit, plotly or pandas.
"""

from .core import attention_scores, causal_mask, scaled_dot_product_attention, softmax
from .explain import RowArithmetic, row_arithmetic
from .projections import (
    Projections,
    init_projections,
    merge_heads,
    multi_head_attention,
    project_qkv,
    split_heads,
)
from .tokenizer import (
    MAX_CHARS,
    MAX_TOKENS,
    TokenizeError,
    positional_encoding,
    random_embeddings,
    tokenize,
)

__all__ = [
    "softmax",
    "scaled_dot_product_attention",
    "attention_scores",
    "causal_mask",
    "Projections",
    "init_projections",
    "project_qkv",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
    "tokenize",
    "TokenizeError",
    "MAX_TOKENS",
    "MAX_CHARS",
    "random_embeddings",
    "positional_encoding",
    "RowArithmetic",
    "row_arithmetic",
]

# Memory-efficient attention and what it is compared with (Complexity page)
from .rnn import RNNParams, init_rnn, rnn_forward  # noqa: E402
from .tiled import TileStep, tiled_attention  # noqa: E402

__all__ += ["tiled_attention", "TileStep", "RNNParams", "init_rnn", "rnn_forward"]

# Training and the translators (Translation page), imported on first use so that pages without them
# start no slower: ``attention.grad.sdpa_backward``, ``attention.translation.load("attention")``.
_LAZY = ("grad", "layers", "optim", "translation")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

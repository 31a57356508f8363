"""The code panel of the step-by-step page: the source that ran, and a snippet that reproduces the screen."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np


def source_of(func: Callable) -> str:
    """The source of a function exactly as it ran (``inspect``), so what is shown is what computed."""
    return inspect.getsource(func)


def _literal(matrix: np.ndarray) -> str:
    rows = ",\n    ".join("[" + ", ".join(f"{v:.6g}" for v in row) + "]" for row in np.asarray(matrix, float))
    return f"np.array([\n    {rows},\n], dtype=np.float32)"


def reproduce_snippet(
    words: Sequence[str], x: np.ndarray, w_q: np.ndarray, w_k: np.ndarray, w_v: np.ndarray, *,
    scaled: bool, causal: bool,
) -> str:
    """Python (numpy + attention only) that recomputes the page's Q, K, V, weights and output."""
    mask = f"A.causal_mask({len(words)})" if causal else "None"
    scale = "None  # 1/sqrt(d_k)" if scaled else "1.0  # scaling switched off"
    return f'''import numpy as np
import attention as A

words = {list(map(str, words))!r}
X = {_literal(x)}
W_Q = {_literal(w_q)}
W_K = {_literal(w_k)}
W_V = {_literal(w_v)}

Q, K, V = X @ W_Q, X @ W_K, X @ W_V                # (T, d_model) x (d_model, d_k) -> (T, d_k)
output, weights = A.scaled_dot_product_attention(
    Q, K, V, mask={mask}, scale={scale}
)
print(np.round(weights, 3))                        # (T, T): row i = how word i spreads its attention
print(np.round(output, 3))                         # (T, d_k): each word's new, context-mixed vector
'''

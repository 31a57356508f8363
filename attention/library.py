"""The library analogy as numbers: a question (query) matched against book labels (keys),
and an answer blended from the books' contents (values).

The home page's live demo; the arithmetic is :func:`attention.scaled_dot_product_attention`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import attention_scores, scaled_dot_product_attention

__all__ = ["TOPICS", "BOOKS", "QUESTIONS", "LibraryResult", "ask_library"]

TOPICS = ("space", "cooking", "history", "animals")  # the d = 4 dims of queries and keys

# title -> (label tags = key, what the pages contain = value), both over TOPICS
BOOKS = {
    "Rockets to the Moon": ((1.0, 0.0, 0.5, 0.0), (0.8, 0.0, 0.2, 0.0)),
    "Cooking for Astronauts": ((0.6, 1.0, 0.0, 0.0), (0.3, 0.7, 0.0, 0.0)),
    "Kings and Castles": ((0.0, 0.1, 1.0, 0.0), (0.0, 0.1, 0.9, 0.0)),
    "Bread Through the Ages": ((0.0, 1.0, 0.6, 0.0), (0.0, 0.6, 0.4, 0.0)),
    "Animals in Space": ((0.7, 0.0, 0.2, 1.0), (0.4, 0.0, 0.1, 0.5)),
}

# question -> how much it cares about each topic (the query vector)
QUESTIONS = {
    "How did people first get to the Moon?": (2.0, 0.0, 1.0, 0.0),
    "What do astronauts eat?": (1.5, 2.0, 0.0, 0.0),
    "How was bread baked in medieval castles?": (0.0, 2.0, 2.0, 0.0),
    "Which animals have flown in space?": (1.5, 0.0, 0.0, 2.0),
    "Tell me about kings.": (0.0, 0.0, 3.0, 0.0),
}


@dataclass(frozen=True)
class LibraryResult:
    """One lookup: titles (S,), keys (S, d), values (S, d), query (d,),
    scores (S,) = query·key / temperature, weights (S,) summing to 1, answer (d,) = weights·values."""

    titles: list[str]
    keys: np.ndarray
    values: np.ndarray
    query: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    answer: np.ndarray


def ask_library(query, temperature: float = 1.0) -> LibraryResult:
    """Match a ``(d,)`` query over :data:`TOPICS` against every book's label.

    Unscaled dot products (``scale=1``): with d = 4 hand-picked numbers there is no variance
    to tame; ``temperature`` plays the role of "how picky the reader is".
    """
    titles = list(BOOKS)
    keys = np.array([BOOKS[t][0] for t in titles], dtype=np.float32)  # (S, d)
    values = np.array([BOOKS[t][1] for t in titles], dtype=np.float32)  # (S, d)
    q = np.asarray(query, dtype=np.float32)[None, :]  # (T=1, d)
    scores = attention_scores(q, keys, scale=1.0, temperature=temperature)  # (1, S)
    answer, weights = scaled_dot_product_attention(q, keys, values, scale=1.0, temperature=temperature)
    return LibraryResult(titles, keys, values, q[0], scores[0], weights[0], answer[0])

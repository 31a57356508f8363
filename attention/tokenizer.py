"""A word-level tokenizer for sentences that students type, and toy embeddings for its tokens.

Not a subword tokenizer like a real model's (see :mod:`attention.pretrained` for that): here one
token is a word, a number, one punctuation mark, one emoji or one CJK character, so that every
row of a heatmap is a word a student recognises.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "MAX_TOKENS",
    "MAX_CHARS",
    "TokenizeError",
    "tokenize",
    "random_embeddings",
    "positional_encoding",
]

MAX_TOKENS = 64  # a 64 x 64 heatmap is the largest that stays readable
MAX_CHARS = 10_000  # refuse pasted essays before running any regex over them

# One CJK/kana/hangul character per token (those scripts do not separate words with spaces);
# otherwise a word with inner apostrophes or hyphens (didn't, well-known), a number (3.14),
# or any single other visible character (punctuation, emoji, symbols).
_CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
_TOKEN = re.compile(
    rf"{_CJK}|\d+(?:[.,]\d+)*|(?:(?!{_CJK})[^\W\d_])+(?:['’-](?:(?!{_CJK})[^\W\d_])+)*|\S",
    re.UNICODE,
)


class TokenizeError(ValueError):
    """Raised for text that cannot be turned into tokens; the message is meant for the student.

    ``n_tokens`` is the number of tokens found when the text had too many, else None.
    """

    def __init__(self, message: str, n_tokens: int | None = None):
        super().__init__(message)
        self.n_tokens = n_tokens


def tokenize(text: str, max_tokens: int = MAX_TOKENS, *, max_chars: int = MAX_CHARS) -> list[str]:
    """Split a sentence into word-level tokens.

    Parameters
    ----------
    text : str
        What the student typed.
    max_tokens : int
        Refuse text with more tokens than this.
    max_chars : int
        Refuse text longer than this many characters before tokenizing it.

    Returns
    -------
    list of str
        The tokens in order, as plain text (never interpreted as HTML by this package).

    Raises
    ------
    TokenizeError
        Empty or whitespace-only text, or text over either limit; the message says which.

    Examples
    --------
    >>> tokenize("The animal didn't cross.")
    ['The', 'animal', "didn't", 'cross', '.']
    """
    if not isinstance(text, str):
        raise TokenizeError(f"Expected text, got {type(text).__name__}.")
    if len(text) > max_chars:
        raise TokenizeError(
            f"The text is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Try a shorter sentence."
        )
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise TokenizeError("Type at least one word: the text is empty.")
    if len(tokens) > max_tokens:
        raise TokenizeError(
            f"The text has {len(tokens)} tokens; the limit is {max_tokens}. "
            "Shorten it, or use fewer words.",
            n_tokens=len(tokens),
        )
    return tokens


def random_embeddings(
    tokens: list[str], d_model: int, *, rng: np.random.Generator, dtype=np.float32
) -> np.ndarray:
    """Random ``(T, d_model)`` embeddings, one vector per distinct word (case-insensitive).

    Like a freshly initialised embedding table: the same word gets the same vector within one
    draw, different words get unrelated vectors with unit-variance entries.
    """
    vocab = {w: i for i, w in enumerate(dict.fromkeys(t.lower() for t in tokens))}
    table = rng.standard_normal((len(vocab), d_model)).astype(dtype)  # (vocab, d)
    return table[[vocab[t.lower()] for t in tokens]]  # (T, d)


#   PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d))
def positional_encoding(t: int, d_model: int, dtype=np.float32) -> np.ndarray:
    """Sinusoidal position encodings ``(T, d_model)`` of Vaswani et al. (2017), section 3.5."""
    pos = np.arange(t)[:, None]  # (T, 1)
    i = np.arange(d_model)[None, :]  # (1, d)
    angle = pos / np.power(10000.0, (2 * (i // 2)) / d_model)  # (T, d)
    return np.where(i % 2 == 0, np.sin(angle), np.cos(angle)).astype(dtype)

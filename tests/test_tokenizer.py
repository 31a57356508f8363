"""The word-level tokenizer and the toy embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from attention import (
    MAX_TOKENS,
    TokenizeError,
    positional_encoding,
    random_embeddings,
    tokenize,
)


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("The animal didn't cross.", ["The", "animal", "didn't", "cross", "."]),
        ("Apple released a new product!", ["Apple", "released", "a", "new", "product", "!"]),
        ("pi is 3.14, e is 2,718", ["pi", "is", "3.14", ",", "e", "is", "2,718"]),
        ("a well-known café", ["a", "well-known", "café"]),
        ("我爱你", ["我", "爱", "你"]),
        ("hi 😀!", ["hi", "😀", "!"]),
        ("<img src=x onerror=alert(1)>", ["<", "img", "src", "=", "x", "onerror", "=", "alert", "(", "1", ")", ">"]),
        ("  spaced\tout\n", ["spaced", "out"]),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_refused_clearly(text):
    with pytest.raises(TokenizeError, match="empty"):
        tokenize(text)


def test_too_many_tokens_and_too_many_characters():
    with pytest.raises(TokenizeError, match=f"500 tokens; the limit is {MAX_TOKENS}"):
        tokenize(" ".join(["word"] * 500))
    with pytest.raises(TokenizeError, match="characters long"):
        tokenize("x" * 100_000)
    assert len(tokenize(" ".join(["w"] * 10), max_tokens=10)) == 10
    with pytest.raises(TokenizeError):
        tokenize(None)  # type: ignore[arg-type]


def test_random_embeddings_same_word_same_vector():
    x = random_embeddings(["The", "cat", "the", "dog"], 6, rng=np.random.default_rng(0))
    assert x.shape == (4, 6) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0], x[2])
    assert not np.allclose(x[1], x[3])
    y = random_embeddings(["The", "cat", "the", "dog"], 6, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(x, y)


def test_positional_encoding_formula():
    pe = positional_encoding(5, 4)
    assert pe.shape == (5, 4)
    pos, i = 3, 1
    assert pe[pos, 2 * i] == pytest.approx(np.sin(pos / 10000 ** (2 * i / 4)), abs=1e-6)
    assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10000 ** (2 * i / 4)), abs=1e-6)

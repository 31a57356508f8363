"""attention.toy_model: the untrained one-layer self-attention the Heatmap page draws, against explicit loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import attention as A
from attention.toy_model import toy_self_attention

TOKENS = A.tokenize("The cat sat on the mat because it was tired")


def loop_attention_weights(q: np.ndarray, k: np.ndarray, *, causal: bool, temperature: float) -> np.ndarray:
    """(T, S) weights of one head with plain Python loops: dot, / sqrt(d_k) / temperature, masked softmax."""
    t, s, d = q.shape[0], k.shape[0], q.shape[1]
    out = np.zeros((t, s))
    for i in range(t):
        allowed = [j for j in range(s) if not causal or j <= i]
        scores = {j: sum(float(q[i, c]) * float(k[j, c]) for c in range(d)) / math.sqrt(d) / temperature
                  for j in allowed}
        top = max(scores.values())
        exps = {j: math.exp(v - top) for j, v in scores.items()}
        total = sum(exps.values())
        for j, e in exps.items():
            out[i, j] = e / total
    return out


def test_weights_are_the_attention_of_its_own_queries_and_keys():
    r = toy_self_attention(TOKENS, d_model=12, d_k=4, n_heads=3, causal=False, temperature=0.7,
                           rng=np.random.default_rng(1))
    t = len(TOKENS)
    assert r.weights.shape == (3, t, t) and r.q.shape == r.k.shape == r.v.shape == (3, t, 4)
    assert r.output.shape == (t, 12) and r.x.shape == (t, 12)
    for h in range(3):
        np.testing.assert_allclose(r.weights[h], loop_attention_weights(r.q[h], r.k[h], causal=False,
                                                                        temperature=0.7), atol=1e-5)


def test_it_is_multi_head_attention_of_the_embeddings():
    r = toy_self_attention(TOKENS, d_model=8, d_k=2, n_heads=4, causal=True, temperature=2.0,
                           rng=np.random.default_rng(5))
    output, weights = A.multi_head_attention(r.x, r.projections, A.causal_mask(len(TOKENS)), temperature=2.0)
    np.testing.assert_array_equal(r.weights, weights)
    np.testing.assert_array_equal(r.output, output)
    # Q, K, V shown in the detail panel are the same projections, split per head (explicit loop)
    p = r.projections
    for h in range(4):
        for i in range(len(TOKENS)):
            np.testing.assert_allclose(r.q[h, i], r.x[i] @ p.w_q[:, 2 * h: 2 * h + 2], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(r.k[h, i], r.x[i] @ p.w_k[:, 2 * h: 2 * h + 2], rtol=1e-5, atol=1e-6)


def test_causal_mask_and_rows_summing_to_one():
    r = toy_self_attention(TOKENS, d_model=16, d_k=8, n_heads=2, causal=True, rng=np.random.default_rng(0))
    assert np.all(np.triu(r.weights, 1) == 0)
    np.testing.assert_allclose(r.weights.sum(axis=-1), 1, rtol=1e-5)
    np.testing.assert_allclose(r.mean_weights.sum(axis=-1), 1, rtol=1e-5)
    assert r.weights[:, 0, 0] == pytest.approx([1, 1])  # the first word can only see itself
    assert r.mask is not None and r.mask.shape == (len(TOKENS), len(TOKENS))


def test_same_seed_same_weights_new_seed_new_weights():
    def draw(seed):
        return toy_self_attention(TOKENS, d_model=16, d_k=8, rng=np.random.default_rng(seed)).weights

    np.testing.assert_array_equal(draw(42), draw(42))
    assert not np.allclose(draw(42), draw(43))


def test_repeated_words_share_an_embedding_and_differ_by_position_only():
    tokens = ["the", "dog", "saw", "The", "dog"]
    r = toy_self_attention(tokens, d_model=6, d_k=3, rng=np.random.default_rng(2))
    word = r.x - A.positional_encoding(len(tokens), 6)  # the embedding table's rows
    np.testing.assert_allclose(word[0], word[3], atol=1e-6)  # case-insensitive vocabulary
    np.testing.assert_allclose(word[1], word[4], atol=1e-6)
    assert not np.allclose(r.x[1], r.x[4])  # positions keep the two "dog" rows apart


def test_lower_temperature_sharpens_every_row():
    sharp, flat = (toy_self_attention(TOKENS, d_model=16, d_k=8, temperature=t, rng=np.random.default_rng(9))
                   for t in (0.2, 5.0))
    assert np.all(sharp.weights.max(axis=-1) >= flat.weights.max(axis=-1))


def test_one_word_attends_to_itself_and_no_word_is_refused():
    r = toy_self_attention(["hello"], d_model=4, d_k=2, n_heads=2, rng=np.random.default_rng(0))
    np.testing.assert_allclose(r.weights, np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="at least one token"):
        toy_self_attention([], d_model=4, d_k=2, rng=np.random.default_rng(0))


@settings(max_examples=40, deadline=None)
@given(
    t=hs.integers(1, 20),
    d_model=hs.integers(2, 24),
    d_k=hs.integers(1, 12),
    heads=hs.integers(1, 8),
    causal=hs.booleans(),
    temperature=hs.floats(0.1, 5.0),
    seed=hs.integers(0, 2**32 - 1),
)
def test_any_setting_gives_finite_rows_of_probabilities(t, d_model, d_k, heads, causal, temperature, seed):
    tokens = [f"w{i % 5}" for i in range(t)]
    r = toy_self_attention(tokens, d_model=d_model, d_k=d_k, n_heads=heads, causal=causal,
                           temperature=temperature, rng=np.random.default_rng(seed))
    assert r.weights.shape == (heads, t, t)
    assert np.all(np.isfinite(r.weights)) and np.all(r.weights >= 0)
    np.testing.assert_allclose(r.weights.sum(axis=-1), 1, rtol=1e-4)
    if causal:
        assert np.all(np.triu(r.weights, 1) == 0)

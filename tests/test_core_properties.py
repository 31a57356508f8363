"""Property tests (hypothesis) of softmax and attention."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import attention as A

finite = st.floats(-50, 50, allow_nan=False, width=64)
dims = st.integers(1, 6)


@st.composite
def qkv(draw):
    t, d = draw(dims), draw(dims)
    q = draw(arrays(np.float64, (t, d), elements=finite))
    k = draw(arrays(np.float64, (t, d), elements=finite))
    v = draw(arrays(np.float64, (t, draw(dims)), elements=finite))
    return q, k, v


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(dims, dims), elements=st.floats(-1e6, 1e6)))
def test_softmax_rows_sum_to_one_and_shift_invariant(x):
    w = A.softmax(x)
    assert np.isfinite(w).all() and (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=-1), 1, rtol=1e-9)
    np.testing.assert_allclose(A.softmax(x + 123.0), w, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(qkv(), st.booleans())
def test_weight_rows_sum_to_one(data, causal):
    q, k, v = data
    mask = A.causal_mask(len(q)) if causal else None
    out, w = A.scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(w.sum(axis=-1), 1, rtol=1e-9)
    assert out.shape == (len(q), v.shape[1])


@settings(max_examples=40, deadline=None)
@given(qkv(), st.randoms(use_true_random=False))
def test_self_attention_is_permutation_equivariant(data, rnd):
    x, _, _ = data
    p = A.init_projections(x.shape[1], 3, n_heads=2, rng=np.random.default_rng(0), dtype=np.float64)
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    out, w = A.multi_head_attention(x, p)
    out_p, w_p = A.multi_head_attention(x[perm], p)
    np.testing.assert_allclose(out_p, out[perm], atol=1e-8)
    np.testing.assert_allclose(w_p, w[:, perm][:, :, perm], atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(qkv(), st.integers(0, 5))
def test_causal_rows_ignore_future_keys(data, i):
    q, k, v = data
    t = len(q)
    i = i % t
    out, w = A.scaled_dot_product_attention(q, k, v, A.causal_mask(t))
    assert np.all(w[i, i + 1 :] == 0)
    k2, v2 = k.copy(), v.copy()
    k2[i + 1 :] += 17.0  # change the future
    v2[i + 1 :] -= 5.0
    out2, _ = A.scaled_dot_product_attention(q, k2, v2, A.causal_mask(t))
    np.testing.assert_allclose(out2[: i + 1], out[: i + 1], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(qkv(), st.floats(0.05, 20))
def test_temperature_and_scale_as_documented(data, temperature):
    q, k, v = data
    d = q.shape[1]
    _, w_t = A.scaled_dot_product_attention(q, k, v, temperature=temperature)
    _, w_s = A.scaled_dot_product_attention(q, k, v, scale=1 / (np.sqrt(d) * temperature))
    np.testing.assert_allclose(w_t, w_s, atol=1e-9)  # temperature divides the scaled scores
    _, w_default = A.scaled_dot_product_attention(q, k, v)
    _, w_explicit = A.scaled_dot_product_attention(q, k, v, scale=1 / np.sqrt(d))
    np.testing.assert_allclose(w_default, w_explicit)
    _, w_off = A.scaled_dot_product_attention(q, k, v, scale=1.0)
    np.testing.assert_allclose(w_off, A.softmax(q @ k.T), atol=1e-9)  # scale=1 switches scaling off


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(dims, st.integers(2, 6)), elements=finite))
def test_high_temperature_flattens(x):
    _, hot = A.scaled_dot_product_attention(x, x, x, temperature=1e9)  # |scores| <= 6 * 50² here
    np.testing.assert_allclose(hot, 1 / x.shape[0], atol=1e-3)

"""Numerical details that plausible one-line bugs would break without failing the other tests
(issue 11's mutation survivors): the fast softmax's shift-skipping bounds in float32, the documented
initialisation scale of the random projections, and LayerNorm's eps."""

from __future__ import annotations

import math

import numpy as np
import pytest

import attention as A
from attention import core
from attention.pretrained_math import layer_norm


def attention_weights_of_scores(scores: np.ndarray) -> np.ndarray:
    """Weights that scaled_dot_product_attention computes for these (T, S) scores (d_k = 1, scale 1)."""
    t, s = scores.shape
    q = np.ones((t, 1), scores.dtype)  # q · k_j = k_j: each row's scores are the k column
    assert np.all(scores == scores[:1])  # every row the same, so k is one column
    k = scores[0][:, None]
    _, weights = A.scaled_dot_product_attention(q, k, np.zeros((s, 1), scores.dtype), scale=1.0)
    return weights


def float64_softmax(scores: np.ndarray) -> np.ndarray:
    x = scores.astype(np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("row_max", [60.5, 61.0, 70.0, 80.0, 85.0, 88.0, 88.7, 89.0, 150.0, 1e4])
def test_float32_rows_with_a_max_above_the_fast_bound_match_float64(row_max):
    """Above the bound the shift must happen: 8192 scores near e^80..e^88 overflow float32 when summed
    unshifted (8192·e^80 > 3.4e38), and then the weights become 0 or NaN."""
    s = 8192
    offsets = np.linspace(0.0, -3.0, s)  # many keys within a few units of the max
    scores = np.tile((row_max + offsets).astype(np.float32), (2, 1))
    weights = attention_weights_of_scores(scores)
    assert weights.dtype == np.float32 and np.all(np.isfinite(weights))
    np.testing.assert_allclose(weights, float64_softmax(scores), rtol=2e-5, atol=1e-9)


@pytest.mark.parametrize("row_max", [-20.0, -12.0, 0.0, 30.0, 59.9, 60.0])
def test_float32_rows_inside_the_fast_bound_match_float64(row_max):
    s = 4096
    scores = np.tile((row_max - np.linspace(0.0, 120.0, s)).astype(np.float32), (3, 1))  # down to max - 120
    weights = attention_weights_of_scores(scores)
    np.testing.assert_allclose(weights, float64_softmax(scores), rtol=2e-5, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)


def test_the_fast_bound_leaves_room_for_two_billion_keys_in_float32():
    """S keys at the bound sum to at most S·e^max: that must stay below float32's largest number."""
    largest = math.log(float(np.finfo(np.float32).max))  # 88.72
    assert core._NO_SHIFT_MAX + math.log(2.0**31) < largest
    assert math.exp(core._NO_SHIFT_MIN) >= float(np.finfo(np.float32).tiny)  # e^min is a normal float


def test_fast_path_and_shifted_softmax_agree_across_the_bound():
    rng = np.random.default_rng(3)
    for centre in (-25.0, -20.0, 0.0, 59.0, 61.0, 87.0):
        scores = (centre + rng.standard_normal((16, 300))).astype(np.float32)
        scores -= scores.max(axis=-1, keepdims=True) - centre  # every row's max is exactly `centre`
        ones = np.ones((300, 1), np.float32)
        fast = core._softmax_rows_inplace(scores.copy(), ones)
        np.testing.assert_allclose(fast, A.softmax(scores), rtol=2e-5, atol=1e-9)


@pytest.mark.parametrize("d_model, d_k, d_v, heads", [(300, 100, 40, 1), (64, 16, 8, 4), (8, 2, 2, 1)])
def test_projections_follow_the_documented_glorot_scale(d_model, d_k, d_v, heads):
    """init_projections documents Glorot-normal: std = sqrt(2 / (fan_in + fan_out)), mean 0."""
    draws = [A.init_projections(d_model, d_k, d_v, n_heads=heads, rng=np.random.default_rng(i)) for i in range(40)]
    for name, fan_in, fan_out in (("w_q", d_model, heads * d_k), ("w_k", d_model, heads * d_k),
                                  ("w_v", d_model, heads * d_v), ("w_o", heads * d_v, d_model)):
        values = np.concatenate([getattr(p, name).ravel() for p in draws]).astype(np.float64)
        assert getattr(draws[0], name).shape == (fan_in, fan_out)
        expected = math.sqrt(2.0 / (fan_in + fan_out))
        n = values.size
        assert abs(values.mean()) < 5 * expected / math.sqrt(n), name
        assert values.std() == pytest.approx(expected, rel=6 / math.sqrt(n) + 0.005), name


def test_layer_norm_eps_matters_when_the_variance_is_tiny():
    """A row whose variance is of the order of eps: the eps under the square root halves its values."""
    x = np.array([[0.0, 1e-6]])  # variance 2.5e-13
    gamma, beta = np.ones(2), np.zeros(2)
    eps = 1e-12
    expected = np.array([[-5e-7, 5e-7]]) / math.sqrt(2.5e-13 + eps)  # ±0.4472
    np.testing.assert_allclose(layer_norm(x, gamma, beta, eps), expected, rtol=1e-9)
    np.testing.assert_allclose(layer_norm(x, gamma, beta, 0.0), [[-1.0, 1.0]], rtol=1e-9)  # eps left out
    x32 = np.array([[0.0, 2e-3, 0.0, 2e-3]], np.float32)  # variance 1e-6 = eps: values divided by √2
    np.testing.assert_allclose(layer_norm(x32, np.ones(4, np.float32), np.zeros(4, np.float32), 1e-6),
                               [[-1 / math.sqrt(2), 1 / math.sqrt(2)] * 2], rtol=1e-4)

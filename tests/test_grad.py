"""Every backward pass used in training, against central finite differences (float64).

A loss L = Σ (output ⊙ G) with a fixed random G makes ∂L/∂output = G, so each backward function,
given G, must return the numerical derivative of L with respect to each input.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import attention as A
from attention.grad import sdpa_backward, softmax_backward, unbroadcast
from attention.layers import (
    embedding_backward,
    gru_cell,
    gru_cell_backward,
    gru_sequence,
    gru_sequence_backward,
    linear,
    linear_backward,
    sigmoid,
    softmax_cross_entropy,
    tanh_backward,
)
from attention.optim import Adam, clip_by_global_norm
from attention.translation.model import KINDS, SOURCE_VOCAB, TARGET_VOCAB, Config, init_params, loss_and_grads

EPS = 1e-6
ROOT = Path(__file__).resolve().parents[1]


def numerical_grad(f, x: np.ndarray) -> np.ndarray:
    """∂f/∂x by central differences; ``f()`` reads ``x``, which is changed in place and restored."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + EPS
        up = f()
        x[idx] = old - EPS
        down = f()
        x[idx] = old
        grad[idx] = (up - down) / (2 * EPS)
    return grad


def assert_close(analytic, numeric, tol=1e-6):
    np.testing.assert_allclose(analytic, numeric, rtol=tol, atol=tol)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


SDPA_CASES = {
    "plain": dict(q=(4, 3), k=(5, 3), v=(5, 2), mask=None, scale=None),
    "scale": dict(q=(4, 3), k=(5, 3), v=(5, 2), mask=None, scale=0.37),
    "mask": dict(q=(4, 3), k=(5, 3), v=(5, 2), mask="random", scale=None),
    "causal+scale": dict(q=(5, 3), k=(5, 3), v=(5, 4), mask="causal", scale=1.0),
    "batch dims": dict(q=(2, 3, 4, 3), k=(2, 3, 6, 3), v=(2, 3, 6, 2), mask="random", scale=0.5),
    "broadcast batch": dict(q=(2, 3, 4, 3), k=(3, 6, 3), v=(1, 3, 6, 2), mask="random", scale=None),
    "fully masked row": dict(q=(3, 2), k=(4, 2), v=(4, 3), mask="row 1 blocked", scale=None),
}


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_backward_matches_finite_differences(case, rng):
    spec = SDPA_CASES[case]
    q, k, v = (rng.standard_normal(spec[n]) for n in "qkv")
    t, s = spec["q"][-2], spec["k"][-2]
    mask = {None: None, "random": rng.random((t, s)) > 0.3, "causal": A.causal_mask(t)}.get(spec["mask"])
    if spec["mask"] == "row 1 blocked":
        mask = np.ones((t, s), bool)
        mask[1] = False
    if mask is not None:
        mask[:, 0] = mask[:, 0] | (spec["mask"] != "row 1 blocked")  # every row but a blocked one sees a key
    out_shape = A.scaled_dot_product_attention(q, k, v, mask, scale=spec["scale"])[0].shape
    g = rng.standard_normal(out_shape)

    def loss():
        return float(np.sum(A.scaled_dot_product_attention(q, k, v, mask, scale=spec["scale"])[0] * g))

    dq, dk, dv = sdpa_backward(q, k, v, g, mask=mask, scale=spec["scale"])
    assert (dq.shape, dk.shape, dv.shape) == (q.shape, k.shape, v.shape)
    for analytic, x in ((dq, q), (dk, k), (dv, v)):
        assert_close(analytic, numerical_grad(loss, x))
    if spec["mask"] == "row 1 blocked":  # a query that sees nothing gets no gradient
        assert np.all(dq[1] == 0)


def test_sdpa_backward_reuses_given_weights(rng):
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    g = rng.standard_normal((3, 2))
    _, w = A.scaled_dot_product_attention(q, k, v)
    for a, b in zip(sdpa_backward(q, k, v, g, weights=w), sdpa_backward(q, k, v, g), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_sdpa_backward_masked_keys_get_no_gradient(rng):
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    mask = np.ones((3, 5), bool)
    mask[:, 2] = False  # nobody may look at key 2
    _, dk, dv = sdpa_backward(q, k, v, rng.standard_normal((3, 2)), mask=mask)
    assert np.all(dk[2] == 0) and np.all(dv[2] == 0)
    assert np.abs(dk[[0, 1, 3, 4]]).sum() > 0


def test_softmax_backward_and_unbroadcast(rng):
    x, g = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert_close(softmax_backward(A.softmax(x), g), numerical_grad(lambda: float(np.sum(A.softmax(x) * g)), x))
    assert unbroadcast(np.ones((2, 3, 4)), (1, 4)).tolist() == [[6.0] * 4]
    assert unbroadcast(np.ones((2, 3, 4)), (3, 4)).shape == (3, 4)


def test_linear_backward(rng):
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    g = rng.standard_normal((2, 3, 5))
    dx, dw, db = linear_backward(g, x, w)

    def loss():
        return float(np.sum(linear(x, w, b) * g))

    for analytic, arr in ((dx, x), (dw, w), (db, b)):
        assert_close(analytic, numerical_grad(loss, arr))


def test_embedding_backward_adds_repeated_ids(rng):
    table = rng.standard_normal((6, 3))
    ids = np.array([[1, 4, 1], [0, 1, 5]])  # id 1 three times
    g = rng.standard_normal((2, 3, 3))
    assert_close(embedding_backward(g, ids, 6), numerical_grad(lambda: float(np.sum(table[ids] * g)), table))


def test_tanh_and_sigmoid(rng):
    x, g = rng.standard_normal(7), rng.standard_normal(7)
    assert_close(tanh_backward(g, np.tanh(x)), numerical_grad(lambda: float(np.sum(np.tanh(x) * g)), x))
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), atol=1e-15)
    assert sigmoid(np.array([-1000.0]))[0] == 0.0  # no overflow


def test_gru_cell_backward(rng):
    b, h = 3, 4
    xw, s = rng.standard_normal((b, 3 * h)), rng.standard_normal((b, h))
    w_h, b_h = rng.standard_normal((h, 3 * h)) * 0.5, rng.standard_normal(3 * h) * 0.5
    g = rng.standard_normal((b, h))

    def loss():
        return float(np.sum(gru_cell(xw, s, w_h, b_h)[0] * g))

    _, cache = gru_cell(xw, s, w_h, b_h)
    dxw, dh, dhw = gru_cell_backward(g, cache, w_h)
    assert_close(dxw, numerical_grad(loss, xw))
    assert_close(dh, numerical_grad(loss, s))
    assert_close(s.T @ dhw, numerical_grad(loss, w_h))  # dW_h = hᵀ dhw
    assert_close(dhw.sum(axis=0), numerical_grad(loss, b_h))


def test_gru_cell_matches_the_equations(rng):
    """Against the GRU equations written out with explicit weights (PyTorch's gate order r, z, n)."""
    h = 3
    x_w, s = rng.standard_normal((1, 3 * h)), rng.standard_normal((1, h))
    w_h, b_h = rng.standard_normal((h, 3 * h)), rng.standard_normal(3 * h)
    hw = s @ w_h + b_h
    r = 1 / (1 + np.exp(-(x_w[:, :h] + hw[:, :h])))
    z = 1 / (1 + np.exp(-(x_w[:, h:2 * h] + hw[:, h:2 * h])))
    n = np.tanh(x_w[:, 2 * h:] + r * hw[:, 2 * h:])
    np.testing.assert_allclose(gru_cell(x_w, s, w_h, b_h)[0], (1 - z) * n + z * s, atol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_gru_sequence_backward(rng, reverse):
    t, b, h = 4, 2, 3
    xw, h0 = rng.standard_normal((t, b, 3 * h)), rng.standard_normal((b, h))
    w_h, b_h = rng.standard_normal((h, 3 * h)) * 0.5, rng.standard_normal(3 * h) * 0.5
    g = rng.standard_normal((t, b, h))

    def loss():
        return float(np.sum(gru_sequence(xw, h0, w_h, b_h, reverse=reverse)[0] * g))

    states, caches = gru_sequence(xw, h0, w_h, b_h, reverse=reverse)
    first = t - 1 if reverse else 0  # the step that reads h0 comes first in reading order
    np.testing.assert_allclose(states[first], gru_cell(xw[first], h0, w_h, b_h)[0])
    dxw, dh0, dw_h, db_h = gru_sequence_backward(g, caches, w_h, reverse=reverse)
    for analytic, arr in ((dxw, xw), (dh0, h0), (dw_h, w_h), (db_h, b_h)):
        assert_close(analytic, numerical_grad(loss, arr))


def test_softmax_cross_entropy(rng):
    logits, targets = rng.standard_normal((2, 3, 5)) * 3, rng.integers(0, 5, (2, 3))
    loss, dlogits = softmax_cross_entropy(logits, targets)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.mean([log_p[i, j, targets[i, j]] for i in range(2) for j in range(3)])
    assert loss == pytest.approx(expected, abs=1e-12)
    assert_close(dlogits, numerical_grad(lambda: softmax_cross_entropy(logits, targets)[0], logits))
    big, _ = softmax_cross_entropy(np.array([[1e4, -1e4]]), np.array([0]))
    assert big == pytest.approx(0.0, abs=1e-12)  # max-shifted: no overflow


@pytest.mark.parametrize("kind", KINDS)
def test_whole_translator_gradient(kind, rng):
    """Every parameter of a tiny translator (both kinds) against finite differences of its loss."""
    params = init_params(Config(emb=3, enc=2, dec=4, att=3, out=4), rng, dtype=np.float64)
    for name, p in params.items():
        if p.ndim == 1:  # biases start at 0; make them non-zero so their gradients are tested everywhere
            params[name] = rng.standard_normal(p.shape) * 0.3
    src, tgt = rng.integers(0, len(SOURCE_VOCAB), (2, 4)), rng.integers(1, len(TARGET_VOCAB), (2, 5))
    _, grads = loss_and_grads(params, src, tgt, kind)
    assert set(grads) == set(params)
    for name, p in params.items():
        flat_index = rng.choice(p.size, min(p.size, 5), replace=False)  # a few entries of each parameter
        for i in flat_index:
            idx = np.unravel_index(i, p.shape)
            old = p[idx]
            p[idx] = old + EPS
            up = loss_and_grads(params, src, tgt, kind)[0]
            p[idx] = old - EPS
            down = loss_and_grads(params, src, tgt, kind)[0]
            p[idx] = old
            assert grads[name][idx] == pytest.approx((up - down) / (2 * EPS), rel=1e-5, abs=1e-8), (name, idx)
    if kind == "bottleneck":  # one key: softmax weight 1 whatever the query, so W_Q and W_K learn nothing
        assert np.allclose(grads["w_q"], 0, atol=1e-12) and np.allclose(grads["w_k"], 0, atol=1e-12)


def test_adam_first_step_and_clipping():
    p = {"w": np.array([1.0, -2.0])}
    opt = Adam(p, lr=0.1)
    opt.step({"w": np.array([0.5, -3.0])})
    np.testing.assert_allclose(p["w"], [0.9, -1.9], atol=1e-6)  # the first step moves each weight by lr·sign(g)
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose([grads["a"][0], grads["b"][0]], [0.6, 0.8])


def test_training_modules_load_on_first_use():
    """``import attention`` stays light; ``attention.grad`` and ``attention.translation`` load when first used."""
    code = ("import sys, attention; assert 'attention.translation' not in sys.modules; "
            "assert callable(attention.grad.sdpa_backward) and callable(attention.translation.sample); "
            "print(attention.translation.load('attention').translate(['the', 'dog', 'sleeps']).target)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "['der', 'Hund', 'schläft']"

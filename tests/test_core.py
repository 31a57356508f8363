"""The attention core against independent references: explicit loops over rows and keys."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import attention as A


def loop_attention(q, k, v, mask=None, scale=None, temperature=1.0):
    """Reference: one query at a time, one key at a time, with Python floats."""
    t, d_k = q.shape
    s = k.shape[0]
    scale = 1 / math.sqrt(d_k) if scale is None else scale
    weights = np.zeros((t, s))
    for i in range(t):
        allowed = [j for j in range(s) if mask is None or mask[i, j]]
        scores = {j: sum(float(q[i, c]) * float(k[j, c]) for c in range(d_k)) * scale / temperature for j in allowed}
        if not scores:
            continue
        top = max(scores.values())
        exps = {j: math.exp(sc - top) for j, sc in scores.items()}
        total = sum(exps.values())
        for j, e in exps.items():
            weights[i, j] = e / total
    return weights @ v, weights


@pytest.fixture
def qkv():
    rng = np.random.default_rng(7)
    return (rng.standard_normal((5, 4)), rng.standard_normal((6, 4)), rng.standard_normal((6, 3)))


@pytest.mark.parametrize("scale", [None, 1.0, 0.3])
@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.5])
def test_matches_loop_reference(qkv, scale, temperature):
    q, k, v = qkv
    out, w = A.scaled_dot_product_attention(q, k, v, scale=scale, temperature=temperature)
    ref_out, ref_w = loop_attention(q, k, v, scale=scale, temperature=temperature)
    np.testing.assert_allclose(w, ref_w, atol=1e-12)
    np.testing.assert_allclose(out, ref_out, atol=1e-12)


def test_mask_matches_loop_reference(qkv):
    q, k, v = qkv
    mask = np.random.default_rng(3).random((5, 6)) > 0.4
    mask[2] = False  # one fully masked row
    out, w = A.scaled_dot_product_attention(q, k, v, mask)
    ref_out, ref_w = loop_attention(q, k, v, mask)
    np.testing.assert_allclose(w, ref_w, atol=1e-12)
    np.testing.assert_allclose(out, ref_out, atol=1e-12)
    assert np.all(w[2] == 0) and np.all(out[2] == 0)


def test_fully_masked_is_finite_zero_float32():
    q = np.ones((3, 2), np.float32)
    out, w = A.scaled_dot_product_attention(q, q, q, np.zeros((3, 3), bool))
    assert np.isfinite(out).all() and np.isfinite(w).all()
    assert not out.any() and not w.any()


def test_float32_in_float32_out():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 4, 8)).astype(np.float32) for _ in range(3))
    out, w = A.scaled_dot_product_attention(q, k, v, A.causal_mask(4), temperature=0.7)
    assert out.dtype == np.float32 and w.dtype == np.float32
    assert A.softmax(q).dtype == np.float32
    assert A.attention_scores(q, k).dtype == np.float32


def test_batched_equals_per_item():
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((3, 2, 5, 4)), rng.standard_normal((3, 2, 6, 4)), rng.standard_normal((3, 2, 6, 2))
    out, w = A.scaled_dot_product_attention(q, k, v)
    for b in range(3):
        for h in range(2):
            ref_out, ref_w = loop_attention(q[b, h], k[b, h], v[b, h])
            np.testing.assert_allclose(w[b, h], ref_w, atol=1e-12)
            np.testing.assert_allclose(out[b, h], ref_out, atol=1e-12)


@pytest.mark.parametrize(
    "shapes, fragment",
    [
        (((3, 4), (5, 3), (5, 2)), "d_k"),
        (((3, 4), (5, 4), (6, 2)), "S"),
        (((2, 3, 4), (3, 5, 4), (3, 5, 2)), "broadcast"),
        (((4,), (5, 4), (5, 2)), "at least 2 dims"),
    ],
)
def test_shape_errors_name_the_shapes(shapes, fragment):
    q, k, v = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=fragment) as err:
        A.scaled_dot_product_attention(q, k, v)
    assert str(shapes[0]) in str(err.value) or str(shapes[1]) in str(err.value)


def test_bad_mask_shape_and_temperature():
    q = np.zeros((3, 2))
    with pytest.raises(ValueError, match="mask"):
        A.scaled_dot_product_attention(q, q, q, np.ones((4, 4), bool))
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            A.scaled_dot_product_attention(q, q, q, temperature=bad)


def test_softmax_extremes():
    w = A.softmax(np.array([1e4, -1e4, 0.0]))
    assert np.isfinite(w).all() and w.sum() == pytest.approx(1) and w[0] == pytest.approx(1)
    w = A.softmax(np.full((3, 5), -1e30))
    np.testing.assert_allclose(w, 0.2)
    w = A.softmax(np.array([[-np.inf, 0.0], [-np.inf, -np.inf]]))
    np.testing.assert_array_equal(w, [[0, 1], [0, 0]])


def test_softmax_axis_and_input_untouched():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    np.testing.assert_allclose(A.softmax(x, axis=0).sum(axis=0), 1)
    np.testing.assert_array_equal(x, before)


def test_causal_mask():
    np.testing.assert_array_equal(A.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(A.causal_mask(2, 3), [[1, 1, 0], [1, 1, 1]])
    assert A.causal_mask(3).dtype == bool
    with pytest.raises(ValueError):
        A.causal_mask(-1)


def test_scores_are_what_the_softmax_sees(qkv):
    q, k, v = qkv
    scores = A.attention_scores(q, k, temperature=2.0)
    np.testing.assert_allclose(scores, q @ k.T / math.sqrt(4) / 2.0)
    _, w = A.scaled_dot_product_attention(q, k, v, temperature=2.0)
    np.testing.assert_allclose(A.softmax(scores), w)


def test_multi_head_matches_per_head_loop():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 8))
    p = A.init_projections(8, 3, 2, n_heads=4, rng=rng, dtype=np.float64)
    out, w = A.multi_head_attention(x, p, A.causal_mask(6))
    assert out.shape == (6, 8) and w.shape == (4, 6, 6)
    heads = []
    for h in range(4):
        q = x @ p.w_q[:, h * 3 : (h + 1) * 3]
        k = x @ p.w_k[:, h * 3 : (h + 1) * 3]
        v = x @ p.w_v[:, h * 2 : (h + 1) * 2]
        o, ref_w = loop_attention(q, k, v, A.causal_mask(6))
        np.testing.assert_allclose(w[h], ref_w, atol=1e-12)
        heads.append(o)
    np.testing.assert_allclose(out, np.concatenate(heads, axis=1) @ p.w_o, atol=1e-12)


def test_split_merge_roundtrip_and_seeded_init():
    x = np.arange(2 * 5 * 12.0).reshape(2, 5, 12)
    assert A.split_heads(x, 3).shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(A.merge_heads(A.split_heads(x, 3)), x)
    with pytest.raises(ValueError):
        A.split_heads(x, 5)
    a = A.init_projections(4, 2, rng=np.random.default_rng(9))
    b = A.init_projections(4, 2, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a.w_q, b.w_q)
    assert a.w_q.dtype == np.float32 and (a.d_k, a.d_v) == (2, 2)
    with pytest.raises(ValueError):
        A.init_projections(0, 2, rng=np.random.default_rng())


def test_cross_attention_shapes():
    rng = np.random.default_rng(2)
    p = A.init_projections(4, 2, n_heads=2, rng=rng)
    out, w = A.multi_head_attention(rng.standard_normal((3, 4)), p, x_kv=rng.standard_normal((7, 4)))
    assert out.shape == (3, 4) and w.shape == (2, 3, 7)
    with pytest.raises(ValueError, match="d_model"):
        A.project_qkv(np.zeros((3, 5)), p)


def test_row_arithmetic_is_the_attention_row():
    rng = np.random.default_rng(11)
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    mask = A.causal_mask(4)
    out, w = A.scaled_dot_product_attention(q, k, v, mask, temperature=0.8)
    r = A.row_arithmetic(q[2], k, v, mask[2], temperature=0.8)
    np.testing.assert_allclose(r.dots, [sum(q[2, c] * k[j, c] for c in range(3)) for j in range(4)])
    np.testing.assert_allclose(r.exps / r.total, w[2], atol=1e-12)
    np.testing.assert_allclose(r.weights, w[2], atol=1e-12)
    np.testing.assert_allclose(r.output, out[2], atol=1e-12)
    np.testing.assert_allclose(r.contributions.sum(axis=0), out[2], atol=1e-12)
    assert r.scores[3] == -np.inf and r.exps[3] == 0 and r.scale == pytest.approx(1 / math.sqrt(3))


def test_import_attention_pulls_no_ui_libraries():
    code = (
        "import sys, attention, attention.library, attention.explain; "
        "bad = [m for m in ('streamlit', 'plotly', 'pandas') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

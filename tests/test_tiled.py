"""Tiled attention (online softmax) and the chunked fast path of scaled_dot_product_attention, against references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attention as A
from attention.core import _CHUNK_ELEMENTS
from attention.measure import peak_memory
from attention.tiled import TileStep, tiled_attention


def loop_attention(q, k, v, causal=False, scale=None):
    """Reference for one (T, d) problem: explicit loops over queries and keys, Python floats."""
    t, s = q.shape[0], k.shape[0]
    scale = 1 / math.sqrt(q.shape[1]) if scale is None else scale
    out = np.zeros((t, v.shape[1]))
    for i in range(t):
        keys = [j for j in range(s) if not causal or j <= i + s - t]
        if not keys:
            continue
        scores = [float(np.dot(q[i].astype(float), k[j].astype(float))) * scale for j in keys]
        top = max(scores)
        exps = [math.exp(x - top) for x in scores]
        for j, e in zip(keys, exps, strict=True):
            out[i] += e / sum(exps) * v[j]
    return out


@pytest.mark.parametrize("n", [1, 2, 7, 64, 100, 257])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block", [1, 5, 64, 512])
def test_tiled_equals_naive_float32(n, causal, block):
    rng = np.random.default_rng(n * 7 + block)
    q, k, v = (rng.standard_normal((2, n, 16), dtype=np.float32) for _ in range(3))
    expected, _ = A.scaled_dot_product_attention(q, k, v, A.causal_mask(n) if causal else None)
    out = tiled_attention(q, k, v, causal=causal, block_q=block, block_k=block + 3)
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("t, s", [(5, 9), (9, 5), (1, 6), (6, 1), (3, 3)])
@pytest.mark.parametrize("causal", [False, True])
def test_tiled_matches_loop_reference_rectangular(t, s, causal):
    rng = np.random.default_rng(t * 10 + s)
    q, k, v = rng.standard_normal((t, 4)), rng.standard_normal((s, 4)), rng.standard_normal((s, 3))
    out = tiled_attention(q, k, v, causal=causal, scale=0.7, block_q=2, block_k=2)
    np.testing.assert_allclose(out, loop_attention(q, k, v, causal, scale=0.7), atol=1e-12)
    if causal and t > s:  # the first t - s queries may attend to no key: zeros, not NaN
        assert np.all(out[: t - s] == 0)


def test_tiled_is_stable_for_huge_scores_and_broadcasts_batches():
    rng = np.random.default_rng(3)
    q = rng.standard_normal((3, 1, 10, 8)).astype(np.float32) * 300  # scores in the thousands: exp would overflow
    k, v = rng.standard_normal((1, 2, 12, 8)).astype(np.float32), rng.standard_normal((12, 5)).astype(np.float32)
    out = tiled_attention(q, k, v, block_q=3, block_k=4)
    expected, _ = A.scaled_dot_product_attention(q, k, v)
    assert out.shape == (3, 2, 10, 5) and np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(t=st.integers(1, 20), s=st.integers(1, 20), bq=st.integers(1, 8), bk=st.integers(1, 8), causal=st.booleans(),
       seed=st.integers(0, 2**16))
def test_tiled_property_any_sizes_and_blocks(t, s, bq, bk, causal, seed):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((t, 6)), rng.standard_normal((s, 6)), rng.standard_normal((s, 2))
    expected, _ = A.scaled_dot_product_attention(q, k, v, A.causal_mask(t, s) if causal else None)
    np.testing.assert_allclose(tiled_attention(q, k, v, causal=causal, block_q=bq, block_k=bk), expected, atol=1e-12)


def test_trace_is_the_online_softmax():
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((1, 4)), rng.standard_normal((12, 4)), rng.standard_normal((12, 2))
    trace: list[TileStep] = []
    out = tiled_attention(q, k, v, block_q=1, block_k=3, trace=trace)
    row = A.row_arithmetic(q[0], k, v)
    assert [step.keys for step in trace] == [(0, 3), (3, 6), (6, 9), (9, 12)]
    for i, step in enumerate(trace):  # after block i: max and sum over the keys read so far
        seen = row.scores[: 3 * (i + 1)]
        assert step.block_max[0] == pytest.approx(row.scores[3 * i : 3 * i + 3].max())
        assert step.row_max[0] == pytest.approx(seen.max())
        assert step.row_sum[0] == pytest.approx(np.exp(seen - seen.max()).sum())
        if i:
            assert step.rescale[0] == pytest.approx(np.exp(trace[i - 1].row_max[0] - step.row_max[0]))
    assert trace[-1].row_max[0] == pytest.approx(row.row_max)
    assert trace[-1].row_sum[0] == pytest.approx(row.total)
    np.testing.assert_allclose(trace[-1].output[0], out[0], atol=1e-12)
    np.testing.assert_allclose(out[0], row.output, atol=1e-12)


def test_tiled_errors_name_the_problem():
    q = np.zeros((3, 2))
    with pytest.raises(ValueError, match="d_k"):
        tiled_attention(q, np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="block"):
        tiled_attention(q, q, q, block_k=0)


def test_tiled_never_builds_the_n_by_n_matrix():
    rng = np.random.default_rng(0)
    n = 2048
    q, k, v = (rng.standard_normal((n, 32), dtype=np.float32) for _ in range(3))
    naive = peak_memory(lambda: A.scaled_dot_product_attention(q, k, v))
    tiled = peak_memory(lambda: tiled_attention(q, k, v, block_q=128, block_k=256))
    assert naive >= n * n * 4  # the 16 MiB weight matrix
    assert tiled < n * n * 4 / 10 and tiled < naive / 10


# The fast path of scaled_dot_product_attention: big inputs are processed a chunk of rows at a time.


def plain_attention(q, k, v, mask=None):
    """Unchunked reference in float64: whole score matrix, then softmax, then the product."""
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top[~np.isfinite(top)] = 0
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    w = e / np.where(total == 0, 1, total)
    return w @ v, w


@pytest.mark.parametrize("masked", [False, True])
def test_chunked_sdpa_equals_unchunked_reference(masked):
    rng = np.random.default_rng(5)
    t, s = 700, 800  # 2 heads x 700 x 800 > _CHUNK_ELEMENTS: the chunked path, with a partial last chunk
    assert 2 * t * s > _CHUNK_ELEMENTS
    q = rng.standard_normal((2, t, 16), dtype=np.float32)
    k, v = rng.standard_normal((s, 16), dtype=np.float32), rng.standard_normal((2, s, 8), dtype=np.float32)
    mask = None
    if masked:
        mask = rng.random((t, s)) > 0.3
        mask[10] = False  # a fully masked row
        mask = mask[None]  # broadcast over heads
    out, w = A.scaled_dot_product_attention(q, k, v, mask)
    ref_out, ref_w = plain_attention(q, k, v, mask)
    assert out.dtype == w.dtype == np.float32 and w.shape == (2, t, s)
    np.testing.assert_allclose(w, ref_w, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, atol=1e-5)
    if masked:
        assert not w[:, 10].any() and not out[:, 10].any()


def test_chunked_sdpa_mask_can_add_batch_dims_and_temperature_applies():
    rng = np.random.default_rng(6)
    q, k, v = (rng.standard_normal((600, 8)) for _ in range(3))
    mask = np.stack([A.causal_mask(600), np.ones((600, 600), bool)])  # (2, T, S): a batch dim from the mask
    out, w = A.scaled_dot_product_attention(q, k, v, mask, temperature=2.0)
    assert out.shape == (2, 600, 8) and w.shape == (2, 600, 600)
    ref_out, ref_w = plain_attention(q / 2.0, k, v, mask)
    np.testing.assert_allclose(w, ref_w, atol=1e-12)
    np.testing.assert_allclose(out, ref_out, atol=1e-12)


@pytest.mark.parametrize("offset", [-1000.0, -30.0, 0.0, 70.0, 5000.0])
def test_sdpa_same_weights_whether_or_not_the_max_shift_is_needed(offset):
    """Scores shifted by a constant give the same weights (softmax is shift-invariant), on both code paths."""
    rng = np.random.default_rng(8)
    q, k, v = rng.standard_normal((4, 6)), rng.standard_normal((5, 6)), rng.standard_normal((5, 2))
    base = A.scaled_dot_product_attention(q, k, v, scale=1.0)
    # append a constant feature: every score of a row grows by offset
    q2, k2 = np.hstack([q, np.full((4, 1), offset)]), np.hstack([k, np.ones((5, 1))])
    out, w = A.scaled_dot_product_attention(q2, k2, v, scale=1.0)
    np.testing.assert_allclose(w, base[1], atol=1e-9)
    np.testing.assert_allclose(out, base[0], atol=1e-9)
    assert np.isfinite(w).all()

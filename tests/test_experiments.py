"""attention.experiments against independent references (explicit loops, finite differences, theory)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import attention as A
from attention import experiments as E

# ---- why divide by √d_k --------------------------------------------------------------------------------


def test_dot_products_match_a_loop_and_the_scale_is_one_over_sqrt_dk():
    d, n = 5, 7
    unscaled, scaled = E.dot_product_samples(d, n, rng=np.random.default_rng(11))
    rng = np.random.default_rng(11)  # one chunk: q then k, drawn exactly as the function does
    q, k = rng.standard_normal((n, 1, d)), rng.standard_normal((n, 1, d))
    for i in range(n):
        dot = sum(q[i, 0, j] * k[i, 0, j] for j in range(d))
        assert unscaled[i] == pytest.approx(dot, rel=1e-12)
        assert scaled[i] == pytest.approx(dot / math.sqrt(d), rel=1e-12)


@pytest.mark.parametrize("d_k", [1, 16, 256])
def test_variance_is_d_k_unscaled_and_one_scaled(d_k):
    # 4000 pairs: the sample variance has relative std <= sqrt(8 / 4000) = 4.5%, so ±25% is > 5 sigma.
    unscaled, scaled = E.dot_product_samples(d_k, 4000, rng=np.random.default_rng(d_k))
    assert np.var(unscaled) / d_k == pytest.approx(1, abs=0.25)
    assert np.var(scaled) == pytest.approx(1, abs=0.25)
    assert abs(np.mean(scaled)) < 0.15  # mean 0, std of the mean 1/sqrt(4000)


def test_chunks_give_the_same_statistics_as_any_size():
    """Sampling is chunked: a long request crosses chunk boundaries and stays exact and reproducible."""
    d = 1024
    n = 3 * (E.CHUNK_ELEMENTS // d) + 5
    a = E.dot_product_samples(d, n, rng=np.random.default_rng(0))
    b = E.dot_product_samples(d, n, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], a[0] / 32, rtol=1e-12)


def test_work_is_bounded():
    with pytest.raises(ValueError, match="choose fewer"):
        E.dot_product_samples(1024, E.MAX_WORK, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        E.dot_product_samples(0, 10, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2 keys"):
        E.softmax_row_stats(4, 1, 10, rng=np.random.default_rng(0))


def test_largest_experiments_the_page_allows_stay_within_a_few_megabytes():
    tracemalloc.start()
    try:
        E.dot_product_samples(1024, 2000, rng=np.random.default_rng(0))
        E.softmax_row_stats(1024, 64, 128, rng=np.random.default_rng(0))
        E.weights_nbytes([1024], 64, rng=np.random.default_rng(0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_entropy_against_a_loop_and_its_bounds():
    w = np.array([[0.5, 0.25, 0.25, 0.0], [1, 0, 0, 0], [0.25] * 4])
    loop = [-sum(p * math.log(p) for p in row if p > 0) for row in w]
    np.testing.assert_allclose(E.entropy(w), loop)
    assert E.entropy(w)[1] == 0 and E.entropy(w)[2] == pytest.approx(math.log(4))


def finite_difference_jacobian(s: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    jac = np.empty((s.size, s.size))
    for j in range(s.size):
        step = np.zeros_like(s)
        step[j] = eps
        jac[:, j] = (A.softmax(s + step) - A.softmax(s - step)) / (2 * eps)
    return jac


def test_softmax_jacobian_matches_finite_differences_and_its_norm():
    s = np.array([0.3, -1.2, 2.0, 0.0, 0.7])
    w = A.softmax(s)
    jac = E.softmax_jacobian(w)
    np.testing.assert_allclose(jac, finite_difference_jacobian(s), atol=1e-8)
    assert E.jacobian_norm(w) == pytest.approx(np.linalg.norm(jac), rel=1e-12)
    assert E.jacobian_norm(np.full(16, 1 / 16)) == pytest.approx(math.sqrt(15) / 16)
    assert E.jacobian_norm(np.eye(6)[2]) == 0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 12)), elements=st.floats(-30, 30)))
def test_closed_form_jacobian_norm_equals_the_full_matrix_norm(s):
    w = A.softmax(s)
    full = np.linalg.norm(E.softmax_jacobian(w), axis=(-2, -1))
    np.testing.assert_allclose(E.jacobian_norm(w), full, atol=1e-9)


def test_row_stats_use_the_package_softmax_and_scale():
    d, s_keys, n = 8, 6, 3
    stats = E.softmax_row_stats(d, s_keys, n, rng=np.random.default_rng(4))
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal((n, 1, d)), rng.standard_normal((n, s_keys, d))
    dots = np.array([sum(q[0, 0, i] * k[0, j, i] for i in range(d)) for j in range(s_keys)])
    np.testing.assert_allclose(stats.example["unscaled"], A.softmax(dots), rtol=1e-10)
    np.testing.assert_allclose(stats.example["scaled"], A.softmax(dots / math.sqrt(d)), rtol=1e-10)
    assert stats.max_weight["scaled"].shape == (n,)
    assert set(stats.means()) == {"max_weight", "entropy", "grad_norm"}


def test_unscaled_rows_saturate_and_scaled_rows_do_not():
    small = E.softmax_row_stats(1, 16, 128, rng=np.random.default_rng(0))
    for stat in ("max_weight", "entropy", "grad_norm"):  # √1 = 1: the two variants are identical
        np.testing.assert_array_equal(getattr(small, stat)["unscaled"], getattr(small, stat)["scaled"])
    big = E.softmax_row_stats(1024, 16, 128, rng=np.random.default_rng(0)).means()
    assert big["max_weight"]["unscaled"] > 0.85 > 0.4 > big["max_weight"]["scaled"]
    assert big["entropy"]["unscaled"] < 0.3 < 1.8 < big["entropy"]["scaled"] <= math.log(16)
    assert big["grad_norm"]["unscaled"] < 0.5 * big["grad_norm"]["scaled"]


# ---- why three matrices --------------------------------------------------------------------------------


def test_identity_and_shared_projections_give_symmetric_scores_separate_do_not():
    tokens = A.tokenize("the cat sat on the mat because it was warm")
    x = A.random_embeddings(tokens, 16, rng=np.random.default_rng(1))
    ident = E.projection_case(x, E.identity_projections(16))
    t = len(tokens)
    loop = np.array([[sum(float(x[i, c]) * float(x[j, c]) for c in range(16)) / 4 for j in range(t)]
                     for i in range(t)])
    np.testing.assert_allclose(ident.scores, loop, rtol=1e-5, atol=1e-5)
    assert ident.asymmetry < 1e-5 and ident.self_top >= 0.8 and ident.self_weight > 0.4
    shared = E.projection_case(x, E.shared_projections(16, rng=np.random.default_rng(2)))
    assert shared.asymmetry < 1e-5
    separate = E.projection_case(x, A.init_projections(16, 16, rng=np.random.default_rng(3)))
    assert separate.asymmetry > 0.1
    np.testing.assert_allclose(separate.weights.sum(axis=1), 1, rtol=1e-5)


# ---- masks ---------------------------------------------------------------------------------------------


def test_demo_masks_against_a_loop():
    n_real, n_pad = 4, 2
    for kind in E.MASK_KINDS:
        mask = E.demo_mask(kind, n_real, n_pad)
        for i in range(6):
            for j in range(6):
                ok = (j <= i or kind in ("none", "padding")) and (j < n_real or kind in ("none", "causal"))
                assert mask[i, j] == ok, (kind, i, j)
    with pytest.raises(ValueError, match="unknown mask"):
        E.demo_mask("sideways", 3)


def test_masked_multi_head_weights_are_zero_where_forbidden():
    x = np.vstack([np.random.default_rng(0).standard_normal((5, 8)), np.zeros((2, 8))])
    p = A.init_projections(8, 4, n_heads=2, rng=np.random.default_rng(1))
    mask = E.demo_mask("both", 5, 2)
    _, w = A.multi_head_attention(x, p, mask)
    assert E.weight_outside_mask(w, mask) == 0.0
    _, free = A.multi_head_attention(x, p)
    assert E.weight_outside_mask(free, mask) > 0
    assert E.weight_outside_mask(w, np.ones((7, 7), bool)) == 0.0


# ---- caveats -------------------------------------------------------------------------------------------


def test_same_output_weights_change_the_row_but_not_the_output():
    rng = np.random.default_rng(0)
    w = A.softmax(rng.standard_normal(8) * 2)
    v = rng.standard_normal((8, 3))
    alt = E.same_output_weights(w, v)
    assert alt is not None and (alt >= 0).all() and alt.sum() == pytest.approx(1)
    for c in range(3):  # the output, by a loop
        assert sum(alt[j] * v[j, c] for j in range(8)) == pytest.approx(sum(w[j] * v[j, c] for j in range(8)))
    assert 0.5 * np.abs(alt - w).sum() > 0.1
    assert alt[np.argmax(w)] < w.max() - 0.1
    assert E.same_output_weights(A.softmax(rng.standard_normal(3)), rng.standard_normal((3, 2))) is None


def test_counterfactual_row_is_the_model_row():
    tokens = A.tokenize("the animal did not cross the street because it was tired")
    x = A.random_embeddings(tokens, 16, rng=np.random.default_rng(0))
    p = A.init_projections(16, 4, 2, rng=np.random.default_rng(6))
    cf = E.counterfactual(x, p, 8)
    q, k, v = A.project_qkv(x, p)
    out, w = A.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(cf.weights, w[8], rtol=1e-6)
    np.testing.assert_allclose(cf.alt_output, out[8], atol=1e-5)
    assert np.abs(cf.alt_weights - cf.weights).max() > 0.01


def test_unshifted_softmax_overflows_where_the_package_does_not():
    row = np.array([100.0, 90.0, 50.0], np.float32)
    exps, naive = E.unshifted_softmax(row)
    assert np.isinf(exps[0]) and np.isnan(naive).any()
    assert np.isfinite(A.softmax(row)).all()
    small = np.array([1.0, 0.5, -0.3], np.float32)
    np.testing.assert_allclose(E.unshifted_softmax(small)[1], A.softmax(small), rtol=1e-6)


def test_weights_memory_is_four_n_squared_bytes():
    sizes = E.weights_nbytes([16, 32, 64], 8, rng=np.random.default_rng(0))
    assert sizes == [4 * n * n for n in (16, 32, 64)]
    with pytest.raises(ValueError, match="1..1024"):
        E.weights_nbytes([2048], 8, rng=np.random.default_rng(0))


def test_experiments_import_no_ui_library():
    import subprocess
    import sys

    code = ("import sys, attention.experiments; "
            "print(sorted(m for m in ('streamlit', 'plotly', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lopsided_pair_prefers_the_given_pair_else_the_largest_gap():
    w = np.array([[0.5, 0.1, 0.4], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    assert E.lopsided_pair(w, (0, 2)) == (0, 2)
    assert E.lopsided_pair(w) == (1, 0)  # w[1, 0] - w[0, 1] = 0.5 is the largest gap
    assert E.lopsided_pair(w, (1, 1)) == (1, 0) and E.lopsided_pair(w, (0, 7)) == (1, 0)  # invalid: ignored
    with pytest.raises(ValueError):
        E.lopsided_pair(np.ones((1, 1)))


def test_equal_scores_give_unequal_weights_when_rows_differ():
    """The Academic claim: with W_Q = W_K the scores are symmetric, the weights are not."""
    x = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    case = E.projection_case(x, E.shared_projections(8, rng=np.random.default_rng(1)))
    np.testing.assert_allclose(case.scores, case.scores.T, atol=1e-5)
    i, j = E.lopsided_pair(case.weights)
    assert case.weights[i, j] - case.weights[j, i] > 0.05

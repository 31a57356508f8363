"""Numbers behind the Heatmap's pretrained mode (attention.pretrained_findings), against explicit loops, and the
"one word, two meanings" text, which must follow whatever the numbers say."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from attention.pretrained_findings import (
    SENSES,
    offset_weights,
    pool_attention,
    sense_similarity,
)
from ui.heatmap_senses import findings


@pytest.mark.parametrize("n, groups", [(10, 4), (128, 32), (33, 32), (5, 8), (7, 1)])
def test_pool_attention_against_loops(n, groups):
    w = np.random.default_rng(n).dirichlet(np.ones(n), size=(2, n))  # (H, n, n), rows sum to 1
    pooled, edges = pool_attention(w, groups)
    g = min(groups, n)
    assert pooled.shape == (2, g, g) and edges[0] == 0 and edges[-1] == n and np.all(np.diff(edges) >= 1)
    assert np.diff(edges).max() - np.diff(edges).min() <= 1  # groups of near-equal size
    for h, a, b in itertools.product(range(2), range(g), range(g)):
        rows, cols = range(edges[a], edges[a + 1]), range(edges[b], edges[b + 1])
        expected = sum(sum(w[h, i, j] for j in cols) for i in rows) / len(rows)  # mean query, summed keys
        assert pooled[h, a, b] == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(pooled.sum(axis=-1), 1, atol=1e-12)  # rows still sum to 1


def test_pooling_keeps_a_parking_column_dark():
    w = np.full((64, 64), 0.1 / 63)
    w[:, 0] = 0.9  # every query parks 0.9 on [CLS]
    pooled, _ = pool_attention(w, 32)
    assert pooled[:, 0].min() == pytest.approx(0.9 + 0.1 / 63)  # summed over the key group, not diluted


def test_offset_weights_names_the_rows_that_count():
    w = np.arange(25.0).reshape(5, 5)
    rows, values = offset_weights(w, -1, ["[CLS]", "a", "b", "c", "[SEP]"])
    assert list(rows) == [2, 3] and list(values) == [w[2, 1], w[3, 2]]  # pairs of words only
    rows, values = offset_weights(w, +1)
    assert list(values) == [w[i, i + 1] for i in range(4)]


def test_sense_similarity_against_loops():
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((6, 3, 8))  # N = 6 sentences, L + 1 = 3, d = 8
    labels = np.array([0, 0, 0, 1, 1, 1])
    sim = sense_similarity(vectors, labels)

    def cos(u, v):
        return float(u @ v / np.sqrt((u @ u) * (v @ v)))

    for layer in range(3):
        same = {(a, b): cos(vectors[a, layer], vectors[b, layer]) for a, b in itertools.combinations(range(6), 2)
                if labels[a] == labels[b]}
        cross = {(a, b): cos(vectors[a, layer], vectors[b, layer]) for a, b in itertools.combinations(range(6), 2)
                 if labels[a] != labels[b]}
        assert sim.same_mean[layer] == pytest.approx(np.mean(list(same.values())))
        assert sim.cross_mean[layer] == pytest.approx(np.mean(list(cross.values())))
        assert sim.same_min[layer] == pytest.approx(min(same.values()))
        assert sim.same_max[layer] == pytest.approx(max(same.values()))
        assert sim.cross_min[layer] == pytest.approx(min(cross.values()))
        assert sim.cross_max[layer] == pytest.approx(max(cross.values()))
        assert tuple(sim.same_min_pair[layer]) == min(same, key=same.get)
        assert tuple(sim.cross_max_pair[layer]) == max(cross, key=cross.get)
        nearest = [max((b for b in range(6) if b != a), key=lambda b: cos(vectors[a, layer], vectors[b, layer]))
                   for a in range(6)]
        assert sim.nearest_same[layer] == sum(labels[a] == labels[nearest[a]] for a in range(6))
    with pytest.raises(ValueError):
        sense_similarity(vectors, np.zeros(6, int))  # no cross-sense pair


def test_the_sense_set_has_both_senses():
    assert len(SENSES.flat) == 10 and list(SENSES.labels) == [0] * 5 + [1] * 5
    assert all("apple" in s.lower() for s in SENSES.flat)


def _similarity(same_end: float, cross_end: float, overlap: bool):
    """A SenseSimilarity of 10 sentences in two layers whose final mean cosines are about the given ones."""
    rng = np.random.default_rng(0)
    labels = SENSES.labels
    base = rng.standard_normal((2, 40))
    vectors = np.empty((10, 2, 40))
    vectors[:, 0] = rng.standard_normal(40)  # the embeddings: all alike
    for i, s in enumerate(labels):
        vectors[i, 1] = base[s] + 0.2 * rng.standard_normal(40)
    sim = sense_similarity(vectors, labels)
    # rewrite the last layer's summary with the wanted numbers: the text must follow them
    sim.same_mean[-1], sim.cross_mean[-1] = same_end, cross_end
    sim.same_min[-1], sim.cross_max[-1] = (0.5, 0.7) if overlap else (0.8, 0.6)
    return sim


@pytest.mark.parametrize("same_end, cross_end, overlap", [(0.9, 0.7, True), (0.6, 0.8, False)])
def test_the_apple_text_follows_the_numbers(same_end, cross_end, overlap):
    text = " ".join(findings(_similarity(same_end, cross_end, overlap), positions=list(range(1, 11))))
    assert f"**{same_end:.3f}**" in text and f"**{cross_end:.3f}**" in text
    if same_end > cross_end:
        assert "more alike when the meaning is the same" in text and "*not*" not in text
    else:
        assert "*not* more alike when the meaning is the same" in text
    if overlap:
        assert "But the ranges overlap" in text and "0.500" in text and "0.700" in text
    else:
        assert "Every same-sense pair is more alike than every cross-sense pair" in text
    assert "What cosine can and cannot tell" in text

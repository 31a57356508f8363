"""Training in miniature: a small translator's loss falls within a few dozen steps; schedule, corpus, storage."""

from __future__ import annotations

import numpy as np
import pytest

from attention.translation import is_held_out
from attention.translation.decode import Translator
from attention.translation.evaluate import LengthScores, alignment_counts, held_out_set, score
from attention.translation.model import KINDS, SOURCE_VOCAB, Config, init_params
from attention.translation.store import _read, save
from attention.translation.train import (
    TrainConfig,
    encode_pairs,
    learning_rate,
    make_corpus,
    mean_loss,
    train,
)

TINY = Config(emb=12, enc=12, dec=24, att=16, out=24)
QUICK = TrainConfig(steps=80, batch=16, lr=1e-2, warmup=5, corpus=400, min_len=3, max_len=6, seed=3,
                    checkpoints=(0, 40, 80))


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(QUICK)


@pytest.fixture(scope="module")
def trained(corpus):
    """Both kinds trained for 80 steps, with what the checkpoint callback saw."""
    out = {}
    for kind in KINDS:
        seen = []
        params, losses = train(kind, TINY, QUICK, corpus, on_checkpoint=lambda s, p, seen=seen: seen.append(s))
        out[kind] = (params, losses, seen)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_loss_falls(trained, kind):
    _, losses, _ = trained[kind]
    assert losses[0] == pytest.approx(np.log(len(init_params(TINY, np.random.default_rng(0))["cls_b"])), rel=0.25)
    assert losses[-10:].mean() < 0.6 * losses[:10].mean(), (losses[:10].mean(), losses[-10:].mean())


def test_training_is_repeatable(trained, corpus):
    """Same seed, same weights: the retrain command reproduces the shipped models."""
    params, losses = train("attention", TINY, QUICK, corpus)
    np.testing.assert_array_equal(losses, trained["attention"][1])
    assert all(np.array_equal(params[k], trained["attention"][0][k]) for k in params)


def test_same_start_same_batches(trained, corpus):
    """Both kinds begin from identical weights and see identical batches: only the memory differs."""
    a = init_params(TINY, np.random.default_rng(QUICK.seed))
    b = init_params(TINY, np.random.default_rng(QUICK.seed))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert {k: v.shape for k, v in trained["attention"][0].items()} == {k: v.shape for k, v in trained["bottleneck"][0].items()}
    assert trained["attention"][1][0] == pytest.approx(trained["bottleneck"][1][0], rel=0.05)  # same first batch
    assert trained["attention"][2] == [0, 40, 80] == trained["bottleneck"][2]


def test_held_out_loss_falls_and_the_bottleneck_keeps_wq_wk(trained, corpus):
    held = encode_pairs(held_out_set(5, seed=4, lengths=range(3, 7)))
    params, _, _ = trained["attention"]
    start = init_params(TINY, np.random.default_rng(QUICK.seed))
    assert mean_loss(params, held, "attention") < 0.7 * mean_loss(start, held, "attention")
    # With one key, softmax gives weight 1 whatever the query: W_Q and W_K cannot change what the bottleneck
    # model reads, while they do change what the attention model reads.
    rng = np.random.default_rng(0)
    for kind, matters in (("bottleneck", False), ("attention", True)):
        trained_params = trained[kind][0]
        shuffled = dict(trained_params, w_q=rng.standard_normal(start["w_q"].shape).astype(np.float32),
                        w_k=rng.standard_normal(start["w_k"].shape).astype(np.float32))
        change = abs(mean_loss(shuffled, held, kind) - mean_loss(trained_params, held, kind))
        assert (change > 1e-2) if matters else (change < 1e-5), (kind, change)


def test_corpus_is_training_split_only(corpus):
    assert sum(len(s) for s, _ in corpus.values()) == QUICK.corpus
    assert set(corpus) == set(range(3, 7))
    for src, tgt in corpus.values():
        assert tgt.shape == (src.shape[0], src.shape[1] + 1)  # one German word per English word, then </s>
        for row in src:
            assert not is_held_out([SOURCE_VOCAB[i] for i in row])


def test_learning_rate_schedule():
    tc = TrainConfig(steps=1000, lr=1.0, warmup=100, decay_from=0.6, lr_floor=0.02)
    assert learning_rate(0, tc) == pytest.approx(0.01)
    assert learning_rate(99, tc) == pytest.approx(1.0)
    assert learning_rate(500, tc) == pytest.approx(1.0)
    assert learning_rate(800, tc) == pytest.approx(0.5)
    assert learning_rate(999, tc) == pytest.approx(0.02)


def test_store_round_trip(tmp_path, trained):
    pairs = held_out_set(3, seed=5, lengths=range(3, 6))
    weights = {kind: trained[kind][0] for kind in KINDS}
    scores = {kind: score(Translator(kind, weights[kind]), pairs) for kind in KINDS}
    assert isinstance(scores["attention"], LengthScores) and scores["attention"].sentences.sum() == len(pairs)
    alignment = alignment_counts(weights["attention"], pairs)
    path = tmp_path / "t.npz"
    save(path, meta={"train": {"steps": 80}}, weights=weights, checkpoint_steps=[0, 80],
         checkpoint_weights={k: np.stack([v, v]) for k, v in weights["attention"].items()},
         loss={k: trained[k][1] for k in KINDS}, heldout_loss={k: [2.0, 1.0] for k in KINDS},
         scores=scores, alignment=alignment)
    data = _read(path)
    assert data.meta == {"train": {"steps": 80}}
    for kind in KINDS:
        assert all(np.array_equal(data.weights[kind][k], weights[kind][k]) for k in weights[kind])
        np.testing.assert_array_equal(data.scores[kind].exact, scores[kind].exact)
    assert data.checkpoint_weights["w_q"].dtype == np.float16 and data.checkpoint_steps.tolist() == [0, 80]
    with pytest.raises(ValueError):
        data.weights["attention"]["w_q"][0, 0] = 1.0  # shared between sessions: read-only

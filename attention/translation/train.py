"""Training: the same data, the same initial weights and the same schedule for both kinds of model.

A corpus of training-split sentence pairs is drawn once; each step takes a batch of sentences of one
length (no padding needed), computes the teacher-forced cross-entropy and its gradients with the
backward passes in ``attention/``, clips the gradients' norm and takes an Adam step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from ..layers import softmax_cross_entropy
from ..optim import Adam, clip_by_global_norm
from .grammar import MAX_LEN, MIN_LEN, Pair, sample
from .model import EOS, SOURCE_ID, TARGET_ID, Config, forward, init_params, loss_and_grads

__all__ = ["TrainConfig", "Corpus", "make_corpus", "learning_rate", "train", "mean_loss"]



@dataclass(frozen=True)
class TrainConfig:
    steps: int = 6000
    batch: int = 64
    lr: float = 3e-3  # Adam's step size after warm-up
    warmup: int = 200  # steps of linear warm-up from 0
    decay_from: float = 0.6  # fraction of the steps after which the step size falls linearly …
    lr_floor: float = 0.02  # … to this fraction of lr
    clip: float = 1.0  # largest gradient norm
    corpus: int = 40_000  # training sentence pairs, drawn once
    min_len: int = MIN_LEN
    max_len: int = MAX_LEN
    seed: int = 0
    checkpoints: tuple[int, ...] = ()  # steps after which ``on_checkpoint`` is called (0 = before training)

    def as_dict(self) -> dict:
        return asdict(self)


Corpus = dict[int, tuple[np.ndarray, np.ndarray]]  # source length -> (source ids (N, S), target ids (N, S + 1))


def encode_pairs(pairs: list[Pair]) -> Corpus:
    """Id arrays grouped by source length; each target ends with the end mark </s>."""
    groups: dict[int, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(len(pair.source), []).append(pair)
    return {
        n: (np.array([[SOURCE_ID[w] for w in p.source] for p in ps]),
            np.array([[TARGET_ID[w] for w in p.target] + [EOS] for p in ps]))
        for n, ps in sorted(groups.items())
    }


def make_corpus(tc: TrainConfig) -> Corpus:
    """``tc.corpus`` training-split pairs (never a held-out sentence), lengths uniform in min_len..max_len."""
    return encode_pairs(sample(tc.corpus, seed=tc.seed, min_len=tc.min_len, max_len=tc.max_len, split="train"))


#   lr_t = lr · min(1, t / warmup) · (1 → floor, linearly over the last 1 − decay_from of the steps)
def learning_rate(step: int, tc: TrainConfig) -> float:
    warm = min(1.0, (step + 1) / tc.warmup)
    frac = step / tc.steps
    decay = 1.0 if frac < tc.decay_from else max(tc.lr_floor, (1 - frac) / (1 - tc.decay_from))
    return tc.lr * warm * decay


def mean_loss(params: dict, corpus: Corpus, kind: str) -> float:
    """Mean cross-entropy per target word (end marks included) over a whole corpus, no gradients."""
    total, count = 0.0, 0
    for src, tgt in corpus.values():
        logits, _, _ = forward(params, src, tgt, kind)
        total += softmax_cross_entropy(logits, tgt)[0] * tgt.size
        count += tgt.size
    return total / count


def train(
    kind: str,
    cfg: Config,
    tc: TrainConfig,
    corpus: Corpus,
    *,
    on_checkpoint: Callable[[int, dict], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Train one model from scratch; returns (weights, the training loss of every step)."""
    params = init_params(cfg, np.random.default_rng(tc.seed))  # the same initial weights for both kinds
    batches = np.random.default_rng(tc.seed + 1)  # the same batches for both kinds
    opt = Adam(params, lr=tc.lr)
    lengths = list(corpus)
    losses = np.empty(tc.steps, np.float32)
    start = time.process_time()
    if on_checkpoint and 0 in tc.checkpoints:
        on_checkpoint(0, params)
    for step in range(tc.steps):
        src, tgt = corpus[lengths[batches.integers(len(lengths))]]
        rows = batches.integers(0, len(src), tc.batch)
        losses[step], grads = loss_and_grads(params, src[rows], tgt[rows], kind)
        clip_by_global_norm(grads, tc.clip)
        opt.step(grads, lr=learning_rate(step, tc))
        if on_checkpoint and step + 1 in tc.checkpoints:
            on_checkpoint(step + 1, params)
        if log and (step + 1) % 500 == 0:
            log(f"{kind:10s} step {step + 1:5d}/{tc.steps}  loss {losses[step - 499: step + 1].mean():.4f}  "
                f"{time.process_time() - start:6.1f} s CPU")
    return params, losses

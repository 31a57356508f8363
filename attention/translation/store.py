"""The shipped translators: one compressed .npz written by ``scripts/train_translators.py``.

Contents (``kind`` is "attention" or "bottleneck"):

    meta                        JSON: model and training configuration, parameter count, training time
    <kind>.<param>              final weights, float32
    checkpoints.steps           (C,) training steps of the saved checkpoints (0 = the random start)
    checkpoints.<param>         (C, …) the attention model's weights at those steps, float16
    loss.<kind>                 (steps,) training loss of every step
    heldout_loss.<kind>         (C,) loss on held-out sentences at each checkpoint step
    eval.lengths                (L,) sentence lengths 3 … 25
    eval.<kind>.<count>         (L,) sentences, exact, words_correct, words_total per length
    align.<count>               (L,) content/crossing/all hits and totals per length (attention model)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .decode import Translator
from .evaluate import LengthScores
from .model import KINDS

__all__ = ["WEIGHTS", "Shipped", "save", "shipped", "load", "checkpoint"]

WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "translators.npz"
SCORE_FIELDS = ("sentences", "exact", "words_correct", "words_total")


@dataclass(frozen=True)
class Shipped:
    """Everything the training command measured and saved, read-only."""

    meta: dict
    weights: dict[str, dict[str, np.ndarray]]  # kind -> param -> array
    checkpoint_steps: np.ndarray  # (C,)
    checkpoint_weights: dict[str, np.ndarray]  # param -> (C, …) float16
    loss: dict[str, np.ndarray]  # kind -> (steps,)
    heldout_loss: dict[str, np.ndarray]  # kind -> (C,)
    scores: dict[str, LengthScores]  # kind -> per-length counts on held-out sentences
    alignment: dict[str, np.ndarray]  # count name -> (L,)


def save(path: Path, *, meta: dict, weights: dict, checkpoint_steps, checkpoint_weights: dict, loss: dict,
         heldout_loss: dict, scores: dict[str, LengthScores], alignment: dict) -> None:
    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True)), "checkpoints.steps": np.asarray(checkpoint_steps)}
    for kind in KINDS:
        arrays.update({f"{kind}.{k}": v.astype(np.float32) for k, v in weights[kind].items()})
        arrays[f"loss.{kind}"] = np.asarray(loss[kind], np.float32)
        arrays[f"heldout_loss.{kind}"] = np.asarray(heldout_loss[kind], np.float32)
        arrays.update({f"eval.{kind}.{f}": getattr(scores[kind], f) for f in SCORE_FIELDS})
    arrays["eval.lengths"] = scores[KINDS[0]].lengths
    arrays.update({f"checkpoints.{k}": np.asarray(v, np.float16) for k, v in checkpoint_weights.items()})
    arrays.update({f"align.{k}": v for k, v in alignment.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def _read(path: Path) -> Shipped:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}

    def group(prefix: str) -> dict[str, np.ndarray]:
        return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}

    for a in arrays.values():
        a.flags.writeable = False  # shared by every student's session: nobody may change them
    return Shipped(
        meta=json.loads(str(arrays["meta"])),
        weights={kind: group(f"{kind}.") for kind in KINDS},
        checkpoint_steps=arrays["checkpoints.steps"],
        checkpoint_weights={k: v for k, v in group("checkpoints.").items() if k != "steps"},
        loss={kind: arrays[f"loss.{kind}"] for kind in KINDS},
        heldout_loss={kind: arrays[f"heldout_loss.{kind}"] for kind in KINDS},
        scores={kind: LengthScores(arrays["eval.lengths"], *(arrays[f"eval.{kind}.{f}"] for f in SCORE_FIELDS))
                for kind in KINDS},
        alignment=group("align."),
    )


@lru_cache(maxsize=2)
def shipped(path: Path = WEIGHTS) -> Shipped:
    """The shipped file, read once per process."""
    return _read(Path(path))


def load(kind: str) -> Translator:
    """The shipped, fully trained model of ``kind`` ("attention" or "bottleneck")."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return _translator(kind)


@lru_cache(maxsize=len(KINDS))
def _translator(kind: str) -> Translator:
    data = shipped()
    return Translator(kind, data.weights[kind], step=int(data.meta["train"]["steps"]))


@lru_cache(maxsize=64)
def checkpoint(index: int) -> Translator:
    """The attention model as it was at checkpoint ``index`` (its weights, saved at half precision)."""
    data = shipped()
    params = {k: v[index].astype(np.float32) for k, v in data.checkpoint_weights.items()}
    return Translator("attention", params, step=int(data.checkpoint_steps[index]))

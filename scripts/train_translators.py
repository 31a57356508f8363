"""Retrain both translators from scratch and write the weights the app ships.

    nice python scripts/train_translators.py            # the shipped models: about 5 minutes of CPU
    python scripts/train_translators.py --steps 300 --out /tmp/t.npz   # a quick look

Both models start from the same random weights (seed 0), see the same batches of the same 40 000
training sentences, with the same schedule; they differ only in the decoder's cross-attention memory
(see ``attention/translation/model.py``). Afterwards both are measured on held-out sentences (never
trained on) and everything is written to ``attention/data/translators.npz`` (see
``attention/translation/store.py``), which the Translation page reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: extra BLAS threads only cost time
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from attention.translation import evaluate as ev  # noqa: E402
from attention.translation.decode import Translator  # noqa: E402
from attention.translation.model import KINDS, Config, n_params  # noqa: E402
from attention.translation.store import WEIGHTS, save  # noqa: E402
from attention.translation.train import TrainConfig, encode_pairs, make_corpus, mean_loss, train  # noqa: E402

CHECKPOINTS = (0, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 2000, 4000, 6000)
EVAL_PER_LENGTH = 200  # held-out sentences per length for the shipped figures (fewer where fewer exist)
EVAL_SEED, CURVE_SEED = 1, 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=TrainConfig.steps)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    try:
        os.nice(10)  # a shared machine: let everyone else go first
    except OSError:
        pass
    wall = time.time()
    tc = TrainConfig(steps=args.steps, checkpoints=tuple(s for s in CHECKPOINTS if s < args.steps) + (args.steps,))
    cfg = Config()
    corpus = make_corpus(tc)
    curve_set = encode_pairs(ev.held_out_set(20, seed=CURVE_SEED))  # held-out loss at each checkpoint
    print(f"corpus: {sum(len(s) for s, _ in corpus.values())} training pairs; {n_params_of(cfg)} parameters per model")

    weights, losses, heldout, snapshots, seconds = {}, {}, {}, [], {}
    for kind in KINDS:
        heldout[kind] = []

        def checkpoint(step: int, params: dict, kind: str = kind) -> None:
            heldout[kind].append(mean_loss(params, curve_set, kind))
            if kind == "attention":
                snapshots.append({k: v.astype(np.float16) for k, v in params.items()})

        start = time.process_time()
        weights[kind], losses[kind] = train(kind, cfg, tc, corpus, on_checkpoint=checkpoint,
                                            log=lambda line: print(line, flush=True))
        seconds[kind] = round(time.process_time() - start, 1)

    pairs = ev.held_out_set(EVAL_PER_LENGTH, seed=EVAL_SEED)
    scores = {kind: ev.score(Translator(kind, weights[kind]), pairs) for kind in KINDS}
    alignment = ev.alignment_counts(weights["attention"], pairs)
    meta = {
        "model": cfg.as_dict(), "train": tc.as_dict(), "parameters": n_params(weights["attention"]),
        "train_cpu_seconds": seconds, "eval": {"per_length": EVAL_PER_LENGTH, "seed": EVAL_SEED,
                                               "sentences": len(pairs)},
        "heldout_curve_sentences": int(sum(len(s) for s, _ in curve_set.values())),
    }
    save(args.out, meta=meta, weights=weights, checkpoint_steps=tc.checkpoints,
         checkpoint_weights={k: np.stack([s[k] for s in snapshots]) for k in snapshots[0]},
         loss=losses, heldout_loss=heldout, scores=scores, alignment=alignment)
    print(f"\nwrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - wall:.0f} s; CPU time "
          f"{time.process_time():.0f} s, of which training {seconds}")
    print(f"held-out sentences: {len(pairs)}")
    for lo, hi, (n, *exact) in ev.by_bins(scores["attention"].lengths, scores["attention"].sentences,
                                          scores["attention"].exact, scores["bottleneck"].exact):
        print(f"  {lo:2d}-{hi:2d} words: n={n:4d}  exact match  attention {exact[0] / n:7.2%}  "
              f"bottleneck {exact[1] / n:7.2%}")
    hits, total = alignment["content_hits"].sum(), alignment["content_total"].sum()
    print(f"  content words whose largest cross-attention weight is on the gold source word: {hits / total:.2%}")
    return 0


def n_params_of(cfg: Config) -> int:
    from attention.translation.model import init_params

    return n_params(init_params(cfg, np.random.default_rng(0)))


if __name__ == "__main__":
    sys.exit(main())

"""The Translation page's targets (issue 14), measured: accuracy, alignment, and the page's rerun time.

    python3 benchmarks/report_translation.py [--fresh 60] [--repeats 15]

Prints, from the shipped file (attention/data/translators.npz), the held-out exact match and word accuracy
of both models per length bin and how often the attention model's largest cross-attention weight sits on
the gold-aligned word; measures both again on a fresh held-out sample (``--fresh`` sentences per length,
another seed); and times reruns of the page's default view with AppTest (script time, as
bench_heatmap_page.py measures it). Exits 1 if a target is missed. The machine is shared: run it twice.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attention.translation import KINDS, load, shipped  # noqa: E402
from attention.translation.evaluate import alignment_counts, by_bins, held_out_set, score  # noqa: E402
from attention.translation.store import WEIGHTS  # noqa: E402
from benchmarks.bench_heatmap_page import SCRIPT_MS  # noqa: E402  (importing it times Streamlit's script runs)
from tests.conftest import app_page  # noqa: E402

PAGE = "pages/5_🌍_Translation.py"
RERUN_TARGET_MS = 200.0


def table(scores: dict, alignment: dict, label: str) -> list[str]:
    """Print one evaluation; return the targets it misses."""
    missed = []
    print(f"\n{label}")
    print(f"{'length':>8s} {'sentences':>9s} | {'exact: attention':>16s} {'bottleneck':>10s} | "
          f"{'words: attention':>16s} {'bottleneck':>10s}")
    att, bot = scores["attention"], scores["bottleneck"]
    rows = by_bins(att.lengths, att.sentences, att.exact, bot.exact, att.words_total, att.words_correct,
                   bot.words_correct)
    for lo, hi, (n, ea, eb, words, wa, wb) in rows:
        print(f"{lo:3d}–{hi:<4d} {n:9d} | {ea / n:16.2%} {eb / n:10.2%} | {wa / words:16.2%} {wb / words:10.2%}")
        if ea / n < 0.98:
            missed.append(f"attention model {ea / n:.2%} exact on {lo}–{hi} words (target ≥ 98 %)")
    (_, _, (n0, a0, b0, *_)), (lo, hi, (_, a1, b1, *_)) = rows[0], rows[-1]
    print(f"bottleneck / attention exact match on {lo}–{hi} words: {b1 / max(a1, 1):.3f} (target ≤ 0.5); "
          f"short sentences: {a0 / n0:.1%} and {b0 / n0:.1%} (both should do well: ≥ 90 %)")
    if b1 > 0.5 * a1:
        missed.append("bottleneck not clearly worse on the longest sentences")
    if min(a0, b0) < 0.9 * n0:
        missed.append("a model below 90 % on short sentences")
    content = alignment["content_hits"].sum() / alignment["content_total"].sum()
    crossing = alignment["crossing_hits"].sum() / alignment["crossing_total"].sum()
    print(f"largest cross-attention weight on the gold word: content words {content:.2%} "
          f"(of {alignment['content_total'].sum()}; target ≥ 90 %), crossing content words {crossing:.2%} "
          f"(of {alignment['crossing_total'].sum()})")
    if content < 0.9:
        missed.append(f"alignment {content:.2%} < 90 %")
    return missed


def rerun_ms(repeats: int) -> list[float]:
    """Script time of reruns of the default view, after one untimed first run (imports, caches)."""
    at = app_page(PAGE).run()
    assert not at.exception, at.exception
    times = []
    for _ in range(repeats):
        SCRIPT_MS.clear()
        at.run()
        assert not at.exception, at.exception
        times.append(sum(SCRIPT_MS))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", type=int, default=60, help="fresh held-out sentences per length (0: skip)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    data = shipped()
    print(f"{WEIGHTS} ({WEIGHTS.stat().st_size / 1e6:.2f} MB): {data.meta['parameters']:,} parameters per model, "
          f"{data.meta['train']['steps']} steps, training CPU {data.meta['train_cpu_seconds']} s")
    missed = table(data.scores, data.alignment, f"shipped evaluation: {data.meta['eval']['sentences']} held-out "
                                                 f"sentences (seed {data.meta['eval']['seed']})")
    if args.fresh:
        start = time.perf_counter()
        pairs = held_out_set(args.fresh, seed=99)
        scores = {kind: score(load(kind), pairs) for kind in KINDS}
        missed += table(scores, alignment_counts(load("attention").params, pairs),
                        f"fresh sample: {len(pairs)} held-out sentences (seed 99), measured in "
                        f"{time.perf_counter() - start:.1f} s")
    times = rerun_ms(args.repeats)
    median = statistics.median(times)
    print(f"\npage default view rerun, script time: median {median:.1f} ms, fastest {min(times):.1f} ms "
          f"({args.repeats} reruns; target < {RERUN_TARGET_MS:.0f} ms: {'met' if median < RERUN_TARGET_MS else 'MISSED'})")
    if median >= RERUN_TARGET_MS:
        missed.append(f"rerun {median:.0f} ms")
    print("\nall targets met" if not missed else "\nMISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

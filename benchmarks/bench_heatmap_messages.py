"""What one Heatmap request costs: the size of every element sent, the rerun time and the peak memory.

    python3 benchmarks/bench_heatmap_messages.py [--repeats 3]

For each input (random mode at its default and its largest view; pretrained mode from the default sentence
up to and past the model's 128 word pieces) it prints the largest element and the total of all elements as
Streamlit serialises them (the server refuses a message over server.maxMessageSize = 50 MB), the median
script time of a warm rerun (AppTest.run(), caches filled), and the peak of Python's own allocations
(tracemalloc, numpy included) during one warm rerun: what a request adds on top of the loaded model.
Exits 1 if any element reaches 2 MB. The machine is shared: times are noisy, sizes and memory are not.

Measured on the development machine (2 shared cores, load average 11-17: times are only indicative),
before (issue 15) and after the overview was redrawn (one trace per map on category axes, maps pooled to
32 x 32 past 32 tokens, no text per cell) and long texts were cut to the model's 128 word pieces:

    input                          largest element       all elements       warm rerun       peak alloc
    pretrained, default (15)       0.95 -> 0.21 MB       1.01 -> 0.30 MB    0.15 -> 0.3 s    9.8 -> 3.0 MiB
    pretrained, 62 pieces          13.7 -> 0.61 MB       14.1 -> 1.05 MB     5.4 -> 0.5 s    131 -> 10 MiB
    pretrained, 112 pieces         44.3 -> 0.95 MB       45.7 -> 1.72 MB     5.0 -> 0.6 s    423 -> 20 MiB
    pretrained, 128 pieces         57.5 -> 1.23 MB       59.4 -> 2.00 MB    19.1 -> 0.3 s    548 -> 25 MiB
    random, 64 words x 8 heads     0.28 -> 0.57 MB       0.54 -> 1.02 MB     (masked cells now drawn as masked)

The default page now also runs the apple experiment (cached after the first visit) and more text.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import app_page  # noqa: E402
from tests.test_heatmap_sizes import element_sizes  # noqa: E402

PAGE = "pages/1_🔥_Heatmap.py"
LIMIT = 2_000_000
SENTENCE = "The quick brown fox jumps over the lazy dog. "  # 10 word pieces
CASES = [
    ("random, default", {}),
    ("random, 64 words, 8 heads, causal", {"text": " ".join(f"w{i}" for i in range(64)), "n": "64", "heads": "8",
                                           "causal": "1", "d_model": "64", "d_k": "32"}),
    ("pretrained, default (15 pieces)", {"mode": "pretrained"}),
    ("pretrained, 62 pieces", {"mode": "pretrained", "text": SENTENCE * 6}),
    ("pretrained, 112 pieces", {"mode": "pretrained", "text": SENTENCE * 11}),
    ("pretrained, 128 pieces", {"mode": "pretrained", "text": SENTENCE * 12 + "a b c d e f"}),
    ("pretrained, 402 pieces (cut to 128)", {"mode": "pretrained", "text": SENTENCE * 40}),
]


def measure(query: dict, repeats: int) -> tuple[dict[str, int], float, float]:
    """(element sizes, median warm rerun seconds, peak MiB of one warm rerun)."""
    at = app_page(PAGE, query).run(timeout=300)
    assert not at.exception, at.exception
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run(timeout=300)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    at.run(timeout=300)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return element_sizes(at), statistics.median(times), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'input':38s} {'largest element':>28s} {'all elements':>13s} {'warm rerun':>11s} {'peak alloc':>11s}")
    worst = 0
    for name, query in CASES:
        sizes, seconds, peak = measure(query, args.repeats)
        largest = max(sizes, key=sizes.get)
        worst = max(worst, sizes[largest])
        print(f"{name:38s} {sizes[largest] / 1e6:7.3f} MB {largest.split(':')[-1][:16]:>17s} "
              f"{sum(sizes.values()) / 1e6:10.3f} MB {seconds:9.2f} s {peak:8.1f} MiB")
    ok = worst < LIMIT
    print(f"largest element {worst / 1e6:.3f} MB: {'under' if ok else 'OVER'} the {LIMIT / 1e6:.0f} MB target "
          "(server limit 50 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

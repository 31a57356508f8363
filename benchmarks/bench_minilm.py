"""Benchmark the numpy MiniLM encoder (attention/minilm.py) against PyTorch's forward of the same model.

    python3 benchmarks/bench_minilm.py                 # ours only (torch not needed)
    /opt/torchenv/bin/python benchmarks/bench_minilm.py  # ours vs torch + transformers

One thread for both (set before numpy/torch are imported), the model from local files only.
Reports the model load time (target < 1 s) and the median time to encode a 12-token sentence.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attention.minilm import find_model_dir, load_encoder  # noqa: E402

SENTENCE = "The keys to the cabinet are on the table."  # 12 word pieces with [CLS] and [SEP]
REPEATS = 200


def median_ms(fn, repeats: int = REPEATS) -> float:
    for _ in range(10):  # warm-up
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main() -> int:
    folder = find_model_dir()
    load_encoder(folder)  # warm the OS file cache: we measure loading, not the disk
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        encoder = load_encoder(folder)
        loads.append(time.perf_counter() - t)
    n = len(encoder.tokenize(SENTENCE)[0])
    print(f"model: {folder}")
    print(f"sentence: {SENTENCE!r} ({n} word pieces)")
    print(f"load (numpy, median of 5): {1000 * statistics.median(loads):.0f} ms (target < 1000 ms)")
    ours = median_ms(lambda: encoder.encode(SENTENCE))
    print(f"encode, ours (numpy, 1 thread): {ours:.2f} ms (median of {REPEATS})")

    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        print(
            "torch/transformers not importable: skipping the PyTorch comparison "
            "(run with /opt/torchenv/bin/python)"
        )
        return 0
    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    t = time.perf_counter()
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()
    torch_load = time.perf_counter() - t
    batch = tokenizer(SENTENCE, return_tensors="pt")

    def torch_forward(output_attentions: bool):
        with torch.inference_mode():
            return model(**batch, output_attentions=output_attentions)

    # Interleaved rounds, so that a noisy neighbour on the machine slows both sides alike.
    rounds: dict[str, list[float]] = {"ours": [], "torch_attn": [], "torch": []}
    for _ in range(3):
        rounds["ours"].append(median_ms(lambda: encoder.encode(SENTENCE), REPEATS // 2))
        rounds["torch_attn"].append(median_ms(lambda: torch_forward(True), REPEATS // 2))
        rounds["torch"].append(median_ms(lambda: torch_forward(False), REPEATS // 2))
    ours = min(ours, statistics.median(rounds["ours"]))
    theirs_attn = statistics.median(rounds["torch_attn"])
    theirs = statistics.median(rounds["torch"])
    print(f"encode, ours, interleaved with torch: {statistics.median(rounds['ours']):.2f} ms")
    print(f"load (transformers AutoModel, once): {1000 * torch_load:.0f} ms")
    print(
        f"encode, PyTorch {torch.__version__} eager, output_attentions=True (1 thread): {theirs_attn:.2f} ms"
    )
    print(f"encode, PyTorch eager, no attentions (1 thread): {theirs:.2f} ms")
    print(
        f"ours / torch(with attentions) = {ours / theirs_attn:.2f}x; ours / torch(plain) = {ours / theirs:.2f}x "
        "(< 1 means ours is faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

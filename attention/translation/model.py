"""Two translators that differ in one thing: what the decoder's cross-attention may look at.

Encoder (both): source words → embeddings → a bidirectional GRU → one state per source word, M (B, S, 2h).
Decoder (both): a GRU over the target words written so far; at each step its state s_t queries a memory
with :func:`attention.scaled_dot_product_attention` and the word is scored from [s_t ; what it read]:

    attention model:   memory = M                every source word's state        (B, S, 2h)
    bottleneck model:  memory = mean_j M_j       one fixed vector for the sentence (B, 1, 2h)

With one key, softmax gives it weight 1 whatever the query: the bottleneck decoder reads the same summary
at every step and starts from it (s_0), the fixed-vector encoder–decoder of Sutskever et al. (2014) and Cho
et al. (2014). With S keys it is the "global attention" decoder of Luong et al. (2015), scored by the
transformer's scaled dot product. Same code, same parameter shapes, same initial weights.

Shape legend: B sentences, S source words, T target steps (words + end mark), e embedding width,
h encoder units per direction, H decoder units, a attention width, V_s / V_t vocabularies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..core import scaled_dot_product_attention
from ..grad import sdpa_backward
from ..layers import (
    embedding_backward,
    gru_sequence,
    gru_sequence_backward,
    linear_backward,
    softmax_cross_entropy,
    tanh_backward,
)
from .grammar import SOURCE_WORDS, TARGET_WORDS

__all__ = ["KINDS", "Config", "SOURCE_VOCAB", "TARGET_VOCAB", "SOURCE_ID", "TARGET_ID", "BOS", "EOS", "init_params", "encode",
           "memory_of", "forward", "backward", "loss_and_grads", "decoder_start", "readout", "n_params"]

KINDS = ("attention", "bottleneck")
SOURCE_VOCAB = list(SOURCE_WORDS)
TARGET_VOCAB = ["<s>", "</s>", *TARGET_WORDS]  # <s> starts the decoder, </s> ends a translation
BOS, EOS = 0, 1
SOURCE_ID = {w: i for i, w in enumerate(SOURCE_VOCAB)}
TARGET_ID = {w: i for i, w in enumerate(TARGET_VOCAB)}


@dataclass(frozen=True)
class Config:
    emb: int = 32  # e: word embedding width (source and target)
    enc: int = 32  # h: encoder units per direction (memory width 2h)
    dec: int = 64  # H: decoder units
    att: int = 64  # a: query/key/value width of the cross-attention
    out: int = 64  # width of the layer before the word scores

    def as_dict(self) -> dict:
        return asdict(self)


def init_params(cfg: Config, rng: np.random.Generator, dtype=np.float32) -> dict[str, np.ndarray]:
    """Random weights, std 1/√fan-in (embeddings std 1), biases 0. Both kinds take the same ones."""
    vs, vt, e, h, hd, a, o = len(SOURCE_VOCAB), len(TARGET_VOCAB), cfg.emb, cfg.enc, cfg.dec, cfg.att, cfg.out
    shapes = {
        "src_emb": (vs, e), "tgt_emb": (vt, e),
        "enc_f_wx": (e, 3 * h), "enc_f_wh": (h, 3 * h), "enc_f_bx": (3 * h,), "enc_f_bh": (3 * h,),
        "enc_b_wx": (e, 3 * h), "enc_b_wh": (h, 3 * h), "enc_b_bx": (3 * h,), "enc_b_bh": (3 * h,),
        "init_w": (2 * h, hd), "init_b": (hd,),
        "w_q": (hd, a), "w_k": (2 * h, a), "w_v": (2 * h, a),
        "dec_wx": (e, 3 * hd), "dec_wh": (hd, 3 * hd), "dec_bx": (3 * hd,), "dec_bh": (3 * hd,),
        "out_w": (hd + a, o), "out_b": (o,), "cls_w": (o, vt), "cls_b": (vt,),
    }
    params = {}
    for name, shape in shapes.items():
        if len(shape) == 1:
            params[name] = np.zeros(shape, dtype)
        else:
            std = 1.0 if name.endswith("emb") else 1.0 / np.sqrt(shape[0])
            params[name] = (rng.standard_normal(shape) * std).astype(dtype)
    return params


def n_params(params: dict[str, np.ndarray]) -> int:
    return int(sum(p.size for p in params.values()))


# ---------------------------------------------------------------- encoder
#   x_j = E_src[w_j];   →h_j = GRU_f(x_j, →h_{j-1});   ←h_j = GRU_b(x_j, ←h_{j+1});   M_j = [→h_j ; ←h_j]
def encode(p: dict, src: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Encoder states M (B, S, 2h) of source ids ``src`` (B, S), and the cache for the backward pass."""
    x = p["src_emb"][src.T]  # (S, B, e), time-major for the recurrence
    h0 = np.zeros((src.shape[0], p["enc_f_wh"].shape[0]), x.dtype)
    fwd, fwd_cache = gru_sequence(x @ p["enc_f_wx"] + p["enc_f_bx"], h0, p["enc_f_wh"], p["enc_f_bh"])  # (S, B, h)
    bwd, bwd_cache = gru_sequence(x @ p["enc_b_wx"] + p["enc_b_bx"], h0, p["enc_b_wh"], p["enc_b_bh"], reverse=True)
    m = np.concatenate([fwd, bwd], axis=-1).transpose(1, 0, 2)  # (B, S, 2h)
    return m, (src, x, fwd_cache, bwd_cache)


def encode_backward(dm: np.ndarray, p: dict, cache: tuple, grads: dict) -> None:
    """Add the encoder's gradients to ``grads``, given ∂L/∂M (B, S, 2h)."""
    src, x, fwd_cache, bwd_cache = cache
    dm = dm.transpose(1, 0, 2)  # (S, B, 2h)
    h = p["enc_f_wh"].shape[0]
    dx = np.zeros_like(x)
    for d, states_grad, caches, reverse in (("f", dm[..., :h], fwd_cache, False), ("b", dm[..., h:], bwd_cache, True)):
        dxw, _, grads[f"enc_{d}_wh"], grads[f"enc_{d}_bh"] = gru_sequence_backward(
            np.ascontiguousarray(states_grad), caches, p[f"enc_{d}_wh"], reverse=reverse)
        dx_d, grads[f"enc_{d}_wx"], grads[f"enc_{d}_bx"] = linear_backward(dxw, x, p[f"enc_{d}_wx"])
        dx += dx_d
    grads["src_emb"] = embedding_backward(dx, src.T, p["src_emb"].shape[0])


#   memory = M (attention)   or   mean_j M_j, one vector (bottleneck)
def memory_of(m: np.ndarray, kind: str) -> np.ndarray:
    """What the decoder may attend to: (B, S, 2h) for "attention", (B, 1, 2h) for "bottleneck"."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return m if kind == "attention" else m.mean(axis=1, keepdims=True)


# ---------------------------------------------------------------- decoder
#   s_0 = tanh(mean_j memory_j W_init + b_init);   K = memory W_K;   V = memory W_V
def decoder_start(p: dict, memory: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s_0 (B, H), K (B, S', a), V (B, S', a)) from the memory (B, S', 2h)."""
    s0 = np.tanh(memory.mean(axis=1) @ p["init_w"] + p["init_b"])  # (B, H)
    return s0, memory @ p["w_k"], memory @ p["w_v"]


#   C, α = Attention(S W_Q, K, V);   o_t = tanh([s_t ; c_t] W_o + b_o);   logits_t = o_t W_y + b_y
def readout(p: dict, states: np.ndarray, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Word scores (B, T, V_t) from decoder states (B, T, H): cross-attention, then two layers."""
    q = states @ p["w_q"]  # (B, T, H) x (H, a) -> (B, T, a)
    c, alpha = scaled_dot_product_attention(q, k, v)  # (B, T, a), (B, T, S'): one query per target step
    sc = np.concatenate([states, c], axis=-1)  # (B, T, H + a)
    o = np.tanh(sc @ p["out_w"] + p["out_b"])  # (B, T, o)
    return o @ p["cls_w"] + p["cls_b"], (q, c, alpha, sc, o)


def forward(p: dict, src: np.ndarray, tgt: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Teacher forcing: the decoder reads <s>, y_1 … y_{T-1} of the reference ``tgt`` (B, T).

    Returns the word scores for y_1 … y_T (B, T, V_t), the cross-attention (B, T, S') and the cache.
    """
    m, enc_cache = encode(p, src)  # (B, S, 2h)
    memory = memory_of(m, kind)  # (B, S', 2h)
    s0, k, v = decoder_start(p, memory)
    #   s_t = GRU(E_tgt[y_{t-1}], s_{t-1})
    y_in = np.concatenate([np.full((tgt.shape[0], 1), BOS), tgt[:, :-1]], axis=1).T  # (T, B), time-major
    words = p["tgt_emb"][y_in]  # (T, B, e)
    states_tm, gru_caches = gru_sequence(words @ p["dec_wx"] + p["dec_bx"], s0, p["dec_wh"], p["dec_bh"])  # (T, B, H)
    states = states_tm.transpose(1, 0, 2)  # (B, T, H)
    logits, head = readout(p, states, k, v)
    return logits, head[2], (kind, m, enc_cache, memory, s0, k, v, y_in, words, gru_caches, states, head)


def backward(dlogits: np.ndarray, p: dict, cache: tuple) -> dict[str, np.ndarray]:
    """Gradients of every parameter from ∂L/∂logits (B, T, V_t), in reverse order of :func:`forward`."""
    kind, m, enc_cache, memory, s0, k, v, y_in, words, gru_caches, states, (q, c, alpha, sc, o) = cache
    g: dict[str, np.ndarray] = {}
    do, g["cls_w"], g["cls_b"] = linear_backward(dlogits, o, p["cls_w"])
    dsc, g["out_w"], g["out_b"] = linear_backward(tanh_backward(do, o), sc, p["out_w"])
    hd = states.shape[-1]
    dq, dk, dv = sdpa_backward(q, k, v, dsc[..., hd:], weights=alpha)  # (B, T, a), (B, S', a), (B, S', a)
    dstates_q, g["w_q"], _ = linear_backward(dq, states, p["w_q"])
    dstates = (dsc[..., :hd] + dstates_q).transpose(1, 0, 2)  # (T, B, H)
    dxw, ds0, g["dec_wh"], g["dec_bh"] = gru_sequence_backward(np.ascontiguousarray(dstates), gru_caches, p["dec_wh"])
    dwords, g["dec_wx"], g["dec_bx"] = linear_backward(dxw, words, p["dec_wx"])
    g["tgt_emb"] = embedding_backward(dwords, y_in, p["tgt_emb"].shape[0])
    #   back through s_0 = tanh(mean(memory) W_init + b), K = memory W_K, V = memory W_V
    dmean, g["init_w"], g["init_b"] = linear_backward(tanh_backward(ds0, s0), memory.mean(axis=1), p["init_w"])
    dmemory, g["w_k"], _ = linear_backward(dk, memory, p["w_k"])
    dmemory_v, g["w_v"], _ = linear_backward(dv, memory, p["w_v"])
    dmemory += dmemory_v + dmean[:, None, :] / memory.shape[1]
    dm = dmemory if kind == "attention" else np.repeat(dmemory / m.shape[1], m.shape[1], axis=1)  # mean's backward
    encode_backward(dm, p, enc_cache, g)
    return g


def loss_and_grads(
    p: dict, src: np.ndarray, tgt: np.ndarray, kind: str
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy of the reference ``tgt`` (B, T) (end mark included) and its gradients."""
    logits, _, cache = forward(p, src, tgt, kind)
    loss, dlogits = softmax_cross_entropy(logits, tgt)
    return loss, backward(dlogits, p, cache)

"""Two translators that differ in one thing: what the decoder's cross-attention may look at.

Encoder (both): source words → embeddings → a bidirectional GRU → one state per source word, M (B, S, 2h).
Decoder (both): a GRU that reads the word it wrote last and its own previous output o_{t-1} ("input
feeding"); at each step its state s_t queries a memory with :func:`attention.scaled_dot_product_attention`
and the next word is scored from o_t = tanh([s_t ; what it read] W_o + b_o):

    attention model:   memory = M                every source word's state        (B, S, 2h)
    bottleneck model:  memory = mean_j M_j       one fixed vector for the sentence (B, 1, 2h)

With one key, softmax gives it weight 1 whatever the query: the bottleneck decoder reads the same summary
at every step and starts from it (s_0), the fixed-vector encoder–decoder of Sutskever et al. (2014) and Cho
et al. (2014). With S keys it is the "global attention" decoder with input feeding of Luong et al. (2015),
scored by the transformer's scaled dot product. Same code, same parameter shapes, same initial weights.

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
    gru_cell,
    gru_cell_backward,
    gru_sequence,
    gru_sequence_backward,
    linear_backward,
    softmax_cross_entropy,
    tanh_backward,
)
from .grammar import SOURCE_WORDS, TARGET_WORDS

__all__ = ["KINDS", "Config", "SOURCE_VOCAB", "TARGET_VOCAB", "SOURCE_ID", "TARGET_ID", "BOS", "EOS", "init_params", "encode",
           "memory_of", "forward", "backward", "loss_and_grads", "decoder_start", "decoder_step", "word_scores",
           "n_params"]

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
        "dec_wx": (e + o, 3 * hd), "dec_wh": (hd, 3 * hd), "dec_bx": (3 * hd,), "dec_bh": (3 * hd,),
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


#   s_t = GRU([E_tgt[y_{t-1}] ; o_{t-1}], s_{t-1})       the decoder reads its last word and what it last read
#   c_t, α_t = Attention(s_t W_Q, K, V)                    one query against the memory's keys
#   o_t = tanh([s_t ; c_t] W_o + b_o)                      fed to the word scores and to the next step
def decoder_step(p: dict, xw_word: np.ndarray, s: np.ndarray, o_prev: np.ndarray, k: np.ndarray, v: np.ndarray):
    """One decoder step. ``xw_word`` (B, 3H) is the previous word's part of the GRU input, already projected.

    Returns (s_t (B, H), o_t (B, o), α_t (B, S'), cache).
    """
    xw = xw_word + o_prev @ p["dec_wx"][-o_prev.shape[-1]:]  # (B, 3H): word part + last step's output part
    s, gru_cache = gru_cell(xw, s, p["dec_wh"], p["dec_bh"])  # (B, H)
    q = s @ p["w_q"]  # (B, H) x (H, a) -> (B, a)
    c, alpha = scaled_dot_product_attention(q[:, None, :], k, v)  # (B, 1, a), (B, 1, S')
    sc = np.concatenate([s, c[:, 0]], axis=-1)  # (B, H + a)
    o = np.tanh(sc @ p["out_w"] + p["out_b"])  # (B, o)
    return s, o, alpha[:, 0], (gru_cache, q, alpha, sc, o)


#   logits_t = o_t W_y + b_y
def word_scores(p: dict, o: np.ndarray) -> np.ndarray:
    return o @ p["cls_w"] + p["cls_b"]  # (..., o) x (o, V_t) -> (..., V_t)


def forward(p: dict, src: np.ndarray, tgt: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Teacher forcing: the decoder reads <s>, y_1 … y_{T-1} of the reference ``tgt`` (B, T).

    Returns the word scores for y_1 … y_T (B, T, V_t), the cross-attention (B, T, S') and the cache.
    """
    e = p["tgt_emb"].shape[1]
    m, enc_cache = encode(p, src)  # (B, S, 2h)
    memory = memory_of(m, kind)  # (B, S', 2h)
    s0, k, v = decoder_start(p, memory)
    y_in = np.concatenate([np.full((tgt.shape[0], 1), BOS), tgt[:, :-1]], axis=1).T  # (T, B), time-major
    words = p["tgt_emb"][y_in]  # (T, B, e)
    xw_words = words @ p["dec_wx"][:e] + p["dec_bx"]  # (T, B, 3H): the words' part, every step at once
    s, o = s0, np.zeros((src.shape[0], p["out_b"].shape[0]), s0.dtype)  # o_{-1} = 0
    outputs, alphas, steps = [], [], []
    for t in range(y_in.shape[0]):  # the recurrence: step t needs s_{t-1} and o_{t-1}
        s, o, alpha, cache = decoder_step(p, xw_words[t], s, o, k, v)
        outputs.append(o)
        alphas.append(alpha)
        steps.append(cache)
    outputs = np.stack(outputs)  # (T, B, o)
    logits = word_scores(p, outputs).transpose(1, 0, 2)  # (B, T, V_t)
    return logits, np.stack(alphas, axis=1), (kind, m, enc_cache, memory, s0, k, v, y_in, words, outputs, steps)


def backward(dlogits: np.ndarray, p: dict, cache: tuple) -> dict[str, np.ndarray]:
    """Gradients of every parameter from ∂L/∂logits (B, T, V_t), in reverse order of :func:`forward`."""
    kind, m, enc_cache, memory, s0, k, v, y_in, words, outputs, steps = cache
    e, hd = words.shape[-1], s0.shape[-1]
    g: dict[str, np.ndarray] = {}
    doutputs, g["cls_w"], g["cls_b"] = linear_backward(dlogits.transpose(1, 0, 2), outputs, p["cls_w"])  # (T, B, o)
    w_o = p["dec_wx"][e:]  # (o, 3H): the fed-back output's part of the decoder input weights
    n_steps = len(steps)
    dxw = np.empty((n_steps, *steps[0][0][1].shape), s0.dtype)  # (T, B, 3H)
    dhw, dpre = np.empty_like(dxw), np.empty_like(doutputs)  # (T, B, 3H), (T, B, o)
    dq = np.empty((n_steps, *steps[0][1].shape), s0.dtype)  # (T, B, a)
    dk, dv = np.zeros_like(k), np.zeros_like(v)
    ds, do_next = np.zeros_like(s0), np.zeros_like(doutputs[0])
    for t in range(n_steps - 1, -1, -1):  # backwards through the steps
        gru_cache, q, alpha, sc, o = steps[t]
        dpre[t] = tanh_backward(doutputs[t] + do_next, o)  # (B, o)
        dsc = dpre[t] @ p["out_w"].T  # (B, H + a)
        dq_t, dk_t, dv_t = sdpa_backward(q[:, None], k, v, dsc[:, None, hd:], weights=alpha)
        dk += dk_t
        dv += dv_t
        dq[t] = dq_t[:, 0]
        ds_t = ds + dsc[:, :hd] + dq[t] @ p["w_q"].T  # (B, H): from step t+1, from o_t, from q_t
        dxw[t], ds, dhw[t] = gru_cell_backward(ds_t, gru_cache, p["dec_wh"])
        do_next = dxw[t] @ w_o.T  # (B, o): o_{t-1} was part of step t's input
    stacked = {name: np.stack([st[i] for st in steps]) for i, name in ((1, "q"), (3, "sc"))}
    s_all = stacked["sc"][..., :hd]  # (T, B, H)
    s_prev = np.concatenate([s0[None], s_all[:-1]])  # (T, B, H): the state each step started from
    o_prev = np.concatenate([np.zeros_like(outputs[:1]), outputs[:-1]])  # (T, B, o)
    _, g["w_q"], _ = linear_backward(dq, s_all, p["w_q"])
    _, g["out_w"], g["out_b"] = linear_backward(dpre, stacked["sc"], p["out_w"])
    _, g["dec_wh"], g["dec_bh"] = linear_backward(dhw, s_prev, p["dec_wh"])
    dwords, dwx_words, g["dec_bx"] = linear_backward(dxw, words, p["dec_wx"][:e])
    _, dwx_fed, _ = linear_backward(dxw, o_prev, w_o)
    g["dec_wx"] = np.concatenate([dwx_words, dwx_fed])
    g["tgt_emb"] = embedding_backward(dwords, y_in, p["tgt_emb"].shape[0])
    #   back through s_0 = tanh(mean(memory) W_init + b), K = memory W_K, V = memory W_V
    dmean, g["init_w"], g["init_b"] = linear_backward(tanh_backward(ds, s0), memory.mean(axis=1), p["init_w"])
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

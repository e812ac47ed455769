"""The float reference: a numpy float32 forward pass for gpt2, llama and gemma3, as llama.cpp computes it.

It is the yardstick for everything downstream: the quantized integer model's accuracy is measured
against it, and it must reproduce llama.cpp's greedy tokens on the real models. Conventions:
- gpt2: learned positions, LayerNorm, fused QKV with biases, GELU (tanh form, as ggml_gelu).
- llama: RMSNorm, RoPE in NORM style (adjacent pairs 2i, 2i+1), grouped-query attention, SiLU gate.
- gemma3: embeddings times sqrt(d_model), RMSNorm weights as stored, pre+post norms around attention
  and MLP, per-head Q/K RMSNorm, RoPE in NEOX style (pairs i, i + d/2) with per-layer bases, queries
  scaled by `attn_scale`, sliding-window masks on local layers, GELU-gated MLP, optional soft-capping.

`forward` runs a full causal pass; `forward_step` appends tokens to a `KVCache` (positions continue
from the cache), which is the structure the integer program's incremental inference mirrors.

Numerics: plain float32 by default (the clean model that accuracy is measured against); with
`numerics=LlamaCppNumerics(tensor_types)` it rounds where llama.cpp's CPU backend rounds
(`llamacpp_numerics`), which decides near-tied greedy choices the way llama.cpp does more often.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.model.arch import Gemma3Config, Gpt2Config, LlamaConfig, ModelConfig
from deepprove_cli.model.float_ops import (attention, causal_mask, gelu_tanh, layer_norm, linear, rms_norm, rope,
                                           silu, softcap)
from deepprove_cli.model.llamacpp_numerics import LlamaCppNumerics


class _Ctx:
    """Weights by name as float32 (float16 tensors converted when read), matmuls, attention, numerics."""

    def __init__(self, weights: Mapping[str, np.ndarray], numerics: LlamaCppNumerics | None):
        self.weights = weights
        self.numerics = numerics

    def __call__(self, name: str) -> np.ndarray:
        return np.asarray(self.weights[name], dtype=np.float32)

    def linear(self, x: np.ndarray, weight: str, bias: str | None = None) -> np.ndarray:
        if self.numerics is None:
            return linear(x, self(weight), self(bias) if bias else None)
        y = self.numerics.linear(x, self(weight), weight)
        return y + self(bias) if bias else y

    def gelu(self, x: np.ndarray) -> np.ndarray:
        return self.numerics.gelu(x) if self.numerics is not None else gelu_tanh(x)

    def attend(self, cache: "KVCache", layer: int, q, k, v, pos, scale: float, window: int | None = None,
               cap: float | None = None) -> np.ndarray:
        """Cache this step's keys/values, then attend from q over every cached position (causal mask)."""
        if self.numerics is not None:
            q, k, v = self.numerics.attention_inputs(q, k, v)
        K, V = cache.append(layer, k, v)
        return attention(q, K, V, causal_mask(pos, np.arange(K.shape[1]), window), scale, cap)


# --- the cache -----------------------------------------------------------------------------------

@dataclass
class KVCache:
    """Keys (after RoPE) and values of every layer for the positions processed so far."""

    keys: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    n_past: int = 0

    @classmethod
    def empty(cls, cfg: ModelConfig) -> "KVCache":
        z = np.zeros((cfg.n_kv_head, 0, cfg.head_dim), dtype=np.float32)
        return cls([z] * cfg.n_layer, [z] * cfg.n_layer, 0)

    def append(self, layer: int, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add (T, KV, d) keys/values of new positions; returns the layer's full (KV, S, d) K and V."""
        self.keys[layer] = np.concatenate([self.keys[layer], k.transpose(1, 0, 2)], axis=1)
        self.values[layer] = np.concatenate([self.values[layer], v.transpose(1, 0, 2)], axis=1)
        return self.keys[layer], self.values[layer]


# --- blocks --------------------------------------------------------------------------------------

def _gpt2_block(cfg: Gpt2Config, W: _Ctx, i: int, x, pos, cache: KVCache):
    p = f"blk.{i}."
    T, d = x.shape
    h = layer_norm(x, W(p + "attn_norm.weight"), W(p + "attn_norm.bias"), cfg.norm_eps)
    qkv = W.linear(h, p + "attn_qkv.weight", p + "attn_qkv.bias")
    q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(T, cfg.n_head, cfg.head_dim) for j in range(3))
    a = W.attend(cache, i, q, k, v, pos, 1.0 / np.sqrt(cfg.head_dim))
    x = x + W.linear(a, p + "attn_output.weight", p + "attn_output.bias")
    h = layer_norm(x, W(p + "ffn_norm.weight"), W(p + "ffn_norm.bias"), cfg.norm_eps)
    up = W.gelu(W.linear(h, p + "ffn_up.weight", p + "ffn_up.bias"))
    return x + W.linear(up, p + "ffn_down.weight", p + "ffn_down.bias")


def _qkv(cfg, W: _Ctx, p: str, h):
    T = h.shape[0]
    q = W.linear(h, p + "attn_q.weight").reshape(T, cfg.n_head, cfg.head_dim)
    k = W.linear(h, p + "attn_k.weight").reshape(T, cfg.n_kv_head, cfg.head_dim)
    v = W.linear(h, p + "attn_v.weight").reshape(T, cfg.n_kv_head, cfg.head_dim)
    return q, k, v


def _llama_block(cfg: LlamaConfig, W: _Ctx, i: int, x, pos, cache: KVCache):
    p = f"blk.{i}."
    q, k, v = _qkv(cfg, W, p, rms_norm(x, W(p + "attn_norm.weight"), cfg.norm_eps))
    factors = W("rope_freqs.weight") if cfg.has_rope_freqs else None
    q = rope(q, pos, cfg.rope_dim, cfg.rope_base, cfg.rope_freq_scale, cfg.rope_neox, factors)
    k = rope(k, pos, cfg.rope_dim, cfg.rope_base, cfg.rope_freq_scale, cfg.rope_neox, factors)
    a = W.attend(cache, i, q, k, v, pos, 1.0 / np.sqrt(cfg.head_dim))
    x = x + W.linear(a, p + "attn_output.weight")
    h = rms_norm(x, W(p + "ffn_norm.weight"), cfg.norm_eps)
    g = silu(W.linear(h, p + "ffn_gate.weight")) * W.linear(h, p + "ffn_up.weight")
    return x + W.linear(g, p + "ffn_down.weight")


def _gemma3_block(cfg: Gemma3Config, W: _Ctx, i: int, x, pos, cache: KVCache):
    p = f"blk.{i}."
    eps = cfg.norm_eps
    q, k, v = _qkv(cfg, W, p, rms_norm(x, W(p + "attn_norm.weight"), eps))
    q = rms_norm(q, W(p + "attn_q_norm.weight"), eps)
    k = rms_norm(k, W(p + "attn_k_norm.weight"), eps)
    base, scale = cfg.layer_rope(i)
    q = rope(q, pos, cfg.rope_dim, base, scale, cfg.rope_neox) * np.float32(cfg.attn_scale)
    k = rope(k, pos, cfg.rope_dim, base, scale, cfg.rope_neox)
    window = cfg.sliding_window if cfg.is_local(i) else None
    a = W.attend(cache, i, q, k, v, pos, 1.0, window, cfg.attn_logit_softcap)
    x = x + rms_norm(W.linear(a, p + "attn_output.weight"), W(p + "post_attention_norm.weight"), eps)
    h = rms_norm(x, W(p + "ffn_norm.weight"), eps)
    g = W.gelu(W.linear(h, p + "ffn_gate.weight")) * W.linear(h, p + "ffn_up.weight")
    return x + rms_norm(W.linear(g, p + "ffn_down.weight"), W(p + "post_ffw_norm.weight"), eps)


_BLOCKS = {"gpt2": _gpt2_block, "llama": _llama_block, "gemma3": _gemma3_block}


# --- the model -----------------------------------------------------------------------------------

def _embed(cfg: ModelConfig, W: _Ctx, tokens: np.ndarray, pos: np.ndarray) -> np.ndarray:
    x = W("token_embd.weight")[tokens].astype(np.float32)
    if cfg.arch == "gpt2":
        x = x + W("position_embd.weight")[pos]
    elif cfg.arch == "gemma3":
        x = x * np.float32(cfg.embed_scale)
    return x


def _head(cfg: ModelConfig, W: _Ctx, x: np.ndarray) -> np.ndarray:
    if cfg.arch == "gpt2":
        x = layer_norm(x, W("output_norm.weight"), W("output_norm.bias"), cfg.norm_eps)
    else:
        x = rms_norm(x, W("output_norm.weight"), cfg.norm_eps)
    logits = W.linear(x, cfg.output_weight)
    return softcap(logits, getattr(cfg, "final_logit_softcap", None))


def forward_step(cfg: ModelConfig, weights: Mapping[str, np.ndarray], tokens, cache: KVCache,
                 numerics: LlamaCppNumerics | None = None) -> np.ndarray:
    """Process `tokens` after the cache's positions; returns their logits (T, n_vocab) and extends the cache."""
    tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= cfg.n_vocab):
        raise InputError(f"token id out of range [0, {cfg.n_vocab})")
    pos = np.arange(cache.n_past, cache.n_past + tokens.size)
    if tokens.size and pos[-1] >= cfg.n_ctx:
        raise InputError(f"sequence of {pos[-1] + 1} tokens exceeds the model's context of {cfg.n_ctx}")
    W = _Ctx(weights, numerics)
    block = _BLOCKS[cfg.arch]
    x = _embed(cfg, W, tokens, pos)
    for i in range(cfg.n_layer):
        x = block(cfg, W, i, x, pos, cache)
    cache.n_past += tokens.size
    return _head(cfg, W, x)


def forward(cfg: ModelConfig, weights: Mapping[str, np.ndarray], tokens,
            numerics: LlamaCppNumerics | None = None) -> np.ndarray:
    """Full causal pass over `tokens`: logits (T, n_vocab), float32."""
    return forward_step(cfg, weights, tokens, KVCache.empty(cfg), numerics)


def greedy_generate(cfg: ModelConfig, weights: Mapping[str, np.ndarray], prompt, n_new: int,
                    numerics: LlamaCppNumerics | None = None, return_logits: bool = False):
    """Greedy decoding with the cache: the `n_new` tokens after `prompt` (and the prompt's logits)."""
    cache = KVCache.empty(cfg)
    prompt_logits = forward_step(cfg, weights, prompt, cache, numerics)
    out, last = [], prompt_logits[-1]
    for _ in range(n_new):
        out.append(int(np.argmax(last)))
        if len(out) < n_new:
            last = forward_step(cfg, weights, [out[-1]], cache, numerics)[-1]
    return (out, prompt_logits) if return_logits else out


def perplexity(logits: np.ndarray, tokens, first: int = 0) -> float:
    """exp(mean negative log-likelihood) of tokens[t + 1] under logits[t], for t >= first.

    llama.cpp's perplexity tool scores only the second half of each window (first = n_ctx // 2)."""
    tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
    if logits.shape[0] != tokens.size or tokens.size - 1 <= first:
        raise ValueError("perplexity needs logits for every token and at least one scored position")
    lg = np.asarray(logits[first:-1], dtype=np.float64)
    m = lg.max(axis=-1, keepdims=True)
    logz = (m + np.log(np.exp(lg - m).sum(axis=-1, keepdims=True)))[:, 0]
    target = lg[np.arange(lg.shape[0]), tokens[first + 1:]]
    return float(np.exp(np.mean(logz - target)))

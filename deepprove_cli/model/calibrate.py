"""Activation statistics for quantization: the float model run on calibration text, observed at every
site where the integer program picks a scale.

The forward pass follows the float reference (`model.float_ref`, whose functions it calls) block by
block, recording for each site the maximum |value| per channel (last axis). Site names:

  embed                         the residual stream entering layer 0
  blk.{i}.resid_attn / resid_ffn the residual before each pre-norm;  resid_out: before the output norm
  blk.{i}.attn_norm / ffn_norm  pre-norm outputs (weight and bias applied); output_norm likewise
  blk.{i}.q / k / v             projections (gemma3: q, k after their RMS norms, before RoPE)
  blk.{i}.q_proj / k_proj       gemma3: q, k projections before their RMS norms
  blk.{i}.attn_out              attention output entering the output projection
  blk.{i}.o / down              output projections (the inputs of gemma3's post-norms)
  blk.{i}.gate / up             MLP projections before the nonlinearity (gpt2: up only)
  blk.{i}.act                   the input of the down projection (act(gate) * up, gpt2: gelu(up))
  logits                        the final logits
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from deepprove_cli.model import float_ref as F
from deepprove_cli.model.arch import ModelConfig


class Stats:
    """Per-site maximum |value| per channel, accumulated over calibration windows."""

    def __init__(self):
        self.ch: dict[str, np.ndarray] = {}
        self.tokens = 0

    def observe(self, site: str, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float32)
        m = np.abs(x.reshape(-1, x.shape[-1])).max(axis=0).astype(np.float64)
        prev = self.ch.get(site)
        self.ch[site] = m if prev is None else np.maximum(prev, m)

    def channels(self, site: str) -> np.ndarray:
        return self.ch[site]

    def max(self, site: str) -> float:
        return float(self.ch[site].max())

    def max_over(self, sites: Iterable[str]) -> float:
        return max(self.max(s) for s in sites)

    def to_json(self) -> dict:
        return {"tokens": self.tokens, "sites": {k: [float(v) for v in a] for k, a in self.ch.items()}}


def _w(weights: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(weights[name], dtype=np.float32)


def _attend(cfg, q, k, v, pos, scale, window=None, cap=None):
    """Full-window causal attention of q (T, H, d) over k, v (T, KV, d)."""
    kk, vv = k.transpose(1, 0, 2), v.transpose(1, 0, 2)
    return F.attention(q, kk, vv, F.causal_mask(pos, pos, window), scale, cap)


def _gpt2_layer(cfg, W, i, x, pos, st: Stats):
    p = f"blk.{i}."
    T, d = x.shape
    st.observe(p + "resid_attn", x)
    h = F.layer_norm(x, W(p + "attn_norm.weight"), W(p + "attn_norm.bias"), cfg.norm_eps)
    st.observe(p + "attn_norm", h)
    qkv = F.linear(h, W(p + "attn_qkv.weight"), W(p + "attn_qkv.bias"))
    q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(T, cfg.n_head, cfg.head_dim) for j in range(3))
    for name, t in (("q", q), ("k", k), ("v", v)):
        st.observe(p + name, t.reshape(T, -1))
    a = _attend(cfg, q, k, v, pos, 1.0 / np.sqrt(cfg.head_dim))
    st.observe(p + "attn_out", a)
    o = F.linear(a, W(p + "attn_output.weight"), W(p + "attn_output.bias"))
    st.observe(p + "o", o)
    x = x + o
    st.observe(p + "resid_ffn", x)
    h = F.layer_norm(x, W(p + "ffn_norm.weight"), W(p + "ffn_norm.bias"), cfg.norm_eps)
    st.observe(p + "ffn_norm", h)
    up = F.linear(h, W(p + "ffn_up.weight"), W(p + "ffn_up.bias"))
    st.observe(p + "up", up)
    act = F.gelu_tanh(up)
    st.observe(p + "act", act)
    dn = F.linear(act, W(p + "ffn_down.weight"), W(p + "ffn_down.bias"))
    st.observe(p + "down", dn)
    return x + dn


def _gated_mlp(cfg, W, p, h, st: Stats, act_fn):
    g = F.linear(h, W(p + "ffn_gate.weight"))
    u = F.linear(h, W(p + "ffn_up.weight"))
    st.observe(p + "gate", g)
    st.observe(p + "up", u)
    a = act_fn(g) * u
    st.observe(p + "act", a)
    dn = F.linear(a, W(p + "ffn_down.weight"))
    st.observe(p + "down", dn)
    return dn


def _qkv(cfg, W, p, h):
    T = h.shape[0]
    return (F.linear(h, W(p + "attn_q.weight")).reshape(T, cfg.n_head, cfg.head_dim),
            F.linear(h, W(p + "attn_k.weight")).reshape(T, cfg.n_kv_head, cfg.head_dim),
            F.linear(h, W(p + "attn_v.weight")).reshape(T, cfg.n_kv_head, cfg.head_dim))


def _llama_layer(cfg, W, i, x, pos, st: Stats):
    p = f"blk.{i}."
    T = x.shape[0]
    st.observe(p + "resid_attn", x)
    h = F.rms_norm(x, W(p + "attn_norm.weight"), cfg.norm_eps)
    st.observe(p + "attn_norm", h)
    q, k, v = _qkv(cfg, W, p, h)
    for name, t in (("q", q), ("k", k), ("v", v)):
        st.observe(p + name, t.reshape(T, -1))
    factors = W("rope_freqs.weight") if cfg.has_rope_freqs else None
    q = F.rope(q, pos, cfg.rope_dim, cfg.rope_base, cfg.rope_freq_scale, cfg.rope_neox, factors)
    k = F.rope(k, pos, cfg.rope_dim, cfg.rope_base, cfg.rope_freq_scale, cfg.rope_neox, factors)
    a = _attend(cfg, q, k, v, pos, 1.0 / np.sqrt(cfg.head_dim))
    st.observe(p + "attn_out", a)
    o = F.linear(a, W(p + "attn_output.weight"))
    st.observe(p + "o", o)
    x = x + o
    st.observe(p + "resid_ffn", x)
    h = F.rms_norm(x, W(p + "ffn_norm.weight"), cfg.norm_eps)
    st.observe(p + "ffn_norm", h)
    return x + _gated_mlp(cfg, W, p, h, st, F.silu)


def _gemma3_layer(cfg, W, i, x, pos, st: Stats):
    p = f"blk.{i}."
    T, eps = x.shape[0], cfg.norm_eps
    st.observe(p + "resid_attn", x)
    h = F.rms_norm(x, W(p + "attn_norm.weight"), eps)
    st.observe(p + "attn_norm", h)
    q, k, v = _qkv(cfg, W, p, h)
    st.observe(p + "q_proj", q.reshape(T, -1))
    st.observe(p + "k_proj", k.reshape(T, -1))
    q = F.rms_norm(q, W(p + "attn_q_norm.weight"), eps)
    k = F.rms_norm(k, W(p + "attn_k_norm.weight"), eps)
    for name, t in (("q", q), ("k", k), ("v", v)):
        st.observe(p + name, t.reshape(T, -1))
    base, scale = cfg.layer_rope(i)
    q = F.rope(q, pos, cfg.rope_dim, base, scale, cfg.rope_neox) * np.float32(cfg.attn_scale)
    k = F.rope(k, pos, cfg.rope_dim, base, scale, cfg.rope_neox)
    window = cfg.sliding_window if cfg.is_local(i) else None
    a = _attend(cfg, q, k, v, pos, 1.0, window, cfg.attn_logit_softcap)
    st.observe(p + "attn_out", a)
    o = F.linear(a, W(p + "attn_output.weight"))
    st.observe(p + "o", o)
    x = x + F.rms_norm(o, W(p + "post_attention_norm.weight"), eps)
    st.observe(p + "resid_ffn", x)
    h = F.rms_norm(x, W(p + "ffn_norm.weight"), eps)
    st.observe(p + "ffn_norm", h)
    dn = _gated_mlp(cfg, W, p, h, st, F.gelu_tanh)
    return x + F.rms_norm(dn, W(p + "post_ffw_norm.weight"), eps)


_LAYERS = {"gpt2": _gpt2_layer, "llama": _llama_layer, "gemma3": _gemma3_layer}


def observe_window(cfg: ModelConfig, weights: Mapping[str, np.ndarray], tokens, st: Stats) -> np.ndarray:
    """One full causal pass over `tokens` (a window starting at position 0), observing every site;
    returns the logits."""
    W = lambda name: _w(weights, name)  # noqa: E731
    tokens = np.asarray(tokens, dtype=np.int64)
    pos = np.arange(tokens.size)
    x = W("token_embd.weight")[tokens]
    if cfg.arch == "gpt2":
        x = x + W("position_embd.weight")[pos]
    elif cfg.arch == "gemma3":
        x = x * np.float32(cfg.embed_scale)
    st.observe("embed", x)
    for i in range(cfg.n_layer):
        x = _LAYERS[cfg.arch](cfg, W, i, x, pos, st)
    st.observe("resid_out", x)
    if cfg.arch == "gpt2":
        h = F.layer_norm(x, W("output_norm.weight"), W("output_norm.bias"), cfg.norm_eps)
    else:
        h = F.rms_norm(x, W("output_norm.weight"), cfg.norm_eps)
    st.observe("output_norm", h)
    logits = F.softcap(F.linear(h, W(cfg.output_weight)), getattr(cfg, "final_logit_softcap", None))
    st.observe("logits", logits)
    st.tokens += tokens.size
    return logits


def calibrate(cfg: ModelConfig, weights: Mapping[str, np.ndarray], tokens, window: int = 256,
              on_window=None) -> Stats:
    """Statistics over consecutive windows of the calibration tokens (each a fresh causal pass)."""
    st = Stats()
    tokens = list(tokens)
    window = max(1, min(window, cfg.n_ctx))
    for start in range(0, len(tokens), window):
        chunk = tokens[start:start + window]
        if len(chunk) < 2 and start:
            break
        observe_window(cfg, weights, chunk, st)
        if on_window:
            on_window(start + len(chunk), len(tokens))
    return st

"""Float32 building blocks of the reference forward pass: norms, activations, RoPE, masked attention.

Each follows ggml's definition (the integer program will define its own versions of the same ops
and test against these).
"""

from __future__ import annotations

import numpy as np

_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


# --- elementwise and normalisation ---------------------------------------------------------------

def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    ms = np.mean(np.square(x), axis=-1, keepdims=True)
    return x / np.sqrt(ms + np.float32(eps)) * w


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = np.mean(x, axis=-1, keepdims=True)
    xc = x - mu
    var = np.mean(np.square(xc), axis=-1, keepdims=True)
    return xc / np.sqrt(var + np.float32(eps)) * w + b


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return np.float32(0.5) * x * (np.float32(1.0) + np.tanh(_GELU_C * (x + np.float32(0.044715) * x * x * x)))


def silu(x: np.ndarray) -> np.ndarray:
    return x / (np.float32(1.0) + np.exp(-x))


def softcap(x: np.ndarray, cap: float | None) -> np.ndarray:
    if cap is None:
        return x
    return np.float32(cap) * np.tanh(x / np.float32(cap))


def rope(x: np.ndarray, positions: np.ndarray, n_rot: int, base: float, freq_scale: float, neox: bool,
         freq_factors: np.ndarray | None = None) -> np.ndarray:
    """Rotary embedding of x (T, heads, head_dim) as ggml_rope_ext: pair i turns by
    pos * freq_scale * base^(-2i/n_rot) / freq_factors[i]; dimensions past n_rot pass through."""
    half = n_rot // 2
    inv = base ** (-2.0 * np.arange(half, dtype=np.float64) / n_rot)
    if freq_factors is not None:
        inv = inv / np.asarray(freq_factors, dtype=np.float64)
    theta = positions.astype(np.float64)[:, None] * freq_scale * inv[None, :]
    cos = np.cos(theta).astype(np.float32)[:, None, :]
    sin = np.sin(theta).astype(np.float32)[:, None, :]
    out = x.copy()
    if neox:
        x0, x1 = x[..., :half], x[..., half:n_rot]
        out[..., :half] = x0 * cos - x1 * sin
        out[..., half:n_rot] = x0 * sin + x1 * cos
    else:
        x0, x1 = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
        out[..., 0:n_rot:2] = x0 * cos - x1 * sin
        out[..., 1:n_rot:2] = x0 * sin + x1 * cos
    return out


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """x @ w.T (+ b): w is (out_features, in_features) as stored."""
    y = x @ w.T
    return y + b if b is not None else y


def causal_mask(q_pos: np.ndarray, k_pos: np.ndarray, window: int | None = None) -> np.ndarray:
    """allowed[t, s]: key s is at or before query t, and (sliding window) less than `window` behind it."""
    allowed = k_pos[None, :] <= q_pos[:, None]
    if window is not None:
        allowed &= (q_pos[:, None] - k_pos[None, :]) < window
    return allowed


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, allowed: np.ndarray, scale: float,
              cap: float | None = None) -> np.ndarray:
    """Grouped-query attention. q (T, H, d), k and v (KV, S, d), allowed (T, S) -> (T, H * d).

    Query head h reads K/V head h // (H / KV), as ggml broadcasts it."""
    T, H, d = q.shape
    kv = k.shape[0]
    qh = q.transpose(1, 0, 2).reshape(kv, H // kv, T, d)
    scores = softcap((qh @ k[:, None].transpose(0, 1, 3, 2)) * np.float32(scale), cap)
    scores = np.where(allowed, scores, np.float32(-np.inf))
    out = softmax(scores) @ v[:, None]
    return out.reshape(H, T, d).transpose(1, 0, 2).reshape(T, H * d)

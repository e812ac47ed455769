"""llama.cpp's CPU rounding, to compare the float reference with llama.cpp's outputs closely.

ggml's CPU matmul converts the activations to the weight type's "vec_dot_type" before the dot
products: 8-bit blocks of 32 with a float16 scale for Q4_0..Q8_0 (Q8_1 for Q4_1/Q5_1, which also
carries a float16 block sum), 8-bit blocks of 256 with a float32 scale for K-quants (Q8_K), float16
for F16 weights. The K/V cache and the queries meet in float16, and GELU is a float16 table. Near
ties in greedy decoding are decided by these roundings, so emulating them moves our decisions
toward llama.cpp's; it does not make logits bit-exact (summation orders differ).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from deepprove_cli.model.float_ops import gelu_tanh


def f16_round(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).astype(np.float32)


def bf16_round(x: np.ndarray) -> np.ndarray:
    """Round float32 to bfloat16 (nearest even) and back."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    u = (u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return u.view(np.float32)


def q8_blocks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ggml's Q8_0/Q8_1 activation blocks (x86 rounding): per block of 32, d = amax/127 and
    q = rint(x * 127/amax). Returns q (blocks, 32) and d (blocks, 1) as float32."""
    b = x.reshape(-1, 32)
    amax = np.abs(b).max(axis=-1, keepdims=True)
    q = np.rint(b * (np.float32(127) / np.where(amax > 0, amax, np.float32(1))))
    return q, amax / np.float32(127)


def q8_round(x: np.ndarray) -> np.ndarray:
    """Activations as a Q8_0 matmul sees them: q * float16(d)."""
    q, d = q8_blocks(x)
    return (q * f16_round(d)).reshape(x.shape)


def q8_k_round(x: np.ndarray) -> np.ndarray:
    """Activations as a K-quant matmul sees them (Q8_K): blocks of 256, iscale = -127/max where max
    is the signed value of largest magnitude, q = min(127, rint(x * iscale)), scale 1/iscale."""
    b = x.reshape(-1, 256)
    mx = np.take_along_axis(b, np.abs(b).argmax(axis=-1)[:, None], axis=-1)
    nz = mx != 0
    iscale = np.where(nz, np.float32(-127) / np.where(nz, mx, np.float32(1)), np.float32(0))
    q = np.minimum(np.float32(127), np.rint(b * iscale))
    d = np.where(nz, np.float32(1) / np.where(nz, iscale, np.float32(1)), np.float32(0))
    return (q * d).reshape(x.shape)


_Q8_TYPES = {"Q4_0", "Q5_0", "Q8_0", "IQ4_NL"}
_Q8_1_TYPES = {"Q4_1", "Q5_1"}  # weights with a block minimum: the dot adds min * float16(block sum)
_Q8_K_TYPES = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S",
               "IQ1_S", "IQ1_M", "IQ4_XS", "TQ1_0", "TQ2_0"}


class LlamaCppNumerics:
    """Rounds where llama.cpp's CPU backend does, given each weight's GGML type (from the .dpm meta)."""

    def __init__(self, tensor_types: Mapping[str, str]):
        self.tensor_types = dict(tensor_types)
        self._block_mins: dict[str, np.ndarray] = {}

    def linear(self, x: np.ndarray, w: np.ndarray, name: str) -> np.ndarray:
        """x @ w.T with x rounded to the activation format of `name`'s weight type."""
        t = self.tensor_types.get(name, "F32")
        if t == "F16":
            return f16_round(x) @ w.T
        if t == "BF16":
            return bf16_round(x) @ w.T
        if t in _Q8_K_TYPES and x.shape[-1] % 256 == 0:
            return q8_k_round(x) @ w.T
        if (t in _Q8_TYPES or t in _Q8_1_TYPES) and x.shape[-1] % 32 == 0:
            q, d = q8_blocks(x)
            y = (q * f16_round(d)).reshape(x.shape) @ w.T
            if t in _Q8_1_TYPES:
                sums = q.sum(axis=-1, keepdims=True)
                delta = (f16_round(d * sums) - f16_round(d) * sums).reshape(*x.shape[:-1], -1)
                y = y + delta @ self.block_mins(name, w).T
            return y
        return x @ w.T

    def block_mins(self, name: str, w: np.ndarray) -> np.ndarray:
        """The per-block minimum m of a Q4_1/Q5_1 weight (its smallest value: some q is always 0)."""
        if name not in self._block_mins:
            self._block_mins[name] = w.reshape(w.shape[0], -1, 32).min(axis=-1)
        return self._block_mins[name]

    @staticmethod
    def attention_inputs(*xs: np.ndarray) -> tuple[np.ndarray, ...]:
        """Queries, keys and values meet in float16 (llama.cpp's default K/V cache type)."""
        return tuple(f16_round(x) for x in xs)

    @staticmethod
    def gelu(x: np.ndarray) -> np.ndarray:
        """ggml's GELU: a float16 table indexed by float16(x); x above 10, zero below -10."""
        y = f16_round(gelu_tanh(f16_round(x)))
        return np.where(x >= 10, x, np.where(x <= -10, np.float32(0), y))

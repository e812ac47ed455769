"""Extension-field scalars at the Python level: (4,) uint32 arrays in and out (orchestration math).

Thin wrappers over the njit scalar ops of `field.ext4`, for the few dozen operations per layer that
prover and verifier do outside kernels (combining sums with batching coefficients, reducing two
claims to one).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import as_tuple, ext_add, ext_inv, ext_mul, ext_mul_base, ext_sub

ZERO = np.zeros(4, dtype=np.uint32)
ONE = np.array([1, 0, 0, 0], dtype=np.uint32)


def const(v: int) -> np.ndarray:
    """A (signed) integer as an extension element."""
    return np.array([int(v) % P, 0, 0, 0], dtype=np.uint32)


def mul(a, b) -> np.ndarray:
    return np.array(ext_mul(as_tuple(a), as_tuple(b)), dtype=np.uint32)


def add(a, b) -> np.ndarray:
    return np.array(ext_add(as_tuple(a), as_tuple(b)), dtype=np.uint32)


def sub(a, b) -> np.ndarray:
    return np.array(ext_sub(as_tuple(a), as_tuple(b)), dtype=np.uint32)


def scale(a, s: int) -> np.ndarray:
    """a * s for an integer s (any sign)."""
    return np.array(ext_mul_base(as_tuple(a), np.uint32(int(s) % P)), dtype=np.uint32)


def inv(a) -> np.ndarray:
    """a^-1 (0 -> 0)."""
    return np.array(ext_inv(as_tuple(a)), dtype=np.uint32)


def is_zero(a) -> bool:
    return not np.any(a)


def line(a, b, t) -> np.ndarray:
    """a + t (b - a): the line through a (at 0) and b (at 1), at t."""
    return add(a, mul(t, sub(b, a)))


def powers(x, n: int) -> list[np.ndarray]:
    """[1, x, ..., x^(n-1)]."""
    out = [ONE]
    for _ in range(1, n):
        out.append(mul(out[-1], x))
    return out[:n]


def dot(coeffs, values) -> np.ndarray:
    """sum_i coeffs[i] * values[i]."""
    acc = ZERO
    for c, v in zip(coeffs, values):
        acc = add(acc, mul(c, v))
    return acc

"""Extension-field scalars at the Python level: (4,) uint32 arrays in and out (orchestration math).

Thin wrappers over the njit scalar ops of `field.ext4` for the few operations per layer that prover
and verifier do outside kernels, and small njit kernels over short (m, 4) arrays for the per-round
and per-tree bookkeeping (batching coefficients, combinations, line reductions).
"""

from __future__ import annotations

import numpy as np
from numba import njit

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


# --- small njit kernels over short ext arrays (per-layer bookkeeping, verifier math) ---------------
# One call instead of dozens of scalar round trips through numpy: what keeps the per-round cost of
# prover and verifier at microseconds.


@njit(cache=True)
def _row(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(cache=True)
def powers_kernel(x, n):
    """(n, 4): 1, x, ..., x^(n-1) for a 4-tuple x."""
    out = np.zeros((n, 4), dtype=np.uint32)
    acc = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = acc
        acc = ext_mul(acc, x)
    return out


@njit(cache=True)
def dot_kernel(coeffs, values):
    """sum_i coeffs[i] * values[i] for two (m, 4) arrays, as a (4,) array."""
    acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    for i in range(coeffs.shape[0]):
        acc = ext_add(acc, ext_mul(_row(coeffs, i), _row(values, i)))
    out = np.empty(4, dtype=np.uint32)
    out[0], out[1], out[2], out[3] = acc
    return out


@njit(cache=True)
def lines_kernel(a, b, t):
    """out[i] = a[i] + t (b[i] - a[i]) for (m, 4) arrays a, b and a 4-tuple t."""
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        x = _row(a, i)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = ext_add(x, ext_mul(t, ext_sub(_row(b, i), x)))
    return out


def tup(e) -> tuple:
    """A (4,) array as the njit 4-tuple form."""
    return (np.uint32(e[0]), np.uint32(e[1]), np.uint32(e[2]), np.uint32(e[3]))

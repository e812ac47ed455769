"""Extension-field scalars at the Python level: (4,) uint32 arrays in and out (orchestration math).

The scalar ops here (a few per claim, per round, per layer, on both sides) are plain Python integer
arithmetic on 4-tuples, not calls into the njit scalar ops of `field.ext4`: a numba dispatch plus the
conversions to uint32 tuples costs ~4 us, the Python product ~0.7 us. The `*_i` functions work on
tuples of Python ints (what hot loops such as the sumcheck verifier keep), the others take and return
(4,) uint32 arrays. Small njit kernels over short (m, 4) arrays remain for the per-round and per-tree
bookkeeping (batching coefficients, combinations, line reductions) where m is large enough to pay.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import W, ext_add, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # serial code: called, not inlined (compile time)

ZERO = np.zeros(4, dtype=np.uint32)
ONE = np.array([1, 0, 0, 0], dtype=np.uint32)
ZERO_I = (0, 0, 0, 0)
ONE_I = (1, 0, 0, 0)

# --- Python-int 4-tuples (the hot-path form) --------------------------------------------------------


def ints(a) -> tuple:
    """A (4,) array (or any four coefficients) as a tuple of Python ints."""
    return tuple(a.tolist()) if isinstance(a, np.ndarray) else (int(a[0]), int(a[1]), int(a[2]), int(a[3]))


def arr(t) -> np.ndarray:
    """A 4-tuple of canonical ints as a (4,) uint32 array."""
    return np.array(t, dtype=np.uint32)


def mul_i(a, b) -> tuple:
    """a * b mod (X^4 - W) on int 4-tuples (one reduction per coefficient: Python ints do not overflow)."""
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    return ((a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1)) % P,
            (a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2)) % P,
            (a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b3)) % P,
            (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % P)


def add_i(a, b) -> tuple:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P, (a[2] + b[2]) % P, (a[3] + b[3]) % P)


def sub_i(a, b) -> tuple:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P, (a[2] - b[2]) % P, (a[3] - b[3]) % P)


def scale_i(a, s: int) -> tuple:
    """a * s for an integer s (any sign)."""
    return (a[0] * s % P, a[1] * s % P, a[2] * s % P, a[3] * s % P)


def inv_i(a) -> tuple:
    """a^-1 (0 -> 0), through the norm to the base field like `field.ext4.ext_inv`: with Y = X^2,
    a = e + X o (e, o in F_p[Y]/(Y^2 - W)), a(X) a(-X) = e^2 - Y o^2 = n0 + n2 Y, whose norm
    n0^2 - W n2^2 is in F_p."""
    a0, a1, a2, a3 = a
    n0 = (a0 * a0 + W * a2 * a2 - W * 2 * a1 * a3) % P
    n2 = (2 * a0 * a2 - a1 * a1 - W * a3 * a3) % P
    ninv = pow((n0 * n0 - W * n2 * n2) % P, P - 2, P)
    m0, m2 = n0 * ninv % P, -n2 * ninv % P  # (n0 - n2 Y) / norm
    return ((a0 * m0 + W * a2 * m2) % P, (-a1 * m0 - W * a3 * m2) % P, (a2 * m0 + a0 * m2) % P,
            (-a3 * m0 - a1 * m2) % P)


def dot_i(coeffs, values) -> tuple:
    """sum_i coeffs[i] * values[i] over int 4-tuples, reduced once per coefficient at the end."""
    c0 = c1 = c2 = c3 = 0
    for (a0, a1, a2, a3), (b0, b1, b2, b3) in zip(coeffs, values):
        c0 += a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1)
        c1 += a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2)
        c2 += a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b3)
        c3 += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0
    return (c0 % P, c1 % P, c2 % P, c3 % P)


def eq_index_i(rows, index: int) -> tuple:
    """eq(r, bits of index) = prod_j (bit_j ? r_j : 1 - r_j) for r given as rows of 4 ints (LSB first)."""
    acc = ONE_I
    for j, r in enumerate(rows):
        acc = mul_i(acc, r if (index >> j) & 1 else ((1 - r[0]) % P, -r[1] % P, -r[2] % P, -r[3] % P))
    return acc


# --- (4,) uint32 arrays in and out ------------------------------------------------------------------


def const(v: int) -> np.ndarray:
    """A (signed) integer as an extension element."""
    return np.array([int(v) % P, 0, 0, 0], dtype=np.uint32)


def mul(a, b) -> np.ndarray:
    return np.array(mul_i(ints(a), ints(b)), dtype=np.uint32)


def add(a, b) -> np.ndarray:
    return np.array(add_i(ints(a), ints(b)), dtype=np.uint32)


def sub(a, b) -> np.ndarray:
    return np.array(sub_i(ints(a), ints(b)), dtype=np.uint32)


def scale(a, s: int) -> np.ndarray:
    """a * s for an integer s (any sign)."""
    return np.array(scale_i(ints(a), int(s) % P), dtype=np.uint32)


def inv(a) -> np.ndarray:
    """a^-1 (0 -> 0)."""
    return np.array(inv_i(ints(a)), dtype=np.uint32)


def is_zero(a) -> bool:
    return not np.any(a)


def line(a, b, t) -> np.ndarray:
    """a + t (b - a): the line through a (at 0) and b (at 1), at t."""
    x = ints(a)
    return np.array(add_i(x, mul_i(ints(t), sub_i(ints(b), x))), dtype=np.uint32)


def powers(x, n: int) -> list[np.ndarray]:
    """[1, x, ..., x^(n-1)]."""
    xi, acc, out = ints(x), ONE_I, []
    for _ in range(n):
        out.append(np.array(acc, dtype=np.uint32))
        acc = mul_i(acc, xi)
    return out


def dot(coeffs, values) -> np.ndarray:
    """sum_i coeffs[i] * values[i]."""
    return np.array(dot_i([ints(c) for c in coeffs], [ints(v) for v in values]), dtype=np.uint32)


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

"""Inline helpers for kernels over FLAT ext arrays (element i at x[4i .. 4i+3]), and the rule for
when a kernel runs in parallel.

Why a module of its own: LLVM vectorizes a kernel loop only if every call in it gets inlined, and a
helper that itself calls `ext_mul` grows past LLVM's inlining threshold; `inline='always'` inlines
these at the Numba IR level instead (measured on a fold loop: 18 ns -> 4 ns per element). Indices
are made unsigned so no negative-index wraparound check stays in the loop (see field/ext4_vec.py).

The additions and subtractions here run in 64-bit lanes, like `ext_mul`'s products: mixing the
field's 32-bit-lane `add`/`sub` into these loops made LLVM give up vectorizing them (measured:
A B pair evaluation 9 vs 37 ns, ext fold 4 vs 13.5 ns per element).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_load, ext_mul, ext_mul_base, ext_store

U0 = np.uint64(0)
U1 = np.uint64(1)
U2 = np.uint64(2)
U3 = np.uint64(3)
U4 = np.uint64(4)
ZERO64 = (U0, U0, U0, U0)

ld = ext_load  # element i of a flat ext array, as a 4-tuple
st = ext_store

PARALLEL_MIN = 1 << 14  # work items (entries, pairs) below which a kernel runs on one thread
CHUNK_MIN = 1 << 12  # work items per parallel chunk, at least
MAX_CHUNKS = 256


def run_serially(items: int) -> bool:
    """Small inputs run on the calling thread: waking numba's pool costs tens of microseconds on an
    idle machine and milliseconds on a loaded one (measured: 4 ms per launch at load 7 on 2 cores)."""
    return items < PARALLEL_MIN


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of `a` (no copy). Kernel inputs passed this way compile one specialization
    whether the caller's array is writable (a fresh table) or not (weights mapped from a file, cached
    twiddles): numba types the two differently and compiles the kernel once for each."""
    v = a.view()
    v.flags.writeable = False
    return v


def num_chunks(items: int) -> int:
    """Parallel work items: at least CHUNK_MIN each, at most MAX_CHUNKS (load balance vs overhead)."""
    return max(1, min(MAX_CHUNKS, items // CHUNK_MIN))
_P64 = np.uint64(P)
_2P64 = np.uint64(2 * P)


@njit(inline="always")
def add64(a, b):
    """a + b mod p computed in 64-bit lanes (see the module docstring)."""
    t = np.uint64(a) + np.uint64(b)
    if t >= _P64:
        t -= _P64
    return np.uint32(t)


@njit(inline="always")
def sub64(a, b):
    """a - b mod p computed in 64-bit lanes."""
    t = np.uint64(a) + _P64 - np.uint64(b)
    if t >= _P64:
        t -= _P64
    return np.uint32(t)


@njit(inline="always")
def ext_add64(a, b):
    """a + b for ext elements, coefficient-wise `add64`."""
    return (add64(a[0], b[0]), add64(a[1], b[1]), add64(a[2], b[2]), add64(a[3], b[3]))


@njit(inline="always")
def fold_base(a, b, r):
    """a + r (b - a) for base a, b and an ext r (the multilinear line through a, b at r)."""
    v = ext_mul_base(r, sub64(b, a))
    return (add64(v[0], a), v[1], v[2], v[3])


@njit(inline="always")
def fold_ext(a, b, r):
    d = (sub64(b[0], a[0]), sub64(b[1], a[1]), sub64(b[2], a[2]), sub64(b[3], a[3]))
    return ext_add64(a, ext_mul(d, r))


@njit(inline="always")
def line_next_base(x0, x1):
    """2 x1 - x0 mod p: the line through x0 (at t) and x1 (at t + 1), evaluated at t + 2."""
    t = np.uint64(x1) * U2 + _P64 - np.uint64(x0)  # < 3p
    if t >= _2P64:
        t -= _2P64
    if t >= _P64:
        t -= _P64
    return np.uint32(t)


@njit(inline="always")
def line_next(x0, x1):
    """2 x1 - x0 for ext elements (coefficient-wise `line_next_base`)."""
    return (line_next_base(x0[0], x1[0]), line_next_base(x0[1], x1[1]), line_next_base(x0[2], x1[2]),
            line_next_base(x0[3], x1[3]))


@njit(inline="always")
def acc4(s, v):
    """Four uint64 running sums plus the four coefficients of v (the caller bounds the count)."""
    return (s[0] + np.uint64(v[0]), s[1] + np.uint64(v[1]), s[2] + np.uint64(v[2]), s[3] + np.uint64(v[3]))

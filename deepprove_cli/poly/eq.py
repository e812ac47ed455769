"""The equality polynomial eq(r, x) = prod_j (r_j x_j + (1 - r_j)(1 - x_j)): its table and its value.

`eq_table(r)` is the weight vector that turns any table into its evaluation at r, and the factor every
GKR / Einsum layer sumcheck multiplies by; `eq_eval(r, s)` is what a verifier computes in O(n).

Tables are built as a tensor product eq(r) = eq(r_high) (x) eq(r_low): two tables of about
sqrt(2^n) entries by serial doubling, then one parallel pass writing each output entry once with one
multiplication (the same count as doubling, but streaming instead of n passes over the output).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, mul, sub
from deepprove_cli.field.ext4 import ext_mul, ext_mul_outlined, ext_sub
from deepprove_cli.poly.flat import ld, num_chunks, run_serially, st

_SERIAL_MAX_VARS = 10  # below this, doubling alone (no thread launch)


@njit(cache=True)
def _eq_doubling_ext(point, out):
    """out[:2^n] = eq(point, .) by doubling (flat out): level j splits t into t (1 - r_j) and t r_j."""
    st(out, 0, (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0)))
    size = 1
    for j in range(point.shape[0]):
        r = (point[j, 0], point[j, 1], point[j, 2], point[j, 3])
        for i in range(size):
            t = ld(out, i)
            hi = ext_mul(t, r)
            st(out, i, ext_sub(t, hi))
            st(out, i + size, hi)
        size <<= 1


@njit(cache=True)
def _eq_doubling_base(point, out):
    out[0] = 1
    size = 1
    for j in range(point.shape[0]):
        r = point[j]
        for i in range(size):
            hi = mul(out[i], r)
            out[i + size] = hi
            out[i] = sub(out[i], hi)
        size <<= 1


@njit(cache=True)
def _eq_tensor_range(low, high, out, ext, lo, hi):
    """out[h L + l] = high[h] * low[l] for h in [lo, hi) (flat, L = len(low)): the low table's
    variables come first."""
    if ext:
        L = low.size // 4
        for h in range(lo, hi):
            e = ld(high, h)
            base = np.uint64(h * L)
            for l in range(np.uint64(L)):
                st(out, base + l, ext_mul(ld(low, l), e))
    else:
        L = low.size
        for h in range(lo, hi):
            e = high[h]
            base = np.uint64(h * L)
            for l in range(np.uint64(L)):
                out[base + l] = mul(low[l], e)


@njit(cache=True, parallel=True)
def _eq_tensor_par(low, high, out, ext, nchunks):
    m = high.size // 4 if ext else high.size
    for c in prange(nchunks):
        _eq_tensor_range(low, high, out, ext, c * m // nchunks, (c + 1) * m // nchunks)


@njit(cache=True)
def eq_eval_kernel(r, s):  # a sequential chain: the called ext_mul (compile time)
    """eq(r, s) for two ext points (n, 4): prod_j (1 - r_j - s_j + 2 r_j s_j)."""
    acc = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    for j in range(r.shape[0]):
        a = (r[j, 0], r[j, 1], r[j, 2], r[j, 3])
        b = (s[j, 0], s[j, 1], s[j, 2], s[j, 3])
        ab = ext_mul_outlined(a, b)
        # r s + (1 - r)(1 - s) = 1 - r - s + 2 r s
        t = ext_sub(ext_sub(one, a), b)
        t = (np.uint32((np.uint64(t[0]) + np.uint64(2) * ab[0]) % np.uint64(P)),
             np.uint32((np.uint64(t[1]) + np.uint64(2) * ab[1]) % np.uint64(P)),
             np.uint32((np.uint64(t[2]) + np.uint64(2) * ab[2]) % np.uint64(P)),
             np.uint32((np.uint64(t[3]) + np.uint64(2) * ab[3]) % np.uint64(P)))
        acc = ext_mul_outlined(acc, t)
    return acc


# --- Python API -------------------------------------------------------------------------------------


def as_point(point) -> np.ndarray:
    """A point as an (n, 4) uint32 array; a 1-D array (or list) of base elements is lifted."""
    a = np.asarray(point, dtype=np.uint32)
    if a.ndim == 1:
        out = np.zeros((a.shape[0], 4), dtype=np.uint32)
        out[:, 0] = a
        return out
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"a point is (n, 4) ext or (n,) base, got shape {a.shape}")
    return np.ascontiguousarray(a)


def is_base_point(point) -> bool:
    a = np.asarray(point)
    return a.ndim == 1


def _split(n: int) -> int:
    """Low-half size: the low table (inner loop) is the smaller or equal one."""
    return n // 2


def eq_table(point, out: np.ndarray | None = None) -> np.ndarray:
    """eq(point, x) for every x in {0,1}^n, index little-endian.

    An (n, 4) ext point gives an (2^n, 4) table; an (n,) base point gives a base (2^n,) table.
    `out`, if given, receives the table (same shape and dtype) and is returned.
    """
    pt = np.asarray(point, dtype=np.uint32)
    base = pt.ndim == 1
    if not base:
        pt = as_point(pt)
    n = pt.shape[0]
    shape = (1 << n,) if base else (1 << n, 4)
    if out is None:
        out = np.empty(shape, dtype=np.uint32)
    elif out.shape != shape or out.dtype != np.uint32:
        raise ValueError(f"eq_table: out must be uint32 {shape}, got {out.dtype}{out.shape}")
    doubling = _eq_doubling_base if base else _eq_doubling_ext
    flat = out.reshape(-1)
    if n <= _SERIAL_MAX_VARS:
        doubling(pt, flat)
        return out
    nl = _split(n)
    w = 1 if base else 4
    low = np.empty(w << nl, dtype=np.uint32)
    high = np.empty(w << (n - nl), dtype=np.uint32)
    doubling(pt[:nl], low)
    doubling(pt[nl:], high)
    h = 1 << (n - nl)
    if run_serially(1 << n):
        _eq_tensor_range(low, high, flat, not base, 0, h)
    else:
        _eq_tensor_par(low, high, flat, not base, min(h, num_chunks(1 << n)))
    return out


def eq_eval(r, s) -> np.ndarray:
    """eq(r, s) in O(n) for two points of the same length (each ext (n, 4) or base (n,)): (4,) ext."""
    a, b = as_point(r), as_point(s)
    if a.shape != b.shape:
        raise ValueError(f"eq_eval: points of different lengths {a.shape[0]} and {b.shape[0]}")
    return np.array(eq_eval_kernel(a, b), dtype=np.uint32)

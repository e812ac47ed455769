"""Specialized round kernels for the plain product of 2 or 3 tables (sum_x A B and sum_x A B C).

These are the hot paths (Einsum / matmul reductions, the benchmark target), written so LLVM
vectorizes them: a straight-line body per pair (entries 2i, 2i+1 of each table), inline helpers
(poly/flat.py), unsigned flat indexing, uint64 accumulators of reduced products, one value per
assignment (a tuple assignment `a0, a1 = x[k], x[k + 1]` alone made the base kernel 4x slower). Output: per-chunk
sums (nchunks, npts * 4) for the points t = 0, 2[, 3] (kernels.py's contract).

Folding is NOT fused here: a loop that folds and stores two entries per table per iteration does
not vectorize (measured 94 ns per pair for A B), while a separate fold pass (poly.multilinear) and
this evaluation pass do (about 4 ns per folded entry and 8 ns per pair): two passes beat one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, mul
from deepprove_cli.field.ext4 import ext_mul
from deepprove_cli.poly.flat import U1, U2, ZERO64, acc4, ld, line_next, line_next_base

_P64 = np.uint64(P)


@njit(cache=True)
def _put(partial, c, p, s):
    partial[c, 4 * p] = s[0] % _P64
    partial[c, 4 * p + 1] = s[1] % _P64
    partial[c, 4 * p + 2] = s[2] % _P64
    partial[c, 4 * p + 3] = s[3] % _P64


@njit(cache=True, parallel=True)
def prod2_base(a, b, half, nchunks):
    """Round sums of A B over base tables (round 0): base products only."""
    partial = np.zeros((nchunks, 8), dtype=np.uint64)
    for c in prange(nchunks):
        lo = np.uint64(c * half // nchunks)
        hi = np.uint64((c + 1) * half // nchunks)
        s0 = np.uint64(0)
        s2 = np.uint64(0)
        for i in range(lo, hi):
            k = i * U2
            a0 = a[k]
            a1 = a[k + U1]
            b0 = b[k]
            b1 = b[k + U1]
            s0 += mul(a0, b0)
            s2 += mul(line_next_base(a0, a1), line_next_base(b0, b1))
        partial[c, 0] = s0 % _P64
        partial[c, 4] = s2 % _P64
    return partial


@njit(cache=True, parallel=True)
def prod3_base(a, b, d, half, nchunks):
    """Round sums of A B C over base tables (round 0)."""
    partial = np.zeros((nchunks, 12), dtype=np.uint64)
    for c in prange(nchunks):
        lo = np.uint64(c * half // nchunks)
        hi = np.uint64((c + 1) * half // nchunks)
        s0 = np.uint64(0)
        s2 = np.uint64(0)
        s3 = np.uint64(0)
        for i in range(lo, hi):
            k = i * U2
            a0 = a[k]
            a1 = a[k + U1]
            b0 = b[k]
            b1 = b[k + U1]
            d0 = d[k]
            d1 = d[k + U1]
            s0 += mul(mul(a0, b0), d0)
            a2 = line_next_base(a0, a1)
            b2 = line_next_base(b0, b1)
            d2 = line_next_base(d0, d1)
            s2 += mul(mul(a2, b2), d2)
            s3 += mul(mul(line_next_base(a1, a2), line_next_base(b1, b2)), line_next_base(d1, d2))
        partial[c, 0] = s0 % _P64
        partial[c, 4] = s2 % _P64
        partial[c, 8] = s3 % _P64
    return partial


@njit(cache=True, parallel=True)
def prod2_ext(a, b, half, nchunks):
    """Round sums of A B over ext tables (flat)."""
    partial = np.zeros((nchunks, 8), dtype=np.uint64)
    for c in prange(nchunks):
        lo = np.uint64(c * half // nchunks)
        hi = np.uint64((c + 1) * half // nchunks)
        s0 = ZERO64
        s2 = ZERO64
        for i in range(lo, hi):
            k = i * U2
            a0 = ld(a, k)
            a1 = ld(a, k + U1)
            b0 = ld(b, k)
            b1 = ld(b, k + U1)
            s0 = acc4(s0, ext_mul(a0, b0))
            s2 = acc4(s2, ext_mul(line_next(a0, a1), line_next(b0, b1)))
        _put(partial, c, 0, s0)
        _put(partial, c, 1, s2)
    return partial


@njit(cache=True, parallel=True)
def prod3_ext(a, b, d, half, nchunks):
    """Round sums of A B C over ext tables (flat)."""
    partial = np.zeros((nchunks, 12), dtype=np.uint64)
    for c in prange(nchunks):
        lo = np.uint64(c * half // nchunks)
        hi = np.uint64((c + 1) * half // nchunks)
        s0 = ZERO64
        s2 = ZERO64
        s3 = ZERO64
        for i in range(lo, hi):
            k = i * U2
            a0 = ld(a, k)
            a1 = ld(a, k + U1)
            b0 = ld(b, k)
            b1 = ld(b, k + U1)
            d0 = ld(d, k)
            d1 = ld(d, k + U1)
            s0 = acc4(s0, ext_mul(ext_mul(a0, b0), d0))
            a2 = line_next(a0, a1)
            b2 = line_next(b0, b1)
            d2 = line_next(d0, d1)
            s2 = acc4(s2, ext_mul(ext_mul(a2, b2), d2))
            s3 = acc4(s3, ext_mul(ext_mul(line_next(a1, a2), line_next(b1, b2)), line_next(d1, d2)))
        _put(partial, c, 0, s0)
        _put(partial, c, 1, s2)
        _put(partial, c, 2, s3)
    return partial

"""Specialized round kernels for the plain product of 2 or 3 tables (sum_x A B and sum_x A B C).

These are the hot paths (Einsum / matmul reductions, the benchmark target), written so LLVM
vectorizes them: a straight-line body per pair (entries 2i, 2i+1 of each table), inline helpers
(poly/flat.py), unsigned flat indexing, uint64 accumulators of reduced products, one value per
assignment (a tuple assignment `a0, a1 = x[k], x[k + 1]` alone made the base kernel 4x slower).
Each `_range` body sums the pairs [lo, hi) into row c of `partial` (npts * 4 uint64, points
t = 0, 2[, 3]); `product_sums` runs it serially or over parallel chunks.

Round 1 of base tables uses no extension arithmetic at all ("small-value" rounds): the tables bound
at r_0 are u + r_0 v with base u, v, so the round's sums are polynomials in r_0 whose coefficients
are base sums (`small_value_sums`); the prover combines them with powers of r_0, then binds x_0 and
x_1 together in one pass (poly.multilinear.fix_first_two_variables) for round 2.

Folding is NOT fused here: a loop that folds and stores two entries per table per iteration does
not vectorize (measured 94 ns per pair for A B), while a separate fold pass (poly.multilinear) and
this evaluation pass do (about 4 ns per folded entry and 8 ns per pair): two passes beat one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, mul
from deepprove_cli.field.ext4 import ext_mul
from deepprove_cli.poly.flat import (U1, U2, U3, U4, ZERO64, acc4, add64, ld, line_next, line_next_base, num_chunks,
                                     readonly, run_serially, sub64)

_P64 = np.uint64(P)
BASE2, BASE3, EXT2, EXT3, SMALL2, SMALL3 = 0, 1, 2, 3, 4, 5


@njit(cache=True)
def _put(partial, c, p, s):
    partial[c, 4 * p] = s[0] % _P64
    partial[c, 4 * p + 1] = s[1] % _P64
    partial[c, 4 * p + 2] = s[2] % _P64
    partial[c, 4 * p + 3] = s[3] % _P64


@njit(cache=True)
def _base2_range(a, b, lo, hi, partial, c):
    s0 = np.uint64(0)
    s2 = np.uint64(0)
    for i in range(np.uint64(lo), np.uint64(hi)):
        k = i * U2
        a0 = a[k]
        a1 = a[k + U1]
        b0 = b[k]
        b1 = b[k + U1]
        s0 += mul(a0, b0)
        s2 += mul(line_next_base(a0, a1), line_next_base(b0, b1))
    partial[c, 0] = s0 % _P64
    partial[c, 4] = s2 % _P64


@njit(cache=True)
def _base3_range(a, b, d, lo, hi, partial, c):
    s0 = np.uint64(0)
    s2 = np.uint64(0)
    s3 = np.uint64(0)
    for i in range(np.uint64(lo), np.uint64(hi)):
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


@njit(cache=True)
def _ext2_range(a, b, lo, hi, partial, c):
    s0 = ZERO64
    s2 = ZERO64
    for i in range(np.uint64(lo), np.uint64(hi)):
        k = i * U2
        a0 = ld(a, k)
        a1 = ld(a, k + U1)
        b0 = ld(b, k)
        b1 = ld(b, k + U1)
        s0 = acc4(s0, ext_mul(a0, b0))
        s2 = acc4(s2, ext_mul(line_next(a0, a1), line_next(b0, b1)))
    _put(partial, c, 0, s0)
    _put(partial, c, 1, s2)


@njit(cache=True)
def _ext3_range(a, b, d, lo, hi, partial, c):
    s0 = ZERO64
    s2 = ZERO64
    s3 = ZERO64
    for i in range(np.uint64(lo), np.uint64(hi)):
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


@njit(inline="always")
def _quad_lines(x, k):
    """For entries x[k..k+3] of a base table (x_1 = 0, 1 and x_0 = 0, 1): the round-1 values after
    binding x_0 = r are u_t + r v_t at x_1 = t; returns (u_0, v_0, u_2, v_2)."""
    x0 = x[k]
    x1 = x[k + U1]
    x2 = x[k + U2]
    x3 = x[k + U3]
    v0 = sub64(x1, x0)
    return x0, v0, line_next_base(x0, x2), line_next_base(v0, sub64(x3, x2))


@njit(cache=True)
def _small2_range(a, b, lo, hi, partial, c):
    """Round 1 of A B on base tables, before any extension arithmetic: with A' = u_A + r v_A,
    A'(t) B'(t) = u_A u_B + r (u_A v_B + v_A u_B) + r^2 v_A v_B, so the round needs only the base sums
    of the three products per point t = 0, 2 (row c: [power of r][t])."""
    s00 = np.uint64(0)
    s01 = np.uint64(0)
    s02 = np.uint64(0)
    s20 = np.uint64(0)
    s21 = np.uint64(0)
    s22 = np.uint64(0)
    for i in range(np.uint64(lo), np.uint64(hi)):
        k = i * U4
        ua0, va0, ua2, va2 = _quad_lines(a, k)
        ub0, vb0, ub2, vb2 = _quad_lines(b, k)
        s00 += mul(ua0, ub0)
        s01 += np.uint64(mul(ua0, vb0)) + np.uint64(mul(va0, ub0))
        s02 += mul(va0, vb0)
        s20 += mul(ua2, ub2)
        s21 += np.uint64(mul(ua2, vb2)) + np.uint64(mul(va2, ub2))
        s22 += mul(va2, vb2)
    partial[c, 0] = s00 % _P64
    partial[c, 1] = s20 % _P64
    partial[c, 2] = s01 % _P64
    partial[c, 3] = s21 % _P64
    partial[c, 4] = s02 % _P64
    partial[c, 5] = s22 % _P64


@njit(inline="always")
def _cubic(ua, va, ub, vb, ud, vd):
    """Coefficients in r of (ua + r va)(ub + r vb)(ud + r vd), each < 3p (unreduced sums of products)."""
    p = mul(ua, ub)
    q = add64(mul(ua, vb), mul(va, ub))
    s = mul(va, vb)
    return (np.uint64(mul(p, ud)), np.uint64(mul(p, vd)) + np.uint64(mul(q, ud)),
            np.uint64(mul(q, vd)) + np.uint64(mul(s, ud)), np.uint64(mul(s, vd)))


@njit(cache=True)
def _small3_range(a, b, d, lo, hi, partial, c):
    """Round 1 of A B C on base tables: the four coefficients in r of the product per point t = 0, 2, 3
    (row c: [power of r][t])."""
    z = np.uint64(0)
    s00, s01, s02, s03 = z, z, z, z
    s20, s21, s22, s23 = z, z, z, z
    s30, s31, s32, s33 = z, z, z, z
    for i in range(np.uint64(lo), np.uint64(hi)):
        k = i * U4
        ua0, va0, ua2, va2 = _quad_lines(a, k)
        ub0, vb0, ub2, vb2 = _quad_lines(b, k)
        ud0, vd0, ud2, vd2 = _quad_lines(d, k)
        m0, m1, m2, m3 = _cubic(ua0, va0, ub0, vb0, ud0, vd0)
        s00 += m0
        s01 += m1
        s02 += m2
        s03 += m3
        m0, m1, m2, m3 = _cubic(ua2, va2, ub2, vb2, ud2, vd2)
        s20 += m0
        s21 += m1
        s22 += m2
        s23 += m3
        # t = 3: one more step along each line (u_3 = 2 u_2 - u_1, u_1 = the t = 1 value = x2 of the quad)
        m0, m1, m2, m3 = _cubic(line_next_base(a[k + U2], ua2), line_next_base(sub64(a[k + U3], a[k + U2]), va2),
                                line_next_base(b[k + U2], ub2), line_next_base(sub64(b[k + U3], b[k + U2]), vb2),
                                line_next_base(d[k + U2], ud2), line_next_base(sub64(d[k + U3], d[k + U2]), vd2))
        s30 += m0
        s31 += m1
        s32 += m2
        s33 += m3
    sums = (s00, s20, s30, s01, s21, s31, s02, s22, s32, s03, s23, s33)
    for q in range(12):
        partial[c, q] = sums[q] % _P64


@njit(cache=True, parallel=True)
def _base2_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    # np.int64(c): the serial call's row type, so the body compiles once (a prange index is uint64)
    for c in prange(nchunks):
        _base2_range(a, b, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


@njit(cache=True, parallel=True)
def _base3_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        _base3_range(a, b, d, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


@njit(cache=True, parallel=True)
def _ext2_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        _ext2_range(a, b, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


@njit(cache=True, parallel=True)
def _ext3_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        _ext3_range(a, b, d, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


@njit(cache=True, parallel=True)
def _small2_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        _small2_range(a, b, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


@njit(cache=True, parallel=True)
def _small3_par(a, b, d, half, partial):
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        _small3_range(a, b, d, c * half // nchunks, (c + 1) * half // nchunks, partial, np.int64(c))


# kind -> (serial body, parallel wrapper): separate functions, so a process compiles only what it runs
_KERNELS = {
    BASE2: (lambda a, b, d, lo, hi, out: _base2_range(a, b, lo, hi, out, 0), _base2_par),
    BASE3: (lambda a, b, d, lo, hi, out: _base3_range(a, b, d, lo, hi, out, 0), _base3_par),
    EXT2: (lambda a, b, d, lo, hi, out: _ext2_range(a, b, lo, hi, out, 0), _ext2_par),
    EXT3: (lambda a, b, d, lo, hi, out: _ext3_range(a, b, d, lo, hi, out, 0), _ext3_par),
    SMALL2: (lambda a, b, d, lo, hi, out: _small2_range(a, b, lo, hi, out, 0), _small2_par),
    SMALL3: (lambda a, b, d, lo, hi, out: _small3_range(a, b, d, lo, hi, out, 0), _small3_par),
}


def _run(kind: int, tables: list[np.ndarray], items: int, width: int) -> np.ndarray:
    a, b = readonly(tables[0]), readonly(tables[1])
    d = readonly(tables[2]) if len(tables) == 3 else b
    rows = 1 if run_serially(items) else num_chunks(items)
    partial = np.zeros((rows, width), dtype=np.uint64)
    serial, parallel = _KERNELS[kind]
    if rows == 1:
        serial(a, b, d, 0, items, partial)
    else:
        parallel(a, b, d, items, partial)
    return partial


def product_sums(tables: list[np.ndarray], ext: bool) -> np.ndarray:
    """Per-chunk round sums (nchunks, degree * 4) of the product of 2 or 3 flat tables of one kind."""
    k = len(tables)
    kind = (EXT2 if k == 2 else EXT3) if ext else (BASE2 if k == 2 else BASE3)
    return _run(kind, tables, (tables[0].size // 4 if ext else tables[0].size) // 2, 4 * k)


def small_value_sums(tables: list[np.ndarray]) -> np.ndarray:
    """Round 1 on unbound base tables: per-chunk (nchunks, (degree + 1) * degree) base sums, laid out
    [power m of r_0][point t = 0, 2(, 3)]; the round value at t is sum_m sums[m, t] r_0^m."""
    k = len(tables)
    return _run(SMALL2 if k == 2 else SMALL3, tables, tables[0].size // 4, k * (k + 1))

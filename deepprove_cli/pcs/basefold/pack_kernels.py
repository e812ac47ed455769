"""Prover kernel of the point reduction on packed columns (pack.py): eq-weighted sums over slots.

A claim on a packed column reads only its own slot (the eq weight of its point vanishes on every
other entry: the slot bits are 0/1 constants), so its round sums are computed over that region of
the column's table, with the weights built in the kernel from the claim's coordinates. Thousands
of small claims then cost one call per column and round, and each costs O(its region).

Extension vectors are flat views of (n, 4) arrays (field.ext4's load/store); sums are products
reduced, added unreduced in uint64 (at most 2^20 terms < 2^31 per sum) and reduced once.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import reduce62, sub
from deepprove_cli.field.ext4 import ext_load as ld, ext_mul, ext_store as st
from deepprove_cli.pcs.basefold.kernels import _accumulate as accumulate

_Z64 = np.uint64(0)
_ONE = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))


@njit(cache=True, inline="always")
def _coord(points, c, bound, free, j):
    """Weight factors (eq at bit 0, eq at bit 1) of region variable j of claim c: 1 on both sides
    for the free variable, else the claim's coordinate bound + j."""
    if j == free:
        return _ONE, _ONE
    k = bound + j
    w = (points[c, k, 0], points[c, k, 1], points[c, k, 2], points[c, k, 3])
    return (sub(_ONE[0], w[0]), sub(np.uint32(0), w[1]), sub(np.uint32(0), w[2]), sub(np.uint32(0), w[3])), w


# Typed constants: a literal argument would compile _weights once per literal value (4 x ~5 s).
_I0 = np.int64(0)
_IM1 = np.int64(-1)


@njit(cache=True)
def _weights(points, c, bound, free, lo, hi, out):
    """out (flat ext, 2^(hi - lo) entries) = the eq table of region variables lo..hi-1 (doubling)."""
    st(out, 0, _ONE)
    size = 1
    for j in range(lo, hi):
        a, b = _coord(points, c, bound, free, j)
        for i in range(size):
            v = ld(out, i)
            st(out, i + size, ext_mul(v, b))
            st(out, i, ext_mul(v, a))
        size *= 2


@njit(cache=True)
def _region(t, start, low, n_low):
    """(sum, sum over odd entries) of low[x] t[start + x], x < n_low, reduced."""
    s = (_Z64, _Z64, _Z64, _Z64)
    p = (_Z64, _Z64, _Z64, _Z64)
    for x in range(n_low):
        v = ext_mul(ld(low, x), ld(t, start + x))
        m = np.uint64(x & 1)
        s = (s[0] + np.uint64(v[0]), s[1] + np.uint64(v[1]), s[2] + np.uint64(v[2]), s[3] + np.uint64(v[3]))
        p = (p[0] + np.uint64(v[0]) * m, p[1] + np.uint64(v[1]) * m, p[2] + np.uint64(v[2]) * m,
             p[3] + np.uint64(v[3]) * m)
    return ((reduce62(s[0]), reduce62(s[1]), reduce62(s[2]), reduce62(s[3])),
            (reduce62(p[0]), reduce62(p[1]), reduce62(p[2]), reduce62(p[3])))


@njit(cache=True)
def _claim_sums(t, start, m, points, c, bound, low, high, out):
    """One claim of k_slot_sums, its weight tables built in the scratch buffers low and high."""
    if m == 1:   # a bound slot's pair: no weight left
        st(out, 2 * c, ld(t, start))
        st(out, 2 * c + 1, ld(t, start + 1))
        return
    lo = max(1, m // 2)
    n_low = 1 << lo
    _weights(points, c, bound, _I0, _I0, lo, low)
    _weights(points, c, bound, _I0, lo, m, high)
    s0 = (_Z64, _Z64, _Z64, _Z64)
    s1 = (_Z64, _Z64, _Z64, _Z64)
    for xh in range(1 << (m - lo)):
        total, part = _region(t, start + xh * n_low, low, n_low)
        h = ld(high, xh)
        a1 = ext_mul(part, h)
        a = ext_mul(total, h)
        a0 = (sub(a[0], a1[0]), sub(a[1], a1[1]), sub(a[2], a1[2]), sub(a[3], a1[3]))
        s0 = (s0[0] + np.uint64(a0[0]), s0[1] + np.uint64(a0[1]), s0[2] + np.uint64(a0[2]), s0[3] + np.uint64(a0[3]))
        s1 = (s1[0] + np.uint64(a1[0]), s1[1] + np.uint64(a1[1]), s1[2] + np.uint64(a1[2]), s1[3] + np.uint64(a1[3]))
    st(out, 2 * c, (reduce62(s0[0]), reduce62(s0[1]), reduce62(s0[2]), reduce62(s0[3])))
    st(out, 2 * c + 1, (reduce62(s1[0]), reduce62(s1[1]), reduce62(s1[2]), reduce62(s1[3])))


@njit(parallel=True, cache=True)
def k_slot_sums(t, starts, nvars, points, bound, out):
    """For every claim c: out[c] = (S_0, S_1) (flat (c, 2, 4)) with
    S_X = sum_{x < 2^nvars[c], x_0 = X} prod_{j >= 1} eq(points[c, bound + j], x_j) t[starts[c] + x]:
    a round's (q(0), q(1)) over the claim's region of a flat ext table (4 words an entry) whose first
    `bound` variables are bound. Claims are cut into chunks of consecutive ones, each with its
    scratch weight tables (no allocation per claim)."""
    nclaims = starts.shape[0]
    lo_max, hi_max = 1, 0
    for c in range(nclaims):
        lo = max(1, nvars[c] // 2)
        lo_max, hi_max = max(lo_max, lo), max(hi_max, nvars[c] - lo)
    nchunks = min(nclaims, 64)
    for ch in prange(nchunks):
        low = np.empty(4 << lo_max, dtype=np.uint32)
        high = np.empty(4 << hi_max, dtype=np.uint32)
        for c in range(ch * nclaims // nchunks, (ch + 1) * nclaims // nchunks):
            _claim_sums(t, starts[c], nvars[c], points, c, bound, low, high, out)


@njit(cache=True, inline="always")
def _partials_low(nv, k):
    """Variables of the low weight table: the high table's 2^(nv - lo) entries each cost 2^k products
    to finish, the low table's one each to build; balance them."""
    return nv - max(0, (nv - k) // 2)


@njit(cache=True)
def _partials_one(t, start, nv, k, points, c, low, high, acc, fin, out):
    """One claim of k_slot_partials, with scratch weight tables and accumulators."""
    width = 1 << k
    lo = _partials_low(nv, k)
    n_low = 1 << lo
    _weights(points, c, k, _IM1, _I0, lo, low)
    _weights(points, c, k, _IM1, lo, nv, high)
    fin[:] = 0
    for yh in range(1 << (nv - lo)):
        acc[:] = 0
        base = start + yh * n_low * width
        for yl in range(n_low):
            w = ld(low, yl)
            row = t[base + yl * width:base + (yl + 1) * width]
            accumulate(acc, row, width, w)
        h = ld(high, yh)
        for u in range(width):
            s = (reduce62(acc[4 * u]), reduce62(acc[4 * u + 1]), reduce62(acc[4 * u + 2]), reduce62(acc[4 * u + 3]))
            v = ext_mul(s, h)
            for e in range(4):
                fin[4 * u + e] += np.uint64(v[e])
    for i in range(4 * width):
        out[np.uint64(4 * width * c + i)] = reduce62(fin[i])


@njit(parallel=True, cache=True)
def k_slot_partials(t, starts, nvars, points, k, out):
    """For every claim c: out[c, u] (flat (c, 2^k, 4)) = sum_y eq(points[c, k:k + nvars[c]], y)
    t[starts[c] + u + 2^k y], u < 2^k, y < 2^nvars[c]: the claim's region of a base table summed over
    its variables from k on, its k lowest left free (the point reduction's first k rounds read these
    2^k values instead of the region)."""
    nclaims = starts.shape[0]
    lo_max, hi_max = 0, 0
    for c in range(nclaims):
        lo = _partials_low(nvars[c], k)
        lo_max, hi_max = max(lo_max, lo), max(hi_max, nvars[c] - lo)
    nchunks = min(nclaims, 64)
    for ch in prange(nchunks):
        low = np.empty(4 << lo_max, dtype=np.uint32)
        high = np.empty(4 << hi_max, dtype=np.uint32)
        acc = np.empty(4 << k, dtype=np.uint64)
        fin = np.empty(4 << k, dtype=np.uint64)
        for c in range(ch * nclaims // nchunks, (ch + 1) * nclaims // nchunks):
            _partials_one(t, starts[c], nvars[c], k, points, c, low, high, acc, fin, out)

"""Round kernels for eq-weighted sums, sum_x eq(r, x) G(x) (eq_prover.py): they compute
h(t) = sum over the remaining pairs i of w_i G_i(t), where the weight of pair i is eq(r_{>j}, i), given
split as w_i = eqH[i >> bL] * eqL[i & (2^bL - 1)] (two tables of about sqrt(#pairs) entries, never the
full eq table). The inner sum over l runs weighted by eqL, its total is multiplied by eqH[h] once.

Output per chunk of h: (npts * 4) uint64 for the points t = 0, 2, .. (or 0, 1, .. with `with_one`);
term coefficients are applied inside (the weight multiplies the whole of G).

`ab_cd`: G = A B + C D over four ext tables (e.g. a fraction-tree layer, p0 q1 + q0 (p1 + lambda q1)),
written straight-line so it vectorizes.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_add, ext_inv, ext_mul, ext_mul_base, ext_mul_outlined, ext_sub
from deepprove_cli.poly.flat import U1, U2, ZERO64, acc4, ext_add64, ld, line_next, num_chunks, readonly, run_serially
from deepprove_cli.sumcheck.kernels import pair_lines, point_of, term_product
from deepprove_cli.sumcheck.lagrange import interpolate_kernel

_P64 = np.uint64(P)


@njit(cache=True)
def _reduce(s):
    return (np.uint32(s[0] % _P64), np.uint32(s[1] % _P64), np.uint32(s[2] % _P64), np.uint32(s[3] % _P64))


@njit(cache=True)
def _generic_range(bs, es, kb, ke, half, tptr, tidx, coeffs, npts, with_one, tmax, eqL, eqH, hlo, hhi,
                   partial, c):
    L = eqL.size // 4
    size = 2 * half
    w = tmax + 1
    vb = np.empty(kb * w, dtype=np.uint32)
    ve = np.empty(ke * w * 4, dtype=np.uint32)
    acc = np.zeros(npts * 4, dtype=np.uint64)
    inner = np.zeros(npts * 4, dtype=np.uint64)
    for h in range(hlo, hhi):
        inner[:] = 0
        for l in range(L):
            pair_lines(bs, es, kb, ke, size, h * L + l, vb, ve, tmax)
            wl = ld(eqL, l)
            for p in range(npts):
                t = point_of(p, with_one)
                v = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
                for k in range(tptr.shape[0] - 1):
                    v = ext_add(v, ext_mul_outlined(term_product(vb, ve, kb, tptr, tidx, k, t, w),
                                           (coeffs[k, 0], coeffs[k, 1], coeffs[k, 2], coeffs[k, 3])))
                v = ext_mul_outlined(v, wl)
                for q in range(4):
                    inner[4 * p + q] += v[q]
        wh = ld(eqH, h)
        for p in range(npts):
            v = ext_mul_outlined(_reduce((inner[4 * p], inner[4 * p + 1], inner[4 * p + 2], inner[4 * p + 3])), wh)
            for q in range(4):
                acc[4 * p + q] += v[q]
    for q in range(npts * 4):
        partial[c, q] = acc[q] % _P64


@njit(cache=True, parallel=True)
def _generic_par(bs, es, kb, ke, half, tptr, tidx, coeffs, npts, with_one, tmax, eqL, eqH, partial):
    nchunks = partial.shape[0]
    m = eqH.size // 4
    # np.int64(c): the serial call's row type, so the body compiles once (a prange index is uint64)
    for c in prange(nchunks):
        _generic_range(bs, es, kb, ke, half, tptr, tidx, coeffs, npts, with_one, tmax, eqL, eqH,
                       c * m // nchunks, (c + 1) * m // nchunks, partial, np.int64(c))


def generic_sums(bs, es, kb: int, ke: int, half: int, tptr, tidx, coeffs, npts: int, with_one: bool, eqL, eqH):
    """Per-chunk (rows, npts * 4) sums of w_i G_i(t) for any terms (coefficients applied)."""
    tmax = npts - 1 if with_one else npts
    m = eqH.size // 4
    rows = 1 if run_serially(half) else min(m, num_chunks(half))
    partial = np.zeros((rows, npts * 4), dtype=np.uint64)
    bs, es = readonly(bs), readonly(es)
    if rows == 1:
        _generic_range(bs, es, kb, ke, half, tptr, tidx, coeffs, npts, with_one, tmax, eqL, eqH, 0, m, partial, 0)
    else:
        _generic_par(bs, es, kb, ke, half, tptr, tidx, coeffs, npts, with_one, tmax, eqL, eqH, partial)
    return partial


@njit(cache=True)
def _ab_cd_range(a, b, cc, d, eqL, eqH, hlo, hhi, partial, c):
    """Points t = 0, 2 of sum_i w_i (A B + C D)(t) (the rare rounds that need t = 1 as well take the
    generic kernel: one variant here keeps compile time down)."""
    L = np.uint64(eqL.size // 4)
    s0 = ZERO64
    s2 = ZERO64
    for h in range(np.uint64(hlo), np.uint64(hhi)):
        i0 = ZERO64
        i2 = ZERO64
        for l in range(L):
            k = (h * L + l) * U2
            a0 = ld(a, k)
            a1 = ld(a, k + U1)
            b0 = ld(b, k)
            b1 = ld(b, k + U1)
            c0 = ld(cc, k)
            c1 = ld(cc, k + U1)
            d0 = ld(d, k)
            d1 = ld(d, k + U1)
            wl = ld(eqL, l)
            g0 = ext_add64(ext_mul(a0, b0), ext_mul(c0, d0))
            i0 = acc4(i0, ext_mul(g0, wl))
            g2 = ext_add64(ext_mul(line_next(a0, a1), line_next(b0, b1)), ext_mul(line_next(c0, c1), line_next(d0, d1)))
            i2 = acc4(i2, ext_mul(g2, wl))
        wh = ld(eqH, h)
        s0 = acc4(s0, ext_mul_outlined(_reduce(i0), wh))
        s2 = acc4(s2, ext_mul_outlined(_reduce(i2), wh))
    for q in range(4):
        partial[c, q] = s0[q] % _P64
        partial[c, 4 + q] = s2[q] % _P64


@njit(cache=True, parallel=True)
def _ab_cd_par(a, b, cc, d, eqL, eqH, partial):
    nchunks = partial.shape[0]
    m = eqH.size // 4
    for c in prange(nchunks):
        _ab_cd_range(a, b, cc, d, eqL, eqH, c * m // nchunks, (c + 1) * m // nchunks, partial, np.int64(c))


def ab_cd_sums(tables, eqL, eqH):
    """Per-chunk sums at t = 0, 2 for G = A B + C D (four flat ext tables, in that order)."""
    half = tables[0].size // 8
    m = eqH.size // 4
    rows = 1 if run_serially(half) else min(m, num_chunks(half))
    partial = np.zeros((rows, 8), dtype=np.uint64)
    tables = [readonly(t) for t in tables]
    if rows == 1:
        _ab_cd_range(*tables, eqL, eqH, 0, m, partial, 0)
    else:
        _ab_cd_par(*tables, eqL, eqH, partial)
    return partial


@njit(cache=True)
def _eq1(r, t):
    """eq(r, t) = 1 - r - t + 2 r t for an ext r and an integer t."""
    rt = ext_mul_base(r, np.uint32(2 * t % P))
    v = ext_sub(ext_add((np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0)), rt),
                ext_add(r, (np.uint32(t % P), np.uint32(0), np.uint32(0), np.uint32(0))))
    return v


@njit(cache=True)
def gruen_values(hs, with_one, claim, pacc, rj, dh):
    """The values g(t) = pacc eq(r_j, t) h(t), t = 0, 2, .., dh + 1, that a round sends.

    hs holds h at t = 0, 2, .., dh (or 0, 1, .., dh with `with_one`); h(1) is otherwise derived from
    the running claim = g(0) + g(1) = pacc ((1 - r_j) h(0) + r_j h(1)), and h(dh + 1) extrapolated
    (h has degree dh). pacc = eq(r_{<j}, s_{<j}) must be nonzero, and r_j too, unless `with_one`.
    """
    hv = np.empty((dh + 1, 4), dtype=np.uint32)
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    if with_one:
        hv[:] = hs
    else:
        hv[0] = hs[0]
        hv[2:] = hs[1:]
        h0 = (hs[0, 0], hs[0, 1], hs[0, 2], hs[0, 3])
        t = ext_sub(ext_mul_outlined(claim, ext_inv(pacc)), ext_mul_outlined(ext_sub(one, rj), h0))
        hv[1, 0], hv[1, 1], hv[1, 2], hv[1, 3] = ext_mul_outlined(t, ext_inv(rj))
    hd = interpolate_kernel(hv, (np.uint32(dh + 1), np.uint32(0), np.uint32(0), np.uint32(0)))
    out = np.empty((dh + 1, 4), dtype=np.uint32)
    for p in range(dh + 1):
        t = 0 if p == 0 else p + 1
        h = hd if t == dh + 1 else (hv[t, 0], hv[t, 1], hv[t, 2], hv[t, 3])
        out[p, 0], out[p, 1], out[p, 2], out[p, 3] = ext_mul_outlined(ext_mul_outlined(pacc, _eq1(rj, t)), h)
    return out


@njit(cache=True)
def next_claim(sent, claim, s, pacc, rj):
    """(g(s), pacc eq(r_j, s)): the running claim and eq prefix after the challenge s."""
    d = sent.shape[0]
    full = np.empty((d + 1, 4), dtype=np.uint32)
    full[0] = sent[0]
    full[1, 0], full[1, 1], full[1, 2], full[1, 3] = ext_sub(claim, (sent[0, 0], sent[0, 1], sent[0, 2], sent[0, 3]))
    full[2:] = sent[1:]
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    e = ext_add(ext_sub(ext_sub(one, rj), s), ext_mul_base(ext_mul_outlined(rj, s), np.uint32(2)))
    return interpolate_kernel(full, s), ext_mul_outlined(pacc, e)

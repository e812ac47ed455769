"""CPU kernel of the generic sumcheck prover: one round's sums for any terms over any tables.

Layout: the tables of a problem are stacked, base tables first then ext tables, into FLAT arrays
(a base stack of kb tables of size S is kb * S uint32; an ext stack is ke * S * 4 uint32). A term
is a run of factor indices into that order (CSR: `tptr`, `tidx`). Folding between rounds is done
by poly.multilinear's fold kernels into the next stack (see prover.py).

For each pair i (entries 2i, 2i+1 of every table) a table restricted to the line x_j = t is
a + t (b - a); the kernels evaluate every table at the needed t, multiply out every term and add
the products into per-term, per-t uint64 accumulators (each product reduced, sums reduced once per
chunk). Coefficients are applied by the caller on the K x d sums, never in the inner loop.

In round 0 base tables stay base (products in the base field, one ext*base product per term only
when a term also has ext factors); from round 1 on every table is ext (kb = 0). The loops over
tables and terms have runtime bounds, so this kernel does not vectorize: the common shapes have
their own kernels (product_kernels.py), and products here call `ext_mul` instead of inlining it
(inlining only pays in loops LLVM vectorizes; here it would only cost compile time).

Points: with `with_one` False the kernel evaluates t = 0, 2, 3, ..., npts (what a proof sends);
with it True t = 0, 1, ..., npts - 1 (used for honest sums).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, add, mul, sub
from deepprove_cli.field.ext4 import ext_add, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul
from deepprove_cli.poly.flat import ld, num_chunks, readonly, run_serially, st

_P64 = np.uint64(P)


@njit(cache=True)
def point_of(p, with_one):
    """The t of evaluation slot p."""
    if with_one or p == 0:
        return p
    return p + 1


@njit(cache=True)
def _line_base(a, b, out, off, tmax):
    """out[off + t] = a + t (b - a) for t = 0..tmax."""
    out[off] = a
    if tmax >= 1:
        out[off + 1] = b
        d = sub(b, a)
        v = b
        for t in range(2, tmax + 1):
            v = add(v, d)
            out[off + t] = v


@njit(cache=True)
def _line_ext(a, b, out, off, tmax):
    st(out, off, a)
    if tmax >= 1:
        st(out, off + 1, b)
        d = ext_sub(b, a)
        v = b
        for t in range(2, tmax + 1):
            v = ext_add(v, d)
            st(out, off + t, v)


@njit(cache=True)
def term_product(vb, ve, kb, tptr, tidx, k, t, w):
    """prod_{f in term k} T_f(t) from the line values vb / ve (stride w), as an ext tuple: base factors
    multiply in the base field, then one ext-by-base product if the term also has ext factors."""
    hb = False
    he = False
    pb = np.uint32(1)
    pe = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    for q in range(tptr[k], tptr[k + 1]):
        f = tidx[q]
        if f < kb:
            v = vb[f * w + t]
            pb = mul(pb, v) if hb else v
            hb = True
        else:
            e = ld(ve, (f - kb) * w + t)
            pe = ext_mul(pe, e) if he else e
            he = True
    if not he:
        return (pb, np.uint32(0), np.uint32(0), np.uint32(0))
    if hb:
        pe = ext_mul_base(pe, pb)
    return pe


@njit(cache=True)
def pair_lines(bs, es, kb, ke, size, i, vb, ve, tmax):
    """Every table on the line through its entries 2i, 2i + 1, at t = 0..tmax, into vb / ve."""
    w = tmax + 1
    for j in range(kb):
        _line_base(bs[j * size + 2 * i], bs[j * size + 2 * i + 1], vb, j * w, tmax)
    for j in range(ke):
        _line_ext(ld(es, j * size + 2 * i), ld(es, j * size + 2 * i + 1), ve, j * w, tmax)


@njit(cache=True)
def _accumulate(vb, ve, kb, tptr, tidx, npts, with_one, tmax, acc):
    """acc[k, p] += prod_{f in term k} T_f(t_p) from the line values vb / ve (stride tmax + 1)."""
    for k in range(tptr.shape[0] - 1):
        for p in range(npts):
            v = term_product(vb, ve, kb, tptr, tidx, k, point_of(p, with_one), tmax + 1)
            o = (k * npts + p) * 4
            acc[o] += v[0]
            acc[o + 1] += v[1]
            acc[o + 2] += v[2]
            acc[o + 3] += v[3]


@njit(cache=True)
def _round_range(bs, es, kb, ke, half, tptr, tidx, npts, with_one, tmax, lo, hi, partial, c):
    """Row c of `partial`: the sums over pairs [lo, hi) of tables of size 2 * half."""
    K = tptr.shape[0] - 1
    size = 2 * half
    w = tmax + 1
    vb = np.empty(kb * w, dtype=np.uint32)
    ve = np.empty(ke * w * 4, dtype=np.uint32)
    acc = np.zeros(K * npts * 4, dtype=np.uint64)
    for i in range(lo, hi):
        pair_lines(bs, es, kb, ke, size, i, vb, ve, tmax)
        _accumulate(vb, ve, kb, tptr, tidx, npts, with_one, tmax, acc)
    for q in range(K * npts * 4):
        partial[c, q] = acc[q] % _P64


@njit(cache=True, parallel=True)
def _round_par(bs, es, kb, ke, half, tptr, tidx, npts, with_one, tmax, partial):
    nchunks = partial.shape[0]
    # np.int64(c): the serial call's row type, so the body compiles once (a prange index is uint64)
    for c in prange(nchunks):
        _round_range(bs, es, kb, ke, half, tptr, tidx, npts, with_one, tmax, c * half // nchunks,
                     (c + 1) * half // nchunks, partial, np.int64(c))


def round_sums(bs, es, kb: int, ke: int, half: int, tptr, tidx, npts: int, with_one: bool) -> np.ndarray:
    """Per-chunk sums (nchunks, K * npts * 4) of one round over tables of size 2 * half."""
    K = tptr.shape[0] - 1
    tmax = npts - 1 if with_one else npts
    rows = 1 if run_serially(half) else num_chunks(half)
    partial = np.zeros((rows, K * npts * 4), dtype=np.uint64)
    bs, es = readonly(bs), readonly(es)
    if rows == 1:
        _round_range(bs, es, kb, ke, half, tptr, tidx, npts, with_one, tmax, 0, half, partial, 0)
    else:
        _round_par(bs, es, kb, ke, half, tptr, tidx, npts, with_one, tmax, partial)
    return partial


@njit(cache=True)
def round_values(partial, coeffs, npts, width):
    """The round's values g(t_p) = sum_k coeffs[k] S_k(t_p) from per-chunk sums: `partial` is
    (rows, K * npts * width) uint64 (entries < p), laid out [term k][point p][coefficient], width 4
    for ext sums and 1 for base sums; coeffs is (K, 4). One call per round keeps the per-round
    Python work small (the sumchecks of a model proof are many and mostly small)."""
    K = coeffs.shape[0]
    out = np.zeros((npts, 4), dtype=np.uint32)
    for k in range(K):
        c = (coeffs[k, 0], coeffs[k, 1], coeffs[k, 2], coeffs[k, 3])
        for p in range(npts):
            o = (k * npts + p) * width
            s = np.zeros(4, dtype=np.uint64)
            for q in range(partial.shape[0]):
                for j in range(width):
                    s[j] += partial[q, o + j]
            if width == 4:
                v = ext_mul((np.uint32(s[0] % _P64), np.uint32(s[1] % _P64), np.uint32(s[2] % _P64),
                             np.uint32(s[3] % _P64)), c)
            else:
                v = ext_mul_base(c, np.uint32(s[0] % _P64))
            out[p, 0], out[p, 1], out[p, 2], out[p, 3] = ext_add((out[p, 0], out[p, 1], out[p, 2], out[p, 3]), v)
    return out


@njit(cache=True)
def scaled_powers(r, count, c):
    """(count, 4): c, c r, c r^2, ... (ext r and c as 4-tuples)."""
    out = np.empty((count, 4), dtype=np.uint32)
    v = c
    for m in range(count):
        out[m, 0], out[m, 1], out[m, 2], out[m, 3] = v
        v = ext_mul(v, r)
    return out

"""CPU kernels of the GKR layer sumcheck: one round's sums, the previous round's fold fused in.

Reducing layer k (claims at rho) to layer k + 1 is a sumcheck over y in {0,1}^k of
    eq(rho, y) * [lambda_P (A0 B1 + A1 B0)(y) + lambda_Q (B0 B1)(y)]
with A_b = P_{k+1}(y, b), B_b = Q_{k+1}(y, b): the two halves of the next layer. Round j splits
eq(rho, y) = eq(rho_<j, r_<j) eq(rho_j, X) E_j(y_>j), E_j = eq(rho_>j, .), so the prover only sends
the degree-2 factor h_j(X) = sum_i E_j[i] F(tables on the line X through entries 2i, 2i+1), at
X = 0 and X = 2 (the verifier derives h_j(1) from its claim). Per tree the kernels return the four
sums Sa(0) = sum E (A0 B1 + A1 B0), Sb(0) = sum E B0 B1, Sa(2), Sb(2); the caller applies the
batching coefficients. E_j is E_{j-1} summed in pairs (eq(rho_j, 0) + eq(rho_j, 1) = 1).

Round 0 reads the tables as they are (`round_ext`; `round_base` for base leaves, where the four
sums are assembled from base products, see tree.py); every later round first folds the previous
tables at r_{j-1} into a separate buffer (an in-place parallel fold would race) and evaluates in
the same pass (`round_fold_ext`, `round_fold_base`), so each round reads each table once.

Partial sums per chunk (the chunk count depends on the size only, and the sums are exact, so the
result does not depend on it) are uint64 sums of canonical values, reduced once per chunk. Each
kernel is a serial chunk function plus a thin parallel driver over chunks; a single chunk runs the
serial function directly. A parallel launch costs ~15-80 us on an idle machine but 15-30 ms on a
busy one (the OpenMP pool's spinning threads wait for a descheduled sibling; measured on the shared
2-core box, median 24 ms for a launch with nothing to do), so parallel runs only from 2^15 pairs
(a few ms of work). With OMP_WAIT_POLICY=passive the same launch takes ~15 us.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, reduce62, reduce64
from deepprove_cli.field.ext4 import ext_mul, ext_mul_base
from deepprove_cli.lookup.flat_ops import eadd, esub, put_sum
from deepprove_cli.poly.flat import ZERO64, acc4, add64, fold_base, fold_ext, ld, line_next, line_next_base, st

_P64 = np.uint64(P)
MIN_CHUNK = 1 << 14  # pairs per parallel work item (at least); one chunk runs serially
MAX_CHUNKS = 256
BLOCK = 64  # pairs folded, then evaluated while the folded block is still in L1 (measured 64-512 alike in cache,
#             64 better at 2^16 pairs on the loaded box: 85-100 vs 130 ns per pair)


def num_chunks(pairs: int) -> int:
    return max(1, min(MAX_CHUNKS, pairs // MIN_CHUNK))


@njit(cache=True)
def _eval_pairs(a0, a1, b0, b1, eq, lo, hi, s):
    """s + sum over pairs lo..hi-1 of E * (Sa(0), Sb(0), Sa(2), Sb(2)) (tables: flat ext, eq: flat ext)."""
    s0, s1, s2, s3 = s
    for i in range(lo, hi):
        j = 2 * i
        e = ld(eq, i)
        x0 = ld(a0, j)
        x1 = ld(a1, j)
        y0 = ld(b0, j)
        y1 = ld(b1, j)
        u0 = line_next(x0, ld(a0, j + 1))
        u1 = line_next(x1, ld(a1, j + 1))
        v0 = line_next(y0, ld(b0, j + 1))
        v1 = line_next(y1, ld(b1, j + 1))
        s0 = acc4(s0, ext_mul(e, eadd(ext_mul(x0, y1), ext_mul(x1, y0))))
        s1 = acc4(s1, ext_mul(e, ext_mul(y0, y1)))
        s2 = acc4(s2, ext_mul(e, eadd(ext_mul(u0, v1), ext_mul(u1, v0))))
        s3 = acc4(s3, ext_mul(e, ext_mul(v0, v1)))
    return (s0, s1, s2, s3)


@njit(cache=True)
def _put_all(out, s):
    for k in range(len(s)):
        put_sum(out, k, s[k])


@njit(cache=True)
def _fold_ext_range(src, r, dst, lo, hi):
    """dst[i] = src[2i] + r (src[2i+1] - src[2i]) for lo <= i < hi (flat ext)."""
    for i in range(lo, hi):
        st(dst, i, fold_ext(ld(src, 2 * i), ld(src, 2 * i + 1), r))


@njit(cache=True)
def _fold_base_range(src, r, dst, lo, hi):
    """The same for a base src (dst ext)."""
    for i in range(lo, hi):
        st(dst, i, fold_base(src[2 * i], src[2 * i + 1], r))


@njit(cache=True)
def _fold_q_range(w, r, alpha, dst, lo, hi):
    """dst[i] = alpha - (w folded at r): the folded q = alpha - w of base leaves (q is affine in w)."""
    for i in range(lo, hi):
        st(dst, i, esub(alpha, fold_base(w[2 * i], w[2 * i + 1], r)))


@njit(cache=True)
def _round_ext_chunk(a0, a1, b0, b1, eq, lo, hi, out):
    _put_all(out, _eval_pairs(a0, a1, b0, b1, eq, lo, hi, (ZERO64, ZERO64, ZERO64, ZERO64)))


@njit(parallel=True, cache=True)
def _round_ext_par(a0, a1, b0, b1, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_ext_chunk(a0, a1, b0, b1, eq, c * pairs // n, (c + 1) * pairs // n, partial[c])


@njit(cache=True)
def _round_fold_ext_chunk(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, lo, hi, out):
    s = (ZERO64, ZERO64, ZERO64, ZERO64)
    for blo in range(lo, hi, BLOCK):
        bhi = min(hi, blo + BLOCK)
        _fold_ext_range(a0, r, d0, 2 * blo, 2 * bhi)
        _fold_ext_range(a1, r, d1, 2 * blo, 2 * bhi)
        _fold_ext_range(b0, r, d2, 2 * blo, 2 * bhi)
        _fold_ext_range(b1, r, d3, 2 * blo, 2 * bhi)
        s = _eval_pairs(d0, d1, d2, d3, eq, blo, bhi, s)
    _put_all(out, s)


@njit(parallel=True, cache=True)
def _round_fold_ext_par(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_fold_ext_chunk(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, c * pairs // n, (c + 1) * pairs // n,
                              partial[c])


@njit(cache=True)
def _round_base_chunk(p0, p1, w0, w1, eq, lo, hi, out):
    """Round 0 on base leaves: the nine sums E, E*A_t, E*B_t, E*C_t, E*D_t (t = 0, 2) of
    tree.base_pair_terms (written out here), from which the caller assembles Sa(t), Sb(t)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = ZERO64
    for i in range(lo, hi):
        j = 2 * i
        e = ld(eq, i)
        x0 = p0[j]
        x1 = p1[j]
        y0 = w0[j]
        y1 = w1[j]
        u0 = line_next_base(x0, p0[j + 1])
        u1 = line_next_base(x1, p1[j + 1])
        v0 = line_next_base(y0, w0[j + 1])
        v1 = line_next_base(y1, w1[j + 1])
        s0 = acc4(s0, e)
        s1 = acc4(s1, ext_mul_base(e, add64(x0, x1)))
        s2 = acc4(s2, ext_mul_base(e, reduce64(np.uint64(x0) * np.uint64(y1) + np.uint64(x1) * np.uint64(y0))))
        s3 = acc4(s3, ext_mul_base(e, add64(y0, y1)))
        s4 = acc4(s4, ext_mul_base(e, reduce62(np.uint64(y0) * np.uint64(y1))))
        s5 = acc4(s5, ext_mul_base(e, add64(u0, u1)))
        s6 = acc4(s6, ext_mul_base(e, reduce64(np.uint64(u0) * np.uint64(v1) + np.uint64(u1) * np.uint64(v0))))
        s7 = acc4(s7, ext_mul_base(e, add64(v0, v1)))
        s8 = acc4(s8, ext_mul_base(e, reduce62(np.uint64(v0) * np.uint64(v1))))
    _put_all(out, (s0, s1, s2, s3, s4, s5, s6, s7, s8))


@njit(parallel=True, cache=True)
def _round_base_par(p0, p1, w0, w1, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_base_chunk(p0, p1, w0, w1, eq, c * pairs // n, (c + 1) * pairs // n, partial[c])


@njit(cache=True)
def _round_fold_base_chunk(p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq, lo, hi, out):
    s = (ZERO64, ZERO64, ZERO64, ZERO64)
    for blo in range(lo, hi, BLOCK):
        bhi = min(hi, blo + BLOCK)
        _fold_base_range(p0, r, d0, 2 * blo, 2 * bhi)
        _fold_base_range(p1, r, d1, 2 * blo, 2 * bhi)
        _fold_q_range(w0, r, alpha, d2, 2 * blo, 2 * bhi)
        _fold_q_range(w1, r, alpha, d3, 2 * blo, 2 * bhi)
        s = _eval_pairs(d0, d1, d2, d3, eq, blo, bhi, s)
    _put_all(out, s)


@njit(parallel=True, cache=True)
def _round_fold_base_par(p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_fold_base_chunk(p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq, c * pairs // n, (c + 1) * pairs // n,
                               partial[c])


@njit(cache=True)
def _eq_pair_sums_range(src, dst, lo, hi):
    for i in range(lo, hi):
        st(dst, i, eadd(ld(src, 2 * i), ld(src, 2 * i + 1)))


# --- Python entry points: one chunk runs serially (no thread launch), more in parallel ------------------


def _run(chunk, par, width, args, pairs):
    nch = num_chunks(pairs)
    partial = np.empty((nch, width), dtype=np.uint32)
    if nch == 1:
        chunk(*args, 0, pairs, partial[0])
    else:
        par(*args, partial)
    return partial


def round_ext(a0, a1, b0, b1, eq):
    """Round 0 on ext tables (flat views of 2 * pairs entries); eq (flat) has `pairs` entries.
    Returns per-chunk partial sums (nchunks, 16): Sa(0), Sb(0), Sa(2), Sb(2)."""
    return _run(_round_ext_chunk, _round_ext_par, 16, (a0, a1, b0, b1, eq), eq.size // 4)


def round_fold_ext(a0, a1, b0, b1, r, d0, d1, d2, d3, eq):
    """Fold ext tables of 4 * pairs entries at r into d0..d3 (2 * pairs each), evaluate the round on them."""
    return _run(_round_fold_ext_chunk, _round_fold_ext_par, 16, (a0, a1, b0, b1, r, d0, d1, d2, d3, eq),
                eq.size // 4)


def round_base(p0, p1, w0, w1, eq):
    """Round 0 on base leaves: partial sums (nchunks, 36) of the nine sums of `_round_base_chunk`."""
    return _run(_round_base_chunk, _round_base_par, 36, (p0, p1, w0, w1, eq), eq.size // 4)


def round_fold_base(p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq):
    """Fold base leaves (4 * pairs entries) at r into ext d0..d3 = p0, p1, alpha - w0, alpha - w1 (2 * pairs
    each) and evaluate the round on them."""
    return _run(_round_fold_base_chunk, _round_fold_base_par, 16, (p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq),
                eq.size // 4)


def eq_pair_sums(src, dst) -> None:
    """dst[i] = src[2i] + src[2i+1]: E_j from E_{j-1} (flat views). Serial: ~1.5 ns per entry is less
    than a parallel launch at every size the lookups reach."""
    _eq_pair_sums_range(src, dst, 0, dst.size // 4)


@njit(cache=True)
def _sum_partial(partial):
    m = partial.shape[1]
    out = np.empty(m, dtype=np.uint32)
    for k in range(m):
        acc = np.uint64(0)
        for c in range(partial.shape[0]):
            acc += np.uint64(partial[c, k])
        out[k] = np.uint32(acc % _P64)
    return out


def sum_partial(partial: np.ndarray) -> np.ndarray:
    """Chunk partials (nchunks, 4 m) -> (m, 4) canonical ext sums (one small kernel: numpy's reductions
    cost more than the sums at these sizes)."""
    return _sum_partial(partial).reshape(-1, 4)

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
serial function directly: a parallel launch costs ~25-400 us (more on a loaded machine), as much
as thousands of pairs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, add, sub
from deepprove_cli.field.ext4 import ext_add, ext_mul, ext_mul_base, ext_sub
from deepprove_cli.field.ext4_vec import _load as ld, _store as st  # flat (4n,) element access
from deepprove_cli.lookup.tree import base_pair_terms

_P64 = np.uint64(P)
MIN_CHUNK = 1 << 12  # pairs per parallel work item (at least); one chunk runs serially
MAX_CHUNKS = 256


def num_chunks(pairs: int) -> int:
    return max(1, min(MAX_CHUNKS, pairs // MIN_CHUNK))


@njit(cache=True)
def at2(x0, x1):
    """The value at X = 2 of the line through x0 (X = 0) and x1 (X = 1): 2 x1 - x0."""
    return ext_sub(ext_add(x1, x1), x0)


@njit(cache=True)
def at2_base(x0, x1):
    return sub(add(x1, x1), x0)


@njit(cache=True)
def fold_ext(x0, x1, r):
    return ext_add(x0, ext_mul(ext_sub(x1, x0), r))


@njit(cache=True)
def fold_base(x0, x1, r):
    v = ext_mul_base(r, sub(x1, x0))
    return (add(v[0], x0), v[1], v[2], v[3])


@njit(cache=True)
def _fold2_ext(t, k, r):
    """Entries k, k+1 and k+2, k+3 of an ext table, each pair folded at r."""
    return fold_ext(ld(t, k), ld(t, k + 1), r), fold_ext(ld(t, k + 2), ld(t, k + 3), r)


@njit(cache=True)
def _fold2_base(t, k, r):
    return fold_base(t[k], t[k + 1], r), fold_base(t[k + 2], t[k + 3], r)


@njit(cache=True)
def _fold2_q(w, k, r, alpha):
    """alpha - w folded, for base w (q = alpha - w is affine in w, so folding commutes)."""
    return ext_sub(alpha, fold_base(w[k], w[k + 1], r)), ext_sub(alpha, fold_base(w[k + 2], w[k + 3], r))


@njit(cache=True)
def _terms(a0, a1, b0, b1):
    return ext_add(ext_mul(a0, b1), ext_mul(a1, b0)), ext_mul(b0, b1)


@njit(cache=True)
def _acc(s, k, v):
    s[4 * k] += v[0]
    s[4 * k + 1] += v[1]
    s[4 * k + 2] += v[2]
    s[4 * k + 3] += v[3]


@njit(cache=True)
def pair_sums(s, e, a00, a01, a10, a11, b00, b01, b10, b11):
    """s += e * (Sa, Sb) at X = 0 and X = 2 for one pair (axy = table A_x at entry y of the pair)."""
    sa, sb = _terms(a00, a10, b00, b10)
    _acc(s, 0, ext_mul(e, sa))
    _acc(s, 1, ext_mul(e, sb))
    sa, sb = _terms(at2(a00, a01), at2(a10, a11), at2(b00, b01), at2(b10, b11))
    _acc(s, 2, ext_mul(e, sa))
    _acc(s, 3, ext_mul(e, sb))


@njit(cache=True)
def _store_sums(out, s):
    for k in range(s.size):
        out[k] = np.uint32(s[k] % _P64)


@njit(cache=True)
def _round_ext_chunk(a0, a1, b0, b1, eq, lo, hi, out):
    s = np.zeros(16, dtype=np.uint64)
    for i in range(lo, hi):
        j = 2 * i
        pair_sums(s, ld(eq, i), ld(a0, j), ld(a0, j + 1), ld(a1, j), ld(a1, j + 1),
                  ld(b0, j), ld(b0, j + 1), ld(b1, j), ld(b1, j + 1))
    _store_sums(out, s)


@njit(parallel=True, cache=True)
def _round_ext_par(a0, a1, b0, b1, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_ext_chunk(a0, a1, b0, b1, eq, c * pairs // n, (c + 1) * pairs // n, partial[c])


@njit(cache=True)
def _round_fold_ext_chunk(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, lo, hi, out):
    s = np.zeros(16, dtype=np.uint64)
    for i in range(lo, hi):
        j = 2 * i
        k = 4 * i
        x00, x01 = _fold2_ext(a0, k, r)
        x10, x11 = _fold2_ext(a1, k, r)
        y00, y01 = _fold2_ext(b0, k, r)
        y10, y11 = _fold2_ext(b1, k, r)
        _store_pair(d0, d1, d2, d3, j, x00, x01, x10, x11, y00, y01, y10, y11)
        pair_sums(s, ld(eq, i), x00, x01, x10, x11, y00, y01, y10, y11)
    _store_sums(out, s)


@njit(parallel=True, cache=True)
def _round_fold_ext_par(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_fold_ext_chunk(a0, a1, b0, b1, r, d0, d1, d2, d3, eq, c * pairs // n, (c + 1) * pairs // n,
                              partial[c])


@njit(cache=True)
def _store_pair(d0, d1, d2, d3, j, x00, x01, x10, x11, y00, y01, y10, y11):
    """The folded entries 2i, 2i+1 (j = 2i) of the four tables."""
    st(d0, j, x00)
    st(d0, j + 1, x01)
    st(d1, j, x10)
    st(d1, j + 1, x11)
    st(d2, j, y00)
    st(d2, j + 1, y01)
    st(d3, j, y10)
    st(d3, j + 1, y11)


@njit(cache=True)
def _acc_base(s, k, e, v):
    """s[k] += e * v for ext e and base v."""
    _acc(s, k, ext_mul_base(e, v))


@njit(cache=True)
def _round_base_chunk(p0, p1, w0, w1, eq, lo, hi, out):
    """Round 0 on base leaves: the nine sums E, E*A_t, E*B_t, E*C_t, E*D_t (t = 0, 2) of
    tree.base_pair_terms, from which the caller assembles Sa(t), Sb(t)."""
    s = np.zeros(36, dtype=np.uint64)
    for i in range(lo, hi):
        j = 2 * i
        e = ld(eq, i)
        _acc(s, 0, e)
        a, b, cc, d = base_pair_terms(p0[j], p1[j], w0[j], w1[j])
        _acc_base(s, 1, e, a)
        _acc_base(s, 2, e, b)
        _acc_base(s, 3, e, cc)
        _acc_base(s, 4, e, d)
        a, b, cc, d = base_pair_terms(at2_base(p0[j], p0[j + 1]), at2_base(p1[j], p1[j + 1]),
                                      at2_base(w0[j], w0[j + 1]), at2_base(w1[j], w1[j + 1]))
        _acc_base(s, 5, e, a)
        _acc_base(s, 6, e, b)
        _acc_base(s, 7, e, cc)
        _acc_base(s, 8, e, d)
    _store_sums(out, s)


@njit(parallel=True, cache=True)
def _round_base_par(p0, p1, w0, w1, eq, partial):
    pairs = eq.size // 4
    n = partial.shape[0]
    for c in prange(n):
        _round_base_chunk(p0, p1, w0, w1, eq, c * pairs // n, (c + 1) * pairs // n, partial[c])


@njit(cache=True)
def _round_fold_base_chunk(p0, p1, w0, w1, alpha, r, d0, d1, d2, d3, eq, lo, hi, out):
    s = np.zeros(16, dtype=np.uint64)
    for i in range(lo, hi):
        j = 2 * i
        k = 4 * i
        x00, x01 = _fold2_base(p0, k, r)
        x10, x11 = _fold2_base(p1, k, r)
        y00, y01 = _fold2_q(w0, k, r, alpha)
        y10, y11 = _fold2_q(w1, k, r, alpha)
        _store_pair(d0, d1, d2, d3, j, x00, x01, x10, x11, y00, y01, y10, y11)
        pair_sums(s, ld(eq, i), x00, x01, x10, x11, y00, y01, y10, y11)
    _store_sums(out, s)


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
        st(dst, i, ext_add(ld(src, 2 * i), ld(src, 2 * i + 1)))


@njit(parallel=True, cache=True)
def _eq_pair_sums_par(src, dst, nchunks):
    n = dst.size // 4
    for c in prange(nchunks):
        _eq_pair_sums_range(src, dst, c * n // nchunks, (c + 1) * n // nchunks)


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
    """dst[i] = src[2i] + src[2i+1]: E_j from E_{j-1} (flat views)."""
    n = dst.size // 4
    nch = num_chunks(n)
    if nch == 1:
        _eq_pair_sums_range(src, dst, 0, n)
    else:
        _eq_pair_sums_par(src, dst, nch)


def sum_partial(partial: np.ndarray) -> np.ndarray:
    """Chunk partials (nchunks, 4 m) -> (m, 4) canonical ext sums."""
    s = partial.sum(axis=0, dtype=np.uint64) % np.uint64(P)
    return s.astype(np.uint32).reshape(-1, 4)

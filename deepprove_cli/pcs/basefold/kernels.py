"""Prover kernels of Basefold: Moebius transform, window layout, codeword folds, sumcheck sums.

Layouts. A group's evaluation tables are a base "stack" (K, M) (M = 2^n entries per polynomial);
its codewords in window layout are (nwin, K, W) (window w of polynomial k: positions
[w W, (w + 1) W) of its codeword), so one window of every polynomial is one Merkle row. Extension
vectors are flat views of (n, 4) arrays, read and written through `field.ext4`'s unsigned-index
helpers so the loops vectorize. A linear combination of a group's polynomials is given by `sel`
(which polynomials of the group, int64) and `coeffs` (their extension coefficients, flat (4 |sel|)):
products are reduced, summed unreduced in uint64 (a group has < 2^16 polynomials, so sums of
canonical values stay < 2^47) and reduced once.

Fold twiddles: folding a codeword of 2^L positions pairs positions 2i and 2i + 1, the points x_i
and -x_i with x_i = w^rev_{L-1}(i) (w the primitive 2^L-th root); `tw[i]` = 1/(2 x_i). The table
for 2^(L-1) positions is the prefix of the one for 2^L (rev_{L-1}(i) = 2 rev_{L-2}(i) for
i < 2^(L-2)), so one table serves every level.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, reduce62, sub
from deepprove_cli.field.ext4 import ext_add, ext_mul, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_load as ld, ext_store as st

LOG_BLOCK = 12   # Moebius layers below this span run inside one L1-resident block
SMALL = 16       # ... and the 4 lowest of those on the block's transpose, so they vectorize
GROUP = 4        # higher layers go 4 at a time (a 16-point transform per task)
VEC = 64         # contiguous lanes per task in the grouped layers
MIN_CHUNK = 1 << 11
MAX_CHUNKS = 256

_HALF = np.uint64((P + 1) // 2)
_ONE = np.uint64(1)
_Z64 = np.uint64(0)


def num_chunks(pairs: int) -> int:
    """Parallel work items for a reduction over `pairs` items."""
    return max(1, min(MAX_CHUNKS, pairs // MIN_CHUNK))


# --- Moebius transform (evaluations -> monomial coefficients), in place, additions only ----------

@njit(cache=True)
def _moebius_layers(a, base, size, h):
    """Layers of half-size h, 2h, ..., size/2 on a[base : base + size]: a[i + h] -= a[i] when bit h of i is 0."""
    while h < size:
        uh = np.uint64(h)
        for s in range(0, size, 2 * h):
            i0 = np.uint64(base + s)
            lo = a[i0:i0 + uh]
            hi = a[i0 + uh:i0 + uh + uh]
            for j in range(h):
                hi[j] = sub(hi[j], lo[j])
        h *= 2


@njit(cache=True)
def _moebius_small_transposed(a, base, block, buf):
    """Layers of half-size 1..SMALL/2 of a block, on its (SMALL, block/SMALL) transpose: there they
    pair whole rows, so the inner loop is long and vectorizes (in place it has length h < 16)."""
    g_count = block // SMALL
    for g in range(g_count):
        for c in range(SMALL):
            buf[np.uint64(c * g_count + g)] = a[np.uint64(base + g * SMALL + c)]
    h = 1
    while h < SMALL:
        for c in range(SMALL):
            if c & h:
                lo = buf[(c - h) * g_count:(c - h + 1) * g_count]
                hi = buf[c * g_count:(c + 1) * g_count]
                for g in range(g_count):
                    hi[g] = sub(hi[g], lo[g])
        h *= 2
    for g in range(g_count):
        for c in range(SMALL):
            a[np.uint64(base + g * SMALL + c)] = buf[np.uint64(c * g_count + g)]


@njit(parallel=True, cache=True)
def k_moebius_blocks(a, block):
    """All layers of half-size < block, one block at a time (flat rows; block divides the row length)."""
    for b in prange(a.size // block):
        base = b * block
        if block >= 2 * SMALL:
            buf = np.empty(block, dtype=np.uint32)
            _moebius_small_transposed(a, base, block, buf)
            _moebius_layers(a, base, block, SMALL)
        else:
            _moebius_layers(a, base, block, 1)


@njit(parallel=True, cache=True)
def k_moebius_group(a, h_bot, layers):
    """Layers of half-sizes h_bot, 2 h_bot, ..., h_bot 2^(layers-1) in one pass: in a span of
    h_bot 2^layers, the entries r + k h_bot (k < 2^layers) form an independent small transform;
    a task does VEC consecutive r at once."""
    span = h_bot << layers
    vec = min(VEC, h_bot)
    chunks = h_bot // vec
    count = 1 << layers
    for t in prange((a.size // span) * chunks):
        base = np.uint64((t // chunks) * span + (t % chunks) * vec)
        for lvl in range(layers):
            h = np.uint64(h_bot << lvl)
            for k in range(count):
                if k & (1 << lvl):
                    i1 = base + np.uint64(k * h_bot)
                    lo = a[i1 - h:i1 - h + np.uint64(vec)]
                    hi = a[i1:i1 + np.uint64(vec)]
                    for v in range(vec):  # slices: separate views, so the loop vectorizes (measured 3x)
                        hi[v] = sub(hi[v], lo[v])


# --- layout and folds ----------------------------------------------------------------------------

@njit(parallel=True, cache=True)
def k_to_windows(cw, k_polys, nwin, width, out):
    """out[w, k, t] = cw[k, w * width + t]: (K, nwin * width) codewords -> (nwin, K, width) windows."""
    n = nwin * width
    for w in prange(nwin):
        for k in range(k_polys):
            src = np.uint64(k * n + w * width)
            dst = np.uint64((w * k_polys + k) * width)
            for t in range(width):
                u = np.uint64(t)
                out[dst + u] = cw[src + u]


@njit(cache=True)
def half(x):
    """x / 2 mod p."""
    y = np.uint64(x)
    return np.uint32((y >> _ONE) + (y & _ONE) * _HALF)


@njit(cache=True)
def fold_pair(a, b, s, t):
    """(a + b)/2 + s (a - b) t for the values a = F(x), b = F(-x) and t = 1/(2x)."""
    e = ext_add(a, b)
    even = (half(e[0]), half(e[1]), half(e[2]), half(e[3]))
    return ext_add(even, ext_mul(ext_mul_base(ext_sub(a, b), t), s))


@njit(parallel=True, cache=True)
def k_fold(cw, s, tw, out):
    """One binary fold of an extension codeword (flat views; out has half the positions)."""
    for i in prange(out.size // 4):
        st(out, i, fold_pair(ld(cw, 2 * i), ld(cw, 2 * i + 1), s, tw[i]))


@njit(cache=True)
def _combine_at(m, base, stride, coeffs, sel):
    """sum_j coeffs[j] m[base + sel[j] stride] (base values, extension coefficients)."""
    s0 = _Z64
    s1 = _Z64
    s2 = _Z64
    s3 = _Z64
    for j in range(sel.size):
        v = ext_mul_base(ld(coeffs, j), m[np.uint64(base + sel[j] * stride)])
        s0 += np.uint64(v[0])
        s1 += np.uint64(v[1])
        s2 += np.uint64(v[2])
        s3 += np.uint64(v[3])
    return (reduce62(s0), reduce62(s1), reduce62(s2), reduce62(s3))


@njit(parallel=True, cache=True)
def k_fold_windows(m, k_polys, width, coeffs, sel, s, tw, out):
    """The first fold straight from a group's windows: out[i] = fold of the combined codeword
    sum_j coeffs[j] C_{sel[j]} at positions 2i, 2i + 1 (never materialized)."""
    nwin = m.size // (k_polys * width)
    hw = width // 2
    for w in prange(nwin):
        for t in range(hw):
            base = w * k_polys * width + 2 * t
            a = _combine_at(m, base, width, coeffs, sel)
            b = _combine_at(m, base + 1, width, coeffs, sel)
            i = w * hw + t
            st(out, i, fold_pair(a, b, s, tw[i]))


@njit(parallel=True, cache=True)
def k_add_windows(m, k_polys, width, coeffs, sel, cw):
    """cw += sum_j coeffs[j] C_{sel[j]}: inject a smaller group's codewords into the folded one."""
    nwin = m.size // (k_polys * width)
    for w in prange(nwin):
        for t in range(width):
            i = w * width + t
            st(cw, i, ext_add(ld(cw, i), _combine_at(m, w * k_polys * width + t, width, coeffs, sel)))


# --- sumcheck sums (Gruen form for eq-weighted sums, plain products for the point reduction) ------

_Z4 = (_Z64, _Z64, _Z64, _Z64)


@njit(cache=True)
def _bounds(c, nchunks, total):
    """Items [lo, hi) of chunk c when `total` items are cut into `nchunks` chunks."""
    step = (total + nchunks - 1) // nchunks
    return c * step, min(total, (c + 1) * step)


@njit(cache=True)
def _acc(s, v):
    return (s[0] + np.uint64(v[0]), s[1] + np.uint64(v[1]), s[2] + np.uint64(v[2]), s[3] + np.uint64(v[3]))


@njit(cache=True)
def _store_acc(partial, c, s0, s1):
    for k in range(4):
        partial[c, k] = reduce62(s0[k])
        partial[c, 4 + k] = reduce62(s1[k])


@njit(parallel=True, cache=True)
def k_gruen_stack(stack, size, coeffs, sel, e, partial):
    """Per chunk: (sum_i g[2i] e[i], sum_i g[2i+1] e[i]) with g = sum_j coeffs[j] stack[sel[j]] (base rows of `size`)."""
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        lo, hi = _bounds(c, nchunks, size // 2)
        s0 = _Z4
        s1 = _Z4
        for i in range(lo, hi):
            ei = ld(e, i)
            s0 = _acc(s0, ext_mul(_combine_at(stack, 2 * i, size, coeffs, sel), ei))
            s1 = _acc(s1, ext_mul(_combine_at(stack, 2 * i + 1, size, coeffs, sel), ei))
        _store_acc(partial, c, s0, s1)


@njit(parallel=True, cache=True)
def k_gruen_ext(g, e, partial):
    """Per chunk: (sum_i g[2i] e[i], sum_i g[2i+1] e[i]) for an extension table g."""
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        lo, hi = _bounds(c, nchunks, e.size // 4)
        s0 = _Z4
        s1 = _Z4
        for i in range(lo, hi):
            ei = ld(e, i)
            s0 = _acc(s0, ext_mul(ld(g, 2 * i), ei))
            s1 = _acc(s1, ext_mul(ld(g, 2 * i + 1), ei))
        _store_acc(partial, c, s0, s1)


@njit(parallel=True, cache=True)
def k_fold_stack(stack, size, coeffs, sel, s, out):
    """out[i] = g[2i] + s (g[2i+1] - g[2i]) with g the combination of the stack's rows (binds x_0)."""
    for i in prange(size // 2):
        a = _combine_at(stack, 2 * i, size, coeffs, sel)
        b = _combine_at(stack, 2 * i + 1, size, coeffs, sel)
        st(out, i, ext_add(a, ext_mul(ext_sub(b, a), s)))


@njit(parallel=True, cache=True)
def k_add_stack(stack, size, coeffs, sel, g):
    """g += sum_j coeffs[j] stack[sel[j]] (inject a group into the sumcheck table)."""
    for i in prange(size):
        st(g, i, ext_add(ld(g, i), _combine_at(stack, i, size, coeffs, sel)))


@njit(parallel=True, cache=True)
def k_pair_sum(e, out):
    """out[i] = e[2i] + e[2i+1]: eq(z[j+1:]) -> eq(z[j+2:]) (sum over x_{j+1} of eq(z_{j+1}, .) is 1)."""
    for i in prange(out.size // 4):
        st(out, i, ext_add(ld(e, 2 * i), ld(e, 2 * i + 1)))


@njit(parallel=True, cache=True)
def k_product_sums_base(w, b, partial):
    """Per chunk: (h(0), h(2)) of sum_i W_i(X) B_i(X) for an extension W and a base B."""
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        lo, hi = _bounds(c, nchunks, b.size // 2)
        s0 = _Z4
        s2 = _Z4
        for i in range(lo, hi):
            w0 = ld(w, 2 * i)
            w1 = ld(w, 2 * i + 1)
            b0 = b[np.uint64(2 * i)]
            b1 = b[np.uint64(2 * i + 1)]
            s0 = _acc(s0, ext_mul_base(w0, b0))
            w2 = ext_sub(ext_add(w1, w1), w0)
            s2 = _acc(s2, ext_mul_base(w2, sub(reduce62(np.uint64(b1) * np.uint64(2)), b0)))
        _store_acc(partial, c, s0, s2)


@njit(parallel=True, cache=True)
def k_product_sums_ext(w, b, partial):
    """Per chunk: (h(0), h(2)) of sum_i W_i(X) B_i(X), both extension tables."""
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        lo, hi = _bounds(c, nchunks, b.size // 8)
        s0 = _Z4
        s2 = _Z4
        for i in range(lo, hi):
            w0 = ld(w, 2 * i)
            w1 = ld(w, 2 * i + 1)
            b0 = ld(b, 2 * i)
            b1 = ld(b, 2 * i + 1)
            s0 = _acc(s0, ext_mul(w0, b0))
            s2 = _acc(s2, ext_mul(ext_sub(ext_add(w1, w1), w0), ext_sub(ext_add(b1, b1), b0)))
        _store_acc(partial, c, s0, s2)

"""Prover kernels of Basefold: Moebius transform, window layout, codeword folds, sumcheck sums.

Layouts. A group's evaluation tables are a base "stack" (K, M) (M = 2^n entries per polynomial),
and so are its codewords (K, 2^L), column-major; `k_to_windows` regroups codewords into Merkle
rows (nwin, K, W) (window w of polynomial k: positions [w W, (w + 1) W)) for hashing. Extension
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

from deepprove_cli.field.babybear import P, add, reduce62, sub
from deepprove_cli.field.ext4 import ext_mul, ext_mul_base
from deepprove_cli.field.ext4 import ext_load as ld, ext_store as st

LOG_BLOCK = 12   # Moebius layers below this span run inside one L1-resident block
SMALL = 16       # ... and the 4 lowest of those on the block's transpose, so they vectorize
GROUP = 4        # higher layers go 4 at a time (a 16-point transform per task)
VEC = 64         # contiguous lanes per task in the grouped layers
MIN_CHUNK = 1 << 11
MAX_CHUNKS = 256

_HALF = np.uint32((P + 1) // 2)
_ONE = np.uint32(1)
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


@njit(cache=True, inline="always")
def ext_add(a, b):
    """a + b. The field's ext_add is not inlined into callers, which keeps their loops scalar
    (measured: a fold loop 10x slower); this one is, built on the inlined base-field add."""
    return (add(a[0], b[0]), add(a[1], b[1]), add(a[2], b[2]), add(a[3], b[3]))


@njit(cache=True, inline="always")
def ext_sub(a, b):
    """a - b, inlined like `ext_add`."""
    return (sub(a[0], b[0]), sub(a[1], b[1]), sub(a[2], b[2]), sub(a[3], b[3]))


@njit(cache=True, inline="always")
def half(x):
    """x / 2 mod p, in 32-bit lanes."""
    y = np.uint32(x)
    return np.uint32((y >> _ONE) + (y & _ONE) * _HALF)


@njit(cache=True, inline="always")
def fold_pair(a, b, s, t):
    """(a + b)/2 + s (a - b) t for the values a = F(x), b = F(-x) and t = 1/(2x)."""
    e = ext_add(a, b)
    even = (half(e[0]), half(e[1]), half(e[2]), half(e[3]))
    return ext_add(even, ext_mul(ext_mul_base(ext_sub(a, b), t), s))


@njit(parallel=True, cache=True)
def k_fold(cw, s, tw, out):
    """One binary fold of an extension codeword (flat views; out has half the positions)."""
    for i in prange(out.size // 4):
        st(out, i, fold_pair(ld(cw, 2 * i), ld(cw, 2 * i + 1), s, tw[np.uint64(i)]))


BLOCK = 1 << 10  # positions per block of the combination kernels (accumulators stay in cache)


@njit(cache=True, inline="always")
def _accumulate(acc, src, n, c):
    """acc[4x + k] += (c src[x])_k for x < n: a contiguous base slice scaled by an extension c,
    products reduced, sums not (the caller bounds them). Contiguous, so the loop vectorizes."""
    for x in range(n):
        v = ext_mul_base(c, src[np.uint64(x)])
        k = np.uint64(4 * x)
        acc[k] += np.uint64(v[0])
        acc[k + np.uint64(1)] += np.uint64(v[1])
        acc[k + np.uint64(2)] += np.uint64(v[2])
        acc[k + np.uint64(3)] += np.uint64(v[3])


@njit(cache=True, inline="always")
def _reduce_into(acc, out, n4):
    for x in range(n4):
        out[np.uint64(x)] = reduce62(acc[np.uint64(x)])


@njit(cache=True)
def _row_block(stack, size, coeffs, sel, lo, hi):
    """The combination of the stack's rows over entries [lo, hi)."""
    acc = np.empty(4 * (hi - lo), dtype=np.uint64)
    comb = np.empty(4 * (hi - lo), dtype=np.uint32)
    _combine_rows(stack, size, coeffs, sel, lo, hi, acc, comb)
    return comb


@njit(cache=True)
def _combine_rows(stack, size, coeffs, sel, lo, hi, acc, comb):
    """comb (flat ext) = sum_j coeffs[j] stack[sel[j], lo:hi] (rows of `size` entries)."""
    n = hi - lo
    acc[:4 * n] = 0
    for j in range(sel.size):
        _accumulate(acc, stack[sel[j] * size + lo:sel[j] * size + hi], n, ld(coeffs, j))
    _reduce_into(acc, comb, 4 * n)


# --- sumcheck sums (Gruen form for eq-weighted sums) ----------------------------------------------

_Z4 = (_Z64, _Z64, _Z64, _Z64)


@njit(cache=True)
def _bounds(c, nchunks, total):
    """Items [lo, hi) of chunk c when `total` items are cut into `nchunks` chunks."""
    step = (total + nchunks - 1) // nchunks
    return c * step, min(total, (c + 1) * step)


@njit(cache=True, inline="always")
def _acc(s, v):
    return (s[0] + np.uint64(v[0]), s[1] + np.uint64(v[1]), s[2] + np.uint64(v[2]), s[3] + np.uint64(v[3]))


@njit(cache=True)
def _store_acc(partial, c, s0, s1):
    for k in range(4):
        partial[c, k] = reduce62(s0[k])
        partial[c, 4 + k] = reduce62(s1[k])


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
def k_add_stack(stack, size, coeffs, sel, g):
    """g += sum_j coeffs[j] stack[sel[j]] (inject a group into the sumcheck table)."""
    nblocks = (size + BLOCK - 1) // BLOCK
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(size, lo + BLOCK)
        comb = _row_block(stack, size, coeffs, sel, lo, hi)
        dst = g[4 * lo:4 * hi]
        for x in range(hi - lo):
            st(dst, x, ext_add(ld(dst, x), ld(comb, x)))


@njit(parallel=True, cache=True)
def k_pair_sum(e, out):
    """out[i] = e[2i] + e[2i+1]: eq(z[j+1:]) -> eq(z[j+2:]) (sum over x_{j+1} of eq(z_{j+1}, .) is 1)."""
    for i in prange(out.size // 4):
        st(out, i, ext_add(ld(e, 2 * i), ld(e, 2 * i + 1)))


# --- point reduction: eq-weighted sums of a column against split eq weights ----------------------

@njit(cache=True, inline="always")
def _red4(s):
    return (reduce62(s[0]), reduce62(s[1]), reduce62(s[2]), reduce62(s[3]))


@njit(cache=True, inline="always")
def _acc_masked(total, part, v, m):
    """total += v; part += v m (m = 0 or 1): both sides of a bit in one vectorizable pass."""
    return (_acc(total, v),
            (part[0] + np.uint64(v[0]) * m, part[1] + np.uint64(v[1]) * m,
             part[2] + np.uint64(v[2]) * m, part[3] + np.uint64(v[3]) * m))


@njit(cache=True)
def _claim_block(t, ext, base, lw, n_low, bit):
    """(sum, sum over entries with bit `bit` set) of lw[x] t[base + x], x < n_low: reduced ext pairs."""
    total = _Z4
    part = _Z4
    if ext:
        tb = t[4 * base:4 * (base + n_low)]
        for x in range(n_low):
            total, part = _acc_masked(total, part, ext_mul(ld(lw, x), ld(tb, x)), np.uint64((x >> bit) & 1))
    else:
        tb = t[base:base + n_low]
        for x in range(n_low):
            total, part = _acc_masked(total, part, ext_mul_base(ld(lw, x), tb[np.uint64(x)]),
                                      np.uint64((x >> bit) & 1))
    return _red4(total), _red4(part)


@njit(parallel=True, cache=True)
def k_claim_sums(t, ext, low, high, nclaims, lo_bits, bit, partial):
    """Per chunk of high indices, per claim c: (S_0, S_1) with
    S_X = sum_{xh} high[c, xh] sum_{xl: bit `bit` of xl is X} low[c, xl] t[xh 2^lo + xl].
    t: flat base (2^n,) or ext (2^n * 4,) table; low: flat (c, 2^lo, 4); high: flat (c, 2^(n - lo), 4);
    partial: (chunks, c, 8), reduced. The column's entries are read once for every claim on it."""
    n_low = 1 << lo_bits
    n_high = (t.size // 4 if ext else t.size) >> lo_bits
    nchunks = partial.shape[0]
    for ch in prange(nchunks):
        h_lo, h_hi = _bounds(ch, nchunks, n_high)
        acc = np.zeros(8 * nclaims, dtype=np.uint64)
        for xh in range(h_lo, h_hi):
            for c in range(nclaims):
                lw = low[4 * c * n_low:4 * (c + 1) * n_low]
                total, part = _claim_block(t, ext, xh * n_low, lw, n_low, bit)
                h = ld(high, c * n_high + xh)
                s1 = ext_mul(part, h)
                s0 = ext_sub(ext_mul(total, h), s1)
                for k in range(4):
                    acc[8 * c + k] += np.uint64(s0[k])
                    acc[8 * c + 4 + k] += np.uint64(s1[k])
        for c in range(nclaims):
            for k in range(8):
                partial[ch, c, k] = reduce62(acc[8 * c + k])


@njit(parallel=True, cache=True)
def k_fold_low(t, w, nbits, out):
    """out[y] = sum_{b < 2^nbits} w[b] t[y 2^nbits + b]: a base table with its nbits lowest variables
    bound at once (w: flat ext eq(r, .) of 2^nbits entries; out: flat ext)."""
    m = 1 << nbits
    for y in prange(out.size // 4):
        tb = t[y * m:(y + 1) * m]
        acc = _Z4
        for b in range(m):
            acc = _acc(acc, ext_mul_base(ld(w, b), tb[np.uint64(b)]))
        st(out, y, _red4(acc))

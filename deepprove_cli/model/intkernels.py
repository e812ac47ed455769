"""Numba kernels for the hot loops of integer inference (results equal the numpy definitions in
`model.intops`; tests compare them).

- `rows_times_weights`: y[t, o] = sum_k a[t, k] w[o, k] for a few rows against integer weights
  (int16/int32, read once per call: decoding is memory-bound, and int16 weights are 4x smaller than
  the float64 copies BLAS needs). int16 activations accumulate in int32, wider ones in float64: both exact, every partial sum being at most the einsum's bound (< 2^30, checked by the
  caller), in any order of summation.
- `mul_shift_cols`: `intops.mul_shift` with a per-channel multiplier (one or two limbs), fused.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

PARALLEL_MIN = 1 << 15  # elements below which waking the thread pool costs more than it saves
PARALLEL_WEIGHTS = 1 << 19  # weight entries below which one thread reads a matrix faster


@njit(cache=True, parallel=True, fastmath=True)
def _rows_times_weights(a, w, out):
    # fastmath lets the dot products vectorize (reassociate): exact all the same, every partial sum
    # being an integer below 2^53
    n_out = w.shape[0]
    n_rows, k_len = a.shape
    for o in prange(n_out):
        for t in range(n_rows):
            acc = 0.0
            for k in range(k_len):
                acc += a[t, k] * w[o, k]
            out[t, o] = np.int64(acc)


@njit(cache=True)
def _weight_row_i32(a, w, o, out):
    # int16 activations times int16/int32 weights in int32 (kept int32 explicitly so 16 lanes
    # vectorize): exact, since every product and every partial sum, in any order, is bounded by the
    # einsum's bound (< 2^30). Rows go in pairs sharing each weight load (decoding has 1-2 rows).
    n_rows, k_len = a.shape
    t = 0
    while t + 1 < n_rows:
        acc0 = np.int32(0)
        acc1 = np.int32(0)
        for k in range(k_len):
            wk = np.int32(w[o, k])
            acc0 = np.int32(acc0 + np.int32(a[t, k]) * wk)
            acc1 = np.int32(acc1 + np.int32(a[t + 1, k]) * wk)
        out[t, o] = acc0
        out[t + 1, o] = acc1
        t += 2
    if t < n_rows:
        acc = np.int32(0)
        for k in range(k_len):
            acc = np.int32(acc + np.int32(a[t, k]) * np.int32(w[o, k]))
        out[t, o] = acc


@njit(cache=True, parallel=True)
def _rows_times_weights_i32(a, w, out):
    for o in prange(w.shape[0]):
        _weight_row_i32(a, w, o, out)


@njit(cache=True)
def _rows_times_weights_i32_serial(a, w, out):
    for o in range(w.shape[0]):
        _weight_row_i32(a, w, o, out)


def rows_times_weights(a: np.ndarray, w: np.ndarray, a16: bool | None = None) -> np.ndarray:
    """(rows, K) integers times (N, K) int16/int32 -> (rows, N) int64, exactly (the caller checks the
    einsum's bound is below 2^30); `a16`: the caller knows |a| < 2^15 (else it is checked)."""
    out = np.empty((a.shape[0], w.shape[0]), dtype=np.int64)
    if a16 is None:
        a16 = bool(a.size) and int(np.abs(a).max()) < (1 << 15)
    if a16:
        kernel = _rows_times_weights_i32 if w.size >= PARALLEL_WEIGHTS else _rows_times_weights_i32_serial
        kernel(np.ascontiguousarray(a, dtype=np.int16), w, out)
    else:
        _rows_times_weights(np.ascontiguousarray(a, dtype=np.float64), w, out)
    return out


@njit(cache=True)
def _mul_shift_cols(x, m, k, s, out):
    rows, cols = x.shape
    if s == 0:
        half = np.int64(1) << (k - 1) if k > 0 else np.int64(0)
        for r in range(rows):
            for c in range(cols):
                out[r, c] = (x[r, c] * m[c] + half) >> k
        return
    half_s = np.int64(1) << (s - 1)
    half_k = np.int64(1) << (k - s - 1) if k > s else np.int64(0)
    for r in range(rows):
        for c in range(cols):
            v = x[r, c]
            vh = v >> s
            vl = v - (vh << s)
            t = vh * m[c] + ((vl * m[c] + half_s) >> s)
            out[r, c] = (t + half_k) >> (k - s)


def mul_shift_cols(x: np.ndarray, m, k: int, s: int) -> np.ndarray:
    """`intops.mul_shift(x, m, k, s)` for a scalar shift k and a per-channel (or scalar) m over the
    last axis, in one pass."""
    shape = x.shape
    x2 = np.ascontiguousarray(x, dtype=np.int64).reshape(-1, shape[-1])
    out = np.empty_like(x2)
    _mul_shift_cols(x2, np.ascontiguousarray(np.broadcast_to(m, (shape[-1],)), dtype=np.int64), k, s, out)
    return out.reshape(shape)


@njit(cache=True)
def _rshift_round(v, k):
    """floor((v + 2^(k-1)) / 2^k), the identity for k = 0 (intops.round_shift)."""
    if k == 0:
        return v
    return (v + (np.int64(1) << (k - 1))) >> k


@njit(cache=True)
def _mul_shift1(v, m, k, s):
    """One value of intops.mul_shift(v, m, k, s)."""
    if s == 0:
        return _rshift_round(v * m, k)
    vh = v >> s
    vl = v - (vh << s)
    return _rshift_round(vh * m + _rshift_round(vl * m, s), k - s)


@njit(cache=True)
def _soft_clamp1(y, cv, clo, j):
    hi = y >> j
    return (cv[hi - clo] << j) + (y - (hi << j))


@njit(cache=True)
def _requant_row(x, r, m, factors, ks, ss, bias, cv, clo, j, use_clamp, out):
    parts, cols = x.shape[1], x.shape[2]
    for c in range(cols):
        y = bias[c]
        for p in range(parts):
            y += _mul_shift1(x[r, p, c], m[c] * factors[p], ks[p], ss[p])
        out[r, c] = _soft_clamp1(y, cv, clo, j) if use_clamp else y


@njit(cache=True)
def _requant_rows(x, m, factors, ks, ss, bias, cv, clo, j, use_clamp, out):
    for r in range(x.shape[0]):
        _requant_row(x, r, m, factors, ks, ss, bias, cv, clo, j, use_clamp, out)


@njit(cache=True, parallel=True)
def _requant_rows_par(x, m, factors, ks, ss, bias, cv, clo, j, use_clamp, out):
    for r in prange(x.shape[0]):
        _requant_row(x, r, m, factors, ks, ss, bias, cv, clo, j, use_clamp, out)


def requant_args(m, parts: list[tuple], bias, clamp, cols: int) -> tuple:
    """The Requant kernel's constant arguments: multipliers, parts, bias, clamp table."""
    mm = np.ascontiguousarray(np.broadcast_to(np.asarray(m, np.int64), (cols,)))
    bb = np.zeros(cols, np.int64) if bias is None else np.ascontiguousarray(bias, np.int64)
    f = np.array([p[1] for p in parts], np.int64)
    ks = np.array([p[2] for p in parts], np.int64)
    ss = np.array([p[3] for p in parts], np.int64)
    cv, clo, j = clamp if clamp is not None else (np.zeros(1, np.int64), 0, 0)
    return mm, f, ks, ss, bb, np.ascontiguousarray(cv, np.int64), clo, j, clamp is not None


def requant_rows(x: np.ndarray, args: tuple) -> np.ndarray:
    """Requant node on x (rows, parts, C): sum over parts (selector, factor, k, s) of mul_shift, + bias,
    soft clamp; `args` from `requant_args`."""
    x3 = np.ascontiguousarray(x, dtype=np.int64)
    out = np.empty((x3.shape[0], x3.shape[2]), np.int64)
    kernel = _requant_rows_par if out.size >= PARALLEL_MIN else _requant_rows
    kernel(x3, *args, out)
    return out


@njit(cache=True)
def _bitlen(v):
    n = 0
    while v > 0:
        v >>= 1
        n += 1
    return n


@njit(cache=True)
def _norm_row(x, r, layer, A, E2, e_min, kz, sz, ko, so, eps_v, eps_lo, eps_off, r_v, r_lo, m, beta,
              cv, clo, j, use_clamp, out):
    d = x.shape[1]
    row = x[r].copy()
    if layer:
        total = np.int64(0)
        for i in range(d):
            total += row[i]
        mu = total // d
        for i in range(d):
            row[i] -= mu
    top = row.max()
    bottom = row.min()
    e = e_min
    if top > 0:
        e = max(e, _bitlen(top) - A)
    if bottom < 0:
        e = max(e, _bitlen(-bottom - 1) - A)
    sh = e - E2
    ss = eps_v[e + eps_off - eps_lo]
    x2 = np.empty(d, np.int64)
    for i in range(d):
        v = (row[i] >> sh) if sh >= 0 else (row[i] << (-sh))
        x2[i] = v
        x1 = v >> E2
        ss += x1 * x1
    b = _bitlen(ss)
    f = b - 16 if b > 16 else 0
    f += f & 1
    rr = r_v[(ss >> f) - r_lo]
    kk = kz + (f >> 1)
    for i in range(d):
        z = _mul_shift1(x2[i], rr, kk, sz)
        y = _mul_shift1(z, m[i], ko, so) + beta[i]
        out[r, i] = _soft_clamp1(y, cv, clo, j) if use_clamp else y


@njit(cache=True)
def _norm_rows(x, layer, A, E2, e_min, kz, sz, ko, so, eps_v, eps_lo, eps_off, r_v, r_lo, m, beta, cv, clo, j,
               use_clamp, out):
    for r in range(x.shape[0]):
        _norm_row(x, r, layer, A, E2, e_min, kz, sz, ko, so, eps_v, eps_lo, eps_off, r_v, r_lo, m, beta, cv, clo, j,
                  use_clamp, out)


@njit(cache=True, parallel=True)
def _norm_rows_par(x, layer, A, E2, e_min, kz, sz, ko, so, eps_v, eps_lo, eps_off, r_v, r_lo, m, beta, cv, clo, j,
                   use_clamp, out):
    for r in prange(x.shape[0]):
        _norm_row(x, r, layer, A, E2, e_min, kz, sz, ko, so, eps_v, eps_lo, eps_off, r_v, r_lo, m, beta, cv, clo, j,
                  use_clamp, out)


def norm_args(p: dict, eps, rsqrt, m, beta, clamp) -> tuple:
    """The Norm kernel's constant arguments (after the row)."""
    d = len(m)
    bb = np.zeros(d, np.int64) if beta is None else np.ascontiguousarray(beta, np.int64)
    cv, clo, j = clamp if clamp is not None else (np.zeros(1, np.int64), 0, 0)
    return (bool(p["layer"]), p["A"], p["E2"], p["e_min"], p["kz"], p["sz"], p["ko"], p["so"],
            np.ascontiguousarray(eps[0], np.int64), eps[1], p.get("eps_off", 0), np.ascontiguousarray(rsqrt[0], np.int64),
            rsqrt[1], np.ascontiguousarray(m, np.int64), bb, np.ascontiguousarray(cv, np.int64), clo, j,
            clamp is not None)


def norm_rows(x: np.ndarray, args: tuple) -> np.ndarray:
    """Norm node on rows of the last axis (graph.norm's relations, fused per row)."""
    shape = x.shape
    x2 = np.ascontiguousarray(x, dtype=np.int64).reshape(-1, shape[-1])
    out = np.empty_like(x2)
    kernel = _norm_rows_par if x2.size >= PARALLEL_MIN else _norm_rows
    kernel(x2, *args, out)
    return out.reshape(shape)


@njit(cache=True)
def _softmax_row(s, idx, pos, window, m, k, lim, cv, clo, j, ev, elo, frac_p, sum_bits, out):
    heads, n_keys = s.shape[1], s.shape[2]
    r = idx // heads
    h = idx % heads
    t = pos[r]
    lo_key = t - window + 1 if window > 0 else 0
    if lo_key < 0:
        lo_key = 0
    hi_key = min(t + 1, n_keys)
    u = np.empty(n_keys, np.int64)
    mx = np.iinfo(np.int64).min
    for q in range(lo_key, hi_key):
        u[q] = _mul_shift1(s[r, h, q], m, k, lim)
        if u[q] > mx:
            mx = u[q]
    tot = np.int64(0)
    for q in range(n_keys):
        if lo_key <= q < hi_key:
            e = ev[_soft_clamp1(mx - u[q], cv, clo, j) - elo]
            u[q] = e
            tot += e
        else:
            u[q] = 0  # the exp table is 0 at masked keys' distance (checked by the node's bounds)
    f = _bitlen(tot) - sum_bits
    s_h = tot >> f
    for q in range(n_keys):
        out[r, h, q] = ((u[q] << (frac_p + 1 - f)) + s_h) // (2 * s_h)


@njit(cache=True)
def _softmax_rows(s, pos, window, m, k, lim, cv, clo, j, ev, elo, frac_p, sum_bits, out):
    for idx in range(s.shape[0] * s.shape[1]):
        _softmax_row(s, idx, pos, window, m, k, lim, cv, clo, j, ev, elo, frac_p, sum_bits, out)


@njit(cache=True, parallel=True)
def _softmax_rows_par(s, pos, window, m, k, lim, cv, clo, j, ev, elo, frac_p, sum_bits, out):
    for idx in prange(s.shape[0] * s.shape[1]):
        _softmax_row(s, idx, pos, window, m, k, lim, cv, clo, j, ev, elo, frac_p, sum_bits, out)


def softmax_args(p: dict, clamp, exp) -> tuple:
    """The Softmax kernel's constant arguments (after the scores and positions)."""
    return (p.get("window") or 0, p["m"], p["k"], p["s"], np.ascontiguousarray(clamp[0], np.int64), clamp[1],
            p["clamp_j"], np.ascontiguousarray(exp[0], np.int64), exp[1], p["frac_p"], p["sum_bits"])


def softmax_rows(s: np.ndarray, positions: np.ndarray, args: tuple) -> np.ndarray:
    """Softmax node over the last (key) axis of s (rows, ..., keys) (graph.attention's relations: the row
    sum normalized to sum_bits significant bits, then a rounding division)."""
    shape = s.shape
    s3 = np.ascontiguousarray(s, dtype=np.int64).reshape(shape[0], -1, shape[-1])
    out = np.empty_like(s3)
    kernel = _softmax_rows_par if s3.size >= PARALLEL_MIN else _softmax_rows
    kernel(s3, np.ascontiguousarray(positions, np.int64), *args, out)
    return out.reshape(shape)


@njit(cache=True)
def _attention_scores(q, k, out):
    t_len, kv, g, d = q.shape
    for t in range(t_len):
        for h in range(kv):
            for j in range(g):
                for s in range(k.shape[0]):
                    acc = np.int64(0)
                    for i in range(d):
                        acc += q[t, h, j, i] * k[s, h, i]
                    out[t, h, j, s] = acc


def attention_scores(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    """"tkgd,skd->tkgs" for a few query rows (decoding): int64 products, exact by the bound."""
    out = np.empty(q.shape[:3] + (k.shape[0],), np.int64)
    _attention_scores(np.ascontiguousarray(q, np.int64), np.ascontiguousarray(k, np.int64), out)
    return out


@njit(cache=True)
def _attention_values(p, v, out):
    t_len, kv, g, s_len = p.shape
    d = v.shape[2]
    for t in range(t_len):
        for h in range(kv):
            for j in range(g):
                for i in range(d):
                    out[t, h, j, i] = 0
                for s in range(s_len):
                    ps = p[t, h, j, s]
                    if ps != 0:
                        for i in range(d):
                            out[t, h, j, i] += ps * v[s, h, i]


def attention_values(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """"tkgs,skd->tkgd" for a few query rows (decoding)."""
    out = np.empty(p.shape[:3] + (v.shape[2],), np.int64)
    _attention_values(np.ascontiguousarray(p, np.int64), np.ascontiguousarray(v, np.int64), out)
    return out


@njit(cache=True)
def _rope_rows(x, pos, cos, sin, n_rot, neox, frac, out):
    rows, heads, d = x.shape
    half = n_rot // 2
    rnd = np.int64(1) << (frac - 1)
    for r in range(rows):
        p = pos[r]
        for h in range(heads):
            for i in range(d):
                out[r, h, i] = x[r, h, i]
            for i in range(half):
                ia = i if neox else 2 * i
                ib = i + half if neox else 2 * i + 1
                a = x[r, h, ia]
                b = x[r, h, ib]
                out[r, h, ia] = (a * cos[p, i] - b * sin[p, i] + rnd) >> frac
                out[r, h, ib] = (a * sin[p, i] + b * cos[p, i] + rnd) >> frac


def rope_rows(x: np.ndarray, positions: np.ndarray, cos: np.ndarray, sin: np.ndarray, n_rot: int, neox: bool,
              frac: int) -> np.ndarray:
    """Rope node: rows (axis 0) rotated by their positions, any middle axes, pairs along the last."""
    shape = x.shape
    x3 = np.ascontiguousarray(x, np.int64).reshape(shape[0], -1, shape[-1])
    out = np.empty_like(x3)
    _rope_rows(x3, np.ascontiguousarray(positions, np.int64), cos, sin, n_rot, neox, frac, out)
    return out.reshape(shape)

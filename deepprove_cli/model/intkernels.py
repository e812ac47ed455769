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


@njit(cache=True, parallel=True)
def _rows_times_weights_i32(a, w, out):
    # int16 activations times int16/int32 weights, products and sums in int32: exact, since every
    # product and partial sum is bounded by the einsum's bound (< 2^30); vectorizes
    n_out = w.shape[0]
    n_rows, k_len = a.shape
    for o in prange(n_out):
        for t in range(n_rows):
            acc = np.int32(0)
            for k in range(k_len):
                acc += np.int32(a[t, k]) * np.int32(w[o, k])
            out[t, o] = acc


def rows_times_weights(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(rows, K) integers times (N, K) int16/int32 -> (rows, N) int64, exactly (the caller checks the
    einsum's bound is below 2^30)."""
    out = np.empty((a.shape[0], w.shape[0]), dtype=np.int64)
    if a.size and np.abs(a).max() < (1 << 15):
        _rows_times_weights_i32(np.ascontiguousarray(a, dtype=np.int16), w, out)
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

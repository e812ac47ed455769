"""Multilinear tables: evaluation at a point, fixing (binding) variables, weighted product sums.

A table of n variables is a base (2^n,) or ext (2^n, 4) uint32 array, entry i = value at
x_j = bit j of i (docs/ARCHITECTURE.md). Fixing the FIRST variable (x_0, what sumcheck binds each
round) maps t to t'[i] = t[2i] + r (t[2i+1] - t[2i]); fixing the LAST variable (x_{n-1}) maps t to
t'[i] = t[i] + r (t[i + h] - t[i]) with h = 2^(n-1), i.e. combines the two contiguous halves: the
natural move for a tensor whose leading dimension is being bound (or for a batched claim whose
smaller tables live in the low variables).

`evaluate` never materializes a full eq table: eq(r) = eq(r_high) (x) eq(r_low), so
T(r) = sum_h eq_high[h] sum_l eq_low[l] T[h L + l], one pass over T with sqrt-size weight tables.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, mul, sub
from deepprove_cli.field.ext4 import ext_add, ext_mul, ext_mul_base, ext_sub
from deepprove_cli.poly.eq import as_point, eq_table

_P64 = np.uint64(P)
CHUNK = 1 << 14  # entries per parallel work item in reductions


# --- kernels ----------------------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _fix_first_base(t, r, out):
    """out[i] = t[2i] + r (t[2i+1] - t[2i]) for a base table t and an ext r."""
    for i in prange(out.shape[0]):
        a = t[2 * i]
        v = ext_mul_base(r, sub(t[2 * i + 1], a))
        out[i, 0] = np.uint32((np.uint64(v[0]) + np.uint64(a)) % _P64)
        out[i, 1], out[i, 2], out[i, 3] = v[1], v[2], v[3]


@njit(cache=True, parallel=True)
def _fix_first_ext(t, r, out):
    for i in prange(out.shape[0]):
        a = (t[2 * i, 0], t[2 * i, 1], t[2 * i, 2], t[2 * i, 3])
        b = (t[2 * i + 1, 0], t[2 * i + 1, 1], t[2 * i + 1, 2], t[2 * i + 1, 3])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = ext_add(a, ext_mul(ext_sub(b, a), r))


@njit(cache=True, parallel=True)
def _fix_last_base(t, r, out):
    h = out.shape[0]
    for i in prange(h):
        a = t[i]
        v = ext_mul_base(r, sub(t[i + h], a))
        out[i, 0] = np.uint32((np.uint64(v[0]) + np.uint64(a)) % _P64)
        out[i, 1], out[i, 2], out[i, 3] = v[1], v[2], v[3]


@njit(cache=True, parallel=True)
def _fix_last_ext(t, r, out):
    h = out.shape[0]
    for i in prange(h):
        a = (t[i, 0], t[i, 1], t[i, 2], t[i, 3])
        b = (t[i + h, 0], t[i + h, 1], t[i + h, 2], t[i + h, 3])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = ext_add(a, ext_mul(ext_sub(b, a), r))


@njit(cache=True)
def _scale_store(a0, a1, a2, a3, high, h, out):
    """out[h] = high[h] * (a0, a1, a2, a3) mod p, from lazy uint64 accumulators."""
    s = (np.uint32(a0 % _P64), np.uint32(a1 % _P64), np.uint32(a2 % _P64), np.uint32(a3 % _P64))
    out[h, 0], out[h, 1], out[h, 2], out[h, 3] = ext_mul(s, (high[h, 0], high[h, 1], high[h, 2], high[h, 3]))


@njit(cache=True, parallel=True)
def _eval_split_base(t, low, high, out):
    """out[h] = high[h] * sum_l low[l] t[h L + l] (lazy: reduced products summed in uint64)."""
    L = low.shape[0]
    for h in prange(high.shape[0]):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        off = h * L
        for l in range(L):
            v = t[off + l]
            a0 += mul(low[l, 0], v)
            a1 += mul(low[l, 1], v)
            a2 += mul(low[l, 2], v)
            a3 += mul(low[l, 3], v)
        _scale_store(a0, a1, a2, a3, high, h, out)


@njit(cache=True, parallel=True)
def _eval_split_ext(t, low, high, out):
    L = low.shape[0]
    for h in prange(high.shape[0]):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        off = h * L
        for l in range(L):
            v = ext_mul((t[off + l, 0], t[off + l, 1], t[off + l, 2], t[off + l, 3]),
                        (low[l, 0], low[l, 1], low[l, 2], low[l, 3]))
            a0 += v[0]
            a1 += v[1]
            a2 += v[2]
            a3 += v[3]
        _scale_store(a0, a1, a2, a3, high, h, out)


@njit(cache=True)
def _sum_ext_rows(a):
    """sum of the rows of an (m, 4) ext array (m < 2^32)."""
    s0 = np.uint64(0)
    s1 = np.uint64(0)
    s2 = np.uint64(0)
    s3 = np.uint64(0)
    for i in range(a.shape[0]):
        s0 += a[i, 0]
        s1 += a[i, 1]
        s2 += a[i, 2]
        s3 += a[i, 3]
    return np.array([s0 % _P64, s1 % _P64, s2 % _P64, s3 % _P64], dtype=np.uint32)


@njit(cache=True, parallel=True)
def _weighted_product_sum(weights, base, ext, partial):
    """partial[c] = sum over chunk c of weights[x] * prod_j base[j, x] * prod_j ext[j, x]."""
    n = weights.shape[0]
    nchunks = partial.shape[0]
    for c in prange(nchunks):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        for x in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            w = (weights[x, 0], weights[x, 1], weights[x, 2], weights[x, 3])
            for j in range(ext.shape[0]):
                w = ext_mul(w, (ext[j, x, 0], ext[j, x, 1], ext[j, x, 2], ext[j, x, 3]))
            if base.shape[0] > 0:
                pb = base[0, x]
                for j in range(1, base.shape[0]):
                    pb = mul(pb, base[j, x])
                w = ext_mul_base(w, pb)
            a0 += w[0]
            a1 += w[1]
            a2 += w[2]
            a3 += w[3]
        partial[c, 0] = a0 % _P64
        partial[c, 1] = a1 % _P64
        partial[c, 2] = a2 % _P64
        partial[c, 3] = a3 % _P64


# --- Python API -------------------------------------------------------------------------------------


def num_vars_of(table: np.ndarray) -> int:
    """n for a base (2^n,) or ext (2^n, 4) uint32 table; ValueError otherwise."""
    if not isinstance(table, np.ndarray) or table.dtype != np.uint32:
        raise ValueError("a table is a uint32 numpy array")
    if table.ndim == 2 and table.shape[1] != 4 or table.ndim not in (1, 2):
        raise ValueError(f"a table is (2^n,) base or (2^n, 4) ext, got shape {table.shape}")
    m = table.shape[0]
    if m < 1 or m & (m - 1):
        raise ValueError(f"a table's length is a power of two, got {m}")
    return m.bit_length() - 1


def is_ext(table: np.ndarray) -> bool:
    return table.ndim == 2


def fix_first_variable(table: np.ndarray, r, out: np.ndarray | None = None) -> np.ndarray:
    """Bind x_0 = r: a (2^(n-1), 4) ext table. `out` (that shape, uint32) may be given to reuse memory;
    it must not overlap `table`."""
    n = num_vars_of(table)
    if n == 0:
        raise ValueError("cannot fix a variable of a 0-variable table")
    rr = _ext_tuple(r)
    if out is None:
        out = np.empty((1 << (n - 1), 4), dtype=np.uint32)
    (_fix_first_ext if is_ext(table) else _fix_first_base)(table, rr, out)
    return out


def fix_last_variable(table: np.ndarray, r, out: np.ndarray | None = None) -> np.ndarray:
    """Bind x_{n-1} = r (the highest variable): a (2^(n-1), 4) ext table."""
    n = num_vars_of(table)
    if n == 0:
        raise ValueError("cannot fix a variable of a 0-variable table")
    rr = _ext_tuple(r)
    if out is None:
        out = np.empty((1 << (n - 1), 4), dtype=np.uint32)
    (_fix_last_ext if is_ext(table) else _fix_last_base)(table, rr, out)
    return out


def fix_first_variables(table: np.ndarray, point) -> np.ndarray:
    """Bind x_0..x_{k-1} to the k coordinates of `point` (in that order)."""
    pt = as_point(point)
    out = table
    for j in range(pt.shape[0]):
        out = fix_first_variable(out, pt[j])
    return out if pt.shape[0] else _as_ext_table(table)


def fix_last_variables(table: np.ndarray, point) -> np.ndarray:
    """Bind the k highest variables x_{n-k}..x_{n-1} to the coordinates of `point` (point[0] -> x_{n-k})."""
    pt = as_point(point)
    out = table
    for j in range(pt.shape[0] - 1, -1, -1):
        out = fix_last_variable(out, pt[j])
    return out if pt.shape[0] else _as_ext_table(table)


def evaluate(table: np.ndarray, point) -> np.ndarray:
    """The multilinear extension of `table` at `point` ((n, 4) ext or (n,) base): a (4,) ext element."""
    n = num_vars_of(table)
    pt = as_point(point)
    if pt.shape[0] != n:
        raise ValueError(f"evaluate: table has {n} variables, point has {pt.shape[0]}")
    if n == 0:
        return _as_ext_table(table)[0].copy()
    nl = (n + 1) // 2
    low = eq_table(pt[:nl])
    high = eq_table(pt[nl:])
    partial = np.empty((high.shape[0], 4), dtype=np.uint32)
    (_eval_split_ext if is_ext(table) else _eval_split_base)(table, low, high, partial)
    return _sum_ext_rows(partial)


def weighted_product_sum(weights: np.ndarray, tables) -> np.ndarray:
    """sum_x weights[x] * prod_j tables[j][x] for an ext weight table and base/ext tables of its size.

    With weights = eq_table(r) this is the direct evaluation of the (non-multilinear) product at r:
    the baseline a sumcheck prover is measured against.
    """
    n = num_vars_of(weights)
    if not is_ext(weights):
        weights = _as_ext_table(weights)
    base = [t for t in tables if not is_ext(t)]
    ext = [t for t in tables if is_ext(t)]
    for t in tables:
        if num_vars_of(t) != n:
            raise ValueError("weighted_product_sum: tables of different sizes")
    m = 1 << n
    b = np.stack(base) if base else np.empty((0, m), dtype=np.uint32)
    e = np.stack(ext) if ext else np.empty((0, m, 4), dtype=np.uint32)
    partial = np.empty(((m + CHUNK - 1) // CHUNK, 4), dtype=np.uint32)
    _weighted_product_sum(weights, b, e, partial)
    return _sum_ext_rows(partial)


def _ext_tuple(r):
    a = np.asarray(r, dtype=np.uint32).reshape(-1)
    if a.shape[0] == 1:
        return (a[0], np.uint32(0), np.uint32(0), np.uint32(0))
    if a.shape[0] != 4:
        raise ValueError(f"a challenge is a (4,) ext element or a base scalar, got {a.shape}")
    return (a[0], a[1], a[2], a[3])


def _as_ext_table(table: np.ndarray) -> np.ndarray:
    if is_ext(table):
        return table
    out = np.zeros((table.shape[0], 4), dtype=np.uint32)
    out[:, 0] = table
    return out

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

from deepprove_cli.field.babybear import P, reduce64
from deepprove_cli.field.ext4 import ext_mul, ext_mul_base
from deepprove_cli.field.ext4_vec import k_ext_inner_base, k_ext_mul, k_ext_sum
from deepprove_cli.field.vec import k_mul
from deepprove_cli.poly.eq import as_point, eq_table
from deepprove_cli.poly.flat import (U1, U2, U3, U4, ZERO64, acc4, fold_base, fold_ext, ld, num_chunks, readonly,
                                     run_serially, st)

_P64 = np.uint64(P)


# --- kernels (flat arrays: see poly/flat.py) ----------------------------------------------------------
# Each kernel is a serial body over a range of outputs plus one parallel wrapper that splits the range
# into chunks; small inputs call the body directly (flat.run_serially): waking the thread pool costs
# more than the work there, and much more on a loaded machine.


@njit(cache=True)
def _fold_range(t, r, out, last, ext, lo, hi):
    """out[i] for i in [lo, hi): the line through two entries of t at r. The pair is (2i, 2i+1) when
    binding the first variable, (i, i + h) when binding the last one (h = len(out))."""
    h = np.uint64(out.size // 4)
    if ext:
        if last:
            for i in range(np.uint64(lo), np.uint64(hi)):
                st(out, i, fold_ext(ld(t, i), ld(t, i + h), r))
        else:
            for i in range(np.uint64(lo), np.uint64(hi)):
                st(out, i, fold_ext(ld(t, i * U2), ld(t, i * U2 + U1), r))
    else:
        if last:
            for i in range(np.uint64(lo), np.uint64(hi)):
                st(out, i, fold_base(t[i], t[i + h], r))
        else:
            for i in range(np.uint64(lo), np.uint64(hi)):
                st(out, i, fold_base(t[i * U2], t[i * U2 + U1], r))


@njit(cache=True, parallel=True)
def _fold_par(t, r, out, last, ext, nchunks):
    m = out.size // 4
    for c in prange(nchunks):
        _fold_range(t, r, out, last, ext, c * m // nchunks, (c + 1) * m // nchunks)


@njit(cache=True)
def _fold_two_base_range(t, w, out, lo, hi):
    """out[j] = sum_b w[b] t[4j + b] for j in [lo, hi): a base table bound in its two lowest variables
    at once (w = eq((r0, r1), .), 4 ext weights). Each coefficient sums four products < 2^62: one
    reduction."""
    w0 = ld(w, 0)
    w1 = ld(w, 1)
    w2 = ld(w, 2)
    w3 = ld(w, 3)
    for j in range(np.uint64(lo), np.uint64(hi)):
        k = j * U4
        x0 = np.uint64(t[k])
        x1 = np.uint64(t[k + U1])
        x2 = np.uint64(t[k + U2])
        x3 = np.uint64(t[k + U3])
        st(out, j, (reduce64(x0 * w0[0] + x1 * w1[0] + x2 * w2[0] + x3 * w3[0]),
                    reduce64(x0 * w0[1] + x1 * w1[1] + x2 * w2[1] + x3 * w3[1]),
                    reduce64(x0 * w0[2] + x1 * w1[2] + x2 * w2[2] + x3 * w3[2]),
                    reduce64(x0 * w0[3] + x1 * w1[3] + x2 * w2[3] + x3 * w3[3])))


@njit(cache=True, parallel=True)
def _fold_two_base_par(t, w, out, nchunks):
    m = out.size // 4
    for c in prange(nchunks):
        _fold_two_base_range(t, w, out, c * m // nchunks, (c + 1) * m // nchunks)


@njit(cache=True)
def _eval_split_range(t, low, high, out, ext, lo, hi):
    """out[h] = high[h] * sum_l low[l] t[h L + l] for h in [lo, hi) (reduced products summed in uint64)."""
    L = low.size // 4
    for h in range(lo, hi):
        s = ZERO64
        off = np.uint64(h * L)
        if ext:
            for l in range(np.uint64(L)):
                s = acc4(s, ext_mul(ld(t, off + l), ld(low, l)))
        else:
            for l in range(np.uint64(L)):
                s = acc4(s, ext_mul_base(ld(low, l), t[off + l]))
        st(out, h, ext_mul(_reduce4(s), ld(high, h)))


@njit(cache=True, parallel=True)
def _eval_split_par(t, low, high, out, ext, nchunks):
    m = high.size // 4
    for c in prange(nchunks):
        _eval_split_range(t, low, high, out, ext, c * m // nchunks, (c + 1) * m // nchunks)


@njit(cache=True)
def _reduce4(s):
    return (np.uint32(s[0] % _P64), np.uint32(s[1] % _P64), np.uint32(s[2] % _P64), np.uint32(s[3] % _P64))


def _fold(table: np.ndarray, r, out: np.ndarray, last: bool) -> None:
    t, o, ext = readonly(table.reshape(-1)), out.reshape(-1), is_ext(table)
    m = o.size // 4
    if run_serially(m):
        _fold_range(t, r, o, last, ext, 0, m)
    else:
        _fold_par(t, r, o, last, ext, num_chunks(m))


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
    _fold(table, rr, out, False)
    return out


def fix_last_variable(table: np.ndarray, r, out: np.ndarray | None = None) -> np.ndarray:
    """Bind x_{n-1} = r (the highest variable): a (2^(n-1), 4) ext table."""
    n = num_vars_of(table)
    if n == 0:
        raise ValueError("cannot fix a variable of a 0-variable table")
    rr = _ext_tuple(r)
    if out is None:
        out = np.empty((1 << (n - 1), 4), dtype=np.uint32)
    _fold(table, rr, out, True)
    return out


def fix_first_two_variables(table: np.ndarray, r0, r1, out: np.ndarray | None = None) -> np.ndarray:
    """Bind x_0 = r0 and x_1 = r1 of a BASE table in one pass: (2^(n-2), 4) ext.

    Cheaper than two single folds (16 base products per output, no intermediate ext table): what the
    sumcheck prover does after a round computed on base values.
    """
    n = num_vars_of(table)
    if n < 2 or is_ext(table):
        raise ValueError("fix_first_two_variables takes a base table of at least 2 variables")
    w = eq_table(np.stack([_ext_array(r0), _ext_array(r1)])).reshape(-1)
    if out is None:
        out = np.empty((1 << (n - 2), 4), dtype=np.uint32)
    o = out.reshape(-1)
    m = o.size // 4
    t = readonly(table)
    if run_serially(m):
        _fold_two_base_range(t, w, o, 0, m)
    else:
        _fold_two_base_par(t, w, o, num_chunks(m))
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
    partial = np.empty(high.size, dtype=np.uint32)
    t, lo, hi = readonly(table.reshape(-1)), low.reshape(-1), high.reshape(-1)
    m = hi.size // 4
    if run_serially(table.shape[0]):
        _eval_split_range(t, lo, hi, partial, is_ext(table), 0, m)
    else:
        _eval_split_par(t, lo, hi, partial, is_ext(table), min(m, num_chunks(table.shape[0])))
    return np.array(k_ext_sum(partial), dtype=np.uint32)


def weighted_product_sum(weights: np.ndarray, tables) -> np.ndarray:
    """sum_x weights[x] * prod_j tables[j][x] for an ext weight table and base/ext tables of its size.

    With weights = eq_table(r) this is the direct evaluation of the (non-multilinear) product at r:
    the baseline a sumcheck prover is measured against. Elementwise products first (ext tables into
    the weights, base tables into one base table), then one ext-by-base inner product: every pass is
    a vectorized field kernel.
    """
    n = num_vars_of(weights)
    for t in tables:
        if num_vars_of(t) != n:
            raise ValueError("weighted_product_sum: tables of different sizes")
    w = _as_ext_table(weights).reshape(-1)
    ext = [t for t in tables if is_ext(t)]
    base = [t for t in tables if not is_ext(t)]
    for t in ext:
        out = np.empty_like(w)
        k_ext_mul(w, t.reshape(-1), out)
        w = out
    if not base:
        return np.array(k_ext_sum(w), dtype=np.uint32)
    prod = base[0]
    for t in base[1:]:
        out = np.empty_like(prod)
        k_mul(prod, t, out)
        prod = out
    return np.array(k_ext_inner_base(w, prod), dtype=np.uint32)


def _ext_tuple(r):
    a = np.asarray(r, dtype=np.uint32).reshape(-1)
    if a.shape[0] == 1:
        return (a[0], np.uint32(0), np.uint32(0), np.uint32(0))
    if a.shape[0] != 4:
        raise ValueError(f"a challenge is a (4,) ext element or a base scalar, got {a.shape}")
    return (a[0], a[1], a[2], a[3])


def _ext_array(r) -> np.ndarray:
    return np.array(_ext_tuple(r), dtype=np.uint32)


def _as_ext_table(table: np.ndarray) -> np.ndarray:
    if is_ext(table):
        return table
    out = np.zeros((table.shape[0], 4), dtype=np.uint32)
    out[:, 0] = table
    return out

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

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_mul, ext_mul_base
from deepprove_cli.field.ext4_vec import k_ext_inner_base, k_ext_mul, k_ext_sum
from deepprove_cli.field.vec import k_mul
from deepprove_cli.poly.eq import as_point, eq_table
from deepprove_cli.poly.flat import U1, U2, ZERO64, acc4, fold_base, fold_ext, ld, st

_P64 = np.uint64(P)


# --- kernels (flat arrays: see poly/flat.py) ----------------------------------------------------------


@njit(cache=True, parallel=True)
def _fix_first_base(t, r, out):
    """out[i] = t[2i] + r (t[2i+1] - t[2i]) for a base table t and an ext r."""
    for i in prange(out.size // 4):
        k = np.uint64(i) * U2
        st(out, i, fold_base(t[k], t[k + U1], r))


@njit(cache=True, parallel=True)
def _fix_first_ext(t, r, out):
    for i in prange(out.size // 4):
        k = np.uint64(i) * U2
        st(out, i, fold_ext(ld(t, k), ld(t, k + U1), r))


@njit(cache=True, parallel=True)
def _fix_last_base(t, r, out):
    h = out.size // 4
    for i in prange(h):
        k = np.uint64(i)
        st(out, i, fold_base(t[k], t[k + np.uint64(h)], r))


@njit(cache=True, parallel=True)
def _fix_last_ext(t, r, out):
    h = out.size // 4
    for i in prange(h):
        k = np.uint64(i)
        st(out, i, fold_ext(ld(t, k), ld(t, k + np.uint64(h)), r))


@njit(cache=True, parallel=True)
def _eval_split_base(t, low, high, out):
    """out[h] = high[h] * sum_l low[l] t[h L + l] (reduced products summed in uint64)."""
    L = low.size // 4
    for h in prange(high.size // 4):
        s = ZERO64
        off = np.uint64(h * L)
        for l in range(L):
            s = acc4(s, ext_mul_base(ld(low, l), t[off + np.uint64(l)]))
        st(out, h, ext_mul(_reduce4(s), ld(high, h)))


@njit(cache=True, parallel=True)
def _eval_split_ext(t, low, high, out):
    L = low.size // 4
    for h in prange(high.size // 4):
        s = ZERO64
        off = np.uint64(h * L)
        for l in range(L):
            s = acc4(s, ext_mul(ld(t, off + np.uint64(l)), ld(low, l)))
        st(out, h, ext_mul(_reduce4(s), ld(high, h)))


@njit(cache=True)
def _reduce4(s):
    return (np.uint32(s[0] % _P64), np.uint32(s[1] % _P64), np.uint32(s[2] % _P64), np.uint32(s[3] % _P64))


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
    (_fix_first_ext if is_ext(table) else _fix_first_base)(table.reshape(-1), rr, out.reshape(-1))
    return out


def fix_last_variable(table: np.ndarray, r, out: np.ndarray | None = None) -> np.ndarray:
    """Bind x_{n-1} = r (the highest variable): a (2^(n-1), 4) ext table."""
    n = num_vars_of(table)
    if n == 0:
        raise ValueError("cannot fix a variable of a 0-variable table")
    rr = _ext_tuple(r)
    if out is None:
        out = np.empty((1 << (n - 1), 4), dtype=np.uint32)
    (_fix_last_ext if is_ext(table) else _fix_last_base)(table.reshape(-1), rr, out.reshape(-1))
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
    (_eval_split_ext if is_ext(table) else _eval_split_base)(table.reshape(-1), low.reshape(-1), high.reshape(-1),
                                                             partial)
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


def _as_ext_table(table: np.ndarray) -> np.ndarray:
    if is_ext(table):
        return table
    out = np.zeros((table.shape[0], 4), dtype=np.uint32)
    out[:, 0] = table
    return out

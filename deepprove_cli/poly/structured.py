"""Tables a verifier never needs to see: their multilinear extensions evaluate in O(n) at any point.

- affine (identity, ranges): t[i] = offset + step * i for i < 2^n. Since the multilinear extension of
  i is sum_j 2^j x_j and eq sums to 1, T(r) = offset + step * sum_j 2^j r_j.
- prefix (padded ranges / validity masks): t[i] = offset + step * i for i < N, 0 for N <= i < 2^n.
  Split {i < N} by the highest bit k where i and N differ (N_k = 1, i_k = 0, i agrees with N above k,
  lower bits free): that block's eq-weight is E_k (1 - r_k), E_k = prod_{j>k} eq(r_j, N_j), and its
  i-weighted sum adds (N's bits above k) + sum_{j<k} 2^j r_j (the free bits average to r_j).

Lookup tables (range checks) and padded tensors use these; the prover materializes the same tables
with `affine_table` / `prefix_table`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_add, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # sequential: no inlining needed
from deepprove_cli.poly.eq import as_point

_P64 = np.uint64(P)


@njit(cache=True)
def _index_sums(point):
    """s[k] = sum_{j<k} 2^j r_j for k = 0..n (ext, (n+1, 4))."""
    n = point.shape[0]
    s = np.zeros((n + 1, 4), dtype=np.uint32)
    pw = np.uint32(1)
    acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    for j in range(n):
        acc = ext_add(acc, ext_mul_base((point[j, 0], point[j, 1], point[j, 2], point[j, 3]), pw))
        s[j + 1, 0], s[j + 1, 1], s[j + 1, 2], s[j + 1, 3] = acc
        pw = np.uint32((np.uint64(pw) * np.uint64(2)) % _P64)
    return s


@njit(cache=True)
def _prefix_eval(point, bound, offset, step):
    """sum_{i < bound} (offset + step i) eq(point, i), for bound < 2^n (see the module docstring)."""
    n = point.shape[0]
    s = _index_sums(point)
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    zero = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    e = one
    ind = zero
    isum = zero
    high = np.uint64(0)  # value of bound's bits above k, mod p
    for k in range(n - 1, -1, -1):
        r = (point[k, 0], point[k, 1], point[k, 2], point[k, 3])
        pw = np.uint64((np.uint64(1) << np.uint64(k)) % _P64)
        if (bound >> k) & 1:
            g = ext_mul(e, ext_sub(one, r))
            ind = ext_add(ind, g)
            w = ext_add((np.uint32(high), np.uint32(0), np.uint32(0), np.uint32(0)),
                        (s[k, 0], s[k, 1], s[k, 2], s[k, 3]))
            isum = ext_add(isum, ext_mul(g, w))
            e = ext_mul(e, r)
            high = (high + pw) % _P64
        else:
            e = ext_mul(e, ext_sub(one, r))
    out = ext_add(ext_mul_base(ind, offset), ext_mul_base(isum, step))
    return out


def _mod(v: int) -> np.uint32:
    return np.uint32(int(v) % P)


def affine_table(num_vars: int, offset: int = 0, step: int = 1) -> np.ndarray:
    """Base table t[i] = offset + step * i mod p, i < 2^num_vars (identity: offset 0, step 1)."""
    i = np.arange(1 << num_vars, dtype=np.uint64)
    return ((i * np.uint64(int(step) % P) + np.uint64(int(offset) % P)) % _P64).astype(np.uint32)


def affine_eval(point, offset: int = 0, step: int = 1) -> np.ndarray:
    """The MLE of `affine_table(n, offset, step)` at an n-variable point: (4,) ext, O(n)."""
    pt = as_point(point)
    s = _index_sums(pt)[-1].astype(np.uint64)
    out = (s * np.uint64(int(step) % P)) % _P64
    out[0] = (out[0] + np.uint64(int(offset) % P)) % _P64
    return out.astype(np.uint32)


def prefix_table(num_vars: int, bound: int, offset: int = 0, step: int = 1) -> np.ndarray:
    """Base table t[i] = offset + step * i for i < bound, 0 for bound <= i < 2^num_vars.

    With step 0 and offset 1 it is the indicator of the first `bound` entries (a padding mask).
    """
    _check_bound(num_vars, bound)
    t = affine_table(num_vars, offset, step)
    t[bound:] = 0
    return t


def prefix_eval(point, bound: int, offset: int = 0, step: int = 1) -> np.ndarray:
    """The MLE of `prefix_table(n, bound, offset, step)` at an n-variable point: (4,) ext, O(n)."""
    pt = as_point(point)
    n = pt.shape[0]
    _check_bound(n, bound)
    if bound == 1 << n:
        return affine_eval(pt, offset, step)
    return np.array(_prefix_eval(pt, np.int64(bound), _mod(offset), _mod(step)), dtype=np.uint32)


def _check_bound(num_vars: int, bound: int) -> None:
    if not 0 <= int(bound) <= 1 << num_vars:
        raise ValueError(f"prefix bound {bound} outside [0, 2^{num_vars}]")

"""Round polynomials given by their values at 0, 1, ..., d: evaluation anywhere (verifier math).

Lagrange on the integer nodes 0..d with prefix/suffix products of (x - s): O(d) extension products
per evaluation (called, not inlined, `ext_mul`: a sequential chain, where inlining only costs
compile time). The node denominators prod_{s != t} (t - s) = (-1)^(d-t) t! (d-t)! are base-field
constants.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import inv, mul, sub
from deepprove_cli.field.ext4 import ext_add, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul


@njit(cache=True)
def interpolate_kernel(evals, x):
    """p(x) for the polynomial of degree < m with p(t) = evals[t], t = 0..m-1; evals (m, 4), x a 4-tuple."""
    m = evals.shape[0]
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    pre = np.empty((m + 1, 4), dtype=np.uint32)  # pre[t] = prod_{s<t} (x - s)
    suf = np.empty((m + 1, 4), dtype=np.uint32)  # suf[t] = prod_{s>=t} (x - s)
    pre[0, 0], pre[0, 1], pre[0, 2], pre[0, 3] = one
    suf[m, 0], suf[m, 1], suf[m, 2], suf[m, 3] = one
    for t in range(m):
        d = ext_sub(x, (np.uint32(t), np.uint32(0), np.uint32(0), np.uint32(0)))
        pre[t + 1, 0], pre[t + 1, 1], pre[t + 1, 2], pre[t + 1, 3] = ext_mul(
            (pre[t, 0], pre[t, 1], pre[t, 2], pre[t, 3]), d)
    for t in range(m - 1, -1, -1):
        d = ext_sub(x, (np.uint32(t), np.uint32(0), np.uint32(0), np.uint32(0)))
        suf[t, 0], suf[t, 1], suf[t, 2], suf[t, 3] = ext_mul((suf[t + 1, 0], suf[t + 1, 1], suf[t + 1, 2],
                                                              suf[t + 1, 3]), d)
    acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    for t in range(m):
        den = np.uint32(1)
        for s in range(m):
            if s != t:
                den = mul(den, sub(np.uint32(t), np.uint32(s)))
        num = ext_mul((pre[t, 0], pre[t, 1], pre[t, 2], pre[t, 3]), (suf[t + 1, 0], suf[t + 1, 1], suf[t + 1, 2],
                                                                      suf[t + 1, 3]))
        term = ext_mul(ext_mul_base(num, inv(den)), (evals[t, 0], evals[t, 1], evals[t, 2], evals[t, 3]))
        acc = ext_add(acc, term)
    return acc


def interpolate(evals: np.ndarray, x) -> np.ndarray:
    """Value at x ((4,) ext) of the polynomial through (t, evals[t]); evals is (m, 4): a (4,) ext element."""
    e = np.ascontiguousarray(evals, dtype=np.uint32).reshape(-1, 4)
    xx = np.asarray(x, dtype=np.uint32).reshape(4)
    return np.array(interpolate_kernel(e, (xx[0], xx[1], xx[2], xx[3])), dtype=np.uint32)


"""The point reduction's claim-side sums in one pass over all claims (the verifier's O(claims) work).

A batch of thousands of packed polynomials brings thousands of claims: their joins into the
running sum (sum of a_i v_i per join round) and the last round's expected value
(sum_i a_i eq(z_i, r[d_i:]) f_{k_i}(r[d_i:])) are computed here in one serial kernel, not one
Python call per claim. Imports the field layer only (the verifier may import it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.ext4 import ext_add, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # serial code: called, not inlined (compile time)


@njit(cache=True, inline="always")
def _get(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(cache=True)
def k_joins(lens, coeffs, values, joins):
    """joins[d] = sum_{i: n - lens[i] = d} coeffs[i] values[i], n = joins.shape[0] - 1: what the
    running sum gains at round d (zeroed here)."""
    joins[:] = 0
    n = joins.shape[0] - 1
    for i in range(lens.shape[0]):
        d = n - lens[i]
        joins[d, 0], joins[d, 1], joins[d, 2], joins[d, 3] = ext_add(_get(joins, d),
                                                                     ext_mul(_get(coeffs, i), _get(values, i)))


@njit(cache=True)
def k_expected(points, lens, coeffs, sent, r, out):
    """out = sum_i coeffs[i] eq(points[i, :lens[i]], r[n - lens[i]:]) sent[i] (n = r.shape[0]): the
    last round's value from the claims' eq weights and the sent column values."""
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    n = r.shape[0]
    for i in range(points.shape[0]):
        d = n - lens[i]
        e = one
        for j in range(lens[i]):
            x = (points[i, j, 0], points[i, j, 1], points[i, j, 2], points[i, j, 3])
            y = _get(r, d + j)
            xy = ext_mul(x, y)
            e = ext_mul(e, ext_add(xy, ext_sub(ext_sub(one, x), ext_sub(y, xy))))
        acc = ext_add(acc, ext_mul(ext_mul(_get(coeffs, i), e), _get(sent, i)))
    out[0], out[1], out[2], out[3] = acc

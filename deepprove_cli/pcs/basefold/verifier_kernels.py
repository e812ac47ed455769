"""The verifier's kernels: folds of the opened windows, injections, final-polynomial checks.

Small, serial (a few hundred queries), written from the definitions; they import the field layer
only, never the prover's kernels. Positions are in bit-reversed order: position p of a codeword of
2^L positions is the point w_L^rev_L(p), and positions 2i, 2i + 1 hold x and -x.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P, mul, pow_, reduce62
from deepprove_cli.field.ext4 import ext_add, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # serial code: called, not inlined (compile time)
from deepprove_cli.field.ntt import rev_bits

_INV2 = np.uint32((P + 1) // 2)
_Z64 = np.uint64(0)


@njit(cache=True)
def _get(a, q, t):
    return (a[q, t, 0], a[q, t, 1], a[q, t, 2], a[q, t, 3])


@njit(cache=True)
def _put(a, q, t, v):
    a[q, t, 0], a[q, t, 1], a[q, t, 2], a[q, t, 3] = v


@njit(cache=True)
def k_fold_queries(vals, start, log_len, root_inv, s, out):
    """out[q, t] = (a + b)/2 + s (a - b)/(2x) for a = vals[q, 2t], b = vals[q, 2t+1] at positions
    start[q] + 2t (x) and + 1 (-x) of a codeword of 2^log_len positions."""
    for q in range(vals.shape[0]):
        for t in range(out.shape[1]):
            i = start[q] // 2 + t
            x_inv_half = mul(pow_(root_inv, rev_bits(i, log_len - 1)), _INV2)
            a = _get(vals, q, 2 * t)
            b = _get(vals, q, 2 * t + 1)
            even = ext_mul_base(ext_add(a, b), _INV2)
            _put(out, q, t, ext_add(even, ext_mul(s, ext_mul_base(ext_sub(a, b), x_inv_half))))


@njit(cache=True)
def k_inject(vals, rows, sel, coeffs, offset):
    """vals[q, t] += sum_j coeffs[j] rows[q, sel[j], offset[q] + t] (a group joins the fold)."""
    for q in range(vals.shape[0]):
        for t in range(vals.shape[1]):
            acc = _get(vals, q, t)
            for j in range(sel.size):
                c = (coeffs[j, 0], coeffs[j, 1], coeffs[j, 2], coeffs[j, 3])
                acc = ext_add(acc, ext_mul_base(c, rows[q, sel[j], offset[q] + t]))
            _put(vals, q, t, acc)


@njit(cache=True)
def k_final_values(coeffs, pos, log_len, root, out):
    """out[q] = sum_i coeffs[i] x^i at x = the point of position pos[q] (Horner)."""
    for q in range(pos.size):
        x = pow_(root, rev_bits(pos[q], log_len))
        acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
        for i in range(coeffs.shape[0] - 1, -1, -1):
            acc = ext_mul_base(acc, x)
            acc = ext_add(acc, (coeffs[i, 0], coeffs[i, 1], coeffs[i, 2], coeffs[i, 3]))
        out[q, 0], out[q, 1], out[q, 2], out[q, 3] = acc


@njit(cache=True)
def monomial_eval(coeffs, point):
    """sum_S coeffs[S] prod_{j in S} point[j]: the multilinear polynomial given by its monomial
    coefficients, at `point` (t, 4), by the doubling table of the monomials."""
    m = np.zeros((coeffs.shape[0], 4), dtype=np.uint32)
    m[0, 0] = 1
    size = 1
    for j in range(point.shape[0]):
        z = (point[j, 0], point[j, 1], point[j, 2], point[j, 3])
        for i in range(size):
            v = ext_mul((m[i, 0], m[i, 1], m[i, 2], m[i, 3]), z)
            m[size + i, 0], m[size + i, 1], m[size + i, 2], m[size + i, 3] = v
        size *= 2
    s = (_Z64, _Z64, _Z64, _Z64)
    for i in range(coeffs.shape[0]):
        v = ext_mul((m[i, 0], m[i, 1], m[i, 2], m[i, 3]), (coeffs[i, 0], coeffs[i, 1], coeffs[i, 2], coeffs[i, 3]))
        s = (s[0] + np.uint64(v[0]), s[1] + np.uint64(v[1]), s[2] + np.uint64(v[2]), s[3] + np.uint64(v[3]))
    return (reduce62(s[0]), reduce62(s[1]), reduce62(s[2]), reduce62(s[3]))


@njit(cache=True)
def eq_eval(a, b):
    """eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)) for two points (n, 4)."""
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    acc = one
    for j in range(a.shape[0]):
        x = (a[j, 0], a[j, 1], a[j, 2], a[j, 3])
        y = (b[j, 0], b[j, 1], b[j, 2], b[j, 3])
        xy = ext_mul(x, y)
        acc = ext_mul(acc, ext_add(xy, ext_sub(ext_sub(one, x), ext_sub(y, xy))))
    return acc


@njit(cache=True)
def mle_eval(values, point):
    """The multilinear extension of a small ext table (2^b, 4) at `point` (b, 4): fix x_0, x_1, ...
    in turn (t'[i] = t[2i] + r (t[2i+1] - t[2i])). Recombines the chunk values of a split claim."""
    t = values.copy()
    size = t.shape[0]
    for j in range(point.shape[0]):
        r = (point[j, 0], point[j, 1], point[j, 2], point[j, 3])
        size //= 2
        for i in range(size):
            a = (t[2 * i, 0], t[2 * i, 1], t[2 * i, 2], t[2 * i, 3])
            b = (t[2 * i + 1, 0], t[2 * i + 1, 1], t[2 * i + 1, 2], t[2 * i + 1, 3])
            t[i, 0], t[i, 1], t[i, 2], t[i, 3] = ext_add(a, ext_mul(r, ext_sub(b, a)))
    return (t[0, 0], t[0, 1], t[0, 2], t[0, 3])

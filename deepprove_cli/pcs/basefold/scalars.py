"""Extension-field scalar helpers for orchestration code: (4,) uint32 arrays in and out.

Used by both the prover and the verifier (imports the field layer only). Each call is one
dispatch into the field's njit scalar ops; they serve the O(rounds) work outside the kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_add, ext_mul_base, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # serial code: called, not inlined (compile time)

ONE = np.array([1, 0, 0, 0], dtype=np.uint32)
ZERO = np.zeros(4, dtype=np.uint32)
_INV2 = np.uint32((P + 1) // 2)


def _t(a):
    return (np.uint32(a[0]), np.uint32(a[1]), np.uint32(a[2]), np.uint32(a[3]))


def _a(t) -> np.ndarray:
    return np.array(t, dtype=np.uint32)


def emul(a, b) -> np.ndarray:
    return _a(ext_mul(_t(a), _t(b)))


def eadd(a, b) -> np.ndarray:
    return _a(ext_add(_t(a), _t(b)))


def esub(a, b) -> np.ndarray:
    return _a(ext_sub(_t(a), _t(b)))


def escale(a, s: int) -> np.ndarray:
    """a * s for a base integer s (any sign)."""
    return _a(ext_mul_base(_t(a), np.uint32(int(s) % P)))


def eq1(z, s) -> np.ndarray:
    """eq(z, s) = z s + (1 - z)(1 - s) for one coordinate."""
    zs = emul(z, s)
    return eadd(zs, esub(esub(ONE, z), esub(s, zs)))


@njit(cache=True)
def _quadratic_at(h0, h1, h2, x):
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    two = (np.uint32(2), np.uint32(0), np.uint32(0), np.uint32(0))
    xm1 = ext_sub(x, one)
    xm2 = ext_sub(x, two)
    l0 = ext_mul_base(ext_mul(xm1, xm2), _INV2)
    l1 = ext_sub((np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0)), ext_mul(x, xm2))
    l2 = ext_mul_base(ext_mul(x, xm1), _INV2)
    return ext_add(ext_add(ext_mul(l0, h0), ext_mul(l1, h1)), ext_mul(l2, h2))


def quadratic_at(h0, h1, h2, x) -> np.ndarray:
    """The polynomial of degree <= 2 through (0, h0), (1, h1), (2, h2), evaluated at x."""
    return _a(_quadratic_at(_t(h0), _t(h1), _t(h2), _t(x)))


def gruen_round(e_prefix, z, q0, q1) -> np.ndarray:
    """(h(0), h(2)) of h(X) = E eq(z, X) q(X), q linear with q(0) = q0, q(1) = q1 (E the eq prefix)."""
    h0 = emul(e_prefix, emul(esub(ONE, z), q0))
    h2 = emul(e_prefix, emul(esub(escale(z, 3), ONE), esub(escale(q1, 2), q0)))
    return np.stack([h0, h2])


@njit(cache=True)
def _row(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(cache=True)
def _gruen_sum(w, z, q, out):
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    acc0 = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    acc2 = acc0
    for i in range(w.shape[0]):
        wi, zi = _row(w, i), _row(z, i)
        q0 = (q[i, 0, 0], q[i, 0, 1], q[i, 0, 2], q[i, 0, 3])
        q1 = (q[i, 1, 0], q[i, 1, 1], q[i, 1, 2], q[i, 1, 3])
        acc0 = ext_add(acc0, ext_mul(wi, ext_mul(ext_sub(one, zi), q0)))
        z3 = ext_sub(ext_mul_base(zi, np.uint32(3)), one)
        acc2 = ext_add(acc2, ext_mul(wi, ext_mul(z3, ext_sub(ext_mul_base(q1, np.uint32(2)), q0))))
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = acc0
    out[1, 0], out[1, 1], out[1, 2], out[1, 3] = acc2


def gruen_sum(w: np.ndarray, z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(2, 4): the sum over i of gruen_round(w_i, z_i, q_i0, q_i1), for (c, 4) w, z and (c, 2, 4) q
    (one call for all the claims on a column)."""
    out = np.empty((2, 4), dtype=np.uint32)
    _gruen_sum(np.ascontiguousarray(w), np.ascontiguousarray(z), np.ascontiguousarray(q), out)
    return out


@njit(cache=True)
def _eq1_scale(w, z, r, out):
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    for i in range(w.shape[0]):
        zi = _row(z, i)
        zr = ext_mul(zi, r)
        e = ext_add(zr, ext_sub(ext_sub(one, zi), ext_sub(r, zr)))
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = ext_mul(_row(w, i), e)


def eq1_scale(w: np.ndarray, z: np.ndarray, r) -> np.ndarray:
    """(c, 4): w_i eq(z_i, r) for (c, 4) w and z and one challenge r."""
    out = np.empty_like(w)
    _eq1_scale(np.ascontiguousarray(w), np.ascontiguousarray(z), _t(r), out)
    return out

"""Extension-field scalar helpers for orchestration code: (4,) uint32 arrays in and out.

Used by both the prover and the verifier (imports the field layer only). Each call is one
dispatch into the field's njit scalar ops; they serve the O(rounds) work outside the kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.field.ext4 import ext_add, ext_mul, ext_mul_base, ext_sub

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

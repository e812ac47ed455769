"""The degree-4 extension F_p[X]/(X^4 - 11), where Fiat-Shamir challenges live (~124 bits).

Layout (docs/ARCHITECTURE.md): one element is a uint32 array of shape (4,) holding the coefficients
of 1, X, X^2, X^3; a vector of n elements is a C-contiguous (n, 4) uint32 array; inside njit code an
element is a 4-tuple of uint32. X^4 - 11 is irreducible because 11 is a non-square mod p and
p = 1 mod 4 (checked in tests).

`ext_mul` uses lazy reduction: the three coefficients of b that wrap around are pre-multiplied by 11
and reduced (3 reductions), then each output coefficient is a sum of four products < 4 p^2 < 2^64,
reduced once (4 reductions): 7 reductions and 16 multiplies instead of 16 + 3. Karatsuba does not
pay here: it saves 32x32-bit multiplies, which are cheap, at the cost of extra subtractions that
need reductions, which are not.

All reductions are Barrett (`babybear.reduce62/reduce64`), never `% p` on uint64: in a loop over flat
arrays LLVM then vectorizes the whole product (measured, one thread: 3.6 ns per ext_mul vectorized
vs 10.4 ns with `% p`, which cannot vectorize). To get that, index flat views in kernels with
`ext_load(x, i)` / `ext_store(x, i, c)` (x = v.reshape(-1)): a 2-D `v[i, k]` has a runtime row
stride and stays scalar (then this form costs ~1.7x the `% p` form, a fair trade).

`ext_inv(0)` returns 0, like the base field's `inv`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, add, check_canonical, inv, reduce62, reduce64, sub

W = 11  # X^4 = W

_P64 = np.uint64(P)
_W64 = np.uint64(W)
_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U4 = np.uint64(4)


@njit(cache=True, inline="always")
def ext_load(x, i):
    """Element i of a flat (4n,) view of an (n, 4) array, as a 4-tuple.

    The index is made unsigned: a signed one whose sign LLVM cannot prove (prange and chunk
    bounds) keeps numba's negative-index wraparound select in the loop, which blocks vectorization
    (measured: 15.3 vs 3.6 ns per ext_mul). Inlined into the caller's IR for the same reason.
    """
    k = np.uint64(i) * _U4
    return (x[k], x[k + _U1], x[k + _U2], x[k + _U3])


@njit(cache=True, inline="always")
def ext_store(x, i, c):
    """Store the 4-tuple c as element i of a flat (4n,) view (see `ext_load`)."""
    k = np.uint64(i) * _U4
    x[k] = c[0]
    x[k + _U1] = c[1]
    x[k + _U2] = c[2]
    x[k + _U3] = c[3]


@njit(cache=True, inline="always")
def ext_from_base(s):
    """The base element s as an extension element (s, 0, 0, 0)."""
    return (np.uint32(s), np.uint32(0), np.uint32(0), np.uint32(0))


@njit(cache=True, inline="always")
def ext_add(a, b):
    """a + b, coefficient-wise."""
    return (add(a[0], b[0]), add(a[1], b[1]), add(a[2], b[2]), add(a[3], b[3]))


@njit(cache=True, inline="always")
def ext_sub(a, b):
    """a - b, coefficient-wise."""
    return (sub(a[0], b[0]), sub(a[1], b[1]), sub(a[2], b[2]), sub(a[3], b[3]))


@njit(cache=True, inline="always")
def ext_neg(a):
    """-a."""
    z = np.uint32(0)
    return (sub(z, a[0]), sub(z, a[1]), sub(z, a[2]), sub(z, a[3]))


@njit(cache=True, inline="always")
def ext_mul_base(a, s):
    """a * s for a base-field scalar s."""
    t = np.uint64(s)
    return (reduce62(np.uint64(a[0]) * t), reduce62(np.uint64(a[1]) * t),
            reduce62(np.uint64(a[2]) * t), reduce62(np.uint64(a[3]) * t))


@njit(cache=True, inline="always")
def ext_mul(a, b):
    """a * b mod (X^4 - 11), lazily reduced (see the module docstring)."""
    a0 = np.uint64(a[0])
    a1 = np.uint64(a[1])
    a2 = np.uint64(a[2])
    a3 = np.uint64(a[3])
    b0 = np.uint64(b[0])
    b1 = np.uint64(b[1])
    b2 = np.uint64(b[2])
    b3 = np.uint64(b[3])
    w1 = np.uint64(reduce62(b1 * _W64))
    w2 = np.uint64(reduce62(b2 * _W64))
    w3 = np.uint64(reduce62(b3 * _W64))
    return (reduce64(a0 * b0 + a1 * w3 + a2 * w2 + a3 * w1),
            reduce64(a0 * b1 + a1 * b0 + a2 * w3 + a3 * w2),
            reduce64(a0 * b2 + a1 * b1 + a2 * b0 + a3 * w3),
            reduce64(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0))


@njit(cache=True, inline="always")
def ext_square(a):
    """a^2: 10 products instead of 16 (doubled operands d_i < 2^32 keep every sum < 2^64)."""
    a0 = np.uint64(a[0])
    a1 = np.uint64(a[1])
    a2 = np.uint64(a[2])
    a3 = np.uint64(a[3])
    d0 = a0 + a0
    d1 = a1 + a1
    d2 = a2 + a2
    w2 = np.uint64(reduce62(a2 * _W64))
    w3 = np.uint64(reduce62(a3 * _W64))
    return (reduce64(a0 * a0 + d1 * w3 + a2 * w2),
            reduce64(d0 * a1 + d2 * w3),
            reduce64(d0 * a2 + a1 * a1 + a3 * w3),
            reduce64(d0 * a3 + d1 * a2))


ext_mul_outlined = njit(cache=True)(ext_mul.py_func)
ext_mul_outlined.__doc__ = """`ext_mul` as a called (not inlined) function, for sequential chains
(batch inversion, powers) that cannot vectorize anyway: each inlined copy costs compile time
(numba re-types the inlined body at every call site), a call costs nothing measurable there."""


@njit(cache=True)
def ext_inv(a):
    """a^-1 through the norm: a(X) a(-X) = n0 + n2 X^2, then (n0 + n2 X^2)(n0 - n2 X^2) = n0^2 - 11 n2^2.

    So a^-1 = a(-X) (n0 - n2 X^2) / (n0^2 - 11 n2^2): one base-field inversion. ext_inv(0) = 0.
    """
    a0 = np.uint64(a[0])
    a1 = np.uint64(a[1])
    a2 = np.uint64(a[2])
    a3 = np.uint64(a[3])
    # a_e(Y) = a0 + a2 Y, a_o(Y) = a1 + a3 Y, Y = X^2 with Y^2 = W: a(X) a(-X) = a_e^2 - Y a_o^2.
    e0 = (a0 * a0 + ((a2 * a2) % _P64) * _W64) % _P64  # a_e^2 = e0 + e1 Y
    e1 = (a0 * a2 * np.uint64(2)) % _P64
    o0 = (a1 * a1 + ((a3 * a3) % _P64) * _W64) % _P64  # a_o^2 = o0 + o1 Y
    o1 = (a1 * a3 * np.uint64(2)) % _P64
    # Y * a_o^2 = o1 W + o0 Y
    n0 = np.uint64(sub(e0, (o1 * _W64) % _P64))
    n2 = np.uint64(sub(e1, o0))
    norm = np.uint64(sub((n0 * n0) % _P64, (((n2 * n2) % _P64) * _W64) % _P64))
    ninv = np.uint64(inv(np.uint32(norm)))
    m0 = (n0 * ninv) % _P64  # (n0 - n2 Y) / norm
    m2 = np.uint64(sub(np.uint32(0), (n2 * ninv) % _P64))
    # a(-X) = a0 - a1 X + a2 X^2 - a3 X^3, times (m0 + m2 X^2)
    b0 = a0
    b1 = np.uint64(sub(np.uint32(0), a1))
    b2 = a2
    b3 = np.uint64(sub(np.uint32(0), a3))
    c0 = (b0 * m0 + ((b2 * m2) % _P64) * _W64) % _P64
    c1 = (b1 * m0 + ((b3 * m2) % _P64) * _W64) % _P64
    c2 = (b2 * m0 + b0 * m2) % _P64
    c3 = (b3 * m0 + b1 * m2) % _P64
    return (np.uint32(c0), np.uint32(c1), np.uint32(c2), np.uint32(c3))


@njit(cache=True)
def ext_pow(a, e):
    """a^e by square-and-multiply (e >= 0; a^0 = 1)."""
    result = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    base = (np.uint32(a[0]), np.uint32(a[1]), np.uint32(a[2]), np.uint32(a[3]))
    k = np.uint64(e)
    while k > 0:
        if k & np.uint64(1):
            result = ext_mul_outlined(result, base)
        base = ext_square(base)
        k >>= np.uint64(1)
    return result


# ---------------------------------------------------------------------------------------------
# Python helpers


def ext(c0=0, c1=0, c2=0, c3=0) -> np.ndarray:
    """An element from four integers (any sign, reduced mod p)."""
    return np.array([int(c0) % P, int(c1) % P, int(c2) % P, int(c3) % P], dtype=np.uint32)


def ext_zero() -> np.ndarray:
    return np.zeros(4, dtype=np.uint32)


def ext_one() -> np.ndarray:
    return ext(1)


def as_tuple(e) -> tuple:
    """A (4,) uint32 array (or anything with four coefficients) as the njit 4-tuple form."""
    return (np.uint32(e[0]), np.uint32(e[1]), np.uint32(e[2]), np.uint32(e[3]))


def from_tuple(t) -> np.ndarray:
    """The njit 4-tuple form back to a (4,) uint32 array."""
    return np.array([int(t[0]), int(t[1]), int(t[2]), int(t[3])], dtype=np.uint32)


def check_ext(arr, what: str = "ext4 array") -> np.ndarray:
    """Return `arr` if it is a canonical uint32 array whose last axis has length 4; else InputError."""
    check_canonical(arr, what)
    if arr.ndim == 0 or arr.shape[-1] != 4:
        raise InputError(f"{what}: expected last dimension 4 (ext4 coefficients), got shape {arr.shape}")
    return arr

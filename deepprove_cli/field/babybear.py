"""BabyBear base field: the modulus, njit scalar ops on canonical uint32, and array conversions.

p = 2^31 - 2^27 + 1 = 15 * 2^27 + 1 (two-adicity 27). Every value crossing a function boundary is a
canonical `np.uint32` in [0, p). The scalar ops are tiny `@njit(inline="always")` functions meant to
be called from other kernels: numba inlines them into the caller's IR, which LLVM then vectorizes
(left to LLVM's own inliner, the same loops were measured up to 3.5x slower, unvectorized). They
widen to uint64 only where a product needs it, never to signed or float types.

`inv(0)` returns 0 (the convention of `x^(p-2)`); callers that must reject zero check it themselves.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.errors import InputError

P = 2013265921
TWO_ADICITY = 27
GENERATOR = 31  # generates the whole multiplicative group (checked in tests against p - 1 = 2^27 * 3 * 5)

_P32 = np.uint32(P)
_P64 = np.uint64(P)
_PM2 = np.uint64(P - 2)
_MU = np.uint64((1 << 62) // P)  # Barrett constant, < 2^32
_M32 = np.uint64(0xFFFFFFFF)
_S30 = np.uint64(30)
_S32 = np.uint64(32)
_TWO32 = np.uint64((1 << 32) % P)


@njit(cache=True, inline="always")
def reduce62(t):
    """t mod p for t < 2^62 (e.g. a product of two canonical elements), by Barrett reduction.

    Only 32x32->64-bit multiplies, so loops calling it vectorize (a `% p` on uint64 needs a 64-bit
    multiply-high, which AVX-512 lacks, and stays scalar: ~3.5x slower in a vector loop). The
    quotient estimate is at most 2 short (the error terms are t/2^62 + 2^30/p + 1 < 2.5), hence
    two conditional subtractions.
    """
    q = (((t >> _S30) & _M32) * _MU) >> _S32
    r = t - q * _P64
    if r >= _P64:
        r -= _P64
    if r >= _P64:
        r -= _P64
    return np.uint32(r)


@njit(cache=True, inline="always")
def reduce64(t):
    """t mod p for any uint64 t (e.g. a sum of four products): fold the high word with
    2^32 = 2^28 - 2 (mod p) into a value < 2^61, then `reduce62`. Vectorizes like `reduce62`."""
    return reduce62((t >> _S32) * _TWO32 + (t & _M32))


@njit(cache=True, inline="always")
def add(a, b):
    """a + b mod p. Kept in 32-bit lanes (the sum of two values < p < 2^31 fits): vectorized loops
    then use 16 lanes and an unsigned min for the correction instead of 8 widened 64-bit lanes."""
    s = np.uint32(np.uint32(a) + np.uint32(b))
    if s >= _P32:
        s = np.uint32(s - _P32)
    return s


@njit(cache=True, inline="always")
def sub(a, b):
    """a - b mod p, in 32-bit lanes like `add`."""
    x = np.uint32(a)
    y = np.uint32(b)
    d = np.uint32(x - y)
    if x < y:
        d = np.uint32(d + _P32)
    return d


@njit(cache=True, inline="always")
def neg(a):
    """-a mod p (0 stays 0)."""
    x = np.uint64(a)
    if x == 0:
        return np.uint32(0)
    return np.uint32(_P64 - x)


@njit(cache=True, inline="always")
def mul(a, b):
    """a * b mod p: one 62-bit product, Barrett-reduced (vectorizes inside loops)."""
    return reduce62(np.uint64(a) * np.uint64(b))


@njit(cache=True, inline="always")
def shoup(w):
    """The precomputed companion floor(w 2^32 / p) of a constant w, for `mul_shoup`."""
    return np.uint32((np.uint64(w) << _S32) // _P64)


@njit(cache=True, inline="always")
def mul_shoup(x, w, ws):
    """x * w mod p for a constant w with ws = shoup(w), any x < 2^32: three 32x32->64 multiplies.

    q = floor(x ws / 2^32) is floor(x w / p) or one less, so r = x w - q p is exact in 64 bits and
    lies in [0, 2p); one conditional subtraction. (Computing r in 64 bits rather than mod 2^32 lets
    LLVM use vpmuludq throughout: measured 25% faster NTT layers.)
    """
    q = (np.uint64(x) * np.uint64(ws)) >> _S32
    r = np.uint32(np.uint64(x) * np.uint64(w) - q * _P64)
    if r >= _P32:
        r = np.uint32(r - _P32)
    return r


@njit(cache=True)
def pow_(a, e):
    """a^e mod p by square-and-multiply; e is a non-negative integer (0^0 = 1)."""
    result = np.uint64(1)
    base = np.uint64(a)
    k = np.uint64(e)
    while k > 0:
        if k & np.uint64(1):
            result = np.uint64(reduce62(result * base))
        base = np.uint64(reduce62(base * base))
        k >>= np.uint64(1)
    return np.uint32(result)


@njit(cache=True)
def inv(a):
    """a^-1 mod p as a^(p-2); inv(0) = 0 by that same formula."""
    return pow_(a, _PM2)


# ---------------------------------------------------------------------------------------------
# Python helpers (array conversions, validation, roots of unity)


def to_field(values) -> np.ndarray:
    """Signed (or unsigned) integers -> canonical uint32 (x mod p), same shape.

    Accepts any integer array-like; Python ints of any size are reduced exactly.
    """
    arr = np.asarray(values)
    if arr.dtype == object:
        try:
            return np.array([int(v) % P for v in arr.ravel()], dtype=np.uint32).reshape(arr.shape)
        except (TypeError, ValueError):
            raise InputError("to_field: expected integers") from None
    if arr.dtype.kind not in "iub":
        raise InputError(f"to_field: expected an integer array, got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.dtype.itemsize == 8:
        return (arr % np.uint64(P)).astype(np.uint32)
    if arr.dtype.kind == "i" and arr.size and int(arr.min()) >= -(P // 2) and int(arr.max()) <= P // 2:
        # Every integer-program value: the wrap to uint32 gives 2^32 + x for x < 0, and adding
        # p (mod 2^32) makes it x + p: ~30x faster than a 64-bit modulo.
        out = arr.astype(np.uint32)
        out += (arr < 0).astype(np.uint32) * np.uint32(P)
        return out
    return np.mod(arr.astype(np.int64), P).astype(np.uint32)


def from_field(arr) -> np.ndarray:
    """Canonical uint32 -> int64 in the centered range [-(p-1)/2, (p-1)/2] (inverse of `to_field`)."""
    a = check_canonical(arr, "from_field input").astype(np.int64)
    return np.where(a > (P - 1) // 2, a - P, a)


def check_canonical(arr, what: str = "field array") -> np.ndarray:
    """Return `arr` if it is a uint32 ndarray of canonical elements; else raise InputError naming `what`."""
    if not isinstance(arr, np.ndarray):
        raise InputError(f"{what}: expected a numpy uint32 array, got {type(arr).__name__}")
    if arr.dtype != np.uint32:
        raise InputError(f"{what}: expected dtype uint32, got {arr.dtype}",
                         hint="convert integers with deepprove_cli.field.babybear.to_field")
    if arr.size and int(arr.max()) >= P:
        bad = int(np.argmax(arr.ravel() >= _P32))
        raise InputError(f"{what}: element {bad} = {int(arr.ravel()[bad])} is not canonical (>= p = {P})")
    return arr


def two_adic_root(log_n: int) -> int:
    """A primitive 2^log_n-th root of unity, consistent across sizes: root(k)^2 == root(k-1)."""
    if not isinstance(log_n, (int, np.integer)) or not 0 <= int(log_n) <= TWO_ADICITY:
        raise InputError(f"two_adic_root: log_n must be an integer in [0, {TWO_ADICITY}], got {log_n!r}")
    w = pow(GENERATOR, (P - 1) >> TWO_ADICITY, P)  # primitive 2^27-th root
    return pow(w, 1 << (TWO_ADICITY - int(log_n)), P)


def random_elements(rng: np.random.Generator, shape) -> np.ndarray:
    """Uniform canonical elements (for tests and benchmarks)."""
    return rng.integers(0, P, size=shape, dtype=np.uint32)

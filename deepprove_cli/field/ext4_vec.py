"""Vector kernels over the degree-4 extension: (n, 4) uint32 arrays, canonical in and out.

Kernels (`k_*`) take flat views (length 4n) and index `x[4*i + k]`: the constant stride lets LLVM
vectorize the Barrett-reduced `ext_mul` (see ext4). Coefficient-wise ops (add, sub, neg) are the
base-field ops of `vec` applied to the (n, 4) arrays directly (`vec.add(a, b)` works on any shape). The checked wrappers accept (n, 4) arrays (or any
(..., 4) shape) and return (n, 4) arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.errors import InputError
from deepprove_cli.field import vec
from deepprove_cli.field.babybear import P, add as _add, reduce62
from deepprove_cli.field.ext4 import check_ext, ext_inv, ext_load as _load, ext_mul, ext_mul_base, \
    ext_mul_outlined, ext_square, ext_store as _store
from deepprove_cli.field.parallel import threads_for

_S32 = np.uint64(32)
_M32 = np.uint64(0xFFFFFFFF)
CHUNK = vec.CHUNK


@njit(parallel=True, cache=True)
def k_ext_mul(a, b, out):
    """out_i = a_i * b_i (flat views of (n, 4))."""
    for i in prange(a.size // 4):
        _store(out, i, ext_mul(_load(a, i), _load(b, i)))


@njit(parallel=True, cache=True)
def k_ext_square(a, out):
    for i in prange(a.size // 4):
        _store(out, i, ext_square(_load(a, i)))


@njit(parallel=True, cache=True)
def k_ext_mul_base(a, s, out):
    """out_i = a_i * s_i for a base-field vector s (length n)."""
    for i in prange(s.size):
        _store(out, i, ext_mul_base(_load(a, i), s[np.uint64(i)]))


@njit(parallel=True, cache=True)
def k_ext_scale(a, e, out):
    """out_i = a_i * e for one extension element e (a 4-tuple)."""
    for i in prange(a.size // 4):
        _store(out, i, ext_mul(_load(a, i), e))


@njit(parallel=True, cache=True)
def k_base_scale_ext(s, e, out):
    """out_i = s_i * e: a base vector lifted by one extension element (e.g. challenge * table)."""
    for i in prange(s.size):
        _store(out, i, ext_mul_base(e, s[np.uint64(i)]))


_Z4 = (np.uint64(0), np.uint64(0), np.uint64(0), np.uint64(0))


@njit(cache=True)
def _acc4(s, m):
    """Four uint64 running sums plus four new terms (the caller bounds the overflow)."""
    return (s[0] + np.uint64(m[0]), s[1] + np.uint64(m[1]), s[2] + np.uint64(m[2]), s[3] + np.uint64(m[3]))


@njit(cache=True)
def _reduce4(s):
    return (reduce62(s[0]), reduce62(s[1]), reduce62(s[2]), reduce62(s[3]))


@njit(cache=True)
def k_ext_sum(a):
    """sum of the elements of a flat (4n,) view, n < 2^33 (canonical terms, uint64 sums), serial."""
    s = _Z4
    for i in range(a.size // 4):
        s = _acc4(s, _load(a, i))
    return _reduce4(s)


@njit(parallel=True, cache=True)
def k_ext_inner(a, b):
    """sum_i a_i b_i (both extension vectors, flat views) as a 4-tuple."""
    n = a.size // 4
    nchunks = (n + CHUNK - 1) // CHUNK
    part = np.zeros(4 * nchunks, dtype=np.uint32)
    for c in prange(nchunks):
        s = _Z4
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            s = _acc4(s, ext_mul(_load(a, i), _load(b, i)))
        _store(part, c, _reduce4(s))
    return k_ext_sum(part)


_TWO32 = np.uint64((1 << 32) % P)


@njit(cache=True)
def _fold(hi, lo):
    """(hi 2^32 + lo) mod p, coefficient-wise, for the split sums of `k_ext_inner_base`."""
    return (_add(reduce62(np.uint64(reduce62(hi[0])) * _TWO32), reduce62(lo[0])),
            _add(reduce62(np.uint64(reduce62(hi[1])) * _TWO32), reduce62(lo[1])),
            _add(reduce62(np.uint64(reduce62(hi[2])) * _TWO32), reduce62(lo[2])),
            _add(reduce62(np.uint64(reduce62(hi[3])) * _TWO32), reduce62(lo[3])))


@njit(parallel=True, cache=True)
def k_ext_inner_base(a, s):
    """sum_i a_i s_i (a extension, s base) as a 4-tuple. Each 62-bit product is split into 32-bit
    halves summed unreduced (a chunk of 2^12 keeps the sums < 2^44): multiply-adds only."""
    n = s.size
    nchunks = (n + CHUNK - 1) // CHUNK
    part = np.zeros(4 * nchunks, dtype=np.uint32)
    for c in prange(nchunks):
        hi = _Z4
        lo = _Z4
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            x = np.uint64(s[np.uint64(i)])
            e = _load(a, i)
            t = (np.uint64(e[0]) * x, np.uint64(e[1]) * x, np.uint64(e[2]) * x, np.uint64(e[3]) * x)
            hi = _acc4(hi, (t[0] >> _S32, t[1] >> _S32, t[2] >> _S32, t[3] >> _S32))
            lo = _acc4(lo, (t[0] & _M32, t[1] & _M32, t[2] & _M32, t[3] & _M32))
        _store(part, c, _fold(hi, lo))
    return k_ext_sum(part)


@njit(cache=True)
def _is_zero(x):
    return x[0] == 0 and x[1] == 0 and x[2] == 0 and x[3] == 0


@njit(parallel=True, cache=True)
def k_ext_batch_inv(a, out):
    """out_i = a_i^-1 (0 -> 0), Montgomery's trick per chunk of 2^12 (one ext_inv per chunk)."""
    n = a.size // 4
    nchunks = (n + CHUNK - 1) // CHUNK
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    zero = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(n, lo + CHUNK)
        acc = one
        for i in range(lo, hi):
            _store(out, i, acc)
            x = _load(a, i)
            if not _is_zero(x):
                acc = ext_mul_outlined(acc, x)
        acc = ext_inv(acc)
        for i in range(hi - 1, lo - 1, -1):
            x = _load(a, i)
            if _is_zero(x):
                _store(out, i, zero)
            else:
                _store(out, i, ext_mul_outlined(acc, _load(out, i)))
                acc = ext_mul_outlined(acc, x)


# --- checked Python API --------------------------------------------------------------------------

def _flat_ext(x, what: str, check: bool) -> np.ndarray:
    if check:
        check_ext(x, what)
    elif not isinstance(x, np.ndarray) or x.dtype != np.uint32 or x.ndim == 0 or x.shape[-1] != 4:
        raise InputError(f"{what}: expected a uint32 array of shape (..., 4)")
    return np.ascontiguousarray(x).reshape(-1)


def _flat_base(s, what: str, n: int, check: bool) -> np.ndarray:
    if check:
        vec.check_canonical(s, what)
    elif not isinstance(s, np.ndarray) or s.dtype != np.uint32:
        raise InputError(f"{what}: expected a numpy uint32 array")
    if s.size != n:
        raise InputError(f"{what}: {s.size} base elements for {n} extension elements")
    return np.ascontiguousarray(s).reshape(-1)


def _same(a, b, what: str) -> None:
    if a.shape != b.shape:
        raise InputError(f"{what}: shapes {a.shape} and {b.shape} differ")


def _element(e, what: str) -> tuple:
    arr = np.asarray(e, dtype=np.int64)
    if arr.shape != (4,) or (arr < 0).any() or (arr >= P).any():
        raise InputError(f"{what}: expected 4 canonical coefficients, got {e!r}")
    return tuple(np.uint32(v) for v in arr)


def mul(a, b, check: bool = True) -> np.ndarray:
    """a_i * b_i elementwise for (..., 4) arrays."""
    _same(a, b, "ext mul")
    out = np.empty(a.shape, dtype=np.uint32)
    with threads_for(out.size):
        k_ext_mul(_flat_ext(a, "a", check), _flat_ext(b, "b", check), out.reshape(-1))
    return out


def square(a, check: bool = True) -> np.ndarray:
    out = np.empty(a.shape, dtype=np.uint32)
    with threads_for(out.size):
        k_ext_square(_flat_ext(a, "a", check), out.reshape(-1))
    return out


def mul_base(a, s, check: bool = True) -> np.ndarray:
    """a_i * s_i: extension vector (n, 4) times base vector (n,)."""
    fa = _flat_ext(a, "a", check)
    fs = _flat_base(s, "s", fa.size // 4, check)
    out = np.empty(a.shape, dtype=np.uint32)
    with threads_for(out.size):
        k_ext_mul_base(fa, fs, out.reshape(-1))
    return out


def scale(a, e, check: bool = True) -> np.ndarray:
    """a_i * e for one extension element e."""
    out = np.empty(a.shape, dtype=np.uint32)
    with threads_for(out.size):
        k_ext_scale(_flat_ext(a, "a", check), _element(e, "e"), out.reshape(-1))
    return out


def lift(s, e, check: bool = True) -> np.ndarray:
    """s_i * e as an (n, 4) array: a base vector times one extension element."""
    fs = _flat_base(s, "s", np.size(s), check)
    out = np.empty((fs.size, 4), dtype=np.uint32)
    with threads_for(out.size):
        k_base_scale_ext(fs, _element(e, "e"), out.reshape(-1))
    return out


def inner(a, b, check: bool = True) -> np.ndarray:
    """sum_i a_i b_i of two extension vectors, as a (4,) array."""
    _same(a, b, "ext inner")
    with threads_for(np.size(a)):
        return np.array(k_ext_inner(_flat_ext(a, "a", check), _flat_ext(b, "b", check)), dtype=np.uint32)


def inner_base(a, s, check: bool = True) -> np.ndarray:
    """sum_i a_i s_i of an extension vector and a base vector, as a (4,) array."""
    fa = _flat_ext(a, "a", check)
    with threads_for(np.size(a)):
        return np.array(k_ext_inner_base(fa, _flat_base(s, "s", fa.size // 4, check)), dtype=np.uint32)


def sum_(a, check: bool = True) -> np.ndarray:
    """sum of the elements of an (n, 4) array, as a (4,) array."""
    with threads_for(np.size(a)):
        return np.array(k_ext_sum(_flat_ext(a, "a", check)), dtype=np.uint32)


def batch_inv(a, check: bool = True) -> np.ndarray:
    """Elementwise inverse of extension elements, zeros mapped to zero."""
    out = np.empty(a.shape, dtype=np.uint32)
    with threads_for(out.size):
        k_ext_batch_inv(_flat_ext(a, "a", check), out.reshape(-1))
    return out

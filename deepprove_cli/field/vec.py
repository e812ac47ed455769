"""Vectorized BabyBear kernels over uint32 arrays, canonical at every boundary.

Representation, decided by measurement (`/tmp`-style micro-benchmark on this 2-core AVX-512 box,
elementwise product of two canonical vectors, 2 threads, ns per element at 2^20 / 2^24):

    `(a * b) % p` on uint64 (scalar urem by constant)   0.80 / 1.62
    Montgomery (two REDCs, to come back to canonical)   0.26 / 0.52
    Barrett, canonical in and out (`babybear.reduce62`) 0.22 / 0.47   <- chosen
    numpy `(a.astype(uint64) * b) % p`                   8.0  / 6.6

Barrett on canonical values beats Montgomery because a canonical-to-canonical Montgomery product
needs a second REDC by R^2, while Barrett needs only 32x32->64 multiplies (vpmuludq) and is
exactly as vectorizable. For a product by a constant (scale, NTT twiddles) Shoup's trick
(`babybear.mul_shoup`, 0.13 ns at 2^16) beats both: one precomputed quotient, 32-bit lanes only.
So no Montgomery form is used anywhere; every array in and out is canonical uint32.

Each public function validates (dtype, canonical values, shapes; `check=False` skips the value
scan for callers that already know) and calls a `@njit(parallel=True, cache=True)` kernel on flat
views; any shape works as long as the operands agree. Kernels are also importable (`k_*`) for
use from other kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, add as _add, check_canonical, inv as _inv, mul as _mul, \
    mul_shoup, neg as _neg, pow_ as _pow, reduce62, shoup, sub as _sub
from deepprove_cli.field.parallel import threads_for

_P64 = np.uint64(P)
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO32_MOD_P = np.uint64((1 << 32) % P)

CHUNK = 1 << 12  # batch-inverse / inner-product chunk: one inversion per chunk, fits in L1


# --- kernels (flat uint32 arrays) ----------------------------------------------------------------

@njit(parallel=True, cache=True)
def k_add(a, b, out):
    for i in prange(a.size):
        out[i] = _add(a[i], b[i])


@njit(parallel=True, cache=True)
def k_sub(a, b, out):
    for i in prange(a.size):
        out[i] = _sub(a[i], b[i])


@njit(parallel=True, cache=True)
def k_neg(a, out):
    for i in prange(a.size):
        out[i] = _neg(a[i])


@njit(parallel=True, cache=True)
def k_mul(a, b, out):
    for i in prange(a.size):
        out[i] = _mul(a[i], b[i])


@njit(parallel=True, cache=True)
def k_scale(a, s, out):
    """out = s * a for a scalar s (Shoup)."""
    w = np.uint32(s)
    ws = shoup(w)
    for i in prange(a.size):
        out[i] = mul_shoup(a[i], w, ws)


@njit(parallel=True, cache=True)
def k_axpy(s, x, y, out):
    """out = s * x + y for a scalar s."""
    w = np.uint32(s)
    ws = shoup(w)
    for i in prange(x.size):
        out[i] = _add(mul_shoup(x[i], w, ws), y[i])


@njit(parallel=True, cache=True)
def k_mul_add(a, b, c, out):
    """out = a * b + c elementwise."""
    for i in prange(a.size):
        out[i] = reduce62(np.uint64(a[i]) * np.uint64(b[i]) + np.uint64(c[i]))


@njit(parallel=True, cache=True)
def k_pow(a, e, out):
    for i in prange(a.size):
        out[i] = _pow(a[i], e)


@njit(cache=True)
def _fold_hi_lo(hi, lo):
    """(hi 2^32 + lo) mod p for hi, lo < 2^63."""
    return _add(reduce62((hi % _P64) * _TWO32_MOD_P), np.uint32(lo % _P64))


@njit(parallel=True, cache=True)
def k_inner(a, b):
    """sum a_i b_i mod p. Products (< 2^62) are split into 32-bit halves summed without reduction:
    a chunk of 2^12 keeps both partial sums < 2^44, so the loop is pure multiply-add (vectorizes)."""
    n = a.size
    nchunks = (n + CHUNK - 1) // CHUNK
    part = np.zeros(nchunks, dtype=np.uint32)
    for c in prange(nchunks):
        hi = np.uint64(0)
        lo = np.uint64(0)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            k = np.uint64(i)  # unsigned: no wraparound select, the loop vectorizes
            t = np.uint64(a[k]) * np.uint64(b[k])
            hi += t >> _S32
            lo += t & _M32
        part[c] = _fold_hi_lo(hi, lo)
    acc = np.uint32(0)
    for c in range(nchunks):
        acc = _add(acc, part[c])
    return acc


@njit(parallel=True, cache=True)
def k_sum(a):
    """sum a_i mod p (chunks of 2^12 canonical values sum below 2^43)."""
    n = a.size
    nchunks = (n + CHUNK - 1) // CHUNK
    part = np.zeros(nchunks, dtype=np.uint32)
    for c in prange(nchunks):
        s = np.uint64(0)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            s += np.uint64(a[np.uint64(i)])
        part[c] = np.uint32(s % _P64)
    acc = np.uint32(0)
    for c in range(nchunks):
        acc = _add(acc, part[c])
    return acc


@njit(parallel=True, cache=True)
def k_batch_inv(a, out):
    """out_i = a_i^-1 (0 -> 0) by Montgomery's trick per chunk: 3 products per element, one
    inversion per chunk of 2^12. `out` holds the prefix products in between (no scratch)."""
    n = a.size
    nchunks = (n + CHUNK - 1) // CHUNK
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(n, lo + CHUNK)
        acc = np.uint32(1)
        for i in range(lo, hi):
            out[i] = acc  # product of the nonzero a_j, j < i
            if a[i] != 0:
                acc = _mul(acc, a[i])
        acc = _inv(acc)  # inverse of the product of all nonzero a_j in the chunk
        for i in range(hi - 1, lo - 1, -1):
            x = a[i]
            if x != 0:
                out[i] = _mul(acc, out[i])
                acc = _mul(acc, x)
            else:
                out[i] = 0


@njit(parallel=True, cache=True)
def k_copy_max(src, dst):
    """dst = src, returning max(src): a validating copy in one pass over memory."""
    n = src.size
    nchunks = (n + CHUNK - 1) // CHUNK
    part = np.zeros(max(1, nchunks), dtype=np.uint32)
    for c in prange(nchunks):
        m = np.uint32(0)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            k = np.uint64(i)
            x = src[k]
            dst[k] = x
            m = max(m, x)
        part[c] = m
    return part.max()


def canonical_copy(a, what: str) -> np.ndarray:
    """A flat private copy of a canonical uint32 array, validated in the same pass (InputError if not)."""
    if not isinstance(a, np.ndarray) or a.dtype != np.uint32:
        check_canonical(a, what)  # raises the dtype / type error
    src = np.ascontiguousarray(a).reshape(-1)
    out = np.empty(src.size, dtype=np.uint32)
    with threads_for(src.size):
        top = k_copy_max(src, out) if src.size else 0
    if top >= P:
        check_canonical(a, what)  # raises, naming the first bad element
    return out


# --- checked Python API --------------------------------------------------------------------------

def _operands(*arrays, check: bool, names: str):
    """Validate operands (uint32, canonical unless check=False, same shape); return flat views."""
    first = arrays[0]
    flat = []
    for arr, name in zip(arrays, names.split(",")):
        if check:
            check_canonical(arr, name)
        elif not isinstance(arr, np.ndarray) or arr.dtype != np.uint32:
            raise InputError(f"{name}: expected a numpy uint32 array")
        if arr.shape != first.shape:
            raise InputError(f"{name}: shape {arr.shape} differs from {first.shape}")
        flat.append(np.ascontiguousarray(arr).reshape(-1))
    return flat


def _out(out, like):
    if out is None:
        return np.empty(like.shape, dtype=np.uint32)
    if not isinstance(out, np.ndarray) or out.dtype != np.uint32 or out.shape != like.shape \
            or not out.flags.c_contiguous:
        raise InputError(f"out: expected a C-contiguous uint32 array of shape {like.shape}")
    return out


def _scalar(s, what: str) -> np.uint32:
    v = int(s)
    if not 0 <= v < P:
        raise InputError(f"{what}: scalar {v} is not a canonical field element")
    return np.uint32(v)


def _elementwise(kernel, names: str, doc: str):
    """A checked wrapper `f(*arrays, out=None, check=True)` around an elementwise kernel."""

    arity = len(names.split(","))

    def f(*arrays, out=None, check: bool = True) -> np.ndarray:
        if len(arrays) != arity:
            raise TypeError(f"expected {arity} arrays ({names}), got {len(arrays)}")
        flat = _operands(*arrays, check=check, names=names)
        o = _out(out, arrays[0])
        with threads_for(o.size):
            kernel(*flat, o.reshape(-1))
        return o

    f.__doc__ = doc
    return f


add = _elementwise(k_add, "a,b", "add(a, b, out=None, check=True): a + b mod p, elementwise.")
sub = _elementwise(k_sub, "a,b", "sub(a, b, out=None, check=True): a - b mod p, elementwise.")
neg = _elementwise(k_neg, "a", "neg(a, out=None, check=True): -a mod p, elementwise.")
mul = _elementwise(k_mul, "a,b", "mul(a, b, out=None, check=True): a * b mod p, elementwise.")
mul_add = _elementwise(k_mul_add, "a,b,c", "mul_add(a, b, c, out=None, check=True): a * b + c mod p.")


def scale(a, s, out=None, check: bool = True) -> np.ndarray:
    """s * a for a canonical scalar s."""
    (x,) = _operands(a, check=check, names="a")
    o = _out(out, a)
    with threads_for(o.size):
        k_scale(x, _scalar(s, "scale"), o.reshape(-1))
    return o


def axpy(s, x, y, out=None, check: bool = True) -> np.ndarray:
    """s * x + y for a canonical scalar s."""
    fx, fy = _operands(x, y, check=check, names="x,y")
    o = _out(out, x)
    with threads_for(o.size):
        k_axpy(_scalar(s, "axpy"), fx, fy, o.reshape(-1))
    return o


def pow_(a, e: int, out=None, check: bool = True) -> np.ndarray:
    """a^e elementwise for one exponent 0 <= e < 2^64 (0^0 = 1)."""
    if not 0 <= int(e) < 1 << 64:
        raise InputError(f"pow_: exponent {e} out of range [0, 2^64)")
    (x,) = _operands(a, check=check, names="a")
    o = _out(out, a)
    with threads_for(o.size):
        k_pow(x, np.uint64(int(e)), o.reshape(-1))
    return o


def batch_inv(a, out=None, check: bool = True) -> np.ndarray:
    """Elementwise inverse, zeros mapped to zero (Montgomery's trick)."""
    (x,) = _operands(a, check=check, names="a")
    o = _out(out, a)
    if np.may_share_memory(o, a):
        raise InputError("batch_inv: out must not alias the input")
    with threads_for(o.size):
        k_batch_inv(x, o.reshape(-1))
    return o


def inner(a, b, check: bool = True) -> int:
    """sum a_i b_i mod p."""
    x, y = _operands(a, b, check=check, names="a,b")
    with threads_for(x.size):
        return int(k_inner(x, y))


def sum_(a, check: bool = True) -> int:
    """sum a_i mod p."""
    (x,) = _operands(a, check=check, names="a")
    with threads_for(x.size):
        return int(k_sum(x))

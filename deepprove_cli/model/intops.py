"""The one definition of every integer operation of the quantized model (docs: /work/notes/intprog.md).

`dp infer` evaluates the model through these functions and nothing else, and the prover's witness
generation re-runs them, so a change here changes the statement. Everything is int64 numpy; no
floating point is ever involved (bit-exact, platform-independent).

Primitives (intprog.md numbering) and the composites built from them:

- `split(x, k)` (3): hi = floor(x / 2^k), lo = x - hi * 2^k in [0, 2^k). `round_shift` = split of
  x + 2^(k-1). `var_floor_shift` is the same with a per-row exponent (a power-of-two multiplier the
  prover pins by a lookup).
- `lookup(x, table)` (4): y = T[x], x inside the table's domain by construction.
- `row_max` (5), `divrem` (6), `argmax_first` (7).
- `mul_shift(v, m, k, s)`: round(v * m / 2^k) for a public per-channel or a per-row multiplier m,
  with v cut into two limbs at bit s when v * m would not fit the field: every intermediate stays
  below (p - 1) / 2, which `mul_shift_bound` proves for given input bounds.
- `soft_clamp(v, j, table)`: the clamp of a wide value at resolution 2^j: hi = floor(v / 2^j) goes
  through a clamp table, lo is kept, so in-range values pass unchanged and the result lies in
  [-C 2^j, C 2^j) for a table clamping to [-C, C - 1].
- `row_exponent`: the per-row exponent e of a "block floating point" row (min e with every
  floor(x / 2^e) in [-2^A, 2^A)): lets RMS/LayerNorm handle rows whose scale varies by 2^12 (the
  massive activations of real models) without any value exceeding the field.
"""

from __future__ import annotations

import numpy as np

P = 2013265921
P_HALF = (P - 1) // 2  # every intermediate v must satisfy |v| <= P_HALF (no wrap in the field)

_POW2 = np.array([1 << i for i in range(63)], dtype=np.int64)


class IntegrityError(AssertionError):
    """An integer op received a value its bounds rule out: a bug in the quantizer's bound analysis."""


def as_int(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


# --- (3) split and its variants --------------------------------------------------------------------

def split(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) with x = hi * 2^k + lo, 0 <= lo < 2^k (arithmetic shift = floor division)."""
    x = as_int(x)
    if k == 0:
        return x, np.zeros_like(x)
    hi = x >> k
    return hi, x - (hi << k)


def floor_shift(x: np.ndarray, k: int) -> np.ndarray:
    return as_int(x) >> k


def round_shift(x: np.ndarray, k) -> np.ndarray:
    """floor((x + 2^(k-1)) / 2^k): rounding to nearest, ties up; the identity for k = 0. `k` may be
    an array broadcasting against x (a per-row shift, all >= 1)."""
    x = as_int(x)
    if np.ndim(k):
        k = as_int(k)
        if k.size and k.min() < 1:
            raise ValueError("per-row round shifts must be >= 1")
        return (x + np.left_shift(np.int64(1), k - 1)) >> k
    if k == 0:
        return x
    return (x + (1 << (k - 1))) >> k


def var_floor_shift(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """floor(x / 2^shift) with a per-row shift (negative: an exact left shift). `shift` broadcasts
    against x's leading axes (one value per row)."""
    x = as_int(x)
    sh = as_int(shift)[..., None]
    right = np.maximum(sh, 0)
    left = np.maximum(-sh, 0)
    return (x >> right) << left


# --- (4) lookups ------------------------------------------------------------------------------------

def lookup(x: np.ndarray, values: np.ndarray, lo: int) -> np.ndarray:
    """values[x - lo]; every x must lie in the table's domain [lo, lo + len(values))."""
    idx = as_int(x) - lo
    if idx.size and (idx.min() < 0 or idx.max() >= values.shape[0]):
        raise IntegrityError(f"lookup index outside the table domain [{lo}, {lo + values.shape[0]})")
    return values[idx]


# --- composites on splits and multipliers --------------------------------------------------------

def mul_shift(v: np.ndarray, m: np.ndarray, k, s: int = 0) -> np.ndarray:
    """round(v * m / 2^k), computed in two limbs of v when s > 0:
    v = vh 2^s + vl, t = vh m + round(vl m / 2^s), result = round(t / 2^(k - s)).
    m is a public per-channel vector (broadcast over the last axis) or a per-row multiplier; k may be
    a per-row shift (an array broadcasting against v)."""
    v = as_int(v)
    m = as_int(m)
    if s == 0:
        return round_shift(v * m, k)
    if np.any(np.asarray(k) < s):
        raise ValueError("mul_shift needs k >= s")
    vh, vl = split(v, s)
    t = vh * m + round_shift(vl * m, s)
    return round_shift(t, k - s)


def mul_shift_bound(v_bound: int, m_bound: int, k: int, s: int = 0) -> tuple[int, int]:
    """(largest intermediate magnitude, output bound) of `mul_shift` for |v| <= v_bound, |m| <= m_bound."""
    if s == 0:
        inter = v_bound * m_bound + (1 << max(k - 1, 0))
        return inter, (inter >> k) + 1
    vh = (v_bound >> s) + 1
    low = ((1 << s) - 1) * m_bound + (1 << (s - 1))
    t = vh * m_bound + (low >> s) + 1
    inter = max(vh * m_bound, low, t + (1 << max(k - s - 1, 0)))
    return inter, (t >> (k - s)) + 1


def choose_limb(v_bound: int, m_bound: int, k: int, limit: int = P_HALF) -> int | None:
    """The smallest limb cut s (0 = none) for which mul_shift(v, m, k, s) stays within `limit`."""
    for s in range(0, k + 1):
        if s and s > 16:
            break
        inter, _ = mul_shift_bound(v_bound, m_bound, k, s)
        if inter <= limit:
            return s
    return None


def soft_clamp(v: np.ndarray, j: int, values: np.ndarray, lo: int) -> np.ndarray:
    """T(floor(v / 2^j)) * 2^j + (v mod 2^j) for a clamp table T: identity in range, bounded outside."""
    hi, low = split(v, j)
    return (lookup(hi, values, lo) << j) + low


# --- per-row block floating point ---------------------------------------------------------------------

def bitlen(x: np.ndarray) -> np.ndarray:
    """Number of bits of non-negative integers (0 for 0), by exact comparison with powers of two."""
    x = as_int(x)
    if x.size and x.min() < 0:
        raise ValueError("bitlen of a negative number")
    return np.searchsorted(_POW2, x, side="right").astype(np.int64)


def row_exponent(x: np.ndarray, a_bits: int, e_min: int) -> np.ndarray:
    """Per row (last axis), the smallest e >= e_min with floor(x / 2^e) in [-2^A, 2^A) for every x.

    x < 2^(A+e) needs A + e >= bitlen(max x) when max x > 0; x >= -2^(A+e) needs A + e >=
    bitlen(-min x - 1) when min x < 0. With e_min = -(A+1) only an all-zero row stays at e_min.
    Pinned in the proof by the range check on floor(x / 2^e) and, when e > e_min, by one entry with
    floor(x / 2^e) outside [-2^(A-1), 2^(A-1)) (else e - 1 would do)."""
    x = as_int(x)
    top, bottom = x.max(axis=-1), x.min(axis=-1)
    need_hi = np.where(top > 0, bitlen(np.maximum(top, 0)) - a_bits, e_min)
    need_lo = np.where(bottom < 0, bitlen(np.maximum(-bottom - 1, 0)) - a_bits, e_min)
    return np.maximum(np.maximum(need_hi, need_lo), e_min)


def even_exponent16(v: np.ndarray) -> np.ndarray:
    """For non-negative v < 2^30, the smallest even f >= 0 with v < 2^(16 + f): h = v >> f then has
    16 significant bits at most and at least 15 when f > 0 (v >= 2^(14 + f))."""
    b = bitlen(v)
    f = np.maximum(b - 16, 0)
    return f + (f & 1)


# --- (5) row max, (6) divrem, (7) argmax ---------------------------------------------------------------

def row_max(x: np.ndarray, mask: np.ndarray | None = None, fill: int = 0) -> np.ndarray:
    """Max over the last axis of the unmasked entries (rows with nothing unmasked give `fill`)."""
    x = as_int(x)
    if mask is None:
        return x.max(axis=-1)
    lowest = np.iinfo(np.int64).min
    m = np.where(mask, x, lowest).max(axis=-1)
    return np.where(m == lowest, fill, m)


def divrem(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """q = floor(a / b), r = a - q b in [0, b), for b > 0."""
    a = as_int(a)
    b = as_int(b)
    if b.size and b.min() <= 0:
        raise IntegrityError("divrem by a non-positive divisor")
    q = a // b
    return q, a - q * b


def row_mean_floor(x: np.ndarray) -> np.ndarray:
    """floor(sum of the last axis / its length), exactly (LayerNorm's mean)."""
    x = as_int(x)
    return x.sum(axis=-1) // np.int64(x.shape[-1])


def argmax_first(x: np.ndarray) -> np.ndarray:
    """The first index of the maximum along the last axis (numpy's argmax is first-index already)."""
    return np.argmax(as_int(x), axis=-1).astype(np.int64)


# --- (1) exact linear algebra -----------------------------------------------------------------------

F64_EXACT = 1 << 53


def exact_einsum(spec: str, a: np.ndarray, b: np.ndarray, bound: int) -> np.ndarray:
    """einsum of integer tensors through float64 BLAS: exact because every partial sum is at most
    `bound` = max sum of |a||b| over the contraction (< 2^53, checked), then rounded back to int64."""
    if bound >= F64_EXACT:
        raise IntegrityError("einsum bound too large for exact float64 accumulation")
    af = a if a.dtype == np.float64 else a.astype(np.float64)
    bf = b if b.dtype == np.float64 else b.astype(np.float64)
    return np.einsum(spec, af, bf, optimize=True).astype(np.int64)

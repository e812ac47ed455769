"""Slow, obviously correct references for the multilinear kernels, on Python ints (tests only).

Tables are lists: base entries are ints, extension entries 4-tuples of ints. Every function follows
the definition in docs/ARCHITECTURE.md (little-endian variables: x_j = bit j of the index).
"""

from __future__ import annotations

from itertools import product

from deepprove_cli.field.reference import P, ext_add, ext_mul, ext_mul_base, ext_sub

ONE = (1, 0, 0, 0)
ZERO = (0, 0, 0, 0)


def as_ext(v):
    """A base int or an extension 4-tuple, as a 4-tuple."""
    if isinstance(v, (tuple, list)):
        return tuple(int(x) % P for x in v)
    return (int(v) % P, 0, 0, 0)


def eq_at(r, x):
    """eq(r, x) = prod_j (r_j x_j + (1 - r_j)(1 - x_j)), r and x lists of field elements."""
    acc = ONE
    for rj, xj in zip(r, x):
        rj, xj = as_ext(rj), as_ext(xj)
        one_minus = ext_sub(ONE, rj)
        term = ext_add(ext_mul(rj, xj), ext_mul(one_minus, ext_sub(ONE, xj)))
        acc = ext_mul(acc, term)
    return acc


def bits(i: int, n: int) -> list[int]:
    return [(i >> j) & 1 for j in range(n)]


def eq_table(point):
    """[eq(point, bits(i)) for i < 2^n], straight from the product formula."""
    n = len(point)
    return [eq_at(point, bits(i, n)) for i in range(1 << n)]


def evaluate(table, point):
    """sum_i table[i] * eq(point, bits(i)): the multilinear extension at `point`."""
    n = len(point)
    assert len(table) == 1 << n
    acc = ZERO
    for i, v in enumerate(table):
        acc = ext_add(acc, ext_mul(as_ext(v), eq_at(point, bits(i, n))))
    return acc


def fix_first_variable(table, r):
    """t'[i] = t[2i] + r (t[2i+1] - t[2i])."""
    r = as_ext(r)
    out = []
    for i in range(len(table) // 2):
        a, b = as_ext(table[2 * i]), as_ext(table[2 * i + 1])
        out.append(ext_add(a, ext_mul(r, ext_sub(b, a))))
    return out


def fix_last_variable(table, r):
    """t'[i] = t[i] + r (t[i + h] - t[i]), h = len/2: binds the highest variable x_{n-1}."""
    r = as_ext(r)
    h = len(table) // 2
    return [ext_add(as_ext(table[i]), ext_mul(r, ext_sub(as_ext(table[i + h]), as_ext(table[i])))) for i in range(h)]


def weighted_product_sum(weights, tables):
    """sum_x weights[x] * prod_j tables[j][x]."""
    acc = ZERO
    for x in range(len(weights)):
        term = as_ext(weights[x])
        for t in tables:
            term = ext_mul(term, as_ext(t[x]))
        acc = ext_add(acc, term)
    return acc


def pad_tensor(nested, shape, zero=0):
    """Pad each dimension of a row-major tensor (flat list `nested` of `shape`) to a power of two.

    Returns the flat padded list and the number of variables per dimension.
    """
    padded = [1 << max(0, (d - 1).bit_length()) for d in shape]
    out = []
    strides = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    for idx in product(*[range(d) for d in padded]):
        if all(i < d for i, d in zip(idx, shape)):
            out.append(nested[sum(i * s for i, s in zip(idx, strides))])
        else:
            out.append(zero)
    return out, [(d.bit_length() - 1) for d in padded]


def interpolate(evals, x):
    """The polynomial of degree < len(evals) through (t, evals[t]), t = 0, 1, ..., evaluated at x."""
    x = as_ext(x)
    m = len(evals)
    acc = ZERO
    for t in range(m):
        num, den = ONE, 1
        for s in range(m):
            if s != t:
                num = ext_mul(num, ext_sub(x, as_ext(s)))
                den = den * (t - s) % P
        acc = ext_add(acc, ext_mul(as_ext(evals[t]), ext_mul_base(num, pow(den, P - 2, P))))
    return acc

"""Slow, obviously correct references for the Basefold kernels, on Python ints (tests only).

Straight from the definitions: the Moebius transform as the monomial expansion, the codeword as
the univariate polynomial evaluated point by point on the bit-reversed subgroup, the fold as the
FRI formula with an explicit division. Base entries are ints, extension entries 4-tuples.
"""

from __future__ import annotations

from deepprove_cli.field.reference import (P, bit_reverse_index, ext_add, ext_mul, ext_mul_base, ext_sub, inv,
                                           root_of_unity)
from deepprove_cli.poly.reference import ZERO, as_ext, eq_at

ONE = (1, 0, 0, 0)


def moebius(evals):
    """Monomial coefficients c of the multilinear f with f(bits(i)) = evals[i]: c_S = sum_{T <= S} (-1)^{|S-T|} f(T)."""
    n = len(evals)
    out = []
    for s in range(n):
        acc = ZERO
        for t in range(n):
            if t & s == t:
                v = as_ext(evals[t])
                acc = ext_add(acc, v) if bin(s ^ t).count("1") % 2 == 0 else ext_sub(acc, v)
        out.append(acc)
    return out


def domain_point(log_len: int, pos: int) -> int:
    """The evaluation point of codeword position pos: w^rev(pos), w the primitive 2^log_len-th root."""
    return pow(root_of_unity(1 << log_len), bit_reverse_index(pos, log_len), P) if log_len else 1


def univariate(coeffs, x):
    """sum_i coeffs[i] x^i (x base or ext)."""
    x = as_ext(x)
    acc, xp = ZERO, ONE
    for c in coeffs:
        acc = ext_add(acc, ext_mul(as_ext(c), xp))
        xp = ext_mul(xp, x)
    return acc


def encode(evals, rate_bits: int):
    """The Reed-Solomon codeword of a multilinear table: its monomial coefficients as a univariate
    polynomial, evaluated at every position of the bit-reversed subgroup of size len * 2^rate_bits."""
    coeffs = moebius(evals)
    log_len = (len(evals) << rate_bits).bit_length() - 1
    return [univariate(coeffs, domain_point(log_len, q)) for q in range(1 << log_len)]


def fold(codeword, r):
    """F'(x^2) = (F(x) + F(-x))/2 + r (F(x) - F(-x))/(2x), positions 2i and 2i+1 holding x and -x."""
    log_len = len(codeword).bit_length() - 1
    r = as_ext(r)
    half = inv(2)
    out = []
    for i in range(len(codeword) // 2):
        a, b = as_ext(codeword[2 * i]), as_ext(codeword[2 * i + 1])
        x = domain_point(log_len, 2 * i)
        even = ext_mul_base(ext_add(a, b), half)
        odd = ext_mul_base(ext_sub(a, b), inv(2 * x % P))
        out.append(ext_add(even, ext_mul(r, odd)))
    return out


def combine(tables, coeffs):
    """sum_k coeffs[k] tables[k], entrywise."""
    out = []
    for i in range(len(tables[0])):
        acc = ZERO
        for t, c in zip(tables, coeffs):
            acc = ext_add(acc, ext_mul(as_ext(c), as_ext(t[i])))
        out.append(acc)
    return out


def monomial_eval(coeffs, point):
    """The multilinear polynomial with monomial coefficients `coeffs` at `point`: sum_S c_S prod_{j in S} z_j."""
    acc = ZERO
    for s, c in enumerate(coeffs):
        term = as_ext(c)
        for j, z in enumerate(point):
            if s >> j & 1:
                term = ext_mul(term, as_ext(z))
        acc = ext_add(acc, term)
    return acc


def gruen_sums(table, eq_rest):
    """(q(0), q(1)) with q(X) = sum_i table[2i + X] eq_rest[i]."""
    q = [ZERO, ZERO]
    for i, e in enumerate(eq_rest):
        for b in (0, 1):
            q[b] = ext_add(q[b], ext_mul(as_ext(table[2 * i + b]), as_ext(e)))
    return tuple(q)


def claim_sums(table, prefix, suffix):
    """(q(0), q(1)) with q(X) = sum_{b, y} eq(prefix, b) eq(suffix, y) table[b + X 2^p + y 2^(p+1)]
    (p = len(prefix)): a point-reduction round's sums for one claim, from the definition."""
    p = len(prefix)
    q = [ZERO, ZERO]
    for i, v in enumerate(table):
        b, x, y = i & ((1 << p) - 1), (i >> p) & 1, i >> (p + 1)
        w = ext_mul(eq_at(prefix, [(b >> j) & 1 for j in range(p)]),
                    eq_at(suffix, [(y >> j) & 1 for j in range(len(suffix))]))
        q[x] = ext_add(q[x], ext_mul(w, as_ext(v)))
    return tuple(q)


def quadratic_at(h0, h1, h2, x):
    """The polynomial of degree <= 2 through (0, h0), (1, h1), (2, h2), at x (Lagrange)."""
    x = as_ext(x)
    xm1 = ext_sub(x, ONE)
    xm2 = ext_sub(x, (2, 0, 0, 0))
    half = inv(2)
    t0 = ext_mul_base(ext_mul(xm1, xm2), half)
    t1 = ext_sub(ZERO, ext_mul(x, xm2))
    t2 = ext_mul_base(ext_mul(x, xm1), half)
    return ext_add(ext_add(ext_mul(t0, as_ext(h0)), ext_mul(t1, as_ext(h1))), ext_mul(t2, as_ext(h2)))


def eq1(z, s):
    """eq(z, s) for one coordinate."""
    return eq_at([z], [s])

"""Slow, obviously correct references for the lookup kernels, on Python ints (tests only).

Extension elements are 4-tuples of ints; tables are lists. Each function follows the definition in
the docstring of the module it checks, with no tricks.
"""

from __future__ import annotations

from deepprove_cli.field.reference import P, ext_add, ext_inv, ext_mul, ext_sub
from deepprove_cli.poly import reference as poly_ref

as_ext = poly_ref.as_ext
ZERO = poly_ref.ZERO


def multiplicities(start: int, size: int, inputs) -> list[int]:
    """m[j] = how many of the integer inputs equal start + j (every input must be in the domain)."""
    m = [0] * size
    for x in inputs:
        j = int(x) - start
        assert 0 <= j < size, "input outside the domain"
        m[j] += 1
    return m


def combine(p0, q0, p1, q1):
    """p0/q0 + p1/q1 as the unreduced fraction (p0 q1 + p1 q0, q0 q1)."""
    return ext_add(ext_mul(p0, q1), ext_mul(p1, q0)), ext_mul(q0, q1)


def fraction_layers(p, q):
    """All layers of a fraction tree, leaves first, root last: entry i of a layer combines entries i and
    i + h of the layer below (h = half its length)."""
    layers = [([as_ext(v) for v in p], [as_ext(v) for v in q])]
    while len(layers[-1][0]) > 1:
        lp, lq = layers[-1]
        h = len(lp) // 2
        pairs = [combine(lp[i], lq[i], lp[i + h], lq[i + h]) for i in range(h)]
        layers.append(([a for a, _ in pairs], [b for _, b in pairs]))
    return layers


def fraction_sum(p, q):
    """sum_i p_i / q_i directly, by field inversion."""
    acc = ZERO
    for a, b in zip(p, q):
        acc = ext_add(acc, ext_mul(as_ext(a), ext_inv(as_ext(b))))
    return acc


def layer_round(a0, a1, b0, b1, rho, rs):
    """The round-j sums (Sa(0), Sb(0), Sa(2), Sb(2)), j = len(rs), of the layer sumcheck with
    F = (A0 B1 + A1 B0, B0 B1) and weights eq(rho_>j, .), after binding the first j variables to rs."""
    tabs = [[as_ext(v) for v in t] for t in (a0, a1, b0, b1)]
    for r in rs:
        tabs = [poly_ref.fix_first_variable(t, r) for t in tabs]
    k = len(rho)
    j = len(rs)
    weights = poly_ref.eq_table(list(rho[j + 1:]))
    out = []
    for x in (0, 2):
        sa, sb = ZERO, ZERO
        for i, e in enumerate(weights):
            v = [ext_add(t[2 * i], ext_mul(as_ext(x), ext_sub(t[2 * i + 1], t[2 * i]))) for t in tabs]
            sa = ext_add(sa, ext_mul(e, ext_add(ext_mul(v[0], v[3]), ext_mul(v[1], v[2]))))
            sb = ext_add(sb, ext_mul(e, ext_mul(v[2], v[3])))
        out += [sa, sb]
    assert len(weights) == 1 << (k - j - 1)
    return out


def logup_sides(rows, table_rows, mult, alpha, beta):
    """(sum_i 1/(alpha - w_i), sum_j m_j/(alpha - t_j)) with w = x + beta y + ... for rows of ints."""

    def fold(row):
        acc, pw = ZERO, (1, 0, 0, 0)
        for v in row:
            acc = ext_add(acc, ext_mul(pw, as_ext(int(v) % P)))
            pw = ext_mul(pw, as_ext(beta))
        return acc

    left = fraction_sum([1] * len(rows), [ext_sub(as_ext(alpha), fold(r)) for r in rows])
    right = fraction_sum(list(mult), [ext_sub(as_ext(alpha), fold(r)) for r in table_rows])
    return left, right


evaluate = poly_ref.evaluate

"""The verifier's kernels and the scalar helpers against the pure-Python references."""

import numpy as np

from deepprove_cli.field.babybear import P, two_adic_root
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.pcs.basefold import scalars as S
from deepprove_cli.pcs.basefold import verifier_kernels as V
from deepprove_cli.poly import reference as PR

from .helpers import one, rand, tup


def test_monomial_and_eq_eval(rng):
    coeffs = rand(rng, (8, 4))
    pt = rand(rng, (3, 4))
    assert one(V.monomial_eval(coeffs, pt)) == R.monomial_eval(tup(coeffs), tup(pt))
    a, b = rand(rng, (5, 4)), rand(rng, (5, 4))
    assert one(V.eq_eval(a, b)) == PR.eq_at(tup(a), tup(b))
    assert one(V.eq_eval(a[:0], b[:0])) == (1, 0, 0, 0)


def test_final_values(rng):
    coeffs = rand(rng, (4, 4))
    L = 6
    pos = np.array([0, 1, 17, 63], dtype=np.int64)
    out = np.empty((4, 4), dtype=np.uint32)
    V.k_final_values(coeffs, pos, L, np.uint32(two_adic_root(L)), out)
    assert tup(out) == [R.univariate(tup(coeffs), R.domain_point(L, int(p))) for p in pos]


def test_fold_queries_and_inject(rng):
    """Folding windows of a codeword gives the reference fold at the windows' positions."""
    L, W = 6, 8
    cw = rand(rng, (1 << L, 4))
    ch = rand(rng, 4)
    folded = R.fold(tup(cw), one(ch))
    starts = np.array([0, 16, 56], dtype=np.int64)
    vals = np.stack([cw[s:s + W] for s in starts])
    out = np.empty((3, W // 2, 4), dtype=np.uint32)
    V.k_fold_queries(vals, starts, L, np.uint32(pow(two_adic_root(L), P - 2, P)),
                     tuple(np.uint32(v) for v in ch), out)
    for q, s in enumerate(starts):
        assert tup(out[q]) == folded[s // 2:s // 2 + W // 2]
    rows = rand(rng, (3, 2, 16))
    sel = np.array([1], dtype=np.int64)
    coeffs = rand(rng, (1, 4))
    offset = np.array([0, 4, 8], dtype=np.int64)
    before = vals.copy()
    V.k_inject(vals, rows, sel, coeffs, offset)
    for q in range(3):
        for t in range(W):
            add = R.ext_mul_base(one(coeffs[0]), int(rows[q, 1, offset[q] + t]))
            assert one(vals[q, t]) == R.ext_add(one(before[q, t]), add)


def test_scalars(rng):
    h0, h1, h2, x, z, s = (rand(rng, 4) for _ in range(6))
    assert one(S.quadratic_at(h0, h1, h2, x)) == R.quadratic_at(one(h0), one(h1), one(h2), one(x))
    assert one(S.eq1(z, s)) == R.eq1(one(z), one(s))
    # Gruen: h(X) = E eq(z, X) q(X) has h(0) + h(1) = E ((1 - z) q(0) + z q(1)), and h(2) as sent
    e, q0, q1 = (rand(rng, 4) for _ in range(3))
    h = S.gruen_round(e, z, q0, q1)
    q = lambda t: R.ext_add(one(q0), R.ext_mul(t, R.ext_sub(one(q1), one(q0))))  # noqa: E731
    full = lambda t: R.ext_mul(one(e), R.ext_mul(R.eq1(one(z), t), q(t)))  # noqa: E731
    assert one(h[0]) == full((0, 0, 0, 0)) and one(h[1]) == full((2, 0, 0, 0))


def test_mle_eval(rng):
    """The recombination of a split claim's chunk values: the MLE of the values at z_high."""
    for b in (0, 1, 3):
        vals = rand(rng, (1 << b, 4))
        pt = rand(rng, (b, 4))
        assert one(V.mle_eval(vals, pt)) == PR.evaluate(tup(vals), tup(pt))


def test_batched_scalars(rng):
    """gruen_sum and eq1_scale: the per-claim helpers, a column's claims at once."""
    w, z = rand(rng, (3, 4)), rand(rng, (3, 4))
    q = rand(rng, (3, 2, 4))
    want = np.zeros((2, 4), dtype=np.uint32)
    for i in range(3):
        h = S.gruen_round(w[i], z[i], q[i, 0], q[i, 1])
        want = np.stack([S.eadd(want[0], h[0]), S.eadd(want[1], h[1])])
    assert np.array_equal(S.gruen_sum(w, z, q), want)
    r = rand(rng, 4)
    assert tup(S.eq1_scale(w, z, r)) == [one(S.emul(w[i], S.eq1(z[i], r))) for i in range(3)]

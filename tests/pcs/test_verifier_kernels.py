"""The verifier's kernels and the scalar helpers against the pure-Python references."""

import numpy as np

from deepprove_cli.field.babybear import P, two_adic_root
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.pcs.basefold import scalars as S
from deepprove_cli.pcs.basefold import verifier_kernels as V
from deepprove_cli.poly import reference as PR


def _rand(rng, shape):
    return rng.integers(0, P, size=shape, dtype=np.uint32)


def _tup(a):
    return [tuple(int(v) for v in row) for row in np.asarray(a).reshape(-1, 4)]


def _one(a):
    return tuple(int(v) for v in a)


def test_monomial_and_eq_eval(rng):
    coeffs = _rand(rng, (8, 4))
    pt = _rand(rng, (3, 4))
    assert _one(V.monomial_eval(coeffs, pt)) == R.monomial_eval(_tup(coeffs), _tup(pt))
    a, b = _rand(rng, (5, 4)), _rand(rng, (5, 4))
    assert _one(V.eq_eval(a, b)) == PR.eq_at(_tup(a), _tup(b))
    assert _one(V.eq_eval(a[:0], b[:0])) == (1, 0, 0, 0)


def test_final_values(rng):
    coeffs = _rand(rng, (4, 4))
    L = 6
    pos = np.array([0, 1, 17, 63], dtype=np.int64)
    out = np.empty((4, 4), dtype=np.uint32)
    V.k_final_values(coeffs, pos, L, np.uint32(two_adic_root(L)), out)
    assert _tup(out) == [R.univariate(_tup(coeffs), R.domain_point(L, int(p))) for p in pos]


def test_fold_queries_and_inject(rng):
    """Folding windows of a codeword gives the reference fold at the windows' positions."""
    L, W = 6, 8
    cw = _rand(rng, (1 << L, 4))
    ch = _rand(rng, 4)
    folded = R.fold(_tup(cw), _one(ch))
    starts = np.array([0, 16, 56], dtype=np.int64)
    vals = np.stack([cw[s:s + W] for s in starts])
    out = np.empty((3, W // 2, 4), dtype=np.uint32)
    V.k_fold_queries(vals, starts, L, np.uint32(pow(two_adic_root(L), P - 2, P)),
                     tuple(np.uint32(v) for v in ch), out)
    for q, s in enumerate(starts):
        assert _tup(out[q]) == folded[s // 2:s // 2 + W // 2]
    rows = _rand(rng, (3, 2, 16))
    sel = np.array([1], dtype=np.int64)
    coeffs = _rand(rng, (1, 4))
    offset = np.array([0, 4, 8], dtype=np.int64)
    before = vals.copy()
    V.k_inject(vals, rows, sel, coeffs, offset)
    for q in range(3):
        for t in range(W):
            add = R.ext_mul_base(_one(coeffs[0]), int(rows[q, 1, offset[q] + t]))
            assert _one(vals[q, t]) == R.ext_add(_one(before[q, t]), add)


def test_scalars(rng):
    h0, h1, h2, x, z, s = (_rand(rng, 4) for _ in range(6))
    assert _one(S.quadratic_at(h0, h1, h2, x)) == R.quadratic_at(_one(h0), _one(h1), _one(h2), _one(x))
    assert _one(S.eq1(z, s)) == R.eq1(_one(z), _one(s))
    assert _tup(S.powers(x, 3)) == [(1, 0, 0, 0), _one(x), R.ext_mul(_one(x), _one(x))]
    # Gruen: h(X) = E eq(z, X) q(X) has h(0) + h(1) = E ((1 - z) q(0) + z q(1)), and h(2) as sent
    e, q0, q1 = (_rand(rng, 4) for _ in range(3))
    h = S.gruen_round(e, z, q0, q1)
    q = lambda t: R.ext_add(_one(q0), R.ext_mul(t, R.ext_sub(_one(q1), _one(q0))))  # noqa: E731
    full = lambda t: R.ext_mul(_one(e), R.ext_mul(R.eq1(_one(z), t), q(t)))  # noqa: E731
    assert _one(h[0]) == full((0, 0, 0, 0)) and _one(h[1]) == full((2, 0, 0, 0))

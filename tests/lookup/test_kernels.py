"""Prover kernels against the pure-Python references: tree layers, leaf building, layer rounds."""
import numpy as np
import pytest

from deepprove_cli.field.reference import P, ext_sub
from deepprove_cli.lookup import layer_kernels as K
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup.tree import BaseLeaves, ExtLeaves, FractionTree, alpha_minus_scaled
from deepprove_cli.poly.eq import eq_table


def _ext(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def _rows(a):
    return [tuple(int(v) for v in r) for r in a] if a.ndim == 2 else [int(v) for v in a]


def _t(e):
    return tuple(np.uint32(v) for v in e)


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_tree_ext_leaves(rng, depth):
    p, q = _ext(rng, 1 << depth), _ext(rng, 1 << depth)
    tree = FractionTree(ExtLeaves(p, q))
    layers = ref.fraction_layers(_rows(p), _rows(q))
    for k in range(1, depth):
        lp, lq = layers[depth - k]
        assert _rows(tree.layers[k][0]) == lp and _rows(tree.layers[k][1]) == lq
    l1p, l1q = layers[depth - 1]
    assert _rows(tree.layer_one()) == [l1p[0], l1p[1], l1q[0], l1q[1]]


@pytest.mark.parametrize("depth", [1, 2, 6])
def test_tree_base_leaves(rng, depth):
    n = 1 << depth
    p = rng.integers(0, P, size=n, dtype=np.uint32)
    p[: n // 3] = 1
    w = rng.integers(0, P, size=n, dtype=np.uint32)
    alpha = _ext(rng, 1)[0]
    tree = FractionTree(BaseLeaves(p, w, alpha))
    q = [ext_sub(tuple(int(v) for v in alpha), (int(x), 0, 0, 0)) for x in w]
    layers = ref.fraction_layers(_rows(p), q)
    for k in range(1, depth):
        lp, lq = layers[depth - k]
        assert _rows(tree.layers[k][0]) == lp and _rows(tree.layers[k][1]) == lq
    l1p, l1q = layers[depth - 1]
    assert _rows(tree.layer_one()) == [l1p[0], l1p[1], l1q[0], l1q[1]]


def test_tree_root_is_fraction_sum(rng):
    p, q = _ext(rng, 16), _ext(rng, 16)
    l1 = _rows(FractionTree(ExtLeaves(p, q)).layer_one())
    num, den = ref.combine(l1[0], l1[2], l1[1], l1[3])
    from deepprove_cli.field.reference import ext_inv, ext_mul
    assert ext_mul(num, ext_inv(den)) == ref.fraction_sum(_rows(p), _rows(q))


def test_alpha_minus_scaled(rng):
    cols = [rng.integers(0, P, size=9, dtype=np.uint32) for _ in range(3)]
    coeffs = _ext(rng, 3)
    alpha = _ext(rng, 1)[0]
    out = np.empty((9, 4), dtype=np.uint32)
    for c in range(3):
        alpha_minus_scaled(out.reshape(-1), cols[c], _t(coeffs[c]), _t(alpha), c == 0)
    from deepprove_cli.field.reference import ext_mul_base
    for i in range(9):
        want = _t(alpha)
        want = tuple(int(v) for v in want)
        for c in range(3):
            want = ext_sub(want, ext_mul_base(tuple(int(v) for v in coeffs[c]), int(cols[c][i])))
        assert tuple(int(v) for v in out[i]) == want


def _round_tables(rng, k, base):
    """Four tables of 2^k entries (the halves of a next layer) as (kernel inputs, reference lists)."""
    if base:
        p = rng.integers(0, P, size=2 << k, dtype=np.uint32)
        w = rng.integers(0, P, size=2 << k, dtype=np.uint32)
        alpha = _ext(rng, 1)[0]
        h = 1 << k
        q = [ext_sub(tuple(int(v) for v in alpha), (int(x), 0, 0, 0)) for x in w]
        refs = [_rows(p[:h]), _rows(p[h:]), q[:h], q[h:]]
        return BaseLeaves(p, w, alpha), refs
    tabs = [_ext(rng, 1 << k) for _ in range(4)]
    return tabs, [_rows(t) for t in tabs]


@pytest.mark.parametrize("k", [1, 2, 4, 7])
@pytest.mark.parametrize("base", [False, True])
def test_layer_rounds_match_reference(rng, k, base):
    """Every round of one layer (round 0 and the fused fold+round kernels) against layer_round."""
    from deepprove_cli.lookup.gkr_prover import _LayerTables

    src, refs = _round_tables(rng, k, base)
    if not base:
        p = np.concatenate([src[0], src[1]])
        q = np.concatenate([src[2], src[3]])
        src = (p, q)
    rho = _ext(rng, k)
    rs = _ext(rng, k)
    state = _LayerTables(src, k)
    eq = eq_table(rho[1:])
    r_prev = None
    for j in range(k):
        if j:
            nxt = np.empty((eq.shape[0] // 2, 4), dtype=np.uint32)
            K.eq_pair_sums(eq.reshape(-1), nxt.reshape(-1))
            eq = nxt
        got = state.round(r_prev, eq)
        want = ref.layer_round(*refs, _rows(rho), _rows(rs[:j]))
        assert _rows(got) == want, j
        r_prev = rs[j]
    fin = state.finish(r_prev)
    want = [ref.evaluate(t, _rows(rs)) for t in refs]
    assert _rows(fin) == want


def test_eq_pair_sums(rng):
    rho = _ext(rng, 5)
    full = eq_table(rho)
    out = np.empty((16, 4), dtype=np.uint32)
    K.eq_pair_sums(full.reshape(-1), out.reshape(-1))
    assert _rows(out) == _rows(eq_table(rho[1:]))


@pytest.mark.parametrize("pairs", [1, 5, 2048, 5000])
def test_round_chunking_is_exact(rng, pairs):
    """Partial sums per chunk, then summed: the same for any chunk count."""
    tabs = [_ext(rng, 2 * pairs).reshape(-1) for _ in range(4)]
    eq = _ext(rng, pairs).reshape(-1)
    one = np.empty((1, 16), dtype=np.uint32)
    K._round_ext_chunk(*tabs, eq, 0, pairs, one[0])
    many = np.empty((min(7, pairs), 16), dtype=np.uint32)
    K._round_ext_par(*tabs, eq, many)
    assert np.array_equal(K.sum_partial(one), K.sum_partial(many))
    assert np.array_equal(K.sum_partial(K.round_ext(*tabs, eq)), K.sum_partial(one))

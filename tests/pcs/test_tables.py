"""The opening prover's sumcheck kernels against the pure-Python references."""

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.pcs.basefold import tables as T
from deepprove_cli.pcs.basefold.point_reduction import claim_sums

from .helpers import one, rand, tup


def test_gruen_ext_add_stack_pair_sum(rng):
    stack = rand(rng, (4, 64))
    sel = np.array([1, 3], dtype=np.int64)
    coeffs = rand(rng, (2, 4))
    combo = R.combine([stack[k].tolist() for k in sel], tup(coeffs))
    e = rand(rng, (32, 4))
    assert tuple(map(one, T.gruen_ext(np.array(combo, dtype=np.uint32), e))) == R.gruen_sums(combo, tup(e))
    g = rand(rng, (64, 4))
    want = [R.ext_add(a, b) for a, b in zip(tup(g), combo)]
    T.add_stack(g, stack, sel, coeffs)
    assert tup(g) == want
    want = [R.ext_add(a, b) for a, b in zip(tup(e)[0::2], tup(e)[1::2])]
    assert tup(T.pair_sum(e)) == want


def test_add_stack_crosses_blocks(rng):
    """Sizes spanning several combination blocks, against numpy arithmetic."""
    size = 1 << 14
    stack = rand(rng, (3, size))
    sel = np.array([2, 0], dtype=np.int64)
    coeffs = rand(rng, (2, 4))
    combo = np.zeros((size, 4), dtype=np.uint64)
    for j, k in enumerate(sel):
        combo = (combo + stack[k].astype(np.uint64)[:, None] * coeffs[j].astype(np.uint64)[None, :]) % P
    g = rand(rng, (size, 4))
    want = ((g.astype(np.uint64) + combo) % P).astype(np.uint32)
    T.add_stack(g, stack, sel, coeffs)
    assert np.array_equal(g, want)


@pytest.mark.parametrize("n,pre,ext", [(1, 0, False), (3, 0, True), (5, 1, False), (6, 3, False), (6, 2, True),
                                       (4, 3, False)])
def test_claim_sums(rng, n, pre, ext):
    table = rand(rng, (1 << n, 4)) if ext else rand(rng, 1 << n)
    prefix = rand(rng, (pre, 4))
    suffixes = [rand(rng, (n - pre - 1, 4)) for _ in range(3)]
    got = claim_sums(table, prefix, suffixes)
    tl = tup(table) if ext else table.tolist()
    for s, q in zip(suffixes, got):
        assert tuple(map(one, q)) == R.claim_sums(tl, tup(prefix), tup(s))


@pytest.mark.parametrize("pre", [0, 3])
def test_claim_sums_cross_chunks(rng, pre):
    """A table spanning many parallel chunks, against evaluating the weighted sums with numpy."""
    from deepprove_cli.poly.multilinear import evaluate

    n = 15
    table = rand(rng, 1 << n)
    prefix = rand(rng, (pre, 4))
    s = rand(rng, (n - pre - 1, 4))
    q = claim_sums(table, prefix, [s])[0]
    for x, qx in zip((0, 1), q):  # q(X) is the table's extension at (prefix, X, s)
        pt = np.concatenate([prefix, np.array([[x, 0, 0, 0]], np.uint32), s])
        assert np.array_equal(qx, evaluate(table, pt))


@pytest.mark.parametrize("n,k", [(1, 1), (5, 2), (6, 4), (13, 4)])
def test_fold_low(rng, n, k):
    """Binding the k lowest variables at once equals binding them one by one (the reference)."""
    from deepprove_cli.pcs.basefold.point_reduction import fold_low
    from deepprove_cli.poly import reference as PR

    table = rand(rng, 1 << n)
    r = rand(rng, (k, 4))
    want = table.tolist()
    for rj in tup(r):
        want = PR.fix_first_variable(want, rj)
    assert tup(fold_low(table, r)) == want

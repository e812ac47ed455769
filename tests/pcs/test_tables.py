"""The opening prover's sumcheck kernels against the pure-Python references."""

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.pcs.basefold import tables as T
from deepprove_cli.poly import reference as PR

from .helpers import one, rand, tup


@pytest.fixture
def group(rng):
    stack = rand(rng, (4, 64))
    sel = np.array([1, 3], dtype=np.int64)
    coeffs = rand(rng, (2, 4))
    combo = R.combine([stack[k].tolist() for k in sel], tup(coeffs))
    return stack, sel, coeffs, combo


def test_gruen_stack_and_ext(rng, group):
    stack, sel, coeffs, combo = group
    e = rand(rng, (32, 4))
    want = R.gruen_sums(combo, tup(e))
    assert tuple(map(one, T.gruen_stack(stack, sel, coeffs, e))) == want
    g = np.array(combo, dtype=np.uint32)
    assert tuple(map(one, T.gruen_ext(g, e))) == want


def test_fold_and_add_stack(rng, group):
    stack, sel, coeffs, combo = group
    s = rand(rng, 4)
    assert tup(T.fold_stack(stack, sel, coeffs, s)) == PR.fix_first_variable(combo, one(s))
    g = rand(rng, (64, 4))
    want = [R.ext_add(a, b) for a, b in zip(tup(g), combo)]
    T.add_stack(g, stack, sel, coeffs)
    assert tup(g) == want


def test_pair_sum(rng):
    e = rand(rng, (16, 4))
    want = [R.ext_add(a, b) for a, b in zip(tup(e)[0::2], tup(e)[1::2])]
    assert tup(T.pair_sum(e)) == want


@pytest.mark.parametrize("base", [True, False])
def test_product_sums(rng, base):
    w = rand(rng, (1 << 13, 4))
    b = rand(rng, 1 << 13) if base else rand(rng, (1 << 13, 4))
    bl = b.tolist() if base else tup(b)
    assert tuple(map(one, T.product_sums(w, b))) == R.product_sums(tup(w), bl)


def test_blocked_combinations_cross_blocks(rng):
    """Sizes spanning several combination blocks and reduction chunks, against numpy arithmetic."""
    size = 1 << 14
    stack = rand(rng, (3, size))
    sel = np.array([2, 0], dtype=np.int64)
    coeffs = rand(rng, (2, 4))
    combo = np.zeros((size, 4), dtype=np.uint64)
    for j, k in enumerate(sel):
        combo = (combo + stack[k].astype(np.uint64)[:, None] * coeffs[j].astype(np.uint64)[None, :]) % P
    combo = combo.astype(np.uint32)
    e = rand(rng, (size // 2, 4))
    got = T.gruen_stack(stack, sel, coeffs, e)
    want = T.gruen_ext(combo, e)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))
    s = rand(rng, 4)
    from deepprove_cli.poly.multilinear import fix_first_variable
    assert np.array_equal(T.fold_stack(stack, sel, coeffs, s), fix_first_variable(combo, s))
    g = rand(rng, (size, 4))
    want_g = ((g.astype(np.uint64) + combo) % P).astype(np.uint32)
    T.add_stack(g, stack, sel, coeffs)
    assert np.array_equal(g, want_g)

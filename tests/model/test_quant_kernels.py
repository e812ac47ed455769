"""Numba kernels of integer inference against the numpy definitions in model.intops."""

import numpy as np
import pytest

from deepprove_cli.model import intkernels, intops


@pytest.mark.parametrize("wdtype, abits", [(np.int16, 10), (np.int32, 10), (np.int16, 20)])
def test_rows_times_weights_is_exact(rng, wdtype, abits):
    w = rng.integers(-(1 << 14), 1 << 14, size=(37, 53)).astype(wdtype)
    a = rng.integers(-(1 << abits), 1 << abits, size=(3, 53))
    got = intkernels.rows_times_weights(a, w)
    want = intops.exact_einsum("tk,ok->to", a, w, 1 << 40)
    assert got.dtype == np.int64 and np.array_equal(got, want)
    assert intkernels.rows_times_weights(a[:0], w).shape == (0, 37)


@pytest.mark.parametrize("s", [0, 1, 9])
def test_mul_shift_cols_matches_intops(rng, s):
    x = rng.integers(-(1 << 28), 1 << 28, size=(4, 3, 11))
    m = rng.integers(-(1 << 13), 1 << 13, size=11)
    if s == 0:
        x = x >> 15
    for k in (max(s, 1), 17, 25):
        assert np.array_equal(intkernels.mul_shift_cols(x, m, k, s), intops.mul_shift(x, m, k, s))
    assert np.array_equal(intkernels.mul_shift_cols(x, np.int64(77), 20, s), intops.mul_shift(x, 77, 20, s))


def test_node_kernels_match_the_numpy_relations(rng):
    """Requant, Norm, Softmax and Rope evaluate through fused kernels unless advice is asked for;
    both paths give the same integers (every node of tiny models is compared in tests/graph)."""
    from deepprove_cli.model.intkernels import attention_scores, attention_values, rope_rows

    q = rng.integers(-3000, 3000, size=(2, 3, 2, 8))
    k = rng.integers(-3000, 3000, size=(5, 3, 8))
    assert np.array_equal(attention_scores(q, k), np.einsum("tkgd,skd->tkgs", q, k))
    p = rng.integers(0, 1 << 14, size=(2, 3, 2, 5))
    v = rng.integers(-(1 << 14), 1 << 14, size=(5, 3, 8))
    assert np.array_equal(attention_values(p, v), np.einsum("tkgs,skd->tkgd", p, v))
    x = rng.integers(-4000, 4000, size=(3, 2, 8))
    cos = rng.integers(-(1 << 14), 1 << 14, size=(10, 4))
    sin = rng.integers(-(1 << 14), 1 << 14, size=(10, 4))
    pos = np.array([0, 4, 9])
    for neox in (False, True):
        got = rope_rows(x, pos, cos, sin, 8, neox, 14)
        a, b = (x[..., :4], x[..., 4:]) if neox else (x[..., 0::2], x[..., 1::2])
        c, s = cos[pos][:, None, :], sin[pos][:, None, :]
        ra, rb = intops.round_shift(a * c - b * s, 14), intops.round_shift(a * s + b * c, 14)
        want = np.concatenate([ra, rb], -1) if neox else np.stack([ra, rb], -1).reshape(x.shape)
        assert np.array_equal(got, want)

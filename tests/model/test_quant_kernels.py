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

"""Fold kernels against the pure-Python definition, serial and parallel paths."""

import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.relations import fold as F

SHAPES = [(1, 1, 1), (2, 3, 5), (3, 4, 1), (1, 7, 1), (2, 1, 3), (1, 9, 17), (4, 0, 3)]


def _ref(m, w):
    return np.array(F.fold_reference(m, w), dtype=np.uint32).reshape(m.shape[0], m.shape[2], 4)


@pytest.mark.parametrize("shape", SHAPES)
def test_fold_matches_reference(rng, shape):
    m = rng.integers(0, P, size=shape, dtype=np.uint32)
    w = rng.integers(0, P, size=(shape[1], 4), dtype=np.uint32)
    assert np.array_equal(F.fold(m, w), _ref(m, w))


@pytest.mark.parametrize("shape,nb", [((3, 10, 6), 1), ((2, 9, 5), 4), ((1, 5, 2), 5)])
def test_parallel_paths_match(rng, shape, nb):
    A, B, C = shape
    m = rng.integers(0, P, size=shape, dtype=np.uint32)
    w = rng.integers(0, P, size=(B, 4), dtype=np.uint32)
    out = np.zeros((A, C, 4), np.uint32)
    F._mid_parallel(w.reshape(-1), m.reshape(-1), A, B, C, nb, out.reshape(-1))
    assert np.array_equal(out, _ref(m, w))
    m1 = m[:, :, :1].copy()
    out1 = np.zeros((A, 1, 4), np.uint32)
    F._last_parallel(w.reshape(-1), m1.reshape(-1), A, B, out1.reshape(-1))
    assert np.array_equal(out1, _ref(m1, w))


def test_extreme_values_do_not_overflow(rng):
    """All entries p - 1: the largest products and sums the accumulators see."""
    for shape in [(2, 300, 3), (2, 300, 1)]:
        m = np.full(shape, P - 1, np.uint32)
        w = np.full((shape[1], 4), P - 1, np.uint32)
        assert np.array_equal(F.fold(m, w), _ref(m, w))


def test_bad_arguments():
    with pytest.raises(ValueError):
        F.fold(np.zeros((2, 3), np.uint32), np.zeros((3, 4), np.uint32))
    with pytest.raises(ValueError):
        F.fold(np.zeros((1, 3, 2), np.uint32), np.zeros((2, 4), np.uint32))

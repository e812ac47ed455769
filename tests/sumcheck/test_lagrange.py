import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.sumcheck.lagrange import interpolate


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_interpolate_matches_reference(rng, m):
    evals = rng.integers(0, P, size=(m, 4), dtype=np.uint32)
    for x in (rng.integers(0, P, size=4, dtype=np.uint32), np.array([m + 3, 0, 0, 0], np.uint32)):
        want = ref.interpolate([tuple(int(v) for v in e) for e in evals], tuple(int(v) for v in x))
        assert tuple(int(v) for v in interpolate(evals, x)) == want


def test_interpolate_hits_the_nodes(rng):
    evals = rng.integers(0, P, size=(4, 4), dtype=np.uint32)
    for t in range(4):
        assert np.array_equal(interpolate(evals, np.array([t, 0, 0, 0], np.uint32)), evals[t])


def test_interpolate_polynomial(rng):
    # p(X) = 3 + 5X + 7X^2 sampled at 0, 1, 2, evaluated at 10
    evals = np.array([[3 + 5 * t + 7 * t * t, 0, 0, 0] for t in range(3)], dtype=np.uint32)
    assert int(interpolate(evals, np.array([10, 0, 0, 0], np.uint32))[0]) == 3 + 50 + 700

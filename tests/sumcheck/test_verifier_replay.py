"""The verifier's round replay kernel against the reference interpolation, round by round."""

import numpy as np
import pytest

from deepprove_cli.field.reference import P, ext_sub
from deepprove_cli.poly import reference as ref
from deepprove_cli.sumcheck.verifier import replay_rounds, round_values


def _py(a):
    return tuple(int(v) for v in a)


@pytest.mark.parametrize("n,d", [(0, 2), (1, 1), (5, 2), (4, 3), (3, 6)])
def test_replay_rounds_matches_reference(rng, n, d):
    evals = rng.integers(0, P, size=(n, d, 4), dtype=np.uint32)
    point = rng.integers(0, P, size=(n, 4), dtype=np.uint32)
    claim = rng.integers(0, P, size=4, dtype=np.uint32)
    c = _py(claim)
    for j in range(n):
        full = [_py(evals[j, 0]), ext_sub(c, _py(evals[j, 0]))] + [_py(v) for v in evals[j, 1:]]
        assert [_py(v) for v in round_values(np.array(c, np.uint32), evals[j])] == full
        c = ref.interpolate(full, _py(point[j]))
    got = replay_rounds(evals, point, tuple(np.uint32(v) for v in claim))
    assert _py(got) == c

import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.structured import affine_eval, affine_table, prefix_eval, prefix_table


def _pt(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def _rows(a):
    return [tuple(int(v) for v in row) for row in a] if a.ndim == 2 else [int(v) for v in a]


@pytest.mark.parametrize("n", [0, 1, 4])
@pytest.mark.parametrize("offset,step", [(0, 1), (5, 1), (-8, 1), (3, -2)])
def test_affine(rng, n, offset, step):
    t = affine_table(n, offset, step)
    assert _rows(t) == [(offset + step * i) % P for i in range(1 << n)]
    pt = _pt(rng, n)
    assert tuple(int(v) for v in affine_eval(pt, offset, step)) == ref.evaluate(_rows(t), _rows(pt))


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_prefix_every_bound(rng, n):
    pt = _pt(rng, n)
    for bound in range((1 << n) + 1):
        for offset, step in ((1, 0), (0, 1), (7, -3)):
            t = prefix_table(n, bound, offset, step)
            assert _rows(t) == [(offset + step * i) % P if i < bound else 0 for i in range(1 << n)]
            got = tuple(int(v) for v in prefix_eval(pt, bound, offset, step))
            assert got == ref.evaluate(_rows(t), _rows(pt)), (n, bound, offset, step)


def test_prefix_rejects_bound():
    with pytest.raises(ValueError):
        prefix_table(2, 5)
    with pytest.raises(ValueError):
        prefix_eval(np.zeros((2, 4), np.uint32), -1)

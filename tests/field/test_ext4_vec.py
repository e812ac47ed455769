import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field import ext4_vec as ev
from deepprove_cli.field import reference as ref

P = ref.P


def _rand(rng, n):
    x = rng.integers(0, P, (n, 4), dtype=np.uint32)
    if n > 3:
        x[0] = P - 1
        x[1] = 0
        x[2] = (P - 1, 0, P - 1, 0)
    return x


def _rows(x):
    return [tuple(int(v) for v in r) for r in x]


def test_mul_square_scale(rng):
    a, b = _rand(rng, 300), _rand(rng, 300)[::-1].copy()
    assert _rows(ev.mul(a, b)) == [ref.ext_mul(x, y) for x, y in zip(_rows(a), _rows(b))]
    assert _rows(ev.square(a)) == [ref.ext_mul(x, x) for x in _rows(a)]
    e = tuple(int(v) for v in b[5])
    assert _rows(ev.scale(a, b[5])) == [ref.ext_mul(x, e) for x in _rows(a)]


def test_base_mixed(rng):
    a = _rand(rng, 200)
    s = rng.integers(0, P, 200, dtype=np.uint32)
    s[0] = P - 1
    assert _rows(ev.mul_base(a, s)) == [ref.ext_mul_base(x, int(y)) for x, y in zip(_rows(a), s)]
    e = _rows(a)[7]
    assert _rows(ev.lift(s, a[7])) == [ref.ext_mul_base(e, int(y)) for y in s]


def test_inner_products(rng):
    for n in (0, 1, 5, ev.CHUNK + 3):
        a, b = _rand(rng, n), _rand(rng, n)
        s = rng.integers(0, P, n, dtype=np.uint32)
        assert tuple(int(v) for v in ev.inner(a, b)) == ref.ext_inner(_rows(a), _rows(b))
        assert tuple(int(v) for v in ev.inner_base(a, s)) == ref.ext_inner_base(_rows(a), [int(v) for v in s])
    worst = np.full((2 * ev.CHUNK, 4), P - 1, dtype=np.uint32)
    ws = np.full(2 * ev.CHUNK, P - 1, dtype=np.uint32)
    assert tuple(int(v) for v in ev.inner_base(worst, ws)) == ((2 * ev.CHUNK) % P,) * 4


def test_batch_inv(rng):
    a = _rand(rng, ev.CHUNK + 40)
    a[1::17] = 0
    out = ev.batch_inv(a)
    for x, y in zip(_rows(a), _rows(out)):
        if any(x):
            assert ref.ext_mul(x, y) == (1, 0, 0, 0)
        else:
            assert y == (0, 0, 0, 0)
    assert _rows(out[3:4]) == [ref.ext_inv(_rows(a)[3])]


def test_bad_input(rng):
    a = _rand(rng, 4)
    with pytest.raises(InputError, match="differ"):
        ev.mul(a, a[:3])
    with pytest.raises(InputError, match="last dimension"):
        ev.mul(a[:, :3].copy(), a[:, :3].copy())
    with pytest.raises(InputError, match="not canonical"):
        ev.mul(a, np.full((4, 4), P, dtype=np.uint32))
    with pytest.raises(InputError, match="base elements"):
        ev.mul_base(a, np.zeros(3, dtype=np.uint32))
    with pytest.raises(InputError, match="canonical coefficients"):
        ev.scale(a, [P, 0, 0, 0])
    with pytest.raises(InputError, match="shape"):
        ev.square(np.zeros((2, 4), dtype=np.int64), check=False)


def test_sum(rng):
    a = _rand(rng, 1000)
    acc = (0, 0, 0, 0)
    for x in _rows(a):
        acc = ref.ext_add(acc, x)
    assert tuple(int(v) for v in ev.sum_(a)) == acc

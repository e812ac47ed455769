import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field import ext4 as e4
from deepprove_cli.field import reference as ref

P = ref.P
EDGE = [(0, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 0, 1), (P - 1,) * 4, (P - 1, 0, P - 1, 0),
        (0, P - 1, 0, P - 1), (1, 1, 1, 1)]


def _elements(rng, n=40):
    return EDGE + [tuple(int(x) for x in rng.integers(0, P, 4)) for _ in range(n)]


def _t(x):
    return tuple(np.uint32(v) for v in x)


def _i(t):
    return tuple(int(v) for v in t)


def test_irreducible():
    # X^4 - W is irreducible over F_p (p = 1 mod 4) iff W is a non-square.
    assert P % 4 == 1 and pow(ref.W, (P - 1) // 2, P) == P - 1
    assert e4.W == ref.W


def test_scalar_ops_match_reference(rng):
    els = _elements(rng)
    for a, b in zip(els, els[3:] + els[:3]):
        assert _i(e4.ext_add(_t(a), _t(b))) == ref.ext_add(a, b)
        assert _i(e4.ext_sub(_t(a), _t(b))) == ref.ext_sub(a, b)
        assert _i(e4.ext_mul(_t(a), _t(b))) == ref.ext_mul(a, b)
        assert _i(e4.ext_square(_t(a))) == ref.ext_mul(a, a)
        assert _i(e4.ext_neg(_t(a))) == ref.ext_neg(a)
        assert _i(e4.ext_mul_base(_t(a), np.uint32(b[1]))) == ref.ext_mul_base(a, b[1])
    for a in EDGE:
        for b in EDGE:
            assert _i(e4.ext_mul(_t(a), _t(b))) == ref.ext_mul(a, b)


def test_inverse(rng):
    for a in _elements(rng, 10):
        ia = _i(e4.ext_inv(_t(a)))
        if any(a):
            assert ref.ext_mul(a, ia) == (1, 0, 0, 0)
        else:
            assert ia == (0, 0, 0, 0)
    a = _elements(rng, 1)[-1]
    assert _i(e4.ext_inv(_t(a))) == ref.ext_inv(a)


def test_pow(rng):
    a = _elements(rng, 1)[-1]
    for e in (0, 1, 2, 7, 2**40 + 1):
        assert _i(e4.ext_pow(_t(a), e)) == ref.ext_pow(a, e)


def test_from_base_and_helpers():
    assert _i(e4.ext_from_base(np.uint32(7))) == (7, 0, 0, 0)
    x = e4.ext(-1, 2, 3, P + 4)
    assert list(x) == [P - 1, 2, 3, 4] and x.dtype == np.uint32
    assert list(e4.from_tuple(e4.as_tuple(x))) == list(x)
    assert list(e4.ext_one()) == [1, 0, 0, 0] and not e4.ext_zero().any()


def test_check_ext():
    e4.check_ext(np.zeros((3, 4), dtype=np.uint32))
    with pytest.raises(InputError, match="last dimension"):
        e4.check_ext(np.zeros((3, 3), dtype=np.uint32))
    with pytest.raises(InputError, match="not canonical"):
        e4.check_ext(np.full((1, 4), P, dtype=np.uint32))


def test_load_store():
    from numba import njit

    @njit
    def roundtrip(x, i, j):
        e4.ext_store(x, j, e4.ext_load(x, i))

    x = np.arange(12, dtype=np.uint32)
    roundtrip(x, 2, 0)
    assert list(x[:4]) == [8, 9, 10, 11] and list(x[8:]) == [8, 9, 10, 11]

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field import babybear as bb
from deepprove_cli.field import reference as ref

P = bb.P
EDGE = [0, 1, 2, 3, 11, (P - 1) // 2, (P + 1) // 2, P - 2, P - 1, 2**27, 2**30, 2**31 - 2**27]


def _pairs(rng, n=200):
    rand = [int(x) for x in rng.integers(0, P, n)]
    vals = EDGE + rand
    return [(a, b) for a in vals[:20] for b in vals[:20]] + list(zip(rand, rand[::-1]))


def test_constants():
    assert P == 2**31 - 2**27 + 1
    assert (P - 1) % (1 << bb.TWO_ADICITY) == 0 and ((P - 1) >> bb.TWO_ADICITY) % 2 == 1
    assert ref.is_generator(bb.GENERATOR)
    assert not ref.is_generator(4)  # a square cannot generate: the check can fail


def test_scalar_ops_match_reference(rng):
    for a, b in _pairs(rng):
        ua, ub = np.uint32(a), np.uint32(b)
        assert int(bb.add(ua, ub)) == ref.add(a, b)
        assert int(bb.sub(ua, ub)) == ref.sub(a, b)
        assert int(bb.mul(ua, ub)) == ref.mul(a, b)
    for a in EDGE:
        assert int(bb.neg(np.uint32(a))) == ref.neg(a)


def test_scalar_return_type_is_uint32():
    """Callers' kernels rely on uint32 results (no silent widening to int64/float)."""
    for fn in (bb.add, bb.sub, bb.mul, bb.neg, bb.inv):
        args = (np.uint32(3),) if fn in (bb.neg, bb.inv) else (np.uint32(3), np.uint32(5))
        fn(*args)
        sig = [s for s in fn.nopython_signatures if all(str(t) == "uint32" for t in s.args)][0]
        assert str(sig.return_type) == "uint32"


def test_pow_and_inv(rng):
    for a in EDGE + [int(x) for x in rng.integers(0, P, 30)]:
        for e in (0, 1, 2, 5, P - 2, P - 1, 2**40 + 3):
            assert int(bb.pow_(np.uint32(a), e)) == ref.pow_(a, e)
        i = int(bb.inv(np.uint32(a)))
        assert i == ref.inv(a)
        if a:
            assert a * i % P == 1
    assert int(bb.inv(np.uint32(0))) == 0


def test_field_axioms(rng):
    a, b, c = (np.uint32(int(x)) for x in rng.integers(0, P, 3))
    assert bb.mul(a, bb.add(b, c)) == bb.add(bb.mul(a, b), bb.mul(a, c))
    assert bb.mul(bb.mul(a, b), c) == bb.mul(a, bb.mul(b, c))
    assert bb.add(a, bb.neg(a)) == 0
    assert bb.sub(a, b) == bb.add(a, bb.neg(b))


def test_to_from_field_roundtrip():
    xs = np.array([0, 1, -1, 5, -5, (P - 1) // 2, -(P - 1) // 2, 2**40, -(2**40)], dtype=np.int64)
    f = bb.to_field(xs)
    assert f.dtype == np.uint32
    assert [int(v) for v in f] == [int(x) % P for x in xs]
    back = bb.from_field(f)
    assert back.dtype == np.int64
    assert list(back[:7]) == list(xs[:7])
    assert [int(v) for v in bb.to_field([2**80, -(2**70)])] == [2**80 % P, -(2**70) % P]
    assert [int(v) for v in bb.to_field(np.array([2**63 + 5], dtype=np.uint64))] == [(2**63 + 5) % P]
    assert bb.to_field(np.array([[3, -3]], dtype=np.int8)).shape == (1, 2)


def test_to_field_rejects_floats():
    with pytest.raises(InputError):
        bb.to_field(np.array([1.5]))


def test_check_canonical():
    ok = np.array([0, P - 1], dtype=np.uint32)
    assert bb.check_canonical(ok, "x") is ok
    with pytest.raises(InputError, match="not canonical"):
        bb.check_canonical(np.array([0, P], dtype=np.uint32), "x")
    with pytest.raises(InputError, match="dtype"):
        bb.check_canonical(np.array([0, 1], dtype=np.int64), "x")
    with pytest.raises(InputError, match="numpy"):
        bb.check_canonical([0, 1], "x")
    bb.check_canonical(np.zeros(0, dtype=np.uint32))


def test_two_adic_root():
    for k in (0, 1, 2, 5, 16, 27):
        w = bb.two_adic_root(k)
        assert pow(w, 1 << k, P) == 1
        if k:
            assert pow(w, 1 << (k - 1), P) == P - 1  # primitive
            assert pow(w, 2, P) == bb.two_adic_root(k - 1)
        assert w == ref.root_of_unity(1 << k)
    for bad in (-1, 28, 2.0):
        with pytest.raises(InputError):
            bb.two_adic_root(bad)


def test_reductions(rng):
    ts = [0, 1, P - 1, P, P * P - 1, (P - 1) ** 2, 2**62 - 1, 2**61, 3 * P]
    ts += [int(x) for x in rng.integers(0, 2**62, 500, dtype=np.uint64)]
    for t in ts:
        assert int(bb.reduce62(np.uint64(t))) == t % P
    us = ts + [2**64 - 1, 4 * (P - 1) ** 2, 2**63] + [int(x) for x in rng.integers(0, 2**64 - 1, 500, dtype=np.uint64)]
    for t in us:
        assert int(bb.reduce64(np.uint64(t))) == t % P


def test_mul_shoup(rng):
    xs = [0, 1, P - 1, P, 2**31, 2**32 - 1] + [int(x) for x in rng.integers(0, 2**32, 300, dtype=np.uint64)]
    ws = [0, 1, 2, P - 1] + [int(x) for x in rng.integers(0, P, 20)]
    for w in ws:
        ws_ = bb.shoup(np.uint32(w))
        assert int(ws_) == (w << 32) // P
        for x in xs:
            assert int(bb.mul_shoup(np.uint32(x), np.uint32(w), ws_)) == x * w % P

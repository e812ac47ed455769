import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field import reference as ref
from deepprove_cli.field import vec

P = ref.P
EDGE = np.array([0, 1, 2, P - 2, P - 1, (P - 1) // 2, (P + 1) // 2, 2**30, 2**31 - 2**27, 11], dtype=np.uint32)


def _vectors(rng, n=5000):
    """Random values plus every pair of edge values (so extreme products are covered)."""
    a = np.concatenate([np.repeat(EDGE, EDGE.size), rng.integers(0, P, n, dtype=np.uint32)])
    b = np.concatenate([np.tile(EDGE, EDGE.size), rng.integers(0, P, n, dtype=np.uint32)])
    return a, b


def _ints(x):
    return [int(v) for v in np.ravel(x)]


def test_elementwise_ops(rng):
    a, b = _vectors(rng)
    c = rng.integers(0, P, a.size, dtype=np.uint32)
    ai, bi, ci = _ints(a), _ints(b), _ints(c)
    assert _ints(vec.add(a, b)) == [ref.add(x, y) for x, y in zip(ai, bi)]
    assert _ints(vec.sub(a, b)) == [ref.sub(x, y) for x, y in zip(ai, bi)]
    assert _ints(vec.neg(a)) == [ref.neg(x) for x in ai]
    assert _ints(vec.mul(a, b)) == [ref.mul(x, y) for x, y in zip(ai, bi)]
    assert _ints(vec.mul_add(a, b, c)) == [(x * y + z) % P for x, y, z in zip(ai, bi, ci)]
    for s in (0, 1, P - 1, int(b[-1])):
        assert _ints(vec.scale(a, s)) == [x * s % P for x in ai]
        assert _ints(vec.axpy(s, a, b)) == [(s * x + y) % P for x, y in zip(ai, bi)]


def test_pow(rng):
    a, _ = _vectors(rng, 300)
    for e in (0, 1, 3, P - 2, 2**63 + 1):
        assert _ints(vec.pow_(a, e)) == [ref.pow_(x, e) for x in _ints(a)]


def test_batch_inv(rng):
    a = rng.integers(0, P, 3 * vec.CHUNK + 17, dtype=np.uint32)
    a[::97] = 0
    a[:len(EDGE)] = EDGE
    out = vec.batch_inv(a)
    assert _ints(out) == ref.batch_inv(_ints(a))
    assert vec.batch_inv(np.zeros(0, dtype=np.uint32)).size == 0
    assert _ints(vec.batch_inv(np.zeros(5, dtype=np.uint32))) == [0] * 5


def test_inner_and_sum(rng):
    for n in (0, 1, 7, vec.CHUNK, 2 * vec.CHUNK + 5):
        a = rng.integers(0, P, n, dtype=np.uint32)
        b = rng.integers(0, P, n, dtype=np.uint32)
        assert vec.inner(a, b) == ref.inner(_ints(a), _ints(b))
        assert vec.sum_(a) == sum(_ints(a)) % P
    worst = np.full(3 * vec.CHUNK, P - 1, dtype=np.uint32)
    assert vec.inner(worst, worst) == 3 * vec.CHUNK % P
    assert vec.sum_(worst) == 3 * vec.CHUNK * (P - 1) % P


def test_any_shape_and_out(rng):
    a = rng.integers(0, P, (3, 5), dtype=np.uint32)
    b = rng.integers(0, P, (3, 5), dtype=np.uint32)
    out = np.empty((3, 5), dtype=np.uint32)
    r = vec.mul(a, b, out=out)
    assert r is out
    assert _ints(out) == [x * y % P for x, y in zip(_ints(a), _ints(b))]
    t = a.T  # non-contiguous input is accepted (copied)
    assert _ints(vec.neg(t)) == [(-x) % P for x in _ints(np.ascontiguousarray(t))]


def test_in_place_add(rng):
    a = rng.integers(0, P, 100, dtype=np.uint32)
    b = rng.integers(0, P, 100, dtype=np.uint32)
    expect = [(x + y) % P for x, y in zip(_ints(a), _ints(b))]
    vec.add(a, b, out=a)
    assert _ints(a) == expect


def test_bad_input():
    good = np.zeros(4, dtype=np.uint32)
    with pytest.raises(InputError, match="not canonical"):
        vec.mul(good, np.full(4, P, dtype=np.uint32))
    with pytest.raises(InputError, match="dtype"):
        vec.add(good, np.zeros(4, dtype=np.int64))
    with pytest.raises(InputError, match="shape"):
        vec.add(good, np.zeros(5, dtype=np.uint32))
    with pytest.raises(InputError, match="out"):
        vec.add(good, good, out=np.zeros(4, dtype=np.uint64))
    with pytest.raises(InputError, match="scalar"):
        vec.scale(good, P)
    with pytest.raises(InputError, match="exponent"):
        vec.pow_(good, -1)
    with pytest.raises(InputError, match="alias"):
        vec.batch_inv(good, out=good)
    with pytest.raises(InputError, match="uint32"):
        vec.add(good, np.zeros(4, dtype=np.int32), check=False)


def test_canonical_copy(rng):
    a = rng.integers(0, P, (3, vec.CHUNK + 5), dtype=np.uint32)
    c = vec.canonical_copy(a, "a")
    assert c.shape == (a.size,) and (c == a.reshape(-1)).all() and not np.shares_memory(c, a)
    assert vec.canonical_copy(np.zeros(0, dtype=np.uint32), "a").size == 0
    assert (vec.canonical_copy(a.T, "a") == a.T.reshape(-1)).all()
    a[2, 7] = P
    with pytest.raises(InputError, match="not canonical"):
        vec.canonical_copy(a, "a")
    with pytest.raises(InputError, match="dtype"):
        vec.canonical_copy(np.zeros(3, dtype=np.int64), "a")

"""The small ext kernels of felt and the verifier's layer value, against Python-int arithmetic."""
import numpy as np

from deepprove_cli.field.reference import P, ext_add, ext_mul, ext_sub
from deepprove_cli.lookup import felt, gkr_verifier


def _e(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def _py(a):
    return tuple(int(v) for v in a)


def test_powers_dot_lines(rng):
    x = _e(rng, 1)[0]
    pw = felt.powers_kernel(felt.tup(x), 5)
    acc = (1, 0, 0, 0)
    for i in range(5):
        assert _py(pw[i]) == acc
        acc = ext_mul(acc, _py(x))
    a, b = _e(rng, 6), _e(rng, 6)
    want = (0, 0, 0, 0)
    for u, v in zip(a, b):
        want = ext_add(want, ext_mul(_py(u), _py(v)))
    assert _py(felt.dot_kernel(a, b)) == want
    t = _e(rng, 1)[0]
    got = felt.lines_kernel(a, b, felt.tup(t))
    for i in range(6):
        assert _py(got[i]) == ext_add(_py(a[i]), ext_mul(_py(t), ext_sub(_py(b[i]), _py(a[i]))))
    assert _py(felt.line(a[0], b[0], t)) == _py(got[0])
    assert [_py(v) for v in felt.powers(x, 3)] == [_py(pw[i]) for i in range(3)]


def test_layer_value_and_coefficients(rng):
    lam = _e(rng, 1)[0]
    coeffs = gkr_verifier.batching_coefficients(lam, 3)
    pw = felt.powers_kernel(felt.tup(lam), 6)
    assert np.array_equal(coeffs[:3], pw[0::2]) and np.array_equal(coeffs[3:], pw[1::2])
    evals = rng.integers(0, P, size=(3, 4, 4), dtype=np.uint32)
    want = (0, 0, 0, 0)
    for a in range(3):
        a0, a1, b0, b1 = (_py(v) for v in evals[a])
        want = ext_add(want, ext_mul(_py(coeffs[a]), ext_add(ext_mul(a0, b1), ext_mul(a1, b0))))
        want = ext_add(want, ext_mul(_py(coeffs[3 + a]), ext_mul(b0, b1)))
    assert _py(gkr_verifier.layer_value_kernel(coeffs, evals)) == want


def test_int_scalar_ops_match_reference(rng):
    from deepprove_cli.field.ext4 import as_tuple, ext_inv

    for i in range(200):
        a, b = _e(rng, 2)
        if i % 5 == 0:
            a[1:] = 0  # base elements
        if i % 17 == 0:
            a[:] = 0  # inv(0) = 0
        s = int(rng.integers(-2**40, 2**40))
        assert _py(felt.mul(a, b)) == ext_mul(_py(a), _py(b))
        assert _py(felt.add(a, b)) == ext_add(_py(a), _py(b))
        assert _py(felt.sub(a, b)) == ext_sub(_py(a), _py(b))
        assert _py(felt.scale(a, s)) == ext_mul(_py(a), (s % P, 0, 0, 0))
        assert _py(felt.inv(a)) == tuple(int(v) for v in ext_inv(as_tuple(a)))
        if a.any():
            assert _py(felt.mul(a, felt.inv(a))) == (1, 0, 0, 0)
    cs, vs = _e(rng, 7), _e(rng, 7)
    want = (0, 0, 0, 0)
    for c, v in zip(cs, vs):
        want = ext_add(want, ext_mul(_py(c), _py(v)))
    assert felt.dot_i([_py(c) for c in cs], [_py(v) for v in vs]) == want == _py(felt.dot(cs, vs))
    assert felt.ints(cs[0]) == _py(cs[0]) and felt.arr(_py(cs[0])).dtype == np.uint32

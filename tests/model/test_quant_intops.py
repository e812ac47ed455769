"""The integer primitives against slow, obviously correct Python-int references."""

import numpy as np
import pytest

from deepprove_cli.model import intops


def ref_floor_div(x: int, k: int) -> int:
    return x // (2 ** k)


def ref_mul_shift(v: int, m: int, k: int, s: int) -> int:
    if s == 0:
        return (v * m + (2 ** (k - 1) if k else 0)) // 2 ** k
    vh, vl = v // 2 ** s, v % 2 ** s
    t = vh * m + (vl * m + 2 ** (s - 1)) // 2 ** s
    return (t + (2 ** (k - s - 1) if k > s else 0)) // 2 ** (k - s)


def ref_row_exponent(row: list[int], a: int, e_min: int) -> int:
    e = e_min
    while not all(-(2 ** a) <= x // 2 ** e < 2 ** a if e >= 0 else -(2 ** a) <= x * 2 ** -e < 2 ** a for x in row):
        e += 1
    return e


def test_split_and_round_shift(rng):
    x = rng.integers(-(1 << 40), 1 << 40, size=500)
    for k in (0, 1, 7, 16):
        hi, lo = intops.split(x, k)
        assert [int(h) for h in hi] == [ref_floor_div(int(v), k) for v in x]
        assert np.all((lo >= 0) & (lo < (1 << k)))
        assert np.array_equal(hi * (1 << k) + lo, x)
        r = intops.round_shift(x, k)
        assert [int(v) for v in r] == [(int(v) + (2 ** (k - 1) if k else 0)) // 2 ** k for v in x]


def test_round_shift_per_row():
    x = np.array([[5, -5, 6], [100, -100, 7]])
    k = np.array([[1], [3]])
    assert intops.round_shift(x, k).tolist() == [[3, -2, 3], [13, -12, 1]]
    with pytest.raises(ValueError):
        intops.round_shift(x, np.array([[0], [1]]))


def test_var_floor_shift(rng):
    x = rng.integers(-(1 << 20), 1 << 20, size=(6, 9))
    sh = np.array([-3, -1, 0, 1, 5, 12])
    got = intops.var_floor_shift(x, sh)
    for i, s in enumerate(sh):
        want = [v * 2 ** -int(s) if s < 0 else v // 2 ** int(s) for v in x[i].tolist()]
        assert got[i].tolist() == want


@pytest.mark.parametrize("s", [0, 4, 15])
def test_mul_shift_matches_reference_and_bound(rng, s):
    k = 20
    v = rng.integers(-(1 << 29), 1 << 29, size=400)
    m = rng.integers(-(1 << 13), 1 << 13, size=400)
    if s == 0:
        v = v >> 14  # keep v * m in the field for the one-limb form
    got = intops.mul_shift(v, m, k, s)
    assert [int(g) for g in got] == [ref_mul_shift(int(a), int(b), k, s) for a, b in zip(v, m)]
    exact = v.astype(np.float64) * m / 2.0 ** k
    assert np.abs(got - exact).max() <= 1.0  # two roundings at most one unit off
    inter, out = intops.mul_shift_bound(int(np.abs(v).max()), 1 << 13, k, s)
    assert np.abs(got).max() <= out
    if s:
        vh, vl = intops.split(v, s)
        assert np.abs(vh * m).max() <= inter and np.abs(vl * m).max() <= inter


def test_choose_limb_keeps_intermediates_in_field():
    s = intops.choose_limb(1 << 29, (1 << 14) - 1, 20)
    assert s is not None and s > 0
    assert intops.mul_shift_bound(1 << 29, (1 << 14) - 1, 20, s)[0] <= intops.P_HALF
    assert intops.choose_limb(1 << 10, 100, 8) == 0
    assert intops.choose_limb(1 << 40, 1 << 14, 20) is None


def test_row_exponent_is_minimal(rng):
    a = 6
    rows = [rng.integers(-(1 << b), 1 << b, size=7).tolist() for b in (0, 3, 6, 7, 12, 20)]
    rows += [[0] * 7, [-64] * 7, [63, 0, 0, 0, 0, 0, 0], [64, 0, 0, 0, 0, 0, 0], [-65] + [0] * 6]
    got = intops.row_exponent(np.array(rows), a, -(a + 1))
    assert got.tolist() == [ref_row_exponent(r, a, -(a + 1)) for r in rows]
    assert got[rows.index([0] * 7)] == -(a + 1)  # only an all-zero row reaches e_min


def test_bitlen_and_even_exponent(rng):
    v = np.concatenate([[0, 1, 2, 3, (1 << 16) - 1, 1 << 16, (1 << 30) - 1], rng.integers(0, 1 << 30, 300)])
    assert intops.bitlen(v).tolist() == [int(x).bit_length() for x in v]
    f = intops.even_exponent16(v)
    for x, e in zip(v.tolist(), f.tolist()):
        assert e % 2 == 0 and x < 2 ** (16 + e)
        assert e == 0 or x >= 2 ** (14 + e)  # minimal: e - 2 would not do
    with pytest.raises(ValueError):
        intops.bitlen(np.array([-1]))


def test_row_max_divrem_argmax():
    x = np.array([[3, 9, 9, -2], [5, 1, 7, 8]])
    mask = np.array([[True, False, True, True], [False, False, False, False]])
    assert intops.row_max(x).tolist() == [9, 8]
    assert intops.row_max(x, mask, fill=-1).tolist() == [9, -1]
    assert intops.argmax_first(x).tolist() == [1, 3]  # first of the tied maxima
    q, r = intops.divrem(np.array([7, -7, 0, 100]), np.array([2, 2, 3, 7]))
    assert q.tolist() == [3, -4, 0, 14] and r.tolist() == [1, 1, 0, 2]
    with pytest.raises(intops.IntegrityError):
        intops.divrem(np.array([1]), np.array([0]))
    assert intops.row_mean_floor(np.array([[1, 2, 4], [-1, -1, 0]])).tolist() == [2, -1]


def test_lookup_and_soft_clamp():
    values = np.clip(np.arange(-16, 16), -3, 3)  # clamp table, domain [-16, 16)
    assert intops.lookup(np.array([-16, 0, 15]), values, -16).tolist() == [-3, 0, 3]
    with pytest.raises(intops.IntegrityError):
        intops.lookup(np.array([16]), values, -16)
    v = np.arange(-60, 60)
    y = intops.soft_clamp(v, 2, values, -16)
    inside = np.abs(v) < 12
    assert np.array_equal(y[inside], v[inside])  # identity in range
    assert np.all(np.abs(y) <= np.abs(v)) and np.all((y >= -12) & (y <= 15))  # bounded, never grows


def test_exact_einsum_against_python(rng):
    a = rng.integers(-(1 << 20), 1 << 20, size=(3, 5))
    b = rng.integers(-(1 << 12), 1 << 12, size=(4, 5))
    got = intops.exact_einsum("tk,ok->to", a, b, 5 << 32)
    want = [[sum(int(a[t, k]) * int(b[o, k]) for k in range(5)) for o in range(4)] for t in range(3)]
    assert got.tolist() == want
    with pytest.raises(intops.IntegrityError):
        intops.exact_einsum("tk,ok->to", a, b, 1 << 60)

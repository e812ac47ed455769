import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.eq import as_point, eq_eval, eq_table


def _ext_point(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def _rows(a):
    return [tuple(int(v) for v in row) for row in a]


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_eq_table_ext_matches_reference(rng, n):
    pt = _ext_point(rng, n)
    assert _rows(eq_table(pt)) == ref.eq_table(_rows(pt))


@pytest.mark.parametrize("n", [0, 1, 3, 6])
def test_eq_table_base_matches_reference(rng, n):
    pt = rng.integers(0, P, size=n, dtype=np.uint32)
    got = eq_table(pt)
    assert got.shape == (1 << n,)
    assert [(int(v), 0, 0, 0) for v in got] == ref.eq_table([int(v) for v in pt])


def test_eq_table_tensor_path_matches_doubling(rng):
    # n above the serial threshold takes the tensor-product path: compare with the reference
    # at a few entries and with the serial doubling on the whole table.
    from deepprove_cli.poly.eq import _eq_doubling_base, _eq_doubling_ext

    n = 13
    pt = _ext_point(rng, n)
    got = eq_table(pt)
    want = np.empty_like(got)
    _eq_doubling_ext(pt, want.reshape(-1))
    assert np.array_equal(got, want)
    for i in (0, 1, 4097, (1 << n) - 1):
        assert tuple(int(v) for v in got[i]) == ref.eq_at(_rows(pt), ref.bits(i, n))
    bpt = pt[:, 0].copy()
    gotb = eq_table(bpt)
    wantb = np.empty_like(gotb)
    _eq_doubling_base(bpt, wantb)
    assert np.array_equal(gotb, wantb)
    # eq sums to one over the cube
    assert int(gotb.astype(np.uint64).sum() % P) == 1


def test_eq_table_out_argument(rng):
    pt = _ext_point(rng, 3)
    out = np.empty((8, 4), dtype=np.uint32)
    assert eq_table(pt, out=out) is out
    with pytest.raises(ValueError):
        eq_table(pt, out=np.empty((4, 4), dtype=np.uint32))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_eq_eval_matches_reference(rng, n):
    r, s = _ext_point(rng, n), _ext_point(rng, n)
    assert tuple(int(v) for v in eq_eval(r, s)) == ref.eq_at(_rows(r), _rows(s))


def test_eq_eval_on_cube_points_reads_the_table(rng):
    r = _ext_point(rng, 4)
    t = eq_table(r)
    for i in range(16):
        x = np.array(ref.bits(i, 4), dtype=np.uint32)
        assert np.array_equal(eq_eval(r, x), t[i])
    assert np.array_equal(eq_eval(r[:, 0].copy(), r[:, 0].copy()), eq_eval(as_point(r[:, 0]), r[:, 0].copy()))


def test_eq_eval_rejects_mismatched_lengths(rng):
    with pytest.raises(ValueError):
        eq_eval(_ext_point(rng, 2), _ext_point(rng, 3))

import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.multilinear import (evaluate, fix_first_two_variables, fix_first_variable, fix_first_variables,
                                            fix_last_variable, fix_last_variables, num_vars_of, weighted_product_sum)


def _rows(a):
    if a.ndim == 1:
        return [int(v) for v in a]
    return [tuple(int(v) for v in row) for row in a]


def _table(rng, n, ext):
    return rng.integers(0, P, size=(1 << n, 4) if ext else (1 << n,), dtype=np.uint32)


def _pt(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


@pytest.mark.parametrize("ext", [False, True])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_fix_first_and_last_match_reference(rng, n, ext):
    t = _table(rng, n, ext)
    r = _pt(rng, 1)[0]
    rr = tuple(int(v) for v in r)
    assert _rows(fix_first_variable(t, r)) == ref.fix_first_variable(_rows(t), rr)
    assert _rows(fix_last_variable(t, r)) == ref.fix_last_variable(_rows(t), rr)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_fix_first_two_variables_matches_reference(rng, n):
    t = _table(rng, n, False)
    r0, r1 = _pt(rng, 2)
    want = ref.fix_first_variable(ref.fix_first_variable(_rows(t), tuple(int(v) for v in r0)),
                                  tuple(int(v) for v in r1))
    assert _rows(fix_first_two_variables(t, r0, r1)) == want
    with pytest.raises(ValueError):
        fix_first_two_variables(_table(rng, 1, False), r0, r1)
    with pytest.raises(ValueError):
        fix_first_two_variables(_table(rng, 3, True), r0, r1)


def test_fix_edge_values(rng):
    t = np.array([0, P - 1, P - 1, 0], dtype=np.uint32)
    for r in ([0, 0, 0, 0], [1, 0, 0, 0], [P - 1] * 4):
        r = np.array(r, dtype=np.uint32)
        rr = tuple(int(v) for v in r)
        assert _rows(fix_first_variable(t, r)) == ref.fix_first_variable(_rows(t), rr)
    # fixing x_0 = 0 / 1 selects the even / odd entries
    assert np.array_equal(fix_first_variable(t, np.uint32(1))[:, 0], t[1::2])
    assert np.array_equal(fix_last_variable(t, np.uint32(0))[:, 0], t[:2])


@pytest.mark.parametrize("ext", [False, True])
@pytest.mark.parametrize("n", [0, 1, 3, 6, 9])
def test_evaluate_matches_reference(rng, n, ext):
    t = _table(rng, n, ext)
    pt = _pt(rng, n)
    want = ref.evaluate(_rows(t), _rows(pt))
    assert tuple(int(v) for v in evaluate(t, pt)) == want
    # binding every variable one at a time, from either end, lands on the same value
    assert tuple(int(v) for v in fix_first_variables(t, pt)[0]) == want
    assert tuple(int(v) for v in fix_last_variables(t, pt)[0]) == want


def test_evaluate_at_cube_point_is_lookup(rng):
    t = _table(rng, 4, False)
    for i in (0, 5, 15):
        x = np.array(ref.bits(i, 4), dtype=np.uint32)
        assert tuple(int(v) for v in evaluate(t, x)) == (int(t[i]), 0, 0, 0)


def test_evaluate_larger_sizes_agree_with_folding(rng):
    # sizes where the split tables are unbalanced and the eq tensor path is used
    for n in (11, 12):
        t = _table(rng, n, False)
        pt = _pt(rng, n)
        assert np.array_equal(evaluate(t, pt), fix_first_variables(t, pt)[0])


def test_weighted_product_sum_matches_reference(rng):
    n = 4
    w = _table(rng, n, True)
    a, b = _table(rng, n, False), _table(rng, n, False)
    c = _table(rng, n, True)
    got = weighted_product_sum(w, [a, c, b])
    want = ref.weighted_product_sum(_rows(w), [_rows(a), _rows(b), _rows(c)])
    assert tuple(int(v) for v in got) == want
    assert tuple(int(v) for v in weighted_product_sum(w, [])) == ref.weighted_product_sum(_rows(w), [])


def test_num_vars_rejects_bad_tables():
    for bad in (np.zeros(3, np.uint32), np.zeros((4, 3), np.uint32), np.zeros(4, np.int64), np.zeros(0, np.uint32)):
        with pytest.raises(ValueError):
            num_vars_of(bad)
    with pytest.raises(ValueError):
        fix_first_variable(np.zeros(1, np.uint32), np.uint32(1))


def test_parallel_paths_match_serial(rng, monkeypatch):
    """Force the chunked parallel wrappers on small inputs: same results as the serial bodies."""
    from deepprove_cli.poly import flat
    from deepprove_cli.poly.eq import eq_table

    n = 7
    tb, te, pt = _table(rng, n, False), _table(rng, n, True), _pt(rng, n)
    r = _pt(rng, 1)[0]
    serial = [fix_first_variable(tb, r), fix_first_variable(te, r), fix_last_variable(tb, r),
              fix_last_variable(te, r), evaluate(tb, pt), evaluate(te, pt), eq_table(pt), eq_table(pt[:, 0].copy()),
              fix_first_two_variables(tb, pt[0], pt[1])]
    monkeypatch.setattr(flat, "PARALLEL_MIN", 2)
    monkeypatch.setattr(flat, "CHUNK_MIN", 4)
    par = [fix_first_variable(tb, r), fix_first_variable(te, r), fix_last_variable(tb, r),
           fix_last_variable(te, r), evaluate(tb, pt), evaluate(te, pt), eq_table(pt), eq_table(pt[:, 0].copy()),
           fix_first_two_variables(tb, pt[0], pt[1])]
    for a, b in zip(serial, par):
        assert np.array_equal(a, b)

"""Public tensors: each succinct evaluation equals the MLE of its dense values."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.public import BandMask, Dense, OneHotRows, Ones
from tests.relations.helpers import ints, point


def _dense_eval(pub, pt):
    return evaluate(pub.layout.table(pub.values()), pt)


@pytest.mark.parametrize("T,S,shift,window", [
    (1, 1, 0, 0), (5, 5, 0, 0), (8, 8, 0, 0), (6, 6, 0, 3), (4, 7, 3, 0), (7, 4, 0, 0), (3, 9, 5, 2),
    (16, 16, 0, 5), (5, 5, 0, 1), (2, 3, 0, 100), (9, 2, 1, 4)])
def test_band_mask_eval(rng, T, S, shift, window):
    m = BandMask(T, S, shift, window)
    d = np.arange(T)[:, None] + shift - np.arange(S)[None, :]
    want = ((d >= 0) & ((d < window) if window else True)).astype(np.int64)
    assert np.array_equal(m.values(), want)
    for _ in range(3):
        pt = point(rng, m.layout.num_vars)
        assert np.array_equal(m.evaluate(pt), _dense_eval(m, pt)), (T, S, shift, window)


def test_band_mask_eval_matches_reference_on_boolean_points():
    """At points of the cube the MLE is the mask entry itself (padded entries 0)."""
    m = BandMask(3, 3)
    lay = m.layout
    for i in range(1 << lay.num_vars):
        pt = np.zeros((lay.num_vars, 4), np.uint32)
        pt[:, 0] = [(i >> j) & 1 for j in range(lay.num_vars)]
        want = ref.evaluate([int(v) for v in lay.table(m.values())], [tuple(int(c) for c in r) for r in pt])
        assert tuple(int(c) for c in m.evaluate(pt)) == want


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 6), (2, 1, 3)])
def test_ones_and_dense(rng, shape):
    o = Ones(shape)
    d = Dense(ints(rng, shape))
    pt = point(rng, o.layout.num_vars)
    assert np.array_equal(o.evaluate(pt), _dense_eval(o, pt))
    assert np.array_equal(d.evaluate(pt), _dense_eval(d, pt))
    # a repeated point is answered from the memo, an owned copy each time; other points still evaluate
    first = d.evaluate(pt)
    first[:] = 0
    assert np.array_equal(d.evaluate(pt), _dense_eval(d, pt))
    other = point(rng, o.layout.num_vars)
    assert np.array_equal(d.evaluate(other), _dense_eval(d, other))


@pytest.mark.parametrize("ids,V", [([0], 1), ([2, 0, 2], 5), ([7, 1, 3, 3, 0], 8), ([4] * 9, 6)])
def test_onehot_rows(rng, ids, V):
    o = OneHotRows(np.array(ids), V)
    pt = point(rng, o.layout.num_vars)
    assert np.array_equal(o.evaluate(pt), _dense_eval(o, pt))
    w = rng.integers(0, P, size=(len(ids), 4), dtype=np.uint32)
    want = np.zeros((V, 4), dtype=object)
    for t, v in enumerate(ids):
        want[v] = (want[v] + w[t].astype(object)) % P
    assert np.array_equal(o.fold_rows(w), want.astype(np.uint32))


def test_bad_public_inputs():
    with pytest.raises(InputError):
        OneHotRows(np.array([0, 5]), 5)
    with pytest.raises(InputError):
        OneHotRows(np.array([], np.int64), 5)
    with pytest.raises(InputError):
        BandMask(3, 3, -1)
    with pytest.raises(InputError):
        Dense(np.zeros(3, np.float32))


@pytest.mark.parametrize("bounds,V", [([0], 1), ([1], 1), ([3, 0, 5], 5), ([2, 7, 4, 1, 8], 8), ([6] * 3, 11)])
def test_prefix_rows(rng, bounds, V):
    from deepprove_cli.relations.public import PrefixRows
    pre = PrefixRows(np.array(bounds), V)
    assert np.array_equal(pre.values(), np.array([[int(v < b) for v in range(V)] for b in bounds]))
    for _ in range(2):
        pt = point(rng, pre.layout.num_vars)
        assert np.array_equal(pre.evaluate(pt), _dense_eval(pre, pt))
    with pytest.raises(InputError):
        PrefixRows(np.array([V + 1]), V)

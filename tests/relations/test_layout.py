"""Tensor layout: variables per dimension, point splitting, padded tables, the real-entry indicator."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import to_field
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.poly.padding import pad_tensor
from deepprove_cli.relations.layout import TensorLayout, indicator_table
from tests.relations.helpers import ints, point

SHAPES = [(1,), (5,), (3, 1, 6), (2, 3), (4, 8), (1, 1), (7, 5, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_vars_and_offsets(shape):
    lay = TensorLayout(shape)
    nv = pad_tensor(np.zeros(shape, np.uint32))[1]
    assert list(lay.dim_vars) == nv
    assert lay.num_vars == sum(nv)
    # the last dimension owns the lowest variables, blocks are contiguous and cover [0, n)
    covered = sorted(v for i in range(len(shape)) for v in range(*lay.var_range(i)))
    assert covered == list(range(lay.num_vars))
    if shape:
        assert lay.var_range(len(shape) - 1)[0] == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_table_matches_reference_padding(rng, shape):
    vals = ints(rng, shape)
    lay = TensorLayout(shape)
    want, _ = ref.pad_tensor([int(v) for v in to_field(vals).ravel()], list(shape))
    assert lay.table(vals).tolist() == want
    assert np.array_equal(lay.table(to_field(vals)), lay.table(vals))


@pytest.mark.parametrize("shape", SHAPES)
def test_split_join_roundtrip(rng, shape):
    lay = TensorLayout(shape)
    pt = point(rng, lay.num_vars)
    parts = lay.split_point(pt)
    assert [p.shape[0] for p in parts] == list(lay.dim_vars)
    assert np.array_equal(lay.join_point(parts), pt)


def test_split_point_per_dimension_evaluation(rng):
    """A tensor that is a product of per-dimension vectors evaluates as the product of their MLEs."""
    a, b = ints(rng, (3,), 1, 9), ints(rng, (6,), 1, 9)
    lay = TensorLayout((3, 6))
    pt = point(rng, lay.num_vars)
    pa, pb = lay.split_point(pt)
    from deepprove_cli.lookup import felt
    want = felt.mul(evaluate(TensorLayout((3,)).table(a), pa), evaluate(TensorLayout((6,)).table(b), pb))
    assert np.array_equal(evaluate(lay.table(np.outer(a, b)), pt), want)


@pytest.mark.parametrize("shape", SHAPES)
def test_indicator_eval(rng, shape):
    lay = TensorLayout(shape)
    pt = point(rng, lay.num_vars)
    table = indicator_table(shape)
    assert np.array_equal(lay.indicator_eval(pt), evaluate(table, pt))
    assert ref.evaluate([int(v) for v in table], [tuple(int(c) for c in r) for r in pt]) == \
        tuple(int(c) for c in lay.indicator_eval(pt))


def test_pad_ext(rng):
    lay = TensorLayout((3, 2))
    v = rng.integers(0, 100, size=(3, 2, 4), dtype=np.uint32)
    t = lay.pad_ext(v)
    assert t.shape == (8, 4)
    assert np.array_equal(t.reshape(4, 2, 4)[:3], v) and not t.reshape(4, 2, 4)[3].any()


def test_bad_inputs():
    with pytest.raises(InputError):
        TensorLayout((0, 3))
    lay = TensorLayout((2, 3))
    with pytest.raises(InputError):
        lay.table(np.zeros((3, 2), np.int64))
    with pytest.raises(InputError):
        lay.split_point(np.zeros((2, 4), np.uint32))
    with pytest.raises(InputError):
        lay.table(np.full((2, 3), 2**31, np.uint32))
    with pytest.raises(InputError):
        lay.join_point([np.zeros((1, 4), np.uint32)] * 2)


def test_small_to_field_matches_to_field(rng):
    from deepprove_cli.relations.layout import small_to_field
    half = (2013265921 - 1) // 2
    for arr in [np.array([0, -1, 1, -half, half], np.int64), ints(rng, (7, 3), -(2**20), 2**20).astype(np.int32),
                np.array([half + 1, -half - 1, 2**40, -(2**40)], np.int64), np.array([3, 250], np.uint8),
                np.array([-128, 127], np.int8)]:
        assert np.array_equal(small_to_field(arr), to_field(arr)), arr


def test_layouts_are_shared_per_shape():
    """One instance per shape (whatever the dimension types), copies are the same object, subclasses and
    rejected shapes are never cached."""
    import copy

    lay = TensorLayout((3, 5))
    assert TensorLayout([np.int64(3), 5]) is lay and TensorLayout(np.array([3, 5])) is lay
    assert copy.deepcopy(lay) is lay and copy.copy(lay) is lay
    assert TensorLayout((3, 5)).shape == (3, 5) and all(type(d) is int for d in TensorLayout((np.int64(2),)).shape)

    class Sub(TensorLayout):
        def __init__(self, shape, extra):
            super().__init__(shape)
            self.extra = extra

    sub = Sub((3, 5), 7)
    assert sub is not lay and sub.extra == 7 and sub.num_vars == lay.num_vars and TensorLayout((3, 5)) is lay
    for _ in range(2):
        with pytest.raises(InputError):
            TensorLayout((0, 3))

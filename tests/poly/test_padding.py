import numpy as np
import pytest

from deepprove_cli.field.reference import P
from deepprove_cli.poly import reference as ref
from deepprove_cli.poly.padding import pad_tensor, variable_offsets


@pytest.mark.parametrize("shape", [(), (1,), (3,), (4,), (3, 5), (2, 1, 3), (1, 1)])
def test_pad_tensor_matches_reference(rng, shape):
    a = rng.integers(0, P, size=shape, dtype=np.uint32)
    table, nv = pad_tensor(a)
    want, want_nv = ref.pad_tensor([int(v) for v in a.ravel()], list(shape))
    assert nv == want_nv
    assert [int(v) for v in table] == want
    assert table.shape == (1 << sum(nv),)


def test_pad_tensor_ext_and_variable_order(rng):
    a = rng.integers(0, P, size=(3, 2, 4), dtype=np.uint32)
    table, nv = pad_tensor(a, ext=True)
    assert nv == [2, 1] and table.shape == (8, 4)
    # entry (i, j) sits at index j + 2 i: the last dimension owns the lowest variable
    assert variable_offsets(nv) == [1, 0]
    for i in range(3):
        for j in range(2):
            assert np.array_equal(table[j + 2 * i], a[i, j])
    assert not table[6:].any()


def test_pad_tensor_rejects():
    with pytest.raises(ValueError):
        pad_tensor(np.zeros((2, 0), np.uint32))
    with pytest.raises(ValueError):
        pad_tensor(np.zeros(3, np.int32))
    with pytest.raises(ValueError):
        pad_tensor(np.zeros((2, 3), np.uint32), ext=True)

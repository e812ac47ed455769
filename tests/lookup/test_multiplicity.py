import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import to_field
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.multiplicity import MIN_CHUNK, compute_multiplicities, histogram, table_multiplicities
from deepprove_cli.lookup.tables import domain_table, function_table, range_table


@pytest.mark.parametrize("start,bits,n", [(0, 1, 1), (0, 4, 37), (-8, 4, 100), (5, 6, 1000)])
def test_multiplicities_match_reference(rng, start, bits, n):
    t = domain_table(start, bits)
    cols = [rng.integers(start, start + (1 << bits), size=k) for k in (n, 3)]
    m = table_multiplicities(t, [(to_field(c),) for c in cols])
    assert m.dtype == np.uint32
    assert m.tolist() == ref.multiplicities(start, 1 << bits, np.concatenate(cols))


def test_histogram_many_chunks_and_first_bad(rng):
    n = 3 * MIN_CHUNK + 17
    x = to_field(rng.integers(0, 16, size=n))
    bad_rows = [n // 3 + 1, n // 3 + 2, 2 * n // 3 + 1]  # chunk c covers [c n / 3, (c + 1) n / 3)
    x[bad_rows] = [16, 99, 2 ** 30]
    counts = np.zeros((3, 16), dtype=np.uint32)
    bad = np.empty(3, dtype=np.int64)
    histogram(x, np.uint32(0), counts, bad)
    assert bad.tolist() == [-1, bad_rows[0], bad_rows[2]]
    good = np.delete(x, bad_rows).astype(np.int64)
    assert counts.sum(axis=0).tolist() == ref.multiplicities(0, 16, good)


@pytest.mark.parametrize("value", [16, -1])
def test_value_outside_range_named(value):
    t = range_table(4)
    col = to_field(np.array([0, 3, value, 2]))
    with pytest.raises(InputError, match=f"lookup 0: row 2 input {value} is outside table range4"):
        compute_multiplicities([t], [Lookup(0, (col,))])


def test_function_outputs_checked():
    t = function_table("sq", -2, 2, lambda x: x * x)
    x = np.array([-2, 1, 0, 1])
    y = x * x
    m = compute_multiplicities([t], [Lookup(0, (to_field(x), to_field(y)))])
    assert m[0].tolist() == [1, 0, 1, 2]
    y[3] = 2
    with pytest.raises(InputError, match="row 3 output 1 is 2, table sq has 1 at input 1"):
        compute_multiplicities([t], [Lookup(0, (to_field(x), to_field(y)))])


def test_shape_errors():
    t = function_table("sq", 0, 2, lambda x: x * x)
    a = to_field(np.array([1, 2]))
    with pytest.raises(InputError, match="1 columns, table sq has 2"):
        compute_multiplicities([t], [Lookup(0, (a,))])
    with pytest.raises(InputError, match="different lengths"):
        compute_multiplicities([t], [Lookup(0, (a, a[:1]))])
    with pytest.raises(InputError, match="table index"):
        compute_multiplicities([t], [Lookup(3, (a, a))])
    with pytest.raises(InputError, match="uint32"):
        compute_multiplicities([t], [Lookup(0, (a.astype(np.int64), a))])

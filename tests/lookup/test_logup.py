"""Completeness of the whole argument: the standalone caller proves, verifies and checks every claim."""
import numpy as np
import pytest

from deepprove_cli.field.babybear import to_field
from deepprove_cli.field.reference import P
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup import standalone
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.tables import Table, domain_table, function_table, range_table


def _range_lookup(rng, table_index, bits, n):
    return Lookup(table_index, (to_field(rng.integers(0, 1 << bits, size=n)),))


def _fn_lookup(rng, table_index, table, n):
    x = rng.integers(table.start, table.start + table.size, size=n)
    return Lookup(table_index, (to_field(x), *[to_field(o) for o in table.apply(x)]))


def _prove_verify(tables, lookups):
    proof, mult, claims = standalone.prove(tables, lookups)
    data = proof.to_bytes()
    got = standalone.verify(tables, lookups, mult, data)
    for a, b in zip(claims.lookups + claims.multiplicities, got.lookups + got.multiplicities):
        assert np.array_equal(a.point, b.point) and np.array_equal(a.values, b.values)
    return proof, mult, got


@pytest.mark.parametrize("bits", range(1, 17))
def test_range_tables(rng, bits):
    n = int(rng.integers(1, 200))
    _prove_verify([range_table(bits)], [_range_lookup(rng, 0, bits, n)])


def test_range_table_extremes():
    t = range_table(8)
    col = to_field(np.array([0, 255, 255, 0, 128]))
    _, mult, _ = _prove_verify([t], [Lookup(0, (col,))])
    assert mult[0][0] == 2 and mult[0][255] == 2 and mult[0][128] == 1


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 100])
def test_lengths_and_padding(rng, n):
    _prove_verify([range_table(3)], [_range_lookup(rng, 0, 3, n)])


def test_size_one_table():
    t = Table("zero", 0, 0)
    _prove_verify([t], [Lookup(0, (np.zeros(5, dtype=np.uint32),)), Lookup(0, (np.zeros(1, dtype=np.uint32),))])


def test_signed_domain(rng):
    t = domain_table(-100, 7)
    x = rng.integers(-100, 28, size=50)
    x[:2] = [-100, 27]
    _prove_verify([t], [Lookup(0, (to_field(x),))])


@pytest.mark.parametrize("outputs", [1, 2])
def test_function_tables(rng, outputs):
    fns = (lambda x: (x * x) // 3, lambda x: np.clip(x, -5, 5))
    t = function_table("f", -16, 5, lambda x: tuple(f(x) for f in fns[:outputs]))
    _prove_verify([t], [_fn_lookup(rng, 0, t, 45), _fn_lookup(rng, 0, t, 1)])


def test_committed_outputs(rng):
    t = function_table("g", 0, 4, lambda x: 3 * x - 7, committed=True)
    proof, mult, claims = _prove_verify([t], [_fn_lookup(rng, 0, t, 20)])
    cl = claims.table_outputs[0]
    assert cl is not None and cl.values.shape == (1, 4)
    assert tuple(int(v) for v in cl.values[0]) == ref.evaluate([(3 * x - 7) % P for x in range(16)], cl.point.tolist())
    assert np.array_equal(cl.point, claims.multiplicities[0].point)


def test_many_columns_many_tables(rng):
    exp = function_table("exp", -64, 6, lambda x: np.round(1000 * np.exp(np.minimum(x, 0) / 16)).astype(np.int64))
    tables = [range_table(8), exp, range_table(1), domain_table(7, 2)]
    lookups = [_range_lookup(rng, 0, 8, 300), _fn_lookup(rng, 1, exp, 77), _range_lookup(rng, 2, 1, 5),
               _range_lookup(rng, 0, 8, 1), _fn_lookup(rng, 1, exp, 64), _range_lookup(rng, 0, 8, 33),
               Lookup(3, (to_field(rng.integers(7, 11, size=9)),)), _range_lookup(rng, 2, 1, 1)]
    proof, _, claims = _prove_verify(tables, lookups)
    assert len(claims.lookups) == len(lookups) and len(claims.multiplicities) == len(tables)
    for lk, cl in zip(lookups, claims.lookups):
        assert cl.values.shape == (len(lk.columns), 4)
        assert cl.point.shape[0] == (lk.columns[0].shape[0] - 1).bit_length()
    assert set(proof.sizes()) == {"gkr/roots", "gkr/sumcheck", "gkr/layer-evals", "lookup/leaf-evals"}


def test_logup_identity_reference(rng):
    """The identity the argument proves, computed directly: both sides agree for a valid witness."""
    t = function_table("h", 0, 3, lambda x: 5 - x)
    x = rng.integers(0, 8, size=11)
    rows = [(int(a), int(5 - a)) for a in x]
    mult = ref.multiplicities(0, 8, x)
    alpha, beta = tuple(int(v) for v in rng.integers(0, P, 4)), tuple(int(v) for v in rng.integers(0, P, 4))
    left, right = ref.logup_sides(rows, [(a, 5 - a) for a in range(8)], mult, alpha, beta)
    assert left == right
    rows[0] = (rows[0][0], rows[0][1] + 1)
    left, right = ref.logup_sides(rows, [(a, 5 - a) for a in range(8)], mult, alpha, beta)
    assert left != right


def test_many_lookup_sites(rng):
    """Dozens of sites of random lengths into a few tables: many blocks, several trees per table."""
    tables = [range_table(3), function_table("half", -8, 4, lambda x: x // 2), range_table(6)]
    lookups = []
    for _ in range(30):
        t = int(rng.integers(0, 3))
        n = int(rng.integers(1, 50))
        lookups.append(_fn_lookup(rng, t, tables[t], n) if t == 1 else _range_lookup(rng, t, tables[t].log_size, n))
    from deepprove_cli.lookup.layout import Layout

    lay = Layout(tables, [lk.shape for lk in lookups])
    assert max(len(ts) for ts in lay.tables_trees()) >= 3
    _prove_verify(tables, lookups)

"""Soundness: every false statement, tampered proof or changed public input is rejected."""
import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import to_field
from deepprove_cli.field.reference import P
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.lookup import logup, standalone, verifier
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.lookup.proof import LookupProof
from deepprove_cli.lookup.tables import Table, function_table, range_table


def _cheat(tables, lookups, mult):
    """A proof for a witness the honest prover would refuse, bound to that witness like a commitment."""
    proof, _ = logup.prove(tables, lookups, mult, standalone._transcript(lookups, mult))
    return proof


def _rejected(tables, lookups, mult, proof):
    with pytest.raises(ProofInvalid):
        standalone.verify(tables, lookups, mult, proof)


def _counts(bits, values):
    m = np.zeros(1 << bits, dtype=np.int64)
    for v in values:
        m[v % (1 << bits)] += 1
    return m.astype(np.uint32)


@pytest.mark.parametrize("bits", [1, 4, 8])
@pytest.mark.parametrize("bad", ["2^k", "-1", "p-half"])
def test_value_outside_range(rng, bits, bad):
    x = rng.integers(0, 1 << bits, size=13)
    x[5] = {"2^k": 1 << bits, "-1": -1, "p-half": (P - 1) // 2}[bad]
    lk = [Lookup(0, (to_field(x),))]
    t = [range_table(bits)]
    in_range = [v for v in x if 0 <= v < 1 << bits]
    for mult in (_counts(bits, in_range), _counts(bits, x)):  # ignore the bad row, or count it mod 2^k
        _rejected(t, lk, [mult], _cheat(t, lk, [mult]))


def test_wrong_function_value(rng):
    t = [function_table("sq", -8, 4, lambda x: x * x)]
    x = rng.integers(-8, 8, size=20)
    y = x * x
    y[7] += 1
    lk = [Lookup(0, (to_field(x), to_field(y)))]
    mult = [_counts(4, x + 8)]
    _rejected(t, lk, mult, _cheat(t, lk, mult))


def test_swapped_tuple_columns(rng):
    t = [function_table("dbl", 0, 3, lambda x: 2 * x)]
    x = np.array([1, 2, 3])
    lk = [Lookup(0, (to_field(2 * x), to_field(x)))]  # (f(x), x) is not a row
    mult = [_counts(3, x)]
    _rejected(t, lk, mult, _cheat(t, lk, mult))


def _valid(rng):
    tables = [range_table(4), function_table("neg", -4, 3, lambda x: -x)]
    x = rng.integers(-4, 4, size=9)
    lookups = [Lookup(0, (to_field(rng.integers(0, 16, size=21)),)), Lookup(1, (to_field(x), to_field(-x))),
               Lookup(0, (to_field(rng.integers(0, 16, size=3)),))]
    return tables, lookups, compute_multiplicities(tables, lookups)


@pytest.mark.parametrize("how", ["plus-one", "minus-one-moved", "all-zero"])
def test_wrong_multiplicities(rng, how):
    tables, lookups, mult = _valid(rng)
    for t in range(2):
        bad = [m.copy() for m in mult]
        if how == "plus-one":
            bad[t][3] += 1
        elif how == "minus-one-moved":
            j = int(np.argmax(bad[t]))
            bad[t][j] -= 1
            bad[t][(j + 1) % bad[t].size] += 1
        else:
            bad[t][:] = 0
        _rejected(tables, lookups, bad, _cheat(tables, lookups, bad))


def test_honest_instance_verifies(rng):
    tables, lookups, mult = _valid(rng)
    proof = _cheat(tables, lookups, mult)
    standalone.verify(tables, lookups, mult, proof.to_bytes())


def _tamper_each(rng, get_arrays, step=1):
    tables, lookups, mult = _valid(rng)
    proof = _cheat(tables, lookups, mult)
    count = 0
    for arr in get_arrays(proof):
        flat = arr.reshape(-1)
        for pos in range(0, flat.size, step):
            old = flat[pos]
            flat[pos] = (int(old) + 1) % P
            with pytest.raises(ProofInvalid):
                standalone.verify(tables, lookups, mult, proof)
            flat[pos] = old
            count += 1
    standalone.verify(tables, lookups, mult, proof)  # restored
    assert count > 0


def test_tampered_round_polynomials(rng):
    _tamper_each(rng, lambda pr: [lp.rounds for g in pr.groups for lp in g.layers], step=3)


def test_tampered_layer_claims(rng):
    _tamper_each(rng, lambda pr: [lp.evals for g in pr.groups for lp in g.layers], step=5)


def test_tampered_roots(rng):
    _tamper_each(rng, lambda pr: [g.roots for g in pr.groups], step=2)


def test_tampered_leaf_evaluations(rng):
    _tamper_each(rng, lambda pr: pr.lookup_evals + pr.table_evals)


def test_wrong_final_claim_caught_by_caller(rng):
    """A prover that runs the argument on another (valid) column than the committed one: the argument
    verifies, the caller's check of the returned claim rejects."""
    tables, lookups, mult = _valid(rng)
    other = [Lookup(lk.table, tuple(c.copy() for c in lk.columns)) for lk in lookups]
    col = other[0].columns[0]
    col[0], col[1] = col[1], (int(col[0]) + 1) % 16  # still in range, different values
    other_mult = compute_multiplicities(tables, other)
    proof, _ = logup.prove(tables, other, other_mult, standalone._transcript(lookups, mult))
    claims = verifier.verify(tables, [lk.shape for lk in lookups], proof, standalone._transcript(lookups, mult))
    with pytest.raises(ProofInvalid, match="lookup 0: claimed evaluation of column 0"):
        standalone.check_claims(tables, lookups, mult, claims)


def test_truncated_extra_noncanonical_bytes(rng):
    tables, lookups, mult = _valid(rng)
    data = _cheat(tables, lookups, mult).to_bytes()
    standalone.verify(tables, lookups, mult, data)
    for bad in (data[:-1], data[:-16], data + b"\0", data + bytes(16), b""):
        with pytest.raises(ProofFormatError):
            standalone.verify(tables, lookups, mult, bad)
    noncanon = bytearray(data)
    noncanon[4:8] = (P + 3).to_bytes(4, "little")
    with pytest.raises(ProofFormatError, match="non-canonical"):
        standalone.verify(tables, lookups, mult, bytes(noncanon))


def test_in_memory_proof_of_wrong_shape(rng):
    tables, lookups, mult = _valid(rng)
    proof = _cheat(tables, lookups, mult)
    proof.lookup_evals.pop()
    with pytest.raises(ProofInvalid, match="shape"):
        standalone.verify(tables, lookups, mult, proof)
    with pytest.raises(ProofInvalid, match="not a lookup proof"):
        verifier.verify(tables, [lk.shape for lk in lookups], object(), standalone._transcript(lookups, mult))


def _public_variants(tables, lookups):
    shapes = [lk.shape for lk in lookups]
    neg = tables[1]
    yield "table start", [tables[0], function_table("neg", -3, 3, lambda x: -x)], shapes
    yield "table name", [range_table(4, "r4"), neg], shapes
    yield "table value", [tables[0], Table("neg", -4, 3, [np.array([4, 3, 2, 1, 0, -1, -2, -4])])], shapes
    yield "table mode", [tables[0], function_table("neg", -4, 3, lambda x: -x, committed=True)], shapes
    yield "table size", [range_table(5, "range4"), neg], shapes
    yield "table order", [neg, tables[0]], [type(s)(1 - s.table, s.length) for s in shapes]
    yield "length", tables, [shapes[0], type(shapes[1])(1, shapes[1].length + 1), shapes[2]]
    yield "lookup order", tables, [shapes[2], shapes[1], shapes[0]]
    yield "lookup target", tables, [shapes[0], shapes[1], type(shapes[2])(1, shapes[2].length)]


def test_public_inputs_are_bound(rng):
    tables, lookups, mult = _valid(rng)
    data = _cheat(tables, lookups, mult).to_bytes()
    tr = lambda: standalone._transcript(lookups, mult)  # noqa: E731
    verifier.verify(tables, [lk.shape for lk in lookups], data, tr())
    for what, tabs, shapes in _public_variants(tables, lookups):
        with pytest.raises(ProofInvalid):
            verifier.verify(tabs, shapes, data, tr())
            pytest.fail(f"changed {what} accepted")
    # the caller's statement (its commitments) too
    other = [mult[0].copy(), mult[1]]
    other[0][0] += 1
    with pytest.raises(ProofInvalid):
        verifier.verify(tables, [lk.shape for lk in lookups], data, standalone._transcript(lookups, other))


def test_proof_parse_follows_layout(rng):
    tables, lookups, mult = _valid(rng)
    proof = _cheat(tables, lookups, mult)
    from deepprove_cli.lookup.layout import Layout

    again = LookupProof.from_bytes(proof.to_bytes(), Layout(tables, [lk.shape for lk in lookups]))
    assert again.to_bytes() == proof.to_bytes()
    assert sum(proof.sizes().values()) == len(proof.to_bytes())

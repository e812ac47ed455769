"""The committed caller: Basefold commitment to the witness, the argument, one opening of its claims."""
import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import to_field
from deepprove_cli.lookup import logup, standalone
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.lookup.tables import function_table, range_table


def _instance(rng, committed_outputs=False):
    tables = [range_table(4), function_table("sq", -8, 4, lambda x: x * x, committed=committed_outputs)]
    x = rng.integers(-8, 8, size=37)
    lookups = [Lookup(0, (to_field(rng.integers(0, 16, size=10)),)), Lookup(0, (to_field(np.array([3])),)),
               Lookup(1, (to_field(x), to_field(x * x)))]
    return tables, lookups


@pytest.mark.parametrize("committed_outputs", [False, True])
def test_committed_complete(rng, committed_outputs):
    tables, lookups = _instance(rng, committed_outputs)
    proof, _ = standalone.prove_committed(tables, lookups)
    claims = standalone.verify_committed(tables, [lk.shape for lk in lookups], proof)
    assert (claims.table_outputs[1] is not None) == committed_outputs
    assert set(proof.sizes()) == {"lookup", "opening"}


def test_argument_on_another_witness_fails_the_opening(rng):
    """The argument itself verifies (it ran on a valid witness), but not on the committed one."""
    from deepprove_cli.pcs.basefold.commit_phase import commit
    from deepprove_cli.pcs.basefold.prover import open_batch

    tables, lookups = _instance(rng)
    mult = compute_multiplicities(tables, lookups)
    other = [Lookup(lk.table, tuple(c.copy() for c in lk.columns)) for lk in lookups]
    other[0].columns[0][0] = (int(other[0].columns[0][0]) + 1) % 16
    other_mult = compute_multiplicities(tables, other)
    polys = [standalone._padded(c) for lk in lookups for c in lk.columns] + list(mult)
    data = commit(polys)
    tr = standalone._committed_transcript(data.commitment)
    proof, claims = logup.prove(tables, other, other_mult, tr)
    opening = open_batch(data, standalone._pcs_claims(tables, claims), tr)
    cheat = standalone.CommittedProof(data.commitment, proof.to_bytes(), opening.to_bytes())
    with pytest.raises(ProofInvalid):
        standalone.verify_committed(tables, [lk.shape for lk in lookups], cheat)


def test_commitment_shape_and_tampering(rng):
    tables, lookups = _instance(rng)
    shapes = [lk.shape for lk in lookups]
    proof, _ = standalone.prove_committed(tables, lookups)
    wrong = [shapes[0], type(shapes[1])(0, 2), shapes[2]]  # a 1-row lookup claimed as 2 rows
    with pytest.raises(ProofInvalid, match="expected columns"):
        standalone.verify_committed(tables, wrong, proof)
    for field in ("argument", "opening"):
        data = bytearray(getattr(proof, field))
        data[40] ^= 1
        bad = standalone.CommittedProof(proof.commitment, *(
            (bytes(data), proof.opening) if field == "argument" else (proof.argument, bytes(data))))
        with pytest.raises(ProofInvalid):
            standalone.verify_committed(tables, shapes, bad)

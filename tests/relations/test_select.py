"""Select / Embedding: rows of a committed table by public ids."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.select import Select
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, tampered_proofs, transcript


@pytest.mark.parametrize("V,D,ids", [(9, 3, [4, 0, 8, 4]), (1, 1, [0]), (16, 8, [15]), (5, 6, [1, 2, 3, 4, 0, 1, 2])])
def test_completeness(rng, V, D, ids):
    E = ints(rng, (V, D))
    rel = Select(Operand("E", (V, D)), np.array(ids), "Y")
    y = rel.rows(E)
    assert np.array_equal(y, np.stack([E[i] for i in ids]))
    assert np.array_equal(rel.evaluate(rel.a.values(), E), y)
    claim = random_claim(rng, "Y", y)
    proof, claims = rel.prove(claim, {"E": E}, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(claim, proof, transcript())
    assert len(got) == 1 and got[0].same(claims[0]) and holds(got[0], E)
    assert rel.sc_layout.num_vars == (V - 1).bit_length()  # one sumcheck over v only


def test_soundness(rng):
    V, D, ids = 9, 4, np.array([3, 3, 7, 0, 2])
    E = ints(rng, (V, D))
    rel = Select(Operand("E", (V, D)), ids, "Y")
    y = rel.rows(E)
    claim = random_claim(rng, "Y", y)
    proof, _ = rel.prove(claim, {"E": E}, transcript())
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, claim, bad, transcript())
    assert rejects(rel.verify, TensorClaim("Y", claim.point, bump(claim.value)), proof, transcript())
    other = ids.copy()
    other[2] = 6
    assert rejects(Select(Operand("E", (V, D)), other, "Y").verify, claim, proof, transcript())
    bad_y = y.copy()
    bad_y[1, 2] += 1
    bclaim = random_claim(rng, "Y", bad_y)
    proof, _ = rel.prove(bclaim, {"E": E}, transcript())
    assert rejects(rel.verify, bclaim, proof, transcript())
    with pytest.raises(InputError):
        Select(Operand("E", (V, D)), np.array([V]), "Y")

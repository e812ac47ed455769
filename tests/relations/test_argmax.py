"""Argmax: the first maximum, margins as a derived (or limb) range column, claims on the logits."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.relations.argmax import Argmax, argmax_int
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, tampered_proofs, transcript


def test_argmax_int_first_max():
    L = np.array([[1, 5, 5, 2], [7, 7, 7, 7], [-3, -1, -2, -1]])
    assert argmax_int(L).tolist() == [1, 0, 1]


def _setup(rng, T, V, bits, ties=True):
    L = ints(rng, (T, V), -20, 20)
    if ties:
        L[0, :] = 3  # a row of ties: the first index wins
    tokens = argmax_int(L)
    rel = Argmax(Operand("L", (T, V)), tokens, bits)
    return rel, {"L": L, **rel.witness(L)}


def _run(rng, rel, values):
    margin = None
    if rel.margin.column_relation is not None:
        margin = random_claim(rng, rel.margin.name, values[rel.margin.name])
    proof, claims = rel.prove(values, transcript(), margin)
    return margin, proof, claims


@pytest.mark.parametrize("T,V,bits", [(3, 7, 8), (1, 1, 4), (4, 16, 8), (5, 3, 20), (2, 9, 16)])
def test_completeness(rng, T, V, bits):
    rel, values = _setup(rng, T, V, bits)
    margin, proof, claims = _run(rng, rel, values)
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(proof, transcript(), margin)
    assert len(got) == len(claims) and all(g.same(c) for g, c in zip(got, claims))
    assert all(holds(c, values[c.tensor]) for c in got)
    assert sum(c.tensor == "L" for c in got) == 2
    for col in rel.range_columns():
        assert col.violations(values[col.tensor]) == 0


def test_margins(rng):
    rel, values = _setup(rng, 3, 7, 8)
    L, tok = values["L"], rel.tokens
    D = values["L.margin"]
    for t in range(3):
        for j in range(7):
            assert D[t, j] == L[t, tok[t]] - L[t, j] - (1 if j < tok[t] else 0)


def test_not_first_max_shows_in_range_column(rng):
    L = np.array([[1, 5, 5, 2], [0, 3, 9, 9]])
    for tokens in ([2, 2], [1, 3]):  # row 0: a later tie; row 1: a later tie
        rel = Argmax(Operand("L", (2, 4)), np.array(tokens), 8)
        w = rel.witness(L)
        assert rel.range_columns()[0].violations(w["L.margin"]) >= 1
    rel = Argmax(Operand("L", (2, 4)), np.array([0, 2]), 8)  # not a max at all
    assert rel.range_columns()[0].violations(rel.witness(L)["L.margin"]) >= 1
    rel = Argmax(Operand("L", (2, 4)), np.array([1, 2]), 8)  # the honest tokens
    assert rel.range_columns()[0].violations(rel.witness(L)["L.margin"]) == 0


def test_in_range_but_wrong_margins_rejected(rng):
    """A prover looking up margins that are not L[t, tok] - L[t, j] - [j < tok]: the relation fails."""
    rel, values = _setup(rng, 3, 7, 8)
    bad = dict(values, **{"L.margin": values["L.margin"].copy()})
    bad["L.margin"][1, 3] += 1
    margin = random_claim(rng, rel.margin.name, bad["L.margin"])
    proof, _ = rel.prove(bad, transcript(), margin)
    assert rejects(rel.verify, proof, transcript(), margin)


def test_wrong_selection_rejected(rng):
    """Lsel not the logit at the token: the selection sumcheck fails."""
    rel, values = _setup(rng, 3, 7, 8)
    bad = {k: v.copy() for k, v in values.items()}
    bad["L.sel"][2] += 1
    bad["L.margin"] = rel.margin.value(bad)
    margin = random_claim(rng, rel.margin.name, bad["L.margin"])
    proof, _ = rel.prove(bad, transcript(), margin)
    assert rejects(rel.verify, proof, transcript(), margin)


def test_tampering_and_public_inputs(rng):
    rel, values = _setup(rng, 4, 6, 8, ties=False)
    margin, proof, _ = _run(rng, rel, values)
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, bad, transcript(), margin)
    assert rejects(rel.verify, proof, transcript(), TensorClaim(margin.tensor, margin.point, bump(margin.value)))
    other = rel.tokens.copy()
    other[1] = (other[1] + 1) % 6
    assert rejects(Argmax(Operand("L", (4, 6)), other, 8).verify, proof, transcript(), margin)
    with pytest.raises(InputError):
        rel.verify(proof, transcript())  # the derived column needs the lookup's claim
    with pytest.raises(InputError):
        Argmax(Operand("L", (4, 6)), rel.tokens[:3], 8)

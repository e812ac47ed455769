"""ClaimSet and reduce_claims: completeness, the one-claim pass-through, and tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations.claims import ClaimSet, TensorClaim, prove_reduce, reduce_shape, verify_reduce
from deepprove_cli.relations.layout import TensorLayout
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.sumcheck.proof import SumcheckProof
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, transcript

SHAPE = (3, 5)


@pytest.fixture
def setup(rng):
    vals = ints(rng, SHAPE)
    claims = [random_claim(rng, "x", vals) for _ in range(3)]
    table = TensorLayout(SHAPE).table(vals)
    proof, out = prove_reduce(claims, table, transcript())
    return vals, claims, table, proof, out


def test_claimset_groups_in_order(rng):
    vals = ints(rng, SHAPE)
    a, b, c = (random_claim(rng, n, vals) for n in "xyx")
    cs = ClaimSet([a, b, c])
    assert cs.tensors() == ["x", "y"] and len(cs) == 3
    assert [k.same(a) or k.same(c) for k in cs.claims("x")] == [True, True]
    assert cs.pop("x")[1].same(c) and cs.tensors() == ["y"]
    with pytest.raises(InputError):
        cs.add(TensorClaim("y", np.zeros((1, 4), np.uint32), np.zeros(4, np.uint32)))


def test_completeness(setup):
    vals, claims, _, proof, out = setup
    got = verify_reduce(claims, proof, transcript())
    assert got.same(out) and holds(out, vals)
    assert proof.shape == reduce_shape(3, TensorLayout(SHAPE).num_vars)


def test_one_claim_passes_through(rng):
    vals = ints(rng, SHAPE)
    c = random_claim(rng, "x", vals)
    proof, out = prove_reduce([c], TensorLayout(SHAPE).table(vals), transcript())
    assert out is c and proof.to_bytes() == b""
    assert verify_reduce([c], proof, transcript()) is c


def test_serialization_roundtrip_and_strictness(setup):
    _, claims, _, proof, out = setup
    shape = reduce_shape(3, TensorLayout(SHAPE).num_vars)
    data = proof.to_bytes()
    again = RelationProof.from_bytes(data, shape)
    assert verify_reduce(claims, again, transcript()).same(out)
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data[:-1], shape)
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data + b"\0", shape)


def test_tampered_claim_value_rejected(setup):
    _, claims, _, proof, _ = setup
    bad = list(claims)
    bad[1] = TensorClaim("x", claims[1].point, bump(claims[1].value))
    assert rejects(verify_reduce, bad, proof, transcript())


def test_false_claim_proven_anyway_is_caught(setup):
    """An honest-protocol prover on a false claim: rejected, or its output claim is false."""
    vals, claims, table, _, _ = setup
    bad = list(claims)
    bad[0] = TensorClaim("x", claims[0].point, bump(claims[0].value, 2))
    proof, out = prove_reduce(bad, table, transcript())
    assert rejects(verify_reduce, bad, proof, transcript())


def test_tampered_rounds_and_value_rejected(setup):
    vals, claims, _, proof, out = setup
    for j in range(proof.sumchecks[0].num_vars):
        for p in range(2):
            r = proof.sumchecks[0].round_evals.copy()
            r[j, p, 1] = (int(r[j, p, 1]) + 1) % 2013265921
            assert rejects(verify_reduce, claims, RelationProof([SumcheckProof(r)], proof.values), transcript())
    bad = RelationProof(proof.sumchecks, [bump(proof.values[0])])
    assert rejects(verify_reduce, claims, bad, transcript())


def test_wrong_table_gives_false_output_claim(rng, setup):
    """A prover reducing over another tensor is rejected or leaves an output claim the opening refutes."""
    vals, claims, table, _, _ = setup
    other = vals.copy()
    other[1, 2] += 1
    proof, out = prove_reduce(claims, TensorLayout(SHAPE).table(other), transcript())
    try:
        got = verify_reduce(claims, proof, transcript())
    except ProofInvalid:
        return
    assert not holds(got, vals)


def test_transcript_binding(setup):
    _, claims, _, proof, _ = setup
    tr = transcript(b"other")
    assert rejects(verify_reduce, claims, proof, tr)
    assert rejects(verify_reduce, claims[:2], proof, transcript())

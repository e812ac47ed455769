"""Soundness: every tampering must be rejected (by `verify` or by the final check it leads to)."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.sumcheck import prover, verifier
from deepprove_cli.sumcheck.problem import check_final, combine, final_value
from deepprove_cli.sumcheck.proof import SumcheckProof
from tests.sumcheck.helpers import ext, problem, transcript

N = 4


@pytest.fixture
def honest(rng):
    prob = problem(rng, N, "bbe", [(ext(rng), [0, 1, 2]), (3, [1])])
    claim = prover.claimed_sum(prob)
    proof, point, evals = prover.prove(prob, claim, transcript())
    return prob, claim, proof, evals


def _accepts(prob, claim, proof, evals, tr=None) -> bool:
    try:
        _, expected = verifier.verify(claim, prob.num_vars, prob.degree, proof, tr or transcript())
        check_final(expected, final_value(prob.terms, evals))
    except ProofInvalid:
        return False
    return True


def test_honest_accepts(honest):
    assert _accepts(*honest)


def test_wrong_claim_rejected(honest):
    prob, claim, proof, evals = honest
    bad = claim.copy()
    bad[0] = (int(bad[0]) + 1) % P
    assert not _accepts(prob, bad, proof, evals)
    bad = claim.copy()
    bad[3] = (int(bad[3]) + 1) % P
    assert not _accepts(prob, bad, proof, evals)


def test_every_round_value_tampered_rejected(honest):
    prob, claim, proof, evals = honest
    for j in range(prob.num_vars):
        for p in range(prob.degree):
            for c in (0, 2):
                t = SumcheckProof(proof.round_evals.copy())
                t.round_evals[j, p, c] = (int(t.round_evals[j, p, c]) + 1) % P
                assert not _accepts(prob, claim, t, evals), (j, p, c)


def test_wrong_final_evaluation_rejected(honest):
    prob, claim, proof, evals = honest
    for j in range(evals.shape[0]):
        bad = evals.copy()
        bad[j, 1] = (int(bad[j, 1]) + 1) % P
        assert not _accepts(prob, claim, proof, bad), j


def test_cheating_prover_on_wrong_claim_rejected(rng):
    """A prover that starts from a false claim and still follows the protocol is caught."""
    prob = problem(rng, N, "bb")
    claim = prover.claimed_sum(prob)
    bad = claim.copy()
    bad[0] = (int(bad[0]) + 7) % P
    proof, _, evals = prover.prove(prob, bad, transcript())
    assert not _accepts(prob, bad, proof, evals)


def test_different_transcript_state_rejected(honest):
    prob, claim, proof, evals = honest
    tr = transcript()
    tr.absorb_ext("extra", np.zeros((1, 4), np.uint32))
    assert not _accepts(prob, claim, proof, evals, tr)
    assert not _accepts(prob, claim, proof, evals, transcript(b"other seed"))


def test_truncated_or_extended_bytes_rejected(honest):
    prob, claim, proof, evals = honest
    data = proof.to_bytes()
    for bad in (data[:-1], data[:-16], data + b"\0", data + bytes(16), b""):
        with pytest.raises(ProofFormatError):
            SumcheckProof.from_bytes(bad, prob.num_vars, prob.degree)
    noncanon = bytearray(data)
    noncanon[0:4] = (P).to_bytes(4, "little")
    with pytest.raises(ProofFormatError):
        SumcheckProof.from_bytes(bytes(noncanon), prob.num_vars, prob.degree)


def test_wrong_shape_rejected(honest):
    prob, claim, proof, evals = honest
    for bad in (SumcheckProof(proof.round_evals[:-1]), SumcheckProof(proof.round_evals[:, :-1])):
        with pytest.raises(ProofInvalid):
            verifier.verify(claim, prob.num_vars, prob.degree, bad, transcript())
    with pytest.raises(ProofInvalid):
        verifier.verify(claim, prob.num_vars, prob.degree, "not a proof", transcript())


def test_zero_variable_claim(rng):
    prob = problem(rng, 0, "be")
    claim = prover.claimed_sum(prob)
    proof, point, evals = prover.prove(prob, claim, transcript())
    assert proof.to_bytes() == b"" and point.shape == (0, 4)
    assert _accepts(prob, claim, proof, evals)
    bad = claim.copy()
    bad[0] = (int(bad[0]) + 1) % P
    assert not _accepts(prob, bad, proof, evals)


def test_batch_tampering_rejected(rng):
    probs = [problem(rng, 3, "bb"), problem(rng, 1, "be")]
    claims = [prover.claimed_sum(p) for p in probs]
    proof, _, evals = prover.prove_batch(probs, claims, transcript())

    def accepts(cl, pf, ev):
        try:
            _, expected, coeffs = verifier.verify_batch(cl, [3, 1], 2, pf, transcript())
            check_final(expected, combine(coeffs, [final_value(p.terms, e) for p, e in zip(probs, ev)]))
        except ProofInvalid:
            return False
        return True

    assert accepts(claims, proof, evals)
    for i in range(2):
        cl = [c.copy() for c in claims]
        cl[i][0] = (int(cl[i][0]) + 1) % P
        assert not accepts(cl, proof, evals), i
        ev = [e.copy() for e in evals]
        ev[i][0, 0] = (int(ev[i][0, 0]) + 1) % P
        assert not accepts(claims, proof, ev), i
    # swapping the claims (same values, other order) changes alpha and the combination
    assert not accepts(claims[::-1], proof, evals)
    t = SumcheckProof(proof.round_evals.copy())
    t.round_evals[2, 1, 0] = (int(t.round_evals[2, 1, 0]) + 1) % P
    assert not accepts(claims, t, evals)

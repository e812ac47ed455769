"""The generic sumcheck verifier under attack: degree bounds, batching that must bind every claim,
zero-variable claims, and a prover that knows a challenge before it commits to its messages."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.ext4 import ext_inv
from deepprove_cli.field.reference import P
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.sumcheck import prover, verifier
from deepprove_cli.sumcheck.problem import (SumcheckProblem, batch_coefficients, check_final, combine, emul,
                                            final_value, to_ext)
from deepprove_cli.sumcheck.lagrange import interpolate
from deepprove_cli.sumcheck.proof import LABEL_ALPHA, LABEL_BATCH, SumcheckProof
from deepprove_cli.sumcheck.verifier import round_values
from deepprove_cli.transcript import Transcript
from tests.adversarial.helpers import accepts, bump


def _tables(rng, n, k):
    return [rng.integers(0, P, size=1 << n, dtype=np.uint32) for _ in range(k)]


def test_higher_degree_round_polynomials_do_not_parse():
    """A degree-3 product proven with degree-4 round messages (one evaluation more) is refused by the
    strict parser and by the in-memory shape check: the degree comes from the verifier."""
    rng = np.random.default_rng(1)
    prob = SumcheckProblem(_tables(rng, 3, 3))
    claim = prover.claimed_sum(prob)
    proof, _, _ = prover.prove(prob, claim, Transcript(b"deg"))
    wider = SumcheckProof(np.concatenate([proof.round_evals, proof.round_evals[:, :1]], axis=1))
    with pytest.raises(ProofFormatError):
        SumcheckProof.from_bytes(wider.to_bytes(), 3, 3)
    with pytest.raises(ProofFormatError):
        verifier.verify(claim, 3, 3, wider, Transcript(b"deg"))
    with pytest.raises(ProofFormatError):  # and a lower-degree proof is no proof of this claim
        verifier.verify(claim, 3, 3, SumcheckProof(proof.round_evals[:, :2].copy()), Transcript(b"deg"))


def test_batch_claims_forged_with_the_honest_alpha_are_rejected():
    """If the batching challenge did not depend on every claim, claims moved so that their
    combination under the honest alpha is unchanged would pass with the honest proof."""
    rng = np.random.default_rng(2)
    probs = [SumcheckProblem(_tables(rng, n, 2)) for n in (4, 3, 4)]
    claims = [prover.claimed_sum(p) for p in probs]
    proof, _, evals = prover.prove_batch(probs, claims, Transcript(b"batch"))
    finals = [final_value(p.terms, e) for p, e in zip(probs, evals)]

    def verify(cl):
        _, expected, coeffs = verifier.verify_batch(cl, [4, 3, 4], 2, proof, Transcript(b"batch"))
        check_final(expected, combine(coeffs, finals))

    assert accepts(verify, claims)
    t = Transcript(b"batch")
    t.absorb_ext(LABEL_BATCH, np.stack(claims))
    alpha = t.challenge_ext(LABEL_ALPHA)
    ccoef, _ = batch_coefficients(alpha, [4, 3, 4])
    # claim 2 + delta, claim 0 - delta * c2 / c0: the same combined claim under the honest alpha
    delta = to_ext(12345)
    forged = [_sub(claims[0], emul(delta, emul(ccoef[2], _inv(ccoef[0])))), claims[1],
              _sub(claims[2], _sub(0, delta))]
    assert np.array_equal(combine(ccoef, forged), combine(ccoef, claims))
    assert not accepts(verify, forged)


def test_zero_variable_claim_is_checked_by_the_final_value():
    t = [np.array([7], np.uint32), np.array([9], np.uint32)]
    prob = SumcheckProblem(t)
    proof, point, evals = prover.prove(prob, to_ext(63), Transcript(b"z"))
    assert proof.round_evals.shape == (0, 2, 4) and point.shape == (0, 4)
    _, expected = verifier.verify(to_ext(63), 0, 2, proof, Transcript(b"z"))
    check_final(expected, final_value(prob.terms, evals))
    _, expected = verifier.verify(to_ext(64), 0, 2, proof, Transcript(b"z"))
    with pytest.raises(ProofInvalid):
        check_final(expected, final_value(prob.terms, evals))


def _inv(e) -> np.ndarray:
    return np.array(ext_inv(tuple(np.uint32(v) for v in e)), dtype=np.uint32)


def _sub(a, b) -> np.ndarray:
    return ((np.asarray(a, np.int64) - np.asarray(b, np.int64)) % P).astype(np.uint32)


def _replay(claim, rounds, point) -> np.ndarray:
    """The running claim after the rounds at a given point (the verifier's math, no transcript)."""
    for j in range(rounds.shape[0]):
        claim = interpolate(round_values(claim, rounds[j]), point[j])
    return claim


def test_round_message_chosen_for_a_predicted_challenge_is_caught():
    """A prover with a false claim picks each round polynomial (linear, g(0) + g(1) = running claim)
    to hit the honest running value at a challenge it predicts: the honest proof's point. With the
    challenges it predicted the forgery would pass; the real ones are drawn after each absorb, so
    they differ and the final check fails."""
    rng = np.random.default_rng(3)
    prob = SumcheckProblem(_tables(rng, 3, 2))
    truth = prover.claimed_sum(prob)
    honest, point, evals = prover.prove(prob, truth, Transcript(b"pre"))
    target = final_value(prob.terms, evals)
    claim = false = bump(truth, 0, 1)
    rounds = np.zeros((3, 2, 4), np.uint32)
    for j in range(3):
        # g(X) = a + b X: 2a + b = claim and a + b r = h  =>  a = (h - r claim) / (1 - 2 r)
        h = _replay(truth, honest.round_evals[:j + 1], point)
        r = point[j]
        a = emul(_sub(h, emul(r, claim)), _inv(_sub(to_ext(1), _sub(r, _sub(to_ext(0), r)))))
        rounds[j, 0], rounds[j, 1] = a, _sub(emul(to_ext(2), claim), emul(to_ext(3), a))  # g(2) = 2 claim - 3a
        claim = h
    forged = SumcheckProof(rounds)
    assert np.array_equal(_replay(false, rounds, point), target)  # right, had the challenges been these
    _, expected = verifier.verify(false, 3, 2, forged, Transcript(b"pre"))
    assert not np.array_equal(expected, target)

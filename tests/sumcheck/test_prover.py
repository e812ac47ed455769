"""Completeness: the fast prover equals the reference prover byte for byte, and verifies."""

import numpy as np
import pytest

from deepprove_cli.sumcheck import prover, reference, verifier
from deepprove_cli.sumcheck.problem import SumcheckProblem, check_final, final_value
from deepprove_cli.sumcheck.proof import SumcheckProof
from tests.sumcheck.helpers import ext, problem, transcript


def _prove_and_check(prob, claim=None):
    claim = prover.claimed_sum(prob) if claim is None else claim
    proof, point, evals = prover.prove(prob, claim, transcript())
    rounds, rpoint, revals = reference.prove(prob, claim, transcript())
    assert np.array_equal(proof.round_evals, rounds)
    assert np.array_equal(point, rpoint) and np.array_equal(evals, revals)
    data = proof.to_bytes()
    assert len(data) == 16 * prob.num_vars * prob.degree
    parsed = SumcheckProof.from_bytes(data, prob.num_vars, prob.degree)
    vpoint, expected = verifier.verify(claim, prob.num_vars, prob.degree, parsed, transcript())
    assert np.array_equal(vpoint, point)
    check_final(expected, final_value(prob.terms, evals))
    return proof, point, evals


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("kinds", ["b", "e", "bb", "be", "eb", "ee", "bbb", "bbe", "eee", "bbbb", "ebeb"])
def test_products_all_sizes_and_kinds(rng, n, kinds):
    """The plain product of 1..4 tables (degree = number of tables); 2 and 3 take the fast path."""
    _prove_and_check(problem(rng, n, kinds))


@pytest.mark.parametrize("n", [0, 1, 3, 4])
def test_sums_of_terms(rng, n):
    terms = [(ext(rng), [0, 1, 2]), (5, [1]), (ext(rng), [3, 3]), (1, [0, 2, 3, 1])]
    _prove_and_check(problem(rng, n, "bebe", terms))


def test_eq_weighted_product(rng):
    """sum_x eq(r, x) A(x) B(x) with eq as an ordinary ext table equals the direct weighted sum."""
    from deepprove_cli.poly.eq import eq_table
    from deepprove_cli.poly.multilinear import weighted_product_sum

    n = 4
    r = np.stack([ext(rng) for _ in range(n)])
    prob = problem(rng, n, "bb")
    eq = eq_table(r)
    weighted = SumcheckProblem([eq] + prob.tables)
    claim = prover.claimed_sum(weighted)
    assert np.array_equal(claim, weighted_product_sum(eq, prob.tables))
    _prove_and_check(weighted, claim)


def test_claimed_sum_matches_reference(rng):
    for n, kinds in ((0, "be"), (1, "b"), (3, "bee"), (4, "bb")):
        prob = problem(rng, n, kinds, [(ext(rng), range(len(kinds))), (3, [0])])
        assert np.array_equal(prover.claimed_sum(prob), reference.claimed_sum(prob))


def test_fast_path_selected(rng):
    assert prover._Instance(problem(rng, 3, "bb"), 2).fast
    assert prover._Instance(problem(rng, 3, "eee"), 3).fast
    assert not prover._Instance(problem(rng, 3, "be"), 2).fast
    assert not prover._Instance(problem(rng, 3, "bb"), 3).fast
    assert not prover._Instance(problem(rng, 3, "bb", [(1, [0, 1]), (1, [1])]), 2).fast


def test_final_evals_are_table_evaluations(rng):
    from deepprove_cli.poly.multilinear import evaluate

    prob = problem(rng, 5, "bbe", [(2, [0, 1]), (1, [2, 0])])
    _, point, evals = _prove_and_check(prob)
    for t, e in zip(prob.tables, evals):
        assert np.array_equal(evaluate(t, point), e)


def test_larger_fast_path_matches_generic(rng):
    """At a size with many parallel chunks, the fast path and the generic kernels give the same proof."""
    prob = problem(rng, 14, "bbb")
    claim = prover.claimed_sum(prob)
    fast = prover.prove(prob, claim, transcript())
    inst = prover._Instance(prob, 3)
    inst.fast = False
    slow_proof, slow_point = prover._run([inst], [np.array([1, 0, 0, 0], np.uint32)], 14, 3, claim, transcript())
    assert np.array_equal(fast[0].round_evals, slow_proof.round_evals)
    assert np.array_equal(fast[2], inst.evals)


def test_prover_and_verifier_leave_the_same_transcript_state(rng):
    """Later protocol steps continue from the sumcheck's transcript: both sides must agree."""
    for probs in ([problem(rng, 3, "bb")], [problem(rng, 2, "bbb"), problem(rng, 4, "be")]):
        claims = [prover.claimed_sum(p) for p in probs]
        tp, tv = transcript(), transcript()
        proof, _, _ = prover.prove_batch(probs, claims, tp)
        verifier.verify_batch(claims, [p.num_vars for p in probs], max(p.degree for p in probs), proof, tv)
        assert np.array_equal(tp.challenge_ext("next"), tv.challenge_ext("next"))


@pytest.mark.parametrize("kinds,terms", [("bb", None), ("eee", None), ("bbb", None), ("ee", None),
                                         ("bebe", [(3, [0, 1, 2]), (1, [3, 3])])])
def test_parallel_paths(rng, monkeypatch, kinds, terms):
    """Force the chunked parallel kernels on small inputs: still the reference's bytes."""
    from deepprove_cli.poly import flat

    monkeypatch.setattr(flat, "PARALLEL_MIN", 2)
    monkeypatch.setattr(flat, "CHUNK_MIN", 2)
    _prove_and_check(problem(rng, 5, kinds, terms))

"""Batched claims of different sizes: same bytes as the reference (tiled tables), and they verify."""

import numpy as np
import pytest

from deepprove_cli.sumcheck import prover, reference, verifier
from deepprove_cli.sumcheck.problem import check_final, combine, final_value
from tests.sumcheck.helpers import ext, problem, transcript


def _batch(rng, spec):
    probs = []
    for n, kinds in spec:
        probs.append(problem(rng, n, kinds, [(ext(rng), range(len(kinds)))] + ([(2, [0])] if len(kinds) > 2 else [])))
    return probs


@pytest.mark.parametrize("spec", [
    [(3, "bb"), (1, "e")],
    [(0, "b"), (2, "be"), (2, "bbb")],
    [(4, "bb"), (4, "bb")],
    [(1, "ee"), (5, "bb"), (3, "bbbb")],
])
def test_batch_matches_reference_and_verifies(rng, spec):
    probs = _batch(rng, spec)
    claims = [prover.claimed_sum(p) for p in probs]
    proof, point, evals = prover.prove_batch(probs, claims, transcript())
    rounds, rpoint, revals = reference.prove_batch(probs, claims, transcript())
    assert np.array_equal(proof.round_evals, rounds)
    assert np.array_equal(point, rpoint)
    assert all(np.array_equal(a, b) for a, b in zip(evals, revals))
    nv = [p.num_vars for p in probs]
    degree = max(p.degree for p in probs)
    vpoint, expected, coeffs = verifier.verify_batch(claims, nv, degree, proof, transcript())
    assert np.array_equal(vpoint, point)
    check_final(expected, combine(coeffs, [final_value(p.terms, e) for p, e in zip(probs, evals)]))


def test_batch_instance_points_are_prefixes(rng):
    from deepprove_cli.poly.multilinear import evaluate

    probs = _batch(rng, [(2, "bb"), (4, "be")])
    claims = [prover.claimed_sum(p) for p in probs]
    _, point, evals = prover.prove_batch(probs, claims, transcript())
    for p, ev in zip(probs, evals):
        for t, e in zip(p.tables, ev):
            assert np.array_equal(evaluate(t, point[:p.num_vars]), e)


def test_batch_of_one_is_the_plain_sumcheck(rng):
    probs = _batch(rng, [(3, "bb")])
    claims = [prover.claimed_sum(probs[0])]
    a = prover.prove_batch(probs, claims, transcript())
    b = prover.prove(probs[0], claims[0], transcript())
    assert np.array_equal(a[0].round_evals, b[0].round_evals)

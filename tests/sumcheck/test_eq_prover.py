"""The eq-weighted prover gives exactly the generic proof of eq * G (eq as a table), and verifies."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.poly.eq import eq_table
from deepprove_cli.sumcheck import reference, verifier
from deepprove_cli.sumcheck.eq_prover import _is_ab_cd, prove_eq
from deepprove_cli.sumcheck.problem import SumcheckProblem, check_final, eq_final_value
from tests.sumcheck.helpers import ext, problem, transcript


def _with_eq(r, prob):
    """The same claim with eq(r, .) as table 0 of every term."""
    terms = [(t.coeff, (0,) + tuple(f + 1 for f in t.factors)) for t in prob.terms]
    return SumcheckProblem([eq_table(r)] + prob.tables, terms)


def _check(rng, prob, r=None):
    n = prob.num_vars
    r = rng.integers(0, P, size=(n, 4), dtype=np.uint32) if r is None else r
    full = _with_eq(r, prob)
    claim = reference.claimed_sum(full)
    proof, point, evals = prove_eq(r, prob, claim, transcript())
    rounds, rpoint, revals = reference.prove(full, claim, transcript())
    assert np.array_equal(proof.round_evals, rounds)
    assert np.array_equal(point, rpoint) and np.array_equal(evals, revals[1:])
    vpoint, expected = verifier.verify(claim, n, prob.degree + 1, proof, transcript())
    check_final(expected, eq_final_value(r, vpoint, prob.terms, evals))
    bad = evals.copy()
    bad[0, 0] = (int(bad[0, 0]) + 1) % P
    with pytest.raises(ProofInvalid):
        check_final(expected, eq_final_value(r, vpoint, prob.terms, bad))
    return proof


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("kinds,terms", [
    ("b", None), ("e", None), ("bb", None), ("be", [(3, [0, 1]), (1, [1])]), ("eee", None),
    ("eeee", [(1, [0, 1]), (1, [2, 3])]),                      # the GKR layer shape (vectorized kernel)
    ("beee", [(1, [0, 1]), (1, [2, 3])]),                      # same shape with a base table: generic
    ("eeee", [(2, [0, 1]), (1, [2, 3])]),                      # a coefficient: generic
])
def test_matches_generic_proof_of_eq_times_g(rng, n, kinds, terms):
    _check(rng, problem(rng, n, kinds, terms))


def test_ab_cd_detection(rng):
    assert _is_ab_cd(problem(rng, 2, "eeee", [(1, [0, 1]), (1, [2, 3])]))
    assert _is_ab_cd(problem(rng, 2, "eeee", [(1, [3, 0]), (1, [2, 1])]))
    assert not _is_ab_cd(problem(rng, 2, "eeee", [(1, [0, 1]), (1, [2, 2])]))
    assert not _is_ab_cd(problem(rng, 2, "beee", [(1, [0, 1]), (1, [2, 3])]))


@pytest.mark.parametrize("terms", [None, [(1, [0, 1]), (1, [2, 3])]])
def test_zero_coordinates_take_the_direct_path(rng, terms):
    """r_j = 0 (and then eq prefix 0 after a challenge equal to... never, but r_j = 0 does happen for
    points given by callers): h(1) is computed, not derived."""
    n = 4
    prob = problem(rng, n, "eeee" if terms else "bb", terms)
    r = np.stack([ext(rng) for _ in range(n)])
    r[1] = 0
    r[3] = 0
    _check(rng, prob, r)
    _check(rng, prob, np.zeros((n, 4), np.uint32))


@pytest.mark.parametrize("terms", [None, [(1, [0, 1]), (1, [2, 3])]])
def test_parallel_paths(rng, monkeypatch, terms):
    from deepprove_cli.poly import flat

    monkeypatch.setattr(flat, "PARALLEL_MIN", 2)
    monkeypatch.setattr(flat, "CHUNK_MIN", 1)
    _check(rng, problem(rng, 6, "eeee" if terms else "bbe", terms))


def test_tampered_round_rejected(rng):
    prob = problem(rng, 4, "eeee", [(1, [0, 1]), (1, [2, 3])])
    r = np.stack([ext(rng) for _ in range(4)])
    claim = reference.claimed_sum(_with_eq(r, prob))
    proof, _, evals = prove_eq(r, prob, claim, transcript())
    for j in range(4):
        for p in range(3):
            proof.round_evals[j, p, 2] = (int(proof.round_evals[j, p, 2]) + 1) % P
            vpoint, expected = verifier.verify(claim, 4, 3, proof, transcript())
            with pytest.raises(ProofInvalid):
                check_final(expected, eq_final_value(r, vpoint, prob.terms, evals))
            proof.round_evals[j, p, 2] = (int(proof.round_evals[j, p, 2]) - 1) % P

"""ProductSum and batched constraints: completeness, the eq-weighted prover's bytes, tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.lookup import felt
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.public import Dense
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.zerocheck import ProductSum, batch_constraints, eq_factor, leading_eq_factor, padding_factor
from deepprove_cli.sumcheck import prover
from deepprove_cli.sumcheck.problem import SumcheckProblem
from tests.relations.helpers import holds, ints, point, rejects, tampered_proofs, transcript

SHAPE = (3, 5)


def _sum(rng, tau, lam):
    """Constraints over x (3, 5), a per-row r (3,) and a public c (5,), some weighted by eq over rows."""
    factors = {"eq": eq_factor(tau), "eqr": leading_eq_factor(tau[3:], 3), "x": Operand("x", SHAPE),
               "r": Operand("r", (3,)), "c": Dense(ints(np.random.default_rng(7), (5,)))}
    terms = batch_constraints([[(1, ["x", "c"]), (-2, ["r"])], ([(1, ["x", "r"])], "eqr")], lam)
    return ProductSum(SHAPE, factors, terms, dims={"r": [0], "c": [1]})


def _claim(ps, values):
    tables = [ps._table(n, values) for n in ps.names]
    return prover.claimed_sum(SumcheckProblem(tables, ps.terms))


def test_completeness_and_tampering(rng):
    tau, lam = point(rng, 5), point(rng, 1)[0]
    ps = _sum(rng, tau, lam)
    values = {"x": ints(rng, SHAPE), "r": ints(rng, (3,))}
    claim = _claim(ps, values)
    proof = RelationProof()
    s, claims = ps.prove(claim, values, proof, transcript())
    _, got = ps.verify(claim, proof.cursor(ps.proof_shape()), transcript())
    assert [c.tensor for c in got] == ["x", "r"] and all(g.same(c) for g, c in zip(got, claims))
    assert all(holds(c, values[c.tensor]) for c in got)
    for bad in tampered_proofs(proof):
        assert rejects(lambda: ps.verify(claim, bad.cursor(ps.proof_shape()), transcript()))
    assert rejects(lambda: ps.verify(felt.add(claim, felt.ONE), proof.cursor(ps.proof_shape()), transcript()))


def test_eq_weighted_path_gives_the_generic_bytes(rng):
    """Every term carries eq(tau, .): prove_eq runs, with exactly the generic prover's proof."""
    tau = point(rng, 5)
    factors = {"eq": eq_factor(tau), "x": Operand("x", SHAPE), "r": Operand("r", (3,))}
    ps = ProductSum(SHAPE, factors, [(1, ["eq", "x", "r"]), (-3, ["eq", "x"])], dims={"r": [0]})
    assert ps._common_eq() == "eq"
    values = {"x": ints(rng, SHAPE), "r": ints(rng, (3,))}
    claim = _claim(ps, values)
    proof = RelationProof()
    ps.prove(claim, values, proof, transcript())
    generic, _, _ = prover.prove(SumcheckProblem([ps._table(n, values) for n in ps.names], ps.terms), claim,
                                 transcript())
    assert np.array_equal(proof.sumchecks[0].round_evals, generic.round_evals)
    ps.verify(claim, proof.cursor(ps.proof_shape()), transcript())


def test_bad_factors():
    with pytest.raises(InputError):
        ProductSum(SHAPE, {"x": Operand("x", (5, 3))}, [(1, ["x"])])
    with pytest.raises(InputError):
        ProductSum(SHAPE, {"x": np.zeros(3)}, [(1, ["x"])])


@pytest.mark.parametrize("shape,low_vars", [((3, 5), 0), ((3,), 3), ((2, 3), 2), ((4, 4), 0), ((1,), 1)])
def test_padding_factor(rng, shape, low_vars):
    """1 exactly on padded entries (per row, repeated along the low variables); the verifier's O(n)
    evaluation is the MLE of the prover's table."""
    pad = padding_factor(shape, low_vars)
    table = pad.table()
    expect = np.ones([1 << (d - 1).bit_length() for d in shape], dtype=np.uint32)
    expect[tuple(slice(0, d) for d in shape)] = 0
    assert np.array_equal(table, np.repeat(expect.reshape(-1), 1 << low_vars))
    pt = point(rng, int(np.log2(table.size)))
    assert np.array_equal(pad.evaluate(pt), evaluate(table, pt))

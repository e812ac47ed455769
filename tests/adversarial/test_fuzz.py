"""Byte-level fuzzing of every serialized proof component: each seeded variant of an honest proof
(bit flips, random bytes, truncations, extensions, field-edge words, swapped elements) must be
rejected with ProofInvalid; no other exception may escape and no changed proof may pass (the CLI
maps ProofInvalid to "invalid", anything else would be a traceback or a false accept).

Each check runs what a real verifier runs on bytes: the strict parser under the verifier's own
shape, the verifier, and the caller's check of the claims it leaves.
"""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import to_field
from deepprove_cli.field.reference import P
from deepprove_cli.transcript import Transcript
from tests.adversarial.helpers import assert_only_invalid, check_tensor_claims, rand_point, tensor_eval

COUNT = 200


# -- sumcheck ---------------------------------------------------------------------------------------


def test_fuzz_sumcheck_plain_and_batched():
    from deepprove_cli.sumcheck import prover, verifier
    from deepprove_cli.sumcheck.problem import SumcheckProblem, check_final, combine, final_value
    from deepprove_cli.sumcheck.proof import SumcheckProof

    rng = np.random.default_rng(11)
    tabs = [rng.integers(0, P, size=32, dtype=np.uint32) for _ in range(3)]
    prob = SumcheckProblem(tabs, [(1, [0, 1, 2]), (5, [1])])
    claim = prover.claimed_sum(prob)
    proof, _, evals = prover.prove(prob, claim, Transcript(b"fz-sc"))

    def check(b):
        p = SumcheckProof.from_bytes(b, 5, 3)
        _, expected = verifier.verify(claim, 5, 3, p, Transcript(b"fz-sc"))
        check_final(expected, final_value(prob.terms, evals))

    assert_only_invalid(check, proof.to_bytes(), seed=1, count=COUNT)

    probs = [SumcheckProblem([rng.integers(0, P, size=1 << n, dtype=np.uint32) for _ in range(2)]) for n in (4, 2, 0)]
    claims = [prover.claimed_sum(q) for q in probs]
    bproof, _, bevals = prover.prove_batch(probs, claims, Transcript(b"fz-b"))

    def check_batch(b):
        p = SumcheckProof.from_bytes(b, 4, 2)
        _, expected, coeffs = verifier.verify_batch(claims, [4, 2, 0], 2, p, Transcript(b"fz-b"))
        check_final(expected, combine(coeffs, [final_value(q.terms, e) for q, e in zip(probs, bevals)]))

    assert_only_invalid(check_batch, bproof.to_bytes(), seed=2, count=COUNT)


def test_fuzz_eq_weighted_sumcheck():
    from deepprove_cli.sumcheck import verifier
    from deepprove_cli.sumcheck.eq_prover import prove_eq
    from deepprove_cli.sumcheck.problem import SumcheckProblem, check_final, eq_final_value
    from deepprove_cli.sumcheck.proof import SumcheckProof

    rng = np.random.default_rng(12)
    tabs = [rng.integers(0, P, size=(16, 4), dtype=np.uint32) for _ in range(4)]
    prob = SumcheckProblem(tabs, [(1, [0, 1]), (1, [2, 3])])
    tau = rand_point(rng, 4)
    from deepprove_cli.poly.eq import eq_table
    from deepprove_cli.sumcheck.prover import claimed_sum

    claim = claimed_sum(SumcheckProblem([eq_table(tau)] + tabs, [(1, [0, 1, 2]), (1, [0, 3, 4])]))
    proof, _, evals = prove_eq(tau, prob, claim, Transcript(b"fz-eq"))

    def check(b):
        p = SumcheckProof.from_bytes(b, 4, 3)
        point, expected = verifier.verify(claim, 4, 3, p, Transcript(b"fz-eq"))
        check_final(expected, eq_final_value(tau, point, prob.terms, evals))

    assert_only_invalid(check, proof.to_bytes(), seed=3, count=COUNT)


# -- Basefold openings and commitments ----------------------------------------------------------------


def _pcs_case(rng, multi: bool):
    from deepprove_cli.pcs.basefold.claims import Claim
    from deepprove_cli.pcs.basefold.commit_phase import commit
    from deepprove_cli.pcs.basefold.params import PcsParams
    from deepprove_cli.pcs.basefold.prover import open_batch
    from deepprove_cli.poly.multilinear import evaluate

    # max_vars 7: the 9-variable polynomial is committed as 4 chunks (split values in the proof)
    params = PcsParams(rate_bits=1, arity_bits=2, num_queries=10, grinding_bits=2, final_vars=2, max_vars=7)
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in (9, 7, 4, 1, 0)]
    z = rand_point(rng, 9)
    if multi:
        spec = [(0, z), (1, rand_point(rng, 7)), (2, rand_point(rng, 4)), (0, rand_point(rng, 9)), (4, z[9:])]
    else:
        spec = [(1, z[2:]), (2, z[5:]), (3, z[8:])]
    data = commit(polys, params)
    claims = [Claim(k, pt, evaluate(polys[k], pt)) for k, pt in spec]
    proof = open_batch(data, claims, Transcript(b"fz-pcs"), params)
    return params, data.commitment, claims, proof.to_bytes()


@pytest.mark.parametrize("multi", [False, True], ids=["one-point", "several-points-split"])
def test_fuzz_opening_proof(multi):
    from deepprove_cli.pcs.basefold.verifier import verify_opening

    params, com, claims, data = _pcs_case(np.random.default_rng(13 + multi), multi)

    def check(b):
        verify_opening(com, claims, b, Transcript(b"fz-pcs"), params)

    assert_only_invalid(check, data, seed=4 + multi, count=COUNT)


def test_fuzz_commitment_bytes():
    """A commitment read from a proof file: callers compare its shape with the one they expect
    (as lookup.standalone.verify_committed does), then verify the opening against it."""
    from deepprove_cli.pcs.basefold.commitment import Commitment
    from deepprove_cli.pcs.basefold.verifier import verify_opening

    params, com, claims, opening = _pcs_case(np.random.default_rng(15), True)

    def check(b):
        c = Commitment.from_bytes(b)
        if c.num_vars != com.num_vars:
            raise ProofInvalid("commitment shape differs from the expected one")
        verify_opening(c, claims, opening, Transcript(b"fz-pcs"), params)

    assert_only_invalid(check, com.to_bytes(), seed=6, count=COUNT)


# -- lookups -------------------------------------------------------------------------------------------


def _lookup_instance(rng):
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.lookup.tables import function_table, range_table

    tables = [range_table(4), function_table("sq", -8, 4, lambda x: x * x),
              function_table("cube", -4, 3, lambda x: x ** 3, committed=True), range_table(0, "zero")]
    x = rng.integers(-8, 8, size=37)
    y = rng.integers(-4, 4, size=5)
    lookups = [Lookup(0, (to_field(rng.integers(0, 16, size=10)),)), Lookup(0, (to_field(np.array([3])),)),
               Lookup(1, (to_field(x), to_field(x * x))), Lookup(2, (to_field(y), to_field(y ** 3))),
               Lookup(3, (np.zeros(3, np.uint32),))]
    return tables, lookups


def test_fuzz_lookup_argument():
    from deepprove_cli.lookup import standalone

    tables, lookups = _lookup_instance(np.random.default_rng(16))
    proof, mult, _ = standalone.prove(tables, lookups)
    assert_only_invalid(lambda b: standalone.verify(tables, lookups, mult, b), proof.to_bytes(), seed=7, count=COUNT)


def test_fuzz_committed_lookup():
    from deepprove_cli.lookup import standalone
    from deepprove_cli.pcs.basefold.params import PcsParams

    params = PcsParams(rate_bits=1, arity_bits=2, num_queries=10, grinding_bits=2, final_vars=2)
    tables, lookups = _lookup_instance(np.random.default_rng(17))
    shapes = [lk.shape for lk in lookups]
    proof, _ = standalone.prove_committed(tables, lookups, params=params)
    for field, seed in (("argument", 8), ("opening", 9)):
        def check(b, field=field):
            parts = {"argument": proof.argument, "opening": proof.opening, field: b}
            standalone.verify_committed(tables, shapes, standalone.CommittedProof(proof.commitment, **parts), params)

        assert_only_invalid(check, getattr(proof, field), seed=seed, count=COUNT // 2)


# -- relations -----------------------------------------------------------------------------------------


def _relation_cases(rng):
    """(name, relation, values, prove(transcript) -> proof, verify(proof, transcript) -> claims)."""
    from deepprove_cli.relations.argmax import Argmax, argmax_int
    from deepprove_cli.relations.claims import TensorClaim, prove_reduce, verify_reduce
    from deepprove_cli.relations.divrem import DivRem
    from deepprove_cli.relations.einsum import Einsum
    from deepprove_cli.relations.elementwise import LinComb
    from deepprove_cli.relations.layout import Operand, TensorLayout
    from deepprove_cli.relations.public import BandMask
    from deepprove_cli.relations.rowmax import RowMax
    from deepprove_cli.relations.split import Split, SplitSpec

    def claim_on(name, values):
        pt = rand_point(rng, TensorLayout(np.shape(values)).num_vars)
        return TensorClaim(name, pt, tensor_eval(values, pt))

    out = []
    ein = Einsum("hts,hsd->htd", Operand("A", (2, 3, 5)), Operand("V", (2, 5, 3)), "O")
    v = {"A": rng.integers(-9, 9, size=(2, 3, 5)), "V": rng.integers(-9, 9, size=(2, 5, 3))}
    v["O"] = ein.evaluate(v["A"], v["V"])
    c = claim_on("O", v["O"])
    out.append(("einsum", ein.proof_shape(), v, lambda t, r=ein, c=c, v=v: r.prove(c, v, t)[0],
                lambda p, t, r=ein, c=c: r.verify(c, p, t)))

    lin = LinComb(Operand("Z", (3, 6)), [(1, Operand("Y", (3, 6))), (-2, Operand("b", (6,)))], 7)
    v = {"Y": rng.integers(-9, 9, size=(3, 6)), "b": rng.integers(-9, 9, size=(6,))}
    v["Z"] = lin.evaluate(v)
    c = claim_on("Z", v["Z"])
    out.append(("lincomb", lin.proof_shape(True), v, lambda t, r=lin, c=c, v=v: r.prove(c, v, t)[0],
                lambda p, t, r=lin, c=c: r.verify(c, p, t)))

    sp = Split(Operand("x", (3, 5)), "h", SplitSpec(20, True))
    x = rng.integers(-(1 << 24), 1 << 24, size=(3, 5))
    v = {"x": x, **sp.witness(x)}
    c = claim_on("h", v["h"])
    out.append(("split", sp.proof_shape(), v, lambda t, r=sp, c=c, v=v: r.prove(c, v, t)[0],
                lambda p, t, r=sp, c=c: r.verify(c, p, t)))

    dr = DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 20)  # 16-bit limbs, identity checks
    a, b = rng.integers(-3000, 3000, size=(3, 5)), rng.integers(1, 1 << 19, size=(3,))
    v = {"a": a, "b": b, **dr.witness(a, b)}
    out.append(("divrem", dr.proof_shape(), v, lambda t, r=dr, v=v: r.prove(v, t)[0],
                lambda p, t, r=dr: r.verify(p, t)))

    rm = RowMax(Operand("s", (2, 3, 3)), "m", 18, BandMask(3, 3))
    x = rng.integers(-3000, 3000, size=(2, 3, 3))
    v = {"s": x, **rm.witness(x)}
    out.append(("rowmax", rm.proof_shape(), v, lambda t, r=rm, v=v: r.prove(v, t)[0],
                lambda p, t, r=rm: r.verify(p, t)))

    L = rng.integers(-20, 20, size=(3, 7))
    am = Argmax(Operand("L", (3, 7)), argmax_int(L), 8)
    v = {"L": L, **am.witness(L)}
    mc = claim_on(am.margin.name, v[am.margin.name])
    out.append(("argmax", am.proof_shape(), v, lambda t, r=am, v=v, mc=mc: r.prove(v, t, mc)[0],
                lambda p, t, r=am, mc=mc: r.verify(p, t, mc)))

    T = rng.integers(-50, 50, size=(4, 3))
    cl = [claim_on("T", T) for _ in range(3)]
    v = {"T": T}
    table = TensorLayout((4, 3)).table(T)
    out.append(("reduce", None, v, lambda t, cl=cl, table=table: prove_reduce(cl, table, t)[0],
                lambda p, t, cl=cl: [verify_reduce(cl, p, t)]))
    return out


@pytest.mark.parametrize("case", range(7), ids=["einsum", "lincomb", "split", "divrem", "rowmax", "argmax",
                                                 "reduce"])
def test_fuzz_relation_proofs(case):
    from deepprove_cli.relations.claims import reduce_shape
    from deepprove_cli.relations.proof import RelationProof

    name, shape, values, prove, verify = _relation_cases(np.random.default_rng(18))[case]
    shape = shape or reduce_shape(3, 4)
    seed = name.encode()
    data = prove(Transcript(b"fz-rel:" + seed)).to_bytes()

    def check(b):
        claims = verify(RelationProof.from_bytes(b, shape), Transcript(b"fz-rel:" + seed))
        check_tensor_claims(claims, values)

    assert_only_invalid(check, data, seed=20 + case, count=COUNT)

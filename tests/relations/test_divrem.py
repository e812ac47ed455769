"""DivRem: floor semantics, the zero-check, the gap column, limbs for wide remainders, tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.divrem import DivRem, divrem_int
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, tampered_proofs, transcript


def test_divrem_int_reference(rng):
    a = ints(rng, (4, 6), -1000, 1000)
    b = ints(rng, (4,), 1, 40)
    q, r = divrem_int(a, b, 1)
    for i in range(4):
        for j in range(6):
            assert q[i, j] == int(a[i, j]) // int(b[i]) and r[i, j] == int(a[i, j]) % int(b[i])
            assert 0 <= r[i, j] < b[i]
    with pytest.raises(InputError):
        divrem_int(a, np.array([1, 0, 2, 3]), 1)


def _setup(rng, a_shape, b_shape, bits, lo=-3000, hi=3000, bmax=None):
    bmax = bmax or min(1 << bits, 500)
    a = ints(rng, a_shape, lo, hi)
    b = ints(rng, b_shape, 1, bmax + 1)
    rel = DivRem(Operand("a", a_shape), Operand("b", b_shape), "q", "r", bits)
    values = {"a": a, "b": b, **rel.witness(a, b)}
    return rel, values


CASES = [((3, 5), (3,), 9), ((2, 3, 4), (2, 3), 12), ((2, 3, 4), (2,), 10), ((1, 1), (1,), 3), ((5,), (5,), 6),
         ((3, 7), (3,), 20)]


@pytest.mark.parametrize("a_shape,b_shape,bits", CASES)
def test_completeness(rng, a_shape, b_shape, bits):
    rel, values = _setup(rng, a_shape, b_shape, bits, bmax=(1 << 19) if bits > 16 else None)
    proof, claims = rel.prove(values, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(proof, transcript())
    assert len(got) == len(claims)
    for g, c in zip(got, claims):
        assert g.same(c) and holds(g, values[g.tensor])
    assert {"a", "q", "b", "r"} <= {c.tensor for c in got}
    for col in rel.range_columns():
        assert col.violations(values[col.tensor]) == 0
        assert col.bits <= 16


def test_gap_column_claim(rng):
    rel, values = _setup(rng, (3, 5), (3,), 9)
    assert [c.tensor for c in rel.range_columns()] == ["r", "r.gap"]
    claim = random_claim(rng, "r.gap", values["r.gap"])
    proof, claims = rel.prove_gap(claim, values, transcript())
    got = rel.verify_gap(claim, proof, transcript())
    assert sorted(c.tensor for c in got) == ["b", "r"] and all(holds(c, values[c.tensor]) for c in got)
    assert rejects(rel.verify_gap, TensorClaim("r.gap", claim.point, bump(claim.value)), proof, transcript())


def test_wrong_quotient_shows_in_range_columns(rng):
    """q - 1 with r + b keeps a = q b + r: the zero-check passes, the gap range column fails."""
    rel, values = _setup(rng, (3, 5), (3,), 9)
    bad = {k: v.copy() for k, v in values.items()}
    bad["q"][1, 2] -= 1
    bad["r"][1, 2] += values["b"][1]
    bad["r.gap"][1, 2] -= values["b"][1]
    proof, claims = rel.prove(bad, transcript())
    got = rel.verify(proof, transcript())
    assert all(holds(c, bad[c.tensor]) for c in got)
    cols = {c.tensor: c for c in rel.range_columns()}
    assert cols["r.gap"].violations(bad["r.gap"]) == 1
    bad["q"][1, 2] += 2  # q + 1 with r - b: r negative
    bad["r"][1, 2] -= 2 * values["b"][1]
    assert cols["r"].violations(bad["r"]) == 1


def test_wide_remainder_limbs(rng):
    rel, values = _setup(rng, (3, 7), (3,), 20, -(1 << 24), 1 << 24, bmax=1 << 19)
    assert len(rel.range_columns()) == 4
    bad = {k: v.copy() for k, v in values.items()}
    bad["r.lo1"][0, 0] += 1  # limbs no longer recompose r
    proof, _ = rel.prove(bad, transcript())
    assert rejects(rel.verify, proof, transcript())


def test_inconsistent_witness_rejected(rng):
    rel, values = _setup(rng, (2, 3, 4), (2, 3), 12)
    bad = dict(values, q=values["q"].copy())
    bad["q"][1, 0, 3] += 1
    proof, _ = rel.prove(bad, transcript())
    assert rejects(rel.verify, proof, transcript())


def test_tampered_proof(rng):
    rel, values = _setup(rng, (3, 5), (3,), 9)
    proof, _ = rel.prove(values, transcript())
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, bad, transcript())
    data = proof.to_bytes()
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data[:-2], rel.proof_shape())
    other = DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 10)
    assert rejects(other.verify, proof, transcript())


def test_bad_construction():
    with pytest.raises(InputError):
        DivRem(Operand("a", (3, 5)), Operand("b", (5,)), "q", "r", 8)
    with pytest.raises(InputError):
        DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 40)

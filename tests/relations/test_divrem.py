"""DivRem: floor semantics, the zero-check, the derived gap and quotient columns, limbs for wide remainders
and quotients, the quotient bound against the field, tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.field.reference import P
from deepprove_cli.relations.divrem import HALF, DivRem, divisor_bound, divrem_int, max_quotient_bits
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.ranges import split_limbs
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


def _setup(rng, a_shape, b_shape, bits, lo=-3000, hi=3000, bmax=None, qbits=None, bmin=1):
    bmax = bmax or min(1 << bits, 500)
    a = ints(rng, a_shape, lo, hi)
    b = ints(rng, b_shape, bmin, bmax + 1)
    rel = DivRem(Operand("a", a_shape), Operand("b", b_shape), "q", "r", bits, qbits)
    values = {"a": a, "b": b, **rel.witness(a, b)}
    return rel, values


# (a, b shapes, remainder bits, quotient bits (None: the widest), a's and b's ranges)
CASES = [((3, 5), (3,), 9, 13, 3000, 1), ((2, 3, 4), (2, 3), 12, None, 3000, 1), ((2, 3, 4), (2,), 10, 16, 3000, 1),
         ((1, 1), (1,), 3, 13, 3000, 1), ((5,), (5,), 6, 20, 3000, 1), ((3, 7), (3,), 20, 9, 1 << 24, 1 << 17)]


@pytest.mark.parametrize("a_shape,b_shape,bits,qbits,amax,bmin", CASES)
def test_completeness(rng, a_shape, b_shape, bits, qbits, amax, bmin):
    rel, values = _setup(rng, a_shape, b_shape, bits, -amax, amax, (1 << 19) if bits > 16 else None, qbits, bmin)
    proof, claims = rel.prove(values, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(proof, transcript())
    assert len(got) == len(claims)
    for g, c in zip(got, claims):
        assert g.same(c) and holds(g, values[g.tensor])
    assert {"a", "q", "b", "r"} <= {c.tensor for c in got}
    cols = rel.range_columns()
    assert any(c.tensor.startswith("q.biased") for c in cols)
    for col in cols:
        assert col.violations(values[col.tensor]) == 0
        assert col.bits <= 16


def test_derived_columns(rng):
    rel, values = _setup(rng, (3, 5), (3,), 9, qbits=13)
    assert [c.tensor for c in rel.range_columns()] == ["r", "r.gap", "q.biased"]
    assert rel.derived_columns() == ["r.gap", "q.biased"]
    assert np.array_equal(values["q.biased"], values["q"] + (1 << 12))
    for column, made_of in (("r.gap", ["b", "r"]), ("q.biased", ["q"])):
        claim = random_claim(rng, column, values[column])
        proof, claims = rel.prove_column(claim, values, transcript())
        proof = RelationProof.from_bytes(proof.to_bytes(), rel.column_shape(column))
        got = rel.verify_column(claim, proof, transcript())
        assert sorted(c.tensor for c in got) == made_of and all(holds(c, values[c.tensor]) for c in got)
        assert rejects(rel.verify_column, TensorClaim(column, claim.point, bump(claim.value)), proof, transcript())
    with pytest.raises(InputError):
        rel.prove_column(random_claim(rng, "r", values["r"]), values, transcript())  # r is a direct column


def test_wrong_quotient_shows_in_range_columns(rng):
    """q - 1 with r + b keeps a = q b + r: the zero-check passes, the gap range column fails."""
    rel, values = _setup(rng, (3, 5), (3,), 9, qbits=13)
    bad = {k: v.copy() for k, v in values.items()}
    bad["q"][1, 2] -= 1
    bad["r"][1, 2] += values["b"][1]
    bad["r.gap"][1, 2] -= values["b"][1]
    bad["q.biased"][1, 2] -= 1
    proof, claims = rel.prove(bad, transcript())
    got = rel.verify(proof, transcript())
    assert all(holds(c, bad[c.tensor]) for c in got)
    cols = {c.tensor: c for c in rel.range_columns()}
    assert cols["r.gap"].violations(bad["r.gap"]) == 1
    bad["q"][1, 2] += 2  # q + 1 with r - b: r negative
    bad["r"][1, 2] -= 2 * values["b"][1]
    assert cols["r"].violations(bad["r"]) == 1


def test_quotient_bound_against_the_field():
    """2^(qbits-1) (2^(bits+1) - 1) <= (p-1)/2, and the default is the widest such qbits."""
    for bits in range(1, 29):
        w = max_quotient_bits(bits)
        assert w >= 1 and (1 << (w - 1)) * divisor_bound(bits) <= HALF < (1 << w) * divisor_bound(bits)
        assert DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", bits).qbits == w
        with pytest.raises(InputError):
            DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", bits, w + 1)
    assert max_quotient_bits(29) == 0
    with pytest.raises(InputError):  # a 29-bit divisor leaves no quotient range
        DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", 29)
    with pytest.raises(InputError):
        DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", 9, 0)


def test_witness_outside_the_widths(rng):
    rel = DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", 9, 8)
    rel.witness(np.array([[127 * 5, -128 * 5, 0], [1, 2, 3]]), np.array([5, 512]))
    with pytest.raises(InputError):  # quotient 128 >= 2^7
        rel.witness(np.array([[128 * 5, 0, 0], [1, 2, 3]]), np.array([5, 7]))
    with pytest.raises(InputError):  # divisor 513 > 2^9
        rel.witness(np.array([[1, 0, 0], [1, 2, 3]]), np.array([5, 513]))


@pytest.mark.parametrize("qbits", [13, 20])
def test_fractional_quotient_leaves_its_range(qbits):
    """r' = r - 1 with q' = (a - r') / b in the field: the zero-check and the remainder ranges pass; the
    biased quotient is a field element near p / b, outside [0, 2^qbits)."""
    a, b = np.array([[100, -7, 13], [0, 5, -64]]), np.array([9, 4])
    rel = DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", 9, qbits)
    values = {"a": a, "b": b, **rel.witness(a, b)}
    bad = {"a": a, "b": b, "q": (values["q"] % P).astype(np.uint32), "r": values["r"].copy()}
    bad["r"][0, 0] -= 1  # r = 100 mod 9 = 1 -> 0
    bad["q"][0, 0] = (int(a[0, 0]) - int(bad["r"][0, 0])) * pow(9, P - 2, P) % P
    for rc in rel.ranges:
        bad.update({k: v % P for k, v in rc.witness({**bad, "b": b}).items()} if rc.bits <= 16 else
                   {l.name: x for l, x in zip(rc.limbs, split_limbs(rc.value(bad) % P, rc.widths[:-1] + (32,)))})
    proof, _ = rel.prove(bad, transcript())
    assert all(holds(c, bad[c.tensor]) for c in rel.verify(proof, transcript()))
    bad_cols = [c.tensor for c in rel.range_columns() if c.violations(bad[c.tensor])]
    assert bad_cols and all(t.startswith("q.biased") for t in bad_cols)


def test_wide_remainder_limbs(rng):
    rel, values = _setup(rng, (3, 7), (3,), 20, -(1 << 24), 1 << 24, bmax=1 << 19, bmin=1 << 17)
    assert len(rel.range_columns()) == 5  # r, gap: two limbs each; the 9-bit biased quotient: derived
    bad = {k: v.copy() for k, v in values.items()}
    bad["r.lo1"][0, 0] += 1  # limbs no longer recompose r
    proof, _ = rel.prove(bad, transcript())
    assert rejects(rel.verify, proof, transcript())


def test_inconsistent_witness_rejected(rng):
    rel, values = _setup(rng, (2, 3, 4), (2, 3), 12, qbits=14)
    bad = dict(values, q=values["q"].copy())
    bad["q"][1, 0, 3] += 1
    proof, _ = rel.prove(bad, transcript())
    assert rejects(rel.verify, proof, transcript())


def test_tampered_proof(rng):
    rel, values = _setup(rng, (3, 5), (3,), 9, qbits=20)  # limbs: identity checks in the proof
    proof, _ = rel.prove(values, transcript())
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, bad, transcript())
    data = proof.to_bytes()
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data[:-2], rel.proof_shape())
    for other in (DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 10, 19),
                  DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 9, 19)):
        assert rejects(other.verify, proof, transcript())


def test_bad_construction():
    with pytest.raises(InputError):
        DivRem(Operand("a", (3, 5)), Operand("b", (5,)), "q", "r", 8)
    with pytest.raises(InputError):
        DivRem(Operand("a", (3, 5)), Operand("b", (3,)), "q", "r", 40)

"""Einsum relation: completeness over the LLM's index patterns, integer semantics, soundness."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.public import Dense, OneHotRows, Ones
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, tampered_proofs, transcript

# (spec, A shape, B shape, which operands are public: None, "a" or "b")
CASES = [
    ("ti,oi->to", (5, 7), (3, 7), None),            # dense X W^T
    ("ti,oi->to", (1, 1), (1, 1), None),            # 1-element dims: no sumcheck variables
    ("ti,oi->to", (1, 5), (4, 5), None),
    ("htd,hsd->hts", (2, 3, 5), (2, 4, 5), None),   # Q K^T per head
    ("hts,hsd->htd", (3, 5, 6), (3, 6, 4), None),   # P V per head
    ("kgtd,ksd->kgts", (2, 3, 4, 5), (2, 6, 5), None),  # grouped-query sharing
    ("xcy,cz->xyz", (3, 5, 2), (5, 3), None),       # free letters not contiguous in A
    ("thd,dsh->hts", (3, 2, 5), (5, 4, 2), None),   # letters in different orders in A, B and Y
    ("abcd,dcb->ab", (2, 3, 4, 5), (5, 4, 3), None),  # several contracted letters, a batch-free output
    ("ti,t->t", (4, 6), (4,), None),                # contracted letter in A only
    ("t,o->to", (3,), (5,), None),                  # outer product
    ("ti,i->t", (4, 7), (7,), "b"),                 # sum over an axis: ones vector
    ("to,o->to", (3, 6), (6,), "b"),                # per-channel multiplier
    ("tv,vd->td", (4, 9), (9, 3), "a"),             # embedding rows by a public selection
    ("td,td->td", (3, 5), (3, 5), "b"),             # elementwise by a public table (RoPE)
]


def _operands(spec, sa, sb, public, rng):
    av, bv = ints(rng, sa), ints(rng, sb)
    a, b = Operand("A", sa), Operand("B", sb)
    if public == "a":
        ids = rng.integers(0, sa[1], size=sa[0])
        a = OneHotRows(ids, sa[1])
        av = a.values()
    if public == "b":
        b = Ones(sb) if spec == "ti,i->t" else Dense(bv)
        bv = b.values()
    return Einsum(spec, a, b, "Y"), av, bv


def _prove(rel, av, bv, rng, seed=b"rel"):
    y = rel.evaluate(av, bv)
    claim = random_claim(rng, "Y", y)
    proof, claims = rel.prove(claim, {"A": av, "B": bv}, transcript(seed))
    return y, claim, proof, claims


@pytest.mark.parametrize("spec,sa,sb,public", CASES)
def test_completeness(rng, spec, sa, sb, public):
    rel, av, bv = _operands(spec, sa, sb, public, rng)
    y, claim, proof, claims = _prove(rel, av, bv, rng)
    got = rel.verify(claim, proof, transcript())
    assert len(got) == len(claims) == (1 if public else 2)
    for g, c in zip(got, claims):
        assert g.same(c)
        assert holds(g, {"A": av, "B": bv}[g.tensor])
    data = proof.to_bytes()
    again = RelationProof.from_bytes(data, rel.proof_shape())
    assert all(g.same(c) for g, c in zip(rel.verify(claim, again, transcript()), claims))


def test_integer_semantics(rng):
    rel = Einsum("kgtd,ksd->kgts", Operand("Q", (2, 3, 4, 5)), Operand("K", (2, 6, 5)), "S")
    q, k = ints(rng, (2, 3, 4, 5)), ints(rng, (2, 6, 5))
    y = rel.evaluate(q, k)
    for idx in np.ndindex(y.shape):
        kk, g, t, s = idx
        assert y[idx] == sum(int(q[kk, g, t, d]) * int(k[kk, s, d]) for d in range(5))


def test_field_input_same_proof(rng):
    from deepprove_cli.field.babybear import to_field
    rel, av, bv = _operands("ti,oi->to", (5, 7), (3, 7), None, rng)
    y = rel.evaluate(av, bv)
    claim = random_claim(rng, "Y", y)
    p1, _ = rel.prove(claim, {"A": av, "B": bv}, transcript())
    p2, _ = rel.prove(claim, {"A": to_field(av), "B": to_field(bv)}, transcript())
    assert p1.to_bytes() == p2.to_bytes()


@pytest.fixture(params=["ti,oi->to", "htd,hsd->hts"])
def honest(request, rng):
    spec = request.param
    sa, sb = {"ti,oi->to": ((5, 7), (3, 7)), "htd,hsd->hts": ((2, 3, 5), (2, 4, 5))}[spec]
    rel, av, bv = _operands(spec, sa, sb, None, rng)
    y, claim, proof, claims = _prove(rel, av, bv, rng)
    return rel, av, bv, y, claim, proof


def test_tampered_output_entry_rejected(rng, honest):
    rel, av, bv, y, claim, _ = honest
    bad_y = y.copy()
    bad_y.flat[3] += 1
    bad_claim = random_claim(rng, "Y", bad_y)
    proof, _ = rel.prove(bad_claim, {"A": av, "B": bv}, transcript())
    assert rejects(rel.verify, bad_claim, proof, transcript())


def test_tampered_claim_value_rejected(honest):
    rel, av, bv, y, claim, proof = honest
    bad = TensorClaim("Y", claim.point, bump(claim.value, 1))
    assert rejects(rel.verify, bad, proof, transcript())


def test_tampered_round_and_values_rejected(honest):
    rel, av, bv, y, claim, proof = honest
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, claim, bad, transcript())


def test_wrong_witness_leaves_false_claim(rng, honest):
    """A prover using another A than the committed one (consistently) passes the relation, but its
    claim on A is refuted by the opening of the real A."""
    rel, av, bv, y, claim, _ = honest
    bad_a = av.copy()
    bad_a.flat[0] += 1
    fake_claim = random_claim(rng, "Y", rel.evaluate(bad_a, bv))
    proof, _ = rel.prove(fake_claim, {"A": bad_a, "B": bv}, transcript())
    got = rel.verify(fake_claim, proof, transcript())
    assert not holds(got[0], av) or not holds(fake_claim, y)


def test_truncated_and_extra_bytes(honest):
    rel, _, _, _, claim, proof = honest
    data = proof.to_bytes()
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data[:-4], rel.proof_shape())
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(data + b"\0" * 16, rel.proof_shape())
    short = RelationProof(proof.sumchecks, proof.values[:-1])
    assert rejects(rel.verify, claim, short, transcript())


def test_changed_public_inputs_rejected(rng):
    rel, av, bv = _operands("to,o->to", (3, 6), (6,), "b", rng)
    y, claim, proof, _ = _prove(rel, av, bv, rng)
    other = bv.copy()
    other[2] += 1
    rel2 = Einsum("to,o->to", Operand("A", (3, 6)), Dense(other), "Y")
    assert rejects(rel2.verify, claim, proof, transcript())
    rel, av, bv = _operands("tv,vd->td", (4, 9), (9, 3), "a", rng)
    y, claim, proof, _ = _prove(rel, av, bv, rng)
    ids = rel.a.ids.copy()
    ids[1] = (ids[1] + 1) % 9
    rel3 = Einsum("tv,vd->td", OneHotRows(ids, 9), Operand("B", (9, 3)), "Y")
    assert rejects(rel3.verify, claim, proof, transcript())


def test_changed_shape_rejected(rng, honest):
    rel, av, bv, y, claim, proof = honest
    if rel.spec != "ti,oi->to":
        return
    rel2 = Einsum("ti,oi->to", Operand("A", (5, 6)), Operand("B", (3, 6)), "Y")
    assert rejects(rel2.verify, claim, proof, transcript())


def test_bad_specs():
    for spec, sa, sb in [("ab,bc", (2, 2), (2, 2)), ("aa,ab->b", (2, 2), (2, 2)), ("ab,bc->ad", (2, 2), (2, 2)),
                         ("ab,bc->ac", (2, 3), (2, 2)), ("a,b,c->a", (2,), (2,))]:
        with pytest.raises(InputError):
            Einsum(spec, Operand("A", sa), Operand("B", sb), "Y")


def test_same_tensor_as_both_operands(rng):
    """Sum of squares (RMSNorm): one tensor read twice gives two claims on it."""
    rel = Einsum("ti,ti->t", Operand("X", (3, 6)), Operand("X", (3, 6)), "S")
    x = ints(rng, (3, 6))
    s = rel.evaluate(x, x)
    assert np.array_equal(s, (x * x).sum(axis=1))
    claim = random_claim(rng, "S", s)
    proof, claims = rel.prove(claim, {"X": x}, transcript())
    got = rel.verify(claim, proof, transcript())
    assert [c.tensor for c in got] == ["X", "X"] and all(holds(c, x) for c in got)

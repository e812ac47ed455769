"""Elementwise relations: linear combinations with broadcasting, identity checks, products."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations import elementwise as ew
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.public import Dense
from tests.relations.helpers import bump, holds, ints, point, random_claim, rejects, transcript


def _roundtrip(rel, known, values):
    proof, claims = rel.prove(known, values, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape(known is not None))
    got = rel.verify(known, proof, transcript())
    assert len(got) == len(claims) and all(g.same(c) for g, c in zip(got, claims))
    for c in got:
        assert holds(c, values[c.tensor])
    return proof, got


LINCOMB_CASES = [  # (out shape, [(coeff, shape)], const)
    ((3, 5), [(1, (3, 5)), (1, (3, 5))], 0),           # add
    ((3, 5), [(1, (3, 5)), (-1, (3, 5))], 0),          # sub
    ((3, 5), [(1, (3, 5)), (1, (5,))], 0),             # bias add
    ((3, 5), [(2, (3, 5)), (-3, (3, 1))], 7),          # per-row value, constant
    ((2, 3, 5), [(1, (2, 3, 5)), (1, (1, 3, 1)), (4, (5,))], -2),
    ((1,), [(5, (1,))], 3),
    ((4, 6), [(1, (4, 1))], 0),                        # broadcast
]


@pytest.mark.parametrize("shape,terms,const", LINCOMB_CASES)
def test_lincomb(rng, shape, terms, const):
    ops = [Operand(f"A{k}", s) for k, (_, s) in enumerate(terms)]
    values = {o.name: ints(rng, o.shape) for o in ops}
    rel = ew.LinComb(Operand("Y", shape), [(c, o) for (c, _), o in zip(terms, ops)], const)
    y = rel.evaluate(values)
    want = sum(c * np.broadcast_to(values[o.name], shape) for (c, _), o in zip(terms, ops)) + const
    assert np.array_equal(y, want)
    values["Y"] = y
    assert not rel.residual(values).any()
    _roundtrip(rel, random_claim(rng, "Y", y), values)


def test_claim_on_an_input_derives_the_output(rng):
    """A claim on an input (e.g. hi of a split, consumed downstream) gives claims on the others."""
    a, b = ints(rng, (3, 4)), ints(rng, (3, 4))
    rel = ew.add(Operand("Y", (3, 4)), Operand("A", (3, 4)), Operand("B", (3, 4)))
    values = {"A": a, "B": b, "Y": a + b}
    _, got = _roundtrip(rel, random_claim(rng, "A", a), values)
    assert sorted(c.tensor for c in got) == ["B", "Y"]


def test_identity_check_without_claim(rng):
    a = ints(rng, (3, 5))
    rel = ew.LinearRelation((3, 5), [(2, Operand("A", (3, 5))), (-1, Operand("D", (3, 5)))], 1)
    values = {"A": a, "D": 2 * a + 1}
    _roundtrip(rel, None, values)
    bad = dict(values, D=values["D"].copy())
    bad["D"][1, 2] += 1
    proof, _ = rel.prove(None, bad, transcript())
    assert rejects(rel.verify, None, proof, transcript())


def test_public_term(rng):
    c = Dense(ints(rng, (5,)))
    rel = ew.LinComb(Operand("Y", (3, 5)), [(1, Operand("A", (3, 5))), (-2, c)])
    a = ints(rng, (3, 5))
    y = rel.evaluate({"A": a})
    assert np.array_equal(y, a - 2 * c.values())
    claim = random_claim(rng, "Y", y)
    _roundtrip(rel, claim, {"A": a, "Y": y})
    rel2 = ew.LinComb(Operand("Y", (3, 5)), [(1, Operand("A", (3, 5))), (-2, Dense(c.values() + 1))])
    proof, _ = rel.prove(claim, {"A": a, "Y": y}, transcript())
    assert rejects(rel2.verify, claim, proof, transcript())


@pytest.fixture
def honest(rng):
    ops = [Operand("A", (3, 5)), Operand("B", (5,))]
    rel = ew.LinComb(Operand("Y", (3, 5)), [(1, ops[0]), (3, ops[1])], 2)
    values = {"A": ints(rng, (3, 5)), "B": ints(rng, (5,))}
    values["Y"] = rel.evaluate(values)
    claim = random_claim(rng, "Y", values["Y"])
    proof, claims = rel.prove(claim, values, transcript())
    return rel, values, claim, proof


def test_tampered_output_entry(rng, honest):
    rel, values, _, _ = honest
    bad_y = values["Y"].copy()
    bad_y[2, 1] += 1
    claim = random_claim(rng, "Y", bad_y)
    proof, _ = rel.prove(claim, values, transcript())
    assert rejects(rel.verify, claim, proof, transcript())


def test_tampered_claim_value_and_sent_values(honest):
    rel, values, claim, proof = honest
    assert rejects(rel.verify, TensorClaim("Y", claim.point, bump(claim.value)), proof, transcript())
    for i in range(len(proof.values)):
        vals = list(proof.values)
        vals[i] = bump(vals[i], 3)
        assert rejects(rel.verify, claim, RelationProof([], vals), transcript())


def test_changed_constants_and_shapes_rejected(honest):
    rel, values, claim, proof = honest
    ops = [t for _, t in rel.terms[1:]]
    assert rejects(ew.LinComb(Operand("Y", (3, 5)), [(1, ops[0]), (3, ops[1])], 3).verify, claim, proof, transcript())
    assert rejects(ew.LinComb(Operand("Y", (3, 5)), [(1, ops[0]), (2, ops[1])], 2).verify, claim, proof, transcript())


def test_truncated_and_extra(honest):
    rel, values, claim, proof = honest
    data = proof.to_bytes()
    for bad in (data[:-1], data + b"\0\0\0\0"):
        with pytest.raises(ProofFormatError):
            RelationProof.from_bytes(bad, rel.proof_shape())
    assert rejects(rel.verify, claim, RelationProof([], proof.values[:-1]), transcript())


MUL_CASES = [((3, 5), (3, 5)), ((3, 5), (5,)), ((3, 1), (3, 5)), ((2, 3, 4), (3, 1)), ((1,), (1,)), ((4,), (4,))]


@pytest.mark.parametrize("sa,sb", MUL_CASES)
def test_mul(rng, sa, sb):
    rel = ew.mul("Y", Operand("A", sa), Operand("B", sb))
    a, b = ints(rng, sa), ints(rng, sb)
    y = rel.evaluate(a, b)
    assert np.array_equal(y, a * b)
    claim = random_claim(rng, "Y", y)
    proof, claims = rel.prove(claim, {"A": a, "B": b}, transcript())
    got = rel.verify(claim, proof, transcript())
    assert [c.tensor for c in got] == ["A", "B"] and holds(got[0], a) and holds(got[1], b)
    bad = y.copy()
    bad.flat[-1] += 1
    bclaim = random_claim(rng, "Y", bad)
    proof, _ = rel.prove(bclaim, {"A": a, "B": b}, transcript())
    assert rejects(rel.verify, bclaim, proof, transcript())


def test_scale_by_public(rng):
    m = Dense(ints(rng, (6,), 1, 1000))
    rel = ew.scale("Y", Operand("A", (4, 6)), m)
    a = ints(rng, (4, 6))
    y = rel.evaluate(a, m.values())
    assert np.array_equal(y, a * m.values())
    claim = random_claim(rng, "Y", y)
    proof, claims = rel.prove(claim, {"A": a}, transcript())
    got = rel.verify(claim, proof, transcript())
    assert len(got) == 1 and holds(got[0], a)
    other = ew.scale("Y", Operand("A", (4, 6)), Dense(m.values() * 2))
    assert rejects(other.verify, claim, proof, transcript())


def test_bad_shapes():
    with pytest.raises(InputError):
        ew.add(Operand("Y", (3, 5)), Operand("A", (3, 5)), Operand("B", (4,)))
    with pytest.raises(InputError):
        ew.mul("Y", Operand("A", (3, 5)), Operand("B", (2, 5)))
    with pytest.raises(InputError):
        ew.LinComb(Operand("Y", (3,)), [(1, Operand("A", (3,))), (1, Operand("A", (3,)))])
    rel = ew.add(Operand("Y", (3, 5)), Operand("A", (3, 5)), Operand("B", (5,)))
    with pytest.raises(InputError):
        rel.prove(TensorClaim("B", point(np.random.default_rng(0), 3), np.zeros(4, np.uint32)), {}, transcript())

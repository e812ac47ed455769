"""Primitive proof ops against direct evaluations, with tampered values rejected."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.field.babybear import random_elements
from deepprove_cli.nodeproofs.ops import AliasOp, PublicOp, SliceOp, StackOp, same_padded_table
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import TensorLayout
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.public import Dense
from deepprove_cli.transcript import Transcript


def _claim(rng, name, values):
    lay = TensorLayout(values.shape)
    pt = random_elements(rng, (lay.num_vars, 4))
    return TensorClaim(name, pt, evaluate(lay.table(values), pt))


def _holds(claim, values):
    return np.array_equal(evaluate(TensorLayout(values.shape).table(values), claim.point), claim.value)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_stack(rng, axis):
    parts = [rng.integers(-50, 50, (3, 5)) for _ in range(3)]
    op = StackOp("out", ["a", "b", "c"], (3, 5), axis)
    vals = {"a": parts[0], "b": parts[1], "c": parts[2]}
    out = op.forward(vals)["out"]
    assert np.array_equal(out, np.stack(parts, axis=axis))
    claim = _claim(rng, "out", out)
    proof, claims = op.prove(claim, vals, Transcript(b"t"))
    got = op.verify(claim, proof, Transcript(b"t"))
    assert all(a.same(b) for a, b in zip(claims, got)) and all(_holds(c, vals[c.tensor]) for c in got)
    bad = RelationProof(proof.sumchecks, [proof.values[0] ^ np.array([1, 0, 0, 0], np.uint32)] + proof.values[1:])
    with pytest.raises(ProofInvalid, match="recombine"):
        op.verify(claim, bad, Transcript(b"t"))
    wrong = TensorClaim("out", claim.point, claim.value ^ np.array([1, 0, 0, 0], np.uint32))
    with pytest.raises(ProofInvalid):
        op.verify(wrong, proof, Transcript(b"t"))


@pytest.mark.parametrize("index", [0, 1, 2])
def test_slice(rng, index):
    src = rng.integers(-50, 50, (4, 3, 6))
    op = SliceOp("part", "src", src.shape, 1, index)
    part = op.forward({"src": src})["part"]
    assert np.array_equal(part, src[:, index])
    claim = _claim(rng, "part", part)
    (c,) = op.verify(claim, RelationProof(), Transcript(b"t"))
    assert c.tensor == "src" and _holds(c, src)


def test_alias_needs_the_same_padded_table():
    assert same_padded_table((5, 4, 16), (5, 64)) and same_padded_table((3, 2, 2, 16), (3, 64))
    assert same_padded_table((7, 3, 2), (7, 6))  # (3, 2) pads to (4, 2): same flat index i * 2 + j
    assert not same_padded_table((7, 2, 3), (7, 6))  # (2, 3) pads to (2, 4): i * 4 + j, not i * 3 + j
    with pytest.raises(InputError, match="padded layout"):
        AliasOp("out", "x", (7, 2, 3), (7, 6))


def test_public_output(rng):
    values = rng.integers(-9, 9, (5, 3))
    op = PublicOp("e", Dense(values))
    claim = _claim(rng, "e", values)
    assert op.verify(claim, RelationProof(), Transcript(b"t")) == []
    with pytest.raises(ProofInvalid, match="public tensor"):
        op.verify(TensorClaim("e", claim.point, claim.value ^ np.array([0, 1, 0, 0], np.uint32)), RelationProof(),
                  Transcript(b"t"))

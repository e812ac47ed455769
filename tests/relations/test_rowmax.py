"""RowMax: integer semantics, completeness with masks, and every way to fake a maximum."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.public import BandMask, Dense
from deepprove_cli.relations.rowmax import RowMax, rowmax_int
from tests.relations.helpers import holds, ints, rejects, tampered_proofs, transcript


def test_rowmax_int_reference(rng):
    x = ints(rng, (4, 6), -9, 9)
    mask = BandMask(4, 6, 1).values()
    m, s, d = rowmax_int(x, mask)
    for i in range(4):
        allowed = [j for j in range(6) if mask[i, j]]
        best = max(int(x[i, j]) for j in allowed)
        first = min(j for j in allowed if x[i, j] == best)
        assert m[i] == best and s[i].tolist() == [int(j == first) for j in range(6)]
        assert d[i].tolist() == [int(mask[i, j]) * (best - int(x[i, j])) for j in range(6)]
    with pytest.raises(InputError):
        rowmax_int(x, np.zeros((4, 6)))


CASES = [((3, 5), None, 8), ((5, 5), "causal", 8), ((2, 4, 4), "causal", 8), ((2, 3, 6), "window", 8),
         ((1, 1), None, 3), ((3, 6), None, 20), ((7,), None, 8)]


def _setup(rng, shape, mask, bits):
    pub = None
    if mask == "causal":
        pub = BandMask(shape[-2], shape[-1])
    elif mask == "window":
        pub = BandMask(shape[-2], shape[-1], 2, 3)
    x = ints(rng, shape, -100, 100)
    rel = RowMax(Operand("x", shape), "m", bits, pub)
    return rel, {"x": x, **rel.witness(x)}


@pytest.mark.parametrize("shape,mask,bits", CASES)
def test_completeness(rng, shape, mask, bits):
    rel, values = _setup(rng, shape, mask, bits)
    proof, claims = rel.prove(values, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(proof, transcript())
    assert len(got) == len(claims) and all(g.same(c) for g, c in zip(got, claims))
    assert all(holds(c, values[c.tensor]) for c in got)
    assert {"x", "m", "m.onehot", "m.diff"} <= {c.tensor for c in got}
    assert all(col.violations(values[col.tensor]) == 0 for col in rel.range_columns())


def _cheat(rel, values, **changes):
    bad = {k: v.copy() for k, v in values.items()}
    bad.update(changes)
    return bad


def test_max_not_the_max_shows_in_range_column(rng):
    """m below the max but attained elsewhere: the max's entry gets a negative d, out of range."""
    rel, values = _setup(rng, (3, 5), None, 8)
    x = values["x"].copy()
    x[1] = [5, 9, 3, 5, 1]
    m, s, d = values["m"].copy(), values["m.onehot"].copy(), values["m.diff"].copy()
    m[1] = 5
    s[1] = [1, 0, 0, 0, 0]
    d[1] = m[1] - x[1]
    bad = _cheat(rel, values, x=x, m=m, **{"m.onehot": s, "m.diff": d})
    proof, _ = rel.prove(bad, transcript())
    got = rel.verify(proof, transcript())  # the algebra holds...
    assert all(holds(c, bad[c.tensor]) for c in got)
    assert rel.range_columns()[0].violations(d) == 1  # ...the range check fails


def test_max_not_attained_rejected(rng):
    """m above every entry: d >= 0 everywhere, but the selected entry's d is not 0."""
    rel, values = _setup(rng, (3, 5), None, 8)
    m = values["m"] + np.array([0, 1, 0])
    d = m[:, None] - values["x"]
    proof, _ = rel.prove(_cheat(rel, values, m=m, **{"m.diff": d}), transcript())
    assert rejects(rel.verify, proof, transcript())


def test_selector_cheats_rejected(rng):
    rel, values = _setup(rng, (4, 4), "causal", 8)
    s = values["m.onehot"]
    two = s.copy()
    two[2, 0] = 1 - two[2, 0]  # a second (or no) selected entry
    half = s.copy()
    half[3] = 0
    half[3, 3] = 2  # not binary; the row still sums to 2
    for bad_s in (two, half):
        proof, _ = rel.prove(_cheat(rel, values, **{"m.onehot": bad_s}), transcript())
        assert rejects(rel.verify, proof, transcript())


def test_masked_entry_cannot_be_selected(rng):
    """A masked entry above the row's max: selecting it (m = that entry) breaks d = mask (m - x)
    or s (mask - s) = 0."""
    rel, values = _setup(rng, (4, 4), "causal", 8)
    x = values["x"].copy()
    x[1, 3] = 1000  # masked (3 > 1)
    m = values["m"].copy()
    m[1] = 1000
    s = values["m.onehot"].copy()
    s[1] = [0, 0, 0, 1]
    d = BandMask(4, 4).values() * (m[:, None] - x)
    proof, _ = rel.prove(_cheat(rel, values, x=x, m=m, **{"m.onehot": s, "m.diff": d}), transcript())
    assert rejects(rel.verify, proof, transcript())


def test_wrong_differences_rejected(rng):
    rel, values = _setup(rng, (3, 5), None, 8)
    d = values["m.diff"].copy()
    d[0, 4] += 1
    proof, _ = rel.prove(_cheat(rel, values, **{"m.diff": d}), transcript())
    assert rejects(rel.verify, proof, transcript())


def test_tampered_proof_and_public_inputs(rng):
    rel, values = _setup(rng, (4, 4), "causal", 8)
    proof, _ = rel.prove(values, transcript())
    for bad in tampered_proofs(proof):
        assert rejects(rel.verify, bad, transcript())
    other_mask = RowMax(Operand("x", (4, 4)), "m", 8, BandMask(4, 4, 1))
    assert rejects(other_mask.verify, proof, transcript())
    dense = RowMax(Operand("x", (4, 4)), "m", 8, Dense(BandMask(4, 4, 1).values()))
    assert rejects(dense.verify, proof, transcript())
    with pytest.raises(ProofFormatError):
        RelationProof.from_bytes(proof.to_bytes() + b"\1", rel.proof_shape())

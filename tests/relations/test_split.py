"""Split: integer semantics (floor, rounding, limbs), the relation both ways, range columns, tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.split import Split, SplitSpec, split_int
from tests.relations.helpers import bump, holds, ints, random_claim, rejects, transcript

SPECS = [SplitSpec(1), SplitSpec(4), SplitSpec(4, True), SplitSpec(16), SplitSpec(20, True), SplitSpec(24, False, (8, 8, 8))]


@pytest.mark.parametrize("spec", SPECS)
def test_split_int_reference(rng, spec):
    x = ints(rng, (50,), -(1 << 26), 1 << 26)
    hi, limbs = split_int(x, spec)
    for i, v in enumerate(x.tolist()):
        t = v + (1 << (spec.shift - 1) if spec.rounding else 0)
        assert hi[i] == t // (1 << spec.shift)
        lo = t - (t // (1 << spec.shift)) * (1 << spec.shift)
        assert sum(int(l[i]) << o for l, o in zip(limbs, spec.limb_offsets())) == lo
        for l, w in zip(limbs, spec.limbs):
            assert 0 <= l[i] < 1 << w
    if spec.rounding:  # round half up
        assert all(hi[i] == int(np.floor(v / 2 ** spec.shift + 0.5)) for i, v in enumerate(x.tolist()))


def test_limb_widths_default():
    assert SplitSpec(20).limbs == (16, 4) and SplitSpec(32 - 2).limbs == (16, 14) and SplitSpec(16).limbs == (16,)
    with pytest.raises(InputError):
        SplitSpec(0)
    with pytest.raises(InputError):
        SplitSpec(20, limbs=(17, 3))
    with pytest.raises(InputError):
        split_int(np.array([2**31]), SplitSpec(3))


def _setup(rng, spec, shape=(3, 5)):
    x = ints(rng, shape, -(1 << 24), 1 << 24)
    rel = Split(Operand("x", shape), "h", spec)
    values = {"x": x, **rel.witness(x)}
    return rel, values


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("on", ["h", "x"])
def test_relation_completeness(rng, spec, on):
    rel, values = _setup(rng, spec)
    known = random_claim(rng, on, values[on])
    proof, claims = rel.prove(known, values, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rel.proof_shape())
    got = rel.verify(known, proof, transcript())
    assert sorted(c.tensor for c in got) == sorted(n for n in values if n != on)
    for g, c in zip(got, claims):
        assert g.same(c) and holds(g, values[g.tensor])
    cols = rel.range_columns()
    assert [c.tensor for c in cols] == [l.name for l in rel.limbs]
    assert all(c.violations(values[c.tensor]) == 0 for c in cols)
    assert all(np.array_equal(c.table(values[c.tensor]), rel.limbs[0].layout.table(values[c.tensor])) for c in cols)


def test_one_element_and_odd_shapes(rng):
    for shape in [(1,), (1, 1), (7,), (3, 1, 5)]:
        rel, values = _setup(rng, SplitSpec(5, True), shape)
        known = random_claim(rng, "h", values["h"])
        proof, _ = rel.prove(known, values, transcript())
        assert all(holds(c, values[c.tensor]) for c in rel.verify(known, proof, transcript()))


def test_wrong_remainder_rejected(rng):
    """lo off by one (hi unchanged): the relation fails."""
    rel, values = _setup(rng, SplitSpec(6))
    bad = dict(values)
    bad["h.lo0"] = values["h.lo0"].copy()
    bad["h.lo0"][1, 1] = (bad["h.lo0"][1, 1] + 1) % 64  # still in range
    known = random_claim(rng, "h", values["h"])
    proof, claims = rel.prove(known, bad, transcript())
    assert rejects(rel.verify, known, proof, transcript())


def test_out_of_range_limb_shows_in_range_column(rng):
    """hi - 1 with lo + 2^k satisfies the linear relation; the limb's range column catches it."""
    rel, values = _setup(rng, SplitSpec(6))
    bad = dict(values)
    bad["h"] = values["h"].copy()
    bad["h.lo0"] = values["h.lo0"].copy()
    bad["h"][0, 2] -= 1
    bad["h.lo0"][0, 2] += 64
    known = random_claim(rng, "h", bad["h"])
    proof, _ = rel.prove(known, bad, transcript())
    got = rel.verify(known, proof, transcript())
    assert all(holds(c, bad[c.tensor]) for c in got)  # consistent with the cheating witness...
    col = rel.range_columns()[0]
    assert col.violations(bad["h.lo0"]) == 1  # ...which the lookup argument rejects


def test_tampering(rng):
    rel, values = _setup(rng, SplitSpec(20, True))
    known = random_claim(rng, "h", values["h"])
    proof, _ = rel.prove(known, values, transcript())
    assert rejects(rel.verify, TensorClaim("h", known.point, bump(known.value)), proof, transcript())
    for i in range(len(proof.values)):
        vals = list(proof.values)
        vals[i] = bump(vals[i])
        assert rejects(rel.verify, known, RelationProof([], vals), transcript())
    other = Split(Operand("x", (3, 5)), "h", SplitSpec(20, False))
    assert rejects(other.verify, known, proof, transcript())
    bad_x = values["x"].copy()
    bad_x[2, 4] += 1
    proof, _ = rel.prove(known, {**values, "x": bad_x}, transcript())
    assert rejects(rel.verify, known, proof, transcript())

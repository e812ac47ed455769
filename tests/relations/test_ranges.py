"""Range checks: direct columns, derived columns (claims through a linear relation), limbs."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.field.reference import P
from deepprove_cli.relations.ranges import (MAX_COMPARE_BITS, RangeCheck, RangeColumn, compare_bits, limb_widths,
                                            split_limbs)
from tests.relations.helpers import holds, ints, random_claim, rejects, transcript


def test_limbs():
    assert limb_widths(16) == (16,) and limb_widths(33) == (16, 16, 1) and limb_widths(5) == (5,)
    v = np.array([0, 1, 65535, 65536, 2**31 - 1])
    limbs = split_limbs(v, (16, 15))
    assert np.array_equal(limbs[0] + (limbs[1] << 16), v)
    with pytest.raises(InputError):
        RangeColumn("x", 17, (3,))


def test_widths_stop_below_the_field(rng):
    """[0, 2^31) holds every element of a 31-bit field: 30 bits is the widest range check."""
    x = Operand("x", (2, 3))
    assert [c.bits for c in RangeCheck("x30", (2, 3), 30, [(1, x)]).columns()] == [16, 14]
    for bits in (0, 31, 32):
        with pytest.raises(InputError):
            RangeCheck("xr", (2, 3), bits, [(1, x)])


def test_comparison_widths():
    """v - u in [0, 2^bits) with |v - u| < 2^bits: a negative difference + p stays out of range iff
    2^(bits+1) <= p + 1."""
    assert (1 << (MAX_COMPARE_BITS + 1)) <= P + 1 < 1 << (MAX_COMPARE_BITS + 2)
    assert compare_bits("t", 29) == 29 and compare_bits("t", 1) == 1
    for bits in (0, 30):
        with pytest.raises(InputError):
            compare_bits("t", bits)


def test_direct_column(rng):
    x = Operand("x", (3, 4))
    rc = RangeCheck("xr", (3, 4), 8, [(1, x)])
    assert rc.direct and rc.columns() == [RangeColumn("x", 8, (3, 4))] and rc.witness({"x": ints(rng, (3, 4))}) == {}
    assert rc.columns()[0].violations(np.array([[0, 255, 256, -1]])) == 2


def test_derived_column(rng):
    x, m = Operand("x", (3, 4)), Operand("m", (3, 1))
    rc = RangeCheck("gap", (3, 4), 10, [(1, m), (-1, x)], -1)
    vals = {"x": ints(rng, (3, 4), 0, 100), "m": np.full((3,), 200)}
    w = rc.witness(vals)
    assert np.array_equal(w["gap"], 200 - vals["x"] - 1)
    assert [c.tensor for c in rc.columns()] == ["gap"]
    claim = random_claim(rng, "gap", w["gap"])
    proof, claims = rc.prove_column(claim, {**vals, **w}, transcript())
    got = rc.verify_column(claim, proof, transcript())
    assert sorted(c.tensor for c in got) == ["m", "x"] and all(holds(c, vals[c.tensor]) for c in got)


def test_limb_identity(rng):
    x = Operand("x", (2, 5))
    rc = RangeCheck("xr", (2, 5), 21, [(1, x)])
    vals = {"x": ints(rng, (2, 5), 0, 1 << 21)}
    w = rc.witness(vals)
    assert [c.bits for c in rc.columns()] == [16, 5]
    proof, claims = rc.prove_identity({**vals, **w}, transcript())
    proof = RelationProof.from_bytes(proof.to_bytes(), rc.identity_shape())
    got = rc.verify_identity(proof, transcript())
    assert all(holds(c, {**vals, **w}[c.tensor]) for c in got)
    bad = dict(w)
    bad["xr.lo1"] = w["xr.lo1"].copy()
    bad["xr.lo1"][0, 0] += 1
    proof, _ = rc.prove_identity({**vals, **bad}, transcript())
    assert rejects(rc.verify_identity, proof, transcript())
    with pytest.raises(InputError):
        rc.witness({"x": np.full((2, 5), 1 << 21)})

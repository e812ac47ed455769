"""DivRem: q = floor(a / b), r = a - q b with 0 <= r < b, b > 0 per row (broadcast along a's trailing
dimensions): softmax normalization by the row sum, and any integer division by a witness.

q and r are committed advice. The proof:
- zero-check (zerocheck.py): sum_x eq(tau, x) (a - q b~ - r)(x) = 0 over a's layout, b~ = b constant
  along the trailing dimensions (padded entries of a, q, r are zero, so b~'s padding is irrelevant);
  leaves claims on a, q, b, r at the sumcheck's final point;
- range checks (lookup argument): r in [0, 2^bits) and the GAP g = b~ - 1 - r in [0, 2^bits) (with
  the -1 masked to real entries, so padded gaps are 0), which together give 0 <= r < b and b >= 1:
  r + g + 1 = b in the field, and r + g + 1 < 2^(bits+1) <= p for bits <= 29
  (ranges.MAX_COMPARE_BITS; at 30 bits r + g could be b - 1 + p).
  For bits <= 16 the gap is a DERIVED column (never committed): the lookup's claim on it turns into
  claims on b and r by `prove_gap` (a linear relation, no sumcheck). For wider remainders r and g
  are committed as 16-bit limbs; identity checks at a challenge point tie r and b~ - 1 - r to them.

q being the floor then follows: a = q b + r with 0 <= r < b over the integers, provided the products
do not wrap (|q b| + b < p/2 from the quantizer's bounds on a and b).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.ranges import RangeCheck, RangeColumn, compare_bits
from deepprove_cli.relations.zerocheck import ProductSum, eq_factor

LABEL_TAU = "relation/divrem/tau"


def divrem_int(a, b_rows, axes: int) -> tuple[np.ndarray, np.ndarray]:
    """(q, r) = (floor(a / b), a - q b) with b per row: b's shape is a's without the last `axes`
    dimensions. InputError unless every b > 0."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b_rows, dtype=np.int64)
    if b.size and int(b.min()) <= 0:
        raise InputError("divrem: every divisor must be positive")
    bb = b.reshape(b.shape + (1,) * axes)
    q = a // bb
    return q, a - q * bb


class DivRem:
    """a = q b + r, 0 <= r < b <= 2^bits (b per row: a.shape[:len(b.shape)] == b.shape)."""

    def __init__(self, a: Operand, b: Operand, q: str, r: str, bits: int):
        k = len(b.shape)
        if a.shape[:k] != b.shape or k == 0 or k > len(a.shape):
            raise InputError(f"divrem: divisor shape {b.shape} must be a leading part of {a.shape}")
        self.a, self.b, self.bits = a, b, compare_bits("divrem remainder", bits)
        self.axes = len(a.shape) - k
        self.q, self.r = Operand(q, a.shape), Operand(r, a.shape)
        b_bcast = Operand(b.name, b.shape + (1,) * self.axes)  # same table and points as b
        self.check = self._check(np.zeros((self.a.layout.num_vars, 4), np.uint32))
        self.ranges = [RangeCheck(r, a.shape, bits, [(1, self.r)]),
                       RangeCheck(f"{r}.gap", a.shape, bits, [(1, b_bcast), (-1, self.r)], -1)]
        self.gap = self.ranges[1]

    def _check(self, tau: np.ndarray) -> ProductSum:
        """The zero-check's sum for the point tau."""
        return ProductSum(self.a.shape, {"eq": eq_factor(tau), "a": self.a, "q": self.q, "b": self.b, "r": self.r},
                          [(1, ["eq", "a"]), (-1, ["eq", "q", "b"]), (-1, ["eq", "r"])],
                          dims={"b": list(range(len(self.b.shape)))}, label="divrem")

    def describe(self) -> dict:
        return {"a": self.a.describe(), "b": self.b.describe(), "q": self.q.name, "r": self.r.name, "bits": self.bits}

    # -- witness and columns -------------------------------------------------------------------

    def witness(self, a_values, b_values) -> dict[str, np.ndarray]:
        """q, r and what the range checks need (the gap b - 1 - r, or limbs), as int64 tensors."""
        q, r = divrem_int(a_values, b_values, self.axes)
        out = {self.q.name: q, self.r.name: r}
        for rc in self.ranges:
            out.update(rc.witness({**out, self.b.name: b_values}))
        return out

    def range_columns(self) -> list[RangeColumn]:
        """What the lookup argument range-checks. Without limbs the gap column is derived: pass the
        lookup's claim on it to `prove_gap` / `verify_gap`."""
        return [c for rc in self.ranges for c in rc.columns()]

    # -- the main proof ------------------------------------------------------------------------

    def proof_shape(self) -> ProofShape:
        shape = self.check.proof_shape()
        for rc in self.ranges:
            shape = shape + rc.identity_shape()
        return shape

    def _start(self, transcript) -> ProductSum:
        bind(transcript, "divrem", self.describe())
        return self._check(transcript.challenge_exts(LABEL_TAU, self.check.num_vars))

    def prove(self, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """The zero-check (and limb identities). `values`: a, b and the witness. The caller has absorbed
        the commitments of q, r (and limbs) before."""
        check = self._start(transcript)
        proof = RelationProof()
        _, claims = check.prove(np.zeros(4, np.uint32), values, proof, transcript)
        for rc in self.ranges:
            p, c = rc.prove_identity(values, transcript)
            proof.extend(p)
            claims += c
        return proof, claims

    def verify(self, proof: RelationProof, transcript) -> list[TensorClaim]:
        check = self._start(transcript)
        cur = proof.cursor(self.proof_shape())
        _, claims = check.verify(np.zeros(4, np.uint32), cur, transcript)
        for rc in self.ranges:
            claims += rc.verify_identity(cur.sub(rc.identity_shape()), transcript)
        cur.finish()
        return claims

    # -- the derived gap column (bits <= 16) ---------------------------------------------------

    def prove_gap(self, claim: TensorClaim, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """The lookup argument's claim on the gap column -> claims on b and r at the same point."""
        return self.gap.prove_column(claim, values, transcript)

    def verify_gap(self, claim: TensorClaim, proof: RelationProof, transcript) -> list[TensorClaim]:
        return self.gap.verify_column(claim, proof, transcript)

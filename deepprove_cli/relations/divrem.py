"""DivRem: q = floor(a / b), r = a - q b with 0 <= r < b, b > 0 per row (broadcast along a's trailing
dimensions): softmax normalization by the row sum, the LayerNorm mean, any division by a witness.

q and r are committed advice. The proof:
- zero-check (zerocheck.py): sum_x eq(tau, x) [(a - q b~ - r) + lambda pad q](x) = 0 over a's layout,
  b~ = b constant along the trailing dimensions, pad = 1 on padded entries (so q is zero there); leaves
  claims on a, q, b, r at the sumcheck's final point;
- range checks (lookup argument), each a direct, DERIVED (bits <= 16: never committed, the lookup's
  claim on it goes to `prove_column`, a linear relation) or 16-bit LIMB column (identity check):
  r in [0, 2^bits), the GAP g = b~ - 1 - r in [0, 2^bits) (the -1 masked to real entries), and the
  quotient, signed: q + 2^(qbits-1) in [0, 2^qbits) (the offset masked to real entries).

Why q is the floor. Over the field the zero-check only gives a = q b + r (mod p); for ANY r' in
[0, b) the field element (a - r') / b passes it, so q must be bounded too. The ranges give, over the
integers: b = r + g + 1 in [1, B], B = 2^(bits+1) - 1 (no wrap: B < p for bits <= 29,
ranges.MAX_COMPARE_BITS), 0 <= r < b, and -Q <= q < Q with Q = 2^(qbits-1). So t = q b + r lies in
[-QB, QB - 1]. a is an integer-program value, |a| <= (p-1)/2 (the representative of its field
element). If QB <= (p-1)/2 (checked at construction: |q| b + b + |a| < p at the widest a) both lie
in an interval shorter than p, so a = q b + r over the integers: q = floor(a / b), r = a mod b.

Padding: q = 0 on padded entries (the pad term) and r = 0 (the gap column broadcasts b with zeros
there, so g = -r). The zero-check then reads a = 0 there: a must be zero-padded (the caller's part, as
every tensor a relation produces is).

The caller picks bits from its bound on b (the witness needs b <= 2^bits) and qbits from its bound on
|q| (default: the widest the field allows for bits, `max_quotient_bits`; a qbits <= 16 makes the
quotient column a derived one, never committed).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.ranges import MAX_RANGE_BITS, RangeCheck, RangeColumn, compare_bits, derived_check
from deepprove_cli.relations.zerocheck import ProductSum, batch_constraints, eq_factor, padding_factor

LABEL_TAU = "relation/divrem/tau"
LABEL_LAMBDA = "relation/divrem/lambda"
HALF = (P - 1) // 2


def divisor_bound(bits: int) -> int:
    """The largest b the ranges admit: b - 1 = r + gap with both below 2^bits."""
    return (1 << (int(bits) + 1)) - 1


def max_quotient_bits(bits: int) -> int:
    """The widest signed quotient range 2^(qbits-1) (2^(bits+1) - 1) <= (p-1)/2 allows (0 if none)."""
    q = HALF // divisor_bound(bits)
    return min(q.bit_length(), MAX_RANGE_BITS)  # 2^(qbits-1) <= q


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
    """a = q b + r, 0 <= r < b, -2^(qbits-1) <= q < 2^(qbits-1), b per row (a.shape[:len(b.shape)] ==
    b.shape); the witness needs b <= 2^bits."""

    def __init__(self, a: Operand, b: Operand, q: str, r: str, bits: int, qbits: int | None = None):
        k = len(b.shape)
        if a.shape[:k] != b.shape or k == 0 or k > len(a.shape):
            raise InputError(f"divrem: divisor shape {b.shape} must be a leading part of {a.shape}")
        self.a, self.b, self.bits = a, b, compare_bits("divrem remainder", bits)
        widest = max_quotient_bits(self.bits)
        self.qbits = widest if qbits is None else int(qbits)
        if not 1 <= self.qbits <= widest:
            allowed = f"[1, {widest}]" if widest else "no width"
            raise InputError(f"divrem: quotient width {self.qbits} for a {self.bits}-bit divisor (allowed: {allowed}): "
                             f"2^(qbits-1) (2^(bits+1) - 1) must stay <= (p-1)/2, else a quotient off by about "
                             f"p/b passes (narrow the divisor or the quotient)")
        self.axes = len(a.shape) - k
        self.q, self.r = Operand(q, a.shape), Operand(r, a.shape)
        b_bcast = Operand(b.name, b.shape + (1,) * self.axes)  # same table and points as b
        self.check = self._check(np.zeros((self.a.layout.num_vars, 4), np.uint32), np.zeros(4, np.uint32))
        self.ranges = [RangeCheck(r, a.shape, self.bits, [(1, self.r)]),
                       RangeCheck(f"{r}.gap", a.shape, self.bits, [(1, b_bcast), (-1, self.r)], -1),
                       RangeCheck(f"{q}.biased", a.shape, self.qbits, [(1, self.q)], 1 << (self.qbits - 1))]

    def _check(self, tau: np.ndarray, lam: np.ndarray) -> ProductSum:
        """The zero-check's sum for the challenges tau, lambda."""
        factors = {"eq": eq_factor(tau), "a": self.a, "q": self.q, "b": self.b, "r": self.r,
                   "pad": padding_factor(self.a.shape)}
        terms = batch_constraints([[(1, ["a"]), (-1, ["q", "b"]), (-1, ["r"])], [(1, ["pad", "q"])]], lam)
        return ProductSum(self.a.shape, factors, terms, dims={"b": list(range(len(self.b.shape)))}, label="divrem")

    def describe(self) -> dict:
        return {"a": self.a.describe(), "b": self.b.describe(), "q": self.q.name, "r": self.r.name, "bits": self.bits,
                "qbits": self.qbits}

    # -- witness and columns -------------------------------------------------------------------

    def witness(self, a_values, b_values) -> dict[str, np.ndarray]:
        """q, r and what the range checks need (derived columns, limbs), as int64 tensors. InputError if
        b or q exceeds the relation's widths."""
        q, r = divrem_int(a_values, b_values, self.axes)
        bv = np.asarray(b_values, dtype=np.int64)
        if bv.size and int(bv.max()) > 1 << self.bits:
            raise InputError(f"divrem: a divisor {int(bv.max())} exceeds 2^{self.bits}")
        half = 1 << (self.qbits - 1)
        if q.size and (int(q.min()) < -half or int(q.max()) >= half):
            raise InputError(f"divrem: a quotient in [{int(q.min())}, {int(q.max())}] leaves [-2^{self.qbits - 1}, "
                             f"2^{self.qbits - 1})")
        out = {self.q.name: q, self.r.name: r}
        for rc in self.ranges:
            out.update(rc.witness({**out, self.b.name: b_values}))
        return out

    def range_columns(self) -> list[RangeColumn]:
        """What the lookup argument range-checks. The lookup's claims on the `derived_columns` go to
        `prove_column` / `verify_column`."""
        return [c for rc in self.ranges for c in rc.columns()]

    # -- the main proof ------------------------------------------------------------------------

    def proof_shape(self) -> ProofShape:
        shape = self.check.proof_shape()
        for rc in self.ranges:
            shape = shape + rc.identity_shape()
        return shape

    def _start(self, transcript) -> ProductSum:
        bind(transcript, "divrem", self.describe())
        tau = transcript.challenge_exts(LABEL_TAU, self.check.num_vars)
        return self._check(tau, transcript.challenge_ext(LABEL_LAMBDA))

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

    # -- derived columns (the gap, the biased quotient, when 16 bits or narrower) -------------------

    def derived_columns(self) -> list[str]:
        return [rc.name for rc in self.ranges if rc.column_relation is not None]

    def column_shape(self, column: str) -> ProofShape:
        return derived_check(self.ranges, column).column_shape()

    def prove_column(self, claim: TensorClaim, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """The lookup argument's claim on a derived column -> claims on the tensors it is made of (b and
        r for the gap, q for the quotient) at the same point."""
        return derived_check(self.ranges, claim.tensor).prove_column(claim, values, transcript)

    def verify_column(self, claim: TensorClaim, proof: RelationProof, transcript) -> list[TensorClaim]:
        return derived_check(self.ranges, claim.tensor).verify_column(claim, proof, transcript)

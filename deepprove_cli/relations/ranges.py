"""Range-checked columns: what a relation hands to the lookup argument.

A relation that needs "0 <= v < 2^bits" for every entry of a tensor (a split's limbs, a division
remainder, max-minus-entry differences, argmax margins) lists a `RangeColumn`: the tensor's name,
the bit width (<= MAX_BITS: one range table [0, 2^bits) per width, shared model-wide) and its shape.
A `RangeCheck` (any width up to MAX_RANGE_BITS = 30, in limbs past 16) is what relations build.
The looked-up column is the tensor's padded table (padding is zero, which every range table holds),
so the lookup argument's claims on the column are claims on the tensor in its own layout. A column
may be DERIVED (a linear combination of other tensors, never committed): its owner then turns the
lookup's claim on it into claims on the tensors it is made of (elementwise.LinearRelation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.elementwise import LinearRelation
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.proof import ProofShape, RelationProof

MAX_BITS = 16  # intprog.md: range tables of at most 2^16 rows; wider values are split into limbs
# 2^30 < p < 2^31: [0, 2^31) would hold every field element (v = -2 is p - 2 < 2^31), so a 31-bit
# "range check" bounds nothing. 30 bits is the widest range that excludes the negative half.
MAX_RANGE_BITS = 30
# A comparison u <= v proven as "v - u in [0, 2^bits)" (a max, a margin, a remainder's gap) is
# sound for values whose honest differences lie within 2^bits (what the honest proof needs anyway)
# only if a false difference, v - u + p >= p - 2^bits + 1, cannot land in the range either:
# 2^(bits+1) <= p + 1, i.e. bits <= 29. The same bound keeps a sum of two range-checked values
# (DivRem: r + gap = b - 1 < 2^30) below p.
MAX_COMPARE_BITS = 29


def compare_bits(what: str, bits) -> int:
    """`bits` as an int if a comparison range of that width cannot wrap (see MAX_COMPARE_BITS)."""
    if not 1 <= int(bits) <= MAX_COMPARE_BITS:
        raise InputError(f"{what}: width {bits} outside [1, {MAX_COMPARE_BITS}] (a comparison v - u in "
                         f"[0, 2^bits) needs 2^(bits+1) <= p + 1, else a negative difference wraps into the range)")
    return int(bits)


@dataclass(frozen=True)
class RangeColumn:
    tensor: str
    bits: int
    shape: tuple

    def __post_init__(self):
        if not 1 <= int(self.bits) <= MAX_BITS:
            raise InputError(f"range column {self.tensor}: width {self.bits} outside [1, {MAX_BITS}] (split into limbs)")

    @property
    def layout(self) -> TensorLayout:
        return TensorLayout(self.shape)

    def table(self, values) -> np.ndarray:
        """The looked-up column: the tensor's padded base table."""
        return self.layout.table(values, self.tensor)

    def violations(self, values) -> int:
        """Entries outside [0, 2^bits) (the lookup argument rejects a column with any)."""
        v = np.asarray(values, dtype=np.int64)
        return int(np.count_nonzero((v < 0) | (v >= 1 << int(self.bits))))


def limb_widths(bits: int, limb: int = MAX_BITS) -> tuple[int, ...]:
    """Widths of the limbs of a `bits`-wide value, lowest first: full limbs then the rest."""
    if bits < 1:
        raise InputError(f"a range of {bits} bits")
    return (limb,) * (bits // limb) + ((bits % limb,) if bits % limb else ())


def split_limbs(values, widths) -> list[np.ndarray]:
    """Non-negative integers as limbs (lowest first) of the given widths (integer semantics)."""
    v = np.asarray(values, dtype=np.int64)
    out, off = [], 0
    for w in widths:
        out.append((v >> off) & ((1 << w) - 1))
        off += w
    return out


class RangeCheck:
    """0 <= v < 2^bits on every entry of v = sum_k c_k bcast(T_k) + const [real], over `shape`.

    Three forms, chosen from the public description:
    - v is one committed tensor and bits <= 16: its own column (`columns()` names the tensor);
    - v is an expression and bits <= 16: a DERIVED column named `name`, never committed; the lookup
      argument's claim on it goes to `prove_column` / `verify_column` (a linear relation at the
      claim's point: claims on the T_k);
    - bits > 16: v is committed as 16-bit limbs `name.lo{j}` (the columns) and `prove_identity` /
      `verify_identity` check v = sum_j 2^(16 j) limb_j at a challenge point (the caller absorbed the
      limbs' commitments first).
    """

    def __init__(self, name: str, shape, bits: int, terms, const: int = 0):
        if not 1 <= int(bits) <= MAX_RANGE_BITS:
            raise InputError(f"range check {name}: width {bits} outside [1, {MAX_RANGE_BITS}] (2^31 > p: a wider "
                             f"range would contain every field element)")
        self.name, self.shape, self.bits = name, tuple(shape), int(bits)
        self.terms, self.const = [(int(c), t) for c, t in terms], int(const)
        self.widths = limb_widths(self.bits) if self.bits > MAX_BITS else (self.bits,)
        self.direct = (self.bits <= MAX_BITS and self.const == 0 and len(self.terms) == 1 and self.terms[0][0] == 1
                       and isinstance(self.terms[0][1], Operand) and self.terms[0][1].shape == self.shape)
        self.column_relation = None
        self.identity = None
        if self.bits <= MAX_BITS and not self.direct:
            self.column_relation = LinearRelation(self.shape, [(-1, Operand(name, self.shape))] + self.terms,
                                                  self.const, name=f"range column {name}")
        if self.bits > MAX_BITS:
            self.limbs = [Operand(f"{name}.lo{j}", self.shape) for j in range(len(self.widths))]
            offs = [sum(self.widths[:j]) for j in range(len(self.widths))]
            self.identity = LinearRelation(self.shape, self.terms + [(-(1 << o), l) for o, l in zip(offs, self.limbs)],
                                           self.const, name=f"range limbs {name}")

    def describe(self) -> dict:
        return {"name": self.name, "bits": self.bits, "shape": list(self.shape)}

    def value(self, values: dict) -> np.ndarray:
        """v (int64) from the tensors' values."""
        return LinearRelation(self.shape, self.terms, self.const).residual(values)

    def witness(self, values: dict) -> dict[str, np.ndarray]:
        """The derived column's values or the limbs (int64) for the lookup argument; {} if direct."""
        if self.direct:
            return {}
        v = self.value(values)
        if self.bits <= MAX_BITS:
            return {self.name: v}
        if v.size and (int(v.min()) < 0 or int(v.max()) >= 1 << self.bits):
            raise InputError(f"range check {self.name}: a value lies outside [0, 2^{self.bits})")
        return {l.name: x for l, x in zip(self.limbs, split_limbs(v, self.widths))}

    def columns(self) -> list[RangeColumn]:
        if self.direct:
            return [RangeColumn(self.terms[0][1].name, self.bits, self.shape)]
        if self.bits <= MAX_BITS:
            return [RangeColumn(self.name, self.bits, self.shape)]
        return [RangeColumn(l.name, w, self.shape) for l, w in zip(self.limbs, self.widths)]

    def identity_shape(self):
        return self.identity.proof_shape(False) if self.identity else ProofShape()

    def prove_identity(self, values: dict, transcript):
        """(proof, claims) of the limb identity (empty without limbs)."""
        if self.identity is None:
            return RelationProof(), []
        return self.identity.prove(None, values, transcript)

    def verify_identity(self, proof, transcript) -> list:
        if self.identity is None:
            proof.cursor(self.identity_shape()).finish()
            return []
        return self.identity.verify(None, proof, transcript)

    def column_shape(self) -> ProofShape:
        """The shape of `prove_column`'s proof."""
        if self.column_relation is None:
            raise InputError(f"range check {self.name}: no derived column")
        return self.column_relation.proof_shape(True)

    def prove_column(self, claim, values: dict, transcript):
        """The lookup's claim on the derived column -> claims on the tensors it is made of."""
        if self.column_relation is None:
            raise InputError(f"range check {self.name}: no derived column")
        return self.column_relation.prove(claim, values, transcript)

    def verify_column(self, claim, proof, transcript) -> list:
        if self.column_relation is None:
            raise InputError(f"range check {self.name}: no derived column")
        return self.column_relation.verify(claim, proof, transcript)


def derived_check(checks, column: str) -> RangeCheck:
    """Of a relation's range checks, the one whose DERIVED column is `column` (where the lookup's claim
    on that column goes)."""
    for rc in checks:
        if rc.column_relation is not None and rc.name == column:
            return rc
    names = [rc.name for rc in checks if rc.column_relation is not None]
    raise InputError(f"no derived range column {column!r} (derived columns: {names})")

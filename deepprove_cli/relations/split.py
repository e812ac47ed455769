"""Split: x + offset = hi 2^k + lo with 0 <= lo < 2^k (offset 2^(k-1) for rounding, else 0).

The integer program's shift and rounding (intprog.md, primitive 3): hi = floor((x + offset) / 2^k).
The remainder lo is committed as limbs l_j of at most 16 bits (lo = sum_j l_j 2^(o_j)), each
range-checked by the lookup argument (`range_columns`); hi is never committed: it is determined by
x and the limbs through the linear relation

    -x + 2^k hi + sum_j 2^(o_j) l_j - offset [real] = 0,

(elementwise.LinearRelation: a claim on any full-shape term at r gives claims on the others at r,
the prover sending their values). The usual direction is a claim on hi (from hi's consumer) ->
claims on x and on the limbs; a claim on x works the same way.

Soundness note: the limbs being in range pins lo to [0, 2^k), and then hi is the true floor as
long as hi itself is bounded, |hi| < (p/2 - 2^k) / 2^k: with a false lo the field element
(x + offset - lo) / 2^k is not a small integer. Every hi of the integer program is consumed by a
lookup (clamp / function table) or range check, which bounds it; a caller that uses hi otherwise
must bound it the same way.

Padding: on padded entries the relation reads 2^k hi + lo = x, zero for a zero-padded x (the caller's
part); the caller's bound on hi covers its padded table too (a lookup column does), so hi = 0 and
lo = 0 there (lo < 2^k: no wrap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.elementwise import LinearRelation
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import ProofShape, RelationProof
from deepprove_cli.relations.ranges import MAX_BITS, RangeColumn, limb_widths, split_limbs

HALF = (P - 1) // 2
MAX_SHIFT = 30  # every value is below p/2 < 2^30 in magnitude: larger shifts leave hi in {-1, 0}


@dataclass(frozen=True)
class SplitSpec:
    """shift k; rounding adds 2^(k-1) first; the remainder's limb widths (lowest first, each <= 16)."""

    shift: int
    rounding: bool = False
    limbs: tuple[int, ...] = ()

    def __post_init__(self):
        if not 1 <= int(self.shift) <= MAX_SHIFT:
            raise InputError(f"split: shift {self.shift} outside [1, {MAX_SHIFT}]")
        if not self.limbs:
            object.__setattr__(self, "limbs", limb_widths(int(self.shift)))
        if sum(self.limbs) != self.shift or any(not 1 <= w <= MAX_BITS for w in self.limbs):
            raise InputError(f"split: limb widths {self.limbs} must be in [1, {MAX_BITS}] and sum to {self.shift}")

    @property
    def offset(self) -> int:
        return 1 << (self.shift - 1) if self.rounding else 0

    def limb_offsets(self) -> list[int]:
        out, acc = [], 0
        for w in self.limbs:
            out.append(acc)
            acc += w
        return out


def split_int(x, spec: SplitSpec) -> tuple[np.ndarray, list[np.ndarray]]:
    """(hi, limbs of lo) exactly as the integer program computes them (floor division, int64)."""
    v = np.asarray(x, dtype=np.int64)
    if v.size and (int(v.min()) < -HALF or int(v.max()) + spec.offset > HALF):
        raise InputError(f"split: inputs must satisfy |x| + 2^(k-1) <= (p-1)/2 (shift {spec.shift})")
    t = v + spec.offset
    hi = t >> spec.shift
    return hi, split_limbs(t - (hi << spec.shift), spec.limbs)


class Split:
    """The relation between x, hi = floor((x + offset) / 2^k) and the limbs of the remainder."""

    def __init__(self, x: Operand, hi: str, spec: SplitSpec, limb_names=None):
        self.x, self.spec = x, spec
        self.hi = Operand(hi, x.shape)
        names = limb_names or [f"{hi}.lo{j}" for j in range(len(spec.limbs))]
        if len(names) != len(spec.limbs):
            raise InputError(f"split: {len(names)} limb names for {len(spec.limbs)} limbs")
        self.limbs = [Operand(n, x.shape) for n in names]
        terms = [(-1, x), (1 << spec.shift, self.hi)] + [(1 << o, l) for o, l in zip(spec.limb_offsets(), self.limbs)]
        self.relation = LinearRelation(x.shape, terms, -spec.offset, name=f"split {x.name}->{hi}")

    def witness(self, x_values) -> dict[str, np.ndarray]:
        """hi and the limbs (int64) from x: the values the prover commits (limbs) and passes on (hi)."""
        hi, limbs = split_int(x_values, self.spec)
        return {self.hi.name: hi, **{l.name: v for l, v in zip(self.limbs, limbs)}}

    def range_columns(self) -> list[RangeColumn]:
        """One range column per limb (committed): the lookup argument checks them."""
        return [RangeColumn(l.name, w, self.x.shape) for l, w in zip(self.limbs, self.spec.limbs)]

    def proof_shape(self) -> ProofShape:
        return self.relation.proof_shape(True)

    def prove(self, known: TensorClaim, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """A claim on hi (or x) -> claims on the other terms at the same point. `values` holds x, hi
        and the limbs (see `witness`)."""
        return self.relation.prove(known, values, transcript)

    def verify(self, known: TensorClaim, proof: RelationProof, transcript) -> list[TensorClaim]:
        return self.relation.verify(known, proof, transcript)

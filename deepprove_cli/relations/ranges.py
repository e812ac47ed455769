"""Range-checked columns: what a relation hands to the lookup argument.

A relation that needs "0 <= v < 2^bits" for every entry of a tensor (a split's limbs, a division
remainder, max-minus-entry differences, argmax margins) lists a `RangeColumn`: the tensor's name,
the bit width (<= MAX_BITS: one range table [0, 2^bits) per width, shared model-wide) and its shape.
The looked-up column is the tensor's padded table (padding is zero, which every range table holds),
so the lookup argument's claims on the column are claims on the tensor in its own layout. A column
may be DERIVED (a linear combination of other tensors, never committed): its owner then turns the
lookup's claim on it into claims on the tensors it is made of (elementwise.LinearRelation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.layout import TensorLayout

MAX_BITS = 16  # intprog.md: range tables of at most 2^16 rows; wider values are split into limbs


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

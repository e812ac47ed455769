"""RowMax: m[row] = max of x[row, j] over the unmasked j (last axis), e.g. the softmax shift.

Advice, committed: m (per row), a one-hot selector s (x's shape) and the differences d = mask (m - x)
(x's shape, range-checked: 0 <= d < 2^bits; wider bounds use 16-bit limbs). One batched zero-check
sumcheck (zerocheck.py) over x's layout, challenges tau (rows part tau_r) and lambda:

    sum_x eq(tau, x) [ (d - mask m~ + mask x) + lambda (s mask - s s) ]
        + eq(tau_r, row) [ lambda^2 s d + lambda^3 s + lambda^4 pad m~ ]  =  lambda^3 [real rows](tau_r)

(m~ = m constant along j; the mask is public, broadcast over x's leading dimensions) states:
d = mask (m - x) everywhere; s is 0/1 and zero where masked (s (mask - s) = 0: a masked s must
square to 0); every real row's s sums to 1 (padded rows to 0); and sum_j s d = 0 per row, so the
selected (unmasked) entry has d = 0, i.e. m = x there: m is attained. With d >= 0 on every unmasked
entry m is the maximum. A row must have an unmasked entry (causal masks keep the diagonal). pad = 1
on padded rows.

Leaves claims on x, m, s, d at the sumcheck's final point (m at its row part).

Padding: m = 0 in padded rows (the pad term), s = 0 on every padded entry (row sums, s (mask - s) = 0
with the mask zero-padded along j), so d = mask (m - x) is zero there too provided x is zero-padded
(the caller's part, as every tensor a relation produces is).

What the caller guarantees: every row's spread (max - min over its unmasked entries) is below
2^bits, which its bounds on x give and an honest proof needs (d < 2^bits); bits <= 29
(ranges.MAX_COMPARE_BITS). Then a smaller entry taken as the max leaves d = x_sel - x_j + p >=
p - 2^bits + 1 >= 2^bits on the larger one, outside the range.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.lookup import felt
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.elementwise import broadcast_dims
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.public import Ones, PublicTensor
from deepprove_cli.relations.ranges import RangeCheck, RangeColumn, compare_bits
from deepprove_cli.relations.zerocheck import (ProductSum, batch_constraints, eq_factor, leading_eq_factor,
                                               padding_factor)

LABEL_TAU = "relation/rowmax/tau"
LABEL_LAMBDA = "relation/rowmax/lambda"


def rowmax_int(x, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m, s, d): row maxima over the unmasked entries, the one-hot of the FIRST maximum, and
    d = mask (m - x), int64. InputError if a row has no unmasked entry."""
    x = np.asarray(x, dtype=np.int64)
    mk = np.broadcast_to(np.asarray(mask, dtype=np.int64), x.shape)
    if not np.all(np.isin(mk, (0, 1))):
        raise InputError("rowmax: the mask must be 0/1")
    if x.size and not mk.any(axis=-1).all():
        raise InputError("rowmax: a row has no unmasked entry")
    lowest = np.iinfo(np.int64).min
    masked = np.where(mk == 1, x, lowest)
    m = masked.max(axis=-1)
    first = np.argmax(masked == m[..., None], axis=-1)
    s = np.zeros(x.shape, dtype=np.int64)
    np.put_along_axis(s, first[..., None], 1, axis=-1)
    return m, s, mk * (m[..., None] - x)


class RowMax:
    """m = max over the last axis of x where mask == 1 (mask: public, broadcast right-aligned)."""

    def __init__(self, x: Operand, m: str, bits: int, mask: PublicTensor | None = None):
        if len(x.shape) < 1:
            raise InputError("rowmax: x needs at least one dimension")
        self.x, self.bits = x, compare_bits("rowmax", bits)
        self.mask = mask if mask is not None else Ones(x.shape[-1:])
        if not isinstance(self.mask, PublicTensor):
            raise InputError("rowmax: the mask must be a PublicTensor")
        broadcast_dims(self.mask.shape, x.shape)  # raises unless it broadcasts
        self.rows = x.shape[:-1]
        self.m = Operand(m, self.rows)
        self.s = Operand(f"{m}.onehot", x.shape)
        self.d = Operand(f"{m}.diff", x.shape)
        self.range = RangeCheck(self.d.name, x.shape, self.bits, [(1, self.d)])
        self.low_vars = x.layout.dim_vars[-1]
        self.check = self._check(np.zeros((x.layout.num_vars, 4), np.uint32), felt.ONE)

    def _check(self, tau: np.ndarray, lam) -> ProductSum:
        n = len(self.x.shape)
        factors = {"eq": eq_factor(tau), "eq_rows": leading_eq_factor(tau[self.low_vars:], self.low_vars),
                   "mask": self.mask, "m": self.m, "x": self.x, "s": self.s, "d": self.d,
                   "pad": padding_factor(self.rows, self.low_vars)}
        terms = batch_constraints([
            [(1, ["d"]), (-1, ["mask", "m"]), (1, ["mask", "x"])],
            [(1, ["s", "mask"]), (-1, ["s", "s"])],
            ([(1, ["s", "d"])], "eq_rows"),
            ([(1, ["s"])], "eq_rows"),
            ([(1, ["pad", "m"])], "eq_rows")], lam)
        return ProductSum(self.x.shape, factors, terms,
                          dims={"m": list(range(n - 1)), "mask": list(range(n - len(self.mask.shape), n))},
                          label="rowmax")

    def describe(self) -> dict:
        return {"x": self.x.describe(), "m": self.m.name, "bits": self.bits, "mask": self.mask.describe()}

    def witness(self, x_values) -> dict[str, np.ndarray]:
        """m, s, d (and d's limbs when bits > 16), int64."""
        m, s, d = rowmax_int(x_values, self.mask.values())
        out = {self.m.name: m, self.s.name: s, self.d.name: d}
        out.update(self.range.witness(out))
        return out

    def range_columns(self) -> list[RangeColumn]:
        return self.range.columns()

    def proof_shape(self) -> ProofShape:
        return self.check.proof_shape() + self.range.identity_shape()

    def _start(self, transcript) -> tuple[ProductSum, np.ndarray]:
        bind(transcript, "rowmax", self.describe())
        tau = transcript.challenge_exts(LABEL_TAU, self.x.layout.num_vars)
        lam = transcript.challenge_ext(LABEL_LAMBDA)
        claim = felt.mul(felt.powers(lam, 4)[3], TensorLayout(self.rows).indicator_eval(tau[self.low_vars:]))
        return self._check(tau, lam), claim

    def prove(self, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """`values`: x and the witness. The caller has absorbed the commitments of m, s, d before."""
        check, claim = self._start(transcript)
        proof = RelationProof()
        _, claims = check.prove(claim, values, proof, transcript)
        p, c = self.range.prove_identity(values, transcript)
        proof.extend(p)
        return proof, claims + c

    def verify(self, proof: RelationProof, transcript) -> list[TensorClaim]:
        check, claim = self._start(transcript)
        cur = proof.cursor(self.proof_shape())
        _, claims = check.verify(claim, cur, transcript)
        claims += self.range.verify_identity(cur.sub(self.range.identity_shape()), transcript)
        cur.finish()
        return claims

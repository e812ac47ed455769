"""Einsum: Y = einsum(spec, A, B) for integer tensors, reduced from a claim on Y to claims on A and B.

Index letters take one of four roles: batch (in A, B and Y), free-A (A and Y only), free-B (B and Y
only), contracted (absent from Y; in A, B or both). With zero padding, Y's MLE at r = (r_b, r_f,
r_g) (split per letter) is

    Y(r) = sum_{b, c} eq(r_b, b) A'(b, c) B'(b, c),   A' = A with its free letters bound at r_f,
                                                      B' = B with its free letters bound at r_g,

because every padded output entry has a padded index in A or in B, where that operand is zero.
The prover folds the free letters away first (relations.fold: one streaming pass over each
operand, base values times eq weights), then runs ONE sumcheck over the (batch, contracted)
variables of E A' B' (E = eq(r_b, .) broadcast over the contracted variables; degree 3) or of A' B'
when there is no batch letter (degree 2). At its final point s the prover sends A'(s) = A(point_A)
and B'(s) = B(point_B), where point_X takes, per letter of X, r's coordinates for free letters and
s's for the others; the verifier checks eq(r_b, s_b) A(point_A) B(point_B) against the last round
and leaves the two claims. A PUBLIC operand (relations.public) is evaluated by the verifier: the
prover sends nothing for it and no claim is left on it.

A letter present in only one operand and absent from Y (e.g. a sum over an axis) is summed in the
sumcheck too; the other operand's table is constant along it (its padded entries do not matter:
the operand that has the letter is zero there).

Sumcheck layout: the batch letters (in Y's order) are the high dimensions, the contracted letters
(first appearance, A then B) the low ones. With batch letters only (elementwise products) E is eq over
every variable and the eq-weighted prover (`sumcheck.eq_prover.prove_eq`) runs instead: same bytes.

Padding (the caller's part): the claim on Y is on the einsum of the operands' PADDED tables, which
is Y's zero-padded table only if the operands are zero on padding (else a contracted letter's padded
entries add A B into real outputs). Tensors that relations output are; committed advice is where its
relation says so (divrem's q, rowmax's m and differences).

Witness tensors may be given as int64 or as canonical uint32 field elements; pass the field form when
it exists (it does for committed tensors): the conversion of a large int64 operand costs about as much
as its fold.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.lookup import felt
from deepprove_cli.poly.eq import eq_eval
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.public import PublicTensor
from deepprove_cli.sumcheck.problem import check_final

LABEL_VALUES = "relation/einsum/operand-values"


def parse_spec(spec: str) -> tuple[str, str, str]:
    """'ab,cb->ac' -> ('ab', 'cb', 'ac'); letters distinct within each term."""
    s = spec.replace(" ", "")
    if s.count("->") != 1 or s.count(",") != 1:
        raise InputError(f"einsum spec {spec!r}: expected 'A,B->Y' with two operands")
    lhs, y = s.split("->")
    a, b = lhs.split(",")
    for term in (a, b, y):
        if not all(c.isascii() and c.isalpha() for c in term):
            raise InputError(f"einsum spec {spec!r}: index letters must be ASCII letters")
        if len(set(term)) != len(term):
            raise InputError(f"einsum spec {spec!r}: repeated letter in {term!r} (diagonals are not supported)")
    for c in y:
        if c not in a and c not in b:
            raise InputError(f"einsum spec {spec!r}: output letter {c!r} is in neither operand")
    return a, b, y


def eq_weights(parts, sizes) -> np.ndarray:
    """eq(point, x) for x over the REAL entries of a (sizes) block, row-major: (prod sizes, 4) ext."""
    from deepprove_cli.poly.eq import eq_table

    lay = TensorLayout(sizes)
    table = eq_table(lay.join_point(parts)).reshape(lay.padded_shape + (4,))
    return np.ascontiguousarray(table[tuple(slice(0, d) for d in lay.shape)]).reshape(-1, 4)


class Einsum:
    """The relation Y = einsum(spec, A, B); A and B are `Operand`s (witness) or `PublicTensor`s."""

    def __init__(self, spec: str, a, b, out: str):
        self.spec = spec
        self.la, self.lb, self.ly = parse_spec(spec)
        self.a, self.b = a, b
        for x, letters, what in ((a, self.la, "A"), (b, self.lb, "B")):
            if not isinstance(x, (Operand, PublicTensor)):
                raise InputError(f"einsum {spec}: operand {what} must be an Operand or a PublicTensor")
            if len(x.shape) != len(letters):
                raise InputError(f"einsum {spec}: operand {what} has shape {x.shape}, spec names {len(letters)} indices")
        if isinstance(a, PublicTensor) and isinstance(b, PublicTensor):
            raise InputError(f"einsum {spec}: both operands are public (nothing to prove)")
        self.size: dict[str, int] = {}
        for x, letters in ((a, self.la), (b, self.lb)):
            for c, d in zip(letters, x.shape):
                if self.size.setdefault(c, d) != d:
                    raise InputError(f"einsum {spec}: index {c!r} has sizes {self.size[c]} and {d}")
        self.out = Operand(out, tuple(self.size[c] for c in self.ly))
        self.batch = [c for c in self.ly if c in self.la and c in self.lb]
        self.contracted = [c for c in self.la + self.lb if c not in self.ly]
        self.contracted = list(dict.fromkeys(self.contracted))
        self.sc_letters = self.batch + self.contracted
        self.sc_layout = TensorLayout(tuple(self.size[c] for c in self.sc_letters))
        self.degree = 3 if self.batch else 2
        self._shape = None

    # -- public description ------------------------------------------------------------------

    def describe(self) -> dict:
        return {"spec": self.spec, "a": self.a.describe(), "b": self.b.describe(), "out": self.out.describe()}

    def proof_shape(self) -> ProofShape:
        if self._shape is None:
            witnesses = sum(isinstance(x, Operand) for x in (self.a, self.b))
            self._shape = ProofShape(((self.sc_layout.num_vars, self.degree),), witnesses)
        return self._shape

    def evaluate(self, a_values, b_values) -> np.ndarray:
        """The integer semantics (int64; the quantizer's bounds keep every sum exact)."""
        return np.einsum(f"{self.la},{self.lb}->{self.ly}", np.asarray(a_values, dtype=np.int64),
                         np.asarray(b_values, dtype=np.int64))

    # -- points ------------------------------------------------------------------------------

    def _letter_parts(self, r: np.ndarray, s: np.ndarray) -> dict[str, np.ndarray]:
        """Coordinates per letter: output letters from r, sumcheck letters from s (batch: from s)."""
        parts = dict(zip(self.ly, self.out.layout.split_point(r)))
        parts.update(zip(self.sc_letters, self.sc_layout.split_point(s)))
        return parts

    def _operand_point(self, x, letters: str, parts) -> np.ndarray:
        return x.layout.join_point([parts[c] for c in letters])

    def _batch_point(self, parts: dict) -> np.ndarray:
        """The batch letters' coordinates in the sumcheck layout's variable order."""
        return TensorLayout(tuple(self.size[c] for c in self.batch)).join_point([parts[c] for c in self.batch])

    # -- prover ------------------------------------------------------------------------------

    def _field_values(self, x, values: dict) -> np.ndarray:
        if isinstance(x, PublicTensor):
            return x.layout.field_values(x.values(), x.kind)
        if x.name not in values:
            raise InputError(f"einsum {self.spec}: no values for operand {x.name!r}")
        return x.layout.field_values(values[x.name], x.name)

    def _fold_dense(self, vals, letters: str, free: list, rest: list, w: np.ndarray) -> np.ndarray:
        """vals with its free letters summed against w: an ext tensor over the `rest` letters."""
        from deepprove_cli.relations.fold import fold

        pos = [letters.index(c) for c in free]
        if pos != list(range(pos[0], pos[0] + len(pos))):  # not contiguous: move the free letters last
            vals = np.ascontiguousarray(np.transpose(vals, [letters.index(c) for c in rest] + pos))
            pos = list(range(len(rest), len(letters)))
        pre = int(np.prod(vals.shape[:pos[0]], dtype=np.int64))
        mid = int(np.prod(vals.shape[pos[0]:pos[-1] + 1], dtype=np.int64))
        folded = fold(np.ascontiguousarray(vals).reshape(pre, mid, -1), w)
        return folded.reshape(tuple(self.size[c] for c in rest) + (4,))

    def _sumcheck_table(self, x, letters: str, values: dict, rparts: dict) -> np.ndarray:
        """x with its free letters bound at r, as a table over the sumcheck layout (base if no free letter)."""
        free = [c for c in letters if c in self.ly and c not in self.batch]
        rest = [c for c in letters if c not in free]
        if free:
            w = eq_weights([rparts[c] for c in free], [self.size[c] for c in free])
            sparse = x.fold([letters.index(c) for c in free], w) if isinstance(x, PublicTensor) else None
            if sparse is not None:  # the public tensor folds itself (a one-hot selection: a scatter-add)
                vals = sparse.reshape(tuple(self.size[c] for c in rest) + (4,))
            else:
                vals = self._fold_dense(self._field_values(x, values), letters, free, rest, w)
        else:
            vals = self._field_values(x, values)
        ext = bool(free)
        # pad each remaining letter, then lay out over the sumcheck letters (broadcast where absent)
        lay = TensorLayout(tuple(self.size[c] for c in rest))
        padded = (lay.pad_ext(vals) if ext else lay.table(vals)).reshape(lay.padded_shape + ((4,) if ext else ()))
        order = [rest.index(c) for c in self.sc_letters if c in rest]
        padded = np.transpose(padded, order + ([len(rest)] if ext else []))
        shape = [1 << self.sc_layout.dim_vars[i] if c in rest else 1 for i, c in enumerate(self.sc_letters)]
        full = tuple(1 << v for v in self.sc_layout.dim_vars) + ((4,) if ext else ())
        table = np.broadcast_to(padded.reshape(tuple(shape) + ((4,) if ext else ())), full)
        return np.ascontiguousarray(table).reshape((-1, 4) if ext else (-1,))

    def _batch_table(self, rparts: dict) -> np.ndarray:
        from deepprove_cli.poly.eq import eq_table

        eqb = eq_table(self._batch_point(rparts))
        low = self.sc_layout.num_vars - sum(self.sc_layout.dim_vars[:len(self.batch)])
        return np.repeat(eqb, 1 << low, axis=0)

    def prove(self, claim: TensorClaim, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """Reduce the claim on Y to claims on the witness operands. `values` maps operand names to
        their integer (or canonical uint32 field) tensors."""
        from deepprove_cli.sumcheck.problem import SumcheckProblem
        from deepprove_cli.sumcheck.prover import prove

        r = self._start(claim, transcript)
        rparts = dict(zip(self.ly, self.out.layout.split_point(r)))
        tables = [self._sumcheck_table(self.a, self.la, values, rparts),
                  self._sumcheck_table(self.b, self.lb, values, rparts)]
        proof = RelationProof()
        if self.batch and not self.contracted:  # eq over every variable: the eq-weighted prover, same bytes
            from deepprove_cli.sumcheck.eq_prover import prove_eq

            sc, s, evals = prove_eq(self._batch_point(rparts), SumcheckProblem(tables), claim.value, transcript)
        else:
            if self.batch:
                tables.insert(0, self._batch_table(rparts))
            sc, s, evals = prove(SumcheckProblem(tables), claim.value, transcript)
        proof.add_sumcheck(sc)
        va, vb = evals[-2], evals[-1]
        sent = [v for x, v in ((self.a, va), (self.b, vb)) if isinstance(x, Operand)]
        proof.send(transcript, LABEL_VALUES, np.stack(sent))
        return proof, self._claims(r, s, va, vb)

    # -- verifier ----------------------------------------------------------------------------

    def _start(self, claim: TensorClaim, transcript) -> np.ndarray:
        if claim.tensor != self.out.name:
            raise InputError(f"einsum {self.spec}: claim on {claim.tensor!r}, expected the output {self.out.name!r}")
        r = self.out.layout.check_point(claim.point, f"claim on {claim.tensor}")
        bind(transcript, "einsum", self.describe())
        return r

    def _claims(self, r, s, va, vb) -> list[TensorClaim]:
        parts = self._letter_parts(r, s)
        out = []
        for x, letters, v in ((self.a, self.la, va), (self.b, self.lb, vb)):
            if isinstance(x, Operand):
                out.append(TensorClaim(x.name, self._operand_point(x, letters, parts), np.asarray(v, dtype=np.uint32)))
        return out

    def verify(self, claim: TensorClaim, proof: RelationProof, transcript) -> list[TensorClaim]:
        """The claims on the witness operands the proof leaves (ProofInvalid if it does not verify)."""
        r = self._start(claim, transcript)
        shape = self.proof_shape()
        cur = proof.cursor(shape)
        s, expected = cur.sumcheck(claim.value, self.sc_layout.num_vars, self.degree, transcript)
        sent = list(cur.take(transcript, LABEL_VALUES, shape.values))
        cur.finish()
        ry = dict(zip(self.ly, self.out.layout.split_point(r)))
        rs = dict(zip(self.sc_letters, self.sc_layout.split_point(s)))
        parts = {**ry, **rs}
        vals, points = [], []
        for x, letters in ((self.a, self.la), (self.b, self.lb)):
            points.append(self._operand_point(x, letters, parts))
            vals.append(sent.pop(0) if isinstance(x, Operand) else x.evaluate(points[-1]))
        value = felt.mul_i(felt.ints(vals[0]), felt.ints(vals[1]))
        if self.batch:
            value = felt.mul_i(felt.ints(eq_eval(self._batch_point(ry), self._batch_point(rs))), value)
        check_final(expected, felt.arr(value), f"einsum {self.spec}")
        return [TensorClaim(x.name, p, v) for x, p, v in zip((self.a, self.b), points, vals) if isinstance(x, Operand)]

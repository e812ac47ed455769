"""Primitive proof ops: what every node kind is lowered to (nodeproofs/base.py).

An op DEFINES at most one virtual tensor (never committed): the claims on that tensor, gathered from its
consumers and from the lookup argument (reduced to one when there are several), are handed to the op,
which proves them back to claims on the tensors it reads (`prove` / `verify`, one `RelationProof`,
whose shape the verifier derives from the op alone). A CONSTRAINT op defines nothing: it proves a
relation at fresh challenges (limb identities, zero-checks) and leaves claims on what it reads.
Every op also knows its integer semantics (`forward`), which builds the prover's witness; committed
advice computed there (split limbs, lookup outputs) is listed in `produces`.

Ops here: LinearOp (a linear relation with one term defined by it; splits, sums, bias adds, derived
range columns), SplitOp (x + offset = hi 2^k + limbs), EinsumOp (relations.einsum), StackOp / SliceOp
(an axis of parts), AliasOp (same table, another name: reshape, the one-shot KV cache), PublicOp (a
tensor the verifier evaluates itself), TableOp (a lookup's committed output), ConstraintOp.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.lookup import felt
from deepprove_cli.lookup.layout import eq_index
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.elementwise import LinearRelation
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.public import PublicTensor
from deepprove_cli.relations.split import split_int, SplitSpec

LABEL_STACK = "nodeproof/stack/parts"


class Op:
    """Base: `defines` (a virtual tensor or None), `produces` (committed tensors its forward computes),
    `label` (for errors and transcripts)."""

    defines: str | None = None
    produces: tuple[str, ...] = ()
    label: str = "op"
    constraint = False  # True: proven at fresh challenges, with no incoming claim
    # Claims proven one by one rather than reduced to one first, up to this many: an op whose proof of a
    # claim costs a few evaluations (linear relations) or nothing (views) passes its claims on, and the
    # claims meet where a reduction is due anyway (an einsum, a committed tensor's opening).
    each_claim_max = 0

    def forward(self, values: dict) -> dict:
        """The tensors this op computes (int64), from `values` (int64)."""
        raise NotImplementedError

    def proof_shape(self) -> ProofShape:
        return ProofShape()

    def prove(self, claim: TensorClaim | None, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        raise NotImplementedError

    def verify(self, claim: TensorClaim | None, proof: RelationProof, transcript) -> list[TensorClaim]:
        raise NotImplementedError


class LinearOp(Op):
    """sum_k c_k bcast(T_k) + const [real] = 0, the term `defines` being the tensor this op defines (its
    coefficient must divide the rest exactly). A claim on it gives claims on the other witness terms
    at (their parts of) the same point; the prover sends their values (elementwise.LinearRelation)."""

    each_claim_max = 4

    def __init__(self, defines: str, shape, terms, const: int = 0, label: str = "linear"):
        self.relation = LinearRelation(shape, terms, const, name=label)
        coeffs = [c for c, t in self.relation.terms if isinstance(t, Operand) and t.name == defines]
        if len(coeffs) != 1 or coeffs[0] == 0:
            raise InputError(f"{label}: {defines!r} must be one term with a nonzero coefficient")
        if self.relation.bdims[[t.name if isinstance(t, Operand) else None for _, t in self.relation.terms]
                               .index(defines)]:
            raise InputError(f"{label}: the defined tensor {defines!r} must span the whole shape")
        self.defines, self.coeff, self.label = defines, coeffs[0], label

    def forward(self, values: dict) -> dict:
        rest = self.relation.residual({**values, self.defines: np.zeros(self.relation.shape, np.int64)})
        q, r = np.divmod(-rest, self.coeff)
        if np.any(r):
            raise InputError(f"{self.label}: {self.defines} is not an integer combination of its terms")
        return {self.defines: q}

    def proof_shape(self) -> ProofShape:
        return self.relation.proof_shape(True)

    def prove(self, claim, values, transcript):
        return self.relation.prove(claim, values, transcript)

    def verify(self, claim, proof, transcript):
        return self.relation.verify(claim, proof, transcript)


class SplitOp(LinearOp):
    """x + offset = hi 2^k + sum_j 2^(o_j) limb_j with x = sum_i c_i bcast(X_i): hi is defined here (a claim
    on it gives claims on the X_i and the limbs), the limbs are committed (their range checks are the
    caller's lookups). The caller also bounds hi (nodeproofs/guards.py): the split pins hi only then."""

    def __init__(self, hi: str, limbs: list[str], shape, x_terms, spec: SplitSpec, label: str = "split"):
        self.spec, self.x_terms, self.shape = spec, [(int(c), t) for c, t in x_terms], tuple(shape)
        hi_op = Operand(hi, shape)
        terms = [(-c, t) for c, t in self.x_terms] + [(1 << spec.shift, hi_op)]
        terms += [(1 << o, Operand(n, shape)) for o, n in zip(spec.limb_offsets(), limbs)]
        super().__init__(hi, shape, terms, -spec.offset, label)
        self.limbs = list(limbs)
        self.produces = tuple(limbs)

    def forward(self, values: dict) -> dict:
        x = LinearRelation(self.shape, self.x_terms).residual(values)
        hi, limbs = split_int(x, self.spec)
        return {self.defines: hi, **dict(zip(self.limbs, limbs))}


class EinsumOp(Op):
    """Y = einsum(spec, A, B) (relations.einsum.Einsum, public operands allowed): one sumcheck.
    `forward` (values -> Y) replaces the generic int64 einsum (BLAS, a gather for a selection)."""

    def __init__(self, relation, forward=None, label: str = "einsum"):
        self.relation = relation
        self.defines = relation.out.name
        self._forward = forward
        self.label = label
        # a sumcheck much smaller than the output (a per-channel scale, a row selection): each claim's
        # own fold and sumcheck cost less than reducing the claims over the whole output first
        if relation.sc_layout.num_vars + 2 < relation.out.layout.num_vars:
            self.each_claim_max = 4

    def forward(self, values: dict) -> dict:
        if self._forward is not None:
            return {self.defines: self._forward(values)}
        r = self.relation

        def val(x):
            return x.values() if isinstance(x, PublicTensor) else values[x.name]

        return {self.defines: r.evaluate(val(r.a), val(r.b))}

    def proof_shape(self) -> ProofShape:
        return self.relation.proof_shape()

    def prove(self, claim, values, transcript):
        return self.relation.prove(claim, values, transcript)

    def verify(self, claim, proof, transcript):
        return self.relation.verify(claim, proof, transcript)


def _index_point(index: int, num_vars: int) -> np.ndarray:
    """The (num_vars, 4) point of a Boolean index (little-endian bits as field elements)."""
    out = np.zeros((num_vars, 4), dtype=np.uint32)
    out[:, 0] = [(index >> j) & 1 for j in range(num_vars)]
    return out


class StackOp(Op):
    """out = stack(parts, axis): a claim on out at r becomes claims on each part at r without the axis's
    coordinates r_a; the prover sends the parts' values and the verifier checks
    sum_i eq(r_a, i) v_i = out(r)."""

    def __init__(self, defines: str, parts: list[str], part_shape, axis: int, label: str = "stack"):
        self.defines, self.parts, self.axis, self.label = defines, list(parts), int(axis), label
        self.part = TensorLayout(part_shape)
        shape = list(self.part.shape)
        shape.insert(self.axis, len(self.parts))
        self.out = TensorLayout(shape)

    def forward(self, values: dict) -> dict:
        return {self.defines: np.stack([np.asarray(values[p], np.int64) for p in self.parts], axis=self.axis)}

    def proof_shape(self) -> ProofShape:
        return ProofShape((), len(self.parts))

    def _points(self, claim):
        blocks = self.out.split_point(self.out.check_point(claim.point, f"claim on {self.defines}"))
        r_axis = blocks.pop(self.axis)
        return r_axis, self.part.join_point(blocks)

    def _start(self, claim, transcript):
        bind(transcript, "stack", {"out": self.defines, "parts": self.parts, "axis": self.axis,
                                   "shape": list(self.out.shape)})
        transcript.absorb_ext(LABEL_STACK + "/claim", np.concatenate([claim.point, claim.value[None]]))
        return self._points(claim)

    def prove(self, claim, values, transcript):
        from deepprove_cli.poly.multilinear import evaluate

        _, pt = self._start(claim, transcript)
        proof = RelationProof()
        vals = np.stack([evaluate(self.part.table(values[p], p), pt) for p in self.parts])
        sent = proof.send(transcript, LABEL_STACK, vals)
        return proof, [TensorClaim(p, pt, v) for p, v in zip(self.parts, sent)]

    def verify(self, claim, proof, transcript):
        r_axis, pt = self._start(claim, transcript)
        cur = proof.cursor(self.proof_shape())
        sent = cur.take(transcript, LABEL_STACK, len(self.parts))
        cur.finish()
        total = felt.dot([eq_index(r_axis, i) for i in range(len(self.parts))], sent)
        if not np.array_equal(total, claim.value):
            raise ProofInvalid(f"{self.label}: the parts do not recombine to the claimed value")
        return [TensorClaim(p, pt, v) for p, v in zip(self.parts, sent)]


class SliceOp(Op):
    """out = src[..., index, ...] along `axis`: a claim on out is the claim on src with the axis's
    coordinates set to the bits of `index` (no proof)."""

    each_claim_max = 1 << 16

    def __init__(self, defines: str, src: str, src_shape, axis: int, index: int, label: str = "slice"):
        self.defines, self.src, self.axis, self.index, self.label = defines, src, int(axis), int(index), label
        self.src_layout = TensorLayout(src_shape)
        shape = list(self.src_layout.shape)
        shape.pop(self.axis)
        self.out = TensorLayout(shape)

    def forward(self, values: dict) -> dict:
        return {self.defines: np.take(np.asarray(values[self.src], np.int64), self.index, axis=self.axis)}

    def _claim(self, claim):
        blocks = self.out.split_point(self.out.check_point(claim.point, f"claim on {self.defines}"))
        blocks.insert(self.axis, _index_point(self.index, self.src_layout.dim_vars[self.axis]))
        return [TensorClaim(self.src, self.src_layout.join_point(blocks), claim.value)]

    def prove(self, claim, values, transcript):
        return RelationProof(), self._claim(claim)

    def verify(self, claim, proof, transcript):
        proof.cursor(ProofShape()).finish()
        return self._claim(claim)


def same_padded_table(a_shape, b_shape) -> bool:
    """Whether tensors of these shapes (same row-major entries) have the same padded table."""
    la, lb = TensorLayout(a_shape), TensorLayout(b_shape)
    if la.num_vars != lb.num_vars or la.size != lb.size:
        return False
    idx = np.arange(la.size, dtype=np.int64)
    pa = np.ravel_multi_index(np.unravel_index(idx, la.shape), la.padded_shape) if la.shape else idx
    pb = np.ravel_multi_index(np.unravel_index(idx, lb.shape), lb.padded_shape) if lb.shape else idx
    return bool(np.array_equal(pa, pb))


class AliasOp(Op):
    """out is src read in another shape with the SAME padded table (checked): claims pass unchanged."""

    each_claim_max = 1 << 16

    def __init__(self, defines: str, src: str, src_shape, shape, label: str = "alias"):
        if not same_padded_table(src_shape, shape):
            raise InputError(f"{label}: {tuple(src_shape)} -> {tuple(shape)} changes the padded layout (a permutation "
                             f"argument would be needed; not supported)")
        self.defines, self.src, self.shape, self.label = defines, src, tuple(shape), label

    def forward(self, values: dict) -> dict:
        return {self.defines: np.asarray(values[self.src], np.int64).reshape(self.shape)}

    def prove(self, claim, values, transcript):
        return RelationProof(), [TensorClaim(self.src, claim.point, claim.value)]

    def verify(self, claim, proof, transcript):
        proof.cursor(ProofShape()).finish()
        return [TensorClaim(self.src, claim.point, claim.value)]


class PublicOp(Op):
    """out is a public tensor: the verifier evaluates it at the claim's point itself (no proof)."""

    each_claim_max = 1 << 16

    def __init__(self, defines: str, public: PublicTensor, label: str = "public"):
        self.defines, self.public, self.label = defines, public, label

    def forward(self, values: dict) -> dict:
        return {self.defines: np.asarray(self.public.values(), np.int64)}

    def _check(self, claim):
        if not np.array_equal(self.public.evaluate(claim.point), claim.value):
            raise ProofInvalid(f"{self.label}: the claimed value of the public tensor {self.defines} is wrong")
        return []

    def prove(self, claim, values, transcript):
        return RelationProof(), self._check(claim)

    def verify(self, claim, proof, transcript):
        proof.cursor(ProofShape()).finish()
        return self._check(claim)


class TableOp(Op):
    """y = T[x] for a lookup table (values indexed by x - lo): the committed output of a lookup; the
    lookup argument (registered beside it) is its proof."""

    def __init__(self, y: str, x: str, values: np.ndarray, lo: int, label: str = "table"):
        self.y, self.x, self.values, self.lo, self.label = y, x, values, int(lo), label
        self.produces = (y,)

    def forward(self, values: dict) -> dict:
        idx = np.asarray(values[self.x], np.int64) - self.lo
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self.values.shape[0]):
            raise InputError(f"{self.label}: an input lies outside the table's domain")
        return {self.y: np.asarray(self.values, np.int64)[idx]}


class ConstraintOp(Op):
    """A relation proven at fresh challenges (after the commitments): a LinearRelation identity (limbs
    against the value they decompose) or any object with prove(values, transcript), verify(proof,
    transcript) and proof_shape() (DivRem, RowMax). `witness(values)` computes its committed advice."""

    constraint = True

    def __init__(self, relation, produces=(), witness=None, label: str = "constraint"):
        self.relation, self.produces, self._witness, self.label = relation, tuple(produces), witness, label

    def forward(self, values: dict) -> dict:
        """The committed advice this relation's witness computes (only the tensors it `produces`)."""
        if not self._witness:
            return {}
        out = self._witness(values)
        return {name: out[name] for name in self.produces}

    def proof_shape(self) -> ProofShape:
        r = self.relation
        return r.proof_shape(False) if isinstance(r, LinearRelation) else r.proof_shape()

    def prove(self, claim, values, transcript):
        r = self.relation
        return r.prove(None, values, transcript) if isinstance(r, LinearRelation) else r.prove(values, transcript)

    def verify(self, claim, proof, transcript):
        r = self.relation
        return r.verify(None, proof, transcript) if isinstance(r, LinearRelation) else r.verify(proof, transcript)


class AdviceOp(Op):
    """Committed advice computed from tensors already known, pinned by the relations that read it (the
    softmax row sum's exponent and mantissa, the norm's row exponents: lookups and range checks); proves
    nothing itself."""

    def __init__(self, produces, compute, label: str = "advice"):
        self.produces, self._compute, self.label = tuple(produces), compute, label

    def forward(self, values: dict) -> dict:
        return self._compute(values)

"""Elementwise relations: linear combinations with broadcasting (no sumcheck), and products.

`LinearRelation`: sum_k c_k bcast(T_k) + c_0 [real] = 0 over one shape, for integer constants c_k,
witness or public tensors T_k broadcast numpy-style (shapes right-aligned, each dimension equal or
1), and an optional constant term masked by the real-entry indicator (padded entries are zero in
every tensor, so an unmasked constant would break the relation there). Broadcasting pads with zeros
too: bcast(T) is T's value on real entries and 0 on padded ones, so its MLE at r is
T(r restricted to T's dimensions) times the indicator MLE of the broadcast dimensions, O(n).

Multilinear extensions are linear, so the relation holds at every point iff it holds as tables. Given
a claim on one full-shape witness tensor at r, the prover sends the other witness tensors' values at
their parts of r and the verifier checks the linear equation: no sumcheck, claims at the same point.
With no incoming claim (`known=None`) the point is a fresh challenge: an identity check between
committed tensors (e.g. limbs against the tensor they decompose).

Padding: the relation holds on the padded tables too (the constant is masked), so when every term but
one is zero on padding, that one is as well (a limb identity, a Split's hi).

Products are Einsums: `mul` (two witness tensors, an eq-weighted sumcheck over the shared indices),
`scale` (a witness tensor times a public one: per-channel multipliers, RoPE tables). Their specs
are built from the broadcast shapes here.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.lookup import felt
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.public import PublicTensor

LABEL_POINT = "relation/linear/point"
LABEL_VALUES = "relation/linear/values"
LABEL_KNOWN = "relation/linear/known-claim"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def broadcast_dims(shape, full) -> list[int]:
    """For a shape broadcast (numpy-style, right-aligned) to `full`: the dimensions of `full` along
    which it is broadcast. InputError if it does not broadcast."""
    shape, full = tuple(shape), tuple(full)
    if len(shape) > len(full):
        raise InputError(f"shape {shape} does not broadcast to {full}")
    lead = len(full) - len(shape)
    out = list(range(lead))
    for i, d in enumerate(shape):
        if d != full[lead + i]:
            if d != 1:
                raise InputError(f"shape {shape} does not broadcast to {full}")
            out.append(lead + i)
    return out


def broadcast_values(values, full) -> np.ndarray:
    """bcast(T) as an int64 tensor of shape `full` (the integer semantics)."""
    return np.broadcast_to(np.asarray(values, dtype=np.int64), tuple(full))


class LinearRelation:
    """sum_k coeff_k bcast(T_k) + const [real] = 0 over `shape`; terms are (int, Operand | PublicTensor)."""

    def __init__(self, shape, terms, const: int = 0, name: str = "linear"):
        self.layout = TensorLayout(shape)
        self.shape = self.layout.shape
        self.terms = [(int(c), t) for c, t in terms]
        self.const = int(const)
        self.name = name
        if not self.terms:
            raise InputError(f"{name}: a linear relation needs at least one term")
        seen = set()
        self.bdims = []
        for c, t in self.terms:
            if not isinstance(t, (Operand, PublicTensor)):
                raise InputError(f"{name}: terms are Operands or PublicTensors, got {type(t).__name__}")
            if isinstance(t, Operand):
                if t.name in seen:
                    raise InputError(f"{name}: tensor {t.name!r} appears twice (merge its coefficients)")
                seen.add(t.name)
            self.bdims.append(broadcast_dims(t.shape, self.shape))
        self.witnesses = [t for _, t in self.terms if isinstance(t, Operand)]
        # terms over the whole shape (no broadcast): their point is the relation's point itself
        self._full = [len(t.shape) == len(self.shape) and not bd for (_, t), bd in zip(self.terms, self.bdims)]

    def describe(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "const": self.const,
                "terms": [[c, t.describe()] for c, t in self.terms]}

    def proof_shape(self, known: bool = True) -> ProofShape:
        return ProofShape((), len(self.witnesses) - (1 if known else 0))

    def residual(self, values: dict) -> np.ndarray:
        """sum_k c_k bcast(T_k) + const over the real entries (int64): zero iff the relation holds."""
        acc = np.full(self.shape, self.const, dtype=np.int64)
        for c, t in self.terms:
            v = np.asarray(t.values() if isinstance(t, PublicTensor) else values[t.name])
            if v.size == t.layout.size:
                v = v.reshape(t.shape)  # e.g. a per-row (H, T) tensor read as (H, T, 1)
            acc = acc + c * broadcast_values(v, self.shape)
        return acc

    # -- points --------------------------------------------------------------------------------

    def _sub_point(self, k: int, parts: list) -> np.ndarray:
        """Term k's point: the full point's blocks of its own (non-broadcast) dimensions."""
        t = self.terms[k][1]
        lead = len(self.shape) - len(t.shape)
        empty = np.zeros((0, 4), dtype=np.uint32)
        return t.layout.join_point([empty if lead + i in self.bdims[k] else parts[lead + i]
                                    for i in range(len(t.shape))])

    def _bcast_factor(self, k: int, parts: list) -> np.ndarray:
        acc = felt.ONE
        for i in self.bdims[k]:
            acc = felt.mul(acc, TensorLayout((self.shape[i],)).indicator_eval(parts[i]))
        return acc

    def _start(self, known: TensorClaim | None, transcript):
        """Bind the relation (and the incoming claim); the point: the claim's, or a fresh challenge (the
        caller has absorbed the commitments of every witness term before an identity check)."""
        bind(transcript, "linear", self.describe())
        if known is None:
            return transcript.challenge_exts(LABEL_POINT, self.layout.num_vars), None
        transcript.absorb_ext(LABEL_KNOWN, np.concatenate([known.point, known.value[None]]))
        ks = [k for k, (_, t) in enumerate(self.terms) if isinstance(t, Operand) and t.name == known.tensor]
        if not ks:
            raise InputError(f"{self.name}: claim on {known.tensor!r}, which is not a term")
        if self.bdims[ks[0]]:
            raise InputError(f"{self.name}: the incoming claim must be on a full-shape tensor, {known.tensor!r} "
                             f"is broadcast")
        return self.layout.check_point(known.point, f"claim on {known.tensor}"), known.tensor

    # -- prover / verifier ---------------------------------------------------------------------

    def prove(self, known: TensorClaim | None, values: dict, transcript) -> tuple[RelationProof, list[TensorClaim]]:
        """Claims on the other witness terms at (their parts of) the point, whose values it sends."""
        from deepprove_cli.poly.multilinear import evaluate

        point, known_name = self._start(known, transcript)
        parts = self.layout.split_point(point)
        proof = RelationProof()
        sent, claims = [], []
        for k, (_, t) in enumerate(self.terms):
            if not isinstance(t, Operand):
                continue
            sub = self._sub_point(k, parts)
            if t.name == known_name:
                continue
            if t.name not in values:
                raise InputError(f"{self.name}: no values for {t.name!r}")
            v = evaluate(t.layout.table(values[t.name], t.name), sub)
            sent.append(v)
            claims.append(TensorClaim(t.name, sub, v))
        proof.send(transcript, LABEL_VALUES, np.stack(sent) if sent else np.zeros((0, 4), np.uint32))
        return proof, claims

    def verify(self, known: TensorClaim | None, proof: RelationProof, transcript) -> list[TensorClaim]:
        point, known_name = self._start(known, transcript)
        shape = self.proof_shape(known is not None)
        cur = proof.cursor(shape)
        sent = list(cur.take(transcript, LABEL_VALUES, shape.values))
        cur.finish()
        # sum_k c_k bcast_k T_k(r_k) + const [real](r) on Python ints, reduced once at the end
        t0 = t1 = t2 = t3 = 0
        if self.const:
            t0, t1, t2, t3 = felt.scale_i(felt.ints(self.layout.indicator_eval(point)), self.const)
        parts = None
        claims = []
        for k, (c, t) in enumerate(self.terms):
            if self._full[k]:
                sub = point
            else:
                parts = parts if parts is not None else self.layout.split_point(point)
                sub = self._sub_point(k, parts)
            if isinstance(t, PublicTensor):
                v = t.evaluate(sub)
            elif t.name == known_name:
                v = known.value
            else:
                v = sent.pop(0)
                claims.append(TensorClaim(t.name, sub, v))
            v0, v1, v2, v3 = felt.ints(v) if self._full[k] else felt.mul_i(felt.ints(self._bcast_factor(k, parts)),
                                                                           felt.ints(v))
            t0, t1, t2, t3 = t0 + c * v0, t1 + c * v1, t2 + c * v2, t3 + c * v3
        if t0 % P or t1 % P or t2 % P or t3 % P:
            raise ProofInvalid(f"{self.name}: the linear relation does not hold at the point")
        return claims


class LinComb(LinearRelation):
    """out = sum_k c_k bcast(A_k) + const (on real entries): adds, subtractions, bias adds, broadcasts."""

    def __init__(self, out: Operand, terms, const: int = 0, name: str = "lincomb"):
        self.out = out
        super().__init__(out.shape, [(-1, out)] + [(int(c), t) for c, t in terms], int(const), name)

    def evaluate(self, values: dict) -> np.ndarray:
        """The integer semantics: out's int64 values from the inputs'."""
        return self.residual({**values, self.out.name: np.zeros(self.shape, np.int64)})


def add(out: Operand, a, b) -> LinComb:
    return LinComb(out, [(1, a), (1, b)], name="add")


def sub(out: Operand, a, b) -> LinComb:
    return LinComb(out, [(1, a), (-1, b)], name="sub")


def broadcast(out: Operand, row) -> LinComb:
    """out = bcast(row): a per-row (or per-channel) value repeated along the broadcast dimensions."""
    return LinComb(out, [(1, row)], name="broadcast")


def _product_spec(out_shape, a_shape, b_shape) -> str:
    """An einsum spec for the broadcast product of two tensors (size-1 dimensions get a letter of
    their own: a contracted index of size 1)."""
    n = len(out_shape)
    if n + 2 * n > len(_LETTERS):
        raise InputError(f"elementwise product: too many dimensions ({n})")
    ly = _LETTERS[:n]
    spare = iter(_LETTERS[n:])
    terms = []
    for shape in (a_shape, b_shape):
        bd = set(broadcast_dims(shape, out_shape))
        lead = n - len(shape)
        terms.append("".join(next(spare) if lead + i in bd else ly[lead + i] for i in range(len(shape))))
    return f"{terms[0]},{terms[1]}->{ly}"


def _out_shape(a, b) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    except ValueError:
        raise InputError(f"shapes {a.shape} and {b.shape} do not broadcast") from None


def mul(out: str, a, b) -> Einsum:
    """out = a * b elementwise (numpy broadcasting); a, b Operands or one of them public."""
    shape = _out_shape(a, b)
    return Einsum(_product_spec(shape, a.shape, b.shape), a, b, out)


def scale(out: str, a: Operand, c: PublicTensor) -> Einsum:
    """out = a * c for a public constant tensor c broadcast along a (per-channel M_c, RoPE cos/sin)."""
    if not isinstance(c, PublicTensor):
        raise InputError("scale: the constant must be a PublicTensor")
    return mul(out, a, c)

"""One wire format and one Fiat-Shamir discipline for every relation's proof.

A relation proof is a sequence of sumcheck proofs plus a sequence of prover-sent extension
elements (evaluations of tensors at points). Its shape (each sumcheck's variables and degree, the
number of values) follows from the relation's PUBLIC description, so the bytes carry no lengths:
`ProofShape` is computed by the verifier, never read from the proof.

The prover appends with `send` (values) and `add_sumcheck`; the verifier replays the same calls in
the same order on a `ProofCursor`, which absorbs each value batch under the same label before any
later challenge is drawn, and `finish` rejects a proof with unread parts. `bind` absorbs the
relation's kind and public parameters first, so a verifier with other shapes or constants draws
other challenges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.io.binary import P, ProofFormatError, Reader, Writer
from deepprove_cli.sumcheck.proof import SumcheckProof
from deepprove_cli.sumcheck.verifier import verify as verify_sumcheck

LABEL_BIND = "relation/bind"


def bind(transcript, kind: str, params: dict) -> None:
    """Absorb a relation's kind and public parameters (a deterministic JSON encoding)."""
    transcript.absorb_bytes(LABEL_BIND, _ENCODER.encode({"kind": kind, **params}).encode())


def _jsonable(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (tuple, np.ndarray)):
        return list(x)
    raise TypeError(f"cannot bind {type(x).__name__} into a transcript")


# json.dumps with these options builds an encoder per call; one shared encoder gives the same text
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_jsonable)


@dataclass(frozen=True)
class ProofShape:
    """sumchecks: (num_vars, degree) of each sumcheck in order; values: prover-sent ext elements."""

    sumchecks: tuple[tuple[int, int], ...] = ()
    values: int = 0

    def __add__(self, other: "ProofShape") -> "ProofShape":
        return ProofShape(self.sumchecks + other.sumchecks, self.values + other.values)


@dataclass
class RelationProof:
    sumchecks: list[SumcheckProof] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)  # (4,) ext each, in sending order

    # -- prover ---------------------------------------------------------------------------------

    def send(self, transcript, label: str, values) -> np.ndarray:
        """Append prover values ((k, 4) or (4,)) and absorb them; returns them as (k, 4)."""
        v = np.ascontiguousarray(np.asarray(values, dtype=np.uint32).reshape(-1, 4))
        transcript.absorb_ext(label, v)
        self.values.extend(v)
        return v

    def add_sumcheck(self, proof: SumcheckProof) -> None:
        self.sumchecks.append(proof)

    def extend(self, sub: "RelationProof") -> None:
        """Append a sub-relation's proof (its values were absorbed when it was made); the verifier
        takes it back with `ProofCursor.sub` at the same place in its replay."""
        self.sumchecks.extend(sub.sumchecks)
        self.values.extend(sub.values)

    # -- wire -----------------------------------------------------------------------------------

    @property
    def shape(self) -> ProofShape:
        return ProofShape(tuple([s.round_evals.shape[:2] for s in self.sumchecks]), len(self.values))

    def write(self, w: Writer) -> None:
        for s in self.sumchecks:
            s.write(w)
        if self.values:
            w.ext_array(np.stack(self.values))

    @classmethod
    def read(cls, r: Reader, shape: ProofShape) -> "RelationProof":
        scs = [SumcheckProof.read(r, n, d) for n, d in shape.sumchecks]
        vals = list(r.ext_array(shape.values, "relation values")) if shape.values else []
        return cls(scs, vals)

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, shape: ProofShape) -> "RelationProof":
        """Strict: exactly the parts `shape` names, canonical, no trailing bytes."""
        r = Reader(data, "relation proof")
        out = cls.read(r, shape)
        r.finish()
        return out

    # -- verifier -------------------------------------------------------------------------------

    def cursor(self, shape: ProofShape) -> "ProofCursor":
        """Check the in-memory proof against the verifier's own shape, then read it in order."""
        if not isinstance(self, RelationProof) or self.shape != shape:
            raise ProofFormatError(f"relation proof: shape {getattr(self, 'shape', None)}, expected {shape}")
        for v in self.values:
            if not isinstance(v, np.ndarray) or v.shape != (4,) or v.dtype != np.uint32 or max(v.tolist()) >= P:
                raise ProofFormatError("relation proof: malformed or non-canonical value")
        return ProofCursor(self)


class ProofCursor:
    """The verifier's replay of a RelationProof: values and sumchecks in the prover's order."""

    def __init__(self, proof: RelationProof):
        self._proof = proof
        self._v = 0
        self._s = 0

    def take(self, transcript, label: str, k: int) -> np.ndarray:
        """The next k prover values (k, 4), absorbed exactly as `RelationProof.send` did."""
        vals = self._proof.values[self._v:self._v + k]
        if len(vals) != k:
            raise ProofInvalid("relation proof: fewer values than the relation needs")
        self._v += k
        v = np.array(vals, dtype=np.uint32) if k else np.zeros((0, 4), dtype=np.uint32)
        transcript.absorb_ext(label, v)
        return v

    def sumcheck(self, claim, num_vars: int, degree: int, transcript) -> tuple[np.ndarray, np.ndarray]:
        """Replay the next sumcheck: (point, expected final value)."""
        if self._s >= len(self._proof.sumchecks):
            raise ProofInvalid("relation proof: fewer sumchecks than the relation needs")
        sc = self._proof.sumchecks[self._s]
        self._s += 1
        return verify_sumcheck(claim, num_vars, degree, sc, transcript)

    def sub(self, shape: ProofShape) -> RelationProof:
        """The next sub-relation's proof (see `RelationProof.extend`), for its own verifier."""
        k, m = len(shape.sumchecks), shape.values
        if self._s + k > len(self._proof.sumchecks) or self._v + m > len(self._proof.values):
            raise ProofInvalid("relation proof: a sub-proof is missing")
        out = RelationProof(self._proof.sumchecks[self._s:self._s + k], self._proof.values[self._v:self._v + m])
        self._s += k
        self._v += m
        return out

    def finish(self) -> None:
        if self._v != len(self._proof.values) or self._s != len(self._proof.sumchecks):
            raise ProofInvalid("relation proof: unread parts")

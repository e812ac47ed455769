"""The sumcheck proof on the wire and its Fiat-Shamir schedule (shared by prover and verifier).

Encoding of round j's polynomial g_j (degree d): its values at 0, 2, 3, ..., d (d extension
elements, in that order); g_j(1) is not sent, the verifier derives it as claim_j - g_j(0). So a
proof is num_vars * d extension elements, 16 bytes each, nothing else (no lengths: num_vars and d
come from the verifier's own description of the claim).

Transcript schedule: absorb the claim (LABEL_CLAIM); then per round absorb the d sent values
(LABEL_ROUND) and squeeze the challenge r_j (LABEL_CHALLENGE). A batch first absorbs all claims
(LABEL_BATCH) and squeezes alpha (LABEL_ALPHA), then runs that schedule on the combined claim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.io.binary import P, ProofFormatError, Reader, Writer

LABEL_CLAIM = "sumcheck/claim"
LABEL_ROUND = "sumcheck/round"
LABEL_CHALLENGE = "sumcheck/challenge"
LABEL_BATCH = "sumcheck/batch-claims"
LABEL_ALPHA = "sumcheck/batch-alpha"

MAX_VARS = 64
MAX_DEGREE = 64


def check_shape(num_vars: int, degree: int) -> None:
    if not (0 <= num_vars <= MAX_VARS and 1 <= degree <= MAX_DEGREE):
        raise ValueError(f"sumcheck shape out of range: {num_vars} variables, degree {degree}")


@dataclass
class SumcheckProof:
    """round_evals[j] = (g_j(0), g_j(2), ..., g_j(d)): a (num_vars, degree, 4) uint32 array."""

    round_evals: np.ndarray

    @property
    def num_vars(self) -> int:
        return self.round_evals.shape[0]

    @property
    def degree(self) -> int:
        return self.round_evals.shape[1]

    def write(self, w: Writer) -> None:
        w.ext_array(self.round_evals.reshape(-1, 4))

    @classmethod
    def read(cls, r: Reader, num_vars: int, degree: int) -> "SumcheckProof":
        check_shape(num_vars, degree)
        evals = r.ext_array(num_vars * degree, "sumcheck round polynomials")
        return cls(evals.reshape(num_vars, degree, 4))

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, num_vars: int, degree: int) -> "SumcheckProof":
        """Strict: exactly num_vars * degree canonical extension elements, no trailing bytes."""
        r = Reader(data, "sumcheck proof")
        proof = cls.read(r, num_vars, degree)
        r.finish()
        return proof

    def check_shape(self, num_vars: int, degree: int) -> None:
        """A proof object built in memory (not read) must still have the verifier's shape."""
        if self.round_evals.shape != (num_vars, degree, 4) or self.round_evals.dtype != np.uint32:
            raise ProofFormatError(f"sumcheck proof: shape {self.round_evals.shape}, expected ({num_vars}, {degree}, 4)")
        if self.round_evals.size and int(self.round_evals.max()) >= P:
            raise ProofFormatError("sumcheck proof: non-canonical field element")

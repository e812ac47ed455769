"""The verifier of a generated sequence: `verify_sequence(vk_like, statement, proof_bytes)`.

It parses the statement, checks it names the key's model, plans the proof from the key's public data
and the statement's tokens (nodeproofs.plan, as the prover does) and replays the transcript
(verifier/flow.py): advice commitment, lookup argument, every node's claims, the openings. The first
failing check raises ProofInvalid naming it (node, op, check). It imports no prover kernel (a fresh
process verifying a proof loads only field, hash, transcript, relations' verifier side and pcs'
verifier).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from deepprove_cli.errors import InputError, ProofInvalid


@dataclass
class VerifyReport:
    valid: bool
    model_id: str
    prompt_tokens: list
    output_tokens: list
    T: int
    security_bits: float                 # the weakest opening, conjectured
    security_proven_bits: float
    proof_bytes: int
    verify_s: float
    openings: dict = field(default_factory=dict)   # per opening: Security.to_json()

    def to_json(self) -> dict:
        return {"valid": self.valid, "model_id": self.model_id, "prompt_tokens": self.prompt_tokens,
                "output_tokens": self.output_tokens, "T": self.T, "security_bits": round(self.security_bits, 2),
                "security_proven_bits": round(self.security_proven_bits, 2), "proof_bytes": self.proof_bytes,
                "verify_s": round(self.verify_s, 4), "openings": self.openings}


def _check_weight_shapes(key) -> None:
    """The key's committed arrays must have the sizes its weight commitment holds, in order."""
    from deepprove_cli.relations.layout import TensorLayout

    com = key.weight_commitment
    if com is None:
        return
    try:
        sizes = tuple(TensorLayout(key.weight_shapes[n]).num_vars for n in key.weight_names)
    except KeyError as e:
        raise ProofInvalid(f"verifying key: no shape for committed array {e.args[0]!r}") from None
    if sizes != tuple(com.num_vars):
        raise ProofInvalid("verifying key: the committed arrays' shapes do not match the weight commitment")


# What lowering a malformed graph (wrong types, absurd sizes, dangling names) raises.
_MALFORMED_KEY = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, MemoryError,
                  ZeroDivisionError, RecursionError)


def verify_sequence(vk_like, statement, proof_bytes: bytes) -> VerifyReport:
    """Check `proof_bytes` for `statement` (a dict) against the key; ProofInvalid on the first failure."""
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import parse_statement
    from deepprove_cli.verifier.flow import verify_plan
    from deepprove_cli.verifier.key import as_key

    t0 = time.perf_counter()
    key = as_key(vk_like)
    st = parse_statement(statement)
    if st.model_id != key.model_id:
        raise ProofInvalid(f"the statement names model {st.model_id}, the verifying key is model {key.model_id}")
    if (st.weight_pcs is None) != (key.weight_commitment is None):
        raise ProofInvalid("the statement's weight parameters do not match the key's weight commitment")
    if key.weight_commitment is not None and key.weight_commitment.mismatch(st.weight_pcs):
        raise ProofInvalid(f"weight parameters: {key.weight_commitment.mismatch(st.weight_pcs)} differ from the "
                           "weight commitment's")
    _check_weight_shapes(key)
    if not isinstance(proof_bytes, (bytes, bytearray, memoryview)):
        raise ProofInvalid("the proof must be bytes")
    try:
        plan = plan_for(key, st)
    except InputError as e:
        raise ProofInvalid(f"the statement cannot be checked against this model: {e.message}") from None
    except _MALFORMED_KEY as e:  # the key may come from a stranger (embedded in the proof): its graph is input
        raise ProofInvalid(f"the verifying key's graph cannot be lowered ({type(e).__name__}: {e})") from None
    res = verify_plan(plan, st, key, bytes(proof_bytes))
    secs = [s for _, s in res["openings"]]
    conj = min((s.conjectured for s in secs), default=float("inf"))
    proven = min((s.proven for s in secs), default=float("inf"))
    return VerifyReport(True, st.model_id, list(st.prompt_tokens), list(st.output_tokens), st.T, conj, proven,
                        len(proof_bytes), time.perf_counter() - t0, {w: s.to_json() for w, s in res["openings"]})

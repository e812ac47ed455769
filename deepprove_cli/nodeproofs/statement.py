"""The statement of a sequence proof and the protocol parameters it names (shared by prover and verifier).

    {"model": {"id": hex}, "prompt_tokens": [...], "output_tokens": [...], "T": int,
     "protocol": {"name": "dp-sequence-proof", "version": 1, "target_bits": 100,
                  "advice_pcs": {...}, "weight_pcs": {...} | null}}

T = len(prompt) + len(outputs) - 1 rows are proven as one causal pass over prompt + outputs[:-1]; row
n_prompt - 1 + i is argmaxed to outputs[i]. The transcript absorbs the canonical JSON of exactly these
fields first (unknown fields are ignored and not bound). The verifier takes the Basefold parameters
from the statement only after checking that each opening reaches `target_bits` (conjectured, with
pcs.security_of) and that the weight parameters are the ones the weight commitment was made with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from deepprove_cli.errors import ProofInvalid

PROTOCOL_NAME = "dp-sequence-proof"
PROTOCOL_VERSION = 1
TARGET_BITS = 100
TRANSCRIPT_LABEL = b"dp-sequence-proof-v1"
LABEL_STATEMENT = "sequence/statement"
LABEL_WEIGHTS = "sequence/weight-commitment"
MAX_TOKENS = 1 << 20
PARAM_FIELDS = ("rate_bits", "arity_bits", "num_queries", "grinding_bits", "final_vars", "max_vars", "leaf_bits")


@dataclass(frozen=True)
class Statement:
    model_id: str
    prompt_tokens: tuple[int, ...]
    output_tokens: tuple[int, ...]
    advice_pcs: object          # PcsParams
    weight_pcs: object | None   # PcsParams, None without committed weights
    target_bits: int = TARGET_BITS

    @property
    def T(self) -> int:
        return len(self.prompt_tokens) + len(self.output_tokens) - 1

    @property
    def ids(self) -> np.ndarray:
        """The token ids of the proven pass: prompt + outputs[:-1]."""
        return np.asarray(list(self.prompt_tokens) + list(self.output_tokens[:-1]), dtype=np.int64)

    def to_json(self) -> dict:
        return {"model": {"id": self.model_id}, "prompt_tokens": list(self.prompt_tokens),
                "output_tokens": list(self.output_tokens), "T": self.T,
                "protocol": {"name": PROTOCOL_NAME, "version": PROTOCOL_VERSION, "target_bits": self.target_bits,
                             "advice_pcs": params_json(self.advice_pcs),
                             "weight_pcs": None if self.weight_pcs is None else params_json(self.weight_pcs)}}

    def canonical(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()

    def absorb(self, transcript) -> None:
        transcript.absorb_bytes(LABEL_STATEMENT, self.canonical())


def absorb_weights(transcript, commitment) -> None:
    """The weight commitment (its shape and root), or its absence: absorbed right after the statement."""
    transcript.absorb_bytes(LABEL_WEIGHTS, b"" if commitment is None else commitment.to_bytes())


def params_json(p) -> dict:
    return {k: v for k, v in asdict(p).items() if k in PARAM_FIELDS}


def params_from_json(d, what: str):
    from deepprove_cli.pcs import PcsParams

    if not isinstance(d, dict) or set(d) != set(PARAM_FIELDS):
        raise ProofInvalid(f"statement: {what} parameters must name exactly {', '.join(PARAM_FIELDS)}")
    for k, v in d.items():
        if not (v is None and k == "leaf_bits") and (not isinstance(v, int) or isinstance(v, bool)):
            raise ProofInvalid(f"statement: {what} parameter {k} must be an integer")
    try:
        return PcsParams(**d)
    except (TypeError, ValueError) as e:
        raise ProofInvalid(f"statement: {what} parameters: {e}") from None


def _tokens(v, what: str) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in v):
        raise ProofInvalid(f"statement: {what} must be a list of non-negative integers")
    if len(v) > MAX_TOKENS:
        raise ProofInvalid(f"statement: too many {what}")
    return tuple(v)


def parse_statement(doc) -> Statement:
    """A statement dict (from a proof file's header) checked field by field; ProofInvalid otherwise."""
    try:
        model, proto = doc["model"], doc["protocol"]
        model_id = model["id"]
        prompt, outputs, T = _tokens(doc["prompt_tokens"], "prompt tokens"), _tokens(doc["output_tokens"],
                                                                                      "output tokens"), doc["T"]
        name, version, target = proto["name"], proto["version"], proto["target_bits"]
        advice, weight = proto["advice_pcs"], proto["weight_pcs"]
    except (KeyError, TypeError):
        raise ProofInvalid("statement: a required field is missing") from None
    if not isinstance(model_id, str) or not model_id:
        raise ProofInvalid("statement: the model id must be a non-empty string")
    if name != PROTOCOL_NAME or version != PROTOCOL_VERSION:
        raise ProofInvalid(f"statement: protocol {name!r} version {version!r}, this verifier speaks "
                           f"{PROTOCOL_NAME!r} version {PROTOCOL_VERSION}")
    if not prompt or not outputs:
        raise ProofInvalid("statement: the prompt and the output need at least one token each")
    if not isinstance(T, int) or T != len(prompt) + len(outputs) - 1:
        raise ProofInvalid(f"statement: T = {T!r}, the tokens give {len(prompt) + len(outputs) - 1}")
    if not isinstance(target, int) or target < TARGET_BITS:
        raise ProofInvalid(f"statement: security target {target!r} is below {TARGET_BITS} bits")
    weight_params = None if weight is None else params_from_json(weight, "weight_pcs")
    return Statement(model_id, prompt, outputs, params_from_json(advice, "advice_pcs"), weight_params, target)

"""The proof.bin artifact: the statement, the proof bytes and (optionally) the verifying key.

Layout (an io.container of kind DPPROOF, version 1):
  meta.statement   what is proven, in the prover's terms (`nodeproofs.statement`): model.id (hex
                   BLAKE3 of the vk), prompt_tokens, output_tokens, T, protocol parameters; the
                   fields the CLI prints are checked here for shape, the verifier parses the rest
                   and binds every field through the transcript
  meta.sizes       bytes per proof component, in order (they sum to the proof's length)
  arrays "proof"   uint8, the proof bytes
  arrays "vk"      uint8, the model's verifying key (absent with `dp prove --no-embed-vk`)

Why embed the vk by default: `dp verify proof.bin` then works with nothing else, and trust still
comes from the verifier's side: the key's hash must be the statement's model id, which
`--expect-model ID` (or `--model model.vk`, the verifier's own copy) pins.

Reading is strict and never raises anything but ProofInvalid ("invalid: <reason>", exit 1) for a
malformed, truncated or padded file; a file that does not exist is a usage error (exit 2).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.io import container
from deepprove_cli.io.container import ArraySpec

PROOF_MAGIC = b"DPPROOF\0"
PROOF_VERSION = 1
MAX_TOKENS = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_STATEMENT_KEYS = ("model", "prompt_tokens", "output_tokens")


@dataclass
class ProofFile:
    statement: dict
    proof: bytes
    vk: bytes | None = None
    sizes: dict = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return self.statement["model"]["id"]

    @property
    def prompt_tokens(self) -> list[int]:
        return list(self.statement["prompt_tokens"])

    @property
    def output_tokens(self) -> list[int]:
        return list(self.statement["output_tokens"])


def _token_list(v, what: str, allow_empty: bool) -> list[int]:
    if not isinstance(v, list) or len(v) > MAX_TOKENS or (not v and not allow_empty) or \
            not all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 1 << 31 for t in v):
        raise ProofInvalid(f"statement: {what} is not a list of token ids")
    return v


def check_statement(st) -> dict:
    """The fields the CLI reads before verifying (model id, tokens) have the right shapes; the
    verifier parses the rest (T, protocol parameters: `nodeproofs.statement.parse_statement`)."""
    if not isinstance(st, dict):
        raise ProofInvalid("statement: not an object")
    missing = [k for k in _STATEMENT_KEYS if k not in st]
    if missing:
        raise ProofInvalid(f"statement: {missing[0]} is missing")
    model = st["model"]
    if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not _HEX64.fullmatch(model["id"]):
        raise ProofInvalid("statement: the model id is not 64 lowercase hex digits")
    _token_list(st["prompt_tokens"], "prompt_tokens", allow_empty=False)
    _token_list(st["output_tokens"], "output_tokens", allow_empty=False)
    return st


def _check_sizes(sizes, n: int) -> dict:
    if not isinstance(sizes, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                              and v >= 0 for k, v in sizes.items()):
        raise ProofInvalid("header: the section sizes are corrupt")
    if sum(sizes.values()) != n:
        raise ProofInvalid(f"header: the section sizes sum to {sum(sizes.values())}, the proof has {n} bytes")
    return sizes


def to_specs(pf: ProofFile) -> tuple[dict, list[ArraySpec]]:
    check_statement(pf.statement)
    sizes = dict(pf.sizes) if pf.sizes else {"proof": len(pf.proof)}
    meta = {"statement": pf.statement, "sizes": _check_sizes(sizes, len(pf.proof))}
    specs = [ArraySpec.of("proof", np.frombuffer(bytes(pf.proof), dtype=np.uint8))]
    if pf.vk is not None:
        specs.append(ArraySpec.of("vk", np.frombuffer(bytes(pf.vk), dtype=np.uint8)))
    return meta, specs


def write_proof(path: str, pf: ProofFile) -> int:
    """Write atomically (`-` is stdout); returns the number of bytes."""
    meta, specs = to_specs(pf)
    try:
        return container.write(path, PROOF_MAGIC, PROOF_VERSION, meta, specs)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def proof_bytes(pf: ProofFile) -> bytes:
    meta, specs = to_specs(pf)
    return container.to_bytes(PROOF_MAGIC, PROOF_VERSION, meta, specs)


def parse_proof(data, source: str = "proof") -> ProofFile:
    """Parse a proof file's bytes; ProofInvalid names what is malformed."""
    try:
        c = container.parse(data, source, kind=PROOF_MAGIC, versions=[PROOF_VERSION])
    except InputError as e:
        raise ProofInvalid(e.message) from None
    except RecursionError:  # json's decoder on a deeply nested header
        raise ProofInvalid(f"{source}: corrupt header (nested too deeply)") from None
    meta = c.meta
    if set(meta) != {"statement", "sizes"}:
        raise ProofInvalid(f"{source}: header sections {sorted(meta)} are not ['sizes', 'statement']")
    names = c.names()
    if names not in (["proof"], ["proof", "vk"]):
        raise ProofInvalid(f"{source}: arrays {names} are not ['proof'] or ['proof', 'vk']")
    arrays = {n: c[n] for n in names}
    for n, a in arrays.items():
        if a.dtype != np.uint8 or a.ndim != 1:
            raise ProofInvalid(f"{source}: array {n!r} is {a.dtype}{a.shape}, expected uint8 bytes")
    proof = arrays["proof"].tobytes()
    statement = check_statement(meta["statement"])
    sizes = _check_sizes(meta["sizes"], len(proof))
    vk = arrays["vk"].tobytes() if "vk" in arrays else None
    return ProofFile(statement, proof, vk, sizes)


def read_bytes(path: str, what: str) -> bytes:
    """A whole (small) artifact's bytes, stdin for `-`; a missing or unreadable file is InputError
    (exit 2), whatever its contents."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint=f"give the {what}") from None
    except (IsADirectoryError, PermissionError) as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def read_proof(path: str) -> ProofFile:
    """Read proof.bin (stdin for `-`): a missing file is InputError (exit 2), anything malformed
    ProofInvalid (exit 1)."""
    return parse_proof(read_bytes(path, "proof file"), "<stdin>" if path == "-" else path)

"""`dp verify proof.bin [--model model.vk] [--expect-model ID] [--json]`: check a proof, print its statement.

Order of checks (the first failure is the reason, exit 1): the proof file parses strictly; the
verifying key (`--model`, else the one embedded in the proof) hashes to the statement's model id;
the model id is the expected one (`--expect-model`); the key parses; the proof verifies against
the key and the statement (`verifier.verify_sequence`, which names its failing check). Usage errors
(a missing file, a --model file that is no verifying key, a malformed --expect-model, a proof without
a key and no --model) exit 2.

Without --model or --expect-model the model id is only the proof's own claim: the output says so.
Human output goes to stderr; --json prints one document on stdout and nothing else, valid or not.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

import click

from deepprove_cli.errors import EXIT_INVALID, InputError, ProofInvalid

_HEX64 = re.compile(r"[0-9a-f]{64}")


def expected_id(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().lower()
    if not _HEX64.fullmatch(v):
        raise InputError(f"--expect-model takes a model id (64 hex digits), got {value!r}",
                         hint="dp quantize prints the model id; dp verify --json reports it")
    return v


def security_of_report(report) -> dict:
    """The weakest opening's security in bits, conjectured and proven (the verifier computes each
    opening's figure with pcs.security_of; a proof is as strong as its weakest opening)."""
    def bits(v):
        return round(float(v), 2) if v is not None and v != float("inf") else None

    return {"conjectured": bits(report.security_bits), "proven": bits(report.security_proven_bits)}


def key_file(path: str) -> bytes:
    """--model's bytes; a file that is not a verifying key at all (e.g. the .dpq) is a usage error."""
    from deepprove_cli.io.proof_file import read_bytes
    from deepprove_cli.model.vk import VK_MAGIC, vk_path

    data = read_bytes(path, "verifying key (model.vk)")
    if data[:8] != VK_MAGIC:
        hint = f"the key beside a model.dpq is {os.path.basename(vk_path(path))}" if data[:8] == b"DPQUANT\0" else None
        raise InputError(f"--model {path} is not a verifying key (model.vk)", hint=hint)
    return data


def check(proof_path: str, vk_file: str | None, expect: str | None) -> dict:
    """Verify; returns the report document. Raises ProofInvalid (invalid) or InputError (usage)."""
    from deepprove_cli.io.proof_file import read_proof
    from deepprove_cli.model.vk import VerifyingKey, model_id_of

    doc = {"valid": False, "reason": None, "model_id": None, "prompt_tokens": None, "output_tokens": None,
           "security_bits": None, "security_bits_proven": None, "proof_bytes": None, "verify_s": None,
           "pinned": bool(vk_file or expect)}
    vk_bytes = key_file(vk_file) if vk_file else None
    try:
        pf = read_proof(proof_path)
    except ProofInvalid as e:
        raise VerifyFailed(e.message, doc) from None
    st = pf.statement
    doc.update(model_id=pf.model_id, prompt_tokens=pf.prompt_tokens, output_tokens=pf.output_tokens,
               proof_bytes=len(pf.proof))
    if vk_bytes is None:
        if pf.vk is None:
            raise InputError("this proof carries no verifying key", hint="give the model's key with --model model.vk")
        vk_bytes = pf.vk
    t0 = time.perf_counter()
    try:
        key_id = model_id_of(vk_bytes)
        if key_id != pf.model_id:
            where = "--model" if vk_file else "the embedded key"
            raise ProofInvalid(f"model id: {where} is model {key_id}, the statement names {pf.model_id}")
        if expect is not None and pf.model_id != expect:
            raise ProofInvalid(f"model id: the proof is about model {pf.model_id}, expected {expect}")
        try:
            vk = VerifyingKey.from_bytes(vk_bytes, "verifying key")
        except InputError as e:
            raise ProofInvalid(e.message) from None
        verify_sequence = verifier_entry()
        report = verify_sequence(vk, st, pf.proof)
    except ProofInvalid as e:
        doc["verify_s"] = round(time.perf_counter() - t0, 4)
        raise VerifyFailed(e.message, doc) from None
    doc["verify_s"] = round(time.perf_counter() - t0, 4)
    sec = security_of_report(report)
    doc.update(valid=True, security_bits=sec["conjectured"], security_bits_proven=sec["proven"])
    doc["_vk"] = vk
    return doc


class VerifyFailed(Exception):
    """The proof is invalid: `reason` names the first failing check, `doc` what was read before it."""

    def __init__(self, reason: str, doc: dict):
        super().__init__(reason)
        self.reason = reason
        self.doc = doc


def verifier_entry():
    import importlib.util

    if importlib.util.find_spec("deepprove_cli.verifier") is None:
        raise InputError("the verifier is not built yet in this version of dp")
    from deepprove_cli.verifier import verify_sequence

    return verify_sequence


def _texts(vk, doc: dict) -> None:
    from deepprove_cli.model.tokenizer import Tokenizer

    tok = Tokenizer(vk.tokenizer)
    doc["prompt_text"] = tok.decode(doc["prompt_tokens"])
    doc["output_text"] = tok.decode(doc["output_tokens"], strip_space_prefix=False)


def print_human(doc: dict) -> None:
    from deepprove_cli.console import info

    info(f"model id   {doc['model_id']}" + ("" if doc["pinned"] else
                                             "  (the proof's own claim: pin it with --expect-model ID or --model)"))
    info(f"prompt     {doc['prompt_text']!r}  ({len(doc['prompt_tokens'])} tokens)")
    info(f"output     {doc['output_text']!r}  ({len(doc['output_tokens'])} tokens)")
    info(f"tokens     {doc['prompt_tokens']} -> {doc['output_tokens']}")
    bits = doc["security_bits"]
    info("security   " + (f"{bits:.1f} bits conjectured, {doc['security_bits_proven']:.1f} proven (weakest opening)"
                          if bits is not None else "not reported by the verifier"))
    info(f"proof      {doc['proof_bytes']} bytes, verified in {doc['verify_s'] * 1e3:.0f} ms")
    info("valid")


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("proof")
@click.option("--model", "vk_file", default=None,
              help="The model's verifying key (model.vk); default: the one in the proof.")
@click.option("--expect-model", "expect", default=None, help="Fail unless the proof is about this model id.")
@click.option("--json", "as_json", is_flag=True,
              help="Print {valid, reason, model_id, tokens, security_bits, ...} on stdout.")
def verify_cmd(proof, vk_file, expect, as_json):
    """Verify PROOF (proof.bin, - for stdin): exit 0 valid, 1 invalid (the failing check named), 2 usage."""
    expect = expected_id(expect)
    try:
        doc = check(proof, vk_file, expect)
    except VerifyFailed as e:
        doc = dict(e.doc, reason=e.reason)
        if as_json:
            click.echo(json.dumps(doc))
        print(f"invalid: {e.reason}", file=sys.stderr)
        sys.exit(EXIT_INVALID)
    vk = doc.pop("_vk")
    _texts(vk, doc)
    if as_json:
        click.echo(json.dumps(doc))
    else:
        print_human(doc)

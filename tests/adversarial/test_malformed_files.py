"""Malformed proof-file headers and statements that once escaped as exceptions or stalled the verifier:
each must be a clean ProofInvalid (the CLI's "invalid"), quickly."""

from __future__ import annotations

import copy
import json
import time

import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.io import container
from deepprove_cli.io.proof_file import ProofFile, parse_proof, proof_bytes
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import greedy, mlp_model


def _with_entry(raw: bytes, **changes) -> bytes:
    """The proof file `raw` with its first array entry's header fields replaced."""
    n = container._PREFIX.size
    hlen = container._PREFIX.unpack_from(raw, 0)[3]
    header = json.loads(raw[n:n + hlen])
    header["arrays"][0].update(changes)
    hb = json.dumps(header).encode()
    head = container._PREFIX.pack(raw[:8], 1, 0, len(hb)) + hb
    return head + bytes(container._pad(len(head))) + raw[n + hlen + container._pad(n + hlen):]


@pytest.mark.parametrize("changes", [
    {"dtype": ["|u1"]},                 # unhashable dtype
    {"dtype": None},
    {"shape": [2 ** 40, 2 ** 40]},      # an int64 element count would wrap to 0
    {"shape": [2 ** 70]},
    {"shape": 3},
    {"offset": -8},
])
def test_malformed_array_entries(changes):
    raw = proof_bytes(ProofFile({"model": {"id": "0" * 64}, "prompt_tokens": [1], "output_tokens": [2]}, b"xyz"))
    parse_proof(raw)  # the unchanged file parses
    with pytest.raises(ProofInvalid):
        parse_proof(_with_entry(raw, **changes))


def test_non_json_constants_in_the_header():
    raw = proof_bytes(ProofFile({"model": {"id": "0" * 64}, "prompt_tokens": [1], "output_tokens": [2]}, b"xyz"))
    n = container._PREFIX.size
    hlen = container._PREFIX.unpack_from(raw, 0)[3]
    text = raw[n:n + hlen].decode()
    assert '"offset":0' in text
    hb = text.replace('"offset":0', '"offset":NaN', 1).encode()
    head = container._PREFIX.pack(raw[:8], 1, 0, len(hb)) + hb
    with pytest.raises(ProofInvalid, match="corrupt header"):
        parse_proof(head + bytes(container._pad(len(head))) + raw[n + hlen + container._pad(n + hlen):])


def test_tiny_advice_max_vars_is_rejected_quickly():
    """A statement asking for max_vars = 1 splits the advice into tens of thousands of columns: the layout
    must stay linear in their number (it was quadratic: ~20 s here) and the proof is still rejected."""
    m = mlp_model(V=281)
    toks = greedy(m, [4, 7], 2)
    b = prove_sequence(m, None, toks, 2)
    st = copy.deepcopy(b.statement)
    st["protocol"]["advice_pcs"]["max_vars"] = 1
    t0 = time.perf_counter()
    with pytest.raises(ProofInvalid):
        verify_sequence(key_from_model(m), st, b.proof_bytes)
    assert time.perf_counter() - t0 < 10

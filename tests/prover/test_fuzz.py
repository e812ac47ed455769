"""Malformed inputs to the verifier: only ProofInvalid may escape (the CLI maps it to "invalid")."""

import copy

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import greedy, shifted_model


@pytest.fixture(scope="module")
def case():
    m = shifted_model()
    toks = greedy(m, [2, 9], 2)
    return m, prove_sequence(m, None, toks, 2)


def _only_invalid(key, statement, proof) -> None:
    """Rejected as invalid: acceptance fails the test, so does any other exception."""
    with pytest.raises(ProofInvalid):
        verify_sequence(key, statement, proof)


def test_proof_byte_fuzz(case):
    m, b = case
    key = key_from_model(m)
    rng = np.random.default_rng(99)
    data = b.proof_bytes
    for _ in range(40):
        i = int(rng.integers(0, len(data)))
        kind = int(rng.integers(0, 4))
        if kind == 0:
            bad = data[:i] + bytes([data[i] ^ int(rng.integers(1, 256))]) + data[i + 1:]
        elif kind == 1:
            bad = data[:i]
        elif kind == 2:
            bad = data[:i] + bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8)) + data[i:]
        else:
            bad = data[:i] + b"\xff\xff\xff\xff" + data[i + 4:]
        _only_invalid(key, b.statement, bad)


@pytest.mark.parametrize("mutate", [
    lambda s: s.pop("model"),
    lambda s: s.update(prompt_tokens="abc"),
    lambda s: s.update(prompt_tokens=[]),
    lambda s: s.update(output_tokens=[1.5]),
    lambda s: s.update(output_tokens=[-1]),
    lambda s: s.update(output_tokens=[10 ** 9]),
    lambda s: s.update(T="5"),
    lambda s: s.update(T=True),
    lambda s: s["protocol"].update(version=2),
    lambda s: s["protocol"].update(advice_pcs={"rate_bits": 1}),
    lambda s: s["protocol"]["advice_pcs"].update(rate_bits=99),
    lambda s: s["protocol"]["advice_pcs"].update(num_queries=True),
    lambda s: s["protocol"].update(weight_pcs=dict(s["protocol"]["advice_pcs"])),
    lambda s: s.update(prompt_tokens=list(range(1, 40))),  # past the model's context
])
def test_statement_fuzz(case, mutate):
    m, b = case
    st = copy.deepcopy(b.statement)
    mutate(st)
    _only_invalid(key_from_model(m), st, b.proof_bytes)


@pytest.mark.parametrize("statement", [None, [], "statement", 5])
def test_statement_of_another_type(case, statement):
    m, b = case
    _only_invalid(key_from_model(m), statement, b.proof_bytes)

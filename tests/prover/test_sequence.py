"""End to end on a hand-built model: complete, deterministic, every statement field and every proof
section bound, the advice and weight commitments bound, verification in a fresh process."""

import copy
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model, weight_table
from tests.prover.hand_models import greedy, mlp_model

PROMPT = [1, 2, 3]
COMMITTED = ["embed.table", "up.w", "up.bias", "down.w", "logits.w"]


@pytest.fixture(scope="module")
def model():
    return mlp_model()


@pytest.fixture(scope="module")
def run(model):
    toks = greedy(model, PROMPT, 3)
    return toks, prove_sequence(model, None, toks, len(PROMPT))


def _verify(model, statement, proof, **kw):
    return verify_sequence(key_from_model(model, **kw), statement, proof)


def test_complete_and_deterministic(model, run):
    toks, b = run
    rep = _verify(model, b.statement, b.proof_bytes)
    assert rep.valid and rep.prompt_tokens == PROMPT and rep.output_tokens == toks[3:] and rep.T == 5
    assert rep.security_bits >= 100 and rep.proof_bytes == len(b.proof_bytes)
    assert prove_sequence(model, None, toks, len(PROMPT)).proof_bytes == b.proof_bytes
    assert sum(b.sizes.values()) == len(b.proof_bytes)
    assert {"advice/root", "lookup", "opening/advice", "node/requant", "node/argmax"} <= set(b.sizes)
    assert set(b.timings["phases"]) == {"witness", "commit", "lookup", "claims", "openings"}
    assert {"einsum", "requant", "lookup", "mul", "limbs", "add", "argmax"} <= set(b.timings["node_kinds"])
    st = b.stats
    assert st["committed_elements"] == sum(d["committed"] for d in st["per_kind"].values()) + sum(st["tables"].values())
    assert st["per_kind"]["requant"]["lookup_rows"] > 0 and st["per_kind"]["lookup"]["committed"] == 8 * 16



def test_a_spilled_advice_batch_gives_the_same_proof(model, run, tmp_path, monkeypatch):
    """Above the spill threshold the advice batch is committed from lazily built tables through a file,
    the lookups read its mapped tables and release their pages: the same bytes, and no file left."""
    from deepprove_cli.prover import spill

    toks, b = run
    monkeypatch.setattr(spill, "SPILL_ELEMENTS", 1)
    monkeypatch.setenv("DP_TMPDIR", str(tmp_path))
    assert prove_sequence(model, None, toks, len(PROMPT)).proof_bytes == b.proof_bytes
    assert list(tmp_path.iterdir()) == []

@pytest.mark.parametrize("field", ["prompt", "output", "fewer", "more_prompt", "queries", "model"])
def test_statement_fields_are_bound(model, run, field):
    _, b = run
    st = copy.deepcopy(b.statement)
    kw = {}
    if field == "prompt":
        st["prompt_tokens"][1] = (st["prompt_tokens"][1] + 1) % 19
    elif field == "output":
        st["output_tokens"][0] = (st["output_tokens"][0] + 1) % 19
    elif field == "fewer":  # drop the last generated token (a consistent shorter statement)
        st["output_tokens"] = st["output_tokens"][:-1]
        st["T"] -= 1
    elif field == "more_prompt":  # the first generated token read as a prompt token
        st["prompt_tokens"].append(st["output_tokens"].pop(0))
    elif field == "queries":
        st["protocol"]["advice_pcs"]["num_queries"] += 1
    else:  # the same proof presented for another model id (and a key of that id)
        st["model"]["id"] = kw["model_id"] = "another-model"
    with pytest.raises(ProofInvalid):
        _verify(model, st, b.proof_bytes, **kw)


@pytest.mark.parametrize("prompt,n", [([5], 1), ([5], 2), ([1, 2, 3, 4, 5, 6, 7], 1)])
def test_short_sequences(prompt, n):
    """One row (T = 1: no row variables), one prompt token, no generated token fed back."""
    from tests.prover.hand_models import shifted_model

    m = shifted_model()
    toks = greedy(m, prompt, n)
    b = prove_sequence(m, None, toks, len(prompt))
    assert _verify(m, b.statement, b.proof_bytes).T == len(toks) - 1


def test_statement_against_another_key(model, run):
    _, b = run
    with pytest.raises(ProofInvalid, match="names model"):
        _verify(model, b.statement, b.proof_bytes, model_id="another-model")
    other = mlp_model(seed=8)
    other.content_digest = model.content_digest  # same id, other weights and tables: the transcript differs
    with pytest.raises(ProofInvalid):
        _verify(other, b.statement, b.proof_bytes)


def test_weak_parameters_are_refused(model, run):
    _, b = run
    st = copy.deepcopy(b.statement)
    st["protocol"]["advice_pcs"]["num_queries"] = 20
    with pytest.raises(ProofInvalid, match="bits of security"):
        _verify(model, st, _reprove_with(model, run, num_queries=20))
    st["protocol"]["target_bits"] = 80
    with pytest.raises(ProofInvalid, match="target"):
        _verify(model, st, b.proof_bytes)


def _reprove_with(model, run, **params):
    from deepprove_cli.pcs import DEFAULT_PARAMS

    import dataclasses

    toks, _ = run
    return prove_sequence(model, None, toks, len(PROMPT), params=dataclasses.replace(DEFAULT_PARAMS, **params)).proof_bytes


def test_every_section_is_bound(model, run):
    _, b = run
    rng = np.random.default_rng(5)
    named = [(n, s, e) for n, s, e in b.sections if e > s]
    assert {"advice/root", "lookup", "node/argmax", "node/requant", "opening/advice"} <= {n for n, _, _ in named}
    for name, start, end in named:
        data = bytearray(b.proof_bytes)
        i = int(rng.integers(start, end))
        data[i] ^= 1 << int(rng.integers(0, 8))
        with pytest.raises(ProofInvalid):
            _verify(model, b.statement, bytes(data))
    for bad in (b.proof_bytes[:-1], b.proof_bytes + b"\0", b""):
        with pytest.raises(ProofInvalid):
            _verify(model, b.statement, bad)


@pytest.fixture(scope="module")
def committed(model):
    """The model with some arrays in a weight commitment (zero-padded row-major tables)."""
    from deepprove_cli.pcs import DEFAULT_PARAMS, commit

    data = commit([weight_table(model.arrays[n]) for n in COMMITTED], DEFAULT_PARAMS)
    weights = (data.commitment, data, COMMITTED)
    toks = greedy(model, PROMPT, 2)
    return weights, toks, prove_sequence(model, weights, toks, len(PROMPT))


def test_committed_weights(model, committed):
    weights, toks, b = committed
    key = key_from_model(model, weights)
    assert set(COMMITTED).isdisjoint(key.arrays)
    rep = verify_sequence(key, b.statement, b.proof_bytes)
    assert rep.valid and set(rep.openings) == {"advice", "weights"} and b.sizes["opening/weights"] > 0


def test_weight_commitment_is_bound(model, committed):
    from deepprove_cli.pcs import Commitment

    weights, toks, b = committed
    com = weights[0]
    other = Commitment(bytes([com.root[0] ^ 1]) + com.root[1:], com.layout, com.split)
    with pytest.raises(ProofInvalid):
        verify_sequence(key_from_model(model, (other, None, COMMITTED)), b.statement, b.proof_bytes)
    with pytest.raises(ProofInvalid):  # a key with everything in clear, for the same statement
        verify_sequence(key_from_model(model), b.statement, b.proof_bytes)
    swapped = [COMMITTED[1], COMMITTED[0]] + COMMITTED[2:]
    with pytest.raises(ProofInvalid):
        verify_sequence(key_from_model(model, (com, None, swapped)), b.statement, b.proof_bytes)


def test_fresh_process_verifier(run, tmp_path):
    _, b = run
    path = tmp_path / "proof.json"
    path.write_text(json.dumps({"statement": b.statement, "proof": b.proof_bytes.hex()}))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", f"import tests.prover.fresh_verify as t; t.main({str(path)!r})"],
                         capture_output=True, cwd=repo, timeout=600, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    assert doc == {"valid": True, "loaded": []}

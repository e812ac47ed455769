"""The product end to end on tiny synthetic models of every architecture (gpt2, llama, gemma3), quantized
by `dp quantize` with a weight commitment (model.vk, model.dpc), proven by `dp prove` straight from a
prompt and verified by `dp verify` in another process: valid, the statement as generated, and a proof
of one model refused against another's key."""

import json

import pytest

from tests.commands.models import COMMITTED, quantized
from tests.conftest import run_dp

ARCHS = ["gpt2", "llama", "gemma3"]
PROMPT = "the cat sat"
N = 3


@pytest.fixture(scope="module")
def proofs(model_dir, tmp_path_factory):
    """{arch: (dpq, model id, proof path, dp prove --json document)}."""
    out = {}
    for arch in ARCHS:
        dpq, summary = quantized(arch, model_dir, **COMMITTED)
        path = str(tmp_path_factory.mktemp(arch) / "proof.bin")
        r = run_dp("prove", "--model", dpq, "--prompt", PROMPT, "--tokens", str(N), "-o", path, "--json")
        assert r.returncode == 0, r.stderr.decode()[-3000:]
        out[arch] = (dpq, summary["model_id"], path, json.loads(r.stdout))
    return out


@pytest.mark.parametrize("arch", ARCHS)
def test_prove_and_verify(proofs, arch):
    dpq, model_id, path, doc = proofs[arch]
    assert doc["model_id"] == model_id and len(doc["output_tokens"]) == N
    kinds = set(doc["timings"]["node_kinds"])
    assert {"norm", "softmax", "einsum", "requant", "argmax"} <= kinds
    if arch != "gpt2":
        assert "rope" in kinds
    r = run_dp("verify", path, "--expect-model", model_id, "--json")
    rep = json.loads(r.stdout)
    assert r.returncode == 0 and rep["valid"], rep
    assert rep["prompt_text"] == PROMPT and rep["output_tokens"] == doc["output_tokens"]
    assert rep["security_bits"] >= 100


def test_another_models_key_is_refused(proofs):
    _, id_a, path_a, _ = proofs["llama"]
    dpq_b, id_b, _, _ = proofs["gemma3"]
    r = run_dp("verify", path_a, "--model", dpq_b[:-4] + ".vk", "--json")
    rep = json.loads(r.stdout)
    assert r.returncode == 1 and not rep["valid"] and rep["reason"], rep
    r = run_dp("verify", path_a, "--expect-model", id_b, "--json")
    assert r.returncode == 1 and not json.loads(r.stdout)["valid"]

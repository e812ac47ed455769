"""Opt-in (DP_REAL_MODELS=1): the real models end to end through the CLI, as a user runs them:
`dp import` of the GGUF from the package index, `dp quantize` (weights committed), `dp prove` from a
prompt, `dp verify --expect-model` in another process; one flipped byte of the proof is refused.
Minutes and up to ~12 GB per model (Gemma-3's 262k-entry vocabulary); 2 generated tokens keep it short
(the 16-token and 64-token figures come from `dp bench e2e`)."""

import json

import pytest

from deepprove_cli.model.sources import ensure_model
from tests.conftest import REAL_MODEL_MARKS, run_dp

pytestmark = REAL_MODEL_MARKS
PROMPT = "The capital of France is"
TOKENS = 2


@pytest.mark.parametrize("name", ["smollm2", "gemma3"])
def test_real_model_proves_and_verifies(name, tmp_path):
    dpm, dpq, proof = (str(tmp_path / f"{name}{ext}") for ext in (".dpm", ".dpq", ".bin"))
    r = run_dp("import", str(ensure_model(name)), "-o", dpm, timeout=1800)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    r = run_dp("quantize", dpm, "-o", dpq, "--json", timeout=1800)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    model_id = json.loads(r.stdout)["model_id"]
    r = run_dp("prove", "--model", dpq, "--prompt", PROMPT, "--tokens", str(TOKENS), "-o", proof, "--json",
               timeout=1800)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    doc = json.loads(r.stdout)
    assert doc["model_id"] == model_id and len(doc["output_tokens"]) == TOKENS
    r = run_dp("verify", proof, "--expect-model", model_id, "--json", timeout=600)
    rep = json.loads(r.stdout)
    assert r.returncode == 0 and rep["valid"], rep
    assert rep["prompt_text"] == PROMPT and rep["output_tokens"] == doc["output_tokens"]
    assert rep["security_bits"] >= 100

    data = bytearray(open(proof, "rb").read())
    data[len(data) // 3] ^= 0x01  # a byte of the proof or of the embedded key: either is refused
    bad = str(tmp_path / "bad.bin")
    open(bad, "wb").write(bytes(data))
    r = run_dp("verify", bad, "--expect-model", model_id, "--json", timeout=600)
    assert r.returncode == 1 and not json.loads(r.stdout)["valid"]

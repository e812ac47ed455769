"""`dp prove` / `dp verify` from the command line: usage errors exit 2, invalid proofs exit 1 with the
reason, --json keeps stdout to one document, and never a traceback. These checks all happen before the
prover or the verifier runs (fake proof bytes are enough)."""

import json
import os
import shutil

import pytest

from deepprove_cli.io.proof_file import ProofFile, proof_bytes
from deepprove_cli.model import vk as V
from tests.commands.models import COMMITTED, quantized
from tests.conftest import run_dp


@pytest.fixture(scope="module")
def models(model_dir):
    d = model_dir
    return {"llama": quantized("llama", d, **COMMITTED), "gpt2": quantized("gpt2", d)}


def _err(r) -> str:
    e = r.stderr.decode()
    assert "Traceback" not in e, e
    return e


def fake_proof(path, model_id: str, vk: bytes | None) -> str:
    st = {"model": {"id": model_id}, "prompt_tokens": [1, 2], "output_tokens": [3], "T": 2}
    with open(path, "wb") as f:
        f.write(proof_bytes(ProofFile(st, b"\x01" * 32, vk, {"proof": 32})))
    return str(path)


def _invalid(r, message: str, as_json: bool = False) -> dict | None:
    assert r.returncode == 1, _err(r)
    assert "invalid: " in _err(r) and message in _err(r)
    if as_json:
        doc = json.loads(r.stdout.decode())  # the whole of stdout is one document
        assert doc["valid"] is False and message in doc["reason"]
        return doc
    assert r.stdout == b""
    return None


def test_verify_usage_errors(models, tmp_path):
    dpq, summary = models["llama"]
    r = run_dp("verify", str(tmp_path / "missing.bin"))
    assert r.returncode == 2 and "no such file" in _err(r)
    proof = fake_proof(tmp_path / "p.bin", summary["model_id"], None)
    r = run_dp("verify", proof)
    assert r.returncode == 2 and "carries no verifying key" in _err(r)
    r = run_dp("verify", proof, "--model", str(tmp_path / "missing.vk"))
    assert r.returncode == 2 and "no such file" in _err(r)
    r = run_dp("verify", proof, "--model", dpq)
    assert r.returncode == 2 and "not a verifying key" in _err(r) and ".vk" in _err(r)
    r = run_dp("verify", proof, "--expect-model", "xyz")
    assert r.returncode == 2 and "64 hex digits" in _err(r)
    r = run_dp("verify")
    assert r.returncode == 2 and "Traceback" not in r.stderr.decode()


@pytest.mark.parametrize("as_json", [False, True])
def test_malformed_proof_files(models, tmp_path, as_json):
    _, summary = models["llama"]
    good = open(fake_proof(tmp_path / "good.bin", summary["model_id"], None), "rb").read()
    cases = {"truncated": (good[:-10], "truncated"), "trailing": (good + b"\0" * 3, "trailing bytes"),
             "magic": (b"XXPROOF\0" + good[8:], "magic"), "empty": (b"", "truncated"),
             "header": (good[:30] + b"}" + good[31:], "corrupt header")}
    for name, (data, message) in cases.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(data)
        args = ["verify", str(path)] + (["--json"] if as_json else [])
        _invalid(run_dp(*args), message, as_json)


def test_proof_from_stdin(models, tmp_path):
    _, summary = models["llama"]
    data = open(fake_proof(tmp_path / "p.bin", summary["model_id"], None), "rb").read()
    _invalid(run_dp("verify", "-", input=data[:-1]), "truncated")


def test_key_of_another_model(models, tmp_path):
    dpq, summary = models["llama"]
    other_dpq, other = models["gpt2"]
    proof = fake_proof(tmp_path / "p.bin", summary["model_id"], None)
    doc = _invalid(run_dp("verify", proof, "--model", V.vk_path(other_dpq), "--json"), "model id", as_json=True)
    assert doc["model_id"] == summary["model_id"] and doc["output_tokens"] == [3]
    # an embedded key that is not the statement's model (here: the other model's, and a tampered one)
    other_vk = open(V.vk_path(other_dpq), "rb").read()
    _invalid(run_dp("verify", fake_proof(tmp_path / "q.bin", summary["model_id"], other_vk)),
             "the embedded key is model " + other["model_id"])
    raw = bytearray(open(V.vk_path(dpq), "rb").read())
    raw[-100] ^= 1
    _invalid(run_dp("verify", fake_proof(tmp_path / "t.bin", summary["model_id"], bytes(raw))), "model id")


def test_expect_model_mismatch(models, tmp_path):
    dpq, summary = models["llama"]
    _, other = models["gpt2"]
    proof = fake_proof(tmp_path / "p.bin", summary["model_id"], open(V.vk_path(dpq), "rb").read())
    doc = _invalid(run_dp("verify", proof, "--expect-model", other["model_id"], "--json"), "expected", as_json=True)
    assert doc["model_id"] == summary["model_id"]
    _invalid(run_dp("verify", proof, "--expect-model", other["model_id"].upper()), "expected " + other["model_id"])


@pytest.mark.parametrize("args, message", [
    ([], "nothing to prove"),
    (["--tokens", "0", "--prompt", "x"], "--tokens must be at least 1"),
    (["--tokens", "-2", "--prompt", "x"], "--tokens must be at least 1"),
    (["run.dpt", "--tokens", "3"], "not both"),
    (["run.dpt", "--prompt", "hi"], "not both"),
    (["--tokens", "2", "--prompt", "x", "--json", "-o", "-"], "both want stdout"),
    (["--tokens", "x"], "not a valid integer"),
])
def test_prove_usage_errors(args, message):
    r = run_dp("prove", *args)
    assert r.returncode == 2 and message in _err(r)


def test_prove_model_files(models, tmp_path):
    dpq, _ = models["llama"]
    r = run_dp("prove", "--tokens", "2", "--prompt", "the cat", env={"DP_MODEL": str(tmp_path / "none.dpq")})
    assert r.returncode == 2 and "no such file" in _err(r)
    lonely = str(tmp_path / "lonely.dpq")
    shutil.copy(dpq, lonely)  # no model.vk / model.dpc beside it
    r = run_dp("prove", "--model", lonely, "--tokens", "2", "--prompt", "the cat", "-o", str(tmp_path / "p.bin"))
    assert r.returncode == 2 and "re-run: dp quantize" in _err(r)
    assert not os.path.exists(tmp_path / "p.bin")


def test_prove_run_of_another_model(models, tmp_path):
    dpq, summary = models["llama"]
    other_dpq, _ = models["gpt2"]
    run = str(tmp_path / "run.dpt")
    r = run_dp("infer", dpq, "--prompt", "the cat", "--tokens", "2", "-o", run, "--json")
    assert r.returncode == 0, _err(r)
    assert json.loads(r.stdout)["model_id"] == summary["model_id"]
    r = run_dp("prove", run, "--model", other_dpq, "-o", str(tmp_path / "p.bin"))
    assert r.returncode == 2 and "another model" in _err(r)


def test_prove_without_a_prompt(models, tmp_path):
    """No --prompt and nothing piped in (stdin a terminal or /dev/null): a usage error, not an empty prompt."""
    import subprocess
    import sys

    from tests.conftest import REPO

    dpq, _ = models["llama"]
    r = subprocess.run([sys.executable, "-m", "deepprove_cli", "prove", "--model", dpq, "--tokens", "2"],
                       stdin=subprocess.DEVNULL, capture_output=True, cwd=REPO, timeout=300)
    assert r.returncode == 2 and "no prompt" in _err(r)

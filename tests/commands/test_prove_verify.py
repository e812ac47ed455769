"""dp prove -> dp verify through the command line on a model the prover covers (tests/commands/models.py):
every way in gives the same proof, --json documents are the whole of stdout, and a changed proof,
statement or key is invalid (exit 1) with the failing check named."""

import json

import pytest

from deepprove_cli.io.proof_file import ProofFile, parse_proof, proof_bytes
from deepprove_cli.model import vk as V
from tests.commands.models import provable, quantized
from tests.conftest import run_dp

PROMPT = "the cat"
N = 3


@pytest.fixture(scope="module")
def model(model_dir):
    return provable(model_dir)


@pytest.fixture(scope="module")
def proved(model, tmp_path_factory):
    dpq, _ = model
    path = str(tmp_path_factory.mktemp("proof") / "proof.bin")
    r = run_dp("prove", "--model", dpq, "--prompt", PROMPT, "--tokens", str(N), "-o", path, "--json")
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    return path, json.loads(r.stdout), open(path, "rb").read()


def _err(r) -> str:
    e = r.stderr.decode()
    assert "Traceback" not in e, e
    return e


def _verify_json(*args) -> tuple[int, dict]:
    r = run_dp("verify", *args, "--json")
    _err(r)
    return r.returncode, json.loads(r.stdout)  # the whole of stdout is one document


def test_prove_then_verify(model, proved):
    dpq, model_id = model
    path, doc, raw = proved
    assert doc["model_id"] == model_id and len(doc["output_tokens"]) == N and doc["proof_bytes"] > 0
    assert set(doc["timings"]) >= {"phases", "node_kinds"} and sum(doc["sizes"].values()) == doc["proof_bytes"]
    rc, rep = _verify_json(path, "--expect-model", model_id)
    assert rc == 0 and rep["valid"] and rep["reason"] is None and rep["model_id"] == model_id
    assert rep["prompt_tokens"] == doc["prompt_tokens"] and rep["output_tokens"] == doc["output_tokens"]
    assert rep["security_bits"] >= 100 and rep["security_bits_proven"] > 0 and rep["proof_bytes"] == doc["proof_bytes"]
    assert rep["verify_s"] > 0 and rep["prompt_text"] == PROMPT and isinstance(rep["output_text"], str)
    r = run_dp("verify", path, "--model", V.vk_path(dpq))
    assert r.returncode == 0 and r.stdout == b"" and "valid" in _err(r) and model_id in _err(r)


def test_every_way_in_gives_the_same_proof(model, proved, tmp_path):
    dpq, model_id = model
    _, doc, raw = proved
    run = str(tmp_path / "run.dpt")
    r = run_dp("infer", dpq, "--prompt", PROMPT, "--tokens", str(N), "-o", run)
    assert r.returncode == 0, _err(r)
    r = run_dp("prove", run, "-o", str(tmp_path / "from_run.bin"))  # the run names its dpq
    assert r.returncode == 0, _err(r)
    assert open(tmp_path / "from_run.bin", "rb").read() == raw
    r = run_dp("prove", "--model", dpq, "--tokens", str(N), "-o", "-", input=PROMPT.encode())  # piped prompt
    assert r.returncode == 0, _err(r)
    assert r.stdout == raw
    r = run_dp("prove", "--tokens", str(N), "--prompt", PROMPT, "-o", str(tmp_path / "env.bin"),
               env={"DP_MODEL": dpq})
    assert r.returncode == 0 and open(tmp_path / "env.bin", "rb").read() == raw


def test_proof_without_key(model, tmp_path):
    dpq, model_id = model
    path = str(tmp_path / "bare.bin")
    r = run_dp("prove", "--model", dpq, "--prompt", PROMPT, "--tokens", "1", "--no-embed-vk", "-o", path)
    assert r.returncode == 0, _err(r)
    assert parse_proof(open(path, "rb").read()).vk is None
    rc, rep = _verify_json(path, "--model", V.vk_path(dpq))
    assert rc == 0 and rep["valid"] and len(rep["output_tokens"]) == 1
    r = run_dp("verify", path)
    assert r.returncode == 2 and "--model" in _err(r)


def _rewrite(raw: bytes, tmp_path, name: str, **changes) -> str:
    pf = parse_proof(raw)
    st = json.loads(json.dumps(pf.statement))
    for k, v in changes.items():
        st[k] = v
    path = tmp_path / name
    path.write_bytes(proof_bytes(ProofFile(st, pf.proof, pf.vk, pf.sizes)))
    return str(path)


def _check_invalid(path: str) -> str:
    """`dp verify`'s checks in this process (the CLI's exit codes are covered above): the reason."""
    from deepprove_cli.commands.verify import VerifyFailed, check

    with pytest.raises(VerifyFailed) as e:
        check(path, None, None)
    assert e.value.doc["valid"] is False
    return e.value.reason


def test_changed_statement_is_invalid(proved, tmp_path):
    _, doc, raw = proved
    outs, prompt = doc["output_tokens"], doc["prompt_tokens"]
    cases = {"output": {"output_tokens": outs[:-1] + [(outs[-1] + 1) % 281]},
             "prompt": {"prompt_tokens": [(prompt[0] + 1) % 281] + prompt[1:]},
             "fewer": {"output_tokens": outs[:-1], "T": len(prompt) + len(outs) - 2}}
    for name, change in cases.items():
        assert _check_invalid(_rewrite(raw, tmp_path, name + ".bin", **change)), name
    pf = parse_proof(raw)
    protocol = dict(pf.statement["protocol"], target_bits=90)
    rc, rep = _verify_json(_rewrite(raw, tmp_path, "target.bin", protocol=protocol))
    assert rc == 1 and "below" in rep["reason"]


def test_changed_proof_bytes_are_invalid(proved, tmp_path):
    _, doc, raw = proved
    pf = parse_proof(raw)
    start = 0
    for section, size in pf.sizes.items():  # one flipped byte in the middle of each section
        if size == 0:
            continue
        b = bytearray(pf.proof)
        b[start + size // 2] ^= 0x10
        start += size
        path = tmp_path / f"flip-{section.replace('/', '_')}.bin"
        path.write_bytes(proof_bytes(ProofFile(pf.statement, bytes(b), pf.vk, pf.sizes)))
        assert _check_invalid(str(path)), section
    r = run_dp("verify", str(path))
    assert r.returncode == 1 and "invalid: " in _err(r)


def test_key_of_another_model_is_invalid(proved, model_dir):
    path, doc, raw = proved
    other_dpq, other = quantized("gpt2", model_dir)
    r = run_dp("verify", path, "--model", V.vk_path(other_dpq))
    assert r.returncode == 1 and "model id" in _err(r)
    rc, rep = _verify_json(path, "--expect-model", other["model_id"])
    assert rc == 1 and "expected" in rep["reason"]


def test_bench_e2e_records(model):
    dpq, model_id = model
    r = run_dp("bench", "e2e", "--model", dpq, "--tokens", "2", "--json")
    assert r.returncode == 0, _err(r)
    recs = {x["name"]: x for x in json.loads(r.stdout)}
    assert set(recs) == {"e2e/infer", "e2e/prove", "e2e/verify"}
    keys = {"suite", "name", "params", "median_s", "throughput", "unit", "baseline", "speedup", "peak_rss_mb",
            "metrics"}
    assert all(set(x) == keys and x["suite"] == "e2e" and x["params"]["model_id"] == model_id for x in recs.values())
    prove = recs["e2e/prove"]
    assert prove["baseline"] == "e2e/infer" and prove["metrics"]["prove_infer_ratio"] > 0
    assert set(prove["metrics"]["timings"]["node_kinds"]) >= {"einsum", "embedding", "argmax"}
    assert recs["e2e/verify"]["metrics"]["security_bits"] >= 100


def test_corrupted_commitment_file_gives_a_rejected_proof(model, tmp_path):
    """model.dpc is memory-mapped, not re-hashed, by dp prove: a changed weight table there must not
    yield a proof that verifies."""
    import shutil

    import numpy as np

    from deepprove_cli.io import container

    dpq, _ = model
    local = str(tmp_path / "m.dpq")
    for src, dst in ((dpq, local), (V.vk_path(dpq), V.vk_path(local)), (V.dpc_path(dpq), V.dpc_path(local))):
        shutil.copy(src, dst)
    raw = bytearray(open(V.dpc_path(local), "rb").read())
    table = container.parse(raw, "dpc")["pcs/table/0"]
    offset = table.ctypes.data - np.frombuffer(raw, np.uint8).ctypes.data
    raw[offset + 4 * 10] ^= 1
    open(V.dpc_path(local), "wb").write(bytes(raw))
    path = str(tmp_path / "p.bin")
    r = run_dp("prove", "--model", local, "--prompt", PROMPT, "--tokens", "2", "-o", path)
    if r.returncode == 0:
        r = run_dp("verify", path)
        assert r.returncode == 1 and "weight opening" in _err(r)
    else:
        assert r.returncode in (1, 2) and "Traceback" not in r.stderr.decode()


def test_developer_scripts_read_a_real_proof(model, proved, model_dir):
    """scripts/proof_anatomy.py and scripts/block_uniformity.py (measurement tools, run by hand on big
    models) work on small ones: the proof's anatomy adds up, the tiny llama's blocks are compared."""
    import re
    import subprocess
    import sys

    from tests.conftest import REPO

    dpq, _ = model
    path, _, raw = proved
    r = subprocess.run([sys.executable, "scripts/proof_anatomy.py", path], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "valid: True" in r.stdout
    size = int(re.search(r"proof (\d+) bytes", r.stdout).group(1))
    total = re.search(r"^all\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)$", r.stdout, re.M)
    assert total and 0 < (float(total.group(1)) + float(total.group(2))) * 1e3 < size
    assert int(total.group(4)) > 0
    llama, _ = quantized("llama", model_dir)
    r = subprocess.run([sys.executable, "scripts/block_uniformity.py", llama, "--tokens", "2"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    blocks = re.search(r"^(\d+) blocks; (\d+) of (\d+) ops inside blocks", r.stdout, re.M)
    assert blocks and int(blocks.group(1)) >= 2 and 0 < int(blocks.group(2)) <= int(blocks.group(3))


"""`dp infer` and `dp quantize` from the command line: outputs, the run record, and every bad input
answered with a clear message and exit 2 (no traceback, nothing half-written)."""

import json
import os

import numpy as np
import pytest

from deepprove_cli.model.dpq import load_dpq
from deepprove_cli.model.infer import full_pass
from deepprove_cli.model.trace import logits_digest, read_trace
from tests.conftest import run_dp
from tests.graph.tiny_models import tiny_paths, with_version


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tiny"))
    return {a: tiny_paths(a, d) for a in ("llama", "gemma3")}


def _err(r) -> str:
    e = r.stderr.decode()
    assert "Traceback" not in e
    return e


def test_infer_json_and_run_record(tiny, tmp_path):
    _, dpq = tiny["llama"]
    run = str(tmp_path / "run.dpt")
    r = run_dp("infer", dpq, "--prompt", "naïve café — 東京 🚀 the cat", "--tokens", "4", "-o", run, "--json")
    assert r.returncode == 0, _err(r)
    doc = json.loads(r.stdout.decode())  # stdout holds the JSON document and nothing else
    assert len(doc["output_tokens"]) == 4 and doc["prompt_tokens"] and doc["tokens_per_s"] > 0
    qm = load_dpq(dpq)
    assert doc["model"] == qm.content_digest
    rec = read_trace(run)
    assert rec["prompt_tokens"] == doc["prompt_tokens"] and rec["output_tokens"] == doc["output_tokens"]
    assert rec["model"]["content_digest"] == qm.content_digest
    # the prover's recomputation: one full pass reproduces the logits rows that chose each token
    toks = doc["prompt_tokens"] + doc["output_tokens"]
    logits = full_pass(qm, toks)[qm.graph.meta["logits"]]
    p = len(doc["prompt_tokens"])
    assert rec["logits_digest"] == logits_digest(logits[p - 1: p + 3]) == doc["logits_digest"]
    assert doc["text"] in r.stderr.decode()  # streamed to stderr as tokens arrived


def test_prompt_from_stdin(tiny):
    _, dpq = tiny["llama"]
    a = run_dp("infer", dpq, "--prompt", "-", "--tokens", "2", "--json", input="the cat sat".encode())
    b = run_dp("infer", dpq, "--prompt", "the cat sat", "--tokens", "2", "--json")
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout)["output_tokens"] == json.loads(b.stdout)["output_tokens"]


def test_prompt_that_is_not_text_is_refused(tiny):
    _, dpq = tiny["llama"]
    r = run_dp("infer", dpq, "--prompt", "-", "--tokens", "2", input=b"bad \xff byte")
    assert r.returncode == 2 and "not valid UTF-8" in _err(r)
    r = run_dp("infer", dpq, "--prompt", b"bad \xff byte", "--tokens", "2")  # argv: a lone surrogate
    assert r.returncode == 2 and "not valid Unicode" in _err(r)


def test_empty_prompt_rules(tiny):
    _, llama = tiny["llama"]
    r = run_dp("infer", llama, "--prompt", "", "--tokens", "2")
    assert r.returncode == 2 and "the prompt is empty" in _err(r)
    _, gemma = tiny["gemma3"]  # SentencePiece adds BOS: the prompt is BOS alone
    r = run_dp("infer", gemma, "--prompt", "", "--tokens", "2", "--json")
    assert r.returncode == 0, _err(r)
    assert json.loads(r.stdout)["prompt_tokens"] == [load_dpq(gemma).tokenizer.bos_id]


@pytest.mark.parametrize("args, message", [
    (["--tokens", "0"], "--tokens must be at least 1"),
    (["--tokens", "-3"], "--tokens must be at least 1"),
    (["--tokens", "100000"], "exceeds the context length"),
    (["--tokens", "2", "--json", "-o", "-"], "both want stdout"),
])
def test_bad_arguments(tiny, tmp_path, args, message):
    _, dpq = tiny["llama"]
    out = tmp_path / "run.dpt"
    extra = [] if "-o" in args else ["-o", str(out)]
    r = run_dp("infer", dpq, "--prompt", "the cat", *args, *extra)
    assert r.returncode == 2 and message in _err(r)
    assert not out.exists() and not [f for f in os.listdir(tmp_path) if f.endswith(".part")]


def test_bad_model_files(tiny, tmp_path):
    dpm, dpq = tiny["llama"]
    r = run_dp("infer", with_version(dpq, tmp_path, 7), "--prompt", "x", "--tokens", "1")
    assert r.returncode == 2 and "format version 7 is not supported" in _err(r)
    r = run_dp("infer", dpm, "--prompt", "x", "--tokens", "1")
    assert r.returncode == 2 and "not a DPQUANT file" in _err(r)
    r = run_dp("infer", str(tmp_path / "missing.dpq"), "--prompt", "x", "--tokens", "1")
    assert r.returncode == 2 and "no such file" in _err(r)


def test_quantize_command(tiny, tmp_path):
    dpm, _ = tiny["llama"]
    calib = tmp_path / "calib.txt"
    calib.write_text("the cat sat on the mat. " * 20, encoding="utf-8")
    out = tmp_path / "m.dpq"
    r = run_dp("quantize", dpm, "-o", str(out), "--calib", str(calib), "--json")
    assert r.returncode == 0, _err(r)
    doc = json.loads(r.stdout)
    qm = load_dpq(str(out))
    assert doc["content_digest"] == qm.content_digest == qm.compute_digest()
    assert doc["bound_margin_bits"] >= 0 and {t["kind"] for t in doc["tables"]} >= {"exp", "silu", "rsqrt"}
    assert qm.calibration["tokens"] < 512  # the given text, not the shipped one
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe not utf-8")
    for args, message in (([dpm, "--calib", str(bad)], "not valid UTF-8"),
                          ([dpm, "--calib", str(tmp_path / "none.txt")], "no such file"),
                          ([dpm, "--ctx", "0"], "--ctx must be at least 1"),
                          ([str(calib)], "not a DPMODEL file")):
        target = tmp_path / "x.dpq"
        r = run_dp("quantize", *args, "-o", str(target))
        assert r.returncode == 2 and message in _err(r), _err(r)
        assert not target.exists()
    np.testing.assert_array_equal(load_dpq(str(out)).arrays["embed.table"], qm.arrays["embed.table"])


def test_bench_suites_on_a_tiny_model(tiny):
    _, dpq = tiny["llama"]
    r = run_dp("bench", "infer", "--model", dpq, "--quick", "--json")
    assert r.returncode == 0, _err(r)
    rec = json.loads(r.stdout)[0]
    assert rec["suite"] == "infer" and rec["unit"] == "tokens/s" and rec["speedup"] > 0
    assert rec["metrics"]["same_tokens"] in (True, False) and rec["metrics"]["trace_elements"] > 0
    r = run_dp("bench", "accuracy", "--model", dpq, "--quick", "--json")
    assert r.returncode == 0, _err(r)
    m = json.loads(r.stdout)[0]["metrics"]
    assert abs(m["ratio"] - 1) < 0.02 and m["tokens"] == 64
    r = run_dp("bench", "accuracy", "--json")
    assert r.returncode == 2 and "needs --model" in _err(r)

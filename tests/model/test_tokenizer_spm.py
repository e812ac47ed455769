"""SentencePiece: the token lookup table, and the Numba merge kernel against the plain-Python reference."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model.tokenizer_spec import pack_strings
from deepprove_cli.model.tokenizer_sample import sample_text
from deepprove_cli.model.tokenizer_spm import (SpmKernel, _order_key, build_table, byte_token_ids, encode_reference,
                                               lookup)


def make(tokens, scores=None):
    vocab = {t: i for i, t in enumerate(tokens)}
    scores = np.asarray(scores if scores is not None else [0.0] * len(tokens), dtype=np.float32)
    blob, offsets = pack_strings([t.encode() for t in tokens])
    byte_ids = byte_token_ids(vocab)
    return vocab, scores, byte_ids, SpmKernel(blob, offsets, scores, byte_ids)


def both(tokens, scores, text):
    vocab, scores, byte_ids, kernel = make(tokens, scores)
    ref = encode_reference(text, vocab, scores, byte_ids)
    assert kernel.encode(text) == ref
    return [tokens[i] for i in ref]


def test_table_lookup_matches_a_dict(rng):
    words = ["", "a", "ab", "東京", "▁the", "<0x0A>"] + ["".join(chr(c) for c in rng.integers(97, 103, size=rng.integers(1, 6)))
                                                           for _ in range(300)]
    blob, offsets = pack_strings([w.encode() for w in words])
    slots = build_table(blob, offsets, 1024)
    expect = {w: i for i, w in enumerate(words)}  # a repeated text keeps its last id
    for w, i in expect.items():
        buf = np.frombuffer(bytearray(("xy" + w + "z").encode()), np.uint8)
        assert lookup(slots, blob, offsets, buf, 2, 2 + len(w.encode())) == i
    for miss in ("zz", "abcdefgh", "東"):
        buf = np.frombuffer(bytearray(miss.encode()), np.uint8)
        assert lookup(slots, blob, offsets, buf, 0, len(buf)) == -1


def test_queue_key_orders_by_score_then_position():
    scores = [np.inf, 1e30, 3.0, 1.5, 0.0, -0.0, -1e-30, -1.0, -2.5, -1000.0, -np.inf]
    entries = [(np.float32(s), left) for s in scores for left in (0, 7, 2 ** 31 + 5)]
    by_key = sorted(entries, key=lambda e: _order_key(e[0], e[1]))
    assert by_key == sorted(entries, key=lambda e: (-e[0], e[1]))  # Python: -0.0 == 0.0, as in llama.cpp


def test_highest_score_merges_first():
    tokens = ["a", "b", "c", "ab", "bc"]
    assert both(tokens, [0, 0, 0, -2, -1], "abc") == ["a", "bc"]
    assert both(tokens, [0, 0, 0, -1, -2], "abc") == ["ab", "c"]


def test_equal_scores_merge_leftmost_first():
    assert both(["a", "b", "ab", "ba"], [0, 0, -1, -1], "aba") == ["ab", "a"]
    assert both(["a", "aa"], [0, -1], "aaaaa") == ["aa", "aa", "a"]
    assert both(["a", "b", "ab", "ba"], [0, 0, 0.0, -0.0], "bab") == ["ba", "b"]  # -0.0 ties with 0.0


def test_merges_can_go_through_non_token_characters():
    # "x" alone is no token, yet "xy" is: llama.cpp merges it from the two characters.
    assert both(["<0x78>", "y", "xy"], [0, 0, -1], "xyx") == ["xy", "<0x78>"]


def test_byte_fallback_and_missing_bytes():
    tokens = ["<unk>", "a"] + [f"<0x{b:02X}>" for b in range(256)]
    assert both(tokens, None, "a東") == ["a", "<0xE6>", "<0x9D>", "<0xB1>"]
    vocab, scores, byte_ids, kernel = make(["a", "<0x41>"])
    with pytest.raises(InputError, match="byte 0xE6"):
        kernel.encode("a東")
    with pytest.raises(InputError, match="byte 0xE6"):
        encode_reference("a東", vocab, scores, byte_ids)
    assert both(["b", "<0x61>"], None, "ab") == ["<0x61>", "b"]
    assert both(["a"], None, "") == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernel_matches_reference_on_random_vocab_and_text(seed):
    """A vocabulary of frequent substrings with scores that tie often, on mixed-script text."""
    rng = np.random.default_rng(seed)
    corpus = sample_text(20000, seed).replace(" ", "▁")
    pieces = {corpus[i:i + n] for n in (2, 3, 4, 6) for i in rng.integers(0, len(corpus) - n, size=800)}
    chars = sorted(set(corpus))[: len(set(corpus)) // 2]  # half the characters need byte fallback
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + chars + sorted(pieces - set(chars))
    tokens = list(dict.fromkeys(tokens))
    scores = (np.round(rng.normal(0, 3, size=len(tokens)) * 2) / 2).astype(np.float32)  # both signs, many ties
    text = sample_text(15000, seed + 100).replace(" ", "▁")
    ids = both(tokens, scores, text)
    assert len(ids) < len(text.encode())

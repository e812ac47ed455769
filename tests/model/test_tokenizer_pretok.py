"""Pre-tokenizer: llama.cpp's split rules, hand-checked cases and the Python reference against HF's regexes."""

import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model.tokenizer_pretok import PRE_TOKENIZERS, hf_patterns, split_words
from deepprove_cli.model.tokenizer_sample import sample_text

CASES = [
    ("gpt-2", "Hello world", ["Hello", " world"]),
    ("gpt-2", "I've been 'told he's there", ["I", "'ve", " been", " '", "told", " he", "'s", " there"]),
    ("gpt-2", "   Hello\n\n  x  ", ["  ", " Hello", "\n\n ", " x", "  "]),
    ("gpt-2", "numbers 1234567890 and 3.14159", ["numbers", " 1234567890", " and", " 3", ".", "14159"]),
    ("gpt-2", "x\ny 'S", ["x", "\n", "y", " '", "S"]),
    ("smollm", "numbers 1234567890 and 3.14", ["numbers", " ", *"1234567890", " and", " ", "3", ".", "1", "4"]),
    ("smollm", "a½²b", ["a", "½", "²", "b"]),
    ("default", "a$$+b!!  12345", ["a", "$$+", "b", "!!", " ", " ", "123", "45"]),
    ("default", "I've", ["I", "'", "ve"]),
    ("gpt-2", " \x1cx", [" \x1c", "x"]),  # U+001C is no White_Space for llama.cpp (Python's isspace says yes)
    ("gpt-2", " \x85x", [" ", "\x85", "x"]),  # U+0085 is
    ("gpt-2", "", []),
]


@pytest.mark.parametrize("pre, text, words", CASES)
def test_known_splits(pre, text, words):
    assert split_words(text, pre) == words


def test_pieces_cover_the_text():
    text = sample_text(5000, 11)
    for pre in ("gpt-2", "smollm", "default"):
        assert "".join(split_words(text, pre)) == text


def test_unsupported_pre_tokenizer_is_an_input_error():
    with pytest.raises(InputError, match="not supported"):
        hf_patterns("gpt2")
    assert hf_patterns(None) == hf_patterns("") == PRE_TOKENIZERS["default"]


@pytest.mark.parametrize("pre", ["gpt-2", "smollm", "default"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_matches_hf_regexes(pre, seed):
    """The two implementations of one rule: our scanner and tokenizers' Split steps (Oniguruma)."""
    from tokenizers import Regex, pre_tokenizers

    steps = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), behavior="isolated") for p in hf_patterns(pre)])
    text = sample_text(20000, seed)
    assert split_words(text, pre) == [w for w, _ in steps.pre_tokenize_str(text)]

"""Byte-level BPE pre-tokenization: llama.cpp's split rules per `tokenizer.ggml.pre`, as regexes and in Python.

llama.cpp cuts the text with a list of regexes applied one after another: each regex splits every
piece made so far into its matches and the stretches between them (both kept). The same list serves
two implementations here: `hf_patterns` feeds `tokenizers` Split steps (the fast path), and
`split_words` is a plain-Python transcription of llama.cpp's splitter, used as the reference the
fast path is tested against (and as the fallback when `tokenizers` cannot express a vocabulary).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from deepprove_cli.errors import InputError

# The GPT-2 word regex (llama.cpp implements it by hand; its closing `|\s+` is implicit there).
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
EACH_NUMBER = r"\p{N}"
NUMBER_RUN = r"\p{N}+"
PUNCT_RUN = r"[\p{P}\$\+<=>\^~\|]+"
DIGIT_TRIPLE = r"[0-9][0-9][0-9]"

# llama.cpp pre-tokenizer names -> the regexes of their pre-tokenizer type (llama-vocab.cpp).
_GPT2_NAMES = ("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
               "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4",
               "a.x-4.0", "mellum", "modern-bert")
_DIGITS_NAMES = ("smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2")
PRE_TOKENIZERS: dict[str, tuple[str, ...]] = {
    "default": (PUNCT_RUN, GPT2, NUMBER_RUN, DIGIT_TRIPLE),
    **{name: (GPT2,) for name in _GPT2_NAMES},
    **{name: (EACH_NUMBER, GPT2) for name in _DIGITS_NAMES},
}


def hf_patterns(pre: str | None) -> tuple[str, ...]:
    """The regexes llama.cpp applies for this `tokenizer.ggml.pre` (None or "" means "default")."""
    key = pre or "default"
    if key not in PRE_TOKENIZERS:
        raise InputError(f"BPE pre-tokenizer {pre!r} is not supported",
                         hint="supported: " + ", ".join(sorted(PRE_TOKENIZERS)))
    return PRE_TOKENIZERS[key]


# ---- the Python reference -----------------------------------------------------------------------

_WHITESPACE = frozenset([*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
                         0x202F, 0x205F, 0x3000])  # Unicode White_Space, as llama.cpp's table
LETTER, NUMBER, SPACE, PUNCT, OTHER = 1, 2, 3, 4, 5


@lru_cache(maxsize=1 << 16)
def char_class(c: str) -> int:
    """llama.cpp's view of one code point: whitespace first, then the general category's letter."""
    if ord(c) in _WHITESPACE:
        return SPACE
    cat = unicodedata.category(c)[0]
    return {"L": LETTER, "N": NUMBER, "P": PUNCT}.get(cat, OTHER)


def _split_gpt2(s: str) -> list[int]:
    """End offsets of the GPT-2 regex's pieces in s, scanning as llama.cpp's hand-written matcher does."""
    ends, n, pos = [], len(s), 0
    cls = [char_class(c) for c in s]
    while pos < n:
        c = s[pos]
        if c == "'" and pos + 1 < n:  # 's|'t|'re|'ve|'m|'ll|'d
            if s[pos + 1] in "stmd":
                pos += 2
                ends.append(pos)
                continue
            if pos + 2 < n and s[pos + 1:pos + 3] in ("re", "ve", "ll"):
                pos += 3
                ends.append(pos)
                continue
        start = pos + 1 if c == " " else pos  # the optional leading space of the next three
        k = cls[start] if start < n else SPACE
        if k != SPACE:  # ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ (punctuation and everything else)
            group = (k,) if k in (LETTER, NUMBER) else (PUNCT, OTHER)
            pos = start
            while pos < n and cls[pos] in group:
                pos += 1
        else:
            run = pos
            while run < n and cls[run] == SPACE:
                run += 1
            # \s+(?!\S) leaves the last space to the word after it; \s+ takes a run that ends the piece.
            pos = run - 1 if run - pos > 1 and run < n else run
        ends.append(pos)
    return ends


def _split_runs(s: str, accept, single: bool = False) -> list[int]:
    """End offsets of the pieces of a regex matching runs of accepted chars (`single`: one char each)."""
    ends, n, pos = [], len(s), 0
    while pos < n:
        hit = accept(s[pos])
        end = pos + 1
        if hit and not single or not hit:
            while end < n and accept(s[end]) == hit:
                end += 1
        ends.append(end)
        pos = end
    return ends


def _split_digit_triples(s: str) -> list[int]:
    """[0-9][0-9][0-9]: leftmost non-overlapping triples of ASCII digits; the stretches between are kept."""
    ends, n, pos, gap_start = [], len(s), 0, 0
    while pos + 3 <= n:
        if all("0" <= c <= "9" for c in s[pos:pos + 3]):
            if pos > gap_start:
                ends.append(pos)
            pos += 3
            ends.append(pos)
            gap_start = pos
        else:
            pos += 1
    if gap_start < n:
        ends.append(n)
    return ends


_PUNCT_EXTRA = frozenset("$+<=>^~|")
_SPLITTERS = {
    GPT2: _split_gpt2,
    EACH_NUMBER: lambda s: _split_runs(s, lambda c: char_class(c) == NUMBER, single=True),
    NUMBER_RUN: lambda s: _split_runs(s, lambda c: char_class(c) == NUMBER),
    PUNCT_RUN: lambda s: _split_runs(s, lambda c: c in _PUNCT_EXTRA or char_class(c) == PUNCT),
    DIGIT_TRIPLE: _split_digit_triples,
}


def split_words(text: str, pre: str | None) -> list[str]:
    """The pieces llama.cpp's pre-tokenizer makes of `text` (before byte-level encoding)."""
    pieces = [text] if text else []
    for pattern in hf_patterns(pre):
        split = _SPLITTERS[pattern]
        out = []
        for p in pieces:
            start = 0
            for end in split(p):
                if end > start:
                    out.append(p[start:end])
                start = end
        pieces = out
    return pieces

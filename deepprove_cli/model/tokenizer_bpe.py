"""Byte-level BPE (GPT-2, SmolLM2): pre-tokenize, map bytes to printable characters, merge by rank.

Two implementations of one algorithm (llama.cpp's `llm_tokenizer_bpe_session`):
- `HfBpe`: the HF `tokenizers` Rust BPE built in memory from the GGUF vocabulary and merges, with
  llama.cpp's pre-tokenizer regexes as Split steps. Fast; the default.
- `ReferenceBpe`: a plain-Python transcription of llama.cpp (its pre-tokenizer, then a priority queue
  of bigrams, lowest rank first, leftmost first), with a per-word cache. The oracle in tests, and the
  fallback for vocabularies `tokenizers` refuses (a merge whose parts or result are not tokens).
"""

from __future__ import annotations

import heapq
import os

from deepprove_cli.model.tokenizer_pretok import hf_patterns, split_words


def _byte_chars() -> list[str]:
    """GPT-2's byte -> character table: printable Latin-1 bytes stand for themselves, the others
    (controls, space, soft hyphen) take the code points from U+0100 on, in byte order."""
    keep = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, extra = [], 0
    for b in range(256):
        if b in keep:
            table.append(chr(b))
        else:
            table.append(chr(0x100 + extra))
            extra += 1
    return table


BYTE_TO_CHAR = _byte_chars()
CHAR_TO_BYTE = {c: b for b, c in enumerate(BYTE_TO_CHAR)}


def byte_encode(word: str) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in word.encode("utf-8"))


def byte_decode(text: str) -> bytes:
    """A byte-level token's text back to bytes; a character outside the table stands for itself."""
    return b"".join(bytes((CHAR_TO_BYTE[c],)) if c in CHAR_TO_BYTE else c.encode("utf-8") for c in text)


def merge_ranks(merges: list[str]) -> dict[tuple[str, str], int]:
    """llama.cpp's reading of `tokenizer.ggml.merges`: split at the first space after the first
    character; a pair listed twice keeps its first rank; an entry without a space pairs nothing."""
    ranks: dict[tuple[str, str], int] = {}
    for i, m in enumerate(merges):
        pos = m.find(" ", 1)
        if pos < 0:
            continue
        ranks.setdefault((m[:pos], m[pos + 1:]), i)
    return ranks


class ReferenceBpe:
    """llama.cpp's BPE in plain Python (see the module docstring)."""

    def __init__(self, vocab: dict[str, int], ranks: dict[tuple[str, str], int], pre: str | None):
        self.vocab, self.ranks, self.pre = vocab, ranks, pre
        hf_patterns(pre)  # an unsupported pre-tokenizer fails here, not at the first encode
        self._cache: dict[str, list[int]] = {}

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for word in split_words(text, self.pre):
            ids = self._cache.get(word)
            if ids is None:
                ids = self._cache[word] = self._word(byte_encode(word))
            out.extend(ids)
        return out

    def _word(self, word: str) -> list[int]:
        syms = list(word)  # symbol texts; "" once merged into its left neighbour
        nxt = list(range(1, len(syms))) + [-1]
        prv = list(range(-1, len(syms) - 1))
        heap: list[tuple[int, int, int, str]] = []

        def add(left: int, right: int) -> None:
            if left >= 0 and right >= 0:
                rank = self.ranks.get((syms[left], syms[right]))
                if rank is not None:
                    heapq.heappush(heap, (rank, left, right, syms[left] + syms[right]))

        for i in range(len(syms) - 1):
            add(i, i + 1)
        while heap:
            _, left, right, text = heapq.heappop(heap)
            if not syms[left] or not syms[right] or syms[left] + syms[right] != text:
                continue  # outdated: one side was merged since
            syms[left], syms[right] = text, ""
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prv[nxt[right]] = left
            add(prv[left], left)
            add(left, nxt[left])
        out = []
        for s in syms:
            if not s:
                continue
            tid = self.vocab.get(s)
            if tid is not None:
                out.append(tid)
            else:  # llama.cpp looks each byte up alone; only ASCII bytes can be tokens that way
                out.extend(self.vocab[chr(b)] for b in s.encode("utf-8") if b < 0x80 and chr(b) in self.vocab)
        return out


class HfBpe:
    """The same tokenizer on HF `tokenizers` (raises ValueError if it cannot represent the vocabulary)."""

    def __init__(self, vocab: dict[str, int], ranks: dict[tuple[str, str], int], pre: str | None):
        # One text at a time needs no thread pool, and an unused pool means no warning if we fork later.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers

        pairs = sorted(ranks, key=ranks.__getitem__)
        for a, b in pairs:  # tokenizers needs every merge's parts and result in the vocabulary
            if a not in vocab or b not in vocab or a + b not in vocab:
                raise ValueError(f"the merge {a!r} + {b!r} involves a string that is not a token")
        model = models.BPE(vocab=vocab, merges=pairs, unk_token=None, fuse_unk=False, byte_fallback=False,
                           ignore_merges=False)
        tok = Tokenizer(model)
        steps = [pre_tokenizers.Split(Regex(p), behavior="isolated", invert=False) for p in hf_patterns(pre)]
        steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False))
        tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
        self._tok = tok

    def encode(self, text: str) -> list[int]:
        fast = getattr(self._tok, "encode_batch_fast", None)  # tokenizers >= 0.20.2: skips offsets, 2x faster
        if fast is not None:
            return fast([text], add_special_tokens=False)[0].ids
        return self._tok.encode(text, add_special_tokens=False).ids


def make_bpe(vocab: dict[str, int], merges: list[str], pre: str | None, prefer_hf: bool = True):
    """The fast tokenizer where `tokenizers` can express the vocabulary, else the reference."""
    ranks = merge_ranks(merges)
    if prefer_hf:
        try:
            return HfBpe(vocab, ranks, pre)
        except (ImportError, ValueError):
            pass
    return ReferenceBpe(vocab, ranks, pre)

"""Tokenizers rebuilt from GGUF metadata, token-for-token equal to llama.cpp's.

`Tokenizer(spec)` encodes and decodes with the vocabulary of a `TokenizerSpec` (`tokenizer_spec`):
byte-level BPE (`tokenizer.ggml.model` "gpt2": `tokenizer_bpe`) or SentencePiece ("llama":
`tokenizer_spm`). Both follow llama.cpp with special tokens NOT parsed: control tokens
("<|im_start|>", "<bos>") in the text are ordinary characters, while user-defined tokens (Gemma-3's
newline and whitespace runs, HTML tags) are still cut out first, longest first, as llama.cpp does.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.model.tokenizer_spec import (BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED, TokenizerSpec,
                                                pack_strings)

__all__ = ["Tokenizer", "TokenizerSpec"]

# ---- the tokenizer ------------------------------------------------------------------------------

# llama.cpp's token attributes (bit flags), from the token types above.
ATTR_UNKNOWN, ATTR_UNUSED, ATTR_NORMAL, ATTR_CONTROL, ATTR_USER_DEFINED, ATTR_BYTE = 1, 2, 4, 8, 16, 32
_TYPE_ATTR = {NORMAL: ATTR_NORMAL, UNKNOWN: ATTR_UNKNOWN, CONTROL: ATTR_CONTROL, USER_DEFINED: ATTR_USER_DEFINED,
              UNUSED: ATTR_UNUSED, BYTE: ATTR_BYTE}
# Texts llama.cpp treats as end-of-generation (and as control tokens, whatever their type says).
EOG_TEXTS = ("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>",
             "<EOT>", "_<EOT>")


def _attributes(spec: TokenizerSpec, texts: list[str], vocab: dict[str, int]) -> tuple[np.ndarray, set[int]]:
    """Per-token llama.cpp attributes from the GGUF token types, and the end-of-generation ids. As in
    llama.cpp, EOG-looking texts count as control tokens and control tokens named "unused" as unused."""
    if spec.token_types is None:
        attrs = np.full(len(texts), ATTR_NORMAL, np.uint8)
    else:
        table = np.zeros(8, np.uint8)
        for t, a in _TYPE_ATTR.items():
            table[t] = a
        types = spec.token_types
        attrs = np.where((types >= 0) & (types < 8), table[np.clip(types, 0, 7)], 0).astype(np.uint8)
    eog = {i for i in (spec.eos_id, spec.eot_id, spec.eom_id) if i is not None}
    for text in EOG_TEXTS:
        if text in vocab:
            eog.add(vocab[text])
            attrs[vocab[text]] |= ATTR_CONTROL
    for i in np.flatnonzero(attrs & ATTR_CONTROL).tolist():
        if "unused" in texts[i]:
            attrs[i] |= ATTR_UNUSED
    return attrs, eog


def _hex_byte(text: str) -> int:
    """llama.cpp's token_to_byte: strtol of the two characters after "<0x" (0 if they are not hex)."""
    digits = ""
    for c in text[3:5]:
        if c not in "0123456789abcdefABCDEF":
            break
        digits += c
    return int(digits, 16) if digits else 0


class Tokenizer:
    """Encode and decode text exactly as llama.cpp does for this vocabulary (special tokens not parsed).

    `encode(text, add_bos=None)` follows the model's BOS rule unless told; `decode(ids)` inverts
    encode (for SentencePiece it drops the space prefix encode added); `decode_token(id)` gives one
    token's bytes for streaming (a character may span tokens). `prefer_fast=False` runs the plain-Python
    references instead of `tokenizers` / the Numba kernel (the oracle in tests).
    """

    def __init__(self, spec: TokenizerSpec, prefer_fast: bool = True):
        self.spec = spec
        texts = spec.tokens()
        empty = np.flatnonzero(np.diff(spec.token_offsets) == 0)
        for i in empty.tolist():
            texts[i] = f"[EMPTY_{i}]"  # llama.cpp's name for an empty token
        vocab = {t: i for i, t in enumerate(texts)}
        if len(vocab) != len(texts):
            dup = next(t for i, t in enumerate(texts) if vocab[t] != i)
            raise InputError(f"the vocabulary lists the token {dup!r} twice")
        self.texts, self.vocab = texts, vocab
        self.is_bpe = spec.model == "gpt2"
        attrs, eog = _attributes(spec, texts, vocab)
        self._attrs = attrs
        self.eog_ids = frozenset(eog)
        # llama.cpp's defaults where the GGUF is silent: BOS for SentencePiece, a space prefix for it too.
        self.add_bos = spec.add_bos if spec.add_bos is not None else not self.is_bpe
        self.add_eos = bool(spec.add_eos)
        self.add_space_prefix = (not self.is_bpe) and (spec.add_space_prefix is None or spec.add_space_prefix)
        self.bos_id = spec.bos_id if spec.bos_id is not None else self._default_id(1, 11)
        self.eos_id = spec.eos_id if spec.eos_id is not None else self._default_id(2, 11)
        # User-defined tokens are cut out of the text before anything else, longest (in bytes) first.
        user = np.flatnonzero((attrs & ATTR_USER_DEFINED) & ~(attrs & (ATTR_CONTROL | ATTR_UNKNOWN))).tolist()
        self._user_tokens = sorted(((texts[i], i) for i in user), key=lambda p: -len(p[0].encode("utf-8")))
        self._pieces: list[bytes] | None = None
        if self.is_bpe:
            from deepprove_cli.model.tokenizer_bpe import make_bpe

            self._engine = make_bpe(vocab, spec.merges(), spec.pre, prefer_hf=prefer_fast)
        else:
            from deepprove_cli.model.tokenizer_spm import SpmKernel, byte_token_ids

            scores = spec.scores if spec.scores is not None else np.zeros(len(texts), np.float32)
            self._byte_ids = byte_token_ids(vocab)
            self._scores = scores
            blob, offsets = (pack_strings([t.encode("utf-8") for t in texts]) if len(empty)
                             else (spec.token_blob, spec.token_offsets))
            self._engine = SpmKernel(blob, offsets, scores, self._byte_ids) if prefer_fast else None

    def _default_id(self, spm_id: int, bpe_id: int) -> int | None:
        i = bpe_id if self.is_bpe else spm_id
        return i if i < len(self.texts) else None

    # ---- facts ------------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return len(self.texts)

    def is_special(self, token_id: int) -> bool:
        """True for tokens that are not text (control, unknown, unused): decode renders them as nothing."""
        a = int(self._attrs[self._check(token_id)])
        if a & (ATTR_CONTROL | ATTR_UNKNOWN):
            return True
        return not a & (ATTR_NORMAL | ATTR_USER_DEFINED | ATTR_BYTE)

    def _check(self, token_id) -> int:
        i = int(token_id)
        if not 0 <= i < len(self.texts):
            raise InputError(f"token id {i} is outside the vocabulary (0..{len(self.texts) - 1})")
        return i

    # ---- encode -----------------------------------------------------------------------------------

    def partition(self, text: str) -> list:
        """The text cut around user-defined tokens, as llama.cpp does: a list of str (raw text) and
        int (a token id). Longer tokens claim their occurrences first; each token then takes its
        leftmost non-overlapping occurrences inside the stretches still unclaimed."""
        if not text:
            return []
        claimed: bytearray | None = None
        spans = []
        for s, tid in self._user_tokens:
            pos = text.find(s)
            while pos >= 0:
                end = pos + len(s)
                if claimed is None or claimed.find(1, pos, end) < 0:
                    if claimed is None:
                        claimed = bytearray(len(text))
                    claimed[pos:end] = b"\x01" * (end - pos)
                    spans.append((pos, end, tid))
                    pos = text.find(s, end)
                else:
                    pos = text.find(s, pos + 1)
        out: list = []
        prev = 0
        for start, end, tid in sorted(spans):
            if start > prev:
                out.append(text[prev:start])
            out.append(tid)
            prev = end
        if prev < len(text):
            out.append(text[prev:])
        return out

    def encode(self, text: str, add_bos: bool | None = None, add_eos: bool | None = None) -> list[int]:
        """Token ids of `text`. add_bos / add_eos: None follows the model's rule, True/False force it."""
        if not isinstance(text, str):
            raise InputError("the text to tokenize must be a string")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError("the text is not valid Unicode (it holds a lone surrogate)") from None
        add_bos = self.add_bos if add_bos is None else add_bos
        add_eos = self.add_eos if add_eos is None else add_eos
        out: list[int] = []
        if add_bos:
            if self.bos_id is None:
                raise InputError("this vocabulary has no BOS token")
            out.append(self.bos_id)
        prev_special = True  # SentencePiece: a space prefix at the start and after a cut-out token
        for frag in self.partition(text):
            if isinstance(frag, int):
                out.append(frag)
                prev_special = True
                continue
            if self.is_bpe:
                out.extend(self._engine.encode(frag))
            else:
                if self.add_space_prefix and prev_special:
                    frag = " " + frag
                out.extend(self._encode_spm(frag.replace(" ", "\u2581")))
            prev_special = False
        if add_eos:
            if self.eos_id is None:
                raise InputError("this vocabulary has no EOS token")
            out.append(self.eos_id)
        return out

    def _encode_spm(self, escaped: str) -> list[int]:
        if self._engine is not None:
            return self._engine.encode(escaped)
        from deepprove_cli.model.tokenizer_spm import encode_reference

        return encode_reference(escaped, self.vocab, self._scores, self._byte_ids)

    # ---- decode -----------------------------------------------------------------------------------

    def _piece(self, i: int) -> bytes:
        a, text = int(self._attrs[i]), self.texts[i]
        if a & (ATTR_CONTROL | ATTR_UNKNOWN):
            return b""
        if a & ATTR_USER_DEFINED:
            return text.encode("utf-8")
        if a & ATTR_NORMAL:
            if self.is_bpe:
                from deepprove_cli.model.tokenizer_bpe import byte_decode

                return byte_decode(text)
            return text.replace("\u2581", " ").encode("utf-8")
        if a & ATTR_BYTE:
            return bytes((_hex_byte(text),))
        return b""

    def decode_token(self, token_id: int) -> bytes:
        """One token's bytes, as llama.cpp renders it (special tokens as nothing)."""
        i = self._check(token_id)
        if self._pieces is not None:
            return self._pieces[i]
        return self._piece(i)

    def decode(self, ids, strip_space_prefix: bool = True) -> str:
        """The text of a token sequence (invalid UTF-8, e.g. a cut-off character, becomes U+FFFD).

        A SentencePiece vocabulary with a space prefix (LLaMA's; not Gemma-3's) loses one leading space
        at the first text piece, which makes decode(encode(s)) == s. For a continuation (tokens that
        follow others) pass strip_space_prefix=False, or join `decode_token` bytes.
        """
        if self._pieces is None:
            self._pieces = [self._piece(i) for i in range(len(self.texts))]
        pieces = [self._pieces[self._check(i)] for i in ids]
        if self.add_space_prefix and strip_space_prefix:
            for k, p in enumerate(pieces):
                if p:
                    if p.startswith(b" "):
                        pieces[k] = p[1:]
                    break
        return b"".join(pieces).decode("utf-8", errors="replace")

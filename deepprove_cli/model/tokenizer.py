"""Tokenizers rebuilt from GGUF metadata, token-for-token equal to llama.cpp's.

`TokenizerSpec` is everything the tokenizer needs, read from a GGUF file's `tokenizer.ggml.*` keys and
stored in our artifacts (`to_container` / `from_container`: the large lists go in arrays, the rest in
the JSON meta). `Tokenizer(spec)` encodes and decodes: byte-level BPE (`tokenizer.ggml.model` "gpt2",
`tokenizer_bpe`) or SentencePiece (model "llama", `tokenizer_spm`).

Both follow llama.cpp with special tokens NOT parsed: control tokens ("<|im_start|>", "<bos>") in the
text are ordinary characters, while user-defined tokens (Gemma-3's newline and whitespace runs, HTML
tags) are still cut out first, longest first, as llama.cpp does. Values the GGUF leaves out stay None
in the spec; the tokenizer applies llama.cpp's defaults for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError

# llama.cpp token types (GGUF `tokenizer.ggml.token_type`).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

SPEC_FORMAT = 1
MODELS = ("gpt2", "llama")
_ID_KEYS = ("bos", "eos", "unk", "sep", "pad", "eot", "eom")
_FLAG_KEYS = ("add_bos", "add_eos", "add_space_prefix")
_GGUF_ID_KEYS = {"bos": "bos_token_id", "eos": "eos_token_id", "unk": "unknown_token_id", "sep": "seperator_token_id",
                 "pad": "padding_token_id", "eot": "eot_token_id", "eom": "eom_token_id"}
_GGUF_FLAG_KEYS = {"add_bos": "add_bos_token", "add_eos": "add_eos_token", "add_space_prefix": "add_space_prefix"}
_PREFIX = "tokenizer."


def pack_strings(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """A list of byte strings as one uint8 blob and int64 offsets (len + 1): compact, no JSON escaping."""
    lengths = np.fromiter((len(b) for b in items), dtype=np.int64, count=len(items))
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    blob = np.frombuffer(b"".join(items), dtype=np.uint8).copy()
    return blob, offsets


def unpack_strings(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    off = offsets.tolist()
    return [raw[off[i]:off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]


def _check_packed(blob: np.ndarray, offsets: np.ndarray, what: str, source: str) -> None:
    if blob.ndim != 1 or offsets.ndim != 1 or len(offsets) < 1:
        raise InputError(f"{source}: {what} arrays have the wrong shape")
    if offsets[0] != 0 or offsets[-1] != len(blob) or np.any(np.diff(offsets) < 0):
        raise InputError(f"{source}: {what} offsets are corrupt")


@dataclass
class TokenizerSpec:
    """The vocabulary and rules of one model's tokenizer, as the GGUF file states them.

    Tokens live packed (`token_blob` uint8 + `token_offsets` int64, n + 1) so a 262k vocabulary costs
    one array, not 262k Python strings; `tokens()` unpacks them. Special ids and flags are None when
    the GGUF does not set them.
    """

    model: str
    pre: str | None
    token_blob: np.ndarray
    token_offsets: np.ndarray
    scores: np.ndarray | None = None
    token_types: np.ndarray | None = None
    merge_blob: np.ndarray | None = None
    merge_offsets: np.ndarray | None = None
    bos_id: int | None = None
    eos_id: int | None = None
    unk_id: int | None = None
    sep_id: int | None = None
    pad_id: int | None = None
    eot_id: int | None = None
    eom_id: int | None = None
    add_bos: bool | None = None
    add_eos: bool | None = None
    add_space_prefix: bool | None = None
    chat_template: str | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.token_offsets) - 1

    @property
    def n_merges(self) -> int:
        return 0 if self.merge_offsets is None else len(self.merge_offsets) - 1

    def tokens(self) -> list[str]:
        return unpack_strings(self.token_blob, self.token_offsets)

    def merges(self) -> list[str]:
        if self.merge_blob is None:
            return []
        return unpack_strings(self.merge_blob, self.merge_offsets)

    # ---- validation shared by every way in -------------------------------------------------------

    def validate(self, source: str) -> "TokenizerSpec":
        """Check that the spec is self-consistent; raises InputError naming the problem."""
        if self.model not in MODELS:
            raise InputError(f"{source}: tokenizer model {self.model!r} is not supported (this dp reads "
                             f"{', '.join(MODELS)}: byte-level BPE and SentencePiece)")
        _check_packed(self.token_blob, self.token_offsets, "token", source)
        n = self.n_tokens
        if n == 0:
            raise InputError(f"{source}: the tokenizer has no tokens")
        for name, arr in (("scores", self.scores), ("token types", self.token_types)):
            if arr is not None and arr.shape != (n,):
                raise InputError(f"{source}: tokenizer {name} have {arr.shape[0]} entries, expected {n}")
        if (self.merge_blob is None) != (self.merge_offsets is None):
            raise InputError(f"{source}: tokenizer merges are incomplete")
        if self.merge_blob is not None:
            _check_packed(self.merge_blob, self.merge_offsets, "merge", source)
        if self.model == "gpt2" and self.merge_blob is None:
            raise InputError(f"{source}: a BPE tokenizer needs tokenizer.ggml.merges")
        for key in _ID_KEYS:
            v = getattr(self, key + "_id")
            if v is not None and not 0 <= v < n:
                raise InputError(f"{source}: tokenizer {key} id {v} is outside the vocabulary (0..{n - 1})")
        try:
            self.token_blob.tobytes().decode("utf-8")
            if self.merge_blob is not None:
                self.merge_blob.tobytes().decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{source}: tokenizer strings are not valid UTF-8") from None
        return self

    # ---- GGUF -------------------------------------------------------------------------------------

    @classmethod
    def from_gguf(cls, reader) -> "TokenizerSpec":
        """Read the `tokenizer.ggml.*` metadata of an open `gguf.GGUFReader`."""
        source = str(getattr(getattr(reader, "data", None), "filename", None) or "GGUF file")
        g = _GGUFFields(reader, source)
        model = g.string("tokenizer.ggml.model")
        if model is None:
            raise InputError(f"{source}: no tokenizer in this GGUF file (tokenizer.ggml.model is missing)")
        tokens = g.strings("tokenizer.ggml.tokens")
        if tokens is None:
            raise InputError(f"{source}: tokenizer.ggml.tokens is missing")
        n = len(tokens)
        blob, offsets = pack_strings(tokens)
        merges = g.strings("tokenizer.ggml.merges")
        merge_blob, merge_offsets = pack_strings(merges) if merges is not None else (None, None)
        spec = cls(
            model=model,
            pre=g.string("tokenizer.ggml.pre"),
            token_blob=blob,
            token_offsets=offsets,
            scores=g.numbers("tokenizer.ggml.scores", n, np.float32, ("FLOAT32", "INT32")),
            token_types=g.numbers("tokenizer.ggml.token_type", n, np.int32, ("INT32",)),
            merge_blob=merge_blob,
            merge_offsets=merge_offsets,
            chat_template=g.string("tokenizer.chat_template"),
            **{k + "_id": g.integer("tokenizer.ggml." + _GGUF_ID_KEYS[k]) for k in _ID_KEYS},
            **{k: g.boolean("tokenizer.ggml." + _GGUF_FLAG_KEYS[k]) for k in _FLAG_KEYS},
        )
        # llama.cpp ignores a special id outside the vocabulary (it warns and keeps its default).
        for key in _ID_KEYS:
            v = getattr(spec, key + "_id")
            if v is not None and not 0 <= v < n:
                setattr(spec, key + "_id", None)
        return spec.validate(source)

    # ---- our artifacts ----------------------------------------------------------------------------

    def to_container(self):
        """(meta, arrays) for an artifact: meta is JSON-ready, arrays are named "tokenizer.*"."""
        from deepprove_cli.io.container import ArraySpec

        meta = {"format": SPEC_FORMAT, "model": self.model, "pre": self.pre, "n_tokens": self.n_tokens,
                "has_scores": self.scores is not None, "has_token_types": self.token_types is not None,
                "has_merges": self.merge_blob is not None, "chat_template": self.chat_template}
        meta.update({k + "_id": getattr(self, k + "_id") for k in _ID_KEYS})
        meta.update({k: getattr(self, k) for k in _FLAG_KEYS})
        arrays = [ArraySpec.of(_PREFIX + "tokens.blob", self.token_blob),
                  ArraySpec.of(_PREFIX + "tokens.offsets", self.token_offsets)]
        if self.scores is not None:
            arrays.append(ArraySpec.of(_PREFIX + "scores", np.ascontiguousarray(self.scores, dtype=np.float32)))
        if self.token_types is not None:
            arrays.append(ArraySpec.of(_PREFIX + "token_types", np.ascontiguousarray(self.token_types, dtype=np.int32)))
        if self.merge_blob is not None:
            arrays.append(ArraySpec.of(_PREFIX + "merges.blob", self.merge_blob))
            arrays.append(ArraySpec.of(_PREFIX + "merges.offsets", self.merge_offsets))
        return meta, arrays

    @classmethod
    def from_container(cls, meta: dict, container) -> "TokenizerSpec":
        """Rebuild from `to_container`'s meta and a parsed `io.container.Container` holding its arrays."""
        source = getattr(container, "source", "artifact")
        if not isinstance(meta, dict) or meta.get("format") != SPEC_FORMAT:
            raise InputError(f"{source}: tokenizer metadata is missing or of an unknown format")

        def array(name: str, dtype) -> np.ndarray:
            a = container[_PREFIX + name]
            if a.dtype != np.dtype(dtype):
                raise InputError(f"{source}: array {_PREFIX + name!r} has dtype {a.dtype}, expected {np.dtype(dtype)}")
            return a

        def opt_int(key: str):
            v = meta.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise InputError(f"{source}: tokenizer metadata {key!r} must be an integer")
            return v

        def opt_bool(key: str):
            v = meta.get(key)
            if v is not None and not isinstance(v, bool):
                raise InputError(f"{source}: tokenizer metadata {key!r} must be true or false")
            return v

        def opt_str(key: str):
            v = meta.get(key)
            if v is not None and not isinstance(v, str):
                raise InputError(f"{source}: tokenizer metadata {key!r} must be a string")
            return v

        spec = cls(
            model=opt_str("model") or "",
            pre=opt_str("pre"),
            token_blob=array("tokens.blob", np.uint8),
            token_offsets=array("tokens.offsets", np.int64),
            scores=array("scores", np.float32) if meta.get("has_scores") else None,
            token_types=array("token_types", np.int32) if meta.get("has_token_types") else None,
            merge_blob=array("merges.blob", np.uint8) if meta.get("has_merges") else None,
            merge_offsets=array("merges.offsets", np.int64) if meta.get("has_merges") else None,
            chat_template=opt_str("chat_template"),
            **{k + "_id": opt_int(k + "_id") for k in _ID_KEYS},
            **{k: opt_bool(k) for k in _FLAG_KEYS},
        )
        if meta.get("n_tokens") != spec.n_tokens:
            raise InputError(f"{source}: tokenizer has {spec.n_tokens} tokens, its metadata says {meta.get('n_tokens')}")
        return spec.validate(source)


class _GGUFFields:
    """Typed reads of GGUF metadata fields; a wrong type is an InputError naming the key."""

    def __init__(self, reader, source: str):
        self.reader = reader
        self.fields = reader.fields
        self.source = source

    def _scalar(self, key: str, kinds: tuple[str, ...]):
        from gguf import GGUFValueType

        f = self.fields.get(key)
        if f is None:
            return None
        if len(f.types) != 1 or f.types[0].name not in kinds:
            raise InputError(f"{self.source}: metadata {key!r} must be {' or '.join(kinds).lower()}")
        if f.types[0] == GGUFValueType.STRING:
            try:
                return bytes(f.parts[f.data[0]]).decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{self.source}: metadata {key!r} is not valid UTF-8") from None
        return f.parts[f.data[0]][0].item()

    def string(self, key: str) -> str | None:
        return self._scalar(key, ("STRING",))

    def boolean(self, key: str) -> bool | None:
        v = self._scalar(key, ("BOOL",))
        return None if v is None else bool(v)

    def integer(self, key: str) -> int | None:
        v = self._scalar(key, ("UINT32", "INT32", "UINT64", "INT64", "UINT16", "INT16", "UINT8", "INT8"))
        return None if v is None else int(v)

    def _array(self, key: str, item_kinds: tuple[str, ...]):
        from gguf import GGUFValueType

        f = self.fields.get(key)
        if f is None:
            return None
        if len(f.types) != 2 or f.types[0] != GGUFValueType.ARRAY or f.types[1].name not in item_kinds:
            raise InputError(f"{self.source}: metadata {key!r} must be an array of {' or '.join(item_kinds).lower()}")
        return f

    def strings(self, key: str) -> list[bytes] | None:
        f = self._array(key, ("STRING",))
        if f is None:
            return None
        parts = f.parts
        return [parts[i].tobytes() for i in f.data]

    def numbers(self, key: str, n: int, dtype, item_kinds: tuple[str, ...]) -> np.ndarray | None:
        f = self._array(key, item_kinds)
        if f is None:
            return None
        if len(f.data) < n:
            raise InputError(f"{self.source}: metadata {key!r} has {len(f.data)} entries, the vocabulary has {n}")
        # gguf keeps one 1-element view per entry; the entries are contiguous in the file, so view them all.
        first = f.parts[f.data[0]] if len(f.data) else None
        base = getattr(self.reader, "data", None)
        values = None
        if first is not None and isinstance(base, np.ndarray):
            offset = first.ctypes.data - base.ctypes.data
            if 0 <= offset and offset + len(f.data) * first.itemsize <= base.nbytes:
                values = np.frombuffer(base, dtype=first.dtype, count=len(f.data), offset=offset)
                if values[-1] != f.parts[f.data[-1]][0]:
                    values = None
        if values is None:
            values = np.array([f.parts[i][0] for i in f.data])
        return np.ascontiguousarray(values[:n], dtype=dtype)


# ---- the tokenizer ------------------------------------------------------------------------------

# llama.cpp's token attributes (bit flags), from the token types above.
ATTR_UNKNOWN, ATTR_UNUSED, ATTR_NORMAL, ATTR_CONTROL, ATTR_USER_DEFINED, ATTR_BYTE = 1, 2, 4, 8, 16, 32
_TYPE_ATTR = {NORMAL: ATTR_NORMAL, UNKNOWN: ATTR_UNKNOWN, CONTROL: ATTR_CONTROL, USER_DEFINED: ATTR_USER_DEFINED,
              UNUSED: ATTR_UNUSED, BYTE: ATTR_BYTE}
# Texts llama.cpp treats as end-of-generation (and as control tokens, whatever their type says).
EOG_TEXTS = ("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>",
             "<EOT>", "_<EOT>")


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
    token's bytes for streaming (a character may span tokens).
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

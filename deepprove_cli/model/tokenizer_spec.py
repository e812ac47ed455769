"""TokenizerSpec: everything needed to rebuild a model's tokenizer, as its GGUF file states it.

Read from the `tokenizer.ggml.*` metadata (`from_gguf`) and stored in our artifacts (`to_container` /
`from_container`): the large lists (a 262k vocabulary, its scores and types, the merges) go in arrays
named "tokenizer.*", packed as a uint8 blob plus int64 offsets; the rest goes in the JSON meta.
Values the GGUF leaves out stay None; `tokenizer.Tokenizer` applies llama.cpp's defaults for them.
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

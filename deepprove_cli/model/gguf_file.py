"""Open a GGUF file safely: a strict structural check first, then `gguf.GGUFReader` (memory-mapped).

`GGUFReader` trusts the file: a garbled array length can make it loop for ages or fail with any
exception type. `check_structure` walks the same layout with every length bounded by the file size,
so a file that passes it is one the reader parses quickly, and every problem becomes an InputError
that names it. Metadata values are then read with typed getters (`Metadata`); tensor bytes are read
from the directory `check_structure` returns.
"""

from __future__ import annotations

import dataclasses
import math
import mmap
import os
import struct
from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MAX_DIMS = 4
DEFAULT_ALIGNMENT = 32
MAX_ELEMENTS = 1 << 40
# gguf.GGUFReader builds one numpy object per metadata array entry: bound the count (real vocabularies
# and merge lists have well under a million entries) so a garbled length cannot make it run for hours.
MAX_ARRAY_ENTRIES = 1 << 22

# GGUF value types: fixed sizes (bytes), STRING = 8, ARRAY = 9.
_FIXED_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32 = 8, 9, 4
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
REQUIRED = object()  # default for Metadata getters: the key must be present


@dataclass(frozen=True)
class TensorInfo:
    """One tensor's directory entry: name, GGML type, GGUF dims (innermost first), absolute data bounds."""

    name: str
    type_id: int
    dims: tuple[int, ...]
    offset: int
    nbytes: int

    @property
    def type_name(self) -> str:
        from gguf import GGMLQuantizationType

        return GGMLQuantizationType(self.type_id).name

    @property
    def shape(self) -> tuple[int, ...]:
        """Numpy order: outermost first ((out_features, in_features) for a matrix)."""
        return tuple(reversed(self.dims))


class _Cursor:
    """Reads little-endian fields from a buffer, raising InputError instead of running past the end."""

    def __init__(self, buf, source: str):
        self.buf = buf
        self.size = len(buf)
        self.pos = 0
        self.source = source

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise InputError(f"{self.source}: truncated file ({what} runs past the end at byte {self.pos})")

    def u32(self, what: str) -> int:
        self.need(4, what)
        v = _U32.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        return v

    def u64(self, what: str) -> int:
        self.need(8, what)
        v = _U64.unpack_from(self.buf, self.pos)[0]
        self.pos += 8
        return v

    def skip_string(self, what: str) -> None:
        n = self.u64(what)
        self.need(n, what)
        self.pos += n

    def string(self, what: str) -> str:
        n = self.u64(what)
        self.need(n, what)
        raw = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{self.source}: corrupt header ({what} is not UTF-8)") from None


def _skip_value(cur: _Cursor, vtype: int, key: str) -> None:
    if vtype in _FIXED_SIZES:
        cur.need(_FIXED_SIZES[vtype], f"value of {key!r}")
        cur.pos += _FIXED_SIZES[vtype]
    elif vtype == _STRING:
        cur.skip_string(f"string value of {key!r}")
    elif vtype == _ARRAY:
        itype = cur.u32(f"array type of {key!r}")
        count = cur.u64(f"array length of {key!r}")
        if count > MAX_ARRAY_ENTRIES:
            raise InputError(f"{cur.source}: corrupt header (array {key!r} claims {count} entries)")
        if itype in _FIXED_SIZES:
            cur.need(count * _FIXED_SIZES[itype], f"array {key!r}")
            cur.pos += count * _FIXED_SIZES[itype]
        elif itype == _STRING:
            # Every string needs at least its 8-byte length: bound the count before looping.
            cur.need(count * 8, f"array {key!r}")
            buf, pos, size = cur.buf, cur.pos, cur.size
            for _ in range(count):
                if pos + 8 > size:
                    cur.pos = pos
                    cur.need(8, f"array {key!r}")
                n = _U64.unpack_from(buf, pos)[0]
                pos += 8 + n
                if pos > size:
                    cur.pos = pos - n
                    cur.need(n, f"array {key!r}")
            cur.pos = pos
        else:
            raise InputError(f"{cur.source}: corrupt header (array {key!r} has unsupported item type {itype})")
    else:
        raise InputError(f"{cur.source}: corrupt header (metadata {key!r} has unknown value type {vtype})")


def _type_sizes() -> dict[int, tuple[int, int]]:
    from gguf.constants import GGML_QUANT_SIZES

    return {int(t): sizes for t, sizes in GGML_QUANT_SIZES.items()}


def _unique(seen: set[str], name: str, what: str, source: str) -> str:
    if name in seen:
        raise InputError(f"{source}: corrupt header (duplicate {what} {name!r})")
    seen.add(name)
    return name


def check_structure(buf, source: str) -> list[TensorInfo]:
    """Validate a GGUF file's layout (header, metadata, tensor directory, data bounds) without trusting it.

    Returns the tensor directory. Raises InputError naming the first problem found.
    """
    cur = _Cursor(buf, source)
    if cur.size < 4 or bytes(buf[:4]) != GGUF_MAGIC:
        raise InputError(f"{source}: not a GGUF file (bad magic)", hint="dp import reads llama.cpp GGUF files")
    cur.pos = 4
    version = cur.u32("version")
    if version & 0xFFFF == 0 and version != 0:
        raise InputError(f"{source}: big-endian GGUF files are not supported")
    if version not in SUPPORTED_VERSIONS:
        raise InputError(f"{source}: GGUF version {version} is not supported (this dp reads {list(SUPPORTED_VERSIONS)})")
    n_tensors = cur.u64("tensor count")
    n_kv = cur.u64("metadata count")
    # Each metadata entry takes at least 13 bytes, each tensor entry at least 24: bound counts by size.
    if n_kv * 13 > cur.size or n_tensors * 24 > cur.size:
        raise InputError(f"{source}: corrupt header (counts {n_tensors} tensors, {n_kv} metadata entries)")
    keys: set[str] = set()
    alignment = DEFAULT_ALIGNMENT
    for _ in range(n_kv):
        key = _unique(keys, cur.string("metadata key"), "metadata key", source)
        vtype = cur.u32(f"type of {key!r}")
        if key == "general.alignment":
            if vtype != _UINT32:
                raise InputError(f"{source}: corrupt header (general.alignment must be uint32)")
            alignment = cur.u32("general.alignment")
            if alignment == 0 or alignment & (alignment - 1):
                raise InputError(f"{source}: corrupt header (alignment {alignment} is not a power of two)")
            continue
        _skip_value(cur, vtype, key)
    sizes = _type_sizes()
    infos: list[TensorInfo] = []
    names: set[str] = set()
    for _ in range(n_tensors):
        name = _unique(names, cur.string("tensor name"), "tensor", source)
        n_dims = cur.u32(f"dimension count of {name!r}")
        if not 1 <= n_dims <= MAX_DIMS:
            raise InputError(f"{source}: corrupt header (tensor {name!r} has {n_dims} dimensions)")
        dims = tuple(cur.u64(f"dimensions of {name!r}") for _ in range(n_dims))
        if any(d == 0 for d in dims) or math.prod(dims) > MAX_ELEMENTS:
            raise InputError(f"{source}: corrupt header (tensor {name!r} has shape {list(dims)})")
        type_id = cur.u32(f"type of {name!r}")
        if type_id not in sizes:
            raise InputError(f"{source}: corrupt header (tensor {name!r} has unknown type id {type_id})")
        block, type_size = sizes[type_id]
        if dims[0] % block:
            raise InputError(f"{source}: corrupt header (tensor {name!r}: row of {dims[0]} is not a multiple of "
                             f"the block size {block})")
        offset = cur.u64(f"offset of {name!r}")
        if offset % alignment:
            raise InputError(f"{source}: corrupt header (tensor {name!r} offset {offset} is not aligned)")
        infos.append(TensorInfo(name, type_id, dims, offset, math.prod(dims) // block * type_size))
    data_start = cur.pos + (-cur.pos) % alignment
    infos = [dataclasses.replace(t, offset=data_start + t.offset) for t in infos]
    for t in infos:
        if t.offset + t.nbytes > cur.size:
            raise InputError(f"{source}: truncated file (tensor {t.name!r} needs bytes up to {t.offset + t.nbytes}, "
                             f"the file has {cur.size})")
    return infos


def open_gguf(path: str):
    """Check and open a GGUF file: (`gguf.GGUFReader`, tensor directory). Errors are InputError.

    The reader holds every metadata array entry as a numpy object (hundreds of MB for a 262k-token
    vocabulary): drop it once the metadata is read, and read tensors with `read_tensor_bytes`."""
    if not os.path.exists(path):
        raise InputError(f"no such file: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory")
    try:
        f = open(path, "rb")
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    with f:
        if os.fstat(f.fileno()).st_size == 0:
            raise InputError(f"{path}: empty file", hint="dp import reads llama.cpp GGUF files")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            infos = check_structure(buf, path)
    import gguf

    try:
        return gguf.GGUFReader(path), infos
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: corrupt GGUF file ({e})") from None


def read_tensor_bytes(path: str, info: TensorInfo, fn):
    """fn(raw uint8 view of the tensor's bytes), through a mapping that lives only for this call,
    so the file's pages do not stay resident; fn must not keep the view."""
    gran = mmap.ALLOCATIONGRANULARITY
    start = info.offset - info.offset % gran
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), info.offset + info.nbytes - start, offset=start, access=mmap.ACCESS_READ)
    try:
        view = np.frombuffer(mm, dtype=np.uint8, count=info.nbytes, offset=info.offset - start)
        result = fn(view)
        del view
    finally:
        mm.close()
    return result


class Metadata:
    """Typed access to a reader's metadata: missing or wrongly typed values are InputErrors naming the key."""

    def __init__(self, reader, source: str):
        self.fields = reader.fields
        self.source = source

    def __contains__(self, key: str) -> bool:
        return key in self.fields

    def _value(self, key: str):
        from gguf import GGUFValueType

        field = self.fields[key]
        if not field.types or field.types[0] == GGUFValueType.ARRAY:
            raise InputError(f"{self.source}: metadata {key!r} is an array; this dp reads one value for all layers")
        try:
            return field.contents()
        except (UnicodeDecodeError, ValueError, IndexError):
            raise InputError(f"{self.source}: metadata {key!r} is corrupt") from None

    def _missing(self, key: str, default):
        if default is REQUIRED:
            raise InputError(f"{self.source}: metadata {key!r} is missing")
        return default

    def get_int(self, key: str, default=REQUIRED, lo: int = 1, hi: int = 1 << 31):
        if key not in self.fields:
            return self._missing(key, default)
        v = self._value(key)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"{self.source}: metadata {key!r} must be an integer, got {v!r}")
        if not lo <= int(v) <= hi:
            raise InputError(f"{self.source}: metadata {key!r} = {int(v)} is out of range [{lo}, {hi}]")
        return int(v)

    def get_float(self, key: str, default=REQUIRED, lo: float = -math.inf, hi: float = math.inf):
        if key not in self.fields:
            return self._missing(key, default)
        v = self._value(key)
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise InputError(f"{self.source}: metadata {key!r} must be a number, got {v!r}")
        v = float(v)
        if not (math.isfinite(v) and lo <= v <= hi):
            raise InputError(f"{self.source}: metadata {key!r} = {v} is out of range [{lo}, {hi}]")
        return v

    def get_str(self, key: str, default=REQUIRED) -> str | None:
        if key not in self.fields:
            return self._missing(key, default)
        v = self._value(key)
        if not isinstance(v, str):
            raise InputError(f"{self.source}: metadata {key!r} must be a string, got {v!r}")
        return v

    def bool_array(self, key: str, length: int) -> list[bool] | None:
        from gguf import GGUFValueType

        if key not in self.fields:
            return None
        field = self.fields[key]
        if field.types[:1] != [GGUFValueType.ARRAY] or field.types[-1] != GGUFValueType.BOOL:
            return None
        values = [bool(x) for x in field.contents()]
        if len(values) != length:
            raise InputError(f"{self.source}: metadata {key!r} has {len(values)} entries, expected {length}")
        return values

    def string_array_len(self, key: str) -> int | None:
        from gguf import GGUFValueType

        field = self.fields.get(key)
        if field is None or field.types[:1] != [GGUFValueType.ARRAY]:
            return None
        return len(field.data)


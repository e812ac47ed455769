"""Versioned binary container for every artifact (model.dpm, model.dpq, model.vk, run.dpt, proof.bin).

Layout (all little-endian):

    magic    8 bytes   artifact kind, e.g. b"DPMODEL\\0"
    version  u32       format version of that kind
    flags    u32       0 (reserved)
    hlen     u64       length of the JSON header
    header   hlen bytes UTF-8 JSON: {"meta": {...}, "arrays": [{"name", "dtype", "shape", "offset"}]}
    padding  to a multiple of 64
    data     arrays, each starting at a 64-aligned `offset` relative to the start of the data section

The header comes first and lists every array's dtype and shape, so a writer streams arrays one at a
time (a producer callable per array) and a reader memory-maps the file and slices arrays without
copying. Reading is strict: wrong magic, version, dtype, bounds or trailing bytes are errors.
"""

from __future__ import annotations

import io
import json
import math
import mmap
import os
import struct
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np

from deepprove_cli.errors import InputError

ALIGN = 64
_PREFIX = struct.Struct("<8sIIQ")
# Only plain little-endian numeric dtypes: no object arrays can ever be read back.
ALLOWED_DTYPES = {"<u1", "|u1", "<i1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f2", "<f4", "<f8"}
MAX_HEADER = 64 << 20


def _dtype_str(dt: np.dtype) -> str:
    s = np.dtype(dt).newbyteorder("<").str if np.dtype(dt).byteorder == ">" else np.dtype(dt).str
    if s not in ALLOWED_DTYPES:
        raise InputError(f"dtype {dt} cannot be stored in an artifact")
    return s


def _pad(n: int) -> int:
    return (-n) % ALIGN


@dataclass
class ArraySpec:
    """One array to write: its data now (`array`) or later (`produce()` returning it)."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    produce: Callable[[], np.ndarray] | None = None
    array: np.ndarray | None = None

    @classmethod
    def of(cls, name: str, array: np.ndarray) -> "ArraySpec":
        return cls(name, array.dtype, tuple(array.shape), array=array)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


def encode_header(kind: bytes, version: int, meta: Mapping, specs: Iterable[ArraySpec]) -> tuple[bytes, list[int]]:
    specs = list(specs)
    entries, offsets, off = [], [], 0
    names = set()
    for s in specs:
        if s.name in names:
            raise ValueError(f"duplicate array name {s.name!r}")
        names.add(s.name)
        entries.append({"name": s.name, "dtype": _dtype_str(s.dtype), "shape": [int(d) for d in s.shape], "offset": off})
        offsets.append(off)
        off += s.nbytes + _pad(s.nbytes)
    header = json.dumps({"meta": meta, "arrays": entries}, sort_keys=True, separators=(",", ":")).encode()
    if len(kind) != 8:
        raise ValueError("magic must be 8 bytes")
    prefix = _PREFIX.pack(kind, version, 0, len(header))
    head = prefix + header
    return head + b"\0" * _pad(len(head)), offsets


def write_stream(f, kind: bytes, version: int, meta: Mapping, specs: Iterable[ArraySpec]) -> int:
    """Write a container to a binary file object; returns bytes written. Producers run one at a time."""
    specs = list(specs)
    head, _ = encode_header(kind, version, meta, specs)
    f.write(head)
    total = len(head)
    for s in specs:
        a = s.array if s.array is not None else s.produce()
        a = np.asarray(a)
        if tuple(a.shape) != tuple(s.shape) or _dtype_str(a.dtype) != _dtype_str(s.dtype):
            raise ValueError(f"array {s.name!r}: produced {a.dtype}{a.shape}, declared {np.dtype(s.dtype)}{s.shape}")
        a = np.ascontiguousarray(a, dtype=np.dtype(_dtype_str(s.dtype)))
        f.write(memoryview(a).cast("B") if a.size else b"")
        pad = _pad(s.nbytes)
        f.write(b"\0" * pad)
        total += s.nbytes + pad
    return total


def write(path: str, kind: bytes, version: int, meta: Mapping, specs: Iterable[ArraySpec]) -> int:
    """Write atomically: to a temporary file beside `path`, renamed on success (nothing half-written).

    `path == "-"` writes to stdout.
    """
    if path == "-":
        out = sys.stdout.buffer
        n = write_stream(out, kind, version, meta, specs)
        out.flush()
        return n
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"output directory does not exist: {directory}")
    fd, tmp = tempfile.mkstemp(prefix=".dp-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            n = write_stream(f, kind, version, meta, specs)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return n


def to_bytes(kind: bytes, version: int, meta: Mapping, specs: Iterable[ArraySpec]) -> bytes:
    buf = io.BytesIO()
    write_stream(buf, kind, version, meta, specs)
    return buf.getvalue()


class Container:
    """A parsed container: `meta` (dict), `kind`, `version`, and arrays by name (views, not copies)."""

    def __init__(self, buffer, kind: bytes, version: int, meta: dict, arrays: dict, source: str):
        self._buffer = buffer
        self.kind = kind
        self.version = version
        self.meta = meta
        self._arrays = arrays
        self.source = source

    def names(self) -> list[str]:
        return list(self._arrays)

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            raise InputError(f"{self.source}: array {name!r} is missing")
        return self._arrays[name]


def _no_constant(name: str):
    """NaN and Infinity are not JSON: a header holding them is corrupt (json would accept them)."""
    raise ValueError(f"non-JSON constant {name}")


def parse(buffer, source: str, kind: bytes | None = None, versions: Iterable[int] | None = None) -> Container:
    """Parse a container from bytes / mmap. Raises InputError naming what is wrong."""
    mv = memoryview(buffer)
    size = len(mv)
    if size < _PREFIX.size:
        raise InputError(f"{source}: truncated file ({size} bytes)")
    magic, version, flags, hlen = _PREFIX.unpack_from(mv, 0)
    if kind is not None and magic != kind:
        raise InputError(f"{source}: not a {kind.rstrip(bytes(1)).decode()} file (magic {magic!r})")
    if not magic.startswith(b"DP"):
        raise InputError(f"{source}: not a deepprove artifact (magic {magic!r})")
    if versions is not None and version not in set(versions):
        raise InputError(
            f"{source}: format version {version} is not supported (this dp reads {sorted(set(versions))})",
            hint="re-create the file with this version of dp",
        )
    if flags != 0:
        raise InputError(f"{source}: unknown flags {flags:#x}")
    if hlen > MAX_HEADER or _PREFIX.size + hlen > size:
        raise InputError(f"{source}: truncated or corrupt header (length {hlen})")
    try:
        header = json.loads(bytes(mv[_PREFIX.size:_PREFIX.size + hlen]).decode("utf-8"),
                            parse_constant=_no_constant)
        meta, entries = header["meta"], header["arrays"]
        if not isinstance(meta, dict) or not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        raise InputError(f"{source}: corrupt header") from None
    data_start = _PREFIX.size + hlen
    data_start += _pad(data_start)
    arrays, expect_off = {}, 0
    for e in entries:
        try:
            name, dtype, shape, off = e["name"], e["dtype"], e["shape"], e["offset"]
            if (not isinstance(name, str) or not isinstance(dtype, str) or not isinstance(off, int)
                    or not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)):
                raise TypeError
        except (KeyError, TypeError):
            raise InputError(f"{source}: corrupt array entry in header") from None
        if dtype not in ALLOWED_DTYPES:
            raise InputError(f"{source}: array {name!r} has a forbidden dtype {dtype!r}")
        if off != expect_off or name in arrays:
            raise InputError(f"{source}: array {name!r} has an inconsistent offset or a duplicate name")
        dt = np.dtype(dtype)
        count = math.prod(shape)  # Python ints: a huge shape cannot wrap to a small count
        nbytes = count * dt.itemsize
        start = data_start + off
        if off < 0 or start + nbytes > size:
            raise InputError(f"{source}: truncated file (array {name!r} runs past the end)")
        arrays[name] = np.frombuffer(mv, dtype=dt, count=count, offset=start).reshape(shape)
        expect_off = off + nbytes + _pad(nbytes)
    end = data_start + expect_off
    if size != end:
        raise InputError(f"{source}: {'trailing bytes' if size > end else 'truncated file'} ({size} bytes, expected {end})")
    return Container(buffer, magic, version, meta, arrays, source)


def read(path: str, kind: bytes | None = None, versions: Iterable[int] | None = None) -> Container:
    """Read a container from a path (memory-mapped) or from stdin (`-`)."""
    if path == "-":
        return parse(sys.stdin.buffer.read(), "<stdin>", kind, versions)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    with f:
        if os.fstat(f.fileno()).st_size == 0:
            raise InputError(f"{path}: empty file")
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return parse(buf, path, kind, versions)

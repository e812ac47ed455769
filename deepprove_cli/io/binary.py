"""Deterministic, strict little-endian byte encoding for proof objects.

`Writer` appends fixed-width integers, digests and field-element arrays; `Reader` reads them back
and raises `ProofFormatError` on truncation, non-canonical field elements, out-of-range lengths or
trailing bytes. Every proof component serializes through these two, so strictness lives in one place.
"""

from __future__ import annotations

import struct

import numpy as np

from deepprove_cli.errors import ProofInvalid

P = 2013265921  # BabyBear modulus, repeated here so the verifier path needs no kernel import


class ProofFormatError(ProofInvalid):
    """A proof object that cannot be parsed (truncated, non-canonical, trailing bytes)."""


class Writer:
    def __init__(self):
        self._parts: list[bytes] = []
        self._sections: list[tuple[str, int]] = []
        self._len = 0

    def _put(self, b: bytes) -> None:
        self._parts.append(b)
        self._len += len(b)

    def __len__(self) -> int:
        return self._len

    def section(self, name: str) -> None:
        """Mark where a named component starts (for the per-component size breakdown)."""
        self._sections.append((name, self._len))

    def sizes(self) -> dict[str, int]:
        """Bytes per named section, in order of first appearance (same names are summed)."""
        out: dict[str, int] = {}
        marks = self._sections + [("", self._len)]
        for (name, start), (_, end) in zip(marks, marks[1:]):
            out[name] = out.get(name, 0) + end - start
        return out

    def u8(self, v: int) -> None:
        self._put(struct.pack("<B", v))

    def u32(self, v: int) -> None:
        self._put(struct.pack("<I", v))

    def u64(self, v: int) -> None:
        self._put(struct.pack("<Q", v))

    def raw(self, b: bytes) -> None:
        self._put(bytes(b))

    def digest(self, d) -> None:
        b = bytes(d)
        if len(b) != 32:
            raise ValueError("digest must be 32 bytes")
        self._put(b)

    def blob(self, b: bytes) -> None:
        self.u32(len(b))
        self._put(bytes(b))

    def base(self, v: int) -> None:
        if not 0 <= int(v) < P:
            raise ValueError("field element not canonical")
        self.u32(int(v))

    def base_array(self, a: np.ndarray) -> None:
        """A 1-D array of base-field elements, without length (the reader must know it)."""
        a = np.ascontiguousarray(a, dtype="<u4")
        if a.size and int(a.max()) >= P:
            raise ValueError("field element not canonical")
        self._put(a.tobytes())

    def ext(self, e) -> None:
        self.base_array(np.asarray(e, dtype=np.uint32).reshape(4))

    def ext_array(self, a: np.ndarray) -> None:
        """An (n, 4) array of extension elements, without length."""
        self.base_array(np.asarray(a, dtype=np.uint32).reshape(-1))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    def __init__(self, data: bytes, what: str = "proof"):
        self._mv = memoryview(data)
        self._pos = 0
        self.what = what

    def remaining(self) -> int:
        return len(self._mv) - self._pos

    def _take(self, n: int, name: str) -> memoryview:
        if n < 0 or self._pos + n > len(self._mv):
            raise ProofFormatError(f"{self.what}: truncated while reading {name}")
        out = self._mv[self._pos:self._pos + n]
        self._pos += n
        return out

    def u8(self, name: str = "u8") -> int:
        return self._take(1, name)[0]

    def u32(self, name: str = "u32", max_value: int | None = None) -> int:
        v = struct.unpack("<I", self._take(4, name))[0]
        if max_value is not None and v > max_value:
            raise ProofFormatError(f"{self.what}: {name} = {v} exceeds {max_value}")
        return v

    def u64(self, name: str = "u64", max_value: int | None = None) -> int:
        v = struct.unpack("<Q", self._take(8, name))[0]
        if max_value is not None and v > max_value:
            raise ProofFormatError(f"{self.what}: {name} = {v} exceeds {max_value}")
        return v

    def raw(self, n: int, name: str = "bytes") -> bytes:
        return bytes(self._take(n, name))

    def digest(self, name: str = "digest") -> bytes:
        return bytes(self._take(32, name))

    def blob(self, name: str = "blob", max_len: int = 1 << 30) -> bytes:
        n = self.u32(f"{name} length", max_len)
        return bytes(self._take(n, name))

    def base(self, name: str = "field element") -> int:
        v = self.u32(name)
        if v >= P:
            raise ProofFormatError(f"{self.what}: non-canonical field element in {name}")
        return v

    def base_array(self, n: int, name: str = "field elements") -> np.ndarray:
        a = np.frombuffer(self._take(4 * n, name), dtype="<u4").astype(np.uint32)
        if a.size and int(a.max()) >= P:
            raise ProofFormatError(f"{self.what}: non-canonical field element in {name}")
        return a

    def ext(self, name: str = "extension element") -> np.ndarray:
        return self.base_array(4, name)

    def ext_array(self, n: int, name: str = "extension elements") -> np.ndarray:
        return self.base_array(4 * n, name).reshape(n, 4)

    def finish(self) -> None:
        """Reject trailing bytes."""
        if self.remaining():
            raise ProofFormatError(f"{self.what}: {self.remaining()} trailing bytes")

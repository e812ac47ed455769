"""Fiat-Shamir transcript over BLAKE3, shared by prover and verifier.

The transcript is a hash chain. It keeps a 32-byte state and a buffer of records absorbed since the
last squeeze. Absorbing only appends an encoded record (no hashing: cheap, there are thousands per
proof). A squeeze appends a challenge record, hashes `state || records` with BLAKE3's extendable
output, takes the first 32 bytes as the next state and the following bytes as the challenge
stream. So every challenge depends on the protocol label and on everything absorbed or squeezed
before it, in order.

Record encoding (unambiguous, self-delimiting):
    kind (u8) | label length (u16 LE) | label | data length (u64 LE) | data
where kind names the item type (bytes, base elements, extension elements, digest, u64, challenge,
grinding nonce, fork), so the same bytes absorbed as different types or labels differ.

Challenges are exactly uniform: a base element is 31 bits of the stream, rejected when >= p
(probability 1/16, rejection sampling on the deterministic stream: bias 0); an extension element
is 4 base elements; indices below 2^n_bits are n_bits of stream. Grinding (proof of work):
`grind(bits)` squeezes a seed and finds the first nonce such that BLAKE3(seed || nonce) starts
with `bits` zero bits (its first 8 bytes, read as a little-endian u64, are below 2^(64 - bits)),
then absorbs the nonce; `check_grind` verifies and absorbs the same way.

Nothing here assumes the verifier sees committed values: the transcript absorbs exactly what the
caller gives it (commitments and prover messages), so a later zero-knowledge mode changes callers,
not this class.
"""

from __future__ import annotations

import struct

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.hash.blake3 import blake3

_BYTES, _BASE, _EXT, _DIGEST, _U64, _CHALLENGE, _GRIND, _FORK, _PROTOCOL = range(1, 10)
_HEAD = struct.Struct("<BH")
_LEN = struct.Struct("<Q")
_MAX_GRIND_BITS = 40
_U32 = np.dtype("<u4")
_EXT_PARAMS = _LEN.pack(1) + b"ext"  # challenge_ext's squeeze parameters
_EXT_RECORDS: dict = {}  # label -> challenge_ext's whole squeeze record


def _label_bytes(label) -> bytes:
    b = label.encode() if isinstance(label, str) else bytes(label)
    if len(b) > 0xFFFF:
        raise ValueError("transcript label longer than 65535 bytes")
    return b


# kind | label length | label, per (kind, label): a proof draws on a few dozen labels thousands of times.
_HEADERS: dict = {}
_MAX_HEADERS = 4096


def _header(kind: int, label) -> bytes:
    key = (kind, label)
    h = _HEADERS.get(key)
    if h is None:
        lb = _label_bytes(label)
        h = _HEAD.pack(kind, len(lb)) + lb
        if isinstance(label, (str, bytes)):  # immutable keys only (a bytearray label can change)
            if len(_HEADERS) >= _MAX_HEADERS:
                _HEADERS.clear()
            _HEADERS[key] = h
    return h


def _field_bytes(values, what: str) -> bytes:
    """Canonical field elements as little-endian u32 bytes; rejects values outside [0, p)."""
    if type(values) is np.ndarray and values.dtype == _U32 and values.size <= 64:
        # the common case (prover messages, challenges): no conversion, a check over the bytes
        b = values.tobytes()
        if b and max(memoryview(b).cast("I")) >= P:
            raise ValueError(f"{what}: field element not canonical (must be in [0, p))")
        return b
    if isinstance(values, (int, np.integer)):
        if not 0 <= int(values) < P:
            raise ValueError(f"{what}: field element not canonical (must be in [0, p))")
        return struct.pack("<I", int(values))
    a = np.asarray(values)
    if a.dtype.kind not in "ui":
        raise TypeError(f"{what}: field elements must be integers, got {a.dtype}")
    if a.dtype != np.uint32 and a.size and (int(a.min()) < 0 or int(a.max()) > 0xFFFFFFFF):
        raise ValueError(f"{what}: field element not canonical (must be in [0, p))")
    b = np.ascontiguousarray(a, dtype="<u4").tobytes()
    # max() over a memoryview beats numpy's reduction on the small arrays transcripts see
    if b and (max(memoryview(b).cast("I")) if len(b) <= 256 else int(a.max())) >= P:
        raise ValueError(f"{what}: field element not canonical (must be in [0, p))")
    return b


def _below_p(words) -> list:
    """Rejection sampling: the 31-bit values of the stream words that are below p, in order."""
    return [w & 0x7FFFFFFF for w in words if (w & 0x7FFFFFFF) < P]


def _initial_draw(n: int) -> int:
    """Stream words drawn first for n elements: a rejection has probability 1/16, so this rarely
    falls short; when it does the stream is extended, giving the same values."""
    return n + n // 8 + 4


class Transcript:
    """A Fiat-Shamir transcript; prover and verifier run the same calls in the same order."""

    __slots__ = ("_state", "_pending")

    def __init__(self, protocol_label: bytes | str, *, _state: bytes = bytes(32)):
        self._state = _state
        self._pending: list[bytes] = []
        self._record(_PROTOCOL, protocol_label, b"")

    # -- absorbing -------------------------------------------------------------------------------

    def _record(self, kind: int, label, data: bytes) -> None:
        self._pending.append(_header(kind, label) + _LEN.pack(len(data)) + data)

    def absorb_bytes(self, label, data: bytes) -> None:
        self._record(_BYTES, label, bytes(data))

    def absorb_base(self, label, values) -> None:
        """Base-field elements: an int or an array of canonical uint32."""
        self._record(_BASE, label, _field_bytes(values, "absorb_base"))

    def absorb_ext(self, label, values) -> None:
        """Extension elements: (4,) for one, (n, 4) for n (both encode as n * 4 coefficients)."""
        a = values if type(values) is np.ndarray else np.asarray(values)
        if a.ndim not in (1, 2) or a.shape[-1] != 4:
            raise ValueError(f"absorb_ext takes (4,) or (n, 4), got shape {a.shape}")
        self._record(_EXT, label, _field_bytes(a, "absorb_ext"))

    def absorb_ext_bytes(self, label, data: bytes) -> None:
        """Extension elements given as their encoding (n * 16 little-endian u32 bytes): what
        `absorb_ext` of the decoded (n, 4) array absorbs, for callers that hold the bytes already."""
        if len(data) % 16:
            raise ValueError(f"absorb_ext_bytes takes whole extension elements, got {len(data)} bytes")
        if data and max(memoryview(data).cast("I")) >= P:
            raise ValueError("absorb_ext_bytes: field element not canonical (must be in [0, p))")
        self._record(_EXT, label, bytes(data))

    def absorb_digest(self, label, digest) -> None:
        """A 32-byte digest (bytes, or (8,) uint32 words in the digest layout of hash.rows)."""
        b = np.ascontiguousarray(digest, dtype="<u4").tobytes() if isinstance(digest, np.ndarray) else bytes(digest)
        if len(b) != 32:
            raise ValueError(f"absorb_digest takes 32 bytes, got {len(b)}")
        self._record(_DIGEST, label, b)

    def absorb_u64(self, label, n: int) -> None:
        self._record(_U64, label, _LEN.pack(int(n)))

    # -- squeezing -------------------------------------------------------------------------------

    def _squeeze_input(self, kind: int, label, params: bytes) -> bytes:
        """Record this squeeze; return what it hashes (state || pending records) and clear the buffer."""
        self._record(kind, label, params)
        data = self._state + b"".join(self._pending)
        self._pending = []
        return data

    def _squeeze(self, kind: int, label, params: bytes, n_bytes: int) -> bytes:
        """A squeeze: the next state (first 32 output bytes) and n_bytes of challenge stream."""
        out = blake3(self._squeeze_input(kind, label, params), 32 + n_bytes)
        self._state = out[:32]
        return out[32:]

    def _field_stream(self, label, params: bytes, n: int) -> np.ndarray:
        """n uniform base-field elements from one squeeze's output stream (rejection sampling)."""
        return self._sample(self._squeeze_input(_CHALLENGE, label, params), n)

    def _sample(self, data: bytes, n: int) -> np.ndarray:
        """n field elements from the output stream of hashing `data`; moves the state on."""
        want = _initial_draw(n)
        while True:
            out = blake3(data, 32 + 4 * want)
            vals = _below_p(struct.unpack_from(f"<{want}I", out, 32)) if want <= 256 else None
            if vals is None:  # long streams: the same sampling in numpy
                w = np.frombuffer(out, dtype="<u4", offset=32) & np.uint32(0x7FFFFFFF)
                vals = w[w < P]
            if len(vals) >= n:
                break
            want *= 2  # same stream, longer: the extendable output's prefix does not change
        self._state = out[:32]
        return np.asarray(vals[:n], dtype=np.uint32)

    def challenge_bytes(self, label, n: int) -> bytes:
        """n uniform bytes."""
        return self._squeeze(_CHALLENGE, label, _LEN.pack(n) + b"bytes", n)

    def challenge_bases(self, label, n: int) -> np.ndarray:
        """n uniform base-field elements, (n,) uint32 (rejection sampling: exactly uniform)."""
        return self._field_stream(label, _LEN.pack(n) + b"base", n)

    def challenge_base(self, label) -> int:
        return int(self.challenge_bases(label, 1)[0])

    def challenge_exts(self, label, n: int) -> np.ndarray:
        """n uniform extension elements, (n, 4) uint32."""
        return self._field_stream(label, _LEN.pack(n) + b"ext", 4 * n).reshape(n, 4)

    def challenge_ext(self, label) -> np.ndarray:
        return np.array(self.challenge_ext_ints(label), dtype=np.uint32)

    def challenge_ext_ints(self, label) -> tuple:
        """One uniform extension element as a 4-tuple of Python ints: `challenge_ext`'s squeeze
        without the numpy round trip (verifier loops do their arithmetic on ints)."""
        rec = _EXT_RECORDS.get(label)
        if rec is None:
            rec = _header(_CHALLENGE, label) + _LEN.pack(len(_EXT_PARAMS)) + _EXT_PARAMS
            if len(_EXT_RECORDS) < _MAX_HEADERS and isinstance(label, (str, bytes)):
                _EXT_RECORDS[label] = rec
        self._pending.append(rec)
        data = self._state + b"".join(self._pending)
        self._pending = []
        out = blake3(data, 64)  # 8 stream words: enough unless 5+ of them are rejected
        vals = _below_p(struct.unpack_from("<8I", out, 32))
        if len(vals) < 4:  # rare: the general sampler extends the same stream
            return tuple(int(v) for v in self._sample(data, 4))
        self._state = out[:32]
        return vals[0], vals[1], vals[2], vals[3]

    def challenge_indices(self, label, n_bits: int, count: int) -> np.ndarray:
        """count uniform integers in [0, 2^n_bits) (0 <= n_bits <= 62), int64; repeats are possible."""
        if not 0 <= n_bits <= 62:
            raise ValueError("challenge_indices: n_bits must be in [0, 62]")
        raw = self._squeeze(_CHALLENGE, label, _LEN.pack(count) + bytes([n_bits]) + b"indices", 8 * count)
        v = np.frombuffer(raw, dtype="<u8")
        return (v & np.uint64((1 << n_bits) - 1)).astype(np.int64)

    # -- grinding --------------------------------------------------------------------------------

    def _grind_seed(self, bits: int) -> bytes:
        if not 0 <= bits <= _MAX_GRIND_BITS:
            raise ValueError(f"grinding bits must be in [0, {_MAX_GRIND_BITS}]")
        return self._squeeze(_GRIND, "grind/seed", bytes([bits]), 32)

    def grind(self, bits: int) -> int:
        """Prover: find the proof-of-work nonce for `bits` bits, absorb it and return it."""
        from deepprove_cli.hash.grind import find_nonce

        nonce = find_nonce(self._grind_seed(bits), bits)
        self.absorb_u64("grind/nonce", nonce)
        return nonce

    def check_grind(self, bits: int, nonce: int) -> bool:
        """Verifier: True iff `nonce` is a valid proof of work here; absorbs it like `grind` does."""
        from deepprove_cli.hash.grind import nonce_ok

        if not 0 <= int(nonce) < 1 << 64:
            return False
        ok = nonce_ok(self._grind_seed(bits), bits, int(nonce))
        self.absorb_u64("grind/nonce", int(nonce))
        return ok

    # -- forking ---------------------------------------------------------------------------------

    def fork(self, label, n: int) -> list["Transcript"]:
        """n independent child transcripts (for proving parts in parallel, deterministically).

        The parent squeezes a fork seed (so it moves on too); child i starts from
        BLAKE3(seed || i) under the same label. Prover and verifier fork at the same point.
        """
        seed = self._squeeze(_FORK, label, _LEN.pack(n), 32)
        lb = _label_bytes(label)
        return [Transcript(lb, _state=blake3(seed + _LEN.pack(i))) for i in range(n)]

    def clone(self) -> "Transcript":
        """An independent copy in the same state (e.g. to try a branch without disturbing this one)."""
        t = Transcript.__new__(Transcript)
        t._state = self._state
        t._pending = list(self._pending)
        return t

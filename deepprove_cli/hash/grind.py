"""Proof-of-work for the transcript's grinding: nonce search (prover) and check (verifier).

A nonce n is valid for `bits` when BLAKE3(seed || n as u64 LE), its first 8 bytes read as a
little-endian u64, is below 2^(64 - bits). The prover returns the smallest valid nonce, so proofs
stay deterministic. Candidates are hashed in batches as the rows of a matrix (seed words, nonce
low word, nonce high word), one BLAKE3 block each, on the lane kernel.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.hash.rows import hash_rows

_FIRST_BATCH = 1 << 12
_MAX_BATCH = 1 << 18


def _candidates(seed: bytes, start: int, count: int) -> np.ndarray:
    if len(seed) != 32:
        raise ValueError("grinding seed must be 32 bytes")
    rows = np.empty((count, 10), np.uint32)
    rows[:, :8] = np.frombuffer(seed, dtype="<u4")
    nonces = np.arange(start, start + count, dtype=np.uint64)
    rows[:, 8] = (nonces & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    rows[:, 9] = (nonces >> np.uint64(32)).astype(np.uint32)
    return rows


def _valid(digests: np.ndarray, bits: int) -> np.ndarray:
    lead = digests[:, 0].astype(np.uint64) | (digests[:, 1].astype(np.uint64) << np.uint64(32))
    if bits == 0:
        return np.ones(len(digests), bool)
    return lead < np.uint64(1 << (64 - bits))


def find_nonce(seed: bytes, bits: int) -> int:
    """The smallest nonce that is a valid proof of work for `bits` bits (expected 2^bits hashes)."""
    start, batch = 0, _FIRST_BATCH
    while True:
        ok = _valid(hash_rows(_candidates(seed, start, batch)), bits)
        hit = int(np.argmax(ok))
        if ok[hit]:
            return start + hit
        start += batch
        batch = min(2 * batch, _MAX_BATCH)


def nonce_ok(seed: bytes, bits: int, nonce: int) -> bool:
    """Whether `nonce` is a valid proof of work for `bits` bits."""
    return bool(_valid(hash_rows(_candidates(seed, nonce, 1)), bits)[0])

"""BLAKE3 (default unkeyed mode) of byte strings of any length, with extendable output.

The input is split into 1 KiB chunks; their chaining values are computed in parallel lanes
(`lanes.hash_chunks`), then merged pairwise level by level, an odd last node moving up
unchanged. That pairing builds exactly BLAKE3's tree (each left subtree holds the largest power of
two chunks that leaves at least one byte to the right). The last compression, the root, carries the
ROOT flag; repeating it with output counters 0, 1, 2, ... gives the extendable output.

Inputs of at most one chunk (the transcript's case) run in one small serial kernel, so a short
hash costs one Numba call. Words are read little-endian; the host must be little-endian (x86,
ARM, CUDA devices all are).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.hash.compress import (BLOCK_LEN, CHUNK_END, CHUNK_LEN, CHUNK_START, CHUNK_WORDS, IV,
                                         PARENT, ROOT, compress)
from deepprove_cli.hash.lanes import hash_chunks, hash_parents

DIGEST_LEN = 32

_IV_T = tuple(np.uint32(x) for x in IV)


@njit(cache=True)
def _block(words, off):
    """The 16 message words of the block at word offset off."""
    return (words[off], words[off + 1], words[off + 2], words[off + 3], words[off + 4], words[off + 5],
            words[off + 6], words[off + 7], words[off + 8], words[off + 9], words[off + 10],
            words[off + 11], words[off + 12], words[off + 13], words[off + 14], words[off + 15])


@njit(cache=True)
def _root_output(cv, m, block_len, flags, out):
    """Extendable output of the root node: out (k * 16,) gets output blocks 0..k-1."""
    for t in range(out.size // 16):
        o = compress(cv, m, t, block_len, flags)
        for k in range(16):
            out[16 * t + k] = o[k]


@njit(cache=True)
def _single_chunk_root(words, n_bytes, out):
    """BLAKE3 output of a message of at most one chunk. words: the message, zero-padded to 256 words."""
    cv = _IV_T
    n_blocks = max(1, (n_bytes + BLOCK_LEN - 1) // BLOCK_LEN)
    for b in range(n_blocks - 1):
        o = compress(cv, _block(words, 16 * b), 0, BLOCK_LEN, CHUNK_START if b == 0 else 0)
        cv = (o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7])
    flags = CHUNK_END | ROOT | (CHUNK_START if n_blocks == 1 else 0)
    last = 16 * (n_blocks - 1)
    _root_output(cv, _block(words, last), n_bytes - 4 * last, flags, out)


@njit(cache=True)
def _parent_root(children, out):
    """Extendable output of a root parent node; children: its two chaining values as 16 words."""
    _root_output(_IV_T, _block(children, 0), BLOCK_LEN, PARENT | ROOT, out)


def merge_to_pair(cvs: np.ndarray) -> np.ndarray:
    """Merge the chunk chaining values of r equally long messages, (r, m, 8) with m >= 2, level by
    level (non-root parents) until two remain: returns (r, 2, 8), the root's two children."""
    r, m, _ = cvs.shape
    while m > 2:
        half = m // 2
        children = np.ascontiguousarray(cvs[:, :2 * half]).reshape(r * 2 * half, 8)
        parents = hash_parents(children, False, np.empty((r * half, 8), np.uint32)).reshape(r, half, 8)
        cvs = np.concatenate([parents, cvs[:, 2 * half:]], axis=1) if m % 2 else parents
        m = cvs.shape[1]
    return cvs


def _as_bytes_array(data) -> np.ndarray:
    """A flat uint8 view of bytes-like data or a contiguous numpy array (no copy when possible)."""
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    return np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)


def _padded_words(b: np.ndarray, n_words: int) -> np.ndarray:
    """b's bytes zero-padded to n_words little-endian uint32 words (a fresh aligned array)."""
    out = np.zeros(n_words, np.uint32)
    out.view(np.uint8)[:b.size] = b
    return out


def _aligned_words(b: np.ndarray) -> np.ndarray:
    """b (length a multiple of 4) as uint32 words: a view when aligned, else a copy."""
    if b.ctypes.data % 4 == 0:
        return b.view(np.uint32)
    return _padded_words(b, b.size // 4)


def _long_root(b: np.ndarray, out: np.ndarray) -> None:
    """Extendable output of an input of more than one chunk into out."""
    n_full = (b.size - 1) // CHUNK_LEN  # the last chunk keeps 1..1024 bytes
    cvs = np.empty((1, n_full + 1, 8), np.uint32)
    hash_chunks(_aligned_words(b[:n_full * CHUNK_LEN]), 0, CHUNK_WORDS, n_full, CHUNK_LEN, 0, 1, False,
                cvs[0, :n_full])
    tail = b[n_full * CHUNK_LEN:]
    hash_chunks(_padded_words(tail, CHUNK_WORDS), 0, CHUNK_WORDS, 1, tail.size, n_full, 0, False,
                cvs[0, n_full:])
    _parent_root(merge_to_pair(cvs).reshape(16), out)


def blake3(data, out_len: int = DIGEST_LEN) -> bytes:
    """BLAKE3 hash of `data` (bytes-like or numpy array, taken as its raw bytes); `out_len` bytes of
    extendable output (32 = the standard digest)."""
    if out_len < 0:
        raise ValueError("out_len must be non-negative")
    out = np.empty(16 * ((out_len + 63) // 64), np.uint32)
    if not isinstance(data, bytes) or len(data) > CHUNK_LEN:
        b = _as_bytes_array(data)
        if b.size > CHUNK_LEN:
            _long_root(b, out)
            return out.tobytes()[:out_len]
        data = b.tobytes()
    # at most one chunk (the transcript's case): one small kernel call, no numpy detour
    _single_chunk_root(np.frombuffer(data.ljust(CHUNK_LEN, b"\0"), np.uint32), len(data), out)
    return out.tobytes()[:out_len]

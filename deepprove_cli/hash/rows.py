"""Merkle fast paths: leaf digests of matrix rows and 2-to-1 node compression, in parallel lanes.

Digest layout, used everywhere digests are arrays: a digest is 8 uint32 words, little-endian,
so `digests[i].tobytes()` (on a little-endian host) is the standard 32-byte BLAKE3 digest;
n digests are a C-contiguous (n, 8) uint32 array. `to_bytes` / `from_bytes` convert.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.hash.blake3 import merge_to_pair
from deepprove_cli.hash.compress import CHUNK_LEN, CHUNK_WORDS
from deepprove_cli.hash.lanes import hash_chunks, hash_parents


def to_bytes(digest: np.ndarray) -> bytes:
    """One digest (8,) uint32 -> its 32 bytes."""
    return np.ascontiguousarray(digest, dtype="<u4").tobytes()


def from_bytes(b: bytes) -> np.ndarray:
    """32 bytes -> one digest (8,) uint32."""
    if len(b) != 32:
        raise ValueError(f"a digest is 32 bytes, got {len(b)}")
    return np.frombuffer(bytes(b), dtype="<u4").astype(np.uint32)


def hash_rows(matrix: np.ndarray) -> np.ndarray:
    """Leaf digests: row i -> BLAKE3 of its elements as little-endian u32 bytes. (n, c) uint32 -> (n, 8).

    Rows of more than 256 elements span several chunks: each chunk position is hashed across all
    rows at once, then the rows' chunk trees are merged level by level, still across all rows.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.dtype != np.uint32:
        raise TypeError(f"hash_rows takes a 2-D uint32 matrix, got {matrix.ndim}-D {matrix.dtype}")
    words = np.ascontiguousarray(matrix).reshape(-1)
    n_rows, n_cols = matrix.shape
    row_bytes = 4 * n_cols
    out = np.empty((n_rows, 8), np.uint32)
    if n_rows == 0:
        return out
    if row_bytes <= CHUNK_LEN:
        return hash_chunks(words, 0, n_cols, n_rows, row_bytes, 0, 0, True, out)
    n_chunks = (row_bytes + CHUNK_LEN - 1) // CHUNK_LEN
    cvs = np.empty((n_rows, n_chunks, 8), np.uint32)
    chunk_cvs = np.empty((n_rows, 8), np.uint32)
    for j in range(n_chunks):
        chunk_len = min(CHUNK_LEN, row_bytes - j * CHUNK_LEN)
        cvs[:, j] = hash_chunks(words, j * CHUNK_WORDS, n_cols, n_rows, chunk_len, j, 0, False, chunk_cvs)
    return hash_parents(merge_to_pair(cvs).reshape(-1, 8), True, out)


def compress_pairs(digests: np.ndarray) -> np.ndarray:
    """Merkle node hash of consecutive pairs: out[i] = BLAKE3(d[2i] || d[2i+1]). (2n, 8) -> (n, 8)."""
    digests = np.asarray(digests)
    if digests.ndim != 2 or digests.shape[1] != 8 or digests.shape[0] % 2 or digests.dtype != np.uint32:
        raise TypeError(f"compress_pairs takes (2n, 8) uint32 digests, got {digests.shape} {digests.dtype}")
    n = digests.shape[0] // 2
    out = np.empty((n, 8), np.uint32)
    if n == 0:
        return out
    return hash_chunks(np.ascontiguousarray(digests).reshape(-1), 0, 16, n, 64, 0, 0, True, out)

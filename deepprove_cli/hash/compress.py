"""The BLAKE3 compression function as scalar Numba code: the one primitive every hash path calls.

The 16-word state and the 16 message words travel as tuples of uint32 scalars, so after LLVM
inlines `_g`, `_round` and `_permute` the state lives in registers and the 7 rounds are straight-line
code (no arrays, no loops). `compress` is inlined into its callers at the Numba IR level. Numba widens uint32 arithmetic to 64 bits; every result is truncated
back with `np.uint32(...)`, which LLVM folds into plain 32-bit adds and rotates.

When a caller runs `compress` inside an innermost loop over independent lanes (chunks, rows,
node pairs), LLVM vectorizes that loop: this is how the CPU kernels use AVX2/AVX-512.

Numba's cache does not notice when an inlined callee changes: after editing this module, delete
`deepprove_cli/hash/__pycache__` so the kernels that inline it recompile.
"""

from __future__ import annotations

import numpy as np
from numba import njit

IV = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
               0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], dtype=np.uint32)

# Domain flags of the compression function (BLAKE3 spec, section 2.1).
CHUNK_START = 1
CHUNK_END = 2
PARENT = 4
ROOT = 8

BLOCK_LEN = 64
CHUNK_LEN = 1024
BLOCK_WORDS = 16
CHUNK_WORDS = 256
BLOCKS_PER_CHUNK = 16
OUT_WORDS = 8

# Message permutation applied between rounds (spec, section 2.2).
MSG_PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)

_IV0, _IV1, _IV2, _IV3 = (np.uint32(x) for x in IV[:4])


@njit(cache=True)
def _rotr(x, n):
    """Rotate a uint32 right by n (0 < n < 32)."""
    x = np.uint32(x)
    return np.uint32((x >> np.uint32(n)) | (x << np.uint32(32 - n)))


@njit(cache=True)
def _g(a, b, c, d, x, y):
    """The quarter-round mixing function G on four state words and two message words."""
    a = np.uint32(a + b + x)
    d = _rotr(d ^ a, 16)
    c = np.uint32(c + d)
    b = _rotr(b ^ c, 12)
    a = np.uint32(a + b + y)
    d = _rotr(d ^ a, 8)
    c = np.uint32(c + d)
    b = _rotr(b ^ c, 7)
    return a, b, c, d


@njit(cache=True)
def _round(v, m):
    """One round: G on the four columns, then on the four diagonals."""
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = v
    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = m
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m0, m1)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m2, m3)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m4, m5)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m6, m7)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m8, m9)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m10, m11)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m12, m13)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m14, m15)
    return (v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15)


@njit(cache=True)
def _permute(m):
    """The message schedule between rounds: new m[i] = m[MSG_PERMUTATION[i]]."""
    return (m[2], m[6], m[3], m[10], m[7], m[0], m[4], m[13],
            m[1], m[11], m[12], m[5], m[9], m[14], m[15], m[8])


@njit(cache=True, inline="always")
def compress(cv, m, counter, block_len, flags):
    """BLAKE3 compression of one 64-byte block.

    cv: 8-tuple of uint32 (chaining value), m: 16-tuple of uint32 (message words, little-endian),
    counter: uint64 (chunk index, or output block index in XOF mode), block_len: bytes in the block
    (0..64), flags: domain flags. Returns the full 16-word output; the new chaining value is the
    first 8 words (unused words cost nothing once inlined).
    """
    c0, c1, c2, c3, c4, c5, c6, c7 = cv
    counter = np.uint64(counter)
    v = (c0, c1, c2, c3, c4, c5, c6, c7, _IV0, _IV1, _IV2, _IV3,
         np.uint32(counter & np.uint64(0xFFFFFFFF)), np.uint32(counter >> np.uint64(32)),
         np.uint32(block_len), np.uint32(flags))
    # The seven rounds, written out (a loop would keep LLVM from flattening them); round r uses
    # the message permuted r times.
    m1 = _permute(m)
    m2 = _permute(m1)
    m3 = _permute(m2)
    m4 = _permute(m3)
    m5 = _permute(m4)
    m6 = _permute(m5)
    v = _round(_round(_round(_round(_round(_round(_round(v, m), m1), m2), m3), m4), m5), m6)
    return (v[0] ^ v[8], v[1] ^ v[9], v[2] ^ v[10], v[3] ^ v[11],
            v[4] ^ v[12], v[5] ^ v[13], v[6] ^ v[14], v[7] ^ v[15],
            v[8] ^ c0, v[9] ^ c1, v[10] ^ c2, v[11] ^ c3,
            v[12] ^ c4, v[13] ^ c5, v[14] ^ c6, v[15] ^ c7)

"""Streaming leaf hashes: BLAKE3 of every row of a matrix whose columns arrive a few at a time.

A batch-tree leaf is the BLAKE3 hash of one row: a window of every column of a group, side by
side (layout.py). Computing the rows needs every column's codeword at once, which for the model's
weights is gigabytes. This hasher instead takes the row words in order, a slab of columns at a
time, and keeps per row only what BLAKE3 itself keeps: the chaining value of the current chunk,
the words of an unfinished 64-byte block, and the chaining values of finished 1 KiB chunks. The
digests are exactly `hash.rows.hash_rows` of the whole matrix (tested against it).

The rows of a level all have the same length, so block boundaries, flags and chunk counters are
the same for every row: one compression per block runs across 16 rows at once (the lanes of
`hash.lanes`, whose vectorized compression loop is reused here).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.parallel import threads_for
from deepprove_cli.hash.blake3 import merge_to_pair
from deepprove_cli.hash.compress import CHUNK_END, CHUNK_START, CHUNK_WORDS, IV, ROOT
from deepprove_cli.hash.lanes import LANES, _compress_lanes, hash_parents

_MSG = 8 * LANES           # the lane buffer of hash.lanes: 8 rows of chaining values, then 16 of message
_BUF_WORDS = 24 * LANES
_IV_T = tuple(np.uint32(x) for x in IV)


@njit(cache=True, inline="always")
def _word(src, r, k):
    """Word k of row r's slab: src is (A, rows, W), the slab of row r is src[:, r, :] flattened."""
    w = src.shape[2]
    return src[k // w, r, k % w]


@njit(cache=True)
def _absorb_group(g, cv, pend, fill, src, b0, total, n_chunks, chunk_cvs, final):
    """Rows g*LANES.. : compress the blocks completed by pend[:, :fill] + the slab's words (block
    index b0 on), the last partial one too if `final`; leave the rest in pend."""
    rows = cv.shape[0]
    r0 = g * LANES
    nl = min(LANES, rows - r0)
    m = src.shape[0] * src.shape[2]
    v = fill + m
    nb = v // 16
    if final and v > 16 * nb:
        nb += 1
    last = (total + 15) // 16 - 1
    buf = np.zeros(_BUF_WORDS, np.uint32)
    for k in range(8):
        for lane in range(nl):
            buf[k * LANES + lane] = cv[r0 + lane, k]
    for j in range(nb):
        for k in range(16):
            idx = 16 * j + k
            row = _MSG + k * LANES
            if idx < fill:
                for lane in range(nl):
                    buf[row + lane] = pend[r0 + lane, idx]
            elif idx < v:
                for lane in range(nl):
                    buf[row + lane] = _word(src, r0 + lane, idx - fill)
            else:
                for lane in range(nl):
                    buf[row + lane] = np.uint32(0)
        b = b0 + j
        chunk = b // 16
        end = b % 16 == 15 or b == last
        flags = (CHUNK_START if b % 16 == 0 else 0) | (CHUNK_END if end else 0) | \
            (ROOT if b == last and n_chunks == 1 else 0)
        _compress_lanes(buf, np.uint64(chunk), np.uint64(0), 4 * min(16, total - 16 * b), flags)
        if end and n_chunks > 1:
            for k in range(8):
                for lane in range(nl):
                    chunk_cvs[r0 + lane, chunk, k] = buf[k * LANES + lane]
                    buf[k * LANES + lane] = _IV_T[k]
    for k in range(8):
        for lane in range(nl):
            cv[r0 + lane, k] = buf[k * LANES + lane]
    if not final:
        if nb == 0:
            for lane in range(nl):
                for i in range(m):
                    pend[r0 + lane, fill + i] = _word(src, r0 + lane, i)
        else:
            for lane in range(nl):
                for i in range(v - 16 * nb):
                    pend[r0 + lane, i] = _word(src, r0 + lane, 16 * nb - fill + i)


@njit(cache=True, parallel=True)
def k_absorb(cv, pend, fill, src, b0, total, n_chunks, chunk_cvs, final):
    """All rows, 16 at a time (see _absorb_group)."""
    for g in prange((cv.shape[0] + LANES - 1) // LANES):
        _absorb_group(g, cv, pend, fill, src, b0, total, n_chunks, chunk_cvs, final)


class RowHasher:
    """BLAKE3 of `n_rows` rows of `width` uint32 words each, fed left to right in slabs."""

    def __init__(self, n_rows: int, width: int):
        if n_rows < 1 or width < 1:
            raise ValueError("RowHasher: needs at least one row of at least one word")
        self.n_rows, self.width = n_rows, width
        self.n_chunks = (width + CHUNK_WORDS - 1) // CHUNK_WORDS
        self.pos = 0            # words absorbed per row
        self.fill = 0           # of them, still in the pending block
        self.cv = np.tile(IV, (n_rows, 1))
        self.pend = np.zeros((n_rows, 16), np.uint32)
        self.chunk_cvs = np.zeros((n_rows, self.n_chunks if self.n_chunks > 1 else 0, 8), np.uint32)

    def absorb(self, mat: np.ndarray) -> None:
        """The next mat.shape[1] words of every row: (n_rows, m) uint32."""
        mat = np.asarray(mat)
        if mat.ndim != 2:
            raise ValueError(f"RowHasher: expected a (rows, words) matrix, got shape {mat.shape}")
        self._absorb(mat.reshape(1, *mat.shape))

    def absorb_columns(self, columns: np.ndarray, width: int) -> None:
        """The next windows of `width` words of every row, from column-major data: columns (A, n_rows
        width), row r taking columns[a, r width:(r + 1) width] for a = 0, 1, ... (no transpose copy)."""
        columns = np.asarray(columns)
        if columns.ndim != 2 or columns.shape[1] != self.n_rows * width:
            raise ValueError(f"RowHasher: columns of shape {columns.shape} do not hold {self.n_rows} windows of "
                             f"{width} words")
        self._absorb(columns.reshape(columns.shape[0], self.n_rows, width))

    def _absorb(self, src: np.ndarray) -> None:
        src = np.ascontiguousarray(src, dtype=np.uint32)
        m = src.shape[0] * src.shape[2]
        if src.shape[1] != self.n_rows or self.pos + m > self.width:
            raise ValueError(f"RowHasher: {m} words for {src.shape[1]} rows after {self.pos} of {self.width} "
                             f"words per row of {self.n_rows}")
        if m == 0:
            return
        src = src.view()
        src.flags.writeable = False  # one compiled specialization, whatever the caller's flags
        final = self.pos + m == self.width
        blocks_done = (self.pos - self.fill) // 16
        with threads_for(src.size):
            k_absorb(self.cv, self.pend, self.fill, src, blocks_done, self.width, self.n_chunks, self.chunk_cvs,
                     final)
        self.pos += m
        self.fill = 0 if final else (self.fill + m) % 16

    def digests(self) -> np.ndarray:
        """(n_rows, 8): the rows' BLAKE3 digests (every word absorbed)."""
        if self.pos != self.width:
            raise ValueError(f"RowHasher: {self.pos} of {self.width} words absorbed")
        if self.n_chunks == 1:
            return self.cv.copy()
        pair = merge_to_pair(self.chunk_cvs).reshape(-1, 8)
        return hash_parents(pair, True, np.empty((self.n_rows, 8), np.uint32))

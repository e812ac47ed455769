"""CPU kernel: BLAKE3 chunk (or parent) chaining values of many independent messages at once.

Every hot BLAKE3 job in the toolchain is a batch of equally shaped messages: the 1 KiB chunks of
a long input, the rows of a committed matrix, the node pairs of a Merkle layer, the parents of a
BLAKE3 tree level. `hash_messages` runs such a batch in groups of `LANES` messages; the state of a
group is 8 lane-contiguous rows and each block is compressed by one loop over the lanes, with the
compression inlined, which LLVM turns into AVX2/AVX-512 code (one lane per vector slot).
Groups run in parallel (prange) when the batch is big enough to pay for waking the threads.

Message i is `msg_len` bytes (0..1024) of the uint32 array `words` starting at word
`first + i * stride` (bytes past msg_len inside its last word must be zero); its counter is
`counter0 + i * counter_step`. Index arithmetic is unsigned on purpose: Numba then emits no
negative-index fix-up, so LLVM sees affine addresses and vectorizes the loads (with signed
indices it gives up: "cannot identify array bounds").
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.hash.compress import BLOCK_LEN, CHUNK_END, CHUNK_START, IV, PARENT, ROOT, compress

LANES = 16

_IV_T = tuple(np.uint32(x) for x in IV)


# A group's working buffer: rows 0..7 hold the chaining values, rows 8..23 the staged block, each
# row LANES words (lane-contiguous). One flat buffer with compile-time row distances lets LLVM prove
# the lanes independent; separate or 2-D arrays have runtime strides and block vectorization.
_CV = 0
_MSG = 8 * LANES
_BUF_WORDS = 24 * LANES


@njit(cache=True)
def _stage_block(buf, words, base, stride, nl, n_words):
    """Copy one block of each lane into the buffer's message rows (zeros past n_words: the padding)."""
    for k in range(16):
        row = _MSG + k * LANES
        if k < n_words:
            off = base + np.uint64(k)
            for lane in range(nl):
                buf[row + lane] = words[off + np.uint64(lane) * stride]
        else:
            for lane in range(nl):
                buf[row + lane] = np.uint32(0)


@njit(cache=True)
def _compress_lanes(buf, counter0, counter_step, block_len, flags):
    """Compress the staged block of every lane into its chaining value.

    Always all LANES lanes: a constant trip count is what lets LLVM vectorize this loop (with a
    runtime count it refuses); lanes past the batch's end hash stale buffer words, never read.
    """
    for lane in range(LANES):
        cv = (buf[lane], buf[LANES + lane], buf[2 * LANES + lane], buf[3 * LANES + lane],
              buf[4 * LANES + lane], buf[5 * LANES + lane], buf[6 * LANES + lane], buf[7 * LANES + lane])
        m = (buf[_MSG + lane], buf[_MSG + LANES + lane], buf[_MSG + 2 * LANES + lane],
             buf[_MSG + 3 * LANES + lane], buf[_MSG + 4 * LANES + lane], buf[_MSG + 5 * LANES + lane],
             buf[_MSG + 6 * LANES + lane], buf[_MSG + 7 * LANES + lane], buf[_MSG + 8 * LANES + lane],
             buf[_MSG + 9 * LANES + lane], buf[_MSG + 10 * LANES + lane], buf[_MSG + 11 * LANES + lane],
             buf[_MSG + 12 * LANES + lane], buf[_MSG + 13 * LANES + lane], buf[_MSG + 14 * LANES + lane],
             buf[_MSG + 15 * LANES + lane])
        out = compress(cv, m, counter0 + np.uint64(lane) * counter_step, block_len, flags)
        buf[lane] = out[0]
        buf[LANES + lane] = out[1]
        buf[2 * LANES + lane] = out[2]
        buf[3 * LANES + lane] = out[3]
        buf[4 * LANES + lane] = out[4]
        buf[5 * LANES + lane] = out[5]
        buf[6 * LANES + lane] = out[6]
        buf[7 * LANES + lane] = out[7]


@njit(cache=True)
def _hash_group(g, words, first, stride, n_msgs, msg_len, counter0, counter_step, flags, out):
    """Messages g * LANES ... (at most LANES of them) -> their chaining values in out.

    flags = (first block, middle blocks, last block, single-block message).
    """
    i0 = g * LANES
    nl = min(LANES, n_msgs - i0)
    base = first + np.uint64(i0) * stride
    counter_base = counter0 + np.uint64(i0) * counter_step
    buf = np.zeros(_BUF_WORDS, np.uint32)
    for k in range(8):
        for lane in range(nl):
            buf[_CV + k * LANES + lane] = _IV_T[k]
    n_blocks = max(1, (msg_len + BLOCK_LEN - 1) // BLOCK_LEN)  # the empty message is one empty block
    for b in range(n_blocks):
        start = b * BLOCK_LEN
        block_len = min(BLOCK_LEN, msg_len - start)
        if n_blocks == 1:
            f = flags[3]
        elif b == 0:
            f = flags[0]
        elif b == n_blocks - 1:
            f = flags[2]
        else:
            f = flags[1]
        _stage_block(buf, words, base + np.uint64(start // 4), stride, nl, (block_len + 3) // 4)
        _compress_lanes(buf, counter_base, counter_step, block_len, f)
    for lane in range(nl):
        for k in range(8):
            out[i0 + lane, k] = buf[_CV + k * LANES + lane]


@njit(cache=True)
def _hash_messages_serial(words, first, stride, n_msgs, msg_len, counter0, counter_step, flags, out):
    for g in range((n_msgs + LANES - 1) // LANES):
        _hash_group(g, words, first, stride, n_msgs, msg_len, counter0, counter_step, flags, out)


@njit(cache=True, parallel=True)
def _hash_messages_parallel(words, first, stride, n_msgs, msg_len, counter0, counter_step, flags, out):
    for g in prange((n_msgs + LANES - 1) // LANES):
        _hash_group(g, words, first, stride, n_msgs, msg_len, counter0, counter_step, flags, out)


# Below this many compressions a batch runs on the calling thread: waking the thread pool costs
# more than the work (and milliseconds when the machine is busy).
PARALLEL_MIN_BLOCKS = 1 << 12


def hash_messages(words: np.ndarray, first: int, stride: int, n_msgs: int, msg_len: int, counter0: int,
                  counter_step: int, flags: tuple, out: np.ndarray) -> np.ndarray:
    """out[i] = chaining value (8 words) of message i; see the module docstring for the layout.

    flags: (first block, middle blocks, last block, single-block message), with CHUNK_START/END,
    PARENT and ROOT folded in by the caller. words: C-contiguous uint32; out: (n_msgs, 8) uint32.
    """
    words = words.view()
    words.flags.writeable = False  # one compiled specialization for every caller
    args = (words, np.uint64(first), np.uint64(stride), n_msgs, msg_len, np.uint64(counter0),
            np.uint64(counter_step), tuple(int(f) for f in flags), out)
    if n_msgs * max(1, (msg_len + BLOCK_LEN - 1) // BLOCK_LEN) >= PARALLEL_MIN_BLOCKS:
        _hash_messages_parallel(*args)
    else:
        _hash_messages_serial(*args)
    return out


def hash_chunks(words: np.ndarray, first: int, stride: int, n: int, msg_len: int, counter0: int,
                counter_step: int, root: bool, out: np.ndarray) -> np.ndarray:
    """Chunk chaining values (or, with root, the 32-byte hashes) of n single-chunk messages.

    words: C-contiguous uint32; message i = msg_len bytes (0..1024) from word first + i * stride,
    bytes past msg_len inside its last word must be zero. out: (n, 8) uint32, returned.
    """
    end = CHUNK_END | (ROOT if root else 0)
    return hash_messages(words, first, stride, n, msg_len, counter0, counter_step,
                         (CHUNK_START, 0, end, CHUNK_START | end), out)


def hash_parents(children: np.ndarray, root: bool, out: np.ndarray) -> np.ndarray:
    """Parent chaining values of consecutive child pairs: children (2n, 8) uint32 -> out (n, 8)."""
    flags = PARENT | (ROOT if root else 0)
    words = np.ascontiguousarray(children, dtype=np.uint32).reshape(-1)
    return hash_messages(words, 0, 16, words.size // 16, 64, 0, 0, (flags,) * 4, out)

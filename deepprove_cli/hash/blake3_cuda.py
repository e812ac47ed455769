"""CUDA twins of the Merkle fast paths: leaf digests of matrix rows and layer compression on the GPU,
byte for byte the same as `hash.rows` / `hash.merkle` on the CPU.

One thread hashes one row (a full BLAKE3: chunks, and for rows over 256 elements the chunk tree,
merged with the usual stack of chaining values in local memory). A Merkle node is the hash of a
16-word row (left || right), so layer compression is the same kernel on the digest array.

The compression function is not written twice: `compress.py`'s Python source is compiled again
as CUDA device functions (`_device` rebinds its globals to the device versions), so the CPU and
GPU code cannot drift apart. Importing this module compiles nothing; kernels compile on first use.
"""

from __future__ import annotations

import types

import numpy as np
from numba import config, cuda

from deepprove_cli.hash import compress as _cpu
from deepprove_cli.hash.compress import BLOCK_LEN, CHUNK_END, CHUNK_START, CHUNK_WORDS, PARENT, ROOT

THREADS_PER_BLOCK = 128
# Device functions are inlined at the NVVM level (the simulator does not take the option).
_device_jit = cuda.jit(device=True) if config.ENABLE_CUDASIM else cuda.jit(device=True, forceinline=True)
_STACK_DEPTH = 54  # log2 of the largest chunk count a row can have (2^64 bytes / 1 KiB)


def _device(fn, namespace: dict):
    """The Python source of an njit function from compress.py as a CUDA device function whose global
    names resolve in `namespace` (where the other device functions live)."""
    py = fn.py_func
    clone = types.FunctionType(py.__code__, namespace, py.__name__, py.__defaults__, py.__closure__)
    return _device_jit(clone)


_NS = dict(vars(_cpu))
for _name in ("_rotr", "_g", "_round", "_permute", "compress"):
    _NS[_name] = _device(getattr(_cpu, _name), _NS)
_compress = _NS["compress"]

_IV_T = tuple(np.uint32(x) for x in _cpu.IV)


@_device_jit
def _word(words, off, k, n_words):
    """Word k of a block at off, or 0 past the message's n_words (the block's zero padding)."""
    return words[off + k] if k < n_words else np.uint32(0)


@_device_jit
def _block(words, off, n_words):
    return (_word(words, off, 0, n_words), _word(words, off, 1, n_words), _word(words, off, 2, n_words),
            _word(words, off, 3, n_words), _word(words, off, 4, n_words), _word(words, off, 5, n_words),
            _word(words, off, 6, n_words), _word(words, off, 7, n_words), _word(words, off, 8, n_words),
            _word(words, off, 9, n_words), _word(words, off, 10, n_words), _word(words, off, 11, n_words),
            _word(words, off, 12, n_words), _word(words, off, 13, n_words), _word(words, off, 14, n_words),
            _word(words, off, 15, n_words))


@_device_jit
def _cv8(o):
    return (o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7])


@_device_jit
def _chunk_cv(words, start, n_words, counter, root):
    """Chaining value of the chunk of n_words words (<= 256) at start; ROOT on its last block if root."""
    cv = _IV_T
    n_blocks = max(1, (n_words + 15) // 16)
    for b in range(n_blocks):
        left = n_words - 16 * b
        flags = CHUNK_START if b == 0 else 0
        if b == n_blocks - 1:
            flags |= CHUNK_END | (ROOT if root else 0)
        cv = _cv8(_compress(cv, _block(words, start + 16 * b, left), counter, min(BLOCK_LEN, 4 * left), flags))
    return cv


@_device_jit
def _parent(left, right, flags):
    return _cv8(_compress(_IV_T, left + right, 0, BLOCK_LEN, flags))


@_device_jit
def _push(stack, d, cv):
    for k in range(8):
        stack[d, k] = cv[k]


@_device_jit
def _top(stack, d):
    return (stack[d, 0], stack[d, 1], stack[d, 2], stack[d, 3], stack[d, 4], stack[d, 5], stack[d, 6], stack[d, 7])


@_device_jit
def _digest(words, start, n_words, stack):
    """BLAKE3 digest (8 words) of the n_words-word message at start."""
    n_chunks = max(1, (n_words + CHUNK_WORDS - 1) // CHUNK_WORDS)
    if n_chunks == 1:
        return _chunk_cv(words, start, n_words, 0, True)
    depth = 0
    for j in range(n_chunks - 1):  # every chunk but the last: merge completed subtrees eagerly
        cv = _chunk_cv(words, start + CHUNK_WORDS * j, CHUNK_WORDS, j, False)
        done = j + 1
        while done & 1 == 0:
            depth -= 1
            cv = _parent(_top(stack, depth), cv, PARENT)
            done >>= 1
        _push(stack, depth, cv)
        depth += 1
    last = n_chunks - 1
    cv = _chunk_cv(words, start + CHUNK_WORDS * last, n_words - CHUNK_WORDS * last, last, False)
    while depth > 0:  # the last chunk closes every open subtree; the final parent is the root
        depth -= 1
        cv = _parent(_top(stack, depth), cv, PARENT | (ROOT if depth == 0 else 0))
    return cv


@cuda.jit
def _hash_rows_kernel(words, n_rows, n_cols, out):
    row = cuda.grid(1)
    if row < n_rows:
        stack = cuda.local.array((_STACK_DEPTH, 8), np.uint32)
        d = _digest(words, np.int64(row) * n_cols, n_cols, stack)
        for k in range(8):
            out[row, k] = d[k]


def hash_rows_device(d_matrix):
    """Leaf digests on the GPU: device (n, c) uint32 -> device (n, 8) uint32 (same as rows.hash_rows)."""
    n_rows, n_cols = d_matrix.shape
    d_out = cuda.device_array((n_rows, 8), dtype=np.uint32)
    if n_rows:
        blocks = (n_rows + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        _hash_rows_kernel[blocks, THREADS_PER_BLOCK](d_matrix.reshape(n_rows * n_cols), n_rows, n_cols, d_out)
    return d_out


def compress_pairs_device(d_digests):
    """Merkle node hashes on the GPU: device (2n, 8) -> device (n, 8) (same as rows.compress_pairs)."""
    n = d_digests.shape[0] // 2
    return hash_rows_device(d_digests.reshape(n, 16))


def merkle_layers(matrix: np.ndarray) -> list:
    """All Merkle layers of a host matrix computed on the GPU, returned as host arrays (leaves first)."""
    d = hash_rows_device(cuda.to_device(np.ascontiguousarray(matrix, dtype=np.uint32)))
    layers = [d]
    while layers[-1].shape[0] > 1:
        layers.append(compress_pairs_device(layers[-1]))
    return [layer.copy_to_host() for layer in layers]

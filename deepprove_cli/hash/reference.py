"""Slow, obviously correct pure-Python BLAKE3 and Merkle roots, written from the spec: the reference
the Numba and CUDA kernels are tested against (alongside the `blake3` package as an oracle).

The tree is built recursively (left subtree = largest power of two chunks that leaves at least
one byte to the right), as the spec states it, not by the kernels' level-by-level pairing.
"""

from __future__ import annotations

MASK = 0xFFFFFFFF
IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]
PERM = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8
BLOCK_LEN, CHUNK_LEN = 64, 1024


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & MASK


def _g(s: list, a: int, b: int, c: int, d: int, x: int, y: int) -> None:
    s[a] = (s[a] + s[b] + x) & MASK
    s[d] = _rotr(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotr(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b] + y) & MASK
    s[d] = _rotr(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotr(s[b] ^ s[c], 7)


def compress(cv: list, block_words: list, counter: int, block_len: int, flags: int) -> list:
    """The compression function: 16 output words (the first 8 are the new chaining value)."""
    s = list(cv) + IV[:4] + [counter & MASK, (counter >> 32) & MASK, block_len, flags]
    m = list(block_words)
    for r in range(7):
        _g(s, 0, 4, 8, 12, m[0], m[1])
        _g(s, 1, 5, 9, 13, m[2], m[3])
        _g(s, 2, 6, 10, 14, m[4], m[5])
        _g(s, 3, 7, 11, 15, m[6], m[7])
        _g(s, 0, 5, 10, 15, m[8], m[9])
        _g(s, 1, 6, 11, 12, m[10], m[11])
        _g(s, 2, 7, 8, 13, m[12], m[13])
        _g(s, 3, 4, 9, 14, m[14], m[15])
        if r < 6:
            m = [m[PERM[i]] for i in range(16)]
    return [s[i] ^ s[i + 8] for i in range(8)] + [s[i + 8] ^ cv[i] for i in range(8)]


def words_le(block: bytes) -> list:
    """A block (<= 64 bytes) zero-padded to 16 little-endian words."""
    block = block.ljust(BLOCK_LEN, b"\0")
    return [int.from_bytes(block[4 * i:4 * i + 4], "little") for i in range(16)]


def _chunk_node(chunk: bytes, counter: int) -> tuple:
    """The chunk's last compression as a node (cv, words, counter, block_len, flags), ROOT not set."""
    blocks = [chunk[i:i + BLOCK_LEN] for i in range(0, len(chunk), BLOCK_LEN)] or [b""]
    cv = IV
    for i, blk in enumerate(blocks):
        flags = (CHUNK_START if i == 0 else 0) | (CHUNK_END if i == len(blocks) - 1 else 0)
        if i == len(blocks) - 1:
            return (cv, words_le(blk), counter, len(blk), flags)
        cv = compress(cv, words_le(blk), counter, len(blk), flags)[:8]
    raise AssertionError("unreachable")


def _node(data: bytes, first_chunk: int) -> tuple:
    """The root compression (not yet flagged ROOT) of the subtree over `data`."""
    if len(data) <= CHUNK_LEN:
        return _chunk_node(data, first_chunk)
    n_chunks = (len(data) + CHUNK_LEN - 1) // CHUNK_LEN
    left_chunks = 1 << ((n_chunks - 1).bit_length() - 1)
    split = left_chunks * CHUNK_LEN
    left = _cv(_node(data[:split], first_chunk))
    right = _cv(_node(data[split:], first_chunk + left_chunks))
    return (IV, left + right, 0, BLOCK_LEN, PARENT)


def _cv(node: tuple) -> list:
    return compress(*node)[:8]


def chunk_cv(chunk: bytes, counter: int, root: bool = False) -> list:
    """Chaining value (8 words) of one chunk (<= 1024 bytes) at the given chunk counter."""
    cv, words, counter, block_len, flags = _chunk_node(bytes(chunk), counter)
    return compress(cv, words, counter, block_len, flags | (ROOT if root else 0))[:8]


def parent_cv(left: list, right: list, root: bool = False) -> list:
    """Chaining value of a parent node over two child chaining values."""
    return compress(IV, list(left) + list(right), 0, BLOCK_LEN, PARENT | (ROOT if root else 0))[:8]


def blake3(data: bytes, out_len: int = 32) -> bytes:
    """BLAKE3 of data (unkeyed), out_len bytes of extendable output."""
    cv, words, _, block_len, flags = _node(bytes(data), 0)
    out = b""
    t = 0
    while len(out) < out_len:
        out += b"".join(w.to_bytes(4, "little") for w in compress(cv, words, t, block_len, flags | ROOT))
        t += 1
    return out[:out_len]


def row_digest(row) -> bytes:
    """Merkle leaf: BLAKE3 of a row of field elements as little-endian u32 bytes."""
    return blake3(b"".join(int(x).to_bytes(4, "little") for x in row))


def merkle_root(rows) -> bytes:
    """Root of the Merkle tree over rows (a power-of-two count): node = BLAKE3(left || right)."""
    layer = [row_digest(r) for r in rows]
    while len(layer) > 1:
        layer = [blake3(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]

"""SentencePiece (Gemma-3, LLaMA-1/2 vocabularies): llama.cpp's greedy bigram merge by score.

The text (spaces already escaped to U+2581) starts as one symbol per UTF-8 character. Every adjacent
pair whose concatenation is a token is queued with that token's score; the best pair (highest score,
then leftmost) merges, and the new symbol's two neighbour pairs are queued. Stale queue entries are
recognised by size, as in llama.cpp. Finally each symbol is its token, or its bytes as <0xNN> tokens.
There is no pre-tokenization: merges may cross spaces, so the whole text is one sequence.

`encode_reference` is the plain-Python transcription; `SpmKernel` runs the same algorithm as Numba
kernels over the UTF-8 bytes, looking substrings up in an open-addressing table of the token texts.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from deepprove_cli.errors import InputError

SPACE_MARK = "\u2581"
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


def byte_token_ids(vocab: dict[str, int]) -> np.ndarray:
    """For each byte: the <0xNN> token, else the one-byte token (ASCII), else -1 (llama.cpp's byte_to_token)."""
    out = np.full(256, -1, dtype=np.int32)
    for b in range(256):
        tid = vocab.get(f"<0x{b:02X}>")
        if tid is None and b < 0x80:
            tid = vocab.get(chr(b))
        if tid is not None:
            out[b] = tid
    return out


def _missing_byte(b: int) -> InputError:
    return InputError(f"the text has a character this vocabulary cannot encode (no token for byte 0x{b:02X})")


# ---- reference ----------------------------------------------------------------------------------

def encode_reference(text: str, vocab: dict[str, int], scores, byte_ids: np.ndarray) -> list[int]:
    """llama.cpp's `llm_tokenizer_spm_session::tokenize` on escaped text, in plain Python."""
    data = text.encode("utf-8")
    starts, sizes = [], []
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8"))
        starts.append(starts[-1] + sizes[-1] if starts else 0)
        sizes.append(n)
    count = len(starts)
    prv, nxt = list(range(-1, count - 1)), list(range(1, count)) + [-1]
    heap: list[tuple[float, int, int, int]] = []

    def add(left: int, right: int) -> None:
        if left < 0 or right < 0:
            return
        size = sizes[left] + sizes[right]
        tid = vocab.get(data[starts[left]:starts[left] + size].decode("utf-8"))
        if tid is not None:
            heapq.heappush(heap, (-float(scores[tid]), left, right, size))

    for i in range(count - 1):
        add(i, i + 1)
    while heap:
        _, left, right, size = heapq.heappop(heap)
        if sizes[left] == 0 or sizes[right] == 0 or sizes[left] + sizes[right] != size:
            continue
        sizes[left], sizes[right] = size, 0
        nxt[left] = nxt[right]
        if nxt[right] >= 0:
            prv[nxt[right]] = left
        add(prv[left], left)
        add(left, nxt[left])
    out = []
    i = 0 if count else -1
    while i >= 0:
        piece = data[starts[i]:starts[i] + sizes[i]]
        tid = vocab.get(piece.decode("utf-8"))
        if tid is not None:
            out.append(tid)
        else:
            for b in piece:
                if byte_ids[b] < 0:
                    raise _missing_byte(b)
                out.append(int(byte_ids[b]))
        i = nxt[i]
    return out


# ---- kernels ------------------------------------------------------------------------------------

@njit(cache=True)
def _fnv1a(buf, start, end):
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
    return h


@njit(cache=True)
def _same(buf, start, end, blob, bstart, bend):
    if end - start != bend - bstart:
        return False
    for k in range(end - start):
        if buf[start + k] != blob[bstart + k]:
            return False
    return True


@njit(cache=True)
def build_table(blob, offsets, capacity):
    """Open-addressing table (power-of-two `capacity`) of token ids by text; a repeated text keeps its
    last id, as llama.cpp's map does."""
    slots = np.full(capacity, -1, dtype=np.int32)
    mask = np.uint64(capacity - 1)
    for t in range(len(offsets) - 1):
        a, b = offsets[t], offsets[t + 1]
        i = _fnv1a(blob, a, b) & mask
        while slots[i] >= 0 and not _same(blob, a, b, blob, offsets[slots[i]], offsets[slots[i] + 1]):
            i = (i + np.uint64(1)) & mask
        slots[i] = t
    return slots


@njit(cache=True)
def lookup(slots, blob, offsets, buf, start, end):
    """The token id whose text is buf[start:end], or -1."""
    mask = np.uint64(len(slots) - 1)
    i = _fnv1a(buf, start, end) & mask
    while slots[i] >= 0:
        t = slots[i]
        if _same(buf, start, end, blob, offsets[t], offsets[t + 1]):
            return t
        i = (i + np.uint64(1)) & mask
    return -1


@njit(cache=True)
def _order_key(score, left):
    """One int64 that sorts best-first: higher score, then smaller left. The float's bits are made
    monotone (u grows with the score; adding 0 turns -0.0 into 0.0, which llama.cpp's comparison
    treats as equal) and centred so the high half fits a signed 32-bit range."""
    u = np.int64(np.float32(score + np.float32(0.0)).view(np.uint32))
    u = (~u & 0xFFFFFFFF) if u & 0x80000000 else (u | 0x80000000)
    return ((0x7FFFFFFF - u) << 32) | left


@njit(cache=True)
def _heap_push(keys, sizes, n, key, size):
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= key:
            break
        keys[i], sizes[i] = keys[p], sizes[p]
        i = p
    keys[i], sizes[i] = key, size
    return n + 1


@njit(cache=True)
def _heap_pop(keys, sizes, n):
    """Remove the smallest key; returns (key, size, new n)."""
    key, size = keys[0], sizes[0]
    n -= 1
    last_k, last_s = keys[n], sizes[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= last_k:
            break
        keys[i], sizes[i] = keys[c], sizes[c]
        i = c
    keys[i], sizes[i] = last_k, last_s
    return key, size, n


@njit(cache=True)
def _try_bigram(buf, starts, sizes, left, right, slots, blob, offsets, scores, max_len, hk, hz, n):
    if left < 0 or right < 0:
        return n
    size = sizes[left] + sizes[right]
    if size > max_len:
        return n
    t = lookup(slots, blob, offsets, buf, starts[left], starts[left] + size)
    if t < 0:
        return n
    return _heap_push(hk, hz, n, _order_key(scores[t], left), size)


@njit(cache=True)
def spm_encode(buf, slots, blob, offsets, scores, byte_ids, max_len):
    """Token ids of the escaped UTF-8 text `buf`. Returns (ids, count, bad): bad >= 0 is a byte with
    no fallback token (count is then meaningless). A queued pair is (key, size); its right symbol is
    the left one's current neighbour, which is the one it was queued with whenever the size still fits."""
    nb = len(buf)
    starts = np.empty(nb, dtype=np.int64)
    sizes = np.empty(nb, dtype=np.int64)
    count, pos = 0, 0
    while pos < nb:  # one symbol per UTF-8 character (the length from the lead byte, as llama.cpp)
        hi = buf[pos] >> 4
        n = 1 if hi < 12 else (2 if hi < 14 else (3 if hi == 14 else 4))
        n = min(n, nb - pos)
        starts[count], sizes[count] = pos, n
        count += 1
        pos += n
    prv = np.arange(-1, count - 1, dtype=np.int64)
    nxt = np.arange(1, count + 1, dtype=np.int64)
    if count:
        nxt[count - 1] = -1
    cap = 3 * count + 1  # count - 1 seeds, at most 2 per merge, at most count - 1 merges
    hk = np.empty(cap, dtype=np.int64)
    hz = np.empty(cap, dtype=np.int64)
    hn = 0
    for i in range(count - 1):
        hn = _try_bigram(buf, starts, sizes, i, i + 1, slots, blob, offsets, scores, max_len, hk, hz, hn)
    while hn > 0:
        key, size, hn = _heap_pop(hk, hz, hn)
        left = key & 0xFFFFFFFF
        right = nxt[left]
        if sizes[left] == 0 or right < 0 or sizes[right] == 0 or sizes[left] + sizes[right] != size:
            continue
        sizes[left] = size
        sizes[right] = 0
        nxt[left] = nxt[right]
        if nxt[right] >= 0:
            prv[nxt[right]] = left
        hn = _try_bigram(buf, starts, sizes, prv[left], left, slots, blob, offsets, scores, max_len, hk, hz, hn)
        hn = _try_bigram(buf, starts, sizes, left, nxt[left], slots, blob, offsets, scores, max_len, hk, hz, hn)
    ids = np.empty(nb, dtype=np.int32)
    k = 0
    i = 0 if count else -1
    while i >= 0:
        a = starts[i]
        t = lookup(slots, blob, offsets, buf, a, a + sizes[i]) if sizes[i] <= max_len else -1
        if t >= 0:
            ids[k] = t
            k += 1
        else:
            for j in range(a, a + sizes[i]):
                if byte_ids[buf[j]] < 0:
                    return ids, 0, np.int64(buf[j])
                ids[k] = byte_ids[buf[j]]
                k += 1
        i = nxt[i]
    return ids, k, np.int64(-1)


class SpmKernel:
    """The vocabulary's lookup table, built once; `encode(escaped_text)` runs the kernel."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, scores: np.ndarray, byte_ids: np.ndarray):
        # Own writable copies: a read-only (memory-mapped) array would make Numba compile another version.
        self.blob = np.array(blob, dtype=np.uint8)
        self.offsets = np.array(offsets, dtype=np.int64)
        self.scores = np.array(scores, dtype=np.float32)
        self.byte_ids = np.array(byte_ids, dtype=np.int32)
        n = len(self.offsets) - 1
        capacity = 1 << max(4, (2 * n).bit_length())
        self.slots = build_table(self.blob, self.offsets, capacity)
        self.max_len = int(np.max(np.diff(self.offsets))) if n else 0

    def encode(self, text: str) -> list[int]:
        buf = np.frombuffer(bytearray(text.encode("utf-8")), dtype=np.uint8)
        ids, k, bad = spm_encode(buf, self.slots, self.blob, self.offsets, self.scores, self.byte_ids, self.max_len)
        if bad >= 0:
            raise _missing_byte(int(bad))
        return ids[:k].tolist()

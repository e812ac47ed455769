"""The lane kernel (many messages at once) and the level-by-level tree merge, against the reference."""

import numpy as np
import pytest

from deepprove_cli.hash import reference
from deepprove_cli.hash.blake3 import merge_to_pair
from deepprove_cli.hash.lanes import LANES, hash_chunks, hash_parents


def _message(words, first, stride, i, msg_len):
    start = first + i * stride
    return words[start:start + (msg_len + 3) // 4].astype("<u4").tobytes()[:msg_len]


@pytest.mark.parametrize("n", [1, LANES - 1, LANES, 2 * LANES + 3])
@pytest.mark.parametrize("msg_len", [0, 4, 60, 64, 68, 512, 1020, 1024])
def test_hash_chunks_vs_reference(n, msg_len, rng):
    stride = (msg_len + 3) // 4 + 5  # gaps between messages must not leak into the hash
    first = 3
    words = rng.integers(0, 1 << 32, first + n * stride + 8, dtype=np.uint32)
    counter0, step = int(rng.integers(0, 1 << 40)), 7
    for root in (False, True):
        out = hash_chunks(words, first, stride, n, msg_len, counter0, step, root, np.empty((n, 8), np.uint32))
        for i in range(n):
            msg = _message(words, first, stride, i, msg_len)
            want = reference.chunk_cv(msg, counter0 + i * step, root)
            assert [int(x) for x in out[i]] == want, (i, root)


def test_partial_last_word_is_padded(rng):
    """A message whose length is not a multiple of 4 reads only its own bytes of the last word."""
    words = np.zeros(16, np.uint32)
    words.view(np.uint8)[:5] = [1, 2, 3, 4, 5]
    out = hash_chunks(words, 0, 16, 1, 5, 0, 0, True, np.empty((1, 8), np.uint32))
    assert [int(x) for x in out[0]] == reference.chunk_cv(bytes([1, 2, 3, 4, 5]), 0, True)


@pytest.mark.parametrize("n", [1, 5, LANES + 1])
def test_hash_parents_vs_reference(n, rng):
    children = rng.integers(0, 1 << 32, (2 * n, 8), dtype=np.uint32)
    for root in (False, True):
        out = hash_parents(children, root, np.empty((n, 8), np.uint32))
        for i in range(n):
            want = reference.parent_cv(children[2 * i].tolist(), children[2 * i + 1].tolist(), root)
            assert out[i].tolist() == want


def _reference_pair(cvs):
    """BLAKE3's tree over m chunk CVs, recursively (left = largest power of two < m): the root's children."""
    def subtree(lo, hi):
        if hi - lo == 1:
            return cvs[lo]
        left = 1 << ((hi - lo - 1).bit_length() - 1)
        return reference.parent_cv(subtree(lo, lo + left), subtree(lo + left, hi))

    m = len(cvs)
    left = 1 << ((m - 1).bit_length() - 1)
    return [subtree(0, left), subtree(left, m)]


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17])
def test_merge_to_pair_is_blake3_tree(m, rng):
    cvs = rng.integers(0, 1 << 32, (3, m, 8), dtype=np.uint32)
    got = merge_to_pair(cvs)
    assert got.shape == (3, 2, 8)
    for r in range(3):
        assert got[r].tolist() == _reference_pair(cvs[r].tolist())


@pytest.mark.parametrize("threshold", [0, 10**12])
def test_serial_and_parallel_paths_agree(threshold, monkeypatch, rng):
    from deepprove_cli.hash import lanes

    monkeypatch.setattr(lanes, "PARALLEL_MIN_BLOCKS", threshold)
    n, msg_len, stride = 3 * LANES + 5, 200, 61
    words = rng.integers(0, 1 << 32, n * stride, dtype=np.uint32)
    out = hash_chunks(words, 0, stride, n, msg_len, 5, 1, False, np.empty((n, 8), np.uint32))
    for i in (0, LANES, n - 1):
        assert out[i].tolist() == reference.chunk_cv(_message(words, 0, stride, i, msg_len), 5 + i)

"""Merkle leaves (hash_rows) and nodes (compress_pairs) against the reference and the oracle."""

import blake3 as oracle
import numpy as np
import pytest

from deepprove_cli.hash import reference
from deepprove_cli.hash.rows import compress_pairs, from_bytes, hash_rows, to_bytes


@pytest.mark.parametrize("n_cols", [1, 2, 7, 8, 16, 17, 255, 256, 257, 300])
@pytest.mark.parametrize("n_rows", [1, 3, 17])
def test_hash_rows_vs_reference(n_rows, n_cols, rng):
    m = rng.integers(0, 2013265921, (n_rows, n_cols), dtype=np.uint32)
    d = hash_rows(m)
    assert d.shape == (n_rows, 8) and d.dtype == np.uint32
    for i in range(n_rows):
        assert to_bytes(d[i]) == reference.row_digest(m[i])


@pytest.mark.parametrize("n_cols", [512, 513, 1000, 1024, 2049])
def test_multi_chunk_rows_vs_oracle(n_cols, rng):
    m = rng.integers(0, 1 << 32, (19, n_cols), dtype=np.uint32)
    d = hash_rows(m)
    for i in range(m.shape[0]):
        assert to_bytes(d[i]) == oracle.blake3(m[i].astype("<u4").tobytes()).digest()


def test_hash_rows_non_contiguous_input(rng):
    m = rng.integers(0, 1 << 32, (8, 12), dtype=np.uint32)
    view = m[:, ::2]
    d = hash_rows(view)
    for i in range(8):
        assert to_bytes(d[i]) == oracle.blake3(np.ascontiguousarray(view[i]).tobytes()).digest()


def test_empty_matrices():
    assert hash_rows(np.zeros((0, 8), np.uint32)).shape == (0, 8)
    assert to_bytes(hash_rows(np.zeros((1, 0), np.uint32))[0]) == oracle.blake3(b"").digest()
    assert compress_pairs(np.zeros((0, 8), np.uint32)).shape == (0, 8)


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 100])
def test_compress_pairs_vs_oracle(n, rng):
    d = rng.integers(0, 1 << 32, (2 * n, 8), dtype=np.uint32)
    out = compress_pairs(d)
    for i in range(n):
        assert to_bytes(out[i]) == oracle.blake3(to_bytes(d[2 * i]) + to_bytes(d[2 * i + 1])).digest()


def test_bad_shapes_rejected():
    with pytest.raises(TypeError):
        hash_rows(np.zeros(8, np.uint32))
    with pytest.raises(TypeError):
        hash_rows(np.zeros((2, 8), np.int64))
    with pytest.raises(TypeError):
        compress_pairs(np.zeros((3, 8), np.uint32))
    with pytest.raises(TypeError):
        compress_pairs(np.zeros((2, 4), np.uint32))


def test_digest_bytes_round_trip(rng):
    d = rng.integers(0, 1 << 32, 8, dtype=np.uint32)
    b = to_bytes(d)
    assert len(b) == 32 and np.array_equal(from_bytes(b), d)
    with pytest.raises(ValueError):
        from_bytes(b[:31])

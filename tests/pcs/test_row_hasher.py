"""The streaming row hasher gives exactly hash_rows' digests, however the columns are fed."""

import numpy as np
import pytest

from deepprove_cli.hash.rows import hash_rows
from deepprove_cli.pcs.basefold.row_hasher import RowHasher


@pytest.mark.parametrize("width", [1, 2, 15, 16, 17, 255, 256, 257, 512, 700, 1024 + 48])
def test_matches_hash_rows(rng, width):
    rows = 37
    mat = rng.integers(0, 1 << 32, size=(rows, width), dtype=np.uint32)
    want = hash_rows(mat)
    for trial in range(3):
        h = RowHasher(rows, width)
        cuts = np.sort(rng.integers(0, width + 1, size=trial * 3))
        for lo, hi in zip([0, *cuts], [*cuts, width]):
            h.absorb(mat[:, lo:hi])
        assert np.array_equal(h.digests(), want), (width, cuts)


def test_many_rows_parallel_path(rng):
    mat = rng.integers(0, 1 << 32, size=(1 << 13, 40), dtype=np.uint32)
    h = RowHasher(*mat.shape)
    for lo in range(0, 40, 8):
        h.absorb(mat[:, lo:lo + 8])
    assert np.array_equal(h.digests(), hash_rows(mat))


def test_misuse():
    h = RowHasher(4, 10)
    with pytest.raises(ValueError):
        h.absorb(np.zeros((4, 11), np.uint32))
    h.absorb(np.zeros((4, 6), np.uint32))
    with pytest.raises(ValueError):
        h.digests()


@pytest.mark.parametrize("width", [1, 2, 16])
def test_column_major_windows(rng, width):
    """absorb_columns: row r = window r of each column in turn, read without a transpose."""
    rows, cols = 40, 7
    cw = rng.integers(0, 1 << 32, size=(cols, rows * width), dtype=np.uint32)
    mat = cw.reshape(cols, rows, width).transpose(1, 0, 2).reshape(rows, -1)
    h = RowHasher(rows, cols * width)
    h.absorb_columns(cw[:3], width)
    h.absorb(mat[:, 3 * width:4 * width])
    h.absorb_columns(cw[4:], width)
    assert np.array_equal(h.digests(), hash_rows(mat))
    with pytest.raises(ValueError):
        RowHasher(rows, width).absorb_columns(cw[:1, :-1], width)

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field import ntt as nt
from deepprove_cli.field import reference as ref
from deepprove_cli.field.babybear import GENERATOR, two_adic_root

P = ref.P


def _rand(rng, shape):
    return rng.integers(0, P, shape, dtype=np.uint32)


def _ints(x):
    return [int(v) for v in np.ravel(x)]


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5, 7])
def test_ntt_matches_naive_dft(rng, log_n):
    c = _rand(rng, 1 << log_n)
    expect = ref.dft(_ints(c))
    assert _ints(nt.ntt(c)) == expect
    assert _ints(nt.ntt(c, bit_reversed=True)) == ref.bit_reverse(expect)
    assert _ints(nt.intt(np.array(expect, dtype=np.uint32))) == _ints(c)
    assert _ints(nt.intt(np.array(ref.bit_reverse(expect), dtype=np.uint32), bit_reversed=True)) == _ints(c)


@pytest.mark.parametrize("log_n", [4, 6])
def test_coset_ntt_matches_naive(rng, log_n):
    c = _rand(rng, 1 << log_n)
    for shift in (GENERATOR, 7, P - 1):
        expect = ref.dft(_ints(c), shift)
        assert _ints(nt.coset_ntt(c, shift)) == expect
        assert _ints(nt.coset_ntt(c, shift, bit_reversed=True)) == ref.bit_reverse(expect)
        assert _ints(nt.coset_intt(np.array(expect, dtype=np.uint32), shift)) == _ints(c)
    assert ref.idft(ref.dft(_ints(c), 5), 5) == _ints(c)  # the reference pair is itself consistent


def test_blocked_path_roundtrip(rng, monkeypatch):
    """Sizes above one block exercise the grouped layers: compare against an unblocked run."""
    x = _rand(rng, (3, 1 << 11))
    plain = nt.ntt(x)
    monkeypatch.setattr(nt, "LOG_BLOCK", 3)  # forces grouped passes of up to 4 layers (and a partial one)
    nt.twiddles.cache_clear()
    blocked = nt.ntt(x)
    assert (blocked == plain).all()
    assert (nt.intt(blocked) == x).all()
    y = _rand(rng, 1 << 9)
    assert _ints(nt.ntt(y)) == ref.dft(_ints(y))


def test_larger_sizes_roundtrip_and_spot_check(rng):
    for log_n in (12, 13, 16):
        x = _rand(rng, 1 << log_n)
        y = nt.ntt(x)
        assert (nt.intt(y) == x).all()
        w = two_adic_root(log_n)
        for i in (0, 1, 5, (1 << log_n) - 1):  # spot-check evaluations by Horner
            pt = pow(w, i, P)
            acc = 0
            for cj in reversed(_ints(x)):
                acc = (acc * pt + cj) % P
            assert int(y[i]) == acc


def test_batched_rows_are_independent(rng):
    x = _rand(rng, (4, 32))
    y = nt.ntt(x)
    assert y.shape == (4, 32)
    for row in range(4):
        assert _ints(y[row]) == _ints(nt.ntt(x[row].copy()))
    assert (nt.coset_intt(nt.coset_ntt(x, 3), 3) == x).all()


def test_input_not_modified(rng):
    x = _rand(rng, 64)
    keep = x.copy()
    nt.ntt(x)
    nt.intt(x, bit_reversed=True)
    nt.lde(x, 2)
    assert (x == keep).all()


@pytest.mark.parametrize("log_k,r", [(0, 2), (3, 0), (3, 1), (4, 2), (3, 3)])
def test_lde_matches_coset_dft_of_padded(rng, log_k, r):
    c = _rand(rng, (2, 1 << log_k))
    for shift in (GENERATOR, 1):
        got = nt.lde(c, r, shift)
        assert got.shape == (2, 1 << (log_k + r))
        for row in range(2):
            padded = _ints(c[row]) + [0] * ((1 << (log_k + r)) - (1 << log_k))
            expect = ref.dft(padded, shift)
            assert _ints(got[row]) == ref.bit_reverse(expect)
            assert _ints(nt.lde(c[row].copy(), r, shift, bit_reversed=False)) == expect



@pytest.mark.parametrize("log_k,r", [(0, 2), (3, 0), (3, 1), (4, 2), (3, 3), (18, 1)])
def test_lde_in_place_matches_reference(rng, log_k, r):
    """Coefficients in block 0 of each row, transformed in place: the reference DFT of the padded row
    (bit-reversed), the other blocks' stale contents ignored."""
    c = _rand(rng, (3, 1 << log_k))
    for shift in (GENERATOR, 1):
        work = _rand(rng, (3, 1 << (log_k + r)))   # garbage beyond block 0
        work[:, :1 << log_k] = c
        nt.lde_in_place(work, log_k, r, shift)
        assert (work == nt.lde(c, r, shift)).all()
        if log_k <= 4:
            padded = _ints(c[1]) + [0] * ((1 << (log_k + r)) - (1 << log_k))
            assert _ints(work[1]) == ref.bit_reverse(ref.dft(padded, shift))


def test_lde_in_place_refuses_a_bad_buffer(rng):
    with pytest.raises(InputError):
        nt.lde_in_place(_rand(rng, (2, 12)), 2, 1)
    with pytest.raises(InputError):
        nt.lde_in_place(_rand(rng, (2, 32))[:, ::2], 3, 1)

def test_lde_folding_pairs_adjacent(rng):
    """In bit-reversed order, positions 2i and 2i+1 hold x and -x (what FRI folding needs)."""
    c = _rand(rng, 16)
    ev = nt.lde(c, 2)
    n = 64
    w = two_adic_root(6)
    pts = [GENERATOR * pow(w, ref.bit_reverse_index(q, 6), P) % P for q in range(n)]
    for i in range(0, n, 2):
        assert (pts[i] + pts[i + 1]) % P == 0


def test_bit_reverse(rng):
    x = _rand(rng, (2, 16))
    y = nt.bit_reverse_rows(x.reshape(-1).copy(), 4).reshape(2, 16)
    for row in range(2):
        assert _ints(y[row]) == ref.bit_reverse(_ints(x[row]))
    assert _ints(nt.rev_table(3)) == [ref.bit_reverse_index(i, 3) for i in range(8)]


def test_powers():
    assert _ints(nt.powers(3, 70, 5)) == [5 * pow(3, j, P) % P for j in range(70)]
    assert _ints(nt.powers(3, 5)) == [pow(3, j, P) for j in range(5)]


def test_twiddle_table_layout():
    tw, tws = nt.twiddles(4)
    for h in (1, 2, 4, 8):
        w2h = two_adic_root(h.bit_length())  # primitive 2h-th root
        assert _ints(tw[h:2 * h]) == [pow(w2h, j, P) for j in range(h)]
    assert _ints(tws[1:]) == [(int(t) << 32) // P for t in tw[1:]]
    with pytest.raises(ValueError):
        tw[1] = 0  # cached tables are read-only


def test_bad_input():
    with pytest.raises(InputError, match="power of two"):
        nt.ntt(np.zeros(12, dtype=np.uint32))
    with pytest.raises(InputError, match="power of two"):
        nt.ntt(np.zeros(0, dtype=np.uint32))
    with pytest.raises(InputError, match="dtype"):
        nt.ntt(np.zeros(8, dtype=np.int64))
    with pytest.raises(InputError, match="not canonical"):
        nt.intt(np.full(8, P, dtype=np.uint32))
    with pytest.raises(InputError, match="shape"):
        nt.ntt(np.zeros((2, 2, 2), dtype=np.uint32))
    with pytest.raises(InputError, match="shift"):
        nt.coset_ntt(np.zeros(8, dtype=np.uint32), 0)
    with pytest.raises(InputError, match="log_blowup"):
        nt.lde(np.zeros(8, dtype=np.uint32), -1)
    with pytest.raises(InputError, match="exceeds"):
        nt.lde(np.zeros(8, dtype=np.uint32), 25)
    big = np.lib.stride_tricks.as_strided(np.zeros(1, dtype=np.uint32), shape=(1 << 28,), strides=(0,))
    with pytest.raises(InputError, match="two-adicity"):
        nt.ntt(big)


@pytest.mark.parametrize("log_n", [9, 11, 12, 13])
def test_bit_reverse_tiled_and_small_paths(rng, log_n):
    x = _rand(rng, (2, 1 << log_n))
    y = nt.bit_reverse_rows(x.reshape(-1).copy(), log_n).reshape(2, -1)
    rev = np.array([ref.bit_reverse_index(i, log_n) for i in range(1 << log_n)])
    for row in range(2):
        assert (y[row][rev] == x[row]).all()

"""Encoding and fold kernels against the pure-Python references, and the identity Basefold rests
on: folding a codeword with r gives the codeword of the polynomial with x_0 fixed to r."""

import dataclasses

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold import encoding as E
from deepprove_cli.pcs.basefold import kernels as K
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.poly.multilinear import fix_first_variable

from .helpers import rand, tup


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5])
def test_moebius_matches_reference(rng, log_n):
    t = rand(rng, 1 << log_n)
    assert [c[0] for c in R.moebius(t.tolist())] == E.moebius(t).tolist()


@pytest.mark.parametrize("log_n", [6, 12, 13, 17])
def test_moebius_blocked_matches_layer_by_layer(rng, log_n):
    """The blocked / grouped kernel equals the plain layer loop (sizes crossing LOG_BLOCK and GROUP)."""
    t = rand(rng, (3, 1 << log_n))
    want = t.astype(np.int64)
    for j in range(log_n):
        v = want.reshape(3, -1, 2, 1 << j)
        v[:, :, 1, :] = (v[:, :, 1, :] - v[:, :, 0, :]) % P
    assert np.array_equal(E.moebius(t), want.astype(np.uint32))


def test_moebius_ext_is_coordinatewise(rng):
    t = rand(rng, (8, 4))
    assert tup(E.moebius_ext(t)) == R.moebius(tup(t))


@pytest.mark.parametrize("log_n,rate_bits", [(0, 1), (1, 1), (2, 2), (3, 1), (4, 3)])
def test_encode_matches_reference(rng, log_n, rate_bits):
    t = rand(rng, (2, 1 << log_n))
    cw = E.encode(t, rate_bits)
    for k in range(2):
        assert [c[0] for c in R.encode(t[k].tolist(), rate_bits)] == cw[k].tolist()


@pytest.mark.parametrize("log_len", [1, 2, 5])
def test_fold_kernel_matches_reference(rng, log_len):
    cw = rand(rng, (1 << log_len, 4))
    s = rand(rng, 4)
    got = E.fold(cw, s, E.fold_twiddles(log_len, top=log_len + 3))
    assert tup(got) == R.fold(tup(cw), tuple(int(v) for v in s))


@pytest.mark.parametrize("log_n,rate_bits", [(1, 1), (3, 1), (4, 2), (6, 3)])
def test_fold_equals_fixing_x0(rng, log_n, rate_bits):
    """fold(Enc(f), r) == Enc(f(r, x_1, ...)) for base f and extension r, repeatedly down to a constant."""
    f = rand(rng, 1 << log_n)
    cw = np.zeros((len(f) << rate_bits, 4), dtype=np.uint32)
    cw[:, 0] = E.encode(f[None], rate_bits)[0]
    table = f
    for _ in range(log_n):
        r = rand(rng, 4)
        L = cw.shape[0].bit_length() - 1
        cw = E.fold(cw, r, E.fold_twiddles(L))
        table = fix_first_variable(table, r)
        want = [R.univariate(R.moebius(tup(table)), R.domain_point(L - 1, q)) for q in range(cw.shape[0])]
        assert tup(cw) == want
    assert (cw == cw[0]).all()  # a constant polynomial's codeword is constant


def test_twiddle_prefix_property():
    for L in (2, 5, 9):
        assert np.array_equal(E.fold_twiddles(L), E.fold_twiddles(L, top=L + 4))


def test_to_windows(rng):
    cw = rand(rng, (3, 32))
    w = E.to_windows(cw, 2)
    assert w.shape == (8, 3, 4)
    for k in range(3):
        assert np.array_equal(w[:, k, :].reshape(-1), cw[k])


def _combo(tables, coeffs):
    return R.combine([t.tolist() for t in tables], [tuple(int(v) for v in c) for c in coeffs])


@pytest.mark.parametrize("log_n,rate_bits", [(0, 1), (3, 1), (5, 2), (12, 1)])
def test_encode_ext_is_coordinatewise_and_folds(rng, log_n, rate_bits):
    """encode_ext encodes each coordinate; folding it with s is encoding the table with x_0 = s
    (what lets the fold phase encode its table instead of folding the committed codewords)."""
    g = rand(rng, (1 << log_n, 4))
    cw = E.encode_ext(g, rate_bits)
    assert cw.shape == (1 << (log_n + rate_bits), 4)
    for k in range(4):
        assert np.array_equal(cw[:, k], E.encode(g[:, k][None], rate_bits)[0])
    if log_n:
        s = rand(rng, 4)
        L = log_n + rate_bits
        assert np.array_equal(E.fold(cw, s, E.fold_twiddles(L)), E.encode_ext(fix_first_variable(g, s), rate_bits))


@pytest.mark.parametrize("rate_bits", [1, 2])
def test_commit_encodes_long_columns_in_place_like_the_stacked_path(rng, monkeypatch, rate_bits):
    """The encoder's two paths (columns of >= 2^IN_PLACE_MIN_VARS written into their codeword buffers,
    shorter ones stacked) give the same codewords and root, and both equal the reference encoding."""
    from deepprove_cli.pcs import commit
    from deepprove_cli.pcs.basefold import commit_phase
    from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS

    params = dataclasses.replace(DEFAULT_PARAMS, rate_bits=rate_bits)
    polys = [rand(rng, 1 << n) for n in (7, 9, 9, 5)]
    datas = []
    for cut in (0, 99):
        monkeypatch.setattr(commit_phase, "IN_PLACE_MIN_VARS", cut)
        datas.append(commit(polys, params))
    a, b = datas
    assert a.commitment.root == b.commitment.root
    assert all((x == y).all() for x, y in zip(a.codewords, b.codewords))
    checked = 0
    for g, grp in enumerate(a.layout.groups):
        for i, col in enumerate(grp.polys):
            if a.column(col).size > 1 << 7:   # the reference is quadratic
                continue
            expect = R.encode(a.column(col).tolist(), rate_bits)
            assert a.codewords[g][i].tolist() == [c[0] for c in expect]
            checked += 1
    assert checked

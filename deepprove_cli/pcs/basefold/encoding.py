"""The Basefold code: multilinear evaluations -> Reed-Solomon codeword, and the fold that halves it.

A multilinear f of n variables (evaluation table on {0,1}^n, x_0 = lowest index bit) has monomial
coefficients c_S (S a subset of the variables, read as an n-bit index): the Moebius transform of
the table, additions only. Read as univariate coefficients, P(X) = sum_S c_S X^S, and the codeword
is P evaluated on the subgroup of size 2^(n + rate_bits), in bit-reversed order (`ntt.lde`), so
that positions 2i and 2i + 1 hold P(x) and P(-x).

Why this fold is a variable fix: P(X) = P_e(X^2) + X P_o(X^2), where P_e collects the monomials
without x_0 and P_o those with x_0 (shifted down); f(r, x_1, ...) has monomial coefficients
c_e + r c_o, i.e. P_e + r P_o. And F'(x^2) = (F(x) + F(-x))/2 + r (F(x) - F(-x))/(2x) is
exactly P_e(x^2) + r P_o(x^2) on the squared domain, which is the subgroup of half the size, in
bit-reversed order again. So folding the codeword with r gives the codeword of f with x_0 = r:
the FRI fold and the sumcheck bind the same variable in the same order.

Domain: the subgroup itself (coset shift 1), not a proper coset: Basefold divides by no vanishing
polynomial, so nothing needs the shift, and the squares of a subgroup are the next subgroup, so
codewords of every size live on one nested family and a smaller polynomial's codeword can join a
folded one at any fold count (see layout.py).
"""

from __future__ import annotations

import functools

import numpy as np

from deepprove_cli.field import ntt
from deepprove_cli.field.babybear import P, two_adic_root
from deepprove_cli.field.parallel import threads_for
from deepprove_cli.pcs.basefold import kernels as K
from deepprove_cli.poly.flat import readonly


def moebius_rows(flat: np.ndarray, log_n: int) -> None:
    """Moebius transform of every length-2^log_n row of a flat uint32 array, in place."""
    n = 1 << log_n
    if n == 1 or flat.size == 0:
        return
    log_block = min(K.LOG_BLOCK, log_n)
    with threads_for(flat.size):
        K.k_moebius_blocks(flat, 1 << log_block)
        h = 1 << log_block
        while h < n:
            layers = min(K.GROUP, log_n - (h.bit_length() - 1))
            K.k_moebius_group(flat, h, layers)
            h <<= layers


def moebius(tables: np.ndarray) -> np.ndarray:
    """Monomial coefficients of base tables (K, 2^n) or (2^n,), as a new array."""
    out = np.array(tables, dtype=np.uint32, order="C")
    moebius_rows(out.reshape(-1), out.shape[-1].bit_length() - 1)
    return out


def moebius_ext(table: np.ndarray) -> np.ndarray:
    """Monomial coefficients of an extension table (2^n, 4): the transform is linear over the base
    field, so it runs on each coordinate."""
    cols = np.ascontiguousarray(table.T)
    moebius_rows(cols.reshape(-1), table.shape[0].bit_length() - 1)
    return np.ascontiguousarray(cols.T)


def encode(tables: np.ndarray, rate_bits: int) -> np.ndarray:
    """Codewords (K, 2^(n + rate_bits)) of base evaluation tables (K, 2^n), bit-reversed order."""
    coeffs = moebius(tables)
    return ntt.lde(coeffs, rate_bits, shift=1, bit_reversed=True)


def encode_ext(table: np.ndarray, rate_bits: int) -> np.ndarray:
    """The codeword (2^(n + rate_bits), 4) of an extension table (2^n, 4): the code is linear over
    the base field, so it encodes each coordinate."""
    cols = np.ascontiguousarray(table.T)
    moebius_rows(cols.reshape(-1), table.shape[0].bit_length() - 1)
    return np.ascontiguousarray(ntt.lde(cols, rate_bits, shift=1, bit_reversed=True).T)


def to_windows(codewords: np.ndarray, log_window: int) -> np.ndarray:
    """(K, 2^L) codewords -> (2^(L - log_window), K, 2^log_window): one Merkle row per window."""
    k, length = codewords.shape
    width = 1 << log_window
    nwin = length // width
    if k == 1:
        return codewords.reshape(nwin, 1, width)
    out = np.empty((nwin, k, width), dtype=np.uint32)
    with threads_for(out.size):
        K.k_to_windows(np.ascontiguousarray(codewords).reshape(-1), k, nwin, width, out.reshape(-1))
    return out


@functools.lru_cache(maxsize=4)
def _twiddles(log_len: int) -> np.ndarray:
    root_inv = pow(two_adic_root(log_len), P - 2, P)
    pw = ntt.powers(root_inv, 1 << (log_len - 1), (P + 1) // 2)  # w^-j / 2
    tw = ntt.bit_reverse_rows(pw, log_len - 1) if log_len > 1 else pw
    tw.flags.writeable = False
    return tw


def fold_twiddles(log_len: int, top: int | None = None) -> np.ndarray:
    """1/(2 x_i) for the 2^(log_len - 1) pairs of a codeword of 2^log_len positions (a prefix of the
    table for 2^top positions, so one table serves all levels of an opening)."""
    top = log_len if top is None else top
    return _twiddles(top)[:1 << (log_len - 1)]


def fold(codeword: np.ndarray, s, tw: np.ndarray) -> np.ndarray:
    """One binary fold of an extension codeword (2^L, 4) with challenge s: (2^(L-1), 4)."""
    out = np.empty((codeword.shape[0] // 2, 4), dtype=np.uint32)
    with threads_for(codeword.size):
        K.k_fold(readonly(codeword.reshape(-1)), _tuple(s), readonly(tw), out.reshape(-1))
    return out


def _tuple(e):
    return (np.uint32(e[0]), np.uint32(e[1]), np.uint32(e[2]), np.uint32(e[3]))

"""Fraction trees: leaves (p_i, q_i) and the layers above them, built bottom-up (prover side).

Layer d (the leaves) has 2^d fractions; layer k has 2^k, entry i combining entries i and i + 2^k of
layer k + 1 (the two HALVES, so the pair bit is the top variable and every pass streams two
contiguous arrays): p' = p0 q1 + p1 q0, q' = q0 q1. Layer 0 is the root p/q = sum of the leaves.

Leaves come in two kinds:
- `BaseLeaves(p, w, alpha)`: p and w in the base field, q = alpha - w (single-column lookups: range
  and identity tables, by far the most common). The first layer is then computed from base products:
  p' = alpha (p0 + p1) - (p0 w1 + p1 w0), q' = alpha^2 - alpha (w0 + w1) + w0 w1, two ext-by-base
  products per entry instead of three ext products.
- `ExtLeaves(p, q)`: both (2^d, 4) ext (tuple lookups, where w = x + beta y + ... is already ext).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import reduce62, reduce64
from deepprove_cli.field.ext4 import ext_mul, ext_mul_base, ext_square
from deepprove_cli.lookup import felt
from deepprove_cli.lookup.flat_ops import eadd, esub
from deepprove_cli.poly.flat import add64, ld, st, sub64


@njit(cache=True)
def base_pair_terms(p0, p1, w0, w1):
    """(p0 + p1, p0 w1 + p1 w0, w0 + w1, w0 w1) in the base field: the coefficients, in alpha, of
    p' = alpha A - B and q' = alpha^2 - alpha C + D for q = alpha - w."""
    a = add64(p0, p1)
    b = reduce64(np.uint64(p0) * np.uint64(w1) + np.uint64(p1) * np.uint64(w0))
    c = add64(w0, w1)
    d = reduce62(np.uint64(w0) * np.uint64(w1))
    return a, b, c, d


MIN_CHUNK = 1 << 16  # entries per parallel work item (at least); one chunk runs serially (see layer_kernels)


def _chunks(n: int) -> int:
    return max(1, min(256, n // MIN_CHUNK))


@njit(cache=True)
def _layer_from_ext_range(p, q, out_p, out_q, lo, hi):
    """Three passes, each with at most three load streams: LLVM vectorizes those and not a single
    pass reading p and q at i and i + h (measured 12 vs 40 ns per entry)."""
    h = out_p.size // 4
    for i in range(lo, hi):
        st(out_q, i, ext_mul(ld(q, i), ld(q, i + h)))
    for i in range(lo, hi):
        st(out_p, i, ext_mul(ld(p, i), ld(q, i + h)))
    for i in range(lo, hi):
        st(out_p, i, eadd(ld(out_p, i), ext_mul(ld(p, i + h), ld(q, i))))


@njit(parallel=True, cache=True)
def _layer_from_ext_par(p, q, out_p, out_q, nchunks):
    h = out_p.size // 4
    for c in prange(nchunks):
        _layer_from_ext_range(p, q, out_p, out_q, c * h // nchunks, (c + 1) * h // nchunks)


@njit(cache=True)
def _layer_from_base_range(p, w, alpha, out_p, out_q, lo, hi):
    h = out_p.size // 4
    alpha2 = ext_square(alpha)
    for i in range(lo, hi):
        a, b, c, d = base_pair_terms(p[i], p[i + h], w[i], w[i + h])
        pa = ext_mul_base(alpha, a)
        qn = esub(alpha2, ext_mul_base(alpha, c))
        st(out_p, i, (sub64(pa[0], b), pa[1], pa[2], pa[3]))
        st(out_q, i, (add64(qn[0], d), qn[1], qn[2], qn[3]))


@njit(parallel=True, cache=True)
def _layer_from_base_par(p, w, alpha, out_p, out_q, nchunks):
    h = out_p.size // 4
    for c in prange(nchunks):
        _layer_from_base_range(p, w, alpha, out_p, out_q, c * h // nchunks, (c + 1) * h // nchunks)


@njit(cache=True)
def _alpha_minus_scaled_range(out, col, coeff, alpha, first, lo, hi):
    for i in range(lo, hi):
        base = alpha if first else ld(out, i)
        st(out, i, esub(base, ext_mul_base(coeff, col[i])))


@njit(parallel=True, cache=True)
def _alpha_minus_scaled_par(out, col, coeff, alpha, first, nchunks):
    n = col.size
    for c in prange(nchunks):
        _alpha_minus_scaled_range(out, col, coeff, alpha, first, c * n // nchunks, (c + 1) * n // nchunks)


def layer_from_ext(p, q, out_p, out_q) -> None:
    """One layer up from ext fractions (flat views): out[i] = combine(in[i], in[i + h])."""
    h = out_p.size // 4
    n = _chunks(h)
    if n == 1:
        _layer_from_ext_range(p, q, out_p, out_q, 0, h)
    else:
        _layer_from_ext_par(p, q, out_p, out_q, n)


def layer_from_base(p, w, alpha, out_p, out_q) -> None:
    """One layer up from base leaves (p, q = alpha - w), into ext (flat views); alpha a 4-tuple."""
    h = out_p.size // 4
    n = _chunks(h)
    if n == 1:
        _layer_from_base_range(p, w, alpha, out_p, out_q, 0, h)
    else:
        _layer_from_base_par(p, w, alpha, out_p, out_q, n)


def alpha_minus_scaled(out, col, coeff, alpha, first: bool) -> None:
    """out_i = (first ? alpha : out_i) - coeff * col_i: builds q = alpha - sum_c beta^c col_c (flat out)."""
    n = _chunks(col.size)
    if n == 1:
        _alpha_minus_scaled_range(out, col, coeff, alpha, first, 0, col.size)
    else:
        _alpha_minus_scaled_par(out, col, coeff, alpha, first, n)


@dataclass
class BaseLeaves:
    p: np.ndarray      # (2^d,) base
    w: np.ndarray      # (2^d,) base; q = alpha - w
    alpha: np.ndarray  # (4,)

    @property
    def depth(self) -> int:
        return self.p.shape[0].bit_length() - 1


@dataclass
class ExtLeaves:
    p: np.ndarray  # (2^d, 4)
    q: np.ndarray  # (2^d, 4)

    @property
    def depth(self) -> int:
        return self.p.shape[0].bit_length() - 1


class FractionTree:
    """All layers of one tree: `layers[k] = (P_k, Q_k)` ext (2^k, 4) for 1 <= k < depth, and the leaves."""

    def __init__(self, leaves):
        self.leaves = leaves
        self.depth = leaves.depth
        if self.depth < 1:
            raise ValueError("a fraction tree has at least 2 leaves")
        self.layers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        k = self.depth - 1
        while k >= 1:
            out_p = np.empty((1 << k, 4), dtype=np.uint32)
            out_q = np.empty((1 << k, 4), dtype=np.uint32)
            if k == self.depth - 1 and isinstance(leaves, BaseLeaves):
                layer_from_base(leaves.p, leaves.w, felt.tup(leaves.alpha), out_p.reshape(-1), out_q.reshape(-1))
            else:
                src_p, src_q = self.layers[k + 1] if k + 1 < self.depth else (leaves.p, leaves.q)
                layer_from_ext(src_p.reshape(-1), src_q.reshape(-1), out_p.reshape(-1), out_q.reshape(-1))
            self.layers[k] = (out_p, out_q)
            k -= 1

    def layer_one(self) -> np.ndarray:
        """(P_1[0], P_1[1], Q_1[0], Q_1[1]) as a (4, 4) array: what the proof sends for the root."""
        if self.depth == 1:
            return np.stack(self.fractions_at_leaf_pair())
        p, q = self.layers[1]
        return np.stack([p[0], p[1], q[0], q[1]])

    def fractions_at_leaf_pair(self) -> list[np.ndarray]:
        """Layer 1 of a depth-1 tree: its two leaves as ext (p0, p1, q0, q1)."""
        lv = self.leaves
        if isinstance(lv, BaseLeaves):
            return [felt.const(int(lv.p[0])), felt.const(int(lv.p[1])),
                    felt.sub(lv.alpha, felt.const(int(lv.w[0]))), felt.sub(lv.alpha, felt.const(int(lv.w[1])))]
        return [lv.p[0], lv.p[1], lv.q[0], lv.q[1]]

    def source(self, k: int):
        """The tables reducing layer k's claims: layer k + 1 (ext (P, Q) or the leaves)."""
        if k + 1 < self.depth:
            return self.layers[k + 1]
        return self.leaves

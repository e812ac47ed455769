"""Batched GKR prover for fractional sums: many fraction trees, one sumcheck per layer.

Given leaves for T trees (any depths >= 1), it builds every tree (tree.py), sends every tree's
layer 1 (the root is its combination), then for k = 1 .. max depth - 1 reduces the claims on
layer k of every tree deeper than k to claims on layer k + 1, with one sumcheck for all of them:
the trees' claims sit at the same point rho (all trees share every challenge), so with one random
lambda the claim sum_a lambda^(2a) P_a(rho) + lambda^(2a+1) Q_a(rho) is a single eq(rho, .)-weighted
degree-3 sumcheck (layer_kernels.py). Afterwards the prover sends, per tree, the two halves of layer
k + 1 at the sumcheck point s; a challenge mu reduces them to one claim at (s, mu). A tree of depth d
ends at layer d: its leaf claims sit at the point reached there, returned for the caller.

Schedule and encoding: proof.py. The verifier is gkr_verifier.py.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.parallel import threads_for
from deepprove_cli.lookup import felt
from deepprove_cli.lookup import layer_kernels as K
from deepprove_cli.lookup.gkr_verifier import batching_coefficients
from deepprove_cli.lookup.proof import (LABEL_EVALS, LABEL_LAMBDA, LABEL_MU, LABEL_R, LABEL_ROOTS, LABEL_ROUND,
                                        GkrProof, LayerProof)
from deepprove_cli.lookup.tree import BaseLeaves, ExtLeaves, FractionTree
from deepprove_cli.poly.eq import eq_table


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1)


class _LayerTables:
    """One tree's four tables A0, A1, B0, B1 while layer k's sumcheck runs (folded in ping-pong buffers)."""

    def __init__(self, src, k: int):
        h = 1 << k
        self.k = k
        self.base = isinstance(src, BaseLeaves)
        if self.base:
            self.alpha = src.alpha
            self.tabs = [src.p[:h], src.p[h:], src.w[:h], src.w[h:]]
        else:
            p, q = (src.p, src.q) if isinstance(src, ExtLeaves) else src
            self.tabs = [_flat(p[:h]), _flat(p[h:]), _flat(q[:h]), _flat(q[h:])]
        self.buffers = None
        self.ping = 0

    def _dst(self, pairs: int) -> list[np.ndarray]:
        if self.buffers is None:
            half = 1 << (self.k - 1)
            self.buffers = [[np.empty(4 * half, dtype=np.uint32) for _ in range(4)],
                            [np.empty(4 * max(1, half // 2), dtype=np.uint32) for _ in range(4)]]
        out = [b[:8 * pairs] for b in self.buffers[self.ping]]
        self.ping ^= 1
        return out

    def round(self, r_prev, eq: np.ndarray) -> np.ndarray:
        """(Sa(0), Sb(0), Sa(2), Sb(2)) of this round as (4, 4); folds at r_prev first (if given)."""
        pairs = eq.shape[0]
        e = _flat(eq)
        if r_prev is None:
            if self.base:
                return _base_values(K.sum_partial(K.round_base(*self.tabs, e)), self.alpha)
            return K.sum_partial(K.round_ext(*self.tabs, e))
        dst = self._dst(pairs)
        if self.base:
            partial = K.round_fold_base(*self.tabs, felt.tup(self.alpha), felt.tup(r_prev), *dst, e)
            self.base = False
        else:
            partial = K.round_fold_ext(*self.tabs, felt.tup(r_prev), *dst, e)
        self.tabs = dst
        return K.sum_partial(partial)

    def finish(self, r) -> np.ndarray:
        """(A0, A1, B0, B1) at the sumcheck point: the tables (2 entries each) folded at the last r."""
        if self.base:
            a0, a1, w0, w1 = ([felt.const(int(t[0])), felt.const(int(t[1]))] for t in self.tabs)
            return np.stack([felt.line(*a0, r), felt.line(*a1, r),
                             felt.sub(self.alpha, felt.line(*w0, r)), felt.sub(self.alpha, felt.line(*w1, r))])
        return np.stack([felt.line(t[0:4], t[4:8], r) for t in self.tabs])


def _base_values(s: np.ndarray, alpha) -> np.ndarray:
    """Sa(t) = alpha E*A_t - E*B_t, Sb(t) = alpha^2 E - alpha E*C_t + E*D_t from round_base's nine sums."""
    a2 = felt.mul(alpha, alpha)
    out = []
    for t in (0, 4):
        out.append(felt.sub(felt.mul(alpha, s[1 + t]), s[2 + t]))
        out.append(felt.add(felt.sub(felt.mul(a2, s[0]), felt.mul(alpha, s[3 + t])), s[4 + t]))
    return np.stack(out)


def prove(leaves: list, transcript) -> tuple[GkrProof, list[np.ndarray]]:
    """Prove the layer-1 values of every tree. Returns (proof, each tree's leaf point (depth, 4))."""
    trees = [FractionTree(lv) for lv in leaves]
    depths = [t.depth for t in trees]
    roots = np.stack([t.layer_one() for t in trees])
    transcript.absorb_ext(LABEL_ROOTS, roots.reshape(-1, 4))
    point = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32).reshape(1, 4)
    leaf_points: list = [point if d == 1 else None for d in depths]
    layers = []
    for k in range(1, max(depths)):
        active = [i for i, d in enumerate(depths) if d > k]
        lam = np.asarray(transcript.challenge_ext(LABEL_LAMBDA), dtype=np.uint32)
        coeffs = batching_coefficients(lam, len(active))
        states = [_LayerTables(trees[i].source(k), k) for i in active]
        with threads_for(1 << (k - 1)):
            eq = eq_table(point[1:])
        rounds = np.zeros((k, 2, 4), dtype=np.uint32)
        s = np.zeros((k, 4), dtype=np.uint32)
        r_prev = None
        for j in range(k):
            if j:
                nxt = np.empty((eq.shape[0] // 2, 4), dtype=np.uint32)
                K.eq_pair_sums(_flat(eq), _flat(nxt))
                eq = nxt
            sums = np.stack([st.round(r_prev, eq) for st in states])  # (active, 4, 4): Sa(0), Sb(0), Sa(2), Sb(2)
            rounds[j, 0] = felt.dot_kernel(coeffs, np.concatenate([sums[:, 0], sums[:, 1]]))
            rounds[j, 1] = felt.dot_kernel(coeffs, np.concatenate([sums[:, 2], sums[:, 3]]))
            transcript.absorb_ext(LABEL_ROUND, rounds[j])
            r_prev = np.asarray(transcript.challenge_ext(LABEL_R), dtype=np.uint32)
            s[j] = r_prev
        evals = np.stack([st.finish(r_prev) for st in states])
        transcript.absorb_ext(LABEL_EVALS, evals.reshape(-1, 4))
        mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32)
        point = np.concatenate([s, mu.reshape(1, 4)])
        for i in active:
            if depths[i] == k + 1:
                leaf_points[i] = point
        layers.append(LayerProof(rounds, evals))
    return GkrProof(roots, layers), leaf_points

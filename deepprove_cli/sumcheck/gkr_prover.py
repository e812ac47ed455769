"""Prover side of the fraction-tree GKR (protocol in gkr.py): the tree's layers and the layer proofs."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from deepprove_cli.field.ext4 import ext_add, ext_mul
from deepprove_cli.field.ext4_vec import k_ext_scale
from deepprove_cli.field.vec import k_add
from deepprove_cli.poly.flat import ld, num_chunks, run_serially, st
from deepprove_cli.sumcheck.eq_prover import prove_eq
from deepprove_cli.sumcheck.gkr import (LABEL_EVALS, LABEL_LAMBDA, LABEL_MU, LABEL_ROOT, TERMS, FractionProof,
                                        next_point, layer_step)
from deepprove_cli.sumcheck.problem import SumcheckProblem, eadd, emul, esub


@njit(cache=True)
def _parent_range(p, q, pp, qq, lo, hi):
    h = np.uint64(pp.size // 4)
    for i in range(np.uint64(lo), np.uint64(hi)):
        p0 = ld(p, i)
        p1 = ld(p, i + h)
        q0 = ld(q, i)
        q1 = ld(q, i + h)
        st(pp, i, ext_add(ext_mul(p0, q1), ext_mul(p1, q0)))
        st(qq, i, ext_mul(q0, q1))


@njit(cache=True, parallel=True)
def _parent_par(p, q, pp, qq, nchunks):
    m = pp.size // 4
    for c in prange(nchunks):
        _parent_range(p, q, pp, qq, c * m // nchunks, (c + 1) * m // nchunks)


def _lift(a: np.ndarray) -> np.ndarray:
    if a.ndim == 2:
        return np.ascontiguousarray(a, dtype=np.uint32)
    out = np.zeros((a.shape[0], 4), dtype=np.uint32)
    out[:, 0] = a
    return out


def fraction_layers(p: np.ndarray, q: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(p_k, q_k) for k = 0..n]: the root (1 entry) first, the leaves (lifted to ext) last."""
    from deepprove_cli.poly.multilinear import num_vars_of

    n = num_vars_of(p)
    if num_vars_of(q) != n:
        raise ValueError("fraction_layers: p and q of different sizes")
    layers = [(_lift(p), _lift(q))]
    for k in range(n, 0, -1):
        lp, lq = layers[-1]
        h = 1 << (k - 1)
        pp, qq = np.empty((h, 4), dtype=np.uint32), np.empty((h, 4), dtype=np.uint32)
        args = (lp.reshape(-1), lq.reshape(-1), pp.reshape(-1), qq.reshape(-1))
        if run_serially(h):
            _parent_range(*args, 0, h)
        else:
            _parent_par(*args, num_chunks(h))
        layers.append((pp, qq))
    return layers[::-1]


def prove_fractions(p: np.ndarray, q: np.ndarray, transcript):
    """Prove the fraction tree of leaves p / q. Returns (proof, (p_root, q_root), leaf point (n, 4),
    (p(point), q(point))): the caller publishes the root and checks the leaf claims."""
    layers = fraction_layers(p, q)
    n = len(layers) - 1
    root = (layers[0][0][0].copy(), layers[0][1][0].copy())
    transcript.absorb_ext(LABEL_ROOT, np.stack(root))
    point = np.zeros((0, 4), dtype=np.uint32)
    vp, vq = root
    scs, evs = [], []
    for k in range(n):
        lp, lq = layers[k + 1]
        h = 1 << k
        lam = np.asarray(transcript.challenge_ext(LABEL_LAMBDA), dtype=np.uint32).reshape(4)
        r1 = np.empty((h, 4), dtype=np.uint32)
        k_ext_scale(lq[h:].reshape(-1), (lam[0], lam[1], lam[2], lam[3]), r1.reshape(-1))
        k_add(r1.reshape(-1), lp[h:].reshape(-1), r1.reshape(-1))
        problem = SumcheckProblem([lp[:h], lq[h:], lq[:h], r1], TERMS)
        sc, s, tev = prove_eq(point, problem, eadd(vp, emul(lam, vq)), transcript)
        # back from (p0, q1, q0, p1 + lambda q1) to (p0, p1, q0, q1)
        p1 = esub(tev[3], emul(lam, tev[1]))
        ev = np.stack([tev[0], p1, tev[2], tev[1]])
        transcript.absorb_ext(LABEL_EVALS, ev)
        mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32).reshape(4)
        scs.append(sc)
        evs.append(ev)
        point = next_point(s, mu)
        vp, vq = layer_step(ev, mu)
    return FractionProof(scs, evs), root, point, (vp, vq)

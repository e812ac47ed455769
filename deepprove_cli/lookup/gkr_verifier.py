"""Batched GKR verifier for fractional sums (the prover is gkr_prover.py; schedule in proof.py).

Round j of layer k's sumcheck: the round polynomial is s_j(X) = e_j l_j(X) h_j(X) with
e_j = eq(rho_<j, r_<j) and l_j(X) = eq(rho_j, X) known to the verifier, and h_j of degree 2. The
verifier keeps c_j = (claim of round j) / e_j instead of the claim: c_0 is the layer's batched
claim, c_j = (1 - rho_j) h_j(0) + rho_j h_j(1) gives h_j(1) from the sent h_j(0), and
c_{j+1} = h_j(r_j). After the last round c_k = F(s) exactly (the eq factor is divided out), checked
against the sent next-layer values. A zero rho_j (probability 2^-124) cannot be divided by and is
rejected.

Imports no prover kernel: field scalars, the transcript's labels and the proof format only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.ext4 import ext_add, ext_inv, ext_sub
from deepprove_cli.field.ext4 import ext_mul_outlined as ext_mul  # serial code: called, not inlined (compile time)
from deepprove_cli.lookup import felt
from deepprove_cli.sumcheck.lagrange import interpolate_kernel
from deepprove_cli.lookup.proof import (LABEL_EVALS, LABEL_LAMBDA, LABEL_MU, LABEL_R, LABEL_ROOTS, LABEL_ROUND,
                                        GkrProof)

def batching_coefficients(lam, count: int) -> np.ndarray:
    """(2 count, 4): lambda^(2a) for tree a's P claim in rows 0..count-1, lambda^(2a+1) for its Q claim
    in rows count..2 count-1 (so a dot product with [P claims; Q claims] batches them)."""
    pw = felt.powers_kernel(felt.tup(lam), 2 * count)
    return np.ascontiguousarray(np.concatenate([pw[0::2], pw[1::2]]))


@njit(cache=True)
def replay_kernel(claim, rounds, rho, rs):
    """(c_k, ok): the normalized claim after a layer's rounds (module docstring); ok is False when a
    coordinate of rho is zero (then nothing is computed)."""
    c = (claim[0], claim[1], claim[2], claim[3])
    one = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
    out = np.zeros(4, dtype=np.uint32)
    h = np.empty((3, 4), dtype=np.uint32)
    for j in range(rounds.shape[0]):
        p = (rho[j, 0], rho[j, 1], rho[j, 2], rho[j, 3])
        if p[0] == 0 and p[1] == 0 and p[2] == 0 and p[3] == 0:
            return out, False
        h0 = (rounds[j, 0, 0], rounds[j, 0, 1], rounds[j, 0, 2], rounds[j, 0, 3])
        h2 = (rounds[j, 1, 0], rounds[j, 1, 1], rounds[j, 1, 2], rounds[j, 1, 3])
        h1 = ext_mul(ext_sub(c, ext_mul(ext_sub(one, p), h0)), ext_inv(p))
        h[0, 0], h[0, 1], h[0, 2], h[0, 3] = h0
        h[1, 0], h[1, 1], h[1, 2], h[1, 3] = h1
        h[2, 0], h[2, 1], h[2, 2], h[2, 3] = h2
        c = interpolate_kernel(h, (rs[j, 0], rs[j, 1], rs[j, 2], rs[j, 3]))
    out[0], out[1], out[2], out[3] = c
    return out, True


@njit(cache=True)
def layer_value_kernel(coeffs, evals):
    """sum_a cp_a (A0 B1 + A1 B0) + cq_a B0 B1 over the active trees' sent values (A0, A1, B0, B1);
    coeffs = [cp; cq] as from `batching_coefficients`."""
    m = evals.shape[0]
    acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    for a in range(m):
        a0 = (evals[a, 0, 0], evals[a, 0, 1], evals[a, 0, 2], evals[a, 0, 3])
        a1 = (evals[a, 1, 0], evals[a, 1, 1], evals[a, 1, 2], evals[a, 1, 3])
        b0 = (evals[a, 2, 0], evals[a, 2, 1], evals[a, 2, 2], evals[a, 2, 3])
        b1 = (evals[a, 3, 0], evals[a, 3, 1], evals[a, 3, 2], evals[a, 3, 3])
        cp = (coeffs[a, 0], coeffs[a, 1], coeffs[a, 2], coeffs[a, 3])
        cq = (coeffs[m + a, 0], coeffs[m + a, 1], coeffs[m + a, 2], coeffs[m + a, 3])
        acc = ext_add(acc, ext_mul(cp, ext_add(ext_mul(a0, b1), ext_mul(a1, b0))))
        acc = ext_add(acc, ext_mul(cq, ext_mul(b0, b1)))
    out = np.empty(4, dtype=np.uint32)
    out[0], out[1], out[2], out[3] = acc
    return out


def verify(depths: list[int], proof: GkrProof, transcript):
    """Replay the GKR. Returns (roots, leaves): roots[i] = (P, Q) of tree i's root (the caller checks
    their sums), leaves[i] = (point (depth, 4), P, Q): the claims on tree i's leaves at that point."""
    if not isinstance(proof, GkrProof):
        raise ProofInvalid("lookup proof: not a GKR proof")
    proof.check_shape(depths)
    transcript.absorb_ext(LABEL_ROOTS, proof.roots.reshape(-1, 4))
    mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32)
    roots = [(felt.arr(felt.add_i(felt.mul_i(p0, q1), felt.mul_i(p1, q0))), felt.arr(felt.mul_i(q0, q1)))
             for p0, p1, q0, q1 in proof.roots.tolist()]
    r = [np.ascontiguousarray(proof.roots[:, c]) for c in range(4)]  # contiguous: one kernel specialization
    claim_p = felt.lines_kernel(r[0], r[1], felt.tup(mu))
    claim_q = felt.lines_kernel(r[2], r[3], felt.tup(mu))
    point = mu.reshape(1, 4)
    leaves: list = [(point, claim_p[i], claim_q[i]) if d == 1 else None for i, d in enumerate(depths)]
    for k, lp in enumerate(proof.layers, start=1):
        active = np.array([i for i, d in enumerate(depths) if d > k], dtype=np.int64)
        lam = np.asarray(transcript.challenge_ext(LABEL_LAMBDA), dtype=np.uint32)
        coeffs = batching_coefficients(lam, active.size)
        claim = felt.dot_kernel(coeffs, np.concatenate([claim_p[active], claim_q[active]]))
        rs = np.zeros((k, 4), dtype=np.uint32)
        for j in range(k):
            transcript.absorb_ext(LABEL_ROUND, lp.rounds[j])
            rs[j] = transcript.challenge_ext_ints(LABEL_R)
        final, ok = replay_kernel(claim, np.ascontiguousarray(lp.rounds), point, rs)
        if not ok:
            raise ProofInvalid(f"gkr layer {k}: degenerate point coordinate")
        ev = np.ascontiguousarray(lp.evals)
        if not np.array_equal(final, layer_value_kernel(coeffs, ev)):
            raise ProofInvalid(f"gkr layer {k}: sumcheck final value does not match the next layer's values")
        transcript.absorb_ext(LABEL_EVALS, ev.reshape(-1, 4))
        mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32)
        point = np.concatenate([rs, mu.reshape(1, 4)])
        claim_p[active] = felt.lines_kernel(np.ascontiguousarray(ev[:, 0]), np.ascontiguousarray(ev[:, 1]),
                                            felt.tup(mu))
        claim_q[active] = felt.lines_kernel(np.ascontiguousarray(ev[:, 2]), np.ascontiguousarray(ev[:, 3]),
                                            felt.tup(mu))
        for i in active:
            if depths[i] == k + 1:
                leaves[i] = (point, claim_p[i], claim_q[i])
    return roots, leaves

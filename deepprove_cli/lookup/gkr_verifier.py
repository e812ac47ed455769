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

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.lookup import felt
from deepprove_cli.lookup.proof import (LABEL_EVALS, LABEL_LAMBDA, LABEL_MU, LABEL_R, LABEL_ROOTS, LABEL_ROUND,
                                        GkrProof)

_INV2 = felt.inv(felt.const(2))


def batching_coefficients(lam, count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(lambda^(2a), lambda^(2a+1)) for a < count: the weights of tree a's P and Q claims."""
    pw = felt.powers(lam, 2 * count)
    return pw[0::2], pw[1::2]


def quadratic_at(h0, h1, h2, r) -> np.ndarray:
    """The degree-2 polynomial through (0, h0), (1, h1), (2, h2), at r (Lagrange on 0, 1, 2)."""
    r1 = felt.sub(r, felt.ONE)
    r2 = felt.sub(r, felt.const(2))
    l0 = felt.mul(felt.mul(r1, r2), _INV2)
    l1 = felt.sub(felt.ZERO, felt.mul(r, r2))
    l2 = felt.mul(felt.mul(r, r1), _INV2)
    return felt.add(felt.add(felt.mul(h0, l0), felt.mul(h1, l1)), felt.mul(h2, l2))


def replay_rounds(claim, rounds: np.ndarray, rho: np.ndarray, rs: np.ndarray, layer: int) -> np.ndarray:
    """The normalized claim c_k after the k rounds of a layer (see the module docstring)."""
    c = claim
    for j in range(rounds.shape[0]):
        if felt.is_zero(rho[j]):
            raise ProofInvalid(f"gkr layer {layer}: degenerate point coordinate")
        h0, h2 = rounds[j, 0], rounds[j, 1]
        h1 = felt.mul(felt.sub(c, felt.mul(felt.sub(felt.ONE, rho[j]), h0)), felt.inv(rho[j]))
        c = quadratic_at(h0, h1, h2, rs[j])
    return c


def layer_value(cp, cq, evals: np.ndarray) -> np.ndarray:
    """sum_a cp_a (A0 B1 + A1 B0) + cq_a B0 B1 over the active trees' sent values (A0, A1, B0, B1)."""
    acc = felt.ZERO
    for a, (a0, a1, b0, b1) in enumerate(evals):
        acc = felt.add(acc, felt.mul(cp[a], felt.add(felt.mul(a0, b1), felt.mul(a1, b0))))
        acc = felt.add(acc, felt.mul(cq[a], felt.mul(b0, b1)))
    return acc


def verify(depths: list[int], proof: GkrProof, transcript):
    """Replay the GKR. Returns (roots, leaves): roots[i] = (P, Q) of tree i's root (the caller checks
    their sums), leaves[i] = (point (depth, 4), P, Q): the claims on tree i's leaves at that point."""
    if not isinstance(proof, GkrProof):
        raise ProofInvalid("lookup proof: not a GKR proof")
    proof.check_shape(depths)
    transcript.absorb_ext(LABEL_ROOTS, proof.roots.reshape(-1, 4))
    mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32)
    roots, claims = [], []
    for p0, p1, q0, q1 in proof.roots:
        roots.append((felt.add(felt.mul(p0, q1), felt.mul(p1, q0)), felt.mul(q0, q1)))
        claims.append((felt.line(p0, p1, mu), felt.line(q0, q1, mu)))
    point = mu.reshape(1, 4)
    leaves: list = [(point, *claims[i]) if d == 1 else None for i, d in enumerate(depths)]
    for k, lp in enumerate(proof.layers, start=1):
        active = [i for i, d in enumerate(depths) if d > k]
        lam = np.asarray(transcript.challenge_ext(LABEL_LAMBDA), dtype=np.uint32)
        cp, cq = batching_coefficients(lam, len(active))
        claim = felt.add(felt.dot(cp, [claims[i][0] for i in active]), felt.dot(cq, [claims[i][1] for i in active]))
        rs = np.zeros((k, 4), dtype=np.uint32)
        for j in range(k):
            transcript.absorb_ext(LABEL_ROUND, lp.rounds[j])
            rs[j] = np.asarray(transcript.challenge_ext(LABEL_R), dtype=np.uint32)
        final = replay_rounds(claim, lp.rounds, point, rs, k)
        if not np.array_equal(final, layer_value(cp, cq, lp.evals)):
            raise ProofInvalid(f"gkr layer {k}: sumcheck final value does not match the next layer's values")
        transcript.absorb_ext(LABEL_EVALS, lp.evals.reshape(-1, 4))
        mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32)
        point = np.concatenate([rs, mu.reshape(1, 4)])
        for a, i in enumerate(active):
            a0, a1, b0, b1 = lp.evals[a]
            claims[i] = (felt.line(a0, a1, mu), felt.line(b0, b1, mu))
            if depths[i] == k + 1:
                leaves[i] = (point, *claims[i])
    return roots, leaves

"""Sumcheck verifier: replays the rounds, returns the point and the value the tables must have there.

It never sees the tables. Because g_j(1) is derived (proof.py), a wrong claim or a tampered round
does not fail a round by itself: it changes the expected final value, and the caller's check of that
value against the table evaluations (`problem.check_final`) rejects it. Imports no prover kernels.

The challenges depend only on the claim and the sent rounds, never on the running claim, so the
replay draws every challenge first (one absorb and one squeeze per round, in Python) and then runs
the chain claim_{j+1} = g_j(r_j) in ONE small kernel call (`replay_rounds`): per round that saves
the numba dispatch and array round trips that cost several times the arithmetic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.ext4 import ext_sub
from deepprove_cli.lookup.felt import ints, sub_i
from deepprove_cli.sumcheck.lagrange import interpolate_kernel
from deepprove_cli.sumcheck.problem import batch_coefficients, combine, to_ext
from deepprove_cli.sumcheck.proof import (LABEL_ALPHA, LABEL_BATCH, LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND,
                                          SumcheckProof, check_shape)


@njit(cache=True)
def replay_rounds(evals, point, claim):
    """The expected final value: claim_0 = claim, claim_{j+1} = g_j(point[j]) where g_j has values
    evals[j] = (g_j(0), g_j(2), ..., g_j(d)) and g_j(1) = claim_j - g_j(0). evals (n, d, 4), point
    (n, 4), claim a 4-tuple; returns a 4-tuple."""
    n, d = evals.shape[0], evals.shape[1]
    full = np.empty((d + 1, 4), dtype=np.uint32)
    c = claim
    for j in range(n):
        g0 = (evals[j, 0, 0], evals[j, 0, 1], evals[j, 0, 2], evals[j, 0, 3])
        full[0, 0], full[0, 1], full[0, 2], full[0, 3] = g0
        full[1, 0], full[1, 1], full[1, 2], full[1, 3] = ext_sub(c, g0)
        for t in range(1, d):
            for k in range(4):
                full[t + 1, k] = evals[j, t, k]
        c = interpolate_kernel(full, (point[j, 0], point[j, 1], point[j, 2], point[j, 3]))
    return c


def round_values(claim, sent: np.ndarray) -> np.ndarray:
    """(g(0), g(1), ..., g(d)) from the sent (g(0), g(2), ..., g(d)) and the running claim g(0) + g(1)."""
    d = sent.shape[0]
    full = np.empty((d + 1, 4), dtype=np.uint32)
    full[0] = sent[0]
    full[1] = sub_i(ints(claim), ints(sent[0]))
    full[2:] = sent[1:]
    return full


def verify(claim, num_vars: int, degree: int, proof: SumcheckProof, transcript) -> tuple[np.ndarray, np.ndarray]:
    """Replay a sumcheck of `degree` over `num_vars` variables for `claim`.

    Returns (point r, (n, 4); expected value of the summand at r, (4,)).
    """
    check_shape(num_vars, degree)
    if not isinstance(proof, SumcheckProof):
        raise ProofInvalid("sumcheck: not a sumcheck proof")
    proof.check_shape(num_vars, degree)
    claim = to_ext(claim)
    transcript.absorb_ext(LABEL_CLAIM, claim.reshape(1, 4))
    evals = proof.round_evals
    if not (evals.flags.c_contiguous and evals.flags.writeable):  # one kernel specialization only
        evals = np.array(evals, order="C")
    raw, step = evals.tobytes(), 16 * degree  # round j's values, as absorb_ext would encode them
    rs = []
    for j in range(num_vars):
        transcript.absorb_ext_bytes(LABEL_ROUND, raw[j * step:(j + 1) * step])
        rs.append(transcript.challenge_ext_ints(LABEL_CHALLENGE))
    point = np.array(rs, dtype=np.uint32).reshape(num_vars, 4)
    c = tuple(np.uint32(x) for x in claim.tolist())
    return point, np.array(replay_rounds(evals, point, c), dtype=np.uint32)


def verify_batch(claims, num_vars: list[int], degree: int, proof: SumcheckProof,
                 transcript) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Replay a batched sumcheck (see problem.py for the batching convention).

    Returns (point r over max(num_vars) variables, expected value, final coefficients f_i): instance
    i's point is r[:num_vars[i]] and the caller checks expected == sum_i f_i F_i(r[:num_vars[i]]).
    """
    if len(claims) != len(num_vars) or not claims:
        raise ValueError("verify_batch: one num_vars per claim, at least one claim")
    cl = [to_ext(c) for c in claims]
    if len(cl) == 1:
        point, expected = verify(cl[0], num_vars[0], degree, proof, transcript)
        return point, expected, [to_ext(1)]
    transcript.absorb_ext(LABEL_BATCH, np.stack(cl))
    alpha = np.asarray(transcript.challenge_ext(LABEL_ALPHA), dtype=np.uint32).reshape(4)
    claim_coeffs, final_coeffs = batch_coefficients(alpha, num_vars)
    point, expected = verify(combine(claim_coeffs, cl), max(num_vars), degree, proof, transcript)
    return point, expected, final_coeffs

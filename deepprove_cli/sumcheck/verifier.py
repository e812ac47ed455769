"""Sumcheck verifier: replays the rounds, returns the point and the value the tables must have there.

It never sees the tables. Because g_j(1) is derived (proof.py), a wrong claim or a tampered round
does not fail a round by itself: it changes the expected final value, and the caller's check of that
value against the table evaluations (`problem.check_final`) rejects it. Imports no prover kernels.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.ext4 import as_tuple, ext_sub
from deepprove_cli.sumcheck.lagrange import interpolate_kernel
from deepprove_cli.sumcheck.problem import batch_coefficients, combine, to_ext
from deepprove_cli.sumcheck.proof import (LABEL_ALPHA, LABEL_BATCH, LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND,
                                          SumcheckProof, check_shape)


def round_values(claim, sent: np.ndarray) -> np.ndarray:
    """(g(0), g(1), ..., g(d)) from the sent (g(0), g(2), ..., g(d)) and the running claim g(0) + g(1)."""
    d = sent.shape[0]
    full = np.empty((d + 1, 4), dtype=np.uint32)
    full[0] = sent[0]
    full[1] = ext_sub(as_tuple(claim), as_tuple(sent[0]))
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
    point = np.zeros((num_vars, 4), dtype=np.uint32)
    for j in range(num_vars):
        sent = proof.round_evals[j]
        transcript.absorb_ext(LABEL_ROUND, sent)
        r = np.asarray(transcript.challenge_ext(LABEL_CHALLENGE), dtype=np.uint32).reshape(4)
        point[j] = r
        claim = np.array(interpolate_kernel(round_values(claim, sent), as_tuple(r)), dtype=np.uint32)
    return point, claim


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

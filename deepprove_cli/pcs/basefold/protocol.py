"""The steps of the opening's transcript schedule that the prover and the verifier share verbatim."""

from __future__ import annotations

import numpy as np

from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold.claims import absorb_claims
from deepprove_cli.pcs.basefold.scalars import ONE


def absorb_statement(transcript, params, commitment, claims) -> None:
    """What both sides absorb first: parameters, commitment (shape and root), the callers' claims."""
    params.absorb(transcript)
    commitment.absorb(transcript)
    absorb_claims(transcript, claims)


def absorb_split_values(transcript, values: np.ndarray) -> None:
    """The chunk values of the claims on split polynomials (split.py), when there are any."""
    if len(values):
        transcript.absorb_ext(labels.SPLIT_VALUES, values)


def _affine_coefficients(transcript, label: str, count: int) -> np.ndarray:
    """(count, 4): 1, then count - 1 independent uniform challenges."""
    rest = transcript.challenge_exts(label, count - 1)
    return np.concatenate([ONE[None], rest]) if count > 1 else ONE[None].copy()


def reduce_coefficients(transcript, count: int) -> np.ndarray:
    """The point reduction's coefficients of the claims (claim order), independent rather than powers
    of one challenge: their error is 1/|F| for any number of claims, not (claims - 1)/|F|."""
    return _affine_coefficients(transcript, labels.REDUCE_ALPHA, count)


def beta_coefficients(transcript, polys) -> dict:
    """The batching coefficients of the claimed columns (increasing index): 1 for the first,
    independent uniform challenges for the others, G = sum_k beta_k f_k. Independent rather than
    powers of one challenge: the batching error is then D/|F| for any batch width, not (K - 1) D/|F|
    (pcs/security.py), which wide batches (the model's weights) could not afford."""
    return dict(zip(polys, _affine_coefficients(transcript, labels.BETA, len(polys))))

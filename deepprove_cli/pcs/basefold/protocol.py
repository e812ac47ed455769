"""The steps of the opening's transcript schedule that the prover and the verifier share verbatim."""

from __future__ import annotations

from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold.claims import absorb_claims
from deepprove_cli.pcs.basefold.scalars import powers


def absorb_statement(transcript, params, commitment, claims) -> None:
    """What both sides absorb first: parameters, commitment (shape and root), claims."""
    params.absorb(transcript)
    commitment.absorb(transcript)
    absorb_claims(transcript, claims)


def beta_coefficients(transcript, polys) -> dict:
    """beta^j for the j-th claimed polynomial (increasing index): G = sum_k beta_k f_k."""
    beta = transcript.challenge_ext(labels.BETA)
    return dict(zip(polys, powers(beta, len(polys))))

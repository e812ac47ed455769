"""The Basefold opening prover: claims on a committed batch -> one OpeningProof.

Order (the verifier replays it): absorb parameters, commitment and claims; reduce several points
to one (point_reduction.py, skipped when the claims already sit at one point); squeeze beta and
combine the claimed polynomials with its powers; sumcheck interleaved with folding
(fold_phase.py); grinding; query indices; openings (query_phase.py).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.pcs.basefold import fold_phase, labels, point_reduction, query_phase
from deepprove_cli.pcs.basefold.claims import check_claims, claimed_polys, common_point
from deepprove_cli.pcs.basefold.layout import FoldSchedule
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams
from deepprove_cli.pcs.basefold.proof import OpeningProof
from deepprove_cli.pcs.basefold.protocol import absorb_statement, beta_coefficients


def open_batch(data, claims, transcript, params: PcsParams = DEFAULT_PARAMS) -> OpeningProof:
    """Prove every claim (poly, point, value) on the batch committed in `data`. The values are not
    checked here: a wrong one gives a proof the verifier rejects."""
    layout = data.layout
    claims = check_claims(layout, claims)
    if (params.rate_bits, params.arity_bits) != (layout.rate_bits, layout.arity_bits):
        raise InputError("open_batch: the parameters' rate/arity differ from the commitment's")
    absorb_statement(transcript, params, data.commitment, claims)
    polys = claimed_polys(claims)
    cp = common_point(layout, claims)
    if cp is None:
        red_rounds, z, red_values = point_reduction.prove(data, claims, transcript)
    else:
        z = cp[0]
        red_rounds, red_values = np.zeros((0, 2, 4), np.uint32), np.zeros((0, 4), np.uint32)
    schedule = FoldSchedule.build(layout, polys, params.final_vars)
    coeffs = beta_coefficients(transcript, polys)
    res = fold_phase.prove(data, schedule, z, coeffs, transcript)
    nonce = transcript.grind(params.grinding_bits)
    queries = transcript.challenge_indices(labels.QUERIES, schedule.log_len, params.num_queries)
    batch, layer_openings = query_phase.open_queries(data, schedule, res.layers, queries)
    return OpeningProof(red_rounds, red_values, res.rounds, [tree.root for _, tree in res.layers], res.final,
                        nonce, batch, layer_openings)

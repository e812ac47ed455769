"""The Basefold opening prover: claims on a committed batch -> one OpeningProof.

Order (the verifier replays it): absorb parameters, commitment and the callers' claims; send the
chunk values of claims on split polynomials (split.py), which turns the claims into claims on the
committed columns; reduce several points to one (point_reduction.py, skipped when the claims
already sit at one point); squeeze the batching coefficients and combine the claimed columns;
sumcheck interleaved with folding (fold_phase.py); grinding; query indices; openings
(query_phase.py).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.pcs.basefold import fold_phase, labels, point_reduction, query_phase
from deepprove_cli.pcs.basefold.claims import check_claims, claimed_polys, common_point
from deepprove_cli.pcs.basefold.layout import FoldSchedule
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams
from deepprove_cli.pcs.basefold.proof import OpeningProof
from deepprove_cli.pcs.basefold.protocol import absorb_split_values, absorb_statement, beta_coefficients


def chunk_values(data, claims) -> np.ndarray:
    """(value_count, 4): T_j(z_low) for every chunk j of every claim on a split polynomial."""
    from deepprove_cli.poly.multilinear import evaluate

    split = data.commitment.split
    out = np.zeros((split.value_count(claims), 4), dtype=np.uint32)
    for _, c, off in split.split_claims(claims):
        low = c.point[:split.max_vars]
        chunks = data.table(c.poly).reshape(split.chunks(c.poly), -1)
        for j in range(chunks.shape[0]):
            out[off + j] = evaluate(chunks[j], low)
    return out


def open_batch(data, claims, transcript, params: PcsParams = DEFAULT_PARAMS) -> OpeningProof:
    """Prove every claim (poly, point, value) on the batch committed in `data`. The values are not
    checked here: a wrong one gives a proof the verifier rejects."""
    com = data.commitment
    layout = com.layout
    claims = check_claims(com.split, claims)
    if com.mismatch(params):
        raise InputError(f"open_batch: the parameters' {com.mismatch(params)} differ from the commitment's")
    absorb_statement(transcript, params, com, claims)
    split_values = chunk_values(data, claims)
    absorb_split_values(transcript, split_values)
    claims = com.split.column_claims(claims, split_values)
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
    return OpeningProof(split_values, red_rounds, red_values, res.rounds, [tree.root for _, tree in res.layers],
                        res.final, nonce, batch, layer_openings)

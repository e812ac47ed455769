"""The Basefold opening prover: claims on a committed batch -> one OpeningProof.

Order (the verifier replays it): absorb parameters, commitment and the callers' claims; send the
chunk values of claims on split polynomials (split.py), which, with the packing of small ones
(pack.py), turns the claims into claims on the committed columns; reduce several points to one (point_reduction.py, skipped when the claims
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
from deepprove_cli.pcs.basefold.scalars import ONE, eadd, emul, esub


def _values_from_sums(points: list[np.ndarray], sums: np.ndarray) -> np.ndarray:
    """f(z) = (1 - z_0) q(0) + z_0 q(1) from round 0's sums (point_reduction.Reduction.first_sums)."""
    out = np.zeros((len(points), 4), dtype=np.uint32)
    for i, (z, q) in enumerate(zip(points, sums)):
        out[i] = q[0] if len(z) == 0 else eadd(emul(esub(ONE, z[0]), q[0]), emul(z[0], q[1]))
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
    pieces = com.split.column_claims(claims)          # points only; their values follow
    chunk = [i for i, c in enumerate(pieces) if com.split.chunks(com.split.owner(c.poly)) > 1]
    slots = com.packing.claim_slots(pieces)
    cols = com.packing.column_claims(pieces)          # one per piece claim, same order
    reduce = common_point(layout, cols) is None       # claims at several points
    reduction = point_reduction.Reduction(data, cols, slots)
    first = reduction.first_sums(None if reduce else chunk)
    split_values = _values_from_sums([cols[i].point for i in chunk], first[chunk])
    absorb_split_values(transcript, split_values)
    claims = com.column_claims(claims, split_values)
    polys = claimed_polys(claims)
    if reduce:
        red_rounds, z, red_values = reduction.prove(first, transcript)
    else:
        z = common_point(layout, claims)[0]
        red_rounds, red_values = np.zeros((0, 2, 4), np.uint32), np.zeros((0, 4), np.uint32)
    schedule = FoldSchedule.build(layout, polys, params.final_vars)
    coeffs = beta_coefficients(transcript, polys)
    res = fold_phase.prove(data, schedule, z, coeffs, transcript)
    nonce = transcript.grind(params.grinding_bits)
    queries = transcript.challenge_indices(labels.QUERIES, schedule.log_len, params.num_queries)
    batch, layer_openings = query_phase.open_queries(data, schedule, res.layers, queries)
    return OpeningProof(split_values, red_rounds, red_values, res.rounds, [tree.root for _, tree in res.layers],
                        res.final, nonce, batch, layer_openings)

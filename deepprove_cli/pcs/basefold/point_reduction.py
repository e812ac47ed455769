"""Prover of the point reduction: claims at several points -> one claim per polynomial at one point.

With coefficients a_i from the transcript (protocol.reduce_coefficients), the claims combine into
one sum over the hypercube: sum_i a_i v_i = sum_k sum_y W_k(y) f_k(y),
W_k = sum_{i: claim i on f_k} a_i eq(z_i, .).
A degree-2 sumcheck proves it, binding x_0 first. Polynomials of fewer variables take the high
variables (as in the folding, layout.py): f_k joins at round d_k = n - n_k, when the running sum
gains its claims (the verifier adds them too), so its point is the suffix r[d_k:] of the
challenges. The prover then sends every claimed f_k(r[d_k:]); the verifier checks the last round
against sum_k W_k(r[d_k:]) f_k(r[d_k:]) with W_k computed from the claims in O(claims n).

The generic sumcheck (deepprove_cli.sumcheck) aligns smaller instances on the LOW variables, which
cannot meet a fold that binds x_0 first, hence this small dedicated prover.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field import ext4_vec, vec
from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold.claims import claimed_polys
from deepprove_cli.pcs.basefold.protocol import reduce_coefficients
from deepprove_cli.pcs.basefold.scalars import eadd
from deepprove_cli.pcs.basefold.tables import product_sums
from deepprove_cli.poly.eq import eq_table
from deepprove_cli.poly.multilinear import fix_first_variable


def _weights(claims, coeffs, poly: int) -> np.ndarray:
    w = None
    for i, c in enumerate(claims):
        if c.poly == poly:
            t = ext4_vec.scale(eq_table(c.point), coeffs[i], check=False)
            w = t if w is None else vec.add(w, t, check=False)
    return w


def prove(data, claims, transcript) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (rounds (n, 2, 4), point r (n, 4), values f_k(r[d_k:]) (claimed polys, 4))."""
    layout = data.layout
    polys = claimed_polys(claims)
    ap = reduce_coefficients(transcript, len(claims))
    n = max(layout.num_vars[k] for k in polys)
    inst = [[n - layout.num_vars[k], _weights(claims, ap, k), data.column(k)] for k in polys]
    rounds = np.zeros((n, 2, 4), dtype=np.uint32)
    point = np.zeros((n, 4), dtype=np.uint32)
    for j in range(n):
        active = [it for it in inst if it[0] <= j]
        for it in active:
            h0, h2 = product_sums(it[1], it[2])
            rounds[j, 0] = eadd(rounds[j, 0], h0)
            rounds[j, 1] = eadd(rounds[j, 1], h2)
        transcript.absorb_ext(labels.REDUCE_ROUND, rounds[j])
        point[j] = transcript.challenge_ext(labels.REDUCE_CHALLENGE)
        for it in active:
            it[1] = fix_first_variable(it[1], point[j])
            it[2] = fix_first_variable(it[2], point[j])
    values = np.zeros((len(polys), 4), dtype=np.uint32)
    for v, it in zip(values, inst):
        b = it[2]
        if b.ndim == 1:  # a polynomial of no variables, never folded
            v[0] = b[0]
        else:
            v[:] = b[0]
    transcript.absorb_ext(labels.REDUCE_VALUES, values)
    return rounds, point, values

"""Prover of Basefold's sumcheck interleaved with folding (FRI's "commit phase").

Claim: sum_x G(x) eq(z, x) = sum_k beta_k v_k, with G = sum_k beta_k f_k over the claimed
polynomials (a smaller f_k joins after d_k = n - n_k rounds, on the high variables, layout.py).
Round j sends h_j(X) = E_j eq(z_j, X) q_j(X) (Gruen's factorization: E_j = eq(z[:j], s[:j]) is
known to both sides, q_j(X) = sum_y G_j(X, y) eq(z[j+1:], y) is linear), as (h(0), h(2)); the
challenge s_j binds x_0 of the table. At each layer start the codeword of the current table (the
groups entering there added) is committed, its root absorbed before that round; after F = n - t
rounds the table (t variables) is sent in clear as monomial coefficients.

Why the layer codewords are encodings of the table rather than folds of the committed codewords:
folding a codeword with s gives exactly the codeword of the table with x_0 bound to s
(encoding.py), and adding codewords is encoding the sum, so both are the same bytes. But the fold
would read every committed codeword of the top group (the model's weights: gigabytes), while the
encoding reads the table G, whose size is that of one column (at most 2^max_vars extension
entries). So the fold phase never touches the committed codewords; only the queries read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.io.pages import release_file_pages
from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold.encoding import encode_ext, moebius_ext
from deepprove_cli.pcs.basefold.layout import FoldSchedule
from deepprove_cli.pcs.basefold.scalars import ONE, emul, eq1, gruen_round
from deepprove_cli.pcs.basefold.tables import add_stack, gruen_ext, pair_sum
from deepprove_cli.poly.eq import eq_table
from deepprove_cli.poly.multilinear import fix_first_variable


@dataclass
class FoldResult:
    rounds: np.ndarray                                   # (F, 2, 4)
    layers: list[tuple[np.ndarray, MerkleTree]]          # per committed layer: codeword (2^L, 4), tree
    final: np.ndarray                                    # (2^t, 4) monomial coefficients


def combination(data, coeffs: dict, group: int) -> tuple[np.ndarray, np.ndarray]:
    """(sel, coeffs) of a group: its claimed polynomials' positions in the group and their beta_k."""
    polys = data.layout.groups[group].polys
    pos = [i for i, k in enumerate(polys) if k in coeffs]
    cf = np.array([coeffs[polys[i]] for i in pos], dtype=np.uint32).reshape(-1, 4)
    return np.array(pos, dtype=np.int64), cf


def prove(data, schedule: FoldSchedule, z: np.ndarray, coeffs: dict, transcript) -> FoldResult:
    folds, n = schedule.folds, schedule.n
    rate = data.layout.rate_bits
    combos = {g: combination(data, coeffs, g) for gs in schedule.inject.values() for g in gs}
    commit_at = {lay.start: lay.log_window for lay in schedule.committed_layers()}
    rounds = np.zeros((folds, 2, 4), dtype=np.uint32)
    layers = []
    e_prefix = ONE
    e = eq_table(z[1:]) if n else None
    g = np.zeros((1 << n, 4), dtype=np.uint32)
    for j in range(folds + 1):
        for gi in schedule.inject.get(j, ()):
            add_stack(g, data.tables[gi], *combos[gi])
            release_file_pages(data.tables[gi])   # read once here (a mapped batch: its pages may go)
        if j == folds:
            break
        if j in commit_at:  # after the injections (layout.py)
            cw = encode_ext(g, rate)
            tree = MerkleTree.build(cw.reshape(-1, 4 << commit_at[j]))
            transcript.absorb_digest(labels.FOLD_ROOT, tree.root)
            layers.append((cw, tree))
        q0, q1 = gruen_ext(g, e)
        rounds[j] = gruen_round(e_prefix, z[j], q0, q1)
        transcript.absorb_ext(labels.FOLD_ROUND, rounds[j])
        s = transcript.challenge_ext(labels.FOLD_CHALLENGE)
        e_prefix = emul(e_prefix, eq1(z[j], s))
        g = fix_first_variable(g, s)
        if j + 1 < folds:
            e = pair_sum(e)
    final = moebius_ext(g)
    transcript.absorb_ext(labels.FINAL, final)
    return FoldResult(rounds, layers, final)

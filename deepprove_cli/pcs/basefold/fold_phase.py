"""Prover of Basefold's sumcheck interleaved with folding (FRI's "commit phase").

Claim: sum_x G(x) eq(z, x) = sum_k beta_k v_k, with G = sum_k beta_k f_k over the claimed
polynomials (a smaller f_k joins after d_k = n - n_k rounds, on the high variables, layout.py).
Round j sends h_j(X) = E_j eq(z_j, X) q_j(X) (Gruen's factorization: E_j = eq(z[:j], s[:j]) is
known to both sides, q_j(X) = sum_y G_j(X, y) eq(z[j+1:], y) is linear), as (h(0), h(2)); the
challenge s_j binds x_0 of the table and folds the codeword of G the same way (encoding.py), so
the folded codeword always encodes the current table. At each layer start the folded codeword, with the
groups entering there added, is committed (its root absorbed before that round); after F = n - t
rounds the table (t variables) is sent in clear as monomial coefficients.

Memory: the combined table and codeword are never built at full size: round 0 and the first fold
read the committed group directly (tables.gruen_stack, fold_stack, kernels.k_fold_windows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.field.parallel import threads_for
from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.pcs.basefold import kernels as K
from deepprove_cli.pcs.basefold import labels
from deepprove_cli.pcs.basefold.encoding import fold, fold_twiddles, moebius_ext
from deepprove_cli.pcs.basefold.layout import FoldSchedule
from deepprove_cli.pcs.basefold.scalars import ONE, emul, eq1, gruen_round
from deepprove_cli.pcs.basefold.tables import add_stack, fold_stack, gruen_ext, gruen_stack, pair_sum
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
    top_len = schedule.log_len
    combos = {g: combination(data, coeffs, g) for gs in schedule.inject.values() for g in gs}
    (top,) = schedule.inject[0]
    commit_at = {lay.start: lay.log_window for lay in schedule.committed_layers()}
    rounds = np.zeros((folds, 2, 4), dtype=np.uint32)
    layers = []
    e_prefix = ONE
    e = eq_table(z[1:]) if n else None
    g = cw = None
    for j in range(folds):
        if j == 0:
            q0, q1 = gruen_stack(data.tables[top], *combos[top], e)
        else:
            for gi in schedule.inject.get(j, ()):
                add_stack(g, data.tables[gi], *combos[gi])
                _add_windows(cw, data, gi, combos[gi])
            if j in commit_at:  # after the injections (layout.py)
                tree = MerkleTree.build(cw.reshape(-1, 4 << commit_at[j]))
                transcript.absorb_digest(labels.FOLD_ROOT, tree.root)
                layers.append((cw, tree))
            q0, q1 = gruen_ext(g, e)
        rounds[j] = gruen_round(e_prefix, z[j], q0, q1)
        transcript.absorb_ext(labels.FOLD_ROUND, rounds[j])
        s = transcript.challenge_ext(labels.FOLD_CHALLENGE)
        e_prefix = emul(e_prefix, eq1(z[j], s))
        tw = fold_twiddles(top_len - j, top_len)
        if j == 0:
            g = fold_stack(data.tables[top], *combos[top], s)
            cw = _fold_windows(data, top, combos[top], s, tw)
        else:
            g = fix_first_variable(g, s)
            cw = fold(cw, s, tw)
        if j + 1 < folds:
            e = pair_sum(e)
    if folds == 0:
        g = np.zeros((1 << n, 4), dtype=np.uint32)
    for gi in schedule.inject.get(folds, ()):
        add_stack(g, data.tables[gi], *combos[gi])
    final = moebius_ext(g)
    transcript.absorb_ext(labels.FINAL, final)
    return FoldResult(rounds, layers, final)


def _fold_windows(data, group: int, combo, s, tw) -> np.ndarray:
    win = data.windows[group]
    out = np.empty((win.shape[0] * win.shape[2] // 2, 4), dtype=np.uint32)
    sel, cf = combo
    with threads_for(win.size):
        K.k_fold_windows(win.reshape(-1), win.shape[1], win.shape[2], cf.reshape(-1), sel,
                         tuple(np.uint32(v) for v in s), tw, out.reshape(-1))
    return out


def _add_windows(cw, data, group: int, combo) -> None:
    win = data.windows[group]
    sel, cf = combo
    with threads_for(win.size):
        K.k_add_windows(win.reshape(-1), win.shape[1], win.shape[2], cf.reshape(-1), sel, cw.reshape(-1))

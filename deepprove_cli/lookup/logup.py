"""logUp prover: every row of every lookup lies in its table, for many tables at once.

With challenges beta and alpha (drawn after the caller absorbed its commitments to the looked-up
columns and to the multiplicities), a row (x, y, ...) of a lookup becomes the leaf 1/(alpha - w),
w = x + beta y + beta^2 ..., and table row j the leaf -m_j/(alpha - t_j); per table the leaves sum
to zero iff (with high probability) every row is a table row. The leaves are laid out in fraction
trees (layout.py), proven by the batched GKR (gkr_prover.py), and the leaf claims are reduced to
evaluations of the columns, which the proof carries and the caller must check:

    proof, claims = prove(tables, lookups, multiplicities, transcript)

`lookups` are `layout.Lookup`s (uint32 field columns), `multiplicities` one uint32 column per table
(`multiplicity.compute_multiplicities`). A group's columns are checked, leafed and evaluated while that
group is proven, then `done(i)` is called for each of its lookups i: the caller may free them (a long
sequence's columns are mapped from a file or built on demand, and one group's worth is what stays
resident). Before that, only each lookup's `table` and `shape` are read. Nothing is validated beyond
shapes here: a false witness gives a proof that fails verification (the soundness tests rely on that).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, check_canonical
from deepprove_cli.field.parallel import threads_for
from deepprove_cli.lookup import felt, gkr_prover
from deepprove_cli.lookup.layout import Claim, Layout, LookupClaims
from deepprove_cli.lookup.multiplicity import check_lookup
from deepprove_cli.lookup.proof import LookupProof, absorb_leaves, absorb_statement, draw_beta_alpha
from deepprove_cli.lookup.tree import BaseLeaves, ExtLeaves, alpha_minus_scaled
from deepprove_cli.poly.multilinear import evaluate


def _neg(m: np.ndarray) -> np.ndarray:
    return np.where(m == 0, np.uint32(0), np.uint32(P) - m).astype(np.uint32)


def build_leaves(tree, table, lookups, mult: np.ndarray, beta, alpha):
    """The leaves of one tree: base (p, w) for single-column tables, ext (p, q) for tuples."""
    n = 1 << tree.depth
    p = np.zeros(n, dtype=np.uint32)
    for b in tree.blocks:
        p[b.offset:b.offset + b.length] = _neg(mult) if b.is_table else 1
    if table.arity == 1:
        w = np.zeros(n, dtype=np.uint32)
        for b in tree.blocks:
            w[b.offset:b.offset + b.length] = table.input_column() if b.is_table else lookups[b.source].columns[0]
        return BaseLeaves(p, w, alpha)
    pe = np.zeros((n, 4), dtype=np.uint32)
    pe[:, 0] = p
    q = np.empty((n, 4), dtype=np.uint32)
    q[:] = alpha
    coeffs = felt.powers(beta, table.arity)
    for b in tree.blocks:
        cols = table.columns() if b.is_table else lookups[b.source].columns
        dst = q[b.offset:b.offset + b.length].reshape(-1)
        for c, col in enumerate(cols):
            alpha_minus_scaled(dst, col, felt.tup(coeffs[c]), felt.tup(alpha), c == 0)
    return ExtLeaves(pe, q)


def column_eval(col: np.ndarray, point: np.ndarray) -> np.ndarray:
    """MLE of a column zero-padded to 2^len(point) entries, at point (one thread below 2^17 entries:
    field.parallel)."""
    size = 1 << point.shape[0]
    if col.shape[0] != size:
        padded = np.zeros(size, dtype=np.uint32)
        padded[:col.shape[0]] = col
        col = padded
    with threads_for(size):
        return evaluate(col, point)


def _check_witness(tables, lookups, multiplicities) -> None:
    """The lookups' tables and the multiplicities (each lookup's columns: `_check_columns`, in its group)."""
    for i, lk in enumerate(lookups):
        if not 0 <= int(lk.table) < len(tables):
            raise InputError(f"lookup {i}: table index {lk.table} out of range")
    if len(multiplicities) != len(tables):
        raise InputError(f"{len(multiplicities)} multiplicity columns for {len(tables)} tables")
    for t, (tab, m) in enumerate(zip(tables, multiplicities)):
        check_canonical(m, f"table {t} multiplicities")
        if m.shape != (tab.size,):
            raise InputError(f"table {t} multiplicities: shape {m.shape}, expected ({tab.size},)")


def _check_columns(tables, i: int, lk) -> None:
    check_lookup(tables, i, lk)
    for c, col in enumerate(lk.columns):
        check_canonical(col, f"lookup {i} column {c}")


def prove(tables, lookups, multiplicities, transcript, done=None) -> tuple[LookupProof, LookupClaims]:
    """The lookup proof and the claims the caller must check (see the module docstring)."""
    _check_witness(tables, lookups, multiplicities)
    layout = Layout(tables, [lk.shape for lk in lookups])
    absorb_statement(transcript, tables, layout)
    beta, alpha = draw_beta_alpha(transcript)
    in_tree: dict[int, list[int]] = {}
    for i in range(len(lookups)):
        in_tree.setdefault(layout.block_tree[i][0], []).append(i)
    groups, points, lookup_claims = [], [], [None] * len(lookups)
    for a, b in layout.groups:  # one group's fraction layers in memory at a time (layout.py)
        mine = [i for t in range(a, b) for i in in_tree.get(t, ())]
        for i in mine:
            _check_columns(tables, i, lookups[i])
        leaves = [build_leaves(tr, tables[tr.table], lookups, multiplicities[tr.table], beta, alpha)
                  for tr in layout.trees[a:b]]
        gkr, pts = gkr_prover.prove(leaves, transcript)
        del leaves
        groups.append(gkr)
        points += pts
        for i in mine:  # the group's columns are read for the last time here
            tree, block = layout.block_tree[i]
            pt = points[tree][:block.log_size]
            lookup_claims[i] = Claim(pt, np.stack([column_eval(c, pt) for c in lookups[i].columns]))
            if done is not None:
                done(i)
    mult_claims, out_claims, table_evals = [], [], []
    for t, tab in enumerate(tables):
        tree, block = layout.table_tree[t]
        pt = points[tree][:block.log_size]
        m = column_eval(multiplicities[t], pt).reshape(1, 4)
        mult_claims.append(Claim(pt, m))
        outs = np.stack([column_eval(c, pt) for c in tab.output_columns()]) if tab.committed else None
        out_claims.append(Claim(pt, outs) if tab.committed else None)
        table_evals.append(np.concatenate([m, outs]) if tab.committed else m)
    proof = LookupProof(groups, [c.values for c in lookup_claims], table_evals)
    absorb_leaves(transcript, proof)
    return proof, LookupClaims(lookup_claims, mult_claims, out_claims)

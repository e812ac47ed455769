"""logUp verifier: replays the GKR, checks each table's root sum, rebuilds every tree's leaf claims
from the claimed column evaluations, and returns those evaluations for the caller to check.

    claims = verify(tables, shapes, proof, transcript)     # proof: LookupProof or its bytes

Leaf claims (layout.py): at a tree's leaf point r, block b (2^k leaves at offset o) weighs
eq(r[k:], o / 2^k); its numerators are the indicator of its first `length` leaves (lookups, O(k) by
`prefix_eval`) or minus the multiplicities (table, claimed), its values w are the columns folded with
beta (lookups: claimed; table: the affine input column, O(m), and the outputs, evaluated from the
table or claimed when committed). Then P(r) = sum_b sel_b P_b and Q(r) = alpha - sum_b sel_b W_b
(padding and unused leaves are 0/alpha: w = 0 there).

Imports no prover kernel: field scalars, transcript labels, poly's succinct and table evaluations.
Raises ProofInvalid naming the failing check.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.lookup import felt, gkr_verifier
from deepprove_cli.lookup.layout import Claim, Layout, LookupClaims
from deepprove_cli.lookup.proof import LookupProof, absorb_leaves, absorb_statement, draw_beta_alpha
from deepprove_cli.poly.structured import prefix_eval


def check_roots(tables, layout: Layout, roots) -> None:
    """Each table's root fractions must sum to zero with nonzero denominators."""
    for t, trees in enumerate(layout.tables_trees()):
        num, den = felt.ZERO_I, felt.ONE_I
        for i in trees:
            p, q = felt.ints(roots[i][0]), felt.ints(roots[i][1])
            if not any(q):
                raise ProofInvalid(f"lookup table {tables[t].name}: a root denominator is zero")
            num, den = felt.add_i(felt.mul_i(num, q), felt.mul_i(p, den)), felt.mul_i(den, q)
        if any(num):
            raise ProofInvalid(f"lookup table {tables[t].name}: the fractional sums do not cancel "
                               "(a looked-up value is not in the table, or the multiplicities are wrong)")


def _table_block(table, values: np.ndarray, point: np.ndarray, bpow) -> tuple[tuple, tuple]:
    """(numerator, w) of a table block at its point: -m and t_in + sum_c beta^c t_out_c (int 4-tuples)."""
    outs = values[1:].tolist() if table.committed else [felt.ints(v) for v in table.eval_outputs(point)]
    w = felt.add_i(felt.ints(table.eval_input(point)), felt.dot_i(bpow[1:], outs))
    return felt.sub_i(felt.ZERO_I, felt.ints(values[0])), w


def leaf_values(tables, layout: Layout, proof: LookupProof, tree_index: int, point: np.ndarray, bpow, alpha):
    """(P(r), Q(r)) of one tree at its leaf point, from the claimed column evaluations; bpow: the powers
    of beta as int 4-tuples."""
    tree = layout.trees[tree_index]
    rows = point.tolist()
    num, w = felt.ZERO_I, felt.ZERO_I
    for b in tree.blocks:
        sel = felt.eq_index_i(rows[b.log_size:], b.offset >> b.log_size)
        if b.is_table:
            bn, bw = _table_block(tables[tree.table], proof.table_evals[tree.table], point[:b.log_size], bpow)
        else:
            bn = felt.ints(prefix_eval(point[:b.log_size], b.length, 1, 0))
            bw = felt.dot_i(bpow, proof.lookup_evals[b.source].tolist())
        num = felt.add_i(num, felt.mul_i(sel, bn))
        w = felt.add_i(w, felt.mul_i(sel, bw))
    return felt.arr(num), felt.arr(felt.sub_i(felt.ints(alpha), w))


def verify(tables, shapes, proof, transcript) -> LookupClaims:
    """Check a lookup proof; returns the claims on the columns (see the module docstring)."""
    layout = Layout(tables, shapes)
    if isinstance(proof, (bytes, bytearray, memoryview)):
        proof = LookupProof.from_bytes(bytes(proof), layout)
    elif not isinstance(proof, LookupProof):
        raise ProofInvalid("lookup proof: not a lookup proof")
    proof.check_shape(layout)
    absorb_statement(transcript, tables, layout)
    beta, alpha = draw_beta_alpha(transcript)
    roots, leaves = [], []
    for depths, g in zip(layout.group_depths(), proof.groups):
        r_g, l_g = gkr_verifier.verify(depths, g, transcript)
        roots += list(r_g)
        leaves += l_g
    check_roots(tables, layout, roots)
    absorb_leaves(transcript, proof)
    bpow = [felt.ints(v) for v in felt.powers(beta, max(layout.arities))]
    for i, (point, p_claim, q_claim) in enumerate(leaves):
        num, den = leaf_values(tables, layout, proof, i, point, bpow, alpha)
        name = tables[layout.trees[i].table].name
        if not np.array_equal(num, p_claim):
            raise ProofInvalid(f"lookup table {name}: tree {i} leaf numerators do not match the claimed "
                               "multiplicities")
        if not np.array_equal(den, q_claim):
            raise ProofInvalid(f"lookup table {name}: tree {i} leaf denominators do not match the claimed "
                               "column evaluations")
    lookups = []
    for i in range(len(layout.shapes)):
        tree, block = layout.block_tree[i]
        lookups.append(Claim(leaves[tree][0][:block.log_size], proof.lookup_evals[i]))
    mults, outs = [], []
    for t, tab in enumerate(tables):
        tree, block = layout.table_tree[t]
        pt = leaves[tree][0][:block.log_size]
        mults.append(Claim(pt, proof.table_evals[t][:1]))
        outs.append(Claim(pt, proof.table_evals[t][1:]) if tab.committed else None)
    return LookupClaims(lookups, mults, outs)

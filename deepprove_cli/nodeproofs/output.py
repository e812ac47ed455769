"""Proof of the output node: each generated token is the FIRST maximum of its row of logits (greedy).

Only the rows that chose a generated token are argmaxed: rows n_prompt - 1 .. T - 1 of the logits,
selected by an Einsum with the public one-hot of those rows (skipped when they are all the rows).
With Lsel[t] = gen[t, tok_t] (another selection Einsum), the margins
D[t, j] = Lsel[t] - gen[t, j] - [j < tok_t] are range-checked in [0, 2^bits) (relations.argmax's
argument, built here from its pieces). Honest margins lie in [0, 2B] for logits bounded by B, so
bits = bitlen(2B); a token that is not the first maximum leaves a margin in [-2B - 1, -1], i.e. a field
element >= p - 2B - 1, outside the range as long as 2^bits + 2B < p (checked; the relation's own
29-bit cap assumes honest margins up to 2^bits, which is stricter than needed here).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import EinsumOp
from deepprove_cli.nodeproofs.splits import range_check
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import OneHotRows, PrefixRows
from deepprove_cli.relations.ranges import MAX_RANGE_BITS


@register
class ArgmaxProof(NodeProof):
    kind = "argmax"

    def lower(self, node, low) -> None:
        env = low.env
        logits = low.input(0)
        T, V = low.shape_of(logits)
        toks = np.asarray(env.outputs, dtype=np.int64)
        N = toks.size
        if N < 1 or env.n_prompt - 1 + N != T:
            raise InputError(f"argmax: {N} generated tokens do not match {T} rows and {env.n_prompt} prompt tokens")
        B = low.input_bound(0)
        bits = max(1, (2 * B).bit_length())
        if bits > MAX_RANGE_BITS or (1 << bits) + 2 * B >= P:
            raise InputError(f"argmax {node.name}: logits bounded by {B} are too wide to compare in the field")
        gen = logits
        if N != T:
            rows = np.arange(env.n_prompt - 1, T, dtype=np.int64)
            gen = low.tensor("rows", (N, V), "virtual")
            low.op(EinsumOp(Einsum("st,tv->sv", OneHotRows(rows, T), low.operand(logits), gen),
                            forward=lambda v: np.asarray(v[logits], np.int64)[rows], label=f"argmax rows {node.name}"))
        sel = low.tensor("sel", (N,), "virtual")
        low.op(EinsumOp(Einsum("tv,tv->t", OneHotRows(toks, V), low.operand(gen), sel),
                        forward=lambda v: np.asarray(v[gen], np.int64)[np.arange(N), toks], label=f"argmax {node.name}"))
        range_check(low, "margin", (N, V), bits,
                    [(1, Operand(sel, (N, 1))), (-1, low.operand(gen)), (-1, PrefixRows(toks, V))])

"""Proofs of the elementwise node kinds: Add (clamped residuals), Mul, Lookup, Requant, Limbs, and the
views Reshape and KVCache (the identity in the one-shot pass)."""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError

from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import AliasOp, EinsumOp, SliceOp, StackOp, TableOp, same_padded_table
from deepprove_cli.nodeproofs.splits import limb_terms, linear, mul_shift, scaled_multiplier, soft_clamp, split
from deepprove_cli.relations.elementwise import mul
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.public import Dense, Relayout


def _clamped_or_plain(low, terms, shape, pre_bound: int) -> None:
    """The node's output: sum of `terms`, through the node's soft clamp if it has one."""
    if "clamp" not in low.node.tables:
        linear(low, None, shape, terms)
        return
    if len(terms) == 1 and terms[0][0] == 1 and isinstance(terms[0][1], Operand):
        x = terms[0][1].name
    else:
        x = linear(low, "pre_clamp", shape, terms)
    soft_clamp(low, x, shape, pre_bound)


@register
class AddProof(NodeProof):
    """y = clamp(a + b): a linear relation, then the soft clamp (split, clamp-table lookup)."""

    kind = "add"

    def lower(self, node, low) -> None:
        shape = low.full(node.shape)
        terms = [(1, Operand(low.input(i), shape)) for i in range(2)]
        _clamped_or_plain(low, terms, shape, int(node.inter.get("sum", low.input_bound(0) + low.input_bound(1))))


@register
class MulProof(NodeProof):
    """y = a * b elementwise: an eq-weighted degree-3 sumcheck (an Einsum with batch letters only)."""

    kind = "mul"

    def lower(self, node, low) -> None:
        out = low.out()
        low.op(EinsumOp(mul(out, low.operand(low.input(0)), low.operand(low.input(1))), label=f"mul {node.name}"))


@register
class LookupProof(NodeProof):
    """y = T[x]: y is committed and (x, y) is looked up in T (logUp-GKR)."""

    kind = "lookup"

    def lower(self, node, low) -> None:
        x = low.input(0)
        out = low.out("committed")
        values, lo = low.table_values("table")
        low.op(TableOp(out, x, values, lo, label=f"lookup {node.name}"))
        low.lookup(low.table("table"), [x, out])


@register
class RequantProof(NodeProof):
    """y = clamp(sum over limb parts of round(x_part M f / 2^k) + bias) (graph.elementwise.Requant): each
    part a guarded mul_shift (nodeproofs.splits), the limb parts slices of the input's limb axis."""

    kind = "requant"

    def lower(self, node, low) -> None:
        x = low.input(0)
        shape = low.full(node.shape)
        m = low.array("m") if "m" in node.arrays else int(node.params["m"])
        if isinstance(m, Operand):
            raise InputError(f"requant {node.name}: a committed multiplier is not supported (the split guards "
                             "need its bound in clear: keep multipliers in the key)")
        m_bound = int(np.abs(m.values()).max()) if isinstance(m, Dense) else abs(int(m))
        parts = node._parts()
        # a lone part feeding a j = 0 clamp is looked up as it is: the table's domain bounds it
        width = None
        if len(parts) == 1 and "bias" not in node.arrays and "clamp" in node.tables and node.params["clamp_j"] == 0:
            width = low.table_values("clamp")[0].shape[0] - 1
        terms = []
        for sel, f, k, s in parts:
            xp = x
            if sel is not None:
                xp = low.tensor(f"part{sel}", shape, "virtual")
                low.op(SliceOp(xp, x, low.shape_of(x), 1, sel, label=f"limb part {xp}"))
            tag = "p" if sel is None else f"p{sel}"
            terms += mul_shift(low, tag, xp, shape, scaled_multiplier(m, f), m_bound * f, k, s, low.input_bound(), width)
        if "bias" in node.arrays:
            terms.append((1, low.array("bias")))
        _clamped_or_plain(low, terms, shape, int(node.inter.get("pre_clamp", node.bound)))


@register
class LimbsProof(NodeProof):
    """out = stack(hi, lo) on axis 1 with x = hi 2^L + lo: a guarded split (lo committed, range-checked)
    and a stack relation."""

    kind = "limbs"

    def lower(self, node, low) -> None:
        x = low.input(0)
        shape = low.shape_of(x)
        L = int(node.params["shift"])
        hi, limbs = split(low, "hi", shape, [(1, Operand(x, shape))], L, False, (low.input_bound() >> L) + 1)
        lo = limbs[0] if len(limbs) == 1 else linear(low, "lo", shape, limb_terms(limbs, shape))
        out = low.out()
        low.op(StackOp(out, [hi, lo], shape, 1, label=f"limbs {node.name}"))


_RELAYOUT_LETTERS = "abcdefghijklmnopqrs"


@register
class ReshapeProof(NodeProof):
    """A view: the same padded table under another shape, claims pass unchanged; when the padded layouts
    differ (a row of 576 as 3 x 3 x 64 heads), an Einsum of each row with the public 0/1 Relayout matrix."""

    kind = "reshape"

    def lower(self, node, low) -> None:
        x = low.input(0)
        out = low.out()
        xs, ys = low.shape_of(x), low.shape_of(out)
        if same_padded_table(xs, ys):
            low.op(AliasOp(out, x, xs, ys, label=f"reshape {node.name}"))
            return
        if not xs or not ys or xs[0] != ys[0] or len(xs) + len(ys) - 2 > len(_RELAYOUT_LETTERS):
            raise InputError(f"reshape {node.name}: {xs} -> {ys} keeps neither the padded layout nor the rows")
        a = _RELAYOUT_LETTERS[:len(xs) - 1]
        b = _RELAYOUT_LETTERS[len(a):len(a) + len(ys) - 1]
        rel = Relayout(xs[1:], ys[1:])
        low.op(EinsumOp(Einsum(f"t{a},{a}{b}->t{b}", low.operand(x), rel, out), label=f"relayout {node.name}"))


@register
class KVCacheProof(ReshapeProof):
    """The one-shot causal pass caches nothing: keys / values are the input itself."""

    kind = "kvcache"


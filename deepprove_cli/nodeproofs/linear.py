"""Proofs of the linear node kinds: Einsum (weights or two activations, optional bias) and Embedding."""

from __future__ import annotations

import numpy as np

from deepprove_cli.model import intops
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import EinsumOp, PublicOp
from deepprove_cli.nodeproofs.splits import linear
from deepprove_cli.relations.einsum import Einsum as EinsumRelation
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import Dense, PublicTensor
from deepprove_cli.relations.select import Select


def exact_forward(spec: str, a, b, bound: int):
    """The einsum's integers through float64 BLAS (exact below 2^53, as the graph computes them)."""

    def run(values):
        def val(x):
            return np.asarray(x.values() if isinstance(x, PublicTensor) else values[x.name], np.int64)

        return intops.exact_einsum(spec, val(a), val(b), bound)

    return run


@register
class EinsumProof(NodeProof):
    """y = einsum(spec, a, W or b) (+ bias): one sumcheck over the contracted and shared letters
    (relations.einsum), the bias a public (or committed) term of a linear relation."""

    kind = "einsum"

    def lower(self, node, low) -> None:
        spec = node.params["spec"]
        a = low.operand(low.input(0))
        b = low.array("w") if "w" in node.arrays else low.operand(low.input(1))
        shape = low.full(node.shape)
        bias = "bias" in node.arrays
        acc = low.tensor("acc", shape, "virtual") if bias else low.out()
        bound = int(node.inter.get("acc", node.bound))
        low.op(EinsumOp(EinsumRelation(spec, a, b, acc), forward=exact_forward(spec, a, b, bound),
                        label=f"einsum {node.name}"))
        if bias:
            linear(low, None, shape, [(1, Operand(acc, shape)), (1, low.array("bias"))])


@register
class EmbeddingProof(NodeProof):
    """y[t] = table[id_t] for the public ids (tokens or positions): a selection Einsum against the
    committed table, or, for a table in clear, a public tensor the verifier evaluates itself."""

    kind = "embedding"

    def lower(self, node, low) -> None:
        ids = low.env.ids if node.params["source"] == "tokens" else low.env.positions
        table = low.array("table")
        out = low.out()
        if isinstance(table, Dense):
            low.op(PublicOp(out, Dense(np.asarray(table.values())[ids]), label=f"embedding {node.name}"))
            return
        name = table.name
        low.op(EinsumOp(Select(table, ids, out), forward=lambda v: np.asarray(v[name], np.int64)[ids],
                        label=f"embedding {node.name}"))

"""A node kind proven by a zero-check relation (RowMax) through a ConstraintOp, the pattern the heavy
composite nodes (softmax, norm) follow: the relation's advice declared committed, its range checks
declared with `declare_range(identity=False)` (the relation proves its own limb identity), its witness
computed by the relation, then linear ops on top. Registered here only for the test."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.node import Node, Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.model.qtables import TableSet
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import ConstraintOp
from deepprove_cli.nodeproofs.splits import declare_range, linear
from deepprove_cli.prover import prove_sequence
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.rowmax import RowMax
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import HandModel, greedy


class RowMaxSub(Node):
    """y = x - max over the last axis (per row)."""

    kind = "test_rowmax_sub"

    def eval(self, ins, store, ctx):
        x = np.asarray(ins[0], np.int64)
        return {"out": x - x.max(axis=-1, keepdims=True)}

    def bounds(self, ins, store):
        return 2 * ins[0].bound, {"out": 2 * ins[0].bound}


@register
class RowMaxSubProof(NodeProof):
    kind = "test_rowmax_sub"

    def lower(self, node, low) -> None:
        x = low.input(0)
        shape = low.shape_of(x)
        bits = (2 * low.plan.graph[x].bound).bit_length()
        m = low.tensor("max", shape[:-1], "committed")
        rm = RowMax(low.operand(x), m, bits)
        advice = [low.tensor(low.suffix_of(t.name), shape, "committed") for t in (rm.s, rm.d)]
        declare_range(low, rm.range, identity=False)  # d itself, or its committed limbs
        limbs = [l.name for l in getattr(rm.range, "limbs", [])]
        low.op(ConstraintOp(rm, [m] + advice + limbs, lambda v: rm.witness(v[x]), label=f"rowmax {node.name}"))
        linear(low, None, shape, [(1, Operand(x, shape)), (-1, Operand(m, shape[:-1] + (1,)))])


def rowmax_model(scale: int) -> HandModel:
    rng = np.random.default_rng(11)
    V, D = 13, 6
    arrays = {"embed.table": rng.integers(-scale, scale, (V, D)), "logits.w": rng.integers(-8, 9, (V, D))}
    g = Graph(8, {"logits": "logits", "argmax": "argmax"})
    st = Store(arrays, TableSet())
    for node in [Embedding("embed", [], {"source": "tokens"}, {"table": "embed.table"}),
                 RowMaxSub("centred", ["embed"]),
                 Einsum("logits", ["centred"], {"spec": "tk,ok->to"}, {"w": "logits.w"}),
                 Argmax("argmax", ["logits"])]:
        g.add(node, st)
    from types import SimpleNamespace

    return HandModel(g, arrays, TableSet(), SimpleNamespace(n_vocab=V))


@pytest.mark.parametrize("scale", [50, 1 << 16])  # differences in one 7-bit column / in 16 + 2-bit limbs
def test_constraint_kind_end_to_end(scale):
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS

    m = rowmax_model(scale)
    toks = greedy(m, [3, 5], 2)
    st = Statement("hand-model", tuple(toks[:2]), tuple(toks[2:]), DEFAULT_PARAMS, None)
    limbs = {n for n in plan_for(key_from_model(m), st).tensors if n.startswith("centred.max.diff.lo")}
    assert limbs == (set() if scale == 50 else {"centred.max.diff.lo0", "centred.max.diff.lo1"})
    b = prove_sequence(m, None, toks, 2)
    assert (b.sizes.get("node/test_rowmax_sub", 0) > 0)
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid
    section = next((s, e) for n, s, e in b.sections if n == "node/test_rowmax_sub" and e > s)
    data = bytearray(b.proof_bytes)
    data[(section[0] + section[1]) // 2] ^= 4
    with pytest.raises(ProofInvalid, match="centred"):
        verify_sequence(key_from_model(m), b.statement, bytes(data))

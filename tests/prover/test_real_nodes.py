"""The proven node kinds with the parameters the quantizer gives real graphs (tiny gpt2 and llama):
each distinct Requant configuration (limb form, limb cuts, coarse and scale-up steps, clamps, bias) with
the Limbs + Einsum that feed it, and each distinct Add (clamped residuals), Mul (gate) and Lookup
(gelu, silu), fed by random inputs within their input bounds, proven and verified. (Norm, softmax and
rope nodes have their own files: test_norm_proof.py, test_softmax_proof.py, test_rope_proof.py.)"""

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from deepprove_cli.graph.elementwise import Reshape
from deepprove_cli.graph.linear import Embedding
from deepprove_cli.graph.node import Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import HandModel, greedy


def _signature(g, node) -> tuple:
    srcs = [g[i] for i in node.inputs]
    return (node.kind, tuple(sorted(node.params.items())), tuple(sorted(node.arrays)), tuple(sorted(node.tables)),
            tuple(s.kind for s in srcs), tuple(g[s.inputs[0]].kind if s.inputs else None for s in srcs))


def _chains(qm):
    """(the nodes of a chain ending at a distinct node, the (bound, shape) of each input feeding it)."""
    g = qm.graph
    seen, out = set(), []
    for node in g.nodes:
        if node.kind not in ("requant", "add", "mul", "lookup") or _signature(g, node) in seen:
            continue
        seen.add(_signature(g, node))
        chain = [node]
        src = g[node.inputs[0]]
        if node.kind == "requant" and src.kind == "einsum" and "w" in src.arrays and g[src.inputs[0]].kind == "limbs":
            chain = [g[src.inputs[0]], src, node]
        out.append((chain, [(g[i].bound, g[i].shape) for i in chain[0].inputs]))
    return out


def _mini_model(qm, chain, feeds, seed) -> HandModel:
    rng = np.random.default_rng(seed)
    last = chain[-1]
    width = int(np.prod(last.shape))
    rows = max(width, 8)
    arrays = {n: qm.arrays[n] for node in chain for n in node.arrays.values()}
    g = Graph(16, {"argmax": "argmax"})
    st = Store(arrays, qm.tables)
    names = []
    for i, (bound, shape) in enumerate(feeds):
        arrays[f"feed{i}.table"] = rng.integers(-bound, bound + 1, (rows,) + tuple(shape))
        names.append(g.add(Embedding(f"feed{i}", [], {"source": "tokens"}, {"table": f"feed{i}.table"}), st).name)
    inputs = names
    for node in chain:
        n = copy.deepcopy(node)
        n.inputs = inputs
        g.add(n, st)
        inputs = [n.name]
    prev = inputs[0]
    if len(last.shape) != 1:
        g.add(Reshape("flat", [prev], {"shape": [width]}), st)
        prev = "flat"
    g.add(Argmax("argmax", [prev]), st)
    return HandModel(g, arrays, qm.tables, SimpleNamespace(n_vocab=rows))


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_real_requant_chains(arch, tmp_path_factory):
    from deepprove_cli.model.dpq import load_dpq
    from tests.graph.tiny_models import tiny_paths

    qm = load_dpq(tiny_paths(arch, str(tmp_path_factory.getbasetemp()))[1])
    chains = _chains(qm)
    assert len(chains) >= 4
    kinds = set()
    for i, (chain, feeds) in enumerate(chains):
        m = _mini_model(qm, chain, feeds, i)
        toks = greedy(m, [1, 2], 2)
        b = prove_sequence(m, None, toks, 2)
        assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid, [n.name for n in chain]
        p = chain[-1].params
        kinds.add((chain[-1].kind, "limb_shift" in p, p.get("s", 0) > 0, "clamp_j" in p))
    assert {("requant", True, True, True), ("requant", False, False, False), ("add", False, False, True),
            ("lookup", False, False, False)} <= kinds
